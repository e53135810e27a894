// The requests a Client builds without asking the module (js/api.js
// Client.build) are the module's requests: a differential test over
// configurations, services, flows and bodies.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { init, Token } from '../../js/node.js';
import { Client, bodyPassesThrough } from '../../js/api.js';
import { build } from '../../js/bridge.js';
import { stringify } from '../../js/json.js';

before(() => init());

const configs = [
  { host: 'api.test' },
  { host: '127.0.0.1:4000', secure: false, version: '4.0', namespace: 'other' },
  { host: 'h.example', params: { hints: false, only: ['id'] } },
];
const bodies = [
  {}, { elems: { temp: 21 } }, { path: '/acct/x', elems: { a: '"quoted" \\ \u2028 ü 😀' } },
  { elems: { big: { type: 'long', value: 9223372036854775807n } } }, { id: 'd1', nested: [1, [2, { x: null }]] },
  { __proto__: null, plain: true }, JSON.parse('{"__proto__":{"x":1}}'),
];
const ops = (body) => [
  { service: 'drop', flowId: 'f1', name: 'create', body },
  { service: 'drop', flowId: 'f 1/x', name: 'create', body },
  { service: 'drop', path: '/acct/sensors', name: 'create', body },
  { service: 'drop', name: 'create', body: stringify({ path: '/acct/sensors', elems: {} }) },
  { service: 'flow', name: 'create', body },
  { service: 'token', name: 'create', body },
  { service: 'drop', flowId: 'f1', name: 'create', body: '[1]' },
  { service: 'drop', flowId: 'f1', name: 'create', body: '"text"' },
]; // (bodies are the package's own JSON.stringify: never invalid JSON)

test('a create built from a kept request equals the module\'s, and everything else is the module\'s', () => {
  let fast = 0;
  let checked = 0;
  for (const options of configs) {
    const client = new Client(new Token('acct', 'tok-BUILD-0123'), options);
    for (const model of bodies) {
      for (const op of ops(stringify(model))) {
        for (const params of [{}, { limit: 5 }]) {
          checked++;
          const full = { ...op, params };
          let want;
          let wantError;
          try { want = build(client.cfg, structuredClone(full)).request; } catch (err) { wantError = err; }
          if (bodyPassesThrough(full)) fast++;
          let got;
          try { got = client.build(structuredClone(full)); } catch (err) {
            assert.ok(wantError, `${stringify(full)}: ${err.message}`);
            assert.equal(err.message, wantError.message);
            continue;
          }
          assert.equal(wantError, undefined, `${stringify(full)} built, the module refused it: ${wantError?.message}`);
          assert.deepEqual({ ...got, headers: { ...got.headers } }, want, stringify(full));
        }
      }
    }
  }
  assert.ok(fast > 50 && fast < checked, `${fast} of ${checked} built without the module`);
});

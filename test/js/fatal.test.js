// If the wasm module ever fails fatally (a trap, Go's runtime exiting),
// every later call fails with a clear `internal` error saying so — never a
// ReferenceError or a hang — and init() loads a fresh module. The failure
// is made by wrapping the instance's flowthings_call export, the one way
// to make a correct module trap on demand. (Its own process.)
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { init, API, Token, mem, parseFilter, FlowThingsError } from '../../js/node.js';
import { envelope, recorder } from './helpers/transport.js';
import { build, configure, release } from '../../js/bridge.js';

const compiled = WebAssembly.compile(await readFile(new URL('../../dist/flowthings.wasm', import.meta.url)));

let trap = false; // makes the next flowthings_call trap
const instantiate = WebAssembly.instantiate;
WebAssembly.instantiate = async (source, imports) => {
  const result = await instantiate.call(WebAssembly, source, imports);
  if (!(source instanceof WebAssembly.Module)) return result;
  const { flowthings_call: realCall } = result.exports;
  const exports = {
    ...result.exports,
    flowthings_call(...args) {
      if (trap) {
        trap = false;
        throw new WebAssembly.RuntimeError('unreachable');
      }
      return realCall(...args);
    },
  };
  return Object.create(result, { exports: { value: exports } }); // still an instanceof WebAssembly.Instance
};

const api = () => new API(new Token('acct', 'tok-FATAL'), { transport: recorder(() => ({ status: 200, headers: {}, body: envelope({ id: 'f1' }) })) });

function isStopped(err) {
  assert.ok(err instanceof FlowThingsError, `${err?.name}: ${err?.message}`);
  assert.equal(err.code, 'internal');
  assert.match(err.message, /the wasm module failed fatally in \w+ \(unreachable\) and was stopped/);
  assert.match(err.message, /`await init\(\)` loads a fresh module/);
  assert.ok(err.cause instanceof WebAssembly.RuntimeError);
  return true;
}

it('after a fatal failure every call fails with a clear internal error; init() loads a fresh module', async () => {
  await init({ wasm: await compiled });
  const oldConfig = configure({ account: 'acct', token: 'tok-FATAL' }).id;
  const before = api();
  assert.deepEqual(await before.flow.read('f1'), { id: 'f1' });

  trap = true;
  await assert.rejects(before.flow.read('f2'), isStopped, 'the failing call');
  await assert.rejects(before.flow.read('f3'), isStopped, 'a later call of the same API');
  assert.throws(() => String(mem.a.eq(1)), isStopped, 'a filter');
  assert.throws(() => parseFilter('a == 1'), isStopped);
  assert.throws(() => api(), isStopped, 'a new API');

  await init({ wasm: await compiled });
  assert.equal(String(mem.a.eq(2)), 'a == 2');
  // An object of the failed module, released when collected, releases nothing of the new one.
  const newConfig = configure({ account: 'acct', token: 'tok-FATAL' }).id;
  assert.notEqual(newConfig, oldConfig);
  release(oldConfig);
  assert.ok(build(newConfig, { service: 'flow', name: 'read', id: 'f1' }).request);
  assert.deepEqual(await api().flow.read('f1'), { id: 'f1' });
});

// init(): loads once, concurrent calls share the load, nothing leaks onto
// the global object. (Its own process: node --test runs each file apart.)
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { init, API, Token, mem } from '../../js/node.js';
import { recorder } from './helpers/transport.js';

const globalsBefore = Object.getOwnPropertyNames(globalThis).sort();
const processBefore = globalThis.process;
const processKeysBefore = Object.keys(process).sort();
const envBefore = { ...process.env };

it('concurrent calls share one load; later calls resolve at once', async () => {
  const first = init();
  const second = init();
  assert.ok(first instanceof Promise);
  assert.equal(first, second, 'concurrent init() calls return the same load');
  await Promise.all([first, second]);
  const again = init();
  assert.ok(again instanceof Promise);
  assert.notEqual(again, first);
  await again;
  await init({ wasm: new Uint8Array([0, 1, 2]) }); // already loaded: options are not looked at again
});

it('the module works after init()', async () => {
  await init();
  assert.equal(String(mem.a.eq(1)), 'a == 1');
  const transport = recorder();
  await new API(new Token('acct', 'tok-INIT'), { host: 'api.test', transport }).flow.read('f1');
  assert.equal(transport.calls.length, 1);
});

it('leaves no globals behind', async () => {
  await init();
  assert.equal(globalThis.fs, undefined);
  assert.equal(globalThis.Go, undefined);
  assert.equal(globalThis.__flowthings, undefined);
  assert.equal(globalThis.path, undefined);
  assert.deepEqual(Object.getOwnPropertyNames(globalThis).sort(), globalsBefore);
});

it('leaves process unchanged', async () => {
  await init();
  assert.equal(globalThis.process, processBefore);
  assert.deepEqual(Object.keys(process).sort(), processKeysBefore);
  assert.deepEqual({ ...process.env }, envBefore);
  assert.equal(typeof process.exit, 'function');
  assert.equal(process.versions.node, processBefore.versions.node);
});

// init({ wasm: bytes }); a failed load rejects and may be retried. (Its own process.)
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { init, mem, FlowThingsError } from '../../js/node.js';

const wasmURL = new URL('../../dist/flowthings.wasm', import.meta.url);

it('bytes that are not a wasm module reject with code init', async () => {
  await assert.rejects(init({ wasm: new Uint8Array([0, 1, 2, 3]) }), (err) => {
    assert.ok(err instanceof FlowThingsError);
    assert.equal(err.code, 'init');
    return true;
  });
  assert.throws(() => String(mem.a.eq(1)), { code: 'init' }, 'still not initialized');
});

it('an unsupported wasm option rejects with code init', async () => {
  await assert.rejects(init({ wasm: 42 }), { name: 'FlowThingsError', code: 'init' });
});

it('init({ wasm: bytes }) loads the module once for concurrent callers', async () => {
  const bytes = await readFile(wasmURL);
  let reads = 0;
  const options = { get wasm() { reads++; return new Uint8Array(bytes); } };
  await Promise.all([init(options), init(options), init(options)]);
  assert.equal(reads, 1);
  assert.equal(String(mem.a.eq(1)), 'a == 1');
  await init(options);
  assert.equal(reads, 1, 'a loaded module is not loaded again');
});

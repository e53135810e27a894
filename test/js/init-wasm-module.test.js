// init({ wasm: WebAssembly.Module }), as Workers pass it. (Its own process.)
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { init, mem, API, Token } from '../../js/node.js';
import { recorder } from './helpers/transport.js';

it('init({ wasm: module }) with a compiled WebAssembly.Module', async () => {
  const module = await WebAssembly.compile(await readFile(new URL('../../dist/flowthings.wasm', import.meta.url)));
  assert.ok(module instanceof WebAssembly.Module);
  await init({ wasm: module });
  assert.equal(String(mem.elems.a.gt(1)), 'elems.a > 1');
  const transport = recorder();
  await new API(new Token('acct', 'tok-MOD'), { host: 'api.test', transport }).flow.read('f1');
  assert.equal(transport.calls[0].url, 'https://api.test/v0.1/acct/flow/f1');
});

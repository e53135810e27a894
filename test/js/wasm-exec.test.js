// dist/wasm_exec.mjs (Go's wasm_exec.js wrapped by build.sh) leaves no
// bare global behind: run in a realm that has no fs, crypto, performance,
// process or path, the imports Go's runtime calls — writing its output,
// reading its clock and random bytes — use the private global object given
// to installGo, and the realm's global object gains nothing. (A bare `fs`
// made every call after an out-of-memory crash a ReferenceError.)
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import vm from 'node:vm';

const source = await readFile(new URL('../../dist/wasm_exec.mjs', import.meta.url), 'utf8');

it('the imports use the private global object only', () => {
  const realm = vm.createContext({ TextEncoder, TextDecoder, console });
  const before = Object.getOwnPropertyNames(vm.runInContext('globalThis', realm)).sort();
  assert.match(source, /^export default function installGo\(globalThis\) \{$/m);
  const installGo = vm.runInContext(`(${source.replace('export default function installGo', 'function installGo')})`, realm);

  const used = { written: '', now: 0, random: 0 };
  const scope = {
    fs: { constants: {}, writeSync(fd, bytes) { used.written += new TextDecoder().decode(bytes); return bytes.length; } },
    crypto: { getRandomValues(bytes) { used.random++; bytes.fill(7); return bytes; } },
    performance: { now() { used.now++; return 1234.5; } },
    TextEncoder,
    TextDecoder,
  };
  const Go = installGo(scope);
  assert.equal(typeof Go, 'function');
  assert.equal(scope.Go, Go);
  assert.deepEqual(Object.getOwnPropertyNames(vm.runInContext('globalThis', realm)).sort(), before, 'the realm gains no global');

  const go = new Go();
  const memory = new WebAssembly.Memory({ initial: 1 });
  go._inst = { exports: { mem: memory } };
  go.mem = new DataView(memory.buffer);
  const imports = go.importObject.gojs;
  const text = new TextEncoder().encode('fatal error: out of memory\n');
  new Uint8Array(memory.buffer).set(text, 1024);
  go.mem.setBigInt64(8 + 8, 2n, true); // fd
  go.mem.setBigInt64(8 + 16, 1024n, true); // p
  go.mem.setInt32(8 + 24, text.length, true); // n
  imports['runtime.wasmWrite'](8);
  assert.equal(used.written, 'fatal error: out of memory\n');

  imports['runtime.nanotime1'](8);
  assert.ok(used.now >= 1);

  go.mem.setBigInt64(8 + 8, 2048n, true); // slice address
  go.mem.setBigInt64(8 + 16, 16n, true); // slice length
  imports['runtime.getRandomData'](8);
  assert.equal(used.random, 1);
  assert.deepEqual([...new Uint8Array(memory.buffer, 2048, 16)], new Array(16).fill(7));
});

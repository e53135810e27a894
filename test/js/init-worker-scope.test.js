// `await init({ wasm })` at a Worker's module top level: there, random
// values are forbidden (crypto.getRandomValues throws) and the clocks stand
// at 0 (performance.now() and Date.now()), and Go's runtime reads random
// bytes and its clock while it starts. This simulates that global scope in
// Node for the start-up, then restores it, as a Worker's requests do. (Its
// own process; the real thing runs in workerd, in workers/.)
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { hostFunctions } from '../../js/host.js';

const wasmURL = new URL('../../dist/flowthings.wasm', import.meta.url);
const real = { crypto: globalThis.crypto, performance: globalThis.performance, dateNow: Date.now, random: Math.random };
const disallowed = () => { throw new Error('Disallowed operation called within global scope. Asynchronous I/O (ex: fetch() or connect()), setting a timeout, and generating random values are not allowed within global scope.'); };

/** Runs fn with the global scope of a Worker at start-up. */
async function inWorkerGlobalScope(fn) {
  Object.defineProperty(globalThis, 'crypto', { value: { getRandomValues: disallowed, subtle: real.crypto.subtle }, configurable: true, writable: true });
  Object.defineProperty(globalThis, 'performance', { value: { now: () => 0, timeOrigin: 0 }, configurable: true, writable: true });
  Date.now = () => 0;
  try {
    return await fn();
  } finally {
    Object.defineProperty(globalThis, 'crypto', { value: real.crypto, configurable: true, writable: true });
    Object.defineProperty(globalThis, 'performance', { value: real.performance, configurable: true, writable: true });
    Date.now = real.dateNow;
  }
}

const module = await WebAssembly.compile(await readFile(wasmURL));

it('the simulation is faithful: Go started without the stand-ins fails in that scope', async () => {
  const { default: installGo } = await import('../../dist/wasm_exec.mjs');
  const failure = await inWorkerGlobalScope(async () => {
    const scope = { fs: { constants: {}, writeSync: (fd, b) => b.length }, crypto: globalThis.crypto, performance: globalThis.performance };
    for (const name of ['Object', 'Array', 'Uint8Array', 'DataView', 'TextEncoder', 'TextDecoder', 'Date', 'console']) scope[name] = globalThis[name];
    const Go = installGo(scope);
    const go = new Go();
    const instance = await WebAssembly.instantiate(module, { ...go.importObject, ...hostFunctions(() => instance.exports.mem) });
    try {
      await Promise.race([go.run(instance), undefined]);
      return go.exited ? 'exited' : null;
    } catch (err) {
      return err.message;
    }
  });
  assert.ok(failure, 'Go does not start with the real restricted crypto and clock');
});

it('init({ wasm }) works at a Worker\'s top level; calls work once in a request', async () => {
  let randoms = 0;
  Math.random = () => { randoms++; return real.random(); };
  const { init, API, Token, mem } = await import('../../js/worker.js');
  try {
    await inWorkerGlobalScope(() => init({ wasm: module }));
  } finally {
    Math.random = real.random;
  }
  assert.ok(randoms > 0, 'start-up randomness came from Math.random, which Workers allow');
  // A request, with the real globals back.
  assert.equal(String(mem.elems.temp.gt(30)), 'elems.temp > 30');
  const calls = [];
  const api = new API(new Token('acct', 'tok-WORKER'), {
    host: 'api.test',
    transport: async (req) => { calls.push(req.url); return { status: 200, headers: {}, body: '{"head":{"ok":true,"status":200},"body":{"id":"f1"}}' }; },
  });
  assert.deepEqual(await api.flow.read('f1'), { id: 'f1' });
  assert.deepEqual(calls, ['https://api.test/v0.1/acct/flow/f1']);
});

// If the wasm module ever fails fatally (a trap, Go's runtime exiting),
// every later call fails with a clear `internal` error saying so — never a
// ReferenceError or a hang — and init() loads a fresh module. The failure
// is made by wrapping the instance's flowthings_call export, the one way
// to make a correct module trap on demand. (Its own process.)
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { init, API, Token, mem, parseFilter, FlowThingsError } from '../../js/node.js';
import { envelope, recorder, response, until } from './helpers/transport.js';
import { fakeWebSocket } from './helpers/fake-websocket.js';
import { build, configure, release } from '../../js/bridge.js';

const compiled = WebAssembly.compile(await readFile(new URL('../../dist/flowthings.wasm', import.meta.url)));

let fail = null; // how the next flowthings_call fails: 'trap', or 'exit' as Go does on a fatal error
const instantiate = WebAssembly.instantiate;
WebAssembly.instantiate = async (source, imports) => {
  const result = await instantiate.call(WebAssembly, source, imports);
  if (!(source instanceof WebAssembly.Module)) return result;
  const { flowthings_call: realCall, mem } = result.exports;
  const exports = {
    ...result.exports,
    flowthings_call(...args) {
      const how = fail;
      fail = null;
      if (how === 'trap') throw new WebAssembly.RuntimeError('unreachable');
      if (how === 'exit') { // what Go's runtime does: print through runtime.wasmWrite, then runtime.wasmExit(2)
        const sp = 4096; // the argument area of start-up, unused since
        const view = new DataView(mem.buffer);
        const text = new TextEncoder().encode('fatal error: out of memory\n\ngoroutine 1 gp=0x0 m=0 mp=0x0 [running]:\n');
        new Uint8Array(mem.buffer, sp + 64, text.length).set(text);
        view.setBigInt64(sp + 8, 2n, true);
        view.setBigInt64(sp + 16, BigInt(sp + 64), true);
        view.setInt32(sp + 24, text.length, true);
        imports.gojs['runtime.wasmWrite'](sp);
        view.setInt32(sp + 8, 2, true);
        imports.gojs['runtime.wasmExit'](sp);
        return 0;
      }
      return realCall(...args);
    },
  };
  return Object.create(result, { exports: { value: exports } }); // still an instanceof WebAssembly.Instance
};

const api = (transport = recorder(() => ({ status: 200, headers: {}, body: envelope({ id: 'f1' }) }))) => new API(new Token('acct', 'tok-FATAL'), { host: 'api.test', transport });

function isStopped(err) {
  assert.ok(err instanceof FlowThingsError, `${err?.name}: ${err?.message}`);
  assert.equal(err.code, 'internal');
  assert.match(err.message, /the wasm module failed fatally in \w+ \(unreachable\) and was stopped/);
  assert.match(err.message, /`await init\(\)` loads a fresh module/);
  assert.ok(err.cause instanceof WebAssembly.RuntimeError);
  return true;
}

function isOutOfMemory(err) {
  assert.ok(err instanceof FlowThingsError, `${err?.name}: ${err?.message}`);
  assert.equal(err.code, 'internal');
  assert.match(err.message, /the wasm module failed fatally in \w+ \(fatal error: out of memory\) and was stopped/);
  assert.match(err.cause.cause.message, /goroutine 1/, 'what Go printed is kept');
  return true;
}

it('after a fatal failure every call fails with a clear internal error; init() loads a fresh module', async () => {
  await init({ wasm: await compiled });
  const oldConfig = configure({ account: 'acct', token: 'tok-FATAL', host: 'api.test' }).id;
  const transport = recorder(() => ({ status: 200, headers: {}, body: envelope({ id: 'f1' }) }));
  const before = api(transport);
  assert.deepEqual(await before.flow.read('f1'), { id: 'f1' });

  fail = 'trap';
  await assert.rejects(before.flow.read('f2'), isStopped, 'the failing call');
  await assert.rejects(before.flow.read('f3'), isStopped, 'a later call of the same API');
  assert.throws(() => String(mem.a.eq(1)), isStopped, 'a filter');
  assert.throws(() => parseFilter('a == 1'), isStopped);
  assert.throws(() => api(), isStopped, 'a new API');

  await init({ wasm: await compiled });
  assert.equal(String(mem.a.eq(2)), 'a == 2');
  // An object of the failed module, released when collected, releases nothing of the new one.
  const newConfig = configure({ account: 'acct', token: 'tok-FATAL', host: 'api.test' }).id;
  assert.notEqual(newConfig, oldConfig);
  release(oldConfig);
  assert.ok(build(newConfig, { service: 'flow', name: 'read', id: 'f1' }).request);
  assert.deepEqual(await api().flow.read('f1'), { id: 'f1' });
  // An API made before the failure works with the new module, uncached requests included.
  await before.flow.read('f4');
  assert.match(transport.calls.at(-1).url, /\/flow\/f4$/);
});

it("when Go's runtime exits on a fatal error, the error says what it printed; never a ReferenceError", async () => {
  await init({ wasm: await compiled });
  fail = 'exit';
  await assert.rejects(async () => api().flow.read('f1'), isOutOfMemory);
  assert.throws(() => parseFilter('a == 1'), isOutOfMemory, 'every later call');
  await init({ wasm: await compiled });
  assert.deepEqual(await api().flow.read('f1'), { id: 'f1' });
});

it('a WebSocket connection whose module fails ends: its pending calls, run() and later calls reject with the internal error, and nothing is thrown uncaught', async () => {
  await init({ wasm: await compiled });
  const WS = fakeWebSocket();
  const transport = recorder((req) => (req.method === 'GET' ? response([]) : response({ id: 's-1' }, { status: 201 })));
  const ws0 = new API(new Token('acct', 'tok-FATAL'), { host: 'api.test', transport, WebSocket: WS });
  const pending = ws0.websocket.connect({ heartbeatMs: 0 });
  await until(() => WS.last, { what: 'the socket' });
  WS.last.open();
  const ws = await pending;
  const errors = [];
  ws.on('error', (err) => errors.push(err));
  const run = ws.run();
  const call = ws.send({ object: 'flow', type: 'find', id: 'x' }, { timeoutMs: 60_000 });
  fail = 'trap';
  WS.last.push({ type: 'message', resource: 'f1', value: { id: 'd1', flowId: 'f1' } }); // the module runs, and traps
  await assert.rejects(call, isStopped, 'the pending call');
  await assert.rejects(run, isStopped, 'run()');
  assert.equal(ws.state, 'closed');
  assert.ok(errors.some((err) => err.code === 'internal'), 'reported to the error listeners');
  await assert.rejects(ws.send({ object: 'flow', type: 'find', id: 'y' }), { code: 'closed' });
  await ws.close(); // settles
  await init({ wasm: await compiled });
});

// The WebSocket bench (`node bench/ws.js`, also a section of `npm run
// bench`), against a local WebSocket host that pushes as fast as a client
// reads (so that the client is what is measured):
//
//  1. Fan-in: 20,000 pushed drops to one subscription (with backfill, as
//     by default) vs a plain client — the ws package and JSON.parse — in
//     the same run, interleaved, medians of 5 rounds. Target: the SDK at
//     ≥ 0.5× the plain client's drops per second.
//  2. Memory: Node's heap and the wasm module's memory, after a warm-up and
//     after 100,000 more pushes and 10,000 requests over the socket.
//     Target: each within 16 MB of where it was.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';
import { WebSocket } from 'ws';
import { init, API, Token } from '../js/node.js';
import { moduleMemoryBytes } from '../js/runtime.js'; // internals, for the memory figures only

const FAN_IN = 20_000;
const ROUNDS = 5;
const RATIO_TARGET = 0.5;
const MEMORY_PUSHES = 100_000;
const MEMORY_REQUESTS = 10_000;
const MEMORY_TARGET = 16 << 20;

/** The bench's WebSocket host, in a worker thread of its own so that its
 * work is not measured (bench/ws-host.js). */
async function benchHost() {
  const worker = new Worker(new URL('./ws-host.js', import.meta.url));
  const port = await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return {
    host: `127.0.0.1:${port}`,
    set burst(n) { worker.postMessage({ burst: n }); },
    /** Waits until the worker has applied what was posted before. */
    sync: () => new Promise((resolve) => { worker.once('message', resolve); worker.postMessage({ sync: true }); }),
    close: () => worker.terminate(),
  };
}

/** The plain client: the ws package and JSON.parse. Resolves to ms for n pushes. */
function plainFanIn(host, n) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${host.host}/session/s/ws`);
    let got = 0;
    let started = 0;
    ws.onopen = () => { started = performance.now(); ws.send('{"type":"go"}'); };
    ws.onmessage = (ev) => {
      const m = JSON.parse(ev.data);
      if (m.type === 'message' && m.value.id && ++got === n) {
        const ms = performance.now() - started;
        ws.close();
        resolve(ms);
      }
    };
    ws.onerror = (ev) => reject(ev.error ?? new Error('websocket error'));
  });
}

/** The SDK: one subscription with backfill. Resolves to ms for n pushes. */
async function sdkFanIn(api, n) {
  const ws = await api.websocket.connect({ heartbeatMs: 0 });
  let got = 0;
  let done;
  const all = new Promise((r) => { done = r; });
  const started = performance.now();
  await ws.subscribe('f54ad9d8bd4c68117a914ba24', (d) => { if (d.id && ++got === n) done(); });
  await all;
  const ms = performance.now() - started;
  await ws.close();
  return ms;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** gc, when the process can have it (node --expose-gc, or enabled here). */
function collector() {
  if (typeof globalThis.gc === 'function') return globalThis.gc;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc');
}

/**
 * wsBench runs both sections; log prints a line, summary receives
 * [what, value, target, verdict] rows.
 */
export async function wsBench({ log = console.log, summary = [] } = {}) {
  await init();
  const host = await benchHost();
  try {
    const api = new API(new Token('alice', 'bench-token-0123456789'), { host: host.host, secure: false, WebSocket });

    log(`== WebSocket fan-in: ${FAN_IN.toLocaleString('en-US')} pushed drops to one subscription (with backfill) vs ws + JSON.parse`);
    host.burst = FAN_IN;
    await host.sync();
    await plainFanIn(host, FAN_IN); // warm-up
    await sdkFanIn(api, FAN_IN);
    const plain = [];
    const sdk = [];
    for (let r = 0; r < ROUNDS; r++) { // interleaved
      plain.push(await plainFanIn(host, FAN_IN));
      sdk.push(await sdkFanIn(api, FAN_IN));
    }
    const plainRate = FAN_IN / (median(plain) / 1000);
    const sdkRate = FAN_IN / (median(sdk) / 1000);
    const ratio = sdkRate / plainRate;
    const verdict = ratio >= RATIO_TARGET ? 'PASS' : `MISSED (< ${RATIO_TARGET}×)`;
    log(`  plain ws + JSON.parse  ${Math.round(plainRate).toLocaleString('en-US').padStart(9)} drops/s  (median of ${ROUNDS}: ${median(plain).toFixed(0)} ms)`);
    log(`  SDK subscription       ${Math.round(sdkRate).toLocaleString('en-US').padStart(9)} drops/s  (median of ${ROUNDS}: ${median(sdk).toFixed(0)} ms)`);
    log(`  ratio ${ratio.toFixed(2)}× the plain client's rate  ${verdict}`);
    summary.push(['WebSocket fan-in (SDK / plain)', `${ratio.toFixed(2)}×`, `≥ ${RATIO_TARGET}×`, verdict]);

    log(`== memory after ${MEMORY_PUSHES.toLocaleString('en-US')} pushes and ${MEMORY_REQUESTS.toLocaleString('en-US')} requests over the socket`);
    const gc = collector();
    const ws = await api.websocket.connect({ heartbeatMs: 0 });
    let got = 0;
    let sub = null;
    /** n more pushes: the host pushes them on the next subscribe frame. */
    const pushes = async (n) => {
      const target = got + n;
      let done;
      const all = new Promise((r) => { done = r; });
      host.burst = n;
      await host.sync();
      await sub?.unsubscribe();
      sub = await ws.subscribe('f54ad9d8bd4c68117a914ba24', () => { if (++got === target) done(); });
      await all;
    };
    const requests = async (n) => {
      for (let i = 0; i < n; i += 100) {
        await Promise.all(Array.from({ length: 100 }, (_, k) => ws.send({ object: 'flow', type: 'find', id: `f${i + k}` })));
      }
    };
    const measure = () => { gc(); gc(); return { heap: process.memoryUsage().heapUsed, wasm: moduleMemoryBytes() }; };
    await pushes(10_000); // warm-up: the module's memory reaches its working size
    await requests(1000);
    const before = measure();
    for (let i = 0; i < 10; i++) {
      await pushes(MEMORY_PUSHES / 10);
      await requests(MEMORY_REQUESTS / 10);
    }
    const after = measure();
    await ws.close();
    const mb = (n) => `${(n / (1 << 20)).toFixed(1)} MB`;
    for (const [what, key] of [['Node heap', 'heap'], ['wasm memory', 'wasm']]) {
      const grew = after[key] - before[key];
      const ok = grew <= MEMORY_TARGET ? 'PASS' : `MISSED (> ${mb(MEMORY_TARGET)})`;
      log(`  ${what.padEnd(12)} ${mb(before[key]).padStart(9)} → ${mb(after[key]).padStart(9)}  (${grew >= 0 ? '+' : ''}${mb(grew)})  ${ok}`);
      summary.push([`${what} growth (100k pushes, 10k requests)`, `${grew >= 0 ? '+' : ''}${mb(grew)}`, `≤ ${mb(MEMORY_TARGET)}`, ok]);
    }
    return summary;
  } finally {
    await host.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  wsBench().catch((err) => {
    console.error('bench failed:', err);
    process.exitCode = 2;
  });
}

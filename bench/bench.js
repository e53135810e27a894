// The size and speed bench of flowthings-wasm (`npm run bench`, i.e.
// `node bench/bench.js`; needs Go, and dist/ built by `./build.sh wasm`).
//
//  1. Size of dist/flowthings.wasm: raw, gzip -9 (zlib level 9), brotli
//     (quality 11), and the bytes over a "hello" module serving JavaScript
//     the same way (bench/hello) built in this run. Limits as CI's
//     (build.sh): 3,100,000 bytes raw, 860,000 gzip. Over a limit → exit
//     status 1.
//  2. Speed against one emulator, side by side with a plain-JS client
//     sending byte-identical requests (same URLs, same headers; checked on
//     the wire) with fetch + JSON.parse: 2,000 sequential flow.read (over 20
//     flows, so the SDK reuses the requests it built; and, as (a′), over 300
//     flows, so that the module builds every one), the same with 32 in
//     flight, and one find of 1,000 drops. Target: SDK ≤ 1.3× plain.
//  3. Node cold start in fresh processes: `await init()` + the first request
//     vs instantiating an empty Go wasm module (bench/empty). Target ≤ 2.5×.
//  4. Where the SDK's time goes per request (build, fetch, JSON.parse,
//     decodeHead), measured in the same run.
//
// A missed speed target prints MISSED and still exits 0.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { startEmulator } from '../examples/emulator.js';
import { init, API, Token } from '../js/node.js';
import { build, decodeHead, release } from '../js/bridge.js'; // internals, for the breakdown only
import { Client } from '../js/api.js';
import { buildEmpty, coldStart, goWasmBuild, COLD_TARGET } from './cold/run.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const LIMIT_RAW = 3_100_000; // build.sh WASM_MAX_RAW
const LIMIT_GZIP = 860_000; // build.sh WASM_MAX_GZIP
const AIM_GZIP = 830_000;
const SPEED_TARGET = 1.3;
const READS = 2000;
const IN_FLIGHT = 32;
const FLOWS = 20; // reads cycle through this many flows
// (a′) reads cycle through more flows than a Client keeps built requests
// for (128, js/api.js), so that every SDK read has the module build it.
const FLOWS_UNKEPT = 300;
const DROPS = 1000;
const ROUNDS = 5;
const FINDS = 30;
const COLD_RUNS = 5;

const fmtInt = (n) => Math.round(n).toLocaleString('en-US');
const fmtMs = (n) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const fmtUs = (ms) => `${(ms * 1000).toFixed(1)} µs`;
const kb = (n) => `${(n / 1024).toFixed(0)} KiB`;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const log = (s = '') => console.log(s);
const summary = []; // [what, value, target, verdict]

// ---------------------------------------------------------------- 1. size

function sizes(buf) {
  return {
    raw: buf.length,
    gzip: zlib.gzipSync(buf, { level: 9 }).length,
    brotli: zlib.brotliCompressSync(buf, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length } }).length,
  };
}

async function sizeSection(tmp) {
  log('== size of dist/flowthings.wasm');
  let wasm;
  try {
    wasm = readFileSync(path.join(root, 'dist', 'flowthings.wasm'));
  } catch {
    throw new Error('dist/flowthings.wasm is missing: run ./build.sh wasm first');
  }
  const hello = path.join(tmp, 'hello.wasm');
  await goWasmBuild('./bench/hello', hello);
  const m = sizes(wasm);
  const h = sizes(readFileSync(hello));
  const row = (name, s) => log(`  ${name.padEnd(30)} ${fmtInt(s.raw).padStart(11)} ${fmtInt(s.gzip).padStart(11)} ${fmtInt(s.brotli).padStart(11)}`);
  log(`  ${''.padEnd(30)} ${'raw'.padStart(11)} ${'gzip -9'.padStart(11)} ${'brotli 11'.padStart(11)}   (bytes)`);
  row('flowthings.wasm', m);
  row('hello (bench/hello)', h);
  row('over hello', { raw: m.raw - h.raw, gzip: m.gzip - h.gzip, brotli: m.brotli - h.brotli });
  const rawOk = m.raw <= LIMIT_RAW;
  const gzOk = m.gzip <= LIMIT_GZIP;
  log(`  limit raw  ${fmtInt(LIMIT_RAW)}: ${rawOk ? 'PASS' : 'FAIL'} (${fmtInt(m.raw)}, ${(m.raw / 1024 / 1024).toFixed(2)} MiB)`);
  log(`  limit gzip ${fmtInt(LIMIT_GZIP)}: ${gzOk ? 'PASS' : 'FAIL'} (${fmtInt(m.gzip)}, ${kb(m.gzip)}; aim ≤ ${fmtInt(AIM_GZIP)}: ${m.gzip <= AIM_GZIP ? 'met' : 'not met'})`);
  summary.push(['wasm raw', `${fmtInt(m.raw)} B`, `≤ ${fmtInt(LIMIT_RAW)}`, rawOk ? 'PASS' : 'FAIL']);
  summary.push(['wasm gzip -9', `${fmtInt(m.gzip)} B`, `≤ ${fmtInt(LIMIT_GZIP)}`, gzOk ? 'PASS' : 'FAIL']);
  summary.push(['wasm brotli 11', `${fmtInt(m.brotli)} B`, '', 'info']);
  summary.push(['over hello (gzip)', `${fmtInt(m.gzip - h.gzip)} B`, '', 'info']);
  return rawOk && gzOk;
}

// ---------------------------------------------------------------- 2. speed

const OK_ENVELOPE = '{"head":{"status":200,"ok":true,"messages":[],"errors":[],"references":{}},"body":{}}';

/** The request the SDK sends for fn(api), captured by a transport that
 * answers without any I/O. */
async function sdkRequest(options, fn) {
  let captured;
  const api = new API(new Token(options.account, options.token), {
    host: options.host, secure: false,
    transport: async (req) => { captured ??= req; return { status: 200, headers: {}, body: OK_ENVELOPE }; },
  });
  await fn(api);
  const { method, url, headers, body } = captured;
  return { method, url, headers, body: body ?? undefined };
}

/** The plain client: fetch, then JSON.parse; the envelope's body or a throw. */
async function plainCall(req) {
  const res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body });
  const env = JSON.parse(await res.text());
  if (res.status >= 400 || env?.head?.ok === false) throw new Error(`${req.method} ${req.url}: status ${res.status}`);
  return env.body ?? {};
}

/** Checks on the wire that the SDK (with its default fetch) and the plain
 * client send byte-identical request heads. */
async function wireCheck(emu, flowId) {
  const heads = [];
  const server = createServer((req, res) => {
    const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    heads.push(lines.join('\r\n'));
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end(OK_ENVELOPE);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const host = `127.0.0.1:${server.address().port}`;
    const opts = { account: emu.account, token: emu.token, host };
    const sdk = new API(new Token(emu.account, emu.token), { host, secure: false });
    await sdk.flow.read(flowId);
    await plainCall(await sdkRequest(opts, (api) => api.flow.read(flowId)));
    await sdk.drop(flowId).find({ limit: DROPS });
    await plainCall(await sdkRequest(opts, (api) => api.drop(flowId).find({ limit: DROPS })));
  } finally {
    server.closeAllConnections?.();
    await new Promise((resolve) => server.close(resolve));
  }
  return heads.length === 4 && heads[0] === heads[1] && heads[2] === heads[3] ? null : heads;
}

async function inFlight(n, total, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < total) await fn(next++);
  }));
}

async function timed(fn) {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

function verdict(ratio, target) {
  return ratio <= target ? 'PASS' : `MISSED (${ratio.toFixed(2)}× > ${target}×)`;
}

async function speedSection(emu, api, flowIds, dropFlow, manyIds) {
  log('');
  log('== speed against one emulator: SDK vs plain fetch + JSON.parse (byte-identical requests)');
  const opts = { account: emu.account, token: emu.token, host: emu.host };
  const readReqs = await Promise.all(flowIds.map((id) => sdkRequest(opts, (a) => a.flow.read(id))));
  const manyReqs = await Promise.all(manyIds.map((id) => sdkRequest(opts, (a) => a.flow.read(id))));
  const findReq = await sdkRequest(opts, (a) => a.drop(dropFlow).find({ limit: DROPS }));
  const mismatch = await wireCheck(emu, flowIds[0]);
  log(`  request heads on the wire identical (SDK default fetch vs plain): ${mismatch ? 'NO' : 'yes'}`);
  if (mismatch) log(mismatch.map((h) => `    ${h.replaceAll('\r\n', '\n    ')}`).join('\n    --\n'));

  const clients = {
    plain: { read: (i) => plainCall(readReqs[i % FLOWS]), readMany: (i) => plainCall(manyReqs[i % FLOWS_UNKEPT]), find: () => plainCall(findReq) },
    sdk: { read: (i) => api.flow.read(flowIds[i % FLOWS]), readMany: (i) => api.flow.read(manyIds[i % FLOWS_UNKEPT]), find: () => api.drop(dropFlow).find({ limit: DROPS }) },
  };
  // Same answers (sanity).
  const [pr, sr] = [await clients.plain.read(3), await clients.sdk.read(3)];
  const [pf, sf] = [await clients.plain.find(), await clients.sdk.find()];
  if (JSON.stringify(pr) !== JSON.stringify(sr) || JSON.stringify(pf) !== JSON.stringify(sf) || sf.length !== DROPS) {
    throw new Error(`the SDK and the plain client disagree (find: ${sf.length} vs ${pf.length} drops)`);
  }

  const seq = (c, n) => async () => { for (let i = 0; i < n; i++) await c.read(i); };
  const par = (c, n) => () => inFlight(IN_FLIGHT, n, (i) => c.read(i));
  // Warm up both: JIT, the connection pool, the module.
  for (const c of [clients.plain, clients.sdk]) {
    await seq(c, 300)();
    await par(c, 300)();
    for (let i = 0; i < 3; i++) await c.find();
  }

  const results = [];
  const compare = async (name, run, rounds) => {
    const t = { plain: [], sdk: [] };
    for (let r = 0; r < rounds; r++) {
      for (const who of r % 2 ? ['sdk', 'plain'] : ['plain', 'sdk']) t[who].push(await timed(run(clients[who])));
    }
    const plain = median(t.plain);
    const sdk = median(t.sdk);
    const ratio = sdk / plain;
    results.push({ name, plain, sdk, ratio, t });
    log(`  ${name.padEnd(34)} plain ${fmtMs(plain).padStart(7)} ms   SDK ${fmtMs(sdk).padStart(7)} ms   SDK/plain ${ratio.toFixed(2)}×  ${verdict(ratio, SPEED_TARGET)}`);
    log(`  ${''.padEnd(34)} (runs plain ${t.plain.map(fmtMs).join(', ')}; SDK ${t.sdk.map(fmtMs).join(', ')})`);
    summary.push([name, `SDK ${fmtMs(sdk)} ms / plain ${fmtMs(plain)} ms = ${ratio.toFixed(2)}×`, `≤ ${SPEED_TARGET}×`, ratio <= SPEED_TARGET ? 'PASS' : 'MISSED']);
  };
  await compare(`(a) ${fmtInt(READS)} sequential flow.read`, (c) => seq(c, READS), ROUNDS);
  await compare(`(a′) the same over ${FLOWS_UNKEPT} flows (each read built anew)`, (c) => async () => { for (let i = 0; i < READS; i++) await c.readMany(i); }, ROUNDS);
  await compare(`(b) ${fmtInt(READS)} flow.read, ${IN_FLIGHT} in flight`, (c) => par(c, READS), ROUNDS);
  await compare(`(c) find of ${fmtInt(DROPS)} drops (median of ${FINDS})`, (c) => c.find, FINDS);
  return results;
}

// ---------------------------------------------------------------- 3. cold start

async function coldSection(emu, tmp, flowId) {
  log('');
  log(`== Node cold start, fresh processes, median of ${COLD_RUNS}`);
  const emptyWasm = await buildEmpty(tmp);
  const req = await sdkRequest({ account: emu.account, token: emu.token, host: emu.host }, (a) => a.flow.read(flowId));
  const { sdkMs, emptyMs, ratio } = await coldStart({ emu, flowId, req, emptyWasm, runs: COLD_RUNS, log });
  summary.push(['cold start: init() + first request', `${fmtMs(sdkMs)} ms vs empty Go wasm ${fmtMs(emptyMs)} ms = ${ratio.toFixed(2)}×`, `≤ ${COLD_TARGET}×`, ratio <= COLD_TARGET ? 'PASS' : 'MISSED']);
}

// ---------------------------------------------------------------- 4. breakdown

async function breakdownSection(emu, flowId, dropFlow) {
  log('');
  log('== where the SDK\'s time goes (same run)');
  const token = new Token(emu.account, emu.token);
  const client = new Client(token, { host: emu.host, secure: false });
  const opts = { account: emu.account, token: emu.token, host: emu.host };
  const readReq = await sdkRequest(opts, (a) => a.flow.read(flowId));
  const findReq = await sdkRequest(opts, (a) => a.drop(dropFlow).find({ limit: DROPS }));
  const text = async (req) => (await fetch(req.url, { method: req.method, headers: req.headers })).text();
  const readText = await text(readReq);
  const findText = await text(findReq);
  const readOp = { service: 'flow', name: 'read', id: flowId, params: {} };
  const findOp = { service: 'drop', flowId: dropFlow, name: 'findMany', params: { limit: DROPS } };
  const meta = { method: 'GET', path: `/flow/${flowId}`, account: emu.account };

  // 1. Each step alone, in a tight loop.
  const perCall = (n, fn) => {
    for (let i = 0; i < Math.min(n, 1000); i++) fn();
    const t = performance.now();
    for (let i = 0; i < n; i++) fn();
    return (performance.now() - t) / n;
  };
  const readHead = JSON.stringify(JSON.parse(readText).head);
  const steps = [
    ['a trivial wasm call (release of no id)', perCall(5000, () => release(0))],
    ['call(\'build\') of a flow.read', perCall(5000, () => build(client.cfg, { ...readOp }))],
    ['call(\'build\') of the find', perCall(5000, () => build(client.cfg, { ...findOp }))],
    ['call(\'decodeHead\') of a read', perCall(5000, () => decodeHead(client.cfg, meta, 200, readHead))],
    ['JSON.parse of a flow.read answer', perCall(5000, () => JSON.parse(readText))],
    [`JSON.parse of the find answer (${fmtInt(findText.length)} B)`, perCall(200, () => JSON.parse(findText))],
  ];
  log('  each step alone, tight loop:');
  for (const [what, ms] of steps) log(`    ${what.padEnd(44)} ${fmtUs(ms).padStart(11)}`);

  // 2. The plain client with the SDK's ingredients added one at a time,
  // sequential flow.read, interleaved blocks, medians.
  const get = (o) => fetch(readReq.url, { method: readReq.method, headers: readReq.headers, ...o });
  const variants = {
    'plain fetch + JSON.parse': async () => JSON.parse(await (await get()).text()),
    '+ an AbortSignal': async () => JSON.parse(await (await get({ signal: new AbortController().signal })).text()),
    '+ signal, timer, Promise.race (SDK send)': async () => {
      const ac = new AbortController();
      let timer;
      const stop = new Promise((_, reject) => { timer = setTimeout(() => { ac.abort(); reject(new Error('timeout')); }, 30000); });
      try {
        const res = await Promise.race([get({ signal: ac.signal }).then(async (r) => ({ status: r.status, headers: Object.fromEntries(r.headers), body: await r.text() })), stop]);
        return JSON.parse(res.body);
      } finally { clearTimeout(timer); }
    },
    '+ headers copied (Object.fromEntries)': async () => { const r = await get(); Object.fromEntries(r.headers); return JSON.parse(await r.text()); },
    '+ 2 trivial wasm calls': async () => { release(0); const b = JSON.parse(await (await get()).text()); release(0); return b; },
    '+ call(\'build\') only': async () => {
      const { request } = build(client.cfg, { ...readOp });
      return JSON.parse(await (await fetch(request.url, { method: request.method, headers: request.headers })).text()).body;
    },
    '+ build and decodeHead (the wasm work)': async () => {
      const { request } = build(client.cfg, { ...readOp });
      const r = await fetch(request.url, { method: request.method, headers: request.headers });
      const env = JSON.parse(await r.text());
      decodeHead(client.cfg, meta, r.status, JSON.stringify(env.head));
      return env.body;
    },
    'the SDK: api.flow.read': (() => { const api = new API(token, { host: emu.host, secure: false }); return () => api.flow.read(flowId); })(),
  };
  const BLOCK = 200;
  const BLOCKS = 8;
  const per = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (const fn of Object.values(variants)) for (let i = 0; i < 100; i++) await fn();
  for (let b = 0; b < BLOCKS; b++) {
    const keys = Object.keys(variants);
    if (b % 2) keys.reverse();
    for (const k of keys) per[k].push((await timed(async () => { for (let i = 0; i < BLOCK; i++) await variants[k](); })) / BLOCK);
  }
  const base = median(per['plain fetch + JSON.parse']);
  log(`  sequential flow.read, the plain client plus one SDK ingredient at a time (median of ${BLOCKS} interleaved blocks of ${BLOCK}):`);
  for (const [k, v] of Object.entries(per)) {
    log(`    ${k.padEnd(44)} ${fmtUs(median(v)).padStart(11)}  ${(median(v) / base).toFixed(2)}×`);
  }
}

// ---------------------------------------------------------------- main

function environment(when) {
  const load = loadavg()[0];
  const n = availableParallelism();
  const busy = load > n / 2 ? ` — busy machine (load > ${n / 2}): timings are noisy` : '';
  log(`${when}: load average ${load.toFixed(2)} on ${n} CPUs${busy}`);
}

async function main() {
  log(`flowthings-wasm bench — Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}`);
  environment('start');
  log('');
  const tmp = mkdtempSync(path.join(tmpdir(), 'flowthings-bench-'));
  let emu;
  let sizeOk = true;
  try {
    sizeOk = await sizeSection(tmp);
    emu = await startEmulator();
    await init();
    const api = new API(new Token(emu.account, emu.token), { host: emu.host, secure: false });
    const flowIds = [];
    for (let i = 0; i < FLOWS; i++) flowIds.push((await api.flow.create({ path: `/dev/bench/read${i}`, description: `bench flow ${i}` })).id);
    const manyIds = [];
    for (let i = 0; i < FLOWS_UNKEPT; i++) manyIds.push((await api.flow.create({ path: `/dev/bench/many${i}`, description: `bench flow ${i}` })).id);
    const dropFlow = (await api.flow.create({ path: '/dev/bench/drops', capacity: DROPS })).id;
    await inFlight(IN_FLIGHT, DROPS, (i) => api.drop(dropFlow).create({
      elems: { seq: i, temp: 15 + (i % 20), town: ['Brooklyn', 'Queens', 'Bronx'][i % 3], note: `reading number ${i}`, ok: i % 7 !== 0 },
    }));
    await speedSection(emu, api, flowIds, dropFlow, manyIds);
    await coldSection(emu, tmp, flowIds[0]);
    await breakdownSection(emu, flowIds[0], dropFlow);
    summary.push(...await (await import('./workers/bench.js')).workersBench(log)); // bench/workers: the Workers side by side
  } finally {
    await emu?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }

  log('');
  environment('end');
  log('');
  log('== summary');
  const w = [0, 1, 2].map((i) => Math.max(...summary.map((r) => r[i].length)));
  for (const r of summary) log(`  ${r[0].padEnd(w[0])}  ${r[1].padEnd(w[1])}  ${r[2].padEnd(w[2])}  ${r[3]}`);
  if (!sizeOk) {
    log('the wasm module is over its size limit');
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error('bench failed:', err);
  process.exitCode = 2;
});

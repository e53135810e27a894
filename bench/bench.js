// The size and speed bench of flowthings-wasm (`npm run bench`, i.e.
// `node bench/bench.js`; needs Go, dist/ built by `./build.sh wasm`, and,
// for the browser section, Debian's Chromium at /usr/bin/chromium).
//
//  1. Size of dist/flowthings.wasm: raw, gzip -9 (zlib level 9), brotli
//     (quality 11), and the bytes over a "hello" module serving JavaScript
//     the same way (bench/hello) built in this run. Limits as CI's
//     (build.sh): 3,100,000 bytes raw, 860,000 gzip. Over a limit → exit
//     status 1.
//  2. REST speed against one emulator, in Node and then in Chromium, side by
//     side with a plain-JS client sending the same requests (checked on the
//     wire: request line, body and every header the SDK builds; in Node the
//     SDK's default transport is node:http, whose own headers differ from
//     fetch's) with fetch + JSON.parse (bench/rest.js): 2,000 sequential
//     flow.read (≤ 1.2×; and, for information, over 300 flows, so that the
//     module builds every request), 2,000 with 32 in flight (≤ 1.2×), one
//     find of 1,000 drops (≤ 1.1×), 1,000 sequential drop creates (≤ 1.2×).
//  3. Exact JSON (bench/json.js): js/json.js parse() against JSON.parse on
//     everyday answers (≤ 1.02×), and what a 64-bit integer costs.
//  4. Node cold start in fresh processes: `await init()` + the first request
//     vs instantiating an empty Go wasm module (bench/empty). Target ≤ 2.5×.
//  5. Where the SDK's time goes per request, measured in the same run.
//  6. Every other bench script: bench/*.js and bench/*/bench.js other than
//     this runner and the modules it imports, each run as `node <script>`
//     with its output passed through; a script that fails is reported.
//
// BENCH_ROUNDS (default 5) sets the rounds of each REST comparison. A
// missed speed target prints MISSED and still exits 0.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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
import { wsBench } from './ws.js';
import { captureRequest, DROPS, fetchTransport, formatResult, OK_ENVELOPE, plainCall, restBench, setup } from './rest.js';
import { jsonBench } from './json.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const LIMIT_RAW = 3_100_000; // build.sh WASM_MAX_RAW
const LIMIT_GZIP = 860_000; // build.sh WASM_MAX_GZIP
const AIM_GZIP = 830_000;
const COLD_RUNS = 5;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

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

async function timed(fn) {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}


// ---------------------------------------------------------------- 1. size

/** Sizes raw, by `gzip -9` (the tool the limits are set in, as build.sh
 * measures: Node's zlib at level 9 gives about 1 % more) and by brotli 11. */
function sizes(buf) {
  return {
    raw: buf.length,
    gzip: execFileSync('gzip', ['-9', '-c'], { input: buf, maxBuffer: 2 * buf.length + (1 << 20) }).length,
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

// ---------------------------------------------------------------- 2. REST speed

/** The request the SDK sends for fn(api) (bench/rest.js). */
const sdkRequest = (emu, fn) => captureRequest({ API, Token }, emu, fn);

/** Checks on the wire that the SDK (with its default transport) and the
 * plain client send the same requests — a read, a find, a create: the same
 * request line, body and headers the SDK builds (the transports add their
 * own: fetch its user-agent, accept-language and sec-fetch-mode). Returns
 * null, or what was seen when they differ. */
async function wireCheck(emu, ids) {
  const seen = [];
  const server = createServer((req, res) => {
    const headers = {};
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers[req.rawHeaders[i].toLowerCase()] = req.rawHeaders[i + 1];
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      seen.push({ line: `${req.method} ${req.url} HTTP/${req.httpVersion}`, headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end(OK_ENVELOPE);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const pairs = [];
  try {
    const host = `127.0.0.1:${server.address().port}`;
    const opts = { account: emu.account, token: emu.token, host };
    const sdk = new API(new Token(emu.account, emu.token), { host, secure: false });
    const calls = [
      (api) => api.flow.read(ids.flowIds[0]),
      (api) => api.drop(ids.dropFlow).find({ limit: DROPS }),
      (api) => api.drop(ids.createFlow).create({ elems: { seq: 1 } }),
    ];
    for (const call of calls) {
      const built = await sdkRequest(opts, call);
      await call(sdk);
      await plainCall(built);
      pairs.push([Object.keys(built.headers).map((k) => k.toLowerCase()), seen.at(-2), seen.at(-1)]);
    }
  } finally {
    server.closeAllConnections?.();
    await new Promise((resolve) => server.close(resolve));
  }
  const same = ([names, a, b]) => a && b && a.line === b.line && a.body === b.body && names.every((n) => a.headers[n] === b.headers[n]);
  return seen.length === 6 && pairs.every(same) ? null : seen;
}

function summarize(where, results) {
  for (const r of results) {
    const what = `${where}: ${r.key} ${r.name}`;
    const cpu = Number.isFinite(r.cpuRatio) ? ` (CPU ${r.cpuRatio.toFixed(2)}×)` : '';
    const value = `SDK ${fmtMs(r.sdk)} ms / plain ${fmtMs(r.plain)} ms = ${r.ratio.toFixed(2)}×${cpu}`;
    summary.push(r.target === null ? [what, value, '', 'info'] : [what, value, `≤ ${r.target}×`, r.ratio <= r.target ? 'PASS' : 'MISSED']);
  }
}

async function nodeSpeedSection(emu, ids) {
  log('');
  log(`== REST speed in Node ${process.version}: SDK (default transport: node:http) vs plain fetch + JSON.parse (the same requests), median of ${ROUNDS} interleaved rounds`);
  const mismatch = await wireCheck(emu, ids);
  log(`  requests on the wire the same (request line, body, the SDK's headers): ${mismatch ? 'NO' : 'yes'}`);
  if (mismatch) log(mismatch.map((r) => `    ${JSON.stringify(r)}`).join('\n'));
  const results = await restBench({ API, Token }, emu, ids, { rounds: ROUNDS, log: (r) => log(formatResult(r)) });
  summarize('Node', results);
  // node:http is faster than fetch: over fetch too, the ratio is the SDK's own cost.
  log('');
  log('== the same, the SDK over fetch (a `transport` option): the SDK\'s own cost, with the HTTP stack of the plain client');
  const overFetch = await restBench({ API, Token }, emu, ids, { rounds: ROUNDS, log: (r) => log(formatResult(r)), transport: fetchTransport });
  summarize('Node, SDK over fetch', overFetch);
}

/** The REST comparisons in Chromium: a page from a local static server
 * imports js/browser.js and bench/rest.js and runs them against the same
 * emulator (which allows any origin). */
async function browserSpeedSection(emu, ids) {
  log('');
  log('== REST speed in Chromium: the same comparisons in a page');
  const CHROMIUM = '/usr/bin/chromium';
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    chromium = null;
  }
  if (!chromium || !existsSync(CHROMIUM)) {
    const why = chromium ? `${CHROMIUM} is missing (apt-get install -y chromium)` : 'playwright-core is not installed (npm ci)';
    log(`  NOT RUN: ${why}`);
    summary.push(['Chromium REST speed', 'not run', '', why]);
    return;
  }
  const { startStaticServer } = await import('../test/js/helpers/static-server.js');
  const server = await startStaticServer({
    root,
    prefixes: ['/js/', '/dist/', '/bench/'],
    routes: { '/': (req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>bench</title>') },
  });
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'flowthings-bench-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    const page = context.pages()[0] ?? await context.newPage();
    page.setDefaultTimeout(30 * 60_000);
    await page.goto(server.url('/'));
    log(`  ${await page.evaluate(() => navigator.userAgent)}`);
    await page.exposeFunction('benchLog', (line) => log(line));
    const results = await page.evaluate(async ({ emu, ids, rounds }) => {
      const sdk = await import('/js/browser.js');
      const { restBench, formatResult } = await import('/bench/rest.js');
      await sdk.init();
      return restBench(sdk, emu, ids, { rounds, log: (r) => window.benchLog(formatResult(r)) });
    }, { emu: { host: emu.host, account: emu.account, token: emu.token }, ids, rounds: ROUNDS });
    summarize('Chromium', results);
  } catch (err) {
    log(`  FAILED: ${err.message.split('\n')[0]}`);
    summary.push(['Chromium REST speed', 'failed', '', err.message.split('\n')[0].slice(0, 80)]);
  } finally {
    await context?.close();
    await server.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- 3. exact JSON

function jsonSection() {
  log('');
  log('== exact JSON: js/json.js parse() vs JSON.parse (everyday answers take JSON.parse after one scan)');
  for (const r of jsonBench({ log })) {
    const value = `parse ${r.parseUs.toFixed(1)} µs / JSON.parse ${r.jsonParseUs.toFixed(1)} µs = ${r.ratio.toFixed(3)}×`;
    summary.push(r.target === null ? [`JSON: ${r.name}`, value, '', 'info'] : [`JSON: ${r.name}`, value, `≤ ${r.target}×`, r.ratio <= r.target ? 'PASS' : 'MISSED']);
  }
}

// ---------------------------------------------------------------- 4. cold start

async function coldSection(emu, tmp, flowId) {
  log('');
  log(`== Node cold start, fresh processes, median of ${COLD_RUNS}`);
  const emptyWasm = await buildEmpty(tmp);
  const req = await sdkRequest({ account: emu.account, token: emu.token, host: emu.host }, (a) => a.flow.read(flowId));
  const { sdkMs, emptyMs, ratio } = await coldStart({ emu, flowId, req, emptyWasm, runs: COLD_RUNS, log });
  summary.push(['cold start: init() + first request', `${fmtMs(sdkMs)} ms vs empty Go wasm ${fmtMs(emptyMs)} ms = ${ratio.toFixed(2)}×`, `≤ ${COLD_TARGET}×`, ratio <= COLD_TARGET ? 'PASS' : 'MISSED']);
}

// ---------------------------------------------------------------- 5. breakdown

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

// ---------------------------------------------------------------- 6. other bench scripts

/** The bench scripts other helpers add: bench/NAME.js and bench/DIR/bench.js
 * that no other file of bench/ refers to (`./NAME.js`: a module this
 * runner or another script imports, or a worker it starts). */
function otherScripts() {
  const dir = path.join(root, 'bench');
  const candidates = [];
  const texts = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.isFile() && /\.m?js$/.test(entry.name)) {
      texts.push([entry.name, readFileSync(path.join(dir, entry.name), 'utf8')]);
      if (entry.name.endsWith('.js') && entry.name !== 'bench.js') candidates.push(entry.name);
    } else if (entry.isDirectory()) {
      for (const f of readdirSync(path.join(dir, entry.name)).filter((n) => /\.m?js$/.test(n))) {
        texts.push([`${entry.name}/${f}`, readFileSync(path.join(dir, entry.name, f), 'utf8')]);
      }
      if (existsSync(path.join(dir, entry.name, 'bench.js'))) candidates.push(`${entry.name}/bench.js`);
    }
  }
  const referred = (name) => texts.some(([other, text]) => other !== name && (text.includes(`./${name}'`) || text.includes(`./${name.split('/').pop()}'`) && other.startsWith(name.split('/')[0])));
  return candidates.filter((name) => !referred(name)).map((name) => path.join('bench', name));
}

async function otherScriptsSection() {
  for (const script of otherScripts()) {
    log('');
    log(`== ${script}`);
    const code = await new Promise((resolve) => {
      const child = spawn(process.execPath, [script], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
      child.on('close', (c, signal) => resolve(signal ?? c));
      child.on('error', (err) => resolve(err.message));
    });
    summary.push([script, code === 0 ? 'ran' : `exited with ${code}`, '', code === 0 ? 'see above' : 'FAILED']);
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
    const ids = await setup({ API, Token }, emu, `bench-${Date.now()}`);
    await nodeSpeedSection(emu, ids);
    await browserSpeedSection(emu, ids);
    jsonSection();
    await coldSection(emu, tmp, ids.flowIds[0]);
    await breakdownSection(emu, ids.flowIds[0], ids.dropFlow);
    summary.push(...await (await import('./workers/bench.js')).workersBench(log)); // bench/workers: the Workers side by side
    await wsBench({ log, summary }); // bench/ws.js: WebSocket fan-in and memory
  } finally {
    await emu?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
  await otherScriptsSection();

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

// The Node cold-start bench on its own: `node bench/cold/run.mjs [runs]`
// (needs Go and dist/ built by ./build.sh build). It builds an empty Go
// wasm module (bench/empty), starts the emulator, then runs fresh processes
// in turn — empty.mjs (the Go runtime's own start-up), sdk.mjs (import the
// package, `await init()`, first flow.read) and fetch.mjs (the first plain
// fetch of the same URL) — rotating which goes first, and prints the
// medians and the ratio SDK / empty Go wasm measured in this run. Target:
// ≤ 2.5×. bench/bench.js runs the same measurement (coldStart below).
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../..', import.meta.url));
export const COLD_TARGET = 2.5;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmtMs = (n) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

/** Runs bench/cold/<script> in a fresh Node process; resolves to the JSON
 * timings it prints, plus the process's wall time. */
function runChild(script, args) {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(process.execPath, [path.join(root, 'bench', 'cold', script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const wallMs = performance.now() - t;
      if (code !== 0) return reject(new Error(`bench/cold/${script} exited with ${code}: ${err}`));
      resolve({ ...JSON.parse(out.trim().split('\n').pop()), wallMs });
    });
  });
}

/** Builds the Go package pkg for js/wasm with the release flags into out. */
export async function goWasmBuild(pkg, out) {
  await promisify(execFile)('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', out, pkg], {
    cwd: root, env: { ...process.env, GOOS: 'js', GOARCH: 'wasm' }, timeout: 300_000,
  });
}

/** Builds bench/empty into dir; resolves to the file. */
export async function buildEmpty(dir) {
  const out = path.join(dir, 'empty.wasm');
  await goWasmBuild('./bench/empty', out);
  return out;
}

/** Measures the cold start `runs` times against the emulator `emu` (its
 * flow flowId, read with request `req` {url, headers}); logs with `log` and
 * resolves to { sdkMs, emptyMs, ratio, cpuRatio }. */
export async function coldStart({ emu, flowId, req, emptyWasm, runs, log }) {
  const kinds = {
    empty: ['empty.mjs', [emptyWasm]],
    sdk: ['sdk.mjs', [emu.host, emu.token, flowId]],
    fetch: ['fetch.mjs', [req.url, JSON.stringify(req.headers)]],
  };
  const results = { empty: [], sdk: [], fetch: [] };
  const order = Object.keys(kinds);
  for (let r = 0; r < runs; r++) {
    for (let k = 0; k < order.length; k++) {
      const kind = order[(k + r) % order.length]; // rotate who goes first
      results[kind].push(await runChild(...kinds[kind]));
    }
  }
  const med = (kind, key) => median(results[kind].map((x) => x[key]));
  const emptyMs = med('empty', 'totalMs');
  const sdkMs = med('sdk', 'totalMs');
  const ratio = sdkMs / emptyMs;
  log(`  (i)  empty Go wasm: import wasm_exec ${fmtMs(med('empty', 'importMs'))} + instantiate ${fmtMs(med('empty', 'instantiateMs'))} + run to exit ${fmtMs(med('empty', 'runMs'))} = ${fmtMs(emptyMs)} ms   (process wall ${fmtMs(med('empty', 'wallMs'))} ms)`);
  log(`  (ii) SDK: import ${fmtMs(med('sdk', 'importMs'))} + init() ${fmtMs(med('sdk', 'initMs'))} + first flow.read ${fmtMs(med('sdk', 'firstRequestMs'))} = ${fmtMs(sdkMs)} ms   (process wall ${fmtMs(med('sdk', 'wallMs'))} ms)`);
  log(`       for comparison, a process's first plain fetch + JSON.parse of that URL: ${fmtMs(med('fetch', 'firstRequestMs'))} ms`);
  log(`  SDK / empty: ${ratio.toFixed(2)}×  ${ratio <= COLD_TARGET ? 'PASS' : 'MISSED'} (target ≤ ${COLD_TARGET}×)`);
  const cpuRatio = med('sdk', 'cpuMs') / med('empty', 'cpuMs');
  log(`  CPU time of the same (all threads; steadier on a busy machine): SDK ${fmtMs(med('sdk', 'cpuMs'))} ms, empty ${fmtMs(med('empty', 'cpuMs'))} ms = ${cpuRatio.toFixed(2)}×`);
  log(`  (runs: empty ${results.empty.map((x) => fmtMs(x.totalMs)).join(', ')}; SDK ${results.sdk.map((x) => fmtMs(x.totalMs)).join(', ')})`);
  return { sdkMs, emptyMs, ratio, cpuRatio };
}

async function main() {
  const runs = Number(process.argv[2] ?? 9);
  const { startEmulator } = await import('../../examples/emulator.js');
  const { init, API, Token } = await import('../../js/node.js');
  const tmp = mkdtempSync(path.join(tmpdir(), 'flowthings-cold-'));
  let emu;
  try {
    const emptyWasm = await buildEmpty(tmp);
    emu = await startEmulator();
    await init();
    let req;
    const api = new API(new Token(emu.account, emu.token), { host: emu.host, secure: false });
    const flowId = (await api.flow.create({ path: '/dev/bench/cold' })).id;
    const spy = new API(new Token(emu.account, emu.token), {
      host: emu.host, secure: false,
      transport: async (r) => { req = r; return { status: 200, headers: {}, body: '{"head":{"status":200,"ok":true},"body":{}}' }; },
    });
    await spy.flow.read(flowId);
    console.log(`== Node ${process.version} cold start, fresh processes, median of ${runs}`);
    await coldStart({ emu, flowId, req, emptyWasm, runs, log: console.log });
  } finally {
    await emu?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error('cold bench failed:', err);
    process.exitCode = 2;
  });
}

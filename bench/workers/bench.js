// The Workers bench: the JS Worker (workers/js), the Go Worker (workers/go)
// and a plain-fetch Worker (bench/workers/plain-worker.js, the baseline)
// side by side in one run, each in its own `workerd serve` against one
// emulator on 127.0.0.1:
//
//  - bundle size (raw and gzip -9, every module of the Worker);
//  - cold start: spawning workerd → listening → the first answer of
//    GET /flows/…/latest, and workerd's CPU until listening (where a
//    Worker's top level runs) and in that first request (median of
//    COLD_RUNS, the Workers taking turns);
//  - requests/s and workerd's CPU per request with IN_FLIGHT requests in
//    flight, for GET /flows/…/latest, POST /ingest/… of one drop and of a
//    batch of BATCH drops;
//  - workerd's RSS once warm and at 40 requests in flight (the emulator
//    answering after RSS_LATENCY so that they overlap).
//
// The machine this runs on is shared, and whatever else runs on it takes
// CPU from workerd: requests/s follow. So within a round the Workers take
// turns in short slices (the order rotating), each Worker's round adding up
// its slices, so that a burst of load from elsewhere falls on all of them
// alike; each round is compared with the plain Worker's same round, and the
// median of those paired ratios over ROUNDS rounds counts, with their
// spread. CPU per request (all of workerd's threads, from
// /proc/<pid>/task/*/schedstat, in nanoseconds) is the steadier figure:
// load slows a request but hardly adds to its CPU.
//
// Target: the JS Worker serves ≥ 0.9× the plain Worker's requests/s on
// latest and on ingest (one drop). Run by `npm run bench` (bench/bench.js)
// or alone: `node bench/workers/bench.js`.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import workerd from 'workerd';
import { startEmulator } from '../../examples/emulator.js';
import { buildJsWorker, buildGoWorker, startWorkerd, workerSize, repoRoot } from '../../workers/harness.js';
import { deviceKey, deviceSecret } from '../../workers/common/device.js';

const IN_FLIGHT = 32;
const ROUNDS = 7;
const SLICES = 5; // per round: each Worker's turns
const SLICE = { latest: 200, ingest: 160, batch: 20 }; // requests per turn
const BATCH = 10;
const WARMUP = 200;
const COLD_RUNS = 5;
const RSS_IN_FLIGHT = 40;
const RSS_LATENCY = '300ms';
const TARGET = 0.9;
const DEVICE_SECRET = 'bench-device-secret';
const DEVICE_ID = 'bench-sensor';
const DEVICE_HEADERS = { 'x-device-id': DEVICE_ID, 'x-device-secret': await deviceSecret(await deviceKey(DEVICE_SECRET), DEVICE_ID) };
const ROUTES = ['latest', 'ingest', 'batch'];

const WORKERS = [
  { name: 'JS Worker', build: (dir) => buildJsWorker(dir) },
  { name: 'Go Worker', build: (dir) => buildGoWorker(dir) },
  { name: 'plain fetch', build: (dir) => buildJsWorker(dir, { entry: path.join(repoRoot, 'bench', 'workers', 'plain-worker.js') }) },
];

/** workerd's CPU time so far, in ms: the sum over its threads. */
async function cpuMs(pid) {
  let ns = 0;
  for (const task of await readdir(`/proc/${pid}/task`)) {
    try {
      ns += Number((await readFile(`/proc/${pid}/task/${task}/schedstat`, 'utf8')).split(' ')[0]);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return ns / 1e6;
}

/** workerd's resident memory, in MiB. */
async function rssMiB(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}

async function inFlight(n, total, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < total) await fn(next++);
  }));
}

async function expect(res, status) {
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${text.slice(0, 300)}`);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const reading = (i) => ({ seq: i, temp: 15 + (i % 20), town: 'Brooklyn' });

/** The routes' requests against one running Worker. */
function routes(url, flowPath) {
  const ingest = (body) => fetch(`${url}/ingest${flowPath}`, {
    method: 'POST', headers: { ...DEVICE_HEADERS, 'content-type': 'application/json' }, body: JSON.stringify(body),
  }).then((r) => expect(r, 201));
  return {
    latest: () => fetch(`${url}/flows${flowPath}/latest?limit=10`).then((r) => expect(r, 200)),
    ingest: (i) => ingest(reading(i)),
    batch: (i) => ingest(Array.from({ length: BATCH }, (_, j) => reading(i * BATCH + j))),
  };
}

/** The seconds and CPU ms of total calls of fn, IN_FLIGHT at once. */
async function load(pid, total, fn) {
  const cpu0 = await cpuMs(pid);
  const t0 = performance.now();
  await inFlight(IN_FLIGHT, total, fn);
  return { seconds: (performance.now() - t0) / 1000, cpu: (await cpuMs(pid)) - cpu0 };
}

/** Each Worker's cold start, COLD_RUNS times, the Workers taking turns. */
async function coldStarts(results, bindings, flowPath) {
  for (const r of results) r.coldRuns = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    for (const r of i % 2 ? [...results].reverse() : results) {
      const worker = await startWorkerd({ dir: r.dir, modules: r.modules, bindings });
      try {
        const listening = performance.now();
        const cpuListening = await cpuMs(worker.pid);
        await routes(worker.url, flowPath).latest();
        const answered = performance.now();
        r.coldRuns.push({ listen: listening - worker.startedAt, first: answered - worker.startedAt, cpuListening, cpuFirst: (await cpuMs(worker.pid)) - cpuListening });
      } finally {
        await worker.stop();
      }
    }
  }
  for (const r of results) {
    r.cold = {};
    for (const key of ['listen', 'first', 'cpuListening', 'cpuFirst']) r.cold[key] = median(r.coldRuns.map((c) => c[key]));
  }
}

/** The loaded rounds: every route of every Worker, ROUNDS times; within a
 * round the Workers take SLICES turns each, the order rotating. A round's
 * figures (requests/s, CPU ms per request) add up its turns. */
async function loadedRounds(results, bindings, flowPath) {
  for (const r of results) {
    r.worker = await startWorkerd({ dir: r.dir, modules: r.modules, bindings });
    r.rounds = Object.fromEntries(ROUTES.map((route) => [route, []]));
  }
  try {
    for (const r of results) {
      const calls = routes(r.worker.url, flowPath);
      for (const route of ROUTES) await inFlight(IN_FLIGHT, WARMUP / (route === 'batch' ? BATCH : 1), calls[route]);
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const route of ROUTES) {
        const sums = new Map(results.map((r) => [r, { seconds: 0, cpu: 0 }]));
        for (let turn = 0; turn < SLICES; turn++) {
          const shift = round + turn;
          for (const r of results.map((_, i) => results[(i + shift) % results.length])) { // none always goes first
            const { seconds, cpu } = await load(r.worker.pid, SLICE[route], routes(r.worker.url, flowPath)[route]);
            sums.get(r).seconds += seconds;
            sums.get(r).cpu += cpu;
          }
        }
        const requests = SLICES * SLICE[route];
        for (const [r, { seconds, cpu }] of sums) r.rounds[route].push({ rps: requests / seconds, cpu: cpu / requests });
      }
    }
  } finally {
    for (const r of results) await r.worker.stop();
  }
}

/** workerd's RSS once warm, and its peak with RSS_IN_FLIGHT slow requests in flight. */
async function memory(r, bindings, flowPath) {
  const worker = await startWorkerd({ dir: r.dir, modules: r.modules, configName: 'slow.capnp', bindings });
  try {
    const { latest } = routes(worker.url, flowPath);
    await inFlight(4, 20, latest); // warm: the module compiled, the API made
    r.rssIdle = await rssMiB(worker.pid);
    let peak = r.rssIdle;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, await rssMiB(worker.pid));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    await Promise.all(Array.from({ length: RSS_IN_FLIGHT }, () => latest()));
    sampling = false;
    await sampler;
    r.rssPeak = peak;
  } finally {
    await worker.stop();
  }
}

export async function workersBench(log = console.log) {
  log('');
  log(`== Workers in workerd ${workerd.version}: JS Worker, Go Worker and a plain-fetch Worker side by side`);
  const loadBefore = loadavg()[0];
  const tmp = await mkdtemp(path.join(tmpdir(), 'flowthings-bench-workers-'));
  const emu = await startEmulator();
  const slow = await startEmulator(['-latency', RSS_LATENCY]);
  const flowPath = `/${emu.account}/bench-edge`;
  const results = [];
  try {
    for (const e of [emu, slow]) {
      const res = await fetch(`http://${e.host}/v0.1/${e.account}/flow`, {
        method: 'POST', headers: { 'X-Auth-Token': e.token, 'X-Auth-Account': e.account, 'Content-Type': 'application/json' },
        body: JSON.stringify({ path: flowPath }),
      });
      await expect(res, 201);
    }
    const bindings = (e) => ({ FLOWTHINGS_ACCOUNT: e.account, FLOWTHINGS_TOKEN: e.token, FLOWTHINGS_HOST: `http://${e.host}`, DEVICE_SECRET });
    for (const w of WORKERS) {
      const dir = path.join(tmp, w.name.replace(/\W+/g, '-'));
      const modules = await w.build(dir);
      results.push({ name: w.name, dir, modules, size: await workerSize(dir, modules) });
    }
    await coldStarts(results, bindings(emu), flowPath);
    await loadedRounds(results, bindings(emu), flowPath);
    for (const r of results) await memory(r, bindings(slow), flowPath);
  } finally {
    await emu.stop();
    await slow.stop();
    await rm(tmp, { recursive: true, force: true });
  }
  const loadAfter = loadavg()[0];

  const plain = results.find((r) => r.name === 'plain fetch');
  for (const r of results) {
    for (const route of ROUTES) {
      const rounds = r.rounds[route];
      const paired = (key) => rounds.map((x, i) => x[key] / plain.rounds[route][i][key]).sort((a, b) => a - b);
      r[route] = {
        rps: median(rounds.map((x) => x.rps)),
        cpu: median(rounds.map((x) => x.cpu)),
        rpsRatios: paired('rps'), // this round's requests/s over the plain Worker's in the same round
        cpuRatio: median(paired('cpu')),
      };
    }
  }
  const spread = (xs) => `${xs[0].toFixed(2)}–${xs[xs.length - 1].toFixed(2)}`;
  const perRoute = (route, label) => [
    [`${label}: requests/s (× plain, rounds)`, (r) => `${fmt(r[route].rps)} (${median(r[route].rpsRatios).toFixed(2)}×, ${spread(r[route].rpsRatios)})`],
    [`${label}: CPU per request (× plain)`, (r) => `${fmt(r[route].cpu, 2)} ms (${r[route].cpuRatio.toFixed(2)}×)`],
  ];
  const rows = [
    ['bundle, gzip -9 (raw)', (r) => `${fmt(r.size.gzip / 1024)} KiB (${fmt(r.size.raw / 1024)})`],
    ['cold start: spawn → listening', (r) => `${fmt(r.cold.listen)} ms`],
    ['cold start: spawn → first answer', (r) => `${fmt(r.cold.first)} ms`],
    ['cold start: CPU until listening', (r) => `${fmt(r.cold.cpuListening, 1)} ms`],
    ['cold start: CPU of the first request', (r) => `${fmt(r.cold.cpuFirst, 1)} ms`],
    ...perRoute('latest', 'latest'),
    ...perRoute('ingest', 'ingest, 1 drop'),
    ...perRoute('batch', `ingest, ${BATCH} drops`),
    ['RSS warm', (r) => `${fmt(r.rssIdle, 1)} MiB`],
    [`RSS at ${RSS_IN_FLIGHT} in flight`, (r) => `${fmt(r.rssPeak, 1)} MiB (+${fmt((r.rssPeak - r.rssIdle) / RSS_IN_FLIGHT, 2)} per request)`],
  ];
  const cells = rows.map(([label, cell]) => [label, ...results.map(cell)]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(i ? results[i - 1].name.length : 0, ...cells.map((c) => c[i].length)));
  log(`  ${''.padEnd(widths[0])}  ${results.map((r, i) => r.name.padEnd(widths[i + 1])).join('  ')}`);
  for (const c of cells) log(`  ${c.map((s, i) => s.padEnd(widths[i])).join('  ')}`);
  log(`  (${IN_FLIGHT} in flight; × plain: the median over ${ROUNDS} rounds of the ratio to the plain-fetch Worker in the same round, then the lowest–highest`);
  log(`  of those ratios; a round: ${SLICES} turns each of ${SLICE.latest} reads, ${SLICE.ingest} ingests, ${SLICE.batch} batches; cold start: medians of ${COLD_RUNS};`);
  log(`  load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)})`);

  const js = results.find((r) => r.name === 'JS Worker');
  const go = results.find((r) => r.name === 'Go Worker');
  const summary = [];
  for (const route of ['latest', 'ingest']) {
    const x = median(js[route].rpsRatios);
    summary.push([`Workers: JS ${route} requests/s vs plain (median of rounds)`, `${x.toFixed(2)}× (rounds ${spread(js[route].rpsRatios)}; CPU ${js[route].cpuRatio.toFixed(2)}×)`, `≥ ${TARGET}×`, x >= TARGET ? 'PASS' : 'MISSED']);
  }
  for (const route of ['latest', 'ingest']) {
    summary.push([`Workers: Go ${route} requests/s vs plain (median of rounds)`, `${median(go[route].rpsRatios).toFixed(2)}× (CPU ${go[route].cpuRatio.toFixed(2)}×)`, '', 'info']);
  }
  summary.push(['Workers: Go Worker gzip', `${fmt(go.size.gzip)} B`, '< 3,000,000', go.size.gzip < 3_000_000 ? 'PASS' : 'FAIL']);
  return summary;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await workersBench();
  console.log('');
  for (const r of rows) console.log(`  ${r.join('  ')}`);
}

// The Workers bench: the JS Worker (workers/js), the Go Worker (workers/go)
// and a plain-fetch Worker (bench/workers/plain-worker.js, the baseline)
// side by side in one run, each in its own `workerd serve` against one
// emulator on 127.0.0.1:
//
//  - bundle size (raw and gzip -9, every module of the Worker);
//  - cold start: spawning workerd → listening → the first answer of
//    GET /flows/…/latest (median of COLD_RUNS);
//  - requests/s and workerd's CPU per request with IN_FLIGHT requests in
//    flight, for GET /flows/…/latest and POST /ingest/… (one drop); the
//    three Workers take turns, ROUNDS times, and the median counts;
//  - workerd's RSS once warm and at 40 requests in flight (the emulator
//    answering after RSS_LATENCY so that they overlap).
//
// Target: the JS Worker serves ≥ 0.9× the plain Worker's requests/s on both
// routes. Run by `npm run bench` (bench/bench.js) or alone:
// `node bench/workers/bench.js`.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import workerd from 'workerd';
import { startEmulator } from '../../examples/emulator.js';
import { buildJsWorker, buildGoWorker, startWorkerd, workerSize, repoRoot } from '../../workers/harness.js';
import { deviceKey, deviceSecret } from '../../workers/shared/device.js';

const IN_FLIGHT = 32;
const READS = 1200;
const INGESTS = 800;
const WARMUP = 200;
const ROUNDS = 5; // short rounds, many: the median shrugs off a burst of load from elsewhere
const COLD_RUNS = 3;
const RSS_IN_FLIGHT = 40;
const RSS_LATENCY = '300ms';
const TARGET = 0.9;
const DEVICE_SECRET = 'bench-device-secret';
const DEVICE_ID = 'bench-sensor';
const DEVICE_HEADERS = { 'x-device-id': DEVICE_ID, 'x-device-secret': await deviceSecret(await deviceKey(DEVICE_SECRET), DEVICE_ID) };
const CLOCK_TICKS = 100; // USER_HZ: /proc/<pid>/stat counts CPU time in these

const WORKERS = [
  { name: 'JS Worker', build: (dir) => buildJsWorker(dir) },
  { name: 'Go Worker', build: (dir) => buildGoWorker(dir) },
  { name: 'plain fetch', build: (dir) => buildJsWorker(dir, { entry: path.join(repoRoot, 'bench', 'workers', 'plain-worker.js') }) },
];

/** workerd's CPU time so far, in ms. */
async function cpuMs(pid) {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS; // utime, stime
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

/** The routes' requests against one running Worker. */
function routes(url, flowPath) {
  return {
    latest: () => fetch(`${url}/flows${flowPath}/latest?limit=10`).then((r) => expect(r, 200)),
    ingest: (i) => fetch(`${url}/ingest${flowPath}`, {
      method: 'POST', headers: { ...DEVICE_HEADERS, 'content-type': 'application/json' },
      body: JSON.stringify({ seq: i, temp: 15 + (i % 20), town: 'Brooklyn' }),
    }).then((r) => expect(r, 201)),
  };
}

/** Requests/s and CPU ms per request of total calls of fn, IN_FLIGHT at once. */
async function load(pid, total, fn) {
  const cpu0 = await cpuMs(pid);
  const t0 = performance.now();
  await inFlight(IN_FLIGHT, total, fn);
  const seconds = (performance.now() - t0) / 1000;
  return { rps: total / seconds, cpu: ((await cpuMs(pid)) - cpu0) / total };
}

export async function workersBench(log = console.log) {
  log('');
  log(`== Workers in workerd ${workerd.version}: JS Worker, Go Worker and a plain-fetch Worker side by side`);
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
      const r = { name: w.name, dir, modules, size: await workerSize(dir, modules), latest: [], ingest: [] };
      const listen = [];
      const first = [];
      for (let i = 0; i < COLD_RUNS; i++) {
        const worker = await startWorkerd({ dir, modules, bindings: bindings(emu) });
        const listening = performance.now();
        await routes(worker.url, flowPath).latest();
        first.push(performance.now() - worker.startedAt);
        listen.push(listening - worker.startedAt);
        await worker.stop();
      }
      r.cold = { listen: median(listen), first: median(first) };
      results.push(r);
    }

    for (const r of results) r.worker = await startWorkerd({ dir: r.dir, modules: r.modules, bindings: bindings(emu) });
    for (const r of results) {
      const { latest, ingest } = routes(r.worker.url, flowPath);
      await inFlight(IN_FLIGHT, WARMUP, latest);
      await inFlight(IN_FLIGHT, WARMUP, ingest);
    }
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 ? [...results].reverse() : results; // take turns: none always goes first
      for (const r of order) {
        const { latest, ingest } = routes(r.worker.url, flowPath);
        r.latest.push(await load(r.worker.pid, READS, latest));
        r.ingest.push(await load(r.worker.pid, INGESTS, ingest));
      }
    }
    for (const r of results) await r.worker.stop();

    for (const r of results) {
      const worker = await startWorkerd({ dir: r.dir, modules: r.modules, configName: 'slow.capnp', bindings: bindings(slow) });
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
  } finally {
    await emu.stop();
    await slow.stop();
    await rm(tmp, { recursive: true, force: true });
  }

  for (const r of results) {
    for (const route of ['latest', 'ingest']) {
      r[`${route}Rps`] = median(r[route].map((x) => x.rps));
      r[`${route}Cpu`] = median(r[route].map((x) => x.cpu));
    }
  }
  const plain = results.find((r) => r.name === 'plain fetch');
  const ratio = (r, key) => r[key] / plain[key];
  const rows = [
    ['bundle, gzip -9 (raw)', (r) => `${fmt(r.size.gzip / 1024)} KiB (${fmt(r.size.raw / 1024)})`],
    ['cold start: spawn → listening', (r) => `${fmt(r.cold.listen)} ms`],
    ['cold start: spawn → first answer', (r) => `${fmt(r.cold.first)} ms`],
    [`latest: requests/s, ${IN_FLIGHT} in flight`, (r) => `${fmt(r.latestRps)} (${ratio(r, 'latestRps').toFixed(2)}×)`],
    ['latest: CPU per request', (r) => `${fmt(r.latestCpu, 2)} ms (${ratio(r, 'latestCpu').toFixed(2)}×)`],
    [`ingest: requests/s, ${IN_FLIGHT} in flight`, (r) => `${fmt(r.ingestRps)} (${ratio(r, 'ingestRps').toFixed(2)}×)`],
    ['ingest: CPU per request', (r) => `${fmt(r.ingestCpu, 2)} ms (${ratio(r, 'ingestCpu').toFixed(2)}×)`],
    ['RSS warm', (r) => `${fmt(r.rssIdle, 1)} MiB`],
    [`RSS at ${RSS_IN_FLIGHT} in flight`, (r) => `${fmt(r.rssPeak, 1)} MiB (+${fmt((r.rssPeak - r.rssIdle) / RSS_IN_FLIGHT, 2)} per request)`],
  ];
  const cells = rows.map(([label, cell]) => [label, ...results.map(cell)]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(i ? results[i - 1].name.length : 0, ...cells.map((c) => c[i].length)));
  log(`  ${''.padEnd(widths[0])}  ${results.map((r, i) => r.name.padEnd(widths[i + 1])).join('  ')}`);
  for (const c of cells) log(`  ${c.map((s, i) => s.padEnd(widths[i])).join('  ')}`);
  log(`  (ratios against the plain-fetch Worker, in this run; medians of ${ROUNDS} rounds of ${READS} reads and ${INGESTS} ingests)`);

  const js = results.find((r) => r.name === 'JS Worker');
  const go = results.find((r) => r.name === 'Go Worker');
  const summary = [];
  for (const route of ['latest', 'ingest']) {
    const x = ratio(js, `${route}Rps`);
    summary.push([`Workers: JS ${route} requests/s vs plain`, `${fmt(js[`${route}Rps`])} / ${fmt(plain[`${route}Rps`])} = ${x.toFixed(2)}×`, `≥ ${TARGET}×`, x >= TARGET ? 'PASS' : 'MISSED']);
  }
  for (const route of ['latest', 'ingest']) {
    summary.push([`Workers: Go ${route} requests/s vs plain`, `${fmt(go[`${route}Rps`])} / ${fmt(plain[`${route}Rps`])} = ${ratio(go, `${route}Rps`).toFixed(2)}×`, '', 'info']);
  }
  summary.push(['Workers: Go Worker gzip', `${fmt(go.size.gzip)} B`, '< 3,000,000', go.size.gzip < 3_000_000 ? 'PASS' : 'FAIL']);
  return summary;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await workersBench();
  console.log('');
  for (const r of rows) console.log(`  ${r.join('  ')}`);
}

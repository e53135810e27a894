// The REST speed workload of `npm run bench`, runtime-agnostic: bench/bench.js
// runs it in Node and, through a page, in Chromium. The SDK runs side by side
// with a plain client — fetch, then JSON.parse — that sends the same
// requests (captured from the SDK itself), in interleaved rounds, and each
// comparison is the ratio of the medians, measured in the same run.
//
//   (a)  READS sequential flow.read over 20 flows (the SDK reuses the requests it built)
//   (a′) the same over 300 flows (every SDK request built anew; information)
//   (b)  READS flow.read with 32 in flight
//   (c)  one find of 1,000 drops (median of FINDS)
//   (d)  CREATES sequential drop creates, each with its own body (the SDK builds each)

/** The targets of issue 11 ("Speed"): SDK time / plain time. */
export const TARGETS = { '(a)': 1.2, '(b)': 1.2, '(c)': 1.1, '(d)': 1.2 };

export const READS = 2000;
export const IN_FLIGHT = 32;
export const DROPS = 1000;
export const CREATES = 1000;
const FINDS = 100;

export const OK_ENVELOPE = '{"head":{"status":200,"ok":true,"messages":[],"errors":[],"references":{}},"body":{}}';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmtMs = (n) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

/** The process's CPU time in ms, where the runtime tells it (Node). */
const cpuNow = () => {
  const u = globalThis.process?.cpuUsage?.();
  return u ? (u.user + u.system) / 1000 : NaN;
};

/** Runs fn; its wall time and the process's CPU time in ms. */
async function timed(fn) {
  const c = cpuNow();
  const t = performance.now();
  await fn();
  return [performance.now() - t, cpuNow() - c];
}

/** Runs fn(i) for i in [0, total) with n calls in flight. */
export async function inFlight(n, total, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < total) await fn(next++);
  }));
}

/** The plain client: fetch, then JSON.parse; the envelope's body or a throw. */
export async function plainCall(req, body = req.body) {
  const res = await fetch(req.url, { method: req.method, headers: req.headers, body });
  const env = JSON.parse(await res.text());
  if (res.status >= 400 || env?.head?.ok === false) throw new Error(`${req.method} ${req.url}: status ${res.status}`);
  return env.body ?? {};
}

/** A transport over fetch, as a user would write one: with it the SDK
 * and the plain client share their HTTP stack, and the ratio is the SDK's
 * own cost. */
export async function fetchTransport({ method, url, headers, body, signal }) {
  const res = await fetch(url, { method, headers, body: body ?? undefined, signal, redirect: 'manual' });
  return { status: res.status, headers: { location: res.headers.get('location') }, body: await res.text() };
}

/** The elems of the i-th created drop: distinct bodies, as an ingest sends. */
const reading = (i) => ({ elems: { seq: i, temp: 15 + (i % 20) + i / 1000, town: ['Brooklyn', 'Queens', 'Bronx'][i % 3], ok: i % 7 !== 0 } });

/** The request the SDK sends for fn(api), captured by a transport that
 * answers without any I/O: { method, url, headers, body }. */
export async function captureRequest({ API, Token }, emu, fn) {
  let captured;
  const api = new API(new Token(emu.account, emu.token), {
    host: emu.host, secure: false,
    transport: async (req) => { captured ??= req; return { status: 200, headers: {}, body: OK_ENVELOPE }; },
  });
  await fn(api);
  const { method, url, headers, body } = captured;
  return { method, url, headers, body: body ?? undefined };
}

/**
 * restBench runs the comparisons. `sdk` is the package's exports ({ API,
 * Token }); `emu` is { host, account, token }; `ids` come from setup():
 * { flowIds (20), manyIds (300), dropFlow (1,000 drops), createFlow };
 * `transport`, when given, is the SDK's (default: its own).
 * Returns [{ key, name, plain, sdk, ratio, target, runs }].
 */
export async function restBench(sdk, emu, ids, { rounds = 5, log = () => {}, transport } = {}) {
  const api = new sdk.API(new sdk.Token(emu.account, emu.token), { host: emu.host, secure: false, transport });
  const sdkRequest = (fn) => captureRequest(sdk, emu, fn);
  const { flowIds, manyIds, dropFlow, createFlow } = ids;
  const readReqs = await Promise.all(flowIds.map((id) => sdkRequest((a) => a.flow.read(id))));
  const manyReqs = await Promise.all(manyIds.map((id) => sdkRequest((a) => a.flow.read(id))));
  const findReq = await sdkRequest((a) => a.drop(dropFlow).find({ limit: DROPS }));
  const createReq = await sdkRequest((a) => a.drop(createFlow).create(reading(0)));
  if (createReq.body !== JSON.stringify(reading(0))) throw new Error('the SDK does not send a create\'s body as JSON.stringify does');

  const clients = {
    plain: {
      read: (i) => plainCall(readReqs[i % flowIds.length]),
      readMany: (i) => plainCall(manyReqs[i % manyIds.length]),
      find: () => plainCall(findReq),
      create: (i) => plainCall(createReq, JSON.stringify(reading(i))),
    },
    sdk: {
      read: (i) => api.flow.read(flowIds[i % flowIds.length]),
      readMany: (i) => api.flow.read(manyIds[i % manyIds.length]),
      find: () => api.drop(dropFlow).find({ limit: DROPS }),
      create: (i) => api.drop(createFlow).create(reading(i)),
    },
  };
  // The same answers (sanity).
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  const [pf, sf] = [await clients.plain.find(), await clients.sdk.find()];
  if (!same(await clients.plain.read(3), await clients.sdk.read(3)) || !same(pf, sf) || sf.length !== DROPS) {
    throw new Error(`the SDK and the plain client disagree (find: ${sf.length} vs ${pf.length} drops)`);
  }

  const seq = (c, n, op = 'read') => async () => { for (let i = 0; i < n; i++) await c[op](i); };
  const par = (c, n) => () => inFlight(IN_FLIGHT, n, (i) => c.read(i));
  // Warm up both: JIT, the connection pool, the module.
  for (const c of [clients.plain, clients.sdk]) {
    await seq(c, 300)();
    await par(c, 300)();
    await seq(c, 100, 'create')();
    for (let i = 0; i < 3; i++) await c.find();
  }

  const results = [];
  const compare = async (key, name, run, n) => {
    const t = { plain: [], sdk: [] };
    const cpu = { plain: [], sdk: [] };
    for (let r = 0; r < n; r++) {
      for (const who of r % 2 ? ['sdk', 'plain'] : ['plain', 'sdk']) {
        const [wall, used] = await timed(run(clients[who]));
        t[who].push(wall);
        cpu[who].push(used);
      }
    }
    const plain = median(t.plain);
    const sdk = median(t.sdk);
    // The client's own CPU time (both clients run in this process, the
    // emulator in another): steadier than wall time on a busy machine.
    const cpuRatio = median(cpu.sdk) / median(cpu.plain);
    const result = { key, name, plain, sdk, ratio: sdk / plain, cpuRatio, target: TARGETS[key] ?? null, runs: t };
    results.push(result);
    log(result);
  };
  await compare('(a)', `${READS} sequential flow.read`, (c) => seq(c, READS), rounds);
  await compare('(a′)', `the same over ${manyIds.length} flows (each read built anew)`, (c) => seq(c, READS, 'readMany'), rounds);
  await compare('(b)', `${READS} flow.read, ${IN_FLIGHT} in flight`, (c) => par(c, READS), rounds);
  await compare('(c)', `find of ${DROPS} drops (median of ${FINDS})`, (c) => c.find, FINDS);
  await compare('(d)', `${CREATES} sequential drop creates`, (c) => seq(c, CREATES, 'create'), rounds);
  return results;
}

/** setup creates what restBench reads, with the SDK; names carry prefix. */
export async function setup({ API, Token }, emu, prefix) {
  const api = new API(new Token(emu.account, emu.token), { host: emu.host, secure: false });
  const flow = (path, extra = {}) => api.flow.create({ path: `/${emu.account}/${prefix}/${path}`, ...extra }).then((f) => f.id);
  const flowIds = [];
  for (let i = 0; i < 20; i++) flowIds.push(await flow(`read${i}`, { description: `bench flow ${i}` }));
  const manyIds = [];
  for (let i = 0; i < 300; i++) manyIds.push(await flow(`many${i}`, { description: `bench flow ${i}` }));
  const dropFlow = await flow('drops', { capacity: DROPS });
  const createFlow = await flow('creates', { capacity: CREATES });
  await inFlight(IN_FLIGHT, DROPS, (i) => api.drop(dropFlow).create({
    elems: { seq: i, temp: 15 + (i % 20), town: ['Brooklyn', 'Queens', 'Bronx'][i % 3], note: `reading number ${i}`, ok: i % 7 !== 0 },
  }));
  return { flowIds, manyIds, dropFlow, createFlow };
}

/** The line bench.js prints for a result. */
export function formatResult(r) {
  const verdict = r.target === null ? '(information)' : r.ratio <= r.target ? `PASS (≤ ${r.target}×)` : `MISSED (> ${r.target}×)`;
  const cpu = Number.isFinite(r.cpuRatio) ? `   (client CPU ${r.cpuRatio.toFixed(2)}×)` : '';
  return `  ${`${r.key} ${r.name}`.padEnd(52)} plain ${fmtMs(r.plain).padStart(7)} ms   SDK ${fmtMs(r.sdk).padStart(7)} ms   SDK/plain ${r.ratio.toFixed(2)}×  ${verdict}${cpu}\n`
    + `  ${''.padEnd(52)} (runs plain ${r.runs.plain.map(fmtMs).join(', ')}; SDK ${r.runs.sdk.map(fmtMs).join(', ')})`;
}

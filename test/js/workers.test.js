// Both Workers (workers/js and workers/go) in Cloudflare's workerd, against
// the emulator on 127.0.0.1: the same requests, the same answers. Each is
// built as a user builds it (esbuild, workerd/worker conditions, the wasm
// as its own module), wrapped in a probe that adds GET /__globals (the
// names the Worker added to globalThis) and served by `workerd serve`.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { init, API, Token } from 'flowthings-wasm';
import { startEmulator } from './helpers/emulator.js';
import { SECRET, assertNoLeak } from './helpers/leak.js';
import { buildJsWorker, buildGoWorker, startWorkerd, repoRoot, CURRENT_DATE, OLD_DATE } from '../../workers/harness.js';
import { deviceKey, deviceSecret, MAX_DEVICE_ID_LENGTH } from '../../workers/common/device.js';

// The token of the leak scan (with the characters escaping gets wrong), so
// that a leak in any encoding is found.
const TOKEN = SECRET;
const DEVICE_SECRET = 'device-shared-secret'; // the Workers' binding: never in an answer
const DEVICE_ID = 'sensor-7';
const deviceKeyOfWorkers = deviceKey(DEVICE_SECRET);
const device = async (id) => ({ 'x-device-id': id, 'x-device-secret': await deviceSecret(await deviceKeyOfWorkers, id) });
const MAX_BYTES = 2048;
const CORS_ORIGIN = 'https://dashboard.example'; // a header value only: nothing is sent there

const WORKERS = {
  js: { entry: path.join(repoRoot, 'workers', 'js', 'worker.js'), build: buildJsWorker },
  go: { entry: path.join(repoRoot, 'workers', 'go', 'worker.mjs'), build: buildGoWorker },
};

/** Builds a Worker wrapped in the globals probe: the probe's first import
 * records globalThis's names before the Worker's modules run. */
async function buildProbe(kind, dir) {
  await mkdir(dir, { recursive: true });
  const baseline = path.join(dir, 'baseline.mjs');
  await writeFile(baseline, 'export const names = new Set(Reflect.ownKeys(globalThis).map(String));\n');
  const entry = path.join(dir, 'probe.mjs');
  await writeFile(entry, `import { names } from ${JSON.stringify(baseline)};
import worker from ${JSON.stringify(WORKERS[kind].entry)};
export default {
  fetch(request, env, ctx) {
    if (new URL(request.url).pathname === '/__globals') {
      return new Response(JSON.stringify(Reflect.ownKeys(globalThis).map(String).filter((n) => !names.has(n))));
    }
    return worker.fetch(request, env, ctx);
  },
};
`);
  return WORKERS[kind].build(dir, { entry });
}

let emu;
let api;
let tmp;
const seen = []; // every answer's text, checked for the token at the end
const served = []; // every workerd started: their logs are checked too

/** startWorkerd, keeping the instance for the final leak scan of its log. */
async function serve(options) {
  const worker = await startWorkerd(options);
  served.push(worker);
  return worker;
}

before(async () => {
  emu = await startEmulator(['-token', TOKEN, '-latency', '20ms']); // so that concurrent requests overlap in the Worker
  await init();
  api = new API(new Token(emu.account, emu.token), { host: emu.host, secure: false });
  tmp = await mkdtemp(path.join(tmpdir(), 'flowthings-workers-'));
});

after(async () => {
  await emu?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

function bindings(overrides = {}) {
  return {
    FLOWTHINGS_ACCOUNT: emu.account, FLOWTHINGS_TOKEN: emu.token, FLOWTHINGS_HOST: `http://${emu.host}`,
    DEVICE_SECRET, INGEST_MAX_BYTES: String(MAX_BYTES), ...overrides,
  };
}

/** Sends one request to a Worker and returns { status, headers, body }. */
async function send(worker, method, url, { body, headers = {} } = {}) {
  const res = await fetch(worker.url + url, { method, body, headers, ...(body instanceof ReadableStream ? { duplex: 'half' } : {}) });
  const text = await res.text();
  seen.push(`${res.status} ${JSON.stringify([...res.headers])} ${text}`);
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, json };
}


for (const kind of Object.keys(WORKERS)) {
  describe(`${kind} Worker in workerd`, { timeout: 300_000 }, () => {
    let worker;
    let dir;
    let modules;
    const flowPath = `/dev/edge-${kind}`; // the emulator's account is dev
    const ingest = async (worker, body, headers) => send(worker, 'POST', `/ingest${flowPath}`, { body, headers: headers ?? await device(DEVICE_ID) });
    before(async () => {
      assert.equal(emu.account, 'dev');
      await api.flow.create({ path: flowPath });
      dir = path.join(tmp, kind);
      modules = await buildProbe(kind, dir);
      worker = await serve({ dir, modules, bindings: bindings({ CORS_ORIGIN }) });
    });
    after(async () => { await worker?.stop(); });

    test('ingests one drop and a batch, and latest reads them back', async () => {
      const one = await ingest(worker, JSON.stringify({ temp: 21, unit: 'C' }));
      assert.equal(one.status, 201, one.text);
      assert.equal(one.json.ids.length, 1);
      const batch = await ingest(worker, JSON.stringify([{ temp: 35 }, { temp: 40, hot: true }, { temp: 5 }]));
      assert.equal(batch.status, 201, batch.text);
      assert.equal(batch.json.ids.length, 3);
      assert.equal(new Set([...one.json.ids, ...batch.json.ids]).size, 4);

      const latest = await send(worker, 'GET', `/flows${flowPath}/latest?limit=4`);
      assert.equal(latest.status, 200, latest.text);
      assert.deepEqual(latest.json.drops.map((d) => d.id).sort(), [...one.json.ids, ...batch.json.ids].sort());
      assert.ok(latest.json.drops.every((d) => typeof d.elems.temp === 'number'), 'plain elems');
    });

    test('latest with a filter parsed at the edge', async () => {
      const hot = await send(worker, 'GET', `/flows${flowPath}/latest?filter=${encodeURIComponent('elems.temp > 30')}`);
      assert.equal(hot.status, 200, hot.text);
      assert.deepEqual(hot.json.drops.map((d) => d.elems.temp).sort(), [35, 40]);

      const bad = await send(worker, 'GET', `/flows${flowPath}/latest?filter=${encodeURIComponent('elems.temp >> 30')}`);
      assert.equal(bad.status, 400, bad.text);
      assert.equal(bad.json.error.code, 'filter');
      assert.equal(bad.json.error.position, 'elems.temp >'.length);
      const limit = await send(worker, 'GET', `/flows${flowPath}/latest?limit=0`);
      assert.equal(limit.status, 400);
      assert.equal(limit.json.error.code, 'limit');
      const unknown = await send(worker, 'GET', `/flows/${emu.account}/no-such-flow/latest`);
      assert.equal(unknown.status, 404);
      // CORS_ORIGIN on every latest answer, so that a dashboard elsewhere reads the errors too.
      for (const res of [hot, bad, limit, unknown]) assert.equal(res.headers.get('access-control-allow-origin'), CORS_ORIGIN, res.text);
      const ingested = await ingest(worker, '{"temp":1}');
      assert.equal(ingested.headers.get('access-control-allow-origin'), null, 'ingest is for devices, not pages');
    });

    test('bad input is refused with a JSON error', async () => {
      const cases = [
        ['not JSON', () => ingest(worker, '{"temp":'), 400, 'json'],
        ['an empty array', () => ingest(worker, '[]'), 400, 'shape'],
        ['an array of numbers', () => ingest(worker, '[1, 2]'), 400, 'shape'],
        ['a string', () => ingest(worker, '"temp"'), 400, 'shape'],
        ['too large', () => ingest(worker, JSON.stringify({ pad: 'x'.repeat(MAX_BYTES) })), 413, 'tooLarge'],
        ['too large, streamed without a length', () => ingest(worker, new Blob([JSON.stringify({ pad: 'x'.repeat(MAX_BYTES) })]).stream()), 413, 'tooLarge'],
        ['an unknown flow', () => send(worker, 'GET', `/flows/${emu.account}/no-such-flow/latest`), 404, 'notFound'],
        ['a flow outside the prefix', () => send(worker, 'GET', '/flows/someone-else/x/latest'), 403, 'path'],
        ['an empty segment', () => send(worker, 'GET', `/flows/${emu.account}/a%2F%2Fb/latest`), 400, 'path'],
        ['an unknown route', () => send(worker, 'GET', '/'), 404, 'route'],
        ['a wrong method', () => send(worker, 'GET', `/ingest${flowPath}`), 405, 'method'],
      ];
      for (const [name, request, status, code] of cases) {
        const res = await request();
        assert.equal(res.status, status, `${name}: ${res.text}`);
        assert.equal(res.json?.error?.code, code, name);
        assert.equal(typeof res.json.error.message, 'string', name);
        assert.match(res.headers.get('content-type'), /^application\/json/, name);
      }
    });

    test('each device has its own secret: a missing or wrong one is a 401 naming the header', async () => {
      const secret = (await device(DEVICE_ID))['x-device-secret'];
      const other = (await device('sensor-8'))['x-device-secret'];
      const cases = [
        ['no headers', {}, 'X-Device-Id'],
        ['no device id', { 'x-device-secret': secret }, 'X-Device-Id'],
        ['an empty device id', { 'x-device-id': '', 'x-device-secret': secret }, 'X-Device-Id'],
        ['a device id with a slash', { 'x-device-id': 'a/b', 'x-device-secret': secret }, 'X-Device-Id'],
        ['a device id too long', await device('x'.repeat(MAX_DEVICE_ID_LENGTH + 1)), 'X-Device-Id'],
        ['no secret', { 'x-device-id': DEVICE_ID }, 'X-Device-Secret'],
        ["another device's secret", { 'x-device-id': DEVICE_ID, 'x-device-secret': other }, 'X-Device-Secret'],
        ["the Worker's own DEVICE_SECRET", { 'x-device-id': DEVICE_ID, 'x-device-secret': DEVICE_SECRET }, 'X-Device-Secret'],
        ['a truncated secret', { 'x-device-id': DEVICE_ID, 'x-device-secret': secret.slice(0, 62) }, 'X-Device-Secret'],
        ['a secret with one more byte', { 'x-device-id': DEVICE_ID, 'x-device-secret': `${secret}00` }, 'X-Device-Secret'],
      ];
      for (const [name, headers, header] of cases) {
        const res = await ingest(worker, '{"temp":1}', headers);
        assert.equal(res.status, 401, `${name}: ${res.text}`);
        assert.equal(res.json.error.code, 'unauthorized', name);
        assert.equal(res.json.error.header, header, name);
        assert.ok(res.json.error.message.includes(header), name);
        for (const value of [secret, other, DEVICE_SECRET]) assert.ok(!res.text.includes(value), `${name}: no secret in the answer`);
      }
      const upper = await ingest(worker, '{"temp":1}', { 'x-device-id': DEVICE_ID, 'x-device-secret': secret.toUpperCase() });
      assert.equal(upper.status, 201, `hex in upper case: ${upper.text}`);
    });

    test('drops record the device id in the elem deviceId, which a device cannot forge', async () => {
      const id = 'aa:bb:cc:dd:ee:ff';
      const created = await ingest(worker, JSON.stringify([{ temp: 1 }, { temp: 2, deviceId: id }]), await device(id));
      assert.equal(created.status, 201, created.text);
      const mine = await send(worker, 'GET', `/flows${flowPath}/latest?filter=${encodeURIComponent(`elems.deviceId == "${id}"`)}`);
      assert.equal(mine.status, 200, mine.text);
      assert.deepEqual(mine.json.drops.map((d) => d.id).sort(), [...created.json.ids].sort());
      assert.ok(mine.json.drops.every((d) => d.elems.deviceId === id));

      const spoof = await ingest(worker, JSON.stringify([{ temp: 3 }, { temp: 4, deviceId: 'sensor-8' }]));
      assert.equal(spoof.status, 400, spoof.text);
      assert.equal(spoof.json.error.code, 'deviceId');
      const notString = await ingest(worker, '{"deviceId":7}', await device('7'));
      assert.equal(notString.status, 400, notString.text);
    });

    test('40 concurrent requests are all answered', async () => {
      const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2
        ? ingest(worker, JSON.stringify({ n: i }))
        : send(worker, 'GET', `/flows${flowPath}/latest?limit=3`))));
      assert.deepEqual(answers.map((a) => a.status), Array.from({ length: 40 }, (_, i) => (i % 2 ? 201 : 200)));
    });

    test('nothing leaks onto globalThis', async () => {
      const res = await send(worker, 'GET', '/__globals');
      assert.deepEqual(JSON.parse(res.text), []);
    });

    test('the platform down is a 502 with a JSON body', async () => {
      const host = 'http://127.0.0.1:1'; // tcpmux's port: nothing listens there
      const down = await serve({ dir, configName: 'down.capnp', modules, bindings: bindings({ FLOWTHINGS_HOST: host }) });
      try {
        for (const res of [await ingest(down, '{"temp":1}'), await send(down, 'GET', `/flows${flowPath}/latest`)]) {
          assert.equal(res.status, 502, res.text);
          assert.equal(res.json.error.code, 'transport');
        }
      } finally {
        await down.stop();
      }
    });
  });
}

// Creates in a flow the Worker has created in before go by flow id (the
// JS Worker: the module builds a flow id's create once, a path's create
// once per drop); when the flow is deleted, and perhaps made again under
// the same path, ingest still answers as it did by path.
describe('ingest into a flow deleted and made again', { timeout: 300_000 }, () => {
  for (const kind of Object.keys(WORKERS)) {
    test(`${kind} Worker`, async () => {
      const logged = await startEmulator(['-token', TOKEN], { quiet: false });
      const dir = path.join(tmp, `${kind}-flow-ids`);
      const worker = await serve({ dir, modules: await WORKERS[kind].build(dir), bindings: bindings({ FLOWTHINGS_HOST: `http://${logged.host}` }) });
      const flowPath = `/${logged.account}/again`;
      const other = new API(new Token(logged.account, logged.token), { host: logged.host, secure: false });
      const ingest = async (body) => send(worker, 'POST', `/ingest${flowPath}`, { body: JSON.stringify(body), headers: await device(DEVICE_ID) });
      // The creates in the emulator's request log ("POST /v0.1/dev/drop/f… 201 …"), once count are there.
      const creates = async (count) => {
        const lines = () => logged.log().split('\n').flatMap((line) => {
          const m = / POST \/v0\.1\/dev\/drop(\/f\w+)? (\d+) /.exec(line);
          return m ? [`${m[1] ? 'byId' : 'byPath'}:${m[2]}`] : [];
        });
        for (let i = 0; i < 100 && lines().length < count; i++) await new Promise((r) => setTimeout(r, 20));
        return lines();
      };
      try {
        let flow = await other.flow.create({ path: flowPath });
        assert.equal((await ingest({ n: 1 })).status, 201);
        assert.equal((await ingest([{ n: 2 }, { n: 3 }])).status, 201);
        await other.flow.delete(flow.id);
        flow = await other.flow.create({ path: flowPath });
        const again = await ingest({ n: 4 });
        assert.equal(again.status, 201, again.text);
        assert.deepEqual((await other.drop(flow.id).findMany({ limit: 5 })).map((d) => d.id), again.json.ids, 'in the new flow');
        assert.equal((await ingest({ n: 5 })).status, 201);
        await other.flow.delete(flow.id);
        const gone = await ingest({ n: 6 });
        assert.equal(gone.status, 400, gone.text);
        assert.equal(gone.json.error.code, 'badRequest', 'as a create by path of an unknown flow');
        if (kind === 'js') {
          assert.deepEqual(await creates(8), [
            'byPath:201', 'byId:201', 'byId:201', // a create learns the flow id, the next ones use it
            'byId:404', 'byPath:201', // the flow is gone: its id is forgotten, the path finds the new flow
            'byId:201',
            'byId:404', 'byPath:400',
          ]);
        }
      } finally {
        await worker.stop();
        await logged.stop();
      }
    });
  }
});

describe('the Go Worker bounds the requests in flight', { timeout: 300_000 }, () => {
  test('over MAX_IN_FLIGHT it answers 503 with Retry-After, never fails', async () => {
    const slow = await startEmulator(['-token', TOKEN, '-latency', '300ms']);
    const dir = path.join(tmp, 'go-bounded');
    const worker = await serve({ dir, modules: await buildGoWorker(dir), bindings: bindings({ FLOWTHINGS_HOST: `http://${slow.host}`, MAX_IN_FLIGHT: '4' }) });
    try {
      const answers = await Promise.all(Array.from({ length: 40 }, () => send(worker, 'GET', `/flows/${slow.account}/none/latest`)));
      const statuses = answers.map((a) => a.status);
      assert.ok(statuses.every((s) => s === 404 || s === 503), statuses.join(' '));
      assert.ok(statuses.filter((s) => s === 404).length >= 4, 'the first four are served');
      const refused = answers.filter((a) => a.status === 503);
      assert.ok(refused.length > 0, 'some are refused');
      for (const a of refused) {
        assert.equal(a.headers.get('retry-after'), '1');
        assert.equal(a.json.error.code, 'overloaded');
      }
      const after = await send(worker, 'GET', `/flows/${slow.account}/none/latest`);
      assert.equal(after.status, 404, 'it serves again once the burst is over');
    } finally {
      await worker.stop();
      await slow.stop();
    }
  });
});

// Both Workers start their wasm at the module's top level (Workers forbid
// random values there and stand the clocks at 0); before 2025-05-05
// (without enable_weak_ref) a Worker also has no FinalizationRegistry.
describe('start-up with a current and an old compatibility date', { timeout: 300_000 }, () => {
  for (const kind of Object.keys(WORKERS)) {
    for (const date of [CURRENT_DATE, OLD_DATE]) {
      test(`${kind} Worker, compatibility date ${date}`, async () => {
        const dir = path.join(tmp, `${kind}-${date}`);
        const worker = await serve({ dir, modules: await WORKERS[kind].build(dir), compatibilityDate: date, bindings: bindings() });
        try {
          const res = await send(worker, 'GET', `/flows/${emu.account}/edge-${kind}/latest?limit=1`);
          assert.equal(res.status, 200, res.text);
          // The Go Worker starts Go at its top level, and would start it
          // again at this request if that failed: Go's crash shows only here.
          assert.doesNotMatch(worker.log(), /fatal error|panic|exit code/, 'a clean start with the isolate');
        } finally {
          await worker.stop();
        }
      });
    }
  }
});

describe('jsfetch in workerd', { timeout: 300_000 }, () => {
  test('a WebSocket session: POST /session through the Transport, the socket through the Dialer, a pushed drop', async () => {
    const dir = path.join(tmp, 'jsfetch');
    const modules = await buildGoWorker(dir, { pkg: './jsfetch/internal/workerdcheck' });
    const flow = `/${emu.account}/ws-check`;
    await api.flow.create({ path: flow });
    const worker = await serve({ dir, modules, bindings: { FLOWTHINGS_ACCOUNT: emu.account, FLOWTHINGS_TOKEN: emu.token, FLOWTHINGS_HOST: emu.host } });
    try {
      const res = await send(worker, 'GET', `/check?flow=${encodeURIComponent(flow)}`);
      assert.equal(res.status, 200, `${res.text}\n${worker.log()}`);
      assert.match(res.json.created, /^d/);
      assert.equal(res.json.pushed, res.json.created);

      // The limit the README and jsfetch's doc state: a session belongs to
      // the request that opened it; another request cannot write to it.
      await api.flow.create({ path: `${flow}-2` });
      const kept = await send(worker, 'GET', `/keep?flow=${encodeURIComponent(flow)}`);
      assert.equal(kept.status, 200, kept.text);
      assert.equal(kept.json.state, 'open');
      const reused = await send(worker, 'GET', `/reuse?flow=${encodeURIComponent(`${flow}-2`)}`);
      assert.equal(reused.status, 200, reused.text);
      assert.match(reused.json.error, /Cannot perform I\/O on behalf of a different request/);
      assert.equal(reused.json.state, 'closed', 'the session ends');
    } finally {
      await worker.stop();
    }
  });
});

test('device-secret.js computes a device\'s secret from DEVICE_SECRET in the environment', async () => {
  const script = path.join(repoRoot, 'workers', 'device-secret.js');
  const run = (args, env) => promisify(execFile)(process.execPath, [script, ...args], { env: { PATH: process.env.PATH, ...env } })
    .then(({ stdout }) => ({ code: 0, stdout }), (err) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }));
  // The same as: printf %s sensor-7 | openssl dgst -sha256 -hmac dev-device-secret (and edge.DeviceSecret in Go)
  assert.deepEqual(await run(['sensor-7'], { DEVICE_SECRET: 'dev-device-secret' }), { code: 0, stdout: 'b1c6b3ead5f29cde5dc8f98a647a288c4905d20321f8d3e6ec925e3786cbe449\n' });
  const noSecret = await run(['sensor-7'], {});
  assert.equal(noSecret.code, 2);
  assert.match(noSecret.stderr, /DEVICE_SECRET/);
  const badId = await run(['a b'], { DEVICE_SECRET: 'x' });
  assert.equal(badId.code, 2);
  assert.match(badId.stderr, /not a device id/);
  assert.equal((await run([], { DEVICE_SECRET: 'x' })).code, 2, 'the id is required');
});

test('serve.js serves a Worker until Ctrl-C', { timeout: 300_000 }, async () => {
  const { spawn } = await import('node:child_process');
  await api.flow.create({ path: `/${emu.account}/serve-js` });
  const child = spawn(process.execPath, [path.join(repoRoot, 'workers', 'serve.js'), 'js'], {
    env: { PATH: process.env.PATH, FLOWTHINGS_HOST: `http://${emu.host}`, FLOWTHINGS_ACCOUNT: emu.account, FLOWTHINGS_TOKEN: emu.token },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    let out = '';
    child.stdout.setEncoding('utf8');
    // Its URL, and the secret of sensor-1 for the default DEVICE_SECRET from the curl line it printed.
    const [url, secret] = await new Promise((resolve, reject) => {
      child.stdout.on('data', (s) => {
        out += s;
        const m = /serves (http:\/\/127\.0\.0\.1:\d+)[^]*X-Device-Secret: ([0-9a-f]{64})/.exec(out);
        if (m) resolve(m.slice(1));
      });
      exited.then((code) => reject(new Error(`serve.js exited (code ${code}) before serving:\n${out}`)));
    });
    await new Promise((resolve) => setTimeout(resolve, 500)); // still there a moment later
    const res = await send({ url }, 'POST', `/ingest/${emu.account}/serve-js`, { body: '{"temp":21}', headers: { 'x-device-id': 'sensor-1', 'x-device-secret': secret } });
    assert.equal(res.status, 201, res.text);
    child.kill('SIGINT');
    assert.equal(await exited, 0);
  } finally {
    child.kill('SIGKILL');
  }
});

test('no answer carries the token or a device secret', async () => {
  assert.ok(seen.length > 50, `answers checked: ${seen.length}`);
  assertNoLeak(...seen, ...served.map((w) => w.log()));
  const secret = (await device(DEVICE_ID))['x-device-secret'];
  for (const text of [...seen, ...served.map((w) => w.log())]) {
    assert.ok(!text.includes(DEVICE_SECRET) && !text.includes(secret));
  }
});

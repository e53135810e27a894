// The package in a real browser: Debian's Chromium (/usr/bin/chromium, never
// a downloaded one) driven by playwright-core loads js/browser.js and
// dist/flowthings.wasm from a local static server, with each way of giving
// init() the module, and works against the local emulator through the
// browser's own fetch and WebSocket.
//   node --test test/js/browser.test.js   (needs dist/ built and `apt-get install -y chromium`)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './helpers/chromium.js';
import { startStaticServer } from './helpers/static-server.js';
import { startEmulator } from './helpers/emulator.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const MISSING_FLOW = 'f000000000000000000000000';
const EXPECTED_404 = ['/dist/missing.wasm', `/flow/${MISSING_FLOW}`];

// The test page: imports the package's browser entry point, wraps
// WebAssembly.instantiateStreaming to see whether it is used, and loads the
// module the way ?wasm= says. window.loaded resolves to what it saw.
const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>flowthings-wasm in a browser</title>
<script type="module">
import * as flowthings from '/js/browser.js';
import { init, API, Token, mem } from '/js/browser.js';

const globalsBefore = Object.getOwnPropertyNames(globalThis);
let streamed = 0;
const instantiateStreaming = WebAssembly.instantiateStreaming;
WebAssembly.instantiateStreaming = (...args) => { streamed++; return instantiateStreaming.apply(WebAssembly, args); };

const wasm = '/dist/flowthings.wasm';
const sources = {
  default: () => undefined,
  url: () => new URL(wasm, location.href),
  string: () => wasm,
  fetch: () => fetch(wasm),
  octet: () => fetch('/octet/flowthings.wasm'), // served without the wasm MIME type: compiled from its bytes
  bytes: async () => new Uint8Array(await (await fetch(wasm)).arrayBuffer()),
  module: () => WebAssembly.compileStreaming(fetch(wasm)),
};
const variant = new URLSearchParams(location.search).get('wasm') ?? 'default';

window.flowthings = flowthings;
window.loaded = (async () => {
  let before = null;
  try { String(mem.a.eq(1)); } catch (err) { before = { name: err.name, code: err.code }; }
  let retried = null;
  if (variant === 'retry') { // a failed load rejects and may be retried
    try { await init({ wasm: '/dist/missing.wasm' }); } catch (err) { retried = { name: err.name, code: err.code, message: err.message }; }
  }
  const source = await sources[variant === 'retry' ? 'default' : variant]();
  await init(source === undefined ? undefined : { wasm: source });
  await init(); // idempotent
  const skip = new Set(['flowthings', 'loaded']);
  return {
    variant, before, retried, streamed,
    newGlobals: Object.getOwnPropertyNames(globalThis).filter((k) => !globalsBefore.includes(k) && !skip.has(k)),
    types: { process: typeof process, fs: typeof fs, Go: typeof Go, path: typeof globalThis.path, flowthings: typeof globalThis.__flowthings },
    filter: String(mem.elems.temp.gt(30)),
    api: typeof API, token: String(new Token('acc', 'secret')),
  };
})();
window.loaded.catch(() => {});
</script>
`;

let server;
let emulator;
let browser;
let context;
const pageErrors = [];

before(async () => {
  for (const f of ['dist/flowthings.wasm', 'dist/wasm_exec.mjs']) {
    assert.ok(existsSync(path.join(root, f)), `${f} is missing: run ./build.sh wasm first`);
  }
  server = await startStaticServer({
    root,
    prefixes: ['/js/', '/dist/'],
    routes: {
      '/': (req, res) => { res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(PAGE); },
      '/octet/flowthings.wasm': async (req, res) => {
        const { readFile } = await import('node:fs/promises');
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(await readFile(path.join(root, 'dist', 'flowthings.wasm')));
      },
      '/favicon.ico': (req, res) => { res.writeHead(204).end(); },
    },
  });
  emulator = await startEmulator();
  browser = await launchChromium();
  context = browser.context;
});

after(async () => {
  await browser?.close();
  await server?.close();
  await emulator?.stop();
});

/** A new page with ?wasm=variant loaded; resolves to [page, what it saw]. */
async function open(variant) {
  const page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(`${variant}: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const from = msg.location().url ?? '';
    if (EXPECTED_404.some((p) => from.endsWith(p)) && msg.text().includes('404')) return; // the tests' own 404s
    pageErrors.push(`${variant}: console: ${msg.text()} (${from})`);
  });
  await page.goto(server.url(`/?wasm=${variant}`));
  const seen = await page.evaluate(() => window.loaded);
  return [page, seen];
}

/** What every loaded page must show: no leaked globals, filters render. */
function assertLoaded(seen) {
  assert.deepEqual(seen.before, { name: 'FlowThingsError', code: 'init' }, 'before init() the package throws the init error');
  assert.deepEqual(seen.types, { process: 'undefined', fs: 'undefined', Go: 'undefined', path: 'undefined', flowthings: 'undefined' }, 'init() leaks no global');
  assert.deepEqual(seen.newGlobals, [], 'init() adds no property to globalThis');
  assert.equal(seen.filter, 'elems.temp > 30');
  assert.equal(seen.api, 'function');
  assert.equal(seen.token, 'Token(acc, [redacted])');
}

describe('in Chromium', () => {
  it('init() fetches the module beside js/ with streaming compilation; no global leaks; a call through a transport', async () => {
    const [page, seen] = await open('default');
    try {
      assertLoaded(seen);
      assert.equal(seen.streamed, 1, 'compiled while streaming (instantiateStreaming)');
      const wasmRequest = server.requests.find((r) => r.path === '/dist/flowthings.wasm');
      assert.equal(wasmRequest?.type, 'application/wasm');
      const call = await page.evaluate(async () => {
        const { API, Token, mem } = window.flowthings;
        const calls = [];
        const api = new API(new Token('acc', 'secret'), {
          host: 'api.test',
          transport: async (req) => {
            calls.push({ method: req.method, url: req.url, account: req.headers['X-Auth-Account'], body: req.body });
            return { status: 200, headers: {}, body: JSON.stringify({ head: { ok: true, status: 200, errors: [], messages: [] }, body: [{ id: 'd1' }] }) };
          },
        });
        const drops = await api.drop('f1').find(mem.elems.temp.gt(30), { limit: 5 });
        return { drops, calls, process: typeof process };
      });
      assert.deepEqual(call.drops, [{ id: 'd1' }]);
      assert.deepEqual(call.calls, [{ method: 'GET', url: 'https://api.test/v0.1/acc/drop/f1?filter=elems.temp%20%3E%2030&limit=5', account: 'acc', body: null }]);
      assert.equal(call.process, 'undefined');
    } finally {
      await page.close();
    }
  });

  for (const [variant, streamed, what] of [
    ['url', 1, 'init({ wasm: new URL(…) })'],
    ['string', 1, "init({ wasm: '/dist/flowthings.wasm' })"],
    ['fetch', 1, 'init({ wasm: fetch(…) })'],
    ['octet', 0, 'init({ wasm: fetch(…) }) of a server without the wasm MIME type'],
    ['bytes', 0, 'init({ wasm: bytes })'],
    ['module', 0, 'init({ wasm: WebAssembly.Module })'],
  ]) {
    it(`loads with ${what}`, async () => {
      const [page, seen] = await open(variant);
      try {
        assertLoaded(seen);
        assert.equal(seen.streamed, streamed, streamed ? 'compiled while streaming' : 'compiled without instantiateStreaming');
      } finally {
        await page.close();
      }
    });
  }

  it('a failed load rejects with a FlowThingsError (code init) and may be retried', async () => {
    const [page, seen] = await open('retry');
    try {
      assert.equal(seen.retried?.name, 'FlowThingsError');
      assert.equal(seen.retried?.code, 'init');
      assert.match(seen.retried?.message, /404/);
      assertLoaded(seen);
    } finally {
      await page.close();
    }
  });

  it("works against the emulator through the browser's fetch (CORS) and WebSocket", async () => {
    const [page, seen] = await open('default');
    try {
      assertLoaded(seen);
      const { host, account, token } = emulator;
      const result = await page.evaluate(async ({ host, account, token, missingFlow }) => {
        const { API, Token, mem, plainElems, FlowThingsNotFound } = window.flowthings;
        const MISSING_FLOW = missingFlow;
        const within = (promise, what) => Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), 8000))]);
        const api = new API(new Token(account, token), { host, wsHost: host, secure: false });
        const flow = await api.flow.create({ path: `/${account}/browser` });
        await api.drop(flow.id).create({ elems: { temp: 31 } });
        await api.drop(flow.id).create({ elems: { temp: 12 } });
        const hot = await api.drop(flow.id).find(mem.elems.temp.gt(30), { hints: false });
        const [read, references] = await api.flow.read(flow.id, { refs: true });
        let missing = null;
        try {
          await api.flow.read(MISSING_FLOW);
        } catch (err) {
          missing = { notFound: err instanceof FlowThingsNotFound, status: err.status, path: err.path, account: err.account };
        }
        const states = [];
        const ws = await within(api.websocket.connect({ onStateChange: (_, state) => states.push(state) }), 'connect');
        const sub = await within(ws.subscribe(flow.id), 'subscribe');
        const drops = sub[Symbol.asyncIterator]();
        await api.drop(flow.id).create({ elems: { temp: 40 } });
        const pushed = await within(drops.next(), 'the pushed drop');
        await within(ws.close(), 'close');
        return {
          flowPath: flow.path, hot: hot.map((d) => d.elems.temp), readId: read.id === flow.id, references: typeof references,
          missing, pushed: plainElems(pushed.value).elems.temp, states, state: ws.state,
        };
      }, { host, account, token, missingFlow: MISSING_FLOW });
      assert.equal(result.flowPath, `/${account}/browser`);
      assert.deepEqual(result.hot, [31]);
      assert.equal(result.readId, true);
      assert.equal(result.references, 'object');
      assert.deepEqual(result.missing, { notFound: true, status: 404, path: `/flow/${MISSING_FLOW}`, account });
      assert.equal(result.pushed, 40);
      assert.equal(result.state, 'closed');
      assert.ok(result.states.includes('open') && result.states.at(-1) === 'closed', `states: ${result.states}`);
    } finally {
      await page.close();
    }
  });

  it('no page error was reported', () => {
    assert.deepEqual(pageErrors, []);
  });
});

// Load failures say what happened and how to fix it, each naming
// init({ wasm }); init's options are checked; when the module fails to
// start, the real cause is kept. (Its own process.)
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { init, mem, FlowThingsError } from '../../js/node.js';

const wasmBytes = await readFile(new URL('../../dist/flowthings.wasm', import.meta.url));
const HTML = '<!doctype html><html><head><title>My app</title></head><body><div id="app"></div></body></html>';

/** Asserts err is an init error whose message matches each pattern and names init({ wasm }). */
function initError(...patterns) {
  return (err) => {
    assert.ok(err instanceof FlowThingsError, `${err?.name}: ${err?.message}`);
    assert.equal(err.code, 'init');
    for (const p of patterns) assert.match(err.message, p);
    assert.match(err.message, /init\(\{ wasm/);
    return true;
  };
}

/** A server on 127.0.0.1 answering every path with routes[path] or a 404. */
async function serve(routes) {
  const server = createServer((req, res) => {
    const route = routes[req.url];
    if (!route) return res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    res.writeHead(200, { 'content-type': route.type }).end(route.body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: (p) => `http://127.0.0.1:${server.address().port}${p}`, close: () => new Promise((r) => server.close(r)) };
}

it('an unknown option is an input error naming the nearest one', async () => {
  await assert.rejects(init({ wsam: wasmBytes }), (err) => {
    assert.equal(err.code, 'input');
    assert.match(err.message, /init\(options\): unknown option `wsam`; did you mean `wasm`\?/);
    return true;
  });
});

it('a URL that fails names the URL and its status', async () => {
  const server = await serve({});
  try {
    const url = server.url('/assets/flowthings.wasm');
    await assert.rejects(init({ wasm: url }), initError(/fetching the wasm module from http:\/\/127\.0\.0\.1:\d+\/assets\/flowthings\.wasm failed with status 404/));
    await assert.rejects(init({ wasm: 'http://127.0.0.1:1/flowthings.wasm' }), initError(/fetching the wasm module from http:\/\/127\.0\.0\.1:1\/flowthings\.wasm failed: /));
  } finally {
    await server.close();
  }
});

it('a server that answers HTML (an app\'s fallback page) is named as such', async () => {
  const server = await serve({ '/flowthings.wasm': { type: 'text/html', body: HTML }, '/octet.wasm': { type: 'application/octet-stream', body: `\n  ${HTML}` } });
  try {
    await assert.rejects(init({ wasm: server.url('/flowthings.wasm') }), initError(/\/flowthings\.wasm is HTML, not wasm: the server answered HTML/));
    await assert.rejects(init({ wasm: fetch(server.url('/octet.wasm')) }), initError(/is HTML, not wasm/));
    await assert.rejects(init({ wasm: new TextEncoder().encode(HTML) }), initError(/the given bytes is HTML, not wasm/));
  } finally {
    await server.close();
  }
});

it('bytes that are not wasm, and a wrong option type', async () => {
  await assert.rejects(init({ wasm: new Uint8Array([1, 2, 3, 4, 5]) }), initError(/is not a wasm module \(it does not start with \\0asm\)/));
  await assert.rejects(init({ wasm: 42 }), initError(/options\.wasm must be a URL, a Response, bytes or a WebAssembly\.Module/));
});

it('a runtime that cannot compile wasm from bytes (Workers) is told to pass the imported module', async () => {
  const instantiate = WebAssembly.instantiate;
  WebAssembly.instantiate = async (source, imports) => {
    if (source instanceof WebAssembly.Module) return instantiate.call(WebAssembly, source, imports);
    throw new WebAssembly.CompileError('WebAssembly.instantiate(): Wasm code generation disallowed by embedder');
  };
  try {
    await assert.rejects(init({ wasm: wasmBytes }), initError(/Workers cannot\): pass the imported module: import wasm from 'flowthings-wasm\/flowthings\.wasm'; await init\(\{ wasm \}\)/));
  } finally {
    WebAssembly.instantiate = instantiate;
  }
});

it('a module that does not start keeps the real cause', async () => {
  const empty = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]); // a valid, empty wasm module
  await assert.rejects(init({ wasm: empty }), (err) => {
    assert.equal(err.code, 'init');
    assert.match(err.message, /the wasm module did not start: /);
    assert.ok(err.cause instanceof TypeError, 'the real cause is kept');
    assert.ok(err.message.includes(err.cause.message));
    return true;
  });
});

it('after failed loads, init() loads the module', async () => {
  assert.throws(() => String(mem.a.eq(1)), { code: 'init' });
  await init({ wasm: wasmBytes });
  assert.equal(String(mem.a.eq(1)), 'a == 1');
});

// The default transport on Node (js/nodehttp.js, node:http and
// node:https): what fetch did, without loading fetch. The redirect,
// failure, timeout and token cases are hostile-http.test.js's and
// token-scan.test.js's, which run against it too.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { init, API, Token, FlowThingsError } from '../../js/node.js';
import { nodeTransport } from '../../js/nodehttp.js';

const TOKEN = 'tok/Node+Http-5ecret';
const NODE_ENTRY = fileURLToPath(new URL('../../js/node.js', import.meta.url));
const OK_HEAD = { status: 200, ok: true, errors: [], messages: [] };

let server;
let host;
let api;
const seen = []; // { method, url, headers, body, socket }
let answer = (req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ head: OK_HEAD, body: { id: 'f1' } }));

before(async () => {
  await init();
  let sockets = 0;
  server = createServer((req, res) => {
    req.socket.number ??= ++sockets;
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body, socket: req.socket.number });
      answer(req, res);
    });
  });
  server.keepAliveTimeout = 60_000; // the client, not the server, ends idle connections
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${server.address().port}`;
  api = new API(new Token('acct', TOKEN), { host, secure: false, timeoutMs: 5000 });
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Answers the next calls with an envelope of body, as text, encoded. */
function answerWith(body, { encoding, bom = false, split = false } = {}) {
  answer = (req, res) => {
    let bytes = Buffer.from(`${bom ? '\ufeff' : ''}${JSON.stringify({ head: OK_HEAD, body })}`, 'utf8');
    const headers = { 'content-type': 'application/json' };
    if (encoding) {
      headers['content-encoding'] = encoding;
      for (const coding of encoding.split(',').map((c) => c.trim())) {
        bytes = coding === 'gzip' ? zlib.gzipSync(bytes) : coding === 'deflate' ? zlib.deflateSync(bytes) : zlib.brotliCompressSync(bytes);
      }
    }
    res.writeHead(200, headers);
    if (!split) return res.end(bytes);
    // One byte at a time around the middle: a multi-byte character split across chunks.
    const middle = bytes.length >> 1;
    res.write(bytes.subarray(0, middle));
    let at = middle;
    const next = () => {
      if (at >= bytes.length) return res.end();
      res.write(bytes.subarray(at, at + 1));
      at++;
      setImmediate(next);
    };
    next();
  };
}

describe('the default transport on Node', () => {
  it('is node:http: a call works with fetch gone', async () => {
    const fetch = globalThis.fetch;
    globalThis.fetch = () => { throw new Error('fetch was called'); };
    try {
      answerWith({ id: 'f1' });
      assert.deepEqual(await api.flow.read('f1'), { id: 'f1' });
    } finally {
      globalThis.fetch = fetch;
    }
  });

  it('sends the request as built: method, path, headers and the exact body bytes', async () => {
    answerWith({ id: 'd1' });
    seen.length = 0;
    await api.drop('f1').create({ elems: { town: 'Zürich ☃ 𝄞' } });
    const [req] = seen;
    assert.equal(req.method, 'POST');
    assert.equal(req.url, '/v0.1/acct/drop/f1');
    assert.equal(req.headers['x-auth-token'], TOKEN);
    assert.equal(req.headers['x-auth-account'], 'acct');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.equal(req.headers.accept, 'application/json');
    assert.equal(req.headers['accept-encoding'], 'gzip, deflate', 'as fetch asks over http');
    assert.equal(req.body, '{"elems":{"town":"Zürich ☃ 𝄞"}}');
    assert.equal(Number(req.headers['content-length']), Buffer.byteLength(req.body));
  });

  for (const encoding of ['gzip', 'deflate', 'br', 'gzip, br']) {
    it(`decodes a ${encoding} answer as fetch does`, async () => {
      const body = Array.from({ length: 500 }, (_, i) => ({ id: `d${i}`, note: 'ünïcödé ☃' }));
      answerWith(body, { encoding });
      assert.deepEqual(await api.drop('f1').find({ limit: 500 }), body);
    });
  }

  it('reads the body as UTF-8, across chunks, without a byte order mark', async () => {
    answerWith({ id: 'f1', note: '☃'.repeat(2000) }, { bom: true, split: true });
    assert.deepEqual(await api.flow.read('f1'), { id: 'f1', note: '☃'.repeat(2000) });
  });

  it('keeps the connection for the next call', async () => {
    answerWith({ id: 'f1' });
    seen.length = 0;
    for (let i = 0; i < 5; i++) await api.flow.read('f1');
    assert.equal(new Set(seen.map((r) => r.socket)).size, 1, 'five calls, one connection');
  });

  it('aborts a call whose body is still arriving, with the call\'s error', async () => {
    answer = (req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.write('{"head":'); };
    const started = Date.now();
    await assert.rejects(api.flow.read('f1', { timeoutMs: 100 }), (err) => err instanceof FlowThingsError && err.code === 'timeout');
    assert.ok(Date.now() - started < 3000);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    await assert.rejects(api.flow.read('f1', { signal: ac.signal }), (err) => err.code === 'aborted');
    answerWith({ id: 'f1' });
    assert.deepEqual(await api.flow.read('f1'), { id: 'f1' }, 'the next call works');
  });

  it('an aborted signal stops the request before it is sent', async () => {
    seen.length = 0;
    const reason = new Error('stop');
    await assert.rejects(nodeTransport({ method: 'GET', url: `http://${host}/x`, headers: {}, body: null, signal: AbortSignal.abort(reason) }), (err) => err === reason);
    assert.equal(seen.length, 0);
  });

  it('an invalid header fails as fetch does, without sending anything', async () => {
    seen.length = 0;
    await assert.rejects(
      nodeTransport({ method: 'GET', url: `http://${host}/x`, headers: { 'X-Bad': 'a\nb' }, body: null, signal: new AbortController().signal }),
      (err) => err instanceof TypeError && err.message === 'fetch failed' && err.cause?.code === 'ERR_INVALID_CHAR',
    );
    assert.equal(seen.length, 0);
  });

  it('the transport option still wins', async () => {
    let called = 0;
    const custom = new API(new Token('acct', TOKEN), { host, secure: false, transport: async () => { called++; return { status: 200, body: JSON.stringify({ head: OK_HEAD, body: { id: 'custom' } }) }; } });
    assert.deepEqual(await custom.flow.read('f1'), { id: 'custom' });
    assert.equal(called, 1);
  });

  it('an idle connection does not keep the process alive', async () => {
    answerWith({ id: 'f1' });
    const { code, out, closedAt } = await runNode(`
      const { init, API, Token } = await import(${JSON.stringify(NODE_ENTRY)});
      await init();
      const api = new API(new Token('acct', 'tok'), { host: ${JSON.stringify(host)}, secure: false });
      await api.flow.read('f1');
      console.log(Date.now());
    `);
    assert.equal(code, 0, 'the process exited on its own');
    // Neither the server (it keeps connections for a minute) nor the
    // client's idle timeout (4 s) closed the connection first.
    const lingered = closedAt - Number(out.trim());
    assert.ok(lingered < 2000, `the process exited ${lingered} ms after its last call`);
  });
});

describe('over https', () => {
  it('node:https with the system\'s and NODE_EXTRA_CA_CERTS\'s authorities, asking for br as fetch does', async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'flowthings-https-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
    if (made.error || made.status !== 0) return t.skip('openssl is not installed: no certificate to test with');
    const seenHttps = [];
    const secure = createHttpsServer({ key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')) }, (req, res) => {
      seenHttps.push(req.headers);
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'br' })
        .end(zlib.brotliCompressSync(JSON.stringify({ head: OK_HEAD, body: { id: 'secure' } })));
    });
    await new Promise((resolve) => secure.listen(0, '127.0.0.1', resolve));
    t.after(() => { secure.closeAllConnections(); secure.close(); });
    const { code, out } = await runNode(`
      const { init, API, Token } = await import(${JSON.stringify(NODE_ENTRY)});
      await init();
      const api = new API(new Token('acct', 'tok'), { host: '127.0.0.1:${secure.address().port}' });
      console.log(JSON.stringify(await api.flow.read('f1')));
    `, { NODE_EXTRA_CA_CERTS: path.join(dir, 'cert.pem') });
    assert.equal(code, 0);
    assert.equal(out.trim(), '{"id":"secure"}');
    assert.equal(seenHttps[0]['accept-encoding'], 'br, gzip, deflate');
  });
});

/** Runs a module's text in a fresh Node process: its exit code, its output and when it ended. */
async function runNode(source, env = {}) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', source], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  const code = await new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (c) => { clearTimeout(killer); resolve(c); });
  });
  return { code, out, closedAt: Date.now() };
}

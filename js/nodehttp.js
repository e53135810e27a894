// The default transport on Node: node:http and node:https. Node loads its
// fetch (undici) on first use, which costs a fresh process about 30 ms
// before its first request; node:http is part of Node's core and costs
// about 2 ms to load, and less per request. It behaves as the fetch
// transport of js/api.js does, so that nothing but the time changes:
//  - a redirect is never followed: a 3xx answers with its status and its
//    location header, which js/api.js turns into a `redirect` error;
//  - the call's AbortSignal stops the request, which rejects with the
//    signal's reason (the timeout's or the abort's error);
//  - a failure rejects as fetch does, a TypeError "fetch failed" whose
//    cause is the network's error (`connect ECONNREFUSED 127.0.0.1:1234`),
//    so that messages and code that reads them stay the same;
//  - it asks for and decodes gzip and deflate (and br over https) answers,
//    as fetch does, and reads the body as UTF-8 text;
//  - idle connections are kept for the next request, and never keep the
//    process alive (Node's agent unrefs a socket while it is idle).

/** How long an idle connection is kept: below the 5 s after which Node's
 * own servers close one, so that a request rarely meets a connection the
 * server is closing (undici's default is the same 4 s; a server's
 * `Keep-Alive: timeout=…` hint shortens it). */
const IDLE_MS = 4000;

const modules = {}; // 'http:' / 'https:' → { request, agent }, once loaded
const loading = {}; // 'http:' / 'https:' → the promise of it
let zlib = null;

/** load loads node:http or node:https (by URL protocol) and its agent. */
function load(protocol) {
  loading[protocol] ??= (protocol === 'https:' ? import('node:https') : import('node:http')).then((m) => {
    const lib = m.default ?? m;
    modules[protocol] = { request: lib.request, agent: new lib.Agent({ keepAlive: true, timeout: IDLE_MS }) };
    return modules[protocol];
  });
  return loading[protocol];
}

/** preload starts loading node:http, for init() to do while the wasm
 * module compiles on other threads. */
export function preload() {
  load('http:').catch(() => {}); // a failure shows on the first request
}

/** The encodings fetch asks for, by protocol. */
const ACCEPT_ENCODING = { 'http:': 'gzip, deflate', 'https:': 'br, gzip, deflate' };

/** The transport (see TransportRequest and TransportResponse in index.d.ts). */
export async function nodeTransport({ method, url, headers, body, signal }) {
  const protocol = url.startsWith('https:') ? 'https:' : 'http:';
  const { request, agent } = modules[protocol] ?? await load(protocol);
  if (signal?.aborted) throw signal.reason;
  const wanted = withAcceptEncoding(headers, protocol);
  return new Promise((resolve, reject) => {
    let req;
    let settled = false;
    const settle = (fn, value) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      fn(value);
    };
    const fail = (err) => {
      if (settled) return;
      req?.destroy();
      settle(reject, new TypeError('fetch failed', { cause: err }));
    };
    const onAbort = () => {
      req?.destroy();
      settle(reject, signal.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      req = request(url, { method, headers: wanted, agent }, (res) => {
        const status = res.statusCode;
        if (status >= 300 && status <= 399) {
          res.destroy(); // its body is not read, as fetch cancels it
          settle(resolve, { status, headers: { location: res.headers.location ?? null }, body: '' });
          return;
        }
        readText(res, method).then((text) => settle(resolve, { status, headers: EMPTY, body: text }), fail);
      });
    } catch (err) { // an invalid header or URL, thrown before anything is sent
      fail(err);
      return;
    }
    req.on('error', fail);
    req.end(body ?? undefined);
  });
}

const EMPTY = Object.freeze({});

const withEncoding = new WeakMap(); // a request's headers → the same with Accept-Encoding

/** withAcceptEncoding adds fetch's Accept-Encoding to headers that have
 * none. (A Client reuses the headers of the requests it keeps: each gets
 * its copy once.) */
function withAcceptEncoding(headers, protocol) {
  let wanted = withEncoding.get(headers);
  if (wanted === undefined) {
    wanted = Object.keys(headers).some((k) => k.toLowerCase() === 'accept-encoding') ? headers : { ...headers, 'Accept-Encoding': ACCEPT_ENCODING[protocol] };
    withEncoding.set(headers, wanted);
  }
  return wanted;
}

/** readText reads a response's body, decoded as fetch decodes it, as
 * UTF-8 text without a byte order mark. */
async function readText(res, method) {
  const ended = new Promise((resolve, reject) => {
    res.on('error', reject);
    // A connection lost before the end of the body (fetch says "terminated").
    res.on('close', () => { if (!res.complete) reject(Object.assign(new Error('the connection closed before the end of the body'), { code: 'ECONNRESET' })); });
    res.on('end', resolve);
  });
  ended.catch(() => {}); // awaited below
  const codings = method === 'HEAD' ? [] : codingsOf(res.headers['content-encoding']);
  if (codings.length > 0) zlib ??= await import('node:zlib'); // the body waits, paused
  const chunks = [];
  const decoded = new Promise((resolve, reject) => {
    let stream = res;
    for (const coding of codings) {
      const decoder = coding === 'br' ? zlib.createBrotliDecompress()
        : coding === 'deflate' ? zlib.createInflate() : zlib.createGunzip({ flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH });
      decoder.on('error', reject);
      stream = stream.pipe(decoder);
    }
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('end', resolve);
  });
  await Promise.all([ended, decoded]);
  const text = chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** The codings of a Content-Encoding to undo, the last applied first; none
 * when one of them is unknown (fetch then leaves the body as it came). */
function codingsOf(encoding) {
  if (!encoding) return [];
  const codings = encoding.toLowerCase().split(',').map((c) => c.trim()).reverse();
  return codings.every((c) => ['gzip', 'x-gzip', 'deflate', 'br'].includes(c)) ? codings : [];
}

// A hostile HTTP server on 127.0.0.1 for the reliability tests: it answers
// as a platform (or a proxy, or an attacker in the middle) should not —
// redirects to another origin, huge or HTML bodies, 204, slowness, silence,
// oversized headers, resets — and records every request it gets. Beside it
// runs a second server, `attacker`, on another origin: where the redirects
// point, recording whatever reaches it.
//
//   const hostile = await startHostileHTTP();
//   const api = new API(new Token('acct', SECRET), { host: hostile.host, secure: false });
//   await api.flow.read('redirect307');      // the id names the behaviour
//   hostile.behaviour = 'never';             // the default for any other path
//   hostile.requests; hostile.attacker.requests; await hostile.close();
//
// A request's behaviour is its path's last segment when that names one
// (`/v0.1/acct/flow/html`), else `hostile.behaviour` ('ok' to begin with).
import { createServer } from 'node:http';

const OK_HEAD = { status: 200, ok: true, messages: [], errors: [], references: {} };

/** The behaviours, by name: (req, res, ctx) → void. ctx has the server's
 * options, the request's recorded form and the attacker's origin. */
export const behaviours = {
  /** A platform answer: the envelope of { id: the last path segment }. */
  ok: (req, res, ctx) => json(res, 200, { head: OK_HEAD, body: { id: ctx.last } }),
  ...Object.fromEntries([301, 302, 303, 307, 308].map((status) => [`redirect${status}`, (req, res, ctx) => {
    // The target's query is something an error must not repeat.
    res.writeHead(status, { location: `${ctx.attackerOrigin}/collect?stolen=query-of-the-target` }).end();
  }])),
  /** A redirect to the same origin (still not followed: the SDK never needs one). */
  redirectSame: (req, res, ctx) => res.writeHead(307, { location: `${ctx.origin}/v0.1/acct/flow/ok` }).end(),
  /** A proxy's HTML error page quoting the request's token, raw and escaped. */
  html: (req, res, ctx) => html(res, 502, `<html><body>Bad Gateway for ${ctx.token}; ${encodeURIComponent(ctx.token)}</body></html>`),
  /** A platform error whose strings quote the token, raw, JSON-escaped and percent-encoded. */
  echoToken: (req, res, ctx) => {
    const t = ctx.token;
    const text = `{"head":{"status":403,"ok":false,"errors":["bad token ${t}","${t.replaceAll('/', '\\/')}","${t.replaceAll('/', '\\u002F')}"],"messages":["${encodeURIComponent(t)}"]},"body":{}}`;
    res.writeHead(403, { 'content-type': 'application/json' }).end(text);
  },
  /** A large HTML body (options.hugeBytes, default 50 MB), streamed. */
  hugeHtml: (req, res, ctx) => stream(res, 'text/html', '<html><body>', '</body></html>', ctx.options.hugeBytes ?? 50 << 20),
  /** A large JSON body that is not an envelope. */
  hugeJson: (req, res, ctx) => stream(res, 'application/json', '{"data":"', '"}', ctx.options.hugeBytes ?? 50 << 20),
  /** 204 No Content. */
  noContent: (req, res) => res.writeHead(204).end(),
  /** Answers ok after options.slowMs (default 2,000 ms). */
  slow: (req, res, ctx) => {
    const timer = setTimeout(() => behaviours.ok(req, res, ctx), ctx.options.slowMs ?? 2000);
    res.on('close', () => clearTimeout(timer));
  },
  /** Never answers; the connection stays open until the client gives up. */
  never: () => {},
  /** A response head larger than any client accepts (64 KB of one header). */
  headerOverflow: (req, res) => res.writeHead(200, { 'content-type': 'application/json', 'x-filler': 'x'.repeat(64 << 10) }).end('{}'),
  /** Closes the connection without answering. */
  reset: (req) => req.socket.destroy(),
  /** Promises 100,000 bytes, sends 10 and closes. */
  truncated: (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': 100000 });
    res.write('{"head":{"');
    setImmediate(() => req.socket.destroy());
  },
  /** A drop with 64-bit integers, written exactly. */
  long: (req, res, ctx) => {
    const body = `{"id":"${ctx.last}","elems":{"big":{"type":"long","value":9223372036854775807},"small":{"type":"integer","value":-9223372036854775808},"n":{"type":"float","value":1.5}}}`;
    res.writeHead(200, { 'content-type': 'application/json' }).end(`{"head":${JSON.stringify(OK_HEAD)},"body":${body}}`);
  },
  /** Members named __proto__, constructor and prototype, at every level. */
  proto: (req, res) => {
    const body = '{"id":"d1","__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"elems":{"__proto__":{"type":"string","value":"p"},"constructor":{"type":"integer","value":1},"prototype":{"type":"map","value":{"__proto__":{"polluted":"yes"}}}}}';
    res.writeHead(200, { 'content-type': 'application/json' }).end(`{"head":${JSON.stringify(OK_HEAD)},"body":${body}}`);
  },
};

function json(res, status, value) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

function html(res, status, text) {
  res.writeHead(status, { 'content-type': 'text/html' }).end(text);
}

/** Streams head, then filler up to size bytes, then tail, minding backpressure. */
function stream(res, type, head, tail, size) {
  res.writeHead(200, { 'content-type': type, 'content-length': size });
  const chunk = Buffer.alloc(1 << 16, 'x');
  let left = size - head.length - tail.length;
  res.write(head);
  const more = () => {
    while (left > 0) {
      const n = Math.min(left, chunk.length);
      left -= n;
      if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void res.once('drain', more);
    }
    res.end(tail);
  };
  res.on('error', () => {});
  more();
}

/** A server recording every request: { method, url, headers, body }. */
async function recordingServer(handle) {
  const requests = [];
  const server = createServer((req, res) => {
    const record = { method: req.method, url: req.url, headers: { ...req.headers }, body: '' };
    requests.push(record);
    req.setEncoding('utf8');
    req.on('data', (d) => { record.body += d; });
    req.on('end', () => handle(req, res, record));
    req.on('error', () => {});
  });
  server.maxHeadersCount = 0;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const host = `127.0.0.1:${server.address().port}`;
  return {
    host,
    origin: `http://${host}`,
    requests,
    close: () => new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}

/**
 * startHostileHTTP(options?) starts the hostile server and its attacker.
 * options: hugeBytes (bodies of hugeHtml/hugeJson), slowMs (slow).
 */
export async function startHostileHTTP(options = {}) {
  const attacker = await recordingServer((req, res) => json(res, 200, { head: OK_HEAD, body: { stolen: true } }));
  const hostile = await recordingServer((req, res, record) => {
    const path = new URL(req.url, 'http://x').pathname;
    const last = decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
    const name = Object.hasOwn(behaviours, last) ? last : hostile.behaviour;
    const behave = behaviours[name];
    if (!behave) throw new Error(`hostile-http: no behaviour ${name}`);
    record.behaviour = name;
    const ctx = { options, last, origin: hostile.origin, attackerOrigin: attacker.origin, token: req.headers['x-auth-token'] ?? '', record };
    behave(req, res, ctx);
  });
  hostile.behaviour = 'ok';
  hostile.attacker = attacker;
  const closeHostile = hostile.close;
  hostile.close = async () => { await Promise.all([closeHostile(), attacker.close()]); };
  return hostile;
}

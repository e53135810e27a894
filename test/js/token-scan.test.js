// The token scan: the hostile cases of the reliability suite — every
// behaviour of the hostile HTTP server (helpers/hostile-http.js) and every
// mode of the hostile WebSocket host (helpers/hostile-ws.js) — run with
// SECRET as the token, and SECRET, in any form, looked for in everything
// the package produced: results and errors in every form (String, JSON,
// util.inspect, stack, causes), the console, the URLs it requested or
// opened, the request bodies and headers, the WebSocket frames it sent.
// The one place the token may be is the X-Auth-Token header to the
// configured origin.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { init, API, Token } from '../../js/node.js';
import { behaviours, startHostileHTTP } from './helpers/hostile-http.js';
import { hostileWS } from './helpers/hostile-ws.js';
import { SECRET, assertNoLeak, captureConsole, leaks } from './helpers/leak.js';

const produced = []; // every result and error the package gave back
const opened = []; // every URL the package opened a WebSocket to
let seen;

/** A WebSocket class recording the URLs it is opened with. */
class RecordingWebSocket extends WebSocket {
  constructor(url, ...rest) {
    super(url, ...rest);
    opened.push(String(url));
  }
}

/** Settles promise; records what it resolved or rejected with. */
async function outcome(promise) {
  try {
    const value = await promise;
    produced.push(value);
    return value;
  } catch (err) {
    produced.push(err);
    return err;
  }
}

const until = async (what, cond, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

before(async () => {
  await init();
  seen = captureConsole();
});
after(() => seen.restore());

describe('the token scan over the hostile HTTP server', () => {
  let hostile;
  let api;
  before(async () => {
    hostile = await startHostileHTTP({ hugeBytes: 2 << 20, slowMs: 2000 });
    api = new API(new Token('acct', SECRET), { host: hostile.host, secure: false, timeoutMs: 400, WebSocket: RecordingWebSocket });
  });
  after(() => hostile.close());

  it('every behaviour, for a read, a create with a body, a raw call and a session request', async () => {
    for (const name of Object.keys(behaviours)) {
      await outcome(api.flow.read(name));
      hostile.behaviour = name;
      await outcome(api.drop('f1').create({ elems: { note: 'a body' } }));
      await outcome(api.request('GET', `/flow/${name}`));
      await outcome(api.websocket.request('POST'));
      hostile.behaviour = 'ok';
    }
    assert.ok(produced.length >= Object.keys(behaviours).length * 4);
  });

  it('the token went nowhere but the X-Auth-Token header to the configured origin', () => {
    assert.equal(hostile.attacker.requests.length, 0, 'nothing reached the redirects\' target');
    assert.ok(hostile.requests.length > 20);
    for (const r of hostile.requests) {
      assert.equal(r.headers['x-auth-token'], SECRET);
      for (const [name, value] of Object.entries(r.headers)) if (name !== 'x-auth-token') assert.equal(leaks(value), null, `header ${name}`);
      assert.equal(leaks(r.url), null, `URL ${r.url}`);
      assert.equal(leaks(r.body), null, `body of ${r.method} ${r.url}`);
    }
  });
});

describe('the token scan over the hostile WebSocket host', () => {
  const apiAt = (host) => new API(new Token('acct', SECRET), { host: host.host, secure: false, timeoutMs: 400, WebSocket: RecordingWebSocket });
  const hosts = [];
  after(() => Promise.all(hosts.map((h) => h.close())));
  const start = async (options) => {
    const host = await hostileWS(options);
    hosts.push(host);
    return host;
  };
  /** connect() with errors collected; returns the connection or the error. */
  const connect = (api, options) => outcome(api.websocket.connect({ backoffMinMs: 10, backoffMaxMs: 50, onError: (_, e) => produced.push(e), ...options }));

  it('a normal host: connect, subscribe, send, unsubscribe, close', async () => {
    const host = await start({ mode: 'normal' });
    const ws = await connect(apiAt(host));
    assert.equal(typeof ws.subscribe, 'function', String(ws));
    const sub = await outcome(ws.subscribe('f1', (drop) => produced.push(drop)));
    await outcome(ws.send({ object: 'drop', type: 'findmany', flowId: 'f1', options: { limit: 1 } }));
    await outcome(sub.unsubscribe?.());
    await outcome(ws.close());
    assert.ok(host.frames.length >= 3);
  });

  it('a host that never answers the upgrade', async () => {
    const host = await start({ mode: 'noUpgrade' });
    const err = await connect(apiAt(host), { timeoutMs: 300, reconnect: false });
    assert.equal(err.code, 'timeout');
  });

  it('a host that closes with 1011 after each open', async () => {
    const host = await start({ mode: 'close1011' });
    const ws = await connect(apiAt(host), { maxAttempts: 2 });
    if (ws.run) await outcome(ws.run());
  });

  it('close reasons quoting the token, raw, JSON-escaped and percent-encoded', async () => {
    for (const reason of [SECRET, SECRET.replaceAll('/', '\\/'), encodeURIComponent(SECRET), SECRET.replaceAll('/', '\\u002F')]) {
      const host = await start({ mode: 'closeReason', reason });
      const ws = await connect(apiAt(host), { maxAttempts: 1 });
      if (ws.run) await outcome(ws.run());
    }
  });

  it('a host that goes silent', async () => {
    const host = await start({ mode: 'silent' });
    const ws = await connect(apiAt(host), { heartbeatMs: 100 });
    await until('a second session', () => host.sessions >= 2);
    await outcome(ws.subscribe?.('f1', () => {}, { timeoutMs: 150 }));
    await outcome(ws.close?.());
  });

  it('no frame the package sent shows the token, nor any URL it opened', () => {
    for (const host of hosts) for (const frame of host.frames) assert.equal(leaks(frame), null, `frame ${frame.slice(0, 200)}`);
    assert.ok(opened.length > 3, `${opened.length} sockets opened`);
    for (const url of opened) assert.equal(leaks(url), null, `WebSocket URL ${url}`);
  });
});

it('the token shows in nothing the package produced, nor on the console', (t) => {
  assert.ok(produced.some((x) => x instanceof Error), 'errors were produced');
  assertNoLeak(t, ...produced, seen.text());
});

// The WebSocket driver's live data that loses nothing (issue 13), against a
// fake WebSocket and a transport that plays the platform's REST finds:
// backfill across reconnects, gaps, the handshake's bounds, the options
// checked, events, and frames too big.
// Frames reach the engine at the next microtask (the pushes one read
// brings go together): tests await tick() after pushing.
import { describe, it, before, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { init, API, Token, FlowThingsError } from '../../js/node.js';
import { recorder, response, sleep, until, deferred, tick } from './helpers/transport.js';
import { fakeWebSocket } from './helpers/fake-websocket.js';

const TOKEN = 'tok-WS-backfill-5d1c9e';
const token = new Token('acct', TOKEN);

before(() => init());

const open = new Set();
afterEach(async () => {
  for (const ws of open) await ws.close();
  open.clear();
});

/** A flow as the platform's finds see it, and a transport that answers
 * session POSTs and those finds. */
function platform() {
  const drops = [];
  let sessions = 0;
  const transport = recorder((req) => {
    if (req.method === 'POST') return response({ id: `s-${++sessions}` }, { status: 201 });
    if (transport.failFinds > 0) {
      transport.failFinds--;
      return response(null, { status: 503, ok: false, errors: ['busy'] });
    }
    const q = new URL(req.url).searchParams;
    let sel = [...drops];
    const [, op, at] = /^creationDate ([<>]=) (\d+)$/.exec(q.get('filter') ?? '') ?? [];
    if (op === '>=') sel = sel.filter((d) => d.creationDate >= Number(at));
    if (op === '<=') sel = sel.filter((d) => d.creationDate <= Number(at));
    if (q.get('order') === 'desc') sel.reverse();
    const start = Number(q.get('start'));
    return response(sel.slice(start, start + Number(q.get('limit'))));
  });
  transport.failFinds = 0;
  /** add stores a drop and returns its push frame. */
  const add = (id, creationDate, elems = {}) => {
    const d = { id, flowId: 'f1', path: '/acct/f1', creationDate, elems };
    drops.push(d);
    return { type: 'message', resource: 'f1', value: d };
  };
  return { transport, drops, add };
}

async function connected(options = {}, apiOptions = {}) {
  const WS = fakeWebSocket();
  const p = apiOptions.platform ?? platform();
  const api = new API(token, { host: 'api.test', transport: p.transport, WebSocket: WS, ...apiOptions.api });
  const pending = api.websocket.connect({ heartbeatMs: 0, backoffMinMs: 2, backoffMaxMs: 4, ...options });
  await until(() => WS.last, { what: 'the socket' });
  WS.last.open();
  const ws = await pending;
  open.add(ws);
  return { ws, WS, api, ...p };
}

/** Answers every subscribe frame the socket was sent that is not answered yet. */
function ackSubscribes(socket) {
  for (const f of socket.frames) {
    if (f.type === 'subscribe' && !socket.acked?.has(f.msgId)) {
      (socket.acked ??= new Set()).add(f.msgId);
      socket.reply(f.msgId, {});
    }
  }
}

async function subscribe(ws, socket, resource, handler, options) {
  const p = ws.subscribe(resource, handler, options);
  ackSubscribes(socket);
  return p;
}

describe('subscriptions with backfill', () => {
  it('deliver every drop created after subscribe resolved exactly once, in order, across reconnects', async () => {
    const { ws, WS, transport, add } = await connected();
    add('d0', 100); // before the subscription: never delivered
    const got = [];
    const sub = await subscribe(ws, WS.last, 'f1', (d) => got.push(d.id));
    assert.equal(sub.resource, 'f1');
    const anchor = new URL(transport.calls.find((c) => c.method === 'GET').url);
    assert.equal(anchor.pathname, '/v0.1/acct/drop/f1');
    assert.equal(anchor.searchParams.get('order'), 'desc');
    WS.last.push(add('d1', 100));
    WS.last.push(add('d2', 101));
    await tick();
    // Lost: drops are written meanwhile; the first finds fail.
    WS.last.drop(1006);
    add('d3', 101);
    add('d4', 102);
    transport.failFinds = 2;
    await until(() => WS.sockets.length === 2, { what: 'a new socket' });
    WS.last.open();
    ackSubscribes(WS.last);
    WS.last.push(add('d5', 103)); // pushed on the new socket, before back-fill is done
    await tick();
    await until(() => got.length === 5, { what: 'the missed drops' });
    WS.last.push(add('d6', 104));
    await tick();
    assert.deepEqual(got, ['d1', 'd2', 'd3', 'd4', 'd5', 'd6']);
    const fill = new URL(transport.calls.filter((c) => c.method === 'GET').at(-1).url).searchParams;
    assert.equal(fill.get('filter'), 'creationDate >= 101', 'from the newest drop delivered');
    assert.equal(fill.get('order'), 'asc');
  });
  it('a gap is an error with code gap, from and to, on the subscription\'s onError and the connection\'s error listeners', async () => {
    const { ws, WS, drops, add } = await connected();
    const gaps = [];
    const connErrors = [];
    ws.on('error', (e) => connErrors.push(e));
    const got = [];
    await subscribe(ws, WS.last, 'f1', (d) => got.push(d.id), { onError: (e) => gaps.push(e) });
    WS.last.push(add('d1', 100));
    await tick();
    WS.last.drop(1006);
    add('d2', 200);
    add('d3', 300);
    drops.splice(0, 2); // the flow's capacity removed d1 and d2
    await until(() => WS.sockets.length === 2);
    WS.last.open();
    ackSubscribes(WS.last);
    await until(() => got.length === 2, { what: 'd3' });
    assert.deepEqual(got, ['d1', 'd3']);
    assert.equal(gaps.length, 1);
    const [gap] = gaps;
    assert.ok(gap instanceof FlowThingsError);
    assert.equal(gap.code, 'gap');
    assert.equal(gap.from, 100);
    assert.equal(gap.to, 300);
    assert.equal(gap.resource, 'f1');
    assert.match(gap.message, /drops created from 100 to 300 \(epoch ms\) may be missing/);
    assert.ok(connErrors.includes(gap));
  });
  it('backfill: false delivers pushes as they come, without finds', async () => {
    const { ws, WS, transport, add } = await connected();
    const got = [];
    await subscribe(ws, WS.last, 'f1', (d) => got.push(d.id), { backfill: false });
    WS.last.push(add('d1', 100));
    await tick();
    assert.deepEqual(got, ['d1']);
    assert.equal(transport.calls.filter((c) => c.method === 'GET').length, 0);
  });
  it('pushed drops keep integers beyond 2^53 exact', async () => {
    const { ws, WS, add } = await connected();
    const got = [];
    await subscribe(ws, WS.last, 'f1', (d) => got.push(d));
    WS.last.push(JSON.stringify(add('d1', 100)).replace('"elems":{}', '"elems":{"n":{"type":"long","value":9223372036854775807}}'));
    await tick();
    assert.equal(got[0].elems.n.value, 9223372036854775807n);
  });
  it('each subscription of a flow gets its own object', async () => {
    const { ws, WS, add } = await connected();
    const seen = [];
    await subscribe(ws, WS.last, 'f1', (d) => { d.elems.mutated = true; seen.push(d); });
    await ws.subscribe('f1', (d) => seen.push(d));
    WS.last.push(add('d1', 100));
    await tick();
    assert.equal(seen.length, 2);
    assert.notEqual(seen[0], seen[1]);
    assert.deepEqual(seen[1].elems, {});
  });
});

describe('options are checked', () => {
  it('an unknown connect option is an input error naming the nearest one', async () => {
    const api = new API(token, { host: 'api.test', transport: platform().transport, WebSocket: fakeWebSocket() });
    await assert.rejects(api.websocket.connect({ heartbeatMS: 5 }), (err) => {
      assert.equal(err.code, 'input');
      assert.equal(err.field, 'heartbeatMS');
      assert.match(err.message, /did you mean `heartbeatMs`/);
      return true;
    });
    await assert.rejects(api.websocket.connect({ timeoutMs: -1 }), { code: 'input', field: 'timeoutMs' });
  });
  it('an unknown subscribe option, or a backfill that is not a boolean, is an input error', async () => {
    const { ws } = await connected();
    await assert.rejects(ws.subscribe('f1', () => {}, { backfil: false }), (err) => {
      assert.equal(err.code, 'input');
      assert.match(err.message, /did you mean `backfill`/);
      return true;
    });
    await assert.rejects(ws.subscribe('f1', () => {}, { backfill: 'no' }), { code: 'input', field: 'backfill' });
    await assert.rejects(ws.subscribe('f1', () => {}, { onError: 1 }), { code: 'input', field: 'onError' });
  });
});

describe('ws.on / ws.off', () => {
  it('state, open, message, error and close events; off removes a listener', async () => {
    const { ws, WS, add } = await connected();
    const events = [];
    const onState = (s) => events.push(`state:${s}`);
    ws.on('state', onState).on('open', () => events.push('open')).on('close', () => events.push('close'));
    ws.on('message', (m) => events.push(`message:${m.resource}:${m.value.id}`));
    ws.on('error', (e) => events.push(`error:${e.code}`));
    WS.last.push(add('d1', 100)); // no subscription: the message listeners still get it
    WS.last.push('not json');
    await tick();
    WS.last.drop(1006);
    await until(() => WS.sockets.length === 2);
    WS.last.open();
    ws.off('state', onState);
    await ws.close();
    assert.deepEqual(events, ['message:f1:d1', 'error:frame', 'state:reconnecting', 'error:connectionLost', 'state:open', 'open', 'close']);
    assert.throws(() => ws.on('stat', () => {}), { code: 'input' });
    assert.throws(() => ws.on('state', 'x'), { code: 'input' });
  });
  it('messages() gets every push, subscribed or not', async () => {
    const { ws, WS, add } = await connected();
    const it = ws.messages();
    WS.last.push(add('d1', 100));
    await tick();
    assert.deepEqual((await it.next()).value, { resource: 'f1', value: add('d1', 100).value });
  });
});

describe('the handshake is bounded', () => {
  /** A transport whose session POST never answers, until its signal aborts. */
  function hanging() {
    const aborted = deferred();
    const transport = recorder((req) => new Promise((_, reject) => {
      req.signal.addEventListener('abort', () => { aborted.resolve(req.signal.reason); reject(req.signal.reason); });
    }));
    return { transport, aborted: aborted.promise };
  }
  it('by timeoutMs: connect() rejects with code timeout, and the request is aborted', async () => {
    const { transport, aborted } = hanging();
    const api = new API(token, { host: 'api.test', transport, WebSocket: fakeWebSocket() });
    const started = Date.now();
    await assert.rejects(api.websocket.connect({ timeoutMs: 30 }), (err) => {
      assert.equal(err.code, 'timeout');
      assert.match(err.message, /POST \/session: websocket handshake timed out after 30 ms/);
      return true;
    });
    assert.ok(Date.now() - started < 2000);
    await aborted;
  });
  it('by a signal: connect() rejects with code aborted, and the request is aborted', async () => {
    const { transport, aborted } = hanging();
    const api = new API(token, { host: 'api.test', transport, WebSocket: fakeWebSocket() });
    const ac = new AbortController();
    const p = api.websocket.connect({ signal: ac.signal });
    await until(() => transport.calls.length === 1);
    ac.abort(new Error('user gave up'));
    await assert.rejects(p, { code: 'aborted' });
    await aborted;
  });
  it('when the upgrade never completes', async () => {
    const WS = fakeWebSocket(); // its sockets never open unless told
    const api = new API(token, { host: 'api.test', transport: platform().transport, WebSocket: WS });
    await assert.rejects(api.websocket.connect({ timeoutMs: 30 }), { code: 'timeout' });
    assert.equal(WS.last.closedByClient, 1000, 'the socket was abandoned');
  });
  it('on every reconnect', async () => {
    const p = platform();
    const { ws, WS } = await connected({ timeoutMs: 30 }, { platform: p });
    const errors = [];
    ws.on('error', (e) => errors.push(e));
    WS.last.drop(1006); // the next sockets never open
    await until(() => errors.some((e) => /handshake timed out/.test(e.message)), { what: 'a reconnect that timed out' });
    assert.equal(ws.state, 'reconnecting');
  });
  it('a failed connect() has the codes of a REST failure', async () => {
    const api = new API(token, { host: 'api.test', transport: async () => { throw new Error('connect ECONNREFUSED 127.0.0.1:1'); }, WebSocket: fakeWebSocket() });
    await assert.rejects(api.websocket.connect(), (err) => {
      assert.equal(err.code, 'transport');
      assert.match(err.message, /POST \/session: connect ECONNREFUSED 127.0.0.1:1/);
      return true;
    });
  });
  it('close() aborts a pending session request at once', async () => {
    const { transport, aborted } = hanging();
    const api = new API(token, { host: 'api.test', transport, WebSocket: fakeWebSocket() });
    let ws;
    const p = api.websocket.connect({ onStateChange: (w) => { ws = w; } });
    await until(() => transport.calls.length === 1);
    await ws.close();
    await aborted;
    await assert.rejects(p, { code: 'closed' });
  });
});

describe('the socket', () => {
  it('is made without subprotocols (browsers send an undefined one as "undefined") and with the ws package\'s options', async () => {
    const Base = fakeWebSocket();
    let args;
    class Recording extends Base {
      constructor(...a) { super(a[0]); args = a; }
    }
    const api = new API(token, { host: 'api.test', transport: platform().transport, WebSocket: Recording });
    const pending = api.websocket.connect({ heartbeatMs: 0, maxFrameBytes: 1234 });
    await until(() => Recording.last, { what: 'the socket' });
    Recording.last.open();
    open.add(await pending);
    assert.deepEqual(args.slice(1), [[], { maxPayload: 1234, closeTimeout: 1000 }]);
  });
});

describe('frames too big', () => {
  it('a frame over maxFrameBytes is reported and the connection re-established; backfill finds what it carried', async () => {
    const { ws, WS, add } = await connected({ maxFrameBytes: 1000 });
    const got = [];
    const errors = [];
    ws.on('error', (e) => errors.push(e));
    await subscribe(ws, WS.last, 'f1', (d) => got.push(d.id));
    WS.last.push(add('d1', 100, { big: 'x'.repeat(2000) }));
    await tick();
    assert.equal(errors[0].code, 'frame');
    assert.match(errors[0].message, /larger than maxFrameBytes \(1000\)/);
    await until(() => WS.sockets.length === 2);
    WS.last.open();
    ackSubscribes(WS.last);
    await until(() => got.length === 1, { what: 'd1, found again' });
    assert.deepEqual(got, ['d1']);
  });
});

describe('calls that time out', () => {
  it('leave nothing behind: their late replies are dropped quietly', async () => {
    const { ws, WS } = await connected();
    const errors = [];
    ws.on('error', (e) => errors.push(e));
    const calls = [];
    for (let i = 0; i < 50; i++) calls.push(ws.send({ object: 'flow', type: 'find', id: `f${i}` }, { timeoutMs: 1 }));
    for (const c of calls) await assert.rejects(c, { code: 'timeout' });
    for (const f of WS.last.frames) WS.last.reply(f.msgId, {});
    await sleep(5);
    assert.deepEqual(errors, []);
  });
});

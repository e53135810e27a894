// The WebSocket driver against a fake WebSocket: lifecycle, subscriptions,
// replies, pushes, heartbeats, disconnects and reconnects.
// Frames reach the engine at the next microtask (the pushes one read
// brings go together): tests await tick() after pushing.
import { describe, it, before, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  init, API, Token, FlowThingsError, FlowThingsException, FlowThingsNotFound, FlowThingsForbidden,
  FlowThingsBadRequest, FlowThingsServerError,
} from '../../js/node.js';
import { recorder, response, failure, sleep, until, tick } from './helpers/transport.js';
import { fakeWebSocket } from './helpers/fake-websocket.js';

const TOKEN = 'tok-WS-e41a07';
const token = new Token('acct', TOKEN);

before(() => init());

const open = new Set(); // connections to close after each test
afterEach(async () => {
  for (const ws of open) await ws.close();
  open.clear();
});

/** A transport answering session POSTs with sessions s-1, s-2, …, and the
 * finds of backfill as an empty flow would. */
function sessions() {
  let n = 0;
  return recorder((req) => (req.method === 'GET' ? response([]) : response({ id: `s-${++n}` }, { status: 201 })));
}

/**
 * connected(options) connects with a fake WebSocket and opens its socket.
 * heartbeatMs defaults to 0 (none) and backoff to a few ms.
 */
async function connected(options = {}, apiOptions = {}) {
  const WS = fakeWebSocket();
  const transport = apiOptions.transport ?? sessions();
  const api = new API(token, { host: 'api.test', transport, WebSocket: WS, ...apiOptions });
  const pending = api.websocket.connect({ heartbeatMs: 0, backoffMinMs: 2, backoffMaxMs: 4, ...options });
  await until(() => WS.last, { what: 'the socket' });
  WS.last.open();
  const ws = await pending;
  open.add(ws);
  return { ws, WS, transport, api, socket: WS.last };
}

/** Subscribes and answers the subscribe frame with body. */
async function subscribed(ws, socket, resource, handler, body = { subscribed: resource }) {
  const p = ws.subscribe(resource, handler);
  socket.replyLast(body);
  return p;
}

const drop = (flowId, id, elems = {}) => ({ id, flowId, path: `/acct/${flowId}`, elems });
const pushDrop = (socket, d, resource = d.flowId) => socket.push({ type: 'message', resource, value: d });

describe('connect', () => {
  it('opens a session with the transport, dials its socket and resolves once it is open', async () => {
    const WS = fakeWebSocket();
    const transport = sessions();
    const api = new API(token, { host: 'api.test', transport, WebSocket: WS });
    let resolved = false;
    const pending = api.websocket.connect({ heartbeatMs: 0 }).then((ws) => { resolved = true; return ws; });
    await until(() => WS.last, { what: 'the socket' });
    assert.equal(transport.calls.length, 1);
    const req = transport.last();
    assert.equal(req.method, 'POST');
    assert.equal(req.url, 'https://api.test/session');
    assert.equal(req.headers['X-Auth-Token'], TOKEN);
    assert.equal(req.headers['X-Auth-Account'], 'acct');
    assert.equal(WS.last.url, 'wss://api.test/session/s-1/ws');
    await sleep(5);
    assert.equal(resolved, false, 'connect waits for the socket to open');
    WS.last.open();
    const ws = await pending;
    open.add(ws);
    assert.equal(ws.state, 'open');
  });
  it('secure: false and wsHost give ws:// and http://', async () => {
    const { transport, socket } = await connected({}, { secure: false, wsHost: 'localhost:9999' });
    assert.equal(transport.calls[0].url, 'http://localhost:9999/session');
    assert.equal(socket.url, 'ws://localhost:9999/session/s-1/ws');
  });
  it('calls onOpen(ws) once the socket is open', async () => {
    const opened = [];
    const { ws } = await connected({ onOpen: (w) => opened.push(w) });
    assert.deepEqual(opened, [ws]);
  });
  it('a refused session rejects connect with the platform error, without retrying', async () => {
    const WS = fakeWebSocket();
    const transport = recorder(() => failure(403, ['bad token']));
    const api = new API(token, { host: 'api.test', transport, WebSocket: WS });
    await assert.rejects(api.websocket.connect({ heartbeatMs: 0, backoffMinMs: 1 }), FlowThingsForbidden);
    await sleep(10);
    assert.equal(transport.calls.length, 1);
    assert.equal(WS.sockets.length, 0);
  });
  it('a socket closed before it opened rejects connect', async () => {
    const WS = fakeWebSocket();
    const api = new API(token, { host: 'api.test', transport: sessions(), WebSocket: WS });
    const pending = api.websocket.connect({ heartbeatMs: 0, backoffMinMs: 1 });
    await until(() => WS.last);
    WS.last.drop(1006);
    await assert.rejects(pending, FlowThingsError);
  });
  it('without a WebSocket option or global it fails naming the `WebSocket` option', async () => {
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'WebSocket');
    if (saved) delete globalThis.WebSocket;
    try {
      const transport = sessions();
      const api = new API(token, { host: 'api.test', transport });
      await assert.rejects(async () => api.websocket.connect(), (err) => {
        assert.ok(err instanceof FlowThingsError);
        assert.match(err.message, /`WebSocket` option/);
        return true;
      });
      assert.equal(transport.calls.length, 0);
    } finally {
      if (saved) Object.defineProperty(globalThis, 'WebSocket', saved);
    }
  });
  it('uses globalThis.WebSocket when there is no option', async () => {
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'WebSocket');
    const WS = fakeWebSocket();
    globalThis.WebSocket = WS;
    try {
      const api = new API(token, { host: 'api.test', transport: sessions() });
      const pending = api.websocket.connect({ heartbeatMs: 0 });
      await until(() => WS.last);
      WS.last.open();
      open.add(await pending);
    } finally {
      if (saved) Object.defineProperty(globalThis, 'WebSocket', saved);
      else delete globalThis.WebSocket;
    }
  });
});

describe('subscribe', () => {
  it('by flow id sends flowId and resolves to a subscription with the reply', async () => {
    const { ws, socket } = await connected();
    const p = ws.subscribe('f1', () => {});
    assert.deepEqual(socket.frames, [{ msgId: socket.lastFrame.msgId, object: 'drop', type: 'subscribe', flowId: 'f1' }]);
    socket.replyLast({ ok: 'yes' });
    const sub = await p;
    assert.deepEqual(sub.reply, { ok: 'yes' });
    assert.equal(typeof sub.unsubscribe, 'function');
    assert.equal(typeof sub[Symbol.asyncIterator], 'function');
  });
  it('by path sends path', async () => {
    const { ws, socket } = await connected();
    const p = ws.subscribe('/acct/sensors');
    const frame = socket.lastFrame;
    assert.deepEqual(frame, { msgId: frame.msgId, object: 'drop', type: 'subscribe', path: '/acct/sensors' });
    socket.replyLast({});
    await p;
  });
  it('an error reply rejects with the matching class', async () => {
    const { ws, socket } = await connected();
    const p = ws.subscribe('/acct/nope', () => {});
    socket.replyLast(null, { status: 404, errors: ['no such flow'] });
    await assert.rejects(p, (err) => {
      assert.ok(err instanceof FlowThingsNotFound);
      assert.equal(err.status, 404);
      assert.deepEqual(err.errors, ['no such flow']);
      assert.ok(!JSON.stringify(err).includes(TOKEN) && !err.stack.includes(TOKEN));
      return true;
    });
    const q = ws.subscribe('f-private');
    socket.replyLast(null, { status: 403, errors: ['forbidden'] });
    await assert.rejects(q, FlowThingsForbidden);
  });
  it('msgIds are distinct per call', async () => {
    const { ws, socket } = await connected();
    const calls = [ws.subscribe('a'), ws.subscribe('b'), ws.send({ object: 'flow', type: 'find', id: 'x' })];
    for (const c of calls) c.catch(() => {}); // never answered: they fail when the connection closes
    const ids = socket.frames.map((f) => f.msgId);
    assert.equal(new Set(ids).size, 3);
  });
  it('the handler gets each pushed drop', async () => {
    const { ws, socket } = await connected();
    const got = [];
    await subscribed(ws, socket, 'f1', (d) => got.push(d));
    pushDrop(socket, drop('f1', 'd1', { n: 1 }));
    pushDrop(socket, drop('f1', 'd2', { n: 2 }));
    pushDrop(socket, drop('f2', 'other'));
    await tick();
    assert.deepEqual(got, [drop('f1', 'd1', { n: 1 }), drop('f1', 'd2', { n: 2 })]);
  });
  it('a subscription by path gets the drops pushed for its flow', async () => {
    const { ws, socket } = await connected();
    const got = [];
    await subscribed(ws, socket, '/acct/f1', (d) => got.push(d.id));
    pushDrop(socket, drop('f1', 'd1')); // the drop's path is /acct/f1
    await tick();
    assert.deepEqual(got, ['d1']);
  });
  it('two subscriptions of one flow share one subscribe frame and each gets a drop once', async () => {
    const { ws, socket } = await connected();
    const a = [];
    const b = [];
    const pa = ws.subscribe('f1', (d) => a.push(d.id));
    const pb = ws.subscribe('f1', (d) => b.push(d.id));
    assert.equal(socket.frames.filter((f) => f.type === 'subscribe').length, 1);
    socket.replyLast({ shared: true });
    const [sa, sb] = await Promise.all([pa, pb]);
    assert.deepEqual(sa.reply, { shared: true });
    assert.deepEqual(sb.reply, { shared: true });
    pushDrop(socket, drop('f1', 'd1'));
    await tick();
    assert.deepEqual(a, ['d1']);
    assert.deepEqual(b, ['d1']);
    // A third subscription after the first was confirmed sends no frame either.
    const before = socket.sent.length;
    const sc = await ws.subscribe('f1', () => {});
    assert.equal(socket.sent.length, before);
    assert.equal(typeof sc.reply, 'object');
  });
  it('the handler gets its own copy of each drop', async () => {
    const { ws, socket } = await connected();
    const seen = [];
    await subscribed(ws, socket, 'f1', (d) => { d.elems.mutated = true; seen.push(d); });
    await ws.subscribe('f1', (d) => seen.push(d));
    pushDrop(socket, drop('f1', 'd1'));
    await tick();
    assert.deepEqual(seen[1].elems, {});
  });
  it('the subscription is an async iterable of drops', async () => {
    const { ws, socket } = await connected();
    const sub = await subscribed(ws, socket, 'f1');
    pushDrop(socket, drop('f1', 'd1'));
    pushDrop(socket, drop('f1', 'd2'));
    await tick();
    const got = [];
    const iterating = (async () => {
      for await (const d of sub) {
        got.push(d.id);
        if (got.length === 3) break;
      }
    })();
    await tick();
    pushDrop(socket, drop('f1', 'd3'));
    await tick();
    await iterating;
    assert.deepEqual(got, ['d1', 'd2', 'd3']);
  });
  it('the iteration of a subscription ends when it is unsubscribed', async () => {
    const { ws, socket } = await connected();
    const sub = await subscribed(ws, socket, 'f1');
    const got = [];
    const iterating = (async () => { for await (const d of sub) got.push(d.id); })();
    pushDrop(socket, drop('f1', 'd1'));
    await tick();
    const un = sub.unsubscribe();
    socket.replyLast({});
    await un;
    await iterating;
    assert.deepEqual(got, ['d1']);
  });
  it('onMessage(ws, resource, value) gets every push', async () => {
    const seen = [];
    const { ws, socket } = await connected({ onMessage: (w, resource, value) => seen.push([w, resource, value]) });
    await subscribed(ws, socket, 'f1', () => {});
    pushDrop(socket, drop('f1', 'd1'));
    await tick();
    assert.deepEqual(seen, [[ws, 'f1', drop('f1', 'd1')]]);
  });
});

describe('ws.messages()', () => {
  it('yields { resource, value } once per push, however many subscriptions it reaches', async () => {
    const { ws, socket } = await connected();
    await subscribed(ws, socket, 'f1', () => {});
    await ws.subscribe('f1', () => {});
    await subscribed(ws, socket, 'f2', () => {});
    const messages = ws.messages();
    pushDrop(socket, drop('f1', 'd1'));
    pushDrop(socket, drop('f2', 'd2'));
    await tick();
    assert.deepEqual(await messages.next(), { value: { resource: 'f1', value: drop('f1', 'd1') }, done: false });
    assert.deepEqual(await messages.next(), { value: { resource: 'f2', value: drop('f2', 'd2') }, done: false });
    await messages.return();
    assert.deepEqual(await messages.next(), { value: undefined, done: true });
  });
  it('works with for await and ends when the connection closes', async () => {
    const { ws, socket } = await connected();
    await subscribed(ws, socket, 'f1', () => {});
    const got = [];
    const iterating = (async () => { for await (const m of ws.messages()) got.push(m.value.id); })();
    pushDrop(socket, drop('f1', 'd1'));
    pushDrop(socket, drop('f1', 'd2'));
    await tick();
    await ws.close();
    await iterating;
    assert.deepEqual(got, ['d1', 'd2']);
  });
});

describe('ws.send', () => {
  it('sends a CRUD frame and resolves to the reply body', async () => {
    const { ws, socket } = await connected();
    const p = ws.send({ object: 'drop', type: 'create', flowId: 'f1', value: { elems: { a: 1 } } });
    const frame = socket.lastFrame;
    assert.deepEqual(frame, { msgId: frame.msgId, object: 'drop', type: 'create', flowId: 'f1', value: { elems: { a: 1 } } });
    socket.replyLast({ id: 'd9', elems: { a: 1 } });
    assert.deepEqual(await p, { id: 'd9', elems: { a: 1 } });
  });
  it('integers beyond 2^53 are exact both ways: a BigInt is sent as digits, a reply\'s long comes back a BigInt', async () => {
    const { ws, socket } = await connected();
    const p = ws.send({ object: 'drop', type: 'create', flowId: 'f1', value: { elems: { big: { type: 'long', value: 9223372036854775807n } } } });
    assert.match(socket.sent.at(-1), /"value":\{"elems":\{"big":\{"type":"long","value":9223372036854775807\}\}\}/);
    const { msgId } = socket.lastFrame;
    socket.push(`{"head":{"msgId":"${msgId}","status":200,"ok":true,"errors":[]},"body":{"id":"d9","creationDate":1420664203776,"elems":{"big":{"type":"long","value":9223372036854775807},"small":{"type":"integer","value":-9007199254740993},"safe":{"type":"long","value":9007199254740991},"f":{"type":"float","value":1e300},"s":{"type":"string","value":"12345678901234567890"}}}}`);
    const reply = await p;
    assert.deepEqual(reply.elems, {
      big: { type: 'long', value: 9223372036854775807n }, small: { type: 'integer', value: -9007199254740993n },
      safe: { type: 'long', value: 9007199254740991 }, f: { type: 'float', value: 1e300 }, s: { type: 'string', value: '12345678901234567890' },
    });
    assert.equal(reply.creationDate, 1420664203776);
  });
  it('a subscription\'s reply is exact too', async () => {
    const { ws, socket } = await connected();
    const p = ws.subscribe('f1');
    socket.push(`{"head":{"msgId":"${socket.lastFrame.msgId}","status":200,"ok":true,"errors":[]},"body":{"flowId":"f1","since":12345678901234567890}}`);
    assert.equal((await p).reply.since, 12345678901234567890n);
  });
  it('options are sent as strings, with a filter rendered', async () => {
    const { ws, socket } = await connected();
    const p = ws.send({ object: 'drop', type: 'findmany', flowId: 'f1', options: { limit: 5, filter: { n: { $gt: 1 } } } });
    assert.deepEqual(socket.lastFrame.options, { filter: 'n > 1', limit: '5' });
    socket.replyLast([]);
    assert.deepEqual(await p, []);
  });
  it('replies answer their own call, in any order', async () => {
    const { ws, socket } = await connected();
    const a = ws.send({ object: 'flow', type: 'find', id: 'a' });
    const b = ws.send({ object: 'flow', type: 'find', id: 'b' });
    const [fa, fb] = socket.frames;
    socket.reply(fb.msgId, { id: 'b' });
    socket.reply(fa.msgId, { id: 'a' });
    assert.deepEqual(await Promise.all([a, b]), [{ id: 'a' }, { id: 'b' }]);
  });
  it('ok:false rejects with a FlowThingsException subclass', async () => {
    const { ws, socket } = await connected();
    for (const [status, Class] of [[400, FlowThingsBadRequest], [403, FlowThingsForbidden], [404, FlowThingsNotFound], [500, FlowThingsServerError]]) {
      const p = ws.send({ object: 'flow', type: 'find', id: 'x' });
      socket.replyLast(null, { status, errors: [`status ${status}`] });
      await assert.rejects(p, (err) => {
        assert.ok(err instanceof Class, `${status}: ${err}`);
        assert.ok(err instanceof FlowThingsException);
        assert.deepEqual(err.errors, [`status ${status}`]);
        return true;
      });
    }
  });
  it('a bad frame is refused with code input', async () => {
    const { ws, socket } = await connected();
    await assert.rejects(async () => ws.send({ object: 'flow', type: 'subscribe' }), { code: 'input' });
    await assert.rejects(async () => ws.send({ object: '', type: 'find' }), { code: 'input' });
    await assert.rejects(async () => ws.send('{"type":"find"}'), { code: 'input' });
    assert.equal(socket.sent.length, 0);
  });
  it('timeoutMs rejects with code timeout; the late reply is ignored quietly', async () => {
    const errors = [];
    const { ws, socket } = await connected({ onError: (_, e) => errors.push(e) });
    const p = ws.send({ object: 'flow', type: 'find', id: 'slow' }, { timeoutMs: 10 });
    await assert.rejects(p, { code: 'timeout' });
    socket.replyLast({ id: 'slow' });
    await tick();
    assert.deepEqual(errors, []);
  });
  it('an AbortSignal rejects with code aborted', async () => {
    const { ws } = await connected();
    const ac = new AbortController();
    const p = ws.send({ object: 'flow', type: 'find', id: 'x' }, { signal: ac.signal });
    ac.abort();
    await assert.rejects(p, { code: 'aborted' });
  });
  it('a call whose signal aborted already is refused, and nothing is sent', async () => {
    const { ws, socket } = await connected();
    const signal = AbortSignal.abort();
    await assert.rejects(ws.send({ object: 'drop', type: 'create', flowId: 'f1', value: { elems: {} } }, { signal }), { code: 'aborted' });
    await assert.rejects(ws.subscribe('f1', () => {}, { signal }), { code: 'aborted' });
    await tick();
    assert.deepEqual(socket.sent, [], 'no create, no subscribe on the wire');
  });
  it('a bad call control is refused like a REST call\'s', async () => {
    const { ws, socket } = await connected();
    for (const timeoutMs of [-5, Number.NaN, '100']) {
      await assert.rejects(ws.send({ object: 'flow', type: 'find', id: 'x' }, { timeoutMs }), { code: 'input', field: 'timeoutMs' });
      await assert.rejects(ws.subscribe('f1', null, { timeoutMs }), { code: 'input', field: 'timeoutMs' });
    }
    await assert.rejects(ws.send({ object: 'flow', type: 'find', id: 'x' }, { timeout: 5 }), { code: 'input', field: 'timeout' });
    assert.deepEqual(socket.sent, []);
  });
});

describe('unsubscribe', () => {
  it('sends the unsubscribe frame only when no handler is left', async () => {
    const { ws, socket } = await connected();
    const a = [];
    const sa = await subscribed(ws, socket, 'f1', (d) => a.push(d.id));
    const sb = await ws.subscribe('f1', () => {});
    const before = socket.sent.length;
    await sa.unsubscribe();
    assert.equal(socket.sent.length, before, 'another handler is left: no frame');
    pushDrop(socket, drop('f1', 'd1'));
    await tick();
    assert.deepEqual(a, [], 'an unsubscribed handler gets nothing');
    const last = sb.unsubscribe();
    const frame = socket.lastFrame;
    assert.deepEqual(frame, { msgId: frame.msgId, object: 'drop', type: 'unsubscribe', flowId: 'f1' });
    socket.replyLast({});
    await last;
  });
  it('ws.unsubscribe(flow, handler) ends that handler\'s subscription; ws.unsubscribe(path) all of them', async () => {
    const { ws, socket } = await connected();
    const h1 = () => {};
    const h2 = () => {};
    await subscribed(ws, socket, '/acct/p', h1);
    await ws.subscribe('/acct/p', h2);
    const before = socket.sent.length;
    await ws.unsubscribe('/acct/p', h1);
    assert.equal(socket.sent.length, before);
    await ws.subscribe('/acct/p', h1);
    const all = ws.unsubscribe('/acct/p');
    const unsubscribes = socket.frames.filter((f) => f.type === 'unsubscribe');
    assert.equal(unsubscribes.length, 1);
    assert.equal(unsubscribes[0].path, '/acct/p');
    socket.replyLast({});
    await all;
  });
});

describe('heartbeats', () => {
  it('send {"type":"heartbeat"} every heartbeatMs while open, and probe a silent server with a request', async () => {
    const { ws, socket } = await connected({ heartbeatMs: 50 });
    await until(() => socket.sent.length >= 2, { what: 'a heartbeat and a probe' });
    assert.equal(socket.sent[0], '{"type":"heartbeat"}');
    // Nothing came in during an interval: a request every server answers.
    const probe = socket.frames.find((f) => f.type === 'findmany');
    assert.deepEqual(probe, { msgId: probe.msgId, object: 'flow', type: 'findmany', options: { limit: '1', only: 'id' } });
    socket.reply(probe.msgId, [], { status: 403, ok: false });
    await ws.close();
    const count = socket.sent.length;
    await sleep(30);
    assert.equal(socket.sent.length, count, 'no heartbeat after close');
  });
  it('a server that stays silent for two intervals is left: the connection reconnects', async () => {
    const errors = [];
    const { ws, WS } = await connected({ heartbeatMs: 10, onError: (_, e) => errors.push(e) });
    await until(() => WS.sockets.length === 2, { what: 'a new socket' });
    assert.equal(ws.state, 'reconnecting');
    const lost = errors.find((e) => e.code === 'connectionLost');
    assert.match(lost.message, /waiting for any frame from the server timed out after 20 ms/);
    assert.equal(WS.sockets[0].closedByClient, 1000);
  });
  it('heartbeats from the server are ignored', async () => {
    const errors = [];
    const { socket } = await connected({ onError: (_, e) => errors.push(e) });
    socket.push({ type: 'heartbeat' });
    await tick();
    assert.deepEqual(errors, []);
  });
});

describe('errors that belong to no call', () => {
  it('onError gets a malformed frame report', async () => {
    const errors = [];
    const { ws, socket } = await connected({ onError: (w, e) => errors.push([w, e]) });
    socket.push('this is not json');
    socket.push({ neither: 'push nor reply' });
    socket.push({ head: { msgId: 'never-sent', status: 200, ok: true, errors: [] }, body: {} });
    await tick();
    assert.equal(errors.length, 3);
    for (const [w, e] of errors) {
      assert.equal(w, ws);
      assert.ok(e instanceof FlowThingsError);
      assert.equal(e.code, 'frame');
    }
    assert.match(errors[0][1].message, /invalid JSON/);
  });
  it('a binary frame is reported', async () => {
    const errors = [];
    const { socket } = await connected({ onError: (_, e) => errors.push(e) });
    socket.onmessage({ data: new ArrayBuffer(4) });
    await tick();
    assert.equal(errors.length, 1);
    assert.equal(errors[0].code, 'frame');
  });
  it('a handler that throws goes to onError and the others still run', async () => {
    const errors = [];
    const { ws, socket } = await connected({ onError: (_, e) => errors.push(e) });
    const got = [];
    await subscribed(ws, socket, 'f1', () => { throw new Error('handler bug'); });
    await ws.subscribe('f1', (d) => got.push(d.id));
    pushDrop(socket, drop('f1', 'd1'));
    await tick();
    assert.deepEqual(got, ['d1']);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].message, 'handler bug');
  });
});

describe('disconnect and reconnect', () => {
  it('a disconnect rejects every pending reply with code connectionLost; a subscribe waits for the next socket', async () => {
    const { ws, WS, socket } = await connected({ reconnect: true });
    await subscribed(ws, socket, 'f1', () => {});
    const call = ws.send({ object: 'flow', type: 'find', id: 'x' });
    const sub = ws.subscribe('f2', () => {});
    socket.drop(1006);
    await assert.rejects(call, (err) => {
      assert.ok(err instanceof FlowThingsError);
      assert.equal(err.code, 'connectionLost');
      return true;
    });
    await until(() => WS.sockets.length === 2, { what: 'a new socket' });
    WS.last.open();
    for (const f of WS.last.frames) WS.last.reply(f.msgId, {});
    assert.equal((await sub).resource, 'f2', 'subscribing is idempotent: it is not lost with a socket');
  });
  it('with reconnect a new session opens after backoff and everything is re-subscribed', async () => {
    const errors = [];
    const { ws, WS, socket, transport } = await connected({ onError: (_, e) => errors.push(e) });
    const got = [];
    await subscribed(ws, socket, 'f1', (d) => got.push(`a:${d.id}`));
    await ws.subscribe('f1', (d) => got.push(`b:${d.id}`));
    await subscribed(ws, socket, '/acct/p', (d) => got.push(`p:${d.id}`));
    socket.drop(1006);
    assert.equal(ws.state, 'reconnecting');
    await until(() => WS.sockets.length === 2, { what: 'a new socket' });
    const posts = transport.calls.filter((c) => c.method === 'POST');
    assert.equal(posts.length, 2, 'a new session');
    const second = WS.last;
    assert.equal(second.url, 'wss://api.test/session/s-2/ws');
    assert.equal(second.sent.length, 0);
    second.open();
    assert.equal(ws.state, 'open');
    const subs = second.frames.filter((f) => f.type === 'subscribe');
    assert.deepEqual(subs.map((f) => f.flowId ?? f.path).sort(), ['/acct/p', 'f1'], 'one frame per flow');
    for (const f of subs) second.reply(f.msgId, {});
    pushDrop(second, drop('f1', 'd7'));
    await tick();
    await until(() => got.length === 2, { what: 'd7, once back-fill is done' });
    assert.deepEqual(got.sort(), ['a:d7', 'b:d7']);
    assert.ok(errors.some((e) => e.code === 'connectionLost'), 'the loss is reported');
  });
  it('frames sent before the first socket opens are queued', async () => {
    const WS = fakeWebSocket();
    const api = new API(token, { host: 'api.test', transport: sessions(), WebSocket: WS });
    let early;
    const pending = api.websocket.connect({
      heartbeatMs: 0,
      onStateChange: (w, state) => {
        if (state === 'connecting') early = [w.subscribe('f0', () => {}), w.send({ object: 'flow', type: 'find', id: 'x' })];
      },
    });
    await until(() => WS.last, { what: 'the socket' });
    assert.ok(early, 'onStateChange(ws, \'connecting\') was called');
    await sleep(2);
    assert.equal(WS.last.sent.length, 0);
    WS.last.open();
    const ws = await pending;
    open.add(ws);
    const frames = WS.last.frames;
    assert.deepEqual(frames.map((f) => f.type).sort(), ['find', 'subscribe']);
    for (const f of frames) WS.last.reply(f.msgId, { answered: f.type });
    const [sub, found] = await Promise.all(early);
    assert.deepEqual(sub.reply, { answered: 'subscribe' });
    assert.deepEqual(found, { answered: 'find' });
  });
  it('frames sent while reconnecting are queued until the socket opens', async () => {
    const { ws, WS, socket } = await connected();
    socket.drop(1006);
    const call = ws.send({ object: 'flow', type: 'find', id: 'queued' });
    const sub = ws.subscribe('f9', () => {});
    await until(() => WS.sockets.length === 2, { what: 'a new socket' });
    assert.equal(WS.last.sent.length, 0);
    WS.last.open();
    const frames = WS.last.frames;
    assert.deepEqual(frames.map((f) => f.type).sort(), ['find', 'subscribe']);
    for (const f of frames) WS.last.reply(f.msgId, { answered: f.type });
    assert.deepEqual(await call, { answered: 'find' });
    assert.deepEqual((await sub).reply, { answered: 'subscribe' });
  });
  it('backoff grows between failed attempts', async () => {
    const WS = fakeWebSocket();
    let n = 0;
    const times = [];
    const transport = recorder(() => {
      times.push(Date.now());
      n++;
      return n === 1 ? response({ id: 's-1' }) : { status: 503, headers: {}, body: '<html>down</html>' };
    });
    const api = new API(token, { host: 'api.test', transport, WebSocket: WS });
    const pending = api.websocket.connect({ heartbeatMs: 0, backoffMinMs: 8, backoffMaxMs: 16, onError: () => {} });
    await until(() => WS.last);
    WS.last.open();
    const ws = await pending;
    open.add(ws);
    WS.last.drop(1006);
    await until(() => transport.calls.length >= 4, { what: 'three reconnect attempts' });
    assert.ok(transport.calls.every((c) => c.method === 'POST'));
    assert.equal(ws.state, 'reconnecting');
    for (let i = 1; i < times.length; i++) assert.ok(times[i] - times[i - 1] >= 3, `attempt ${i} waited ${times[i] - times[i - 1]} ms`);
  });
  it('reconnect: false → run() rejects with code connectionLost and the state is closed', async () => {
    const closed = [];
    const { ws, socket } = await connected({ reconnect: false, onClose: (w) => closed.push(w) });
    const sub = await subscribed(ws, socket, 'f1');
    const iterating = (async () => { for await (const d of sub) void d; })();
    socket.drop(1006);
    await assert.rejects(ws.run(), { code: 'connectionLost' });
    await assert.rejects(iterating, { code: 'connectionLost' });
    assert.equal(ws.state, 'closed');
    assert.deepEqual(closed, [ws]);
  });
  it('close() → run() resolves, state closed, onClose called, the socket closed with 1000', async () => {
    const closed = [];
    const { ws, socket } = await connected({ onClose: (w) => closed.push(w) });
    const sub = await subscribed(ws, socket, 'f1');
    // The iteration of a subscription ends: done, or rejected with code closed.
    const iterating = (async () => { for await (const d of sub) void d; })().then(() => 'done', (err) => err.code);
    const run = ws.run();
    await ws.close();
    await run;
    assert.equal(ws.state, 'closed');
    assert.deepEqual(closed, [ws]);
    assert.equal(socket.closedByClient, 1000);
    assert.ok(['done', 'closed'].includes(await iterating));
    await ws.close(); // closing again is harmless
    assert.deepEqual(closed, [ws]);
  });
  it('the connect signal aborting → run() rejects with code aborted', async () => {
    const ac = new AbortController();
    const { ws } = await connected({ signal: ac.signal });
    const run = ws.run();
    ac.abort();
    await assert.rejects(run, { code: 'aborted' });
    assert.equal(ws.state, 'closed');
  });
  it('calls after close are refused', async () => {
    const { ws } = await connected();
    await ws.close();
    await assert.rejects(async () => ws.send({ object: 'flow', type: 'find', id: 'x' }), FlowThingsError);
    await assert.rejects(async () => ws.subscribe('f1'), FlowThingsError);
  });
  it('a pending reply rejects when the connection is closed', async () => {
    const { ws } = await connected();
    const p = ws.send({ object: 'flow', type: 'find', id: 'x' });
    await ws.close();
    await assert.rejects(p, FlowThingsError);
  });
  it('onStateChange sees connecting → open → reconnecting → open → closed', async () => {
    const states = [];
    const { ws, WS, socket } = await connected({ onStateChange: (w, s) => states.push(s) });
    socket.drop(1006);
    await until(() => WS.sockets.length === 2, { what: 'a new socket' });
    WS.last.open();
    await ws.close();
    assert.deepEqual(states, ['connecting', 'open', 'reconnecting', 'open', 'closed']);
  });
});

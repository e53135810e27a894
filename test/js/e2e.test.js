// End to end: the package (js/node.js and the built dist/flowthings.wasm)
// against the local emulator, through Node's real fetch and the ws package.
//   node --test test/js/e2e.test.js
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startEmulator } from './helpers/emulator.js';
import {
  init, API, Token, mem, M, FlowThingsError, FlowThingsException, FlowThingsForbidden, FlowThingsNotFound,
} from '../../js/node.js';

const MISSING_FLOW = 'f000000000000000000000000';

/** An API against emu as its dev account (or the given credentials). */
function apiFor(emu, { account = emu.account, token = emu.token, ...options } = {}) {
  return new API(new Token(account, token), { host: emu.host, wsHost: emu.wsHost, secure: false, WebSocket, ...options });
}

/** Waits until check() is truthy, polling; fails after ms. */
async function until(what, check, ms = 5000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs promise with a deadline. */
function within(ms, what, promise) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms); }),
  ]);
}

const ids = (list) => list.map((o) => o.id).sort();

describe('e2e against the emulator', { timeout: 60_000 }, () => {
  let emu;
  let api;
  before(async () => {
    emu = await startEmulator();
    await init();
    api = apiFor(emu);
  });
  after(async () => { await emu?.stop(); });

  it('a flow: create, read, update with M, find by path, delete', async () => {
    const flow = await api.flow.create({ path: '/dev/e2e/flow', description: 'first' });
    assert.match(flow.id, /^f[0-9a-f]{24}$/);
    assert.equal(flow.path, '/dev/e2e/flow');
    assert.deepEqual(await api.flow.read(flow.id), flow);
    const updated = await api.flow.update(M(flow).modify('description', 'second'));
    assert.equal(updated.description, 'second');
    assert.equal(updated.path, '/dev/e2e/flow');
    assert.deepEqual(ids(await api.flow.find({ filter: { path: '/dev/e2e/flow' } })), [flow.id]);
    await api.flow.delete(flow.id);
    await assert.rejects(api.flow.read(flow.id), FlowThingsNotFound);
  });

  it('drops: create in a flow, by path with api.drop.create and api.drop(path).create', async () => {
    const flow = await api.flow.create({ path: '/dev/e2e/drops' });
    const a = await api.drop(flow.id).create({ elems: { n: 1 } });
    const b = await api.drop.create({ path: '/dev/e2e/drops', elems: { n: 2 } });
    const c = await api.drop('/dev/e2e/drops').create({ elems: { n: 3 } });
    for (const d of [a, b, c]) {
      assert.match(d.id, /^d[0-9a-f]{24}$/);
      assert.equal(d.flowId, flow.id);
      assert.equal(d.path, '/dev/e2e/drops');
    }
    assert.deepEqual(c.elems, { n: { type: 'integer', value: 3 } }, 'v0.1 answers typed elems');
    assert.deepEqual(ids(await api.drop(flow.id).find({ limit: 10 })), ids([a, b, c]));
    assert.deepEqual(ids(await api.drop('/dev/e2e/drops').find({ limit: 10 })), ids([a, b, c]), 'find by path');
  });

  describe('with a flow of ten drops', () => {
    let flow;
    let drops;
    before(async () => {
      flow = await api.flow.create({ path: '/dev/e2e/readings' });
      drops = [];
      for (let i = 0; i < 10; i++) {
        drops.push(await api.drop(flow.id).create({ elems: { n: i, town: i % 2 ? 'Queens' : 'Brooklyn' } }));
      }
    });
    const dropsWhere = (pred) => ids(drops.filter((d, i) => pred(i)));

    it('filters: builder, text and object form select the same drops', async () => {
      const want = dropsWhere((i) => i > 6);
      const svc = api.drop(flow.id);
      assert.deepEqual(ids(await svc.find(mem.elems.n.gt(6))), want, 'builder');
      assert.deepEqual(ids(await svc.findMany('elems.n > 6')), want, 'text as an argument of findMany (find(string) reads by id)');
      assert.deepEqual(ids(await svc.find({ filter: 'elems.n > 6' })), want, 'text in params');
      assert.deepEqual(ids(await svc.find({ filter: { 'elems.n': { $gt: 6 } } })), want, 'object form');
      assert.deepEqual(ids(await svc.find({ filter: mem.elems.n.gt(6) })), want, 'builder in params');
      // Several filters are AND-ed, after params.filter.
      assert.deepEqual(ids(await svc.find(mem.elems.town.eq('Queens'), { filter: 'elems.n >= 3', limit: 100 })), dropsWhere((i) => i >= 3 && i % 2));
      assert.deepEqual(ids(await svc.find({ filter: { 'elems.town': /^Bro/, 'elems.n': { $lte: 4 } } })), dropsWhere((i) => i <= 4 && i % 2 === 0));
      assert.deepEqual(ids(await svc.find({ filter: { $or: [{ 'elems.n': 0 }, { 'elems.n': { $gte: 9 } }] } })), dropsWhere((i) => i === 0 || i === 9));
      assert.deepEqual(ids(await svc.find(mem.elems.n.in(1, 2).or(mem.elems.n.eq(5)))), dropsWhere((i) => [1, 2, 5].includes(i)));
      const plain = await svc.find(mem.elems.n.eq(4), { hints: false });
      assert.deepEqual(plain.map((d) => d.elems), [{ n: 4, town: 'Brooklyn' }]);
    });

    it('refs: true resolves to [body, references] with the flow in references', async () => {
      const [drop, refs] = await api.drop(flow.id).read(drops[0].id, { refs: true });
      assert.equal(drop.id, drops[0].id);
      assert.equal(refs[flow.id]?.path, '/dev/e2e/readings');
      assert.ok(refs[drop.creatorId], 'the creator identity is referenced too');
      const [list, listRefs] = await api.drop(flow.id).find({ refs: true, limit: 2 });
      assert.equal(list.length, 2);
      assert.equal(listRefs[flow.id]?.id, flow.id);
      assert.equal((await api.drop(flow.id).find({ limit: 2 })).length, 2, 'without refs: just the body');
    });

    it('MGET (readMany) and MPUT (updateMany with M)', async () => {
      const [a, b] = drops;
      const many = await api.drop(flow.id).readMany([a.id, b.id, 'd000000000000000000000000']);
      assert.deepEqual(Object.keys(many).sort(), [a.id, b.id].sort(), 'unknown ids are absent');
      assert.equal(many[a.id].elems.n.value, 0);
      const changed = await api.drop(flow.id).updateMany([M(a, { elems: { n: 100, town: 'Brooklyn' } }), M(b).modify('elems', { n: 101, town: 'Queens' })]);
      assert.equal(changed[a.id].elems.n.value, 100);
      assert.equal(changed[b.id].elems.n.value, 101);
      assert.equal(changed[a.id].version, 1);
      const again = await api.drop(flow.id).readMany([a.id, b.id], { hints: false });
      assert.deepEqual([again[a.id].elems.n, again[b.id].elems.n], [100, 101]);
      // Put them back for the other tests.
      await api.drop(flow.id).updateMany({ [a.id]: { elems: { n: 0, town: 'Brooklyn' } }, [b.id]: { elems: { n: 1, town: 'Queens' } } });
      assert.equal((await api.drop(flow.id).read(b.id, { hints: false })).elems.n, 1);
    });

    it('aggregate, both call forms', async () => {
      const rows = await api.drop(flow.id).aggregate(['$count', '$sum:elems.n', '$max:elems.n'], { groupBy: ['elems.town'], sorts: ['elems.town:asc'] });
      assert.deepEqual(rows, [
        { 'elems.town': 'Brooklyn', $count: 5, '$sum:elems.n': 0 + 2 + 4 + 6 + 8, '$max:elems.n': 8 },
        { 'elems.town': 'Queens', $count: 5, '$sum:elems.n': 1 + 3 + 5 + 7 + 9, '$max:elems.n': 9 },
      ]);
      const [row] = await api.drop(flow.id).aggregate({ output: ['$count', '$avg:elems.n'], filter: mem.elems.n.gte(5) });
      assert.deepEqual(row, { $count: 5, '$avg:elems.n': 7 });
    });

    it('statistics: flowDropAdded for this year counts the drops', async () => {
      const now = new Date();
      const months = await api.statistics.flowDropAdded(flow.id, now.getUTCFullYear());
      assert.equal(months.length, 12);
      assert.equal(months[now.getUTCMonth()], 10);
      assert.equal(months.reduce((x, y) => x + y, 0), 10);
    });
  });

  it('a token with restricted paths: outside them → FlowThingsForbidden, never showing the token', async () => {
    const allowed = await api.flow.create({ path: '/dev/allowed' });
    const other = await api.flow.create({ path: '/dev/e2e/other' });
    const tok = await api.token.create({ paths: { '/dev/allowed': { dropRead: true, dropWrite: true } } });
    assert.match(tok.tokenString, /^[A-Za-z0-9]{28}$/);
    const limited = apiFor(emu, { token: tok.tokenString });
    const d = await limited.drop(allowed.id).create({ elems: { by: 'token' } });
    assert.equal(d.flowId, allowed.id);
    assert.equal((await limited.drop('/dev/allowed').find()).length, 1);

    const err = await limited.flow.read(other.id).then(() => assert.fail('read outside the token paths succeeded'), (e) => e);
    assert.ok(err instanceof FlowThingsForbidden, `${err}`);
    assert.ok(err instanceof FlowThingsException && err instanceof Error);
    assert.equal(err.status, 403);
    assert.equal(err.method, 'GET');
    assert.equal(err.path, `/flow/${other.id}`);
    assert.equal(err.account, 'dev');
    assert.ok(err.errors.length > 0);
    for (const text of [JSON.stringify(err), err.stack, String(err), err.message]) {
      assert.ok(!text.includes(tok.tokenString), `the token leaked into ${text}`);
    }
    await assert.rejects(limited.drop(other.id).create({ elems: {} }), FlowThingsForbidden);
    // readOrElse falls back on 404 only.
    await assert.rejects(limited.flow.readOrElse(other.id, 'fallback'), FlowThingsForbidden);
    await api.token.delete(tok.id);
    await assert.rejects(limited.drop(allowed.id).find(), (e) => e instanceof FlowThingsForbidden && e.status === 401);
  });

  it('a share read through namespace', async () => {
    const shared = await api.flow.create({ path: '/dev/shared/x' });
    const secret = await api.flow.create({ path: '/dev/private/y' });
    await api.drop(shared.id).create({ elems: { from: 'dev' } });
    const guest = apiFor(emu, { account: emu.guestAccount, token: emu.guestToken });
    const [me] = await guest.identity.find({ filter: mem.name.eq(emu.guestAccount) });
    assert.match(me?.id ?? '', /^i[0-9a-f]{24}$/);
    const share = await api.share.create({ issuedTo: me.id, paths: { '/dev/shared': { read: true, dropRead: true } } });

    const guestInDev = apiFor(emu, { account: emu.guestAccount, token: emu.guestToken, namespace: 'dev' });
    const got = await guestInDev.flow.read(shared.id);
    assert.equal(got.path, '/dev/shared/x');
    assert.deepEqual((await guestInDev.drop(shared.id).find({ hints: false })).map((d) => d.elems), [{ from: 'dev' }]);
    assert.deepEqual(ids(await guestInDev.flow.find()), [shared.id], 'only the shared flow is listed');
    await assert.rejects(guestInDev.flow.read(secret.id), FlowThingsForbidden);
    await assert.rejects(guest.flow.read(shared.id), FlowThingsNotFound, 'not in the guest\'s own namespace');
    await api.share.delete(share.id);
    await assert.rejects(guestInDev.flow.read(shared.id), FlowThingsForbidden);
  });

  it('readOrElse: the fallback for a missing id, typed errors otherwise', async () => {
    assert.equal(await api.flow.readOrElse(MISSING_FLOW, null), null);
    const fallback = { id: 'none' };
    assert.equal(await api.flow.readOrElse(MISSING_FLOW, fallback), fallback);
    const err = await api.flow.read(MISSING_FLOW).catch((e) => e);
    assert.ok(err instanceof FlowThingsNotFound);
    assert.equal(err.status, 404);
    assert.equal(err.path, `/flow/${MISSING_FLOW}`);
    const flow = await api.flow.create({ path: '/dev/e2e/orelse' });
    assert.equal((await api.flow.readOrElse(flow.id, null)).id, flow.id);
  });

  describe('WebSocket', () => {
    let flow;
    let writer;
    let ws;
    before(async () => {
      flow = await api.flow.create({ path: '/dev/e2e/live' });
      writer = apiFor(emu); // another client: REST only
      ws = await api.websocket.connect();
    });
    after(async () => { await ws?.close(); });

    it('a subscription handler receives drops written by another client', async () => {
      assert.equal(ws.state, 'open');
      const got = [];
      const sub = await ws.subscribe(flow.id, (drop) => got.push(drop));
      assert.ok(sub.reply !== undefined);
      const written = [];
      for (let i = 0; i < 3; i++) written.push(await writer.drop(flow.id).create({ elems: { i } }));
      await until('3 pushed drops', () => got.length >= 3);
      assert.deepEqual(got.map((d) => d.id), written.map((d) => d.id));
      assert.equal(got[0].flowId, flow.id);
      await sub.unsubscribe();
    });

    it('for await of a subscription (by path) receives drops written by another client', async () => {
      const sub = await ws.subscribe('/dev/e2e/live');
      const written = [];
      for (let i = 0; i < 3; i++) written.push(await writer.drop('/dev/e2e/live').create({ elems: { i } }));
      const seen = [];
      await within(5000, 'iterating the subscription', (async () => {
        for await (const drop of sub) {
          seen.push(drop.id);
          if (seen.length === written.length) break;
        }
      })());
      assert.deepEqual(seen, written.map((d) => d.id));
      await sub.unsubscribe();
    });

    it('send: a CRUD frame resolves to the reply body; an error reply rejects', async () => {
      const body = await ws.send({ object: 'drop', type: 'create', flowId: flow.id, value: { elems: { via: 'ws' } } });
      assert.equal(body.flowId, flow.id);
      await assert.rejects(ws.send({ object: 'flow', type: 'find', id: MISSING_FLOW }), FlowThingsNotFound);
    });
  });

  it('reconnects after the emulator drops the socket, re-subscribes and delivers', async () => {
    const dropping = await startEmulator(['-drop-ws-after', '1500ms']);
    let ws;
    try {
      const a = apiFor(dropping);
      const writer = apiFor(dropping);
      const flow = await a.flow.create({ path: '/dev/e2e/reconnect' });
      const states = [];
      const errors = [];
      ws = await a.websocket.connect({ onStateChange: (_, s) => states.push(s), onError: (_, e) => errors.push(e) });
      assert.equal(ws.state, 'open');
      const got = [];
      await ws.subscribe(flow.id, (d) => got.push(d.id));
      await until('the reconnect', () => states.includes('reconnecting') && states.lastIndexOf('open') > states.indexOf('reconnecting'), 10_000);
      assert.deepEqual(states.slice(0, 4), ['connecting', 'open', 'reconnecting', 'open'], `states: ${states}`);
      // The re-subscribe frame goes out on open; write until a drop written after
      // the reconnect arrives (bounded), all over REST from another client.
      const after = new Set();
      await until('a drop after the reconnect', async () => {
        after.add((await writer.drop(flow.id).create({ elems: { late: true } })).id);
        return got.some((id) => after.has(id));
      }, 5000);
      assert.ok(errors.every((e) => e instanceof FlowThingsError), `${errors}`);
    } finally {
      await ws?.close();
      await dropping.stop();
    }
  });

  it('timeouts and aborts: code "timeout" / "aborted"', async () => {
    const slow = await startEmulator(['-latency', '400ms']);
    try {
      const quick = apiFor(slow, { timeoutMs: 50 });
      const err = await quick.flow.find().catch((e) => e); // (had the response come first, it would have resolved)
      assert.ok(err instanceof FlowThingsError, `${err}`);
      assert.equal(err.code, 'timeout');
      assert.match(err.message, /timed out after 50 ms/);
      const perCall = await apiFor(slow).flow.find({ timeoutMs: 50 }).catch((e) => e);
      assert.equal(perCall.code, 'timeout');
      assert.deepEqual(await quick.flow.find({ timeoutMs: 5000 }), [], 'a larger per-call timeout wins');
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 30);
      const aborted = await apiFor(slow).flow.find({ signal: ac.signal }).catch((e) => e);
      assert.equal(aborted.code, 'aborted');
    } finally {
      await slow.stop();
    }
  });
});

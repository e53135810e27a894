// Live queries (js/live.js): api.drop(flow).live(filter, options). Unit tests
// over a scripted connection and find, then end to end against the emulator.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startEmulator } from './helpers/emulator.js';
import { init, API, Token, mem, FlowThingsError } from '../../js/node.js';
import { startLive } from '../../js/live.js';

before(() => init());

/** A subscription the test pushes drops into and ends. */
class FakeSubscription {
  #queue = [];
  #waiters = [];
  #done = null;
  unsubscribed = false;
  constructor(control) { this.control = control; }
  push(drop) {
    const w = this.#waiters.shift();
    if (w) w.resolve({ value: drop, done: false });
    else this.#queue.push(drop);
  }
  end(error) {
    this.#done = { error };
    for (const w of this.#waiters.splice(0)) error ? w.reject(error) : w.resolve({ done: true, value: undefined });
  }
  async unsubscribe() { this.unsubscribed = true; this.end(); }
  next() {
    if (this.#queue.length) return Promise.resolve({ value: this.#queue.shift(), done: false });
    if (this.#done) return this.#done.error ? Promise.reject(this.#done.error) : Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }
  [Symbol.asyncIterator]() { return this; }
}

/** A connection with one flow's subscription, and state listeners. */
class FakeConnection {
  sub = null;
  listeners = new Set();
  async subscribe(flow, handler, control) {
    this.flow = flow;
    this.sub = new FakeSubscription(control);
    return this.sub;
  }
  on(event, fn) { if (event === 'state') this.listeners.add(fn); }
  off(event, fn) { if (event === 'state') this.listeners.delete(fn); }
  state(s) { for (const fn of this.listeners) fn(s); }
}

/** A drop service whose finds the test answers: finds are queued promises. */
class FakeDrops {
  finds = [];
  findMany(...args) {
    return new Promise((resolve, reject) => this.finds.push({ args, resolve, reject }));
  }
  async nextFind() {
    for (let i = 0; i < 200 && this.finds.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(this.finds.length > 0, 'a find was made');
    return this.finds.shift();
  }
}

const tick = () => new Promise((r) => setImmediate(r));
const drop = (id, creationDate, temp, version = 1) => ({ id, creationDate, version, elems: { temp: { type: 'integer', value: temp } } });
const ids = (drops) => drops.map((d) => d.id);

/** Starts a live query over fakes; resolves to { q, ws, drops, events }. */
async function fakeLive(filter, options = {}, found = []) {
  const ws = new FakeConnection();
  const drops = new FakeDrops();
  const events = { changes: [], added: [], states: [], errors: [] };
  const started = startLive(drops, null, 'f1', filter, {
    ws,
    onChange: (list, { added }) => { events.changes.push(ids(list)); events.added.push(ids(added)); },
    onStateChange: (s) => events.states.push(s),
    onError: (err) => events.errors.push(err),
    ...options,
  });
  const find = await drops.nextFind();
  return { started, find, ws, drops, events, answer: async (list = found) => { find.resolve(list); return started; } };
}

describe('live queries (unit)', () => {
  it('finds, then keeps the newest matching drops in order, trimmed to the limit', async () => {
    const f = await fakeLive('temp > 10', { limit: 3 });
    assert.deepEqual(f.find.args, ['temp > 10', { limit: 3, hints: true }]);
    assert.equal(f.ws.flow, 'f1');
    const q = await f.answer([drop('c', 30, 11), drop('b', 20, 12)]);
    assert.deepEqual(ids(q.drops), ['c', 'b']);
    assert.equal(q.state, 'live');
    assert.ok(Object.isFrozen(q.drops));
    assert.deepEqual(f.events.changes, [], 'the first find is no change');

    f.ws.sub.push(drop('x', 40, 5)); // does not match
    f.ws.sub.push(drop('d', 40, 15)); // newest
    f.ws.sub.push(drop('a', 10, 15)); // older than a full list
    f.ws.sub.push(drop('e', 25, 15)); // between: the oldest leaves
    f.ws.sub.push(drop('g', 25, 15)); // same creationDate: the later push first
    f.ws.sub.push(drop('c', 30, 13, 2)); // an update, in place
    f.ws.sub.push(drop('c', 30, 11, 1)); // a late earlier version
    await tick();
    assert.deepEqual(f.events.changes, [['d', 'c', 'b'], ['d', 'c', 'e'], ['d', 'c', 'g'], ['d', 'c', 'g']]);
    assert.deepEqual(f.events.added, [['d'], ['e'], ['g'], []]);
    assert.equal(q.drops[1].elems.temp.value, 13);
    await q.close();
    assert.ok(f.ws.sub.unsubscribed, 'close unsubscribes from a shared connection');
    assert.equal(q.state, 'closed');
    assert.deepEqual(f.events.states, ['closed']);
  });

  it('finds again when an updated drop leaves a full list, applying the pushes that came meanwhile', async () => {
    const f = await fakeLive('temp > 10', { limit: 2 });
    const q = await f.answer([drop('b', 20, 11), drop('a', 10, 12)]);
    f.ws.sub.push(drop('b', 20, 1, 2)); // no longer matches
    await tick();
    assert.deepEqual(ids(q.drops), ['a']);
    assert.equal(q.state, 'resyncing');
    const refind = await f.drops.nextFind();
    f.ws.sub.push(drop('n', 50, 99)); // while the find runs
    await tick();
    assert.deepEqual(ids(q.drops), ['a'], 'pushes wait for the find');
    refind.resolve([drop('a', 10, 12), drop('z', 5, 11)]);
    await tick();
    assert.deepEqual(ids(q.drops), ['n', 'a']);
    assert.equal(q.state, 'live');
    assert.deepEqual(f.events.states, ['resyncing', 'live']);
    assert.deepEqual(f.events.changes, [['a'], ['n', 'a']]);
    assert.deepEqual(f.events.added, [[], ['n']]);
    await q.close();
  });

  it('finds again after a gap, and retries a find that fails for a while', async () => {
    const f = await fakeLive(undefined);
    assert.deepEqual(f.find.args, [{ limit: 100, hints: true }], 'no filter: every drop');
    const q = await f.answer([drop('a', 10, 1)]);
    const gap = new FlowThingsError('gap', { code: 'gap' });
    f.ws.sub.control.onError(gap);
    assert.equal(q.state, 'resyncing');
    const failing = await f.drops.nextFind();
    failing.reject(new FlowThingsError('unavailable', { code: 'server' }));
    const retry = await f.drops.nextFind(); // after RETRY_MIN_MS
    retry.resolve([drop('b', 20, 1), drop('a', 10, 1)]);
    await tick();
    assert.deepEqual(ids(q.drops), ['b', 'a']);
    assert.deepEqual(f.events.errors.map((e) => e.code), ['gap', 'server']);
    assert.deepEqual(f.events.added, [['b']]);
    assert.equal(q.state, 'live');
    await q.close();
  });

  it('reports the connection re-established, then finds again', async () => {
    const f = await fakeLive(undefined);
    const q = await f.answer([]);
    f.ws.state('reconnecting');
    assert.equal(q.state, 'reconnecting');
    f.ws.state('open');
    assert.equal(q.state, 'resyncing');
    (await f.drops.nextFind()).resolve([drop('a', 1, 1)]);
    await tick();
    assert.deepEqual(ids(q.drops), ['a']);
    assert.deepEqual(f.events.states, ['reconnecting', 'live', 'resyncing', 'live']);
    await q.close();
    assert.equal(f.ws.listeners.size, 0, 'close removes its listener');
  });

  it('ends with its subscription, and with a find that cannot succeed', async () => {
    let f = await fakeLive(undefined);
    let q = await f.answer([]);
    const snapshots = q[Symbol.asyncIterator]();
    assert.deepEqual(await snapshots.next(), { value: q.drops, done: false }, 'the iterator starts with the drops');
    const gone = new FlowThingsError('flow deleted', { code: 'notFound' });
    f.ws.sub.end(gone);
    await assert.rejects(snapshots.next(), gone);
    assert.equal(q.state, 'closed');
    assert.deepEqual(f.events.errors, [gone]);

    f = await fakeLive(undefined);
    q = await f.answer([drop('a', 1, 1)]);
    f.ws.sub.control.onError(new FlowThingsError('gap', { code: 'gap' }));
    (await f.drops.nextFind()).reject(new FlowThingsError('forbidden', { code: 'forbidden' }));
    await tick();
    assert.equal(q.state, 'closed');
    assert.deepEqual(f.events.errors.map((e) => e.code), ['gap', 'forbidden']);
  });

  it('yields the newest snapshot to a slow loop, and ends the loop on close', async () => {
    const f = await fakeLive(undefined);
    const q = await f.answer([]);
    const seen = [];
    const loop = (async () => { for await (const s of q) seen.push(ids(s)); })();
    await tick();
    f.ws.sub.push(drop('a', 1, 1));
    f.ws.sub.push(drop('b', 2, 1));
    await tick();
    await q.close();
    await loop;
    assert.deepEqual(seen[0], []);
    assert.deepEqual(seen.at(-1), ['b', 'a']);
    for await (const s of q) assert.fail(`a closed query yields nothing, got ${s}`);
  });

  it('matches drops with integers beyond 2^53 (BigInt) as numbers', async () => {
    const f = await fakeLive('big > 9007199254740993');
    const q = await f.answer([]);
    f.ws.sub.push({ id: 'a', creationDate: 1, elems: { big: { type: 'long', value: 9223372036854775807n } } });
    f.ws.sub.push({ id: 'b', creationDate: 2, elems: { big: 5n } });
    await tick();
    assert.deepEqual(ids(q.drops), ['a']);
    assert.equal(q.drops[0].elems.big.value, 9223372036854775807n, 'the drop is kept as it came');
    assert.deepEqual(f.events.errors, []);
    await q.close();
  });

  it('keeps user errors away from the query', async () => {
    const thrown = new Error('from onChange');
    const errors = [];
    const f = await fakeLive(undefined, { onChange: () => { throw thrown; }, onError: (e) => errors.push(e) });
    const q = await f.answer([]);
    f.ws.sub.push(drop('a', 1, 1));
    f.ws.sub.push(drop('b', 2, 1));
    await tick();
    assert.deepEqual(errors, [thrown, thrown]);
    assert.deepEqual(ids(q.drops), ['b', 'a']);
    await q.close();
  });

  it('checks its options and filter', async () => {
    const bad = [
      [undefined, { limt: 3 }, /unknown option `limt`; did you mean `limit`\?/],
      [undefined, { limit: 0 }, /limit must be an integer from 1 to 1000/],
      [undefined, { limit: 1001 }, /limit/],
      [undefined, { limit: 2.5 }, /limit/],
      [undefined, { onChange: 'x' }, /onChange must be a function/],
      [undefined, { ws: {} }, /ws must be a connection/],
      ['temp >', {}, /invalid filter/],
      ['a =~ /(?>x)/', {}, /atomic group/],
      [mem.a.re('a++'), {}, /possessive quantifier/],
    ];
    for (const [filter, options, message] of bad) {
      await assert.rejects(startLive(new FakeDrops(), null, 'f1', filter, { ws: new FakeConnection(), ...options }),
        (err) => err instanceof FlowThingsError && err.code === 'input' && message.test(err.message), `${filter} ${JSON.stringify(options)}`);
    }
    const api = new API(new Token('a', 't'), { host: '127.0.0.1:9', wsHost: '127.0.0.1:9', secure: false });
    await assert.rejects(api.drop.live(), { code: 'input', message: /needs a flow/ });
  });
});

describe('live queries against the emulator', { timeout: 60_000 }, () => {
  let emu;
  let api;
  before(async () => {
    emu = await startEmulator();
    api = new API(new Token(emu.account, emu.token), { host: emu.host, wsHost: emu.wsHost, secure: false, WebSocket });
  });
  after(async () => { await emu?.stop(); });

  /** Resolves when check(q) holds after a change. */
  const until = (q, check, what) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), 5000);
    (async () => {
      for await (const drops of q) {
        if (check(drops)) {
          clearTimeout(timer);
          return resolve(drops);
        }
      }
    })().catch(reject);
  });

  it('follows a flow: pushes matched in the module, updates, its own connection', async () => {
    const flow = await api.flow.create({ path: '/dev/live/e2e' });
    const made = [];
    for (let i = 1; i <= 4; i++) made.push(await api.drop(flow.id).create({ elems: { temp: i * 10, name: `s${i}` } }));
    const states = [];
    const q = await api.drop(flow.id).live(mem.temp.gt(15), { limit: 2, onStateChange: (s) => states.push(s) });
    assert.deepEqual(ids(q.drops), [made[3].id, made[2].id]);
    assert.equal(q.drops[0].elems.temp.value, 40, 'v0.1: typed elems');

    await api.drop(flow.id).create({ elems: { temp: 5 } }); // does not match
    const hot = await api.drop(flow.id).create({ elems: { temp: 99 } });
    let drops = await until(q, (d) => d[0]?.id === hot.id, 'the new drop');
    assert.deepEqual(ids(drops), [hot.id, made[3].id]);

    // An updated drop that no longer matches leaves a full list: the query
    // finds again and the next one takes its place.
    await api.drop(flow.id).update({ ...made[3], elems: { temp: 1 } });
    drops = await until(q, (d) => d.length === 2 && d[1].id === made[2].id, 'the list found again');
    assert.deepEqual(ids(drops), [hot.id, made[2].id]);
    assert.equal(q.state, 'live');
    assert.ok(states.includes('resyncing'));

    await q.close();
    assert.equal(q.state, 'closed');
    await api.drop(flow.id).create({ elems: { temp: 100 } });
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(ids(q.drops), [hot.id, made[2].id], 'nothing after close');
  });

  it('has typed elems on an API of plain elems too, found and pushed alike, and HAS sees their types', async () => {
    const plainApi = new API(new Token(emu.account, emu.token), { host: emu.host, secure: false, WebSocket, version: '4.0' });
    const flow = await plainApi.flow.create({ path: '/dev/live/plain-api' });
    const before = await plainApi.drop(flow.id).create({ elems: { mail: { type: 'email', value: 'a@b.example' } } });
    assert.equal(before.elems.mail, 'a@b.example', 'the API itself answers plain elems');
    const q = await plainApi.drop(flow.id).live('HAS email');
    try {
      assert.deepEqual(ids(q.drops), [before.id]);
      const pushed = await plainApi.drop(flow.id).create({ elems: { mail: { type: 'email', value: 'c@d.example' } } });
      await plainApi.drop(flow.id).create({ elems: { mail: 'not typed' } }); // a string: HAS email does not hold
      const drops = await until(q, (d) => d[0]?.id === pushed.id, 'the pushed drop');
      assert.deepEqual(ids(drops), [pushed.id, before.id]);
      assert.deepEqual(drops.map((d) => d.elems.mail), [{ type: 'email', value: 'c@d.example' }, { type: 'email', value: 'a@b.example' }]);
    } finally {
      await q.close();
    }
  });

  it('shares a connection it was given, and leaves it open', async () => {
    const flow = await api.flow.create({ path: '/dev/live/shared' });
    const ws = await api.websocket.connect();
    try {
      const q = await api.drop(flow.id).live(undefined, { ws });
      const d = await api.drop(flow.id).create({ elems: { a: 1 } });
      await until(q, (drops) => drops[0]?.id === d.id, 'the push');
      await q.close();
      const seen = [];
      await ws.subscribe(flow.id, (x) => seen.push(x.id));
      const e = await api.drop(flow.id).create({ elems: { a: 2 } });
      for (let i = 0; i < 100 && !seen.includes(e.id); i++) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(seen, [e.id], 'the connection still works');
    } finally {
      await ws.close();
    }
  });

  it('by flow path, and the platform refusing it', async () => {
    const flow = await api.flow.create({ path: '/dev/live/bypath' });
    const q = await api.drop('/dev/live/bypath').live('EXISTS a');
    const d = await api.drop(flow.id).create({ elems: { a: 0 } });
    await until(q, (drops) => drops[0]?.id === d.id, 'the push');
    await q.close();
    await assert.rejects(api.drop('f000000000000000000000000').live(), { code: 'notFound' });
  });
});

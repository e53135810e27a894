// api.async() and api.lazy().
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { init, API, Token, FlowThingsNotFound, FlowThingsServerError, FlowThingsError } from '../../js/node.js';
import { recorder, response, failure, sleep, deferred, until, tick } from './helpers/transport.js';

before(() => init());

const token = new Token('acct', 'tok-BATCH-1');
const path = (req) => new URL(req.url).pathname.replace('/v0.1/acct', '');

/** A transport answering GET /flow/{id} with { id }, 404 for ids starting with "missing", 500 for "broken". */
function byId({ delay = 0 } = {}) {
  return recorder(async (req) => {
    if (delay) await sleep(typeof delay === 'function' ? delay(req) : delay);
    const p = path(req);
    const id = p.split('/').at(-1);
    if (id.startsWith('missing')) return failure(404, [`${id} not found`]);
    if (id.startsWith('broken')) return failure(500, ['broken']);
    if (req.method === 'GET' && p === '/flow') return response([{ id: 'f-a', path: '/acct/a' }, { id: 'f-b', path: '/acct/b' }]);
    if (req.method === 'GET' && p.startsWith('/drop/')) return response([{ id: 'd1', flowId: p.split('/')[2] }]);
    return response({ id, method: req.method });
  });
}

/** A transport whose every request waits until the test releases it. */
function gated() {
  const gates = [];
  const t = recorder((req) => {
    const d = deferred();
    gates.push({ req, release: (r = response({ id: path(req).split('/').at(-1) })) => d.resolve(r) });
    return d.promise;
  });
  t.gates = gates;
  return t;
}

describe('api.async()', () => {
  it('queues calls: the transport sees nothing until results()', async () => {
    const t = byId();
    const batch = new API(token, { host: 'api.test', transport: t }).async();
    batch.flow.read('a');
    batch.drop('f1').find({ limit: 1 });
    batch.statistics.trackHit('t1', 2024);
    batch.request('GET', '/flow/b');
    await sleep(10);
    assert.equal(t.calls.length, 0);
    const results = await batch.results();
    assert.equal(t.calls.length, 4);
    assert.equal(results.length, 4);
  });
  it('results() are in call order whatever order the responses come in', async () => {
    const t = byId({ delay: (req) => (path(req).endsWith('/a') ? 30 : path(req).endsWith('/b') ? 15 : 1) });
    const batch = new API(token, { host: 'api.test', transport: t }).async();
    batch.flow.read('a');
    batch.flow.read('b');
    batch.flow.read('c');
    assert.deepEqual(await batch.results(), [
      { id: 'a', method: 'GET' }, { id: 'b', method: 'GET' }, { id: 'c', method: 'GET' },
    ]);
  });
  it('has the API\'s shape', () => {
    const batch = new API(token, { host: 'api.test', transport: byId() }).async();
    for (const svc of ['flow', 'track', 'group', 'identity', 'apiTask', 'mqttTask', 'rssTask', 'device', 'token', 'share']) {
      for (const m of ['read', 'readOrElse', 'readMany', 'findMany', 'find', 'create', 'save', 'delete']) {
        assert.equal(typeof batch[svc][m], 'function', `${svc}.${m}`);
      }
    }
    assert.equal(typeof batch.flow.update, 'function');
    assert.equal(typeof batch.token.update, 'undefined');
    assert.equal(typeof batch.drop, 'function');
    assert.equal(typeof batch.drop('f1').aggregate, 'function');
    assert.equal(typeof batch.drop.create, 'function');
    assert.equal(typeof batch.statistics.flowDropAdded, 'function');
    assert.equal(typeof batch.websocket.request, 'function');
  });
  it('rejects with the first error in call order', async () => {
    // "broken" fails first in time, "missing" first in call order.
    const t = byId({ delay: (req) => (path(req).includes('missing') ? 30 : 1) });
    const batch = new API(token, { host: 'api.test', transport: t }).async();
    batch.flow.read('ok1');
    batch.flow.read('missing-1');
    batch.flow.read('broken-1');
    await assert.rejects(batch.results(), (err) => {
      assert.ok(err instanceof FlowThingsNotFound);
      assert.equal(err.path, '/flow/missing-1');
      return true;
    });
  });
  it('results({ withExceptions: true }) gives [err, null] | [null, value] pairs', async () => {
    const batch = new API(token, { host: 'api.test', transport: byId() }).async();
    batch.flow.read('a');
    batch.flow.read('missing-x');
    batch.flow.read('broken-y');
    const results = await batch.results({ withExceptions: true });
    assert.equal(results.length, 3);
    assert.deepEqual(results[0], [null, { id: 'a', method: 'GET' }]);
    assert.ok(results[1][0] instanceof FlowThingsNotFound);
    assert.equal(results[1][1], null);
    assert.ok(results[2][0] instanceof FlowThingsServerError);
    assert.equal(results[2][1], null);
  });
  it('input errors are results too, in their place', async () => {
    const batch = new API(token, { host: 'api.test', transport: byId() }).async();
    batch.flow.read('a');
    batch.flow.read('..');
    const results = await batch.results({ withExceptions: true });
    assert.deepEqual(results[0], [null, { id: 'a', method: 'GET' }]);
    assert.ok(results[1][0] instanceof FlowThingsError);
    assert.equal(results[1][0].code, 'input');
  });
  it('the queue is empty after results()', async () => {
    const t = byId();
    const batch = new API(token, { host: 'api.test', transport: t }).async();
    batch.flow.read('a');
    await batch.results();
    assert.deepEqual(await batch.results(), []);
    assert.equal(t.calls.length, 1);
    batch.flow.read('b');
    assert.deepEqual(await batch.results(), [{ id: 'b', method: 'GET' }]);
    assert.equal(t.calls.length, 2);
  });
  it('the queue is empty after results() rejected', async () => {
    const batch = new API(token, { host: 'api.test', transport: byId() }).async();
    batch.flow.read('missing-1');
    await assert.rejects(batch.results());
    assert.deepEqual(await batch.results(), []);
  });
  for (const concurrency of [1, 3]) {
    it(`respects concurrency ${concurrency}`, async () => {
      const t = byId({ delay: 5 });
      const batch = new API(token, { host: 'api.test', transport: t }).async({ concurrency });
      for (let i = 0; i < 8; i++) batch.flow.read(`f${i}`);
      const results = await batch.results();
      assert.equal(results.length, 8);
      assert.equal(t.maxInFlight, concurrency);
    });
  }
  it('runs 8 calls at once by default', async () => {
    const t = byId({ delay: 5 });
    const batch = new API(token, { host: 'api.test', transport: t }).async();
    for (let i = 0; i < 12; i++) batch.flow.read(`f${i}`);
    await batch.results();
    assert.equal(t.maxInFlight, 8);
  });
  it('refuses a bad concurrency', () => {
    const api = new API(token, { host: 'api.test', transport: byId() });
    for (const c of [0, -1, 1.5, '2']) assert.throws(() => api.async({ concurrency: c }), { code: 'input' });
  });
});

describe('api.lazy()', () => {
  it('calls start at once', async () => {
    const t = gated();
    const lazy = new API(token, { host: 'api.test', transport: t }).lazy();
    const x = lazy.flow.read('a');
    await until(() => t.calls.length === 1, { what: 'the request' });
    assert.equal(path(t.calls[0]), '/flow/a');
    t.gates[0].release();
    assert.deepEqual(await x, { id: 'a' });
  });
  it('a lazy value is a thenable with get() and unwrap()', async () => {
    const lazy = new API(token, { host: 'api.test', transport: byId() }).lazy();
    const flows = lazy.flow.find();
    assert.equal(typeof flows.then, 'function');
    assert.deepEqual(await flows.get(1).get('path'), '/acct/b');
    const p = flows.get(0).unwrap();
    assert.ok(p instanceof Promise);
    assert.deepEqual(await p, { id: 'f-a', path: '/acct/a' });
    assert.equal(await flows.get(5).get('id'), undefined);
  });
  it('a lazy value as an argument: lazy.drop(flows.get(0).get(\'id\')).find({ limit: 10 })', async () => {
    const t = byId();
    const lazy = new API(token, { host: 'api.test', transport: t }).lazy();
    const flows = lazy.flow.find();
    const drops = lazy.drop(flows.get(0).get('id')).find({ limit: 10 });
    assert.deepEqual(await drops, [{ id: 'd1', flowId: 'f-a' }]);
    assert.equal(t.calls[1].url, 'https://api.test/v0.1/acct/drop/f-a?limit=10');
  });
  it('a lazy value as an argument: lazy.flow.read(x.get(\'id\')) and inside params and models', async () => {
    const t = byId();
    const lazy = new API(token, { host: 'api.test', transport: t }).lazy();
    const x = lazy.flow.read('first');
    const y = lazy.flow.read(x.get('id'));
    const z = lazy.flow.create({ name: x.get('id'), tags: [x.get('method')] }, { only: [x.get('id')] });
    assert.deepEqual(await y, { id: 'first', method: 'GET' });
    await z;
    const create = t.calls.find((c) => c.method === 'POST');
    assert.equal(create.body, '{"name":"first","tags":["GET"]}');
    assert.equal(create.url, 'https://api.test/v0.1/acct/flow?only=first');
  });
  it('plain promises work as arguments too', async () => {
    const t = byId();
    const lazy = new API(token, { host: 'api.test', transport: t }).lazy();
    assert.deepEqual(await lazy.flow.read(Promise.resolve('p')), { id: 'p', method: 'GET' });
  });
  it('independent calls run in parallel (both in flight together)', async () => {
    const t = gated();
    const lazy = new API(token, { host: 'api.test', transport: t }).lazy();
    const a = lazy.flow.read('a');
    const b = lazy.track.read('b');
    await until(() => t.calls.length === 2, { what: 'both requests in flight' });
    assert.equal(t.inFlight, 2);
    t.gates[1].release();
    t.gates[0].release();
    assert.deepEqual(await Promise.all([a, b]), [{ id: 'a' }, { id: 'b' }]);
  });
  it('a dependent call waits only for what it uses', async () => {
    const t = gated();
    const lazy = new API(token, { host: 'api.test', transport: t }).lazy();
    const a = lazy.flow.read('a');
    const b = lazy.flow.read('b');
    const dependent = lazy.group.read(b.get('id'));
    await until(() => t.calls.length === 2, { what: 'a and b in flight' });
    await sleep(5);
    assert.equal(t.calls.length, 2, 'the dependent call waits for b');
    t.gates[1].release(); // b finishes; a is still in flight
    await until(() => t.calls.length === 3, { what: 'the dependent call' });
    assert.equal(path(t.calls[2]), '/group/b');
    t.gates[2].release();
    assert.deepEqual(await dependent, { id: 'b' });
    t.gates[0].release();
    await a;
  });
  it('a dependent drop(flow) call does not take a concurrency slot while it waits for its flow', async () => {
    // concurrency 1: x runs; a waits for x's value (outside the limit); c
    // waits for a's value as its flow id. c must not hold the one slot
    // while waiting, or a can never run.
    const t = byId({ delay: 2 });
    const lazy = new API(token, { host: 'api.test', transport: t }).lazy({ concurrency: 1 });
    const x = lazy.flow.read('x');
    const a = lazy.flow.read(x.get('id'));
    const c = lazy.drop(a.get('id')).find({ limit: 1 });
    const outcome = await Promise.race([Promise.all([x, a, c]).then(() => 'done'), sleep(300).then(() => 'deadlock')]);
    assert.equal(outcome, 'done', `requests sent: ${t.calls.map(path).join(', ')}`);
  });
  it('respects concurrency', async () => {
    const t = byId({ delay: 5 });
    const lazy = new API(token, { host: 'api.test', transport: t }).lazy({ concurrency: 2 });
    const all = Array.from({ length: 6 }, (_, i) => lazy.flow.read(`f${i}`));
    await Promise.all(all);
    assert.equal(t.maxInFlight, 2);
  });
  it('await of a failed lazy value rejects; so do values derived from it and calls using it', async () => {
    const t = byId();
    const lazy = new API(token, { host: 'api.test', transport: t }).lazy();
    const missing = lazy.flow.read('missing-1');
    await assert.rejects(async () => await missing, FlowThingsNotFound);
    await assert.rejects(missing.unwrap(), FlowThingsNotFound);
    await assert.rejects(missing.get('id').unwrap(), FlowThingsNotFound);
    const dependent = lazy.flow.read(missing.get('id'));
    await assert.rejects(async () => await dependent, FlowThingsNotFound);
    await tick();
    assert.equal(t.calls.length, 1, 'the dependent call is never sent');
  });
  it('a failed lazy value nobody awaits does not crash the process', async () => {
    const lazy = new API(token, { host: 'api.test', transport: byId() }).lazy();
    lazy.flow.read('missing-unawaited');
    await sleep(10);
  });
  it('catch and finally work on a lazy value', async () => {
    const lazy = new API(token, { host: 'api.test', transport: byId() }).lazy();
    let finished = false;
    const err = await lazy.flow.read('missing-2').finally(() => { finished = true; }).catch((e) => e);
    assert.ok(err instanceof FlowThingsNotFound);
    assert.ok(finished);
    assert.equal(await lazy.flow.read('missing-3').catch(() => 'fallback'), 'fallback');
  });
  it('has the API\'s shape, with drop by flow and statistics', async () => {
    const t = byId();
    const lazy = new API(token, { host: 'api.test', transport: t }).lazy();
    await lazy.drop('f1').aggregate(['$count']);
    await lazy.statistics.flowDropAdded('f1', 2024);
    await lazy.drop.create({ path: '/acct/x', elems: {} });
    await lazy.request('GET', '/flow/r');
    await lazy.websocket.request('POST');
    assert.deepEqual(t.calls.map((c) => `${c.method} ${new URL(c.url).host}${new URL(c.url).pathname}`), [
      'POST api.test/v0.1/acct/drop/f1/aggregate',
      'GET api.test/v0.1/acct/statistics/flowDropAdded/f1/2024',
      'POST api.test/v0.1/acct/drop',
      'GET api.test/v0.1/acct/flow/r',
      'POST api.test/session',
    ]);
  });
  it('a filter built from a lazy value', async () => {
    const t = byId();
    const lazy = new API(token, { host: 'api.test', transport: t }).lazy();
    const flow = lazy.flow.read('f9');
    const found = lazy.drop('f1').find({ filter: { 'elems.src': flow.get('id') } });
    await found;
    assert.equal(new URL(t.calls[1].url).searchParams.get('filter'), "elems.src == 'f9'");
  });
});

// The wire shape of every call: method, exact URL, headers and body text,
// recorded by a fake transport.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { init, API, Token, M, mem, FlowThingsError, FlowThingsNotFound, FlowThingsForbidden, FlowThingsServerError } from '../../js/node.js';
import { recorder, response, failure } from './helpers/transport.js';

const TOKEN = 'tok-WIRE-7f3a9c';
const BASE = 'https://api.test/v0.1/acct';

let transport;
let api;
before(async () => {
  await init();
  transport = recorder();
  api = new API(new Token('acct', TOKEN), { host: 'api.test', transport });
});

/** Percent-encodes a query value as the module does (RFC 3986: only A-Z a-z 0-9 - . _ ~ stay). */
const q = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The headers of a request: the credentials, Accept and, with a body, Content-Type. */
function headers(withBody) {
  const h = { 'X-Auth-Token': TOKEN, 'X-Auth-Account': 'acct', Accept: 'application/json' };
  if (withBody) h['Content-Type'] = 'application/json';
  return h;
}

/** Runs call and returns the one request it sent. */
async function sent(call) {
  transport.reset();
  await call();
  assert.equal(transport.calls.length, 1, 'exactly one request');
  return transport.last();
}

/** Asserts the one request call sends. */
async function wire(call, method, url, body = null) {
  const req = await sent(call);
  assert.deepEqual(req, { method, url, headers: headers(body !== null), body });
}

/** Asserts call is refused with a FlowThingsError of code before sending anything. */
async function refused(call, code = 'input') {
  transport.reset();
  await assert.rejects(async () => call(), (err) => {
    assert.ok(err instanceof FlowThingsError, `${err}`);
    assert.equal(err.code, code, err.message);
    return true;
  });
  assert.equal(transport.calls.length, 0, 'nothing sent');
}

const MUTABLE = [
  ['flow', 'flow'], ['track', 'track'], ['group', 'group'], ['identity', 'identity'],
  ['apiTask', 'api-task'], ['mqttTask', 'mqtt'], ['rssTask', 'rss'], ['device', 'device'],
];
const IMMUTABLE = [['token', 'token'], ['share', 'share']];

/** The operations every service has, on a service object svc at url. */
function commonOperations(svc, url) {
  it('read', () => wire(() => svc().read('x1'), 'GET', `${url}/x1`));
  it('read with params: only=a,b, refs=1 and other params', () =>
    wire(() => svc().read('x1', { only: ['a', 'b'], refs: true, hints: 0, text: 'a b&c' }), 'GET',
      `${url}/x1?hints=0&only=a%2Cb&refs=1&text=a%20b%26c`));
  it('read escapes the id as one path segment', () => wire(() => svc().read('a/b c'), 'GET', `${url}/a%2Fb%20c`));
  it('readOrElse reads', () => wire(() => svc().readOrElse('x1', 'fb'), 'GET', `${url}/x1`));
  it('readMany is an MGET of the ids', () => wire(() => svc().readMany(['x1', 'x2']), 'MGET', url, '["x1","x2"]'));
  it('findMany without filters', () => wire(() => svc().findMany(), 'GET', url));
  it('findMany with params', () => wire(() => svc().findMany({ limit: 10, skip: 5 }), 'GET', `${url}?limit=10&skip=5`));
  it('findMany with one filter', () => wire(() => svc().findMany(mem.name.eq('a')), 'GET', `${url}?filter=name%20%3D%3D%20%27a%27`));
  it('findMany ANDs its filters after params.filter', () =>
    wire(() => svc().findMany(mem.a.gt(1), 'b == 2', { filter: mem.c.eq(true), limit: 3 }), 'GET',
      `${url}?filter=${q('(c == true) && (a > 1) && (b == 2)')}&limit=3`));
  it('find(string) reads', () => wire(() => svc().find('x1', { only: ['a'] }), 'GET', `${url}/x1?only=a`));
  it('find(array) reads many', () => wire(() => svc().find(['x1']), 'MGET', url, '["x1"]'));
  it('find(filters, params) finds', () =>
    wire(() => svc().find(mem.a.eq(1), { sort: 'a' }), 'GET', `${url}?filter=a%20%3D%3D%201&sort=a`));
  it('find(params) finds', () => wire(() => svc().find({ limit: 1 }), 'GET', `${url}?limit=1`));
  it('find() finds all', () => wire(() => svc().find(), 'GET', url));
  it('create', () => wire(() => svc().create({ name: 'n', list: [1, 'two', null] }), 'POST', url, '{"name":"n","list":[1,"two",null]}'));
  it('create with params', () => wire(() => svc().create({ a: 1 }, { refs: true }), 'POST', `${url}?refs=1`, '{"a":1}'));
  it('save of a new object creates', () => wire(() => svc().save({ a: 1 }), 'POST', url, '{"a":1}'));
  it('delete', () => wire(() => svc().delete('x1'), 'DELETE', `${url}/x1`));
  it('delete with data and params', () => wire(() => svc().delete('x1', { why: 'old' }, { a: 1 }), 'DELETE', `${url}/x1?a=1`, '{"why":"old"}'));
}

/** update, updateMany and save of existing objects. */
function updateOperations(svc, url) {
  it('update(object) sends it whole to its id', () =>
    wire(() => svc().update({ id: 'x1', a: 1, b: { c: 2 } }), 'PUT', `${url}/x1`, '{"id":"x1","a":1,"b":{"c":2}}'));
  it('update(M) sends only the diff to the model\'s id', () =>
    wire(() => svc().update(M({ id: 'x1', a: 1, b: 2 }).modify('a', 5).modify('c', [1])), 'PUT', `${url}/x1`, '{"a":5,"c":[1]}'));
  it('update with params', () => wire(() => svc().update({ id: 'x1' }, { refs: true }), 'PUT', `${url}/x1?refs=1`, '{"id":"x1"}'));
  it('updateMany of models and Ms is an MPUT of id → changes', () =>
    wire(() => svc().updateMany([{ id: 'x1', a: 1 }, M({ id: 'x2', a: 1 }).modify('b', 2)]), 'MPUT', url,
      '{"x1":{"id":"x1","a":1},"x2":{"b":2}}'));
  it('updateMany of a plain id → changes object', () =>
    wire(() => svc().updateMany({ x1: { a: 1 }, x2: { b: 'c' } }), 'MPUT', url, '{"x1":{"a":1},"x2":{"b":"c"}}'));
  it('save(object with id) updates it', () => wire(() => svc().save({ id: 'x1', a: 1 }), 'PUT', `${url}/x1`, '{"id":"x1","a":1}'));
  it('save(M) updates the diff', () => wire(() => svc().save(M({ id: 'x1', a: 1 }, { a: 2 })), 'PUT', `${url}/x1`, '{"a":2}'));
  it('save(list) updates many', () =>
    wire(() => svc().save([M({ id: 'x1' }).modify('a', 1), { id: 'x2', b: 2 }]), 'MPUT', url, '{"x1":{"a":1},"x2":{"id":"x2","b":2}}'));
}

for (const [name, segment] of MUTABLE) {
  describe(`api.${name}`, () => {
    commonOperations(() => api[name], `${BASE}/${segment}`);
    updateOperations(() => api[name], `${BASE}/${segment}`);
  });
}

for (const [name, segment] of IMMUTABLE) {
  describe(`api.${name}`, () => {
    commonOperations(() => api[name], `${BASE}/${segment}`);
    it('has no update or updateMany', () => {
      assert.equal(typeof api[name].update, 'undefined');
      assert.equal(typeof api[name].updateMany, 'undefined');
    });
    it('save of a model with an id rejects with code unsupported', async () => {
      await refused(() => api[name].save({ id: 'x1', a: 1 }), 'unsupported');
      await refused(() => api[name].save(M({ id: 'x1' }).modify('a', 1)), 'unsupported');
      await refused(() => api[name].save([{ id: 'x1', a: 1 }]), 'unsupported');
    });
  });
}

describe('api.drop(flowId)', () => {
  const url = `${BASE}/drop/f1`;
  commonOperations(() => api.drop('f1'), url);
  updateOperations(() => api.drop('f1'), url);
  it('deleteAll empties the flow', () => wire(() => api.drop('f1').deleteAll(), 'DELETE', url));
  it('aggregate(output, { groupBy, filter, rules, sorts })', () =>
    wire(() => api.drop('f1').aggregate(['$count', '$avg:elems.n'], {
      groupBy: ['elems.kind'], filter: mem.elems.n.gt(1), rules: { big: mem.elems.n.gte(10), named: 'EXISTS elems.name' }, sorts: ['-$count'],
    }), 'POST', `${url}/aggregate`,
    '{"output":["$count","$avg:elems.n"],"groupBy":["elems.kind"],"filter":"elems.n > 1","rules":{"big":"elems.n >= 10","named":"EXISTS elems.name"},"sorts":["-$count"]}'));
  it('aggregate({ output, … }, params) takes object filters too', () =>
    wire(() => api.drop('f1').aggregate({ output: ['$count'], groupBy: ['a'], filter: { n: { $lt: 3 } }, rules: { r: { b: 'x' } } }, { limit: 2 }), 'POST',
      `${url}/aggregate?limit=2`, '{"output":["$count"],"groupBy":["a"],"filter":"n < 3","rules":{"r":"b == \'x\'"}}'));
  it('aggregate with output only', () =>
    wire(() => api.drop('f1').aggregate(['$count']), 'POST', `${url}/aggregate`, '{"output":["$count"],"groupBy":[]}'));
  it('drop ids are escaped', () => wire(() => api.drop('f 1').read('d/1'), 'GET', `${BASE}/drop/f%201/d%2F1`));
});

describe('api.drop(\'/path\') and api.drop.create', () => {
  it('create posts to /drop with the path in the body', () =>
    wire(() => api.drop('/acct/x').create({ elems: { a: 1 } }), 'POST', `${BASE}/drop`, '{"path":"/acct/x","elems":{"a":1}}'));
  it('save of a new drop posts by path', () =>
    wire(() => api.drop('/acct/x').save({ elems: {} }), 'POST', `${BASE}/drop`, '{"path":"/acct/x","elems":{}}'));
  it('find sends the path as a param', () =>
    wire(() => api.drop('/acct/x').find(mem.elems.a.eq(1), { limit: 2 }), 'GET', `${BASE}/drop?filter=elems.a%20%3D%3D%201&limit=2&path=%2Facct%2Fx`));
  it('findMany sends the path as a param', () =>
    wire(() => api.drop('/acct/x').findMany(), 'GET', `${BASE}/drop?path=%2Facct%2Fx`));
  it('api.drop.create posts the model, which names its path', () =>
    wire(() => api.drop.create({ path: '/acct/x', elems: { a: { type: 'integer', value: 1 } } }), 'POST', `${BASE}/drop`,
      '{"path":"/acct/x","elems":{"a":{"type":"integer","value":1}}}'));
  it('api.drop.find with a path param', () =>
    wire(() => api.drop.find({ path: '/acct/x' }), 'GET', `${BASE}/drop?path=%2Facct%2Fx`));
  it('operations that need a flow id are refused by path', async () => {
    const byPath = api.drop('/acct/x');
    await refused(() => byPath.read('d1'));
    await refused(() => byPath.readMany(['d1']));
    await refused(() => byPath.update({ id: 'd1' }));
    await refused(() => byPath.delete('d1'));
    await refused(() => byPath.deleteAll());
    await refused(() => byPath.aggregate(['$count']));
  });
  it('api.drop without a flow refuses id-addressed operations', async () => {
    await refused(() => api.drop.read('d1'));
    await refused(() => api.drop.create({ elems: {} })); // no path member
    await refused(() => api.drop.deleteAll());
  });
  it('api.drop(x) needs a non-empty string', async () => {
    assert.throws(() => api.drop(''), { code: 'input' });
    assert.throws(() => api.drop(5), { code: 'input' });
  });
});

describe('api.statistics', () => {
  const STATS = ['flowDropAdded', 'flowTracked', 'trackHit', 'trackPass', 'apiCallByIdentity', 'dropCreatedBy'];
  for (const stat of STATS) {
    it(`${stat}(id, year?, month?, day?, level?)`, async () => {
      const url = `${BASE}/statistics/${stat}/x1`;
      await wire(() => api.statistics[stat]('x1'), 'GET', url);
      await wire(() => api.statistics[stat]('x1', 2024), 'GET', `${url}/2024`);
      await wire(() => api.statistics[stat]('x1', 2024, 2), 'GET', `${url}/2024/2`);
      await wire(() => api.statistics[stat]('x1', 2024, 2, 29), 'GET', `${url}/2024/2/29`);
      await wire(() => api.statistics[stat]('x1', 2024, 2, 29, 'hour'), 'GET', `${url}/2024/2/29?level=hour`);
    });
  }
  it('a level without a date, and trailing params', async () => {
    await wire(() => api.statistics.flowTracked('f', undefined, undefined, undefined, 'day'), 'GET', `${BASE}/statistics/flowTracked/f?level=day`);
    await wire(() => api.statistics.trackHit('t', 2023, { limit: 1 }), 'GET', `${BASE}/statistics/trackHit/t/2023?limit=1`);
  });
  it('a day without a month, or a non-number year, is refused', async () => {
    await refused(() => api.statistics.trackPass('t', 2024, undefined, 3));
    await refused(() => api.statistics.trackPass('t', '2024'));
  });
});

describe('api.request and api.websocket.request', () => {
  it('request(method, path) below the account', () => wire(() => api.request('GET', '/flow/x1'), 'GET', `${BASE}/flow/x1`));
  it('request with data and params', () =>
    wire(() => api.request('PUT', '/flow/x1', { a: [1] }, { only: ['a'], refs: true }), 'PUT', `${BASE}/flow/x1?only=a&refs=1`, '{"a":[1]}'));
  it('request with a custom method', () => wire(() => api.request('MGET', '/track', ['t1']), 'MGET', `${BASE}/track`, '["t1"]'));
  it('websocket.request defaults to POST /session on the WebSocket host', () =>
    wire(() => api.websocket.request('POST'), 'POST', 'https://api.test/session'));
  it('websocket.request with path, data and params', () =>
    wire(() => api.websocket.request('PUT', '/session/s1', { x: 1 }, { a: 'b' }), 'PUT', 'https://api.test/session/s1?a=b', '{"x":1}'));
});

describe('results', () => {
  it('a call resolves to the envelope\'s body', async () => {
    const t = recorder(() => response({ id: 'x1', n: [1, 2] }));
    const a = new API(new Token('acct', TOKEN), { host: 'api.test', transport: t });
    assert.deepEqual(await a.flow.read('x1'), { id: 'x1', n: [1, 2] });
  });
  it('refs: true resolves to [body, references]', async () => {
    const t = recorder(() => response({ id: 'x1' }, { references: { f1: { id: 'f1', path: '/acct/p' } } }));
    const a = new API(new Token('acct', TOKEN), { host: 'api.test', transport: t });
    assert.deepEqual(await a.flow.read('x1', { refs: true }), [{ id: 'x1' }, { f1: { id: 'f1', path: '/acct/p' } }]);
    assert.deepEqual(await a.drop('f1').find({ refs: true }), [{ id: 'x1' }, { f1: { id: 'f1', path: '/acct/p' } }]);
  });
  it('refs: true without references in the head gives {}', async () => {
    const a = new API(new Token('acct', TOKEN), { host: 'api.test', transport: recorder(() => response([1])) });
    assert.deepEqual(await a.flow.find({ refs: true }), [[1], {}]);
  });
  it('an absent or null body is {}', async () => {
    const a = new API(new Token('acct', TOKEN), { host: 'api.test', transport: recorder(() => response(null)) });
    assert.deepEqual(await a.flow.delete('x1'), {});
  });
});

describe('readOrElse', () => {
  const withStatus = (status) => new API(new Token('acct', TOKEN), { host: 'api.test', transport: recorder(() => failure(status, ['no'])) });
  it('answers a 404 with the fallback', async () => {
    const fb = { fallback: true };
    assert.equal(await withStatus(404).flow.readOrElse('x1', fb), fb);
    assert.equal(await withStatus(404).drop('f1').readOrElse('d1', null), null);
  });
  it('rejects on 403 and 500', async () => {
    await assert.rejects(withStatus(403).flow.readOrElse('x1', 'fb'), FlowThingsForbidden);
    await assert.rejects(withStatus(500).flow.readOrElse('x1', 'fb'), FlowThingsServerError);
  });
  it('returns the object when it exists', async () => {
    const a = new API(new Token('acct', TOKEN), { host: 'api.test', transport: recorder(() => response({ id: 'x1' })) });
    assert.deepEqual(await a.flow.readOrElse('x1', 'fb'), { id: 'x1' });
  });
  it('a plain read of a 404 rejects with FlowThingsNotFound', async () => {
    await assert.rejects(withStatus(404).flow.read('x1'), FlowThingsNotFound);
  });
});

describe('input refused before any request', () => {
  it('bad ids', async () => {
    await refused(() => api.flow.read('..'));
    await refused(() => api.flow.read('.'));
    await refused(() => api.flow.read(''));
    await refused(() => api.flow.delete('..'));
    await refused(() => api.drop('..').read('d1'));
    await refused(() => api.flow.update({ a: 1 })); // no id
    await refused(() => api.flow.update(M({ a: 1 }).modify('a', 2)));
    await refused(() => api.flow.readMany('x1')); // not an array
  });
  it('params that are not a plain object', async () => {
    await refused(() => api.flow.read('x1', 5));
    await refused(() => api.flow.read('x1', 'limit=1'));
    await refused(() => api.flow.read('x1', new Map()));
    await refused(() => api.flow.find('x1', { timeoutMs: -1 }));
    await refused(() => api.flow.find({ nested: { a: 1 } }));
  });
  it('bad methods and paths in api.request', async () => {
    await refused(() => api.request('', '/flow'));
    await refused(() => api.request('G ET', '/flow'));
    await refused(() => api.request('GET\r\nX-Evil: 1', '/flow'));
    await refused(() => api.request('GET', 'flow'));
    await refused(() => api.request('GET', '/flow/../x'));
  });
  it('bad models and filters', async () => {
    const cyclic = {};
    cyclic.self = cyclic;
    await refused(() => api.flow.create());
    await refused(() => api.flow.create(cyclic));
    await refused(() => api.flow.updateMany('x1'));
    await refused(() => api.flow.findMany(5));
    await refused(() => api.flow.find('x1', mem.a.eq(1)));
    await refused(() => api.flow.find(mem.a.re('x', 'z'))); // a flag the renderer refuses
    await refused(() => api.flow.find({ filter: {} }));
  });
  it('every method returns a Promise, even for input it refuses', async () => {
    // "Every method returns a Promise": bad input must reject, not throw synchronously.
    const calls = {
      'read(\'..\')': () => api.flow.read('..'),
      'read(id, 5)': () => api.flow.read('x1', 5),
      'readMany(\'x\')': () => api.flow.readMany('x'),
      'create()': () => api.flow.create(),
      'find(bad filter)': () => api.flow.find({ filter: { a: { $foo: 1 } } }), // a bad Filter is refused when built
      'request(\'G ET\')': () => api.request('G ET', '/flow'),
    };
    const threw = [];
    for (const [name, call] of Object.entries(calls)) {
      let p;
      try {
        p = call();
      } catch {
        threw.push(name);
        continue;
      }
      assert.ok(p instanceof Promise, name);
      await assert.rejects(p, { code: 'input' });
    }
    assert.deepEqual(threw, [], 'these calls threw synchronously instead of returning a rejected Promise');
  });
});

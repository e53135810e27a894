// The options of new API, the request controls (signal, timeoutMs) and what
// the transport is given.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { init, API, Token, defaults, FlowThingsError } from '../../js/node.js';
import { recorder, response, sleep, deferred } from './helpers/transport.js';

const TOKEN = 'tok-OPTS-51e0d2';
const token = new Token('acct', TOKEN);

before(() => init());

/** An API with a recording transport and options; returns [api, transport]. */
function make(options = {}, respond) {
  const transport = recorder(respond);
  return [new API(token, { host: 'api.test', transport, ...options }), transport];
}

/** A transport that answers after ms (or never, when ms is Infinity), recording the signal it got. */
function slow(ms) {
  return recorder(async (req) => {
    if (ms === Infinity) await new Promise(() => {});
    await sleep(ms);
    return response({ late: true });
  });
}

describe('defaults', () => {
  it('have no host: nothing targets the defunct hosted platform', () => {
    assert.equal('host' in defaults, false);
    assert.equal('wsHost' in defaults, false);
    assert.equal(defaults.secure, true);
    assert.equal(defaults.version, '0.1');
    assert.deepEqual({ ...defaults.params }, {});
    assert.equal(defaults.timeoutMs, 30000);
    assert.ok(Object.isFrozen(defaults));
  });
  it('host is required, with an error that says what to pass', () => {
    for (const options of [undefined, {}, { host: undefined }, { wsHost: 'ws.example', transport: recorder() }]) {
      assert.throws(() => new API(token, options), (err) => {
        assert.ok(err instanceof FlowThingsError);
        assert.equal(err.code, 'input');
        assert.equal(err.field, 'host');
        assert.match(err.message, /host.*is required.*127\.0\.0\.1:4000.*secure off/);
        return true;
      });
    }
  });
  it('wsHost defaults to host, never to another name', async () => {
    const [api, t] = make({ host: 'localhost:4000', secure: false });
    await api.websocket.request('POST');
    assert.equal(t.last().url, 'http://localhost:4000/session');
  });
  it('an unknown option is an input error naming it and the nearest known one', () => {
    for (const [typo, near] of [['hots', 'host'], ['wshost', 'wsHost'], ['timeout', 'timeoutMs'], ['transprot', 'transport'], ['websocket', 'WebSocket']]) {
      assert.throws(() => new API(token, { host: 'api.test', [typo]: 'x' }), (err) => {
        assert.equal(err.code, 'input');
        assert.equal(err.field, typo);
        assert.ok(err.message.includes(`unknown option \`${typo}\`; did you mean \`${near}\`?`), err.message);
        return true;
      });
    }
    // The case: a typo'd host never falls back to a default.
    assert.throws(() => new API(token, { hots: '127.0.0.1:4000', secure: false }), /did you mean `host`/);
  });
});

describe('options', () => {
  it('host and secure: false', async () => {
    const [api, t] = make({ host: 'localhost:8080', secure: false });
    await api.flow.read('f1');
    assert.equal(t.last().url, 'http://localhost:8080/v0.1/acct/flow/f1');
  });
  it('version goes into the URL', async () => {
    const [api, t] = make({ version: '4.0' });
    await api.flow.find();
    assert.equal(t.last().url, 'https://api.test/v4.0/acct/flow');
  });
  it('wsHost and secure: false for api.websocket.request', async () => {
    const [api, t] = make({ wsHost: 'localhost:9090', secure: false });
    await api.websocket.request('POST');
    assert.equal(t.last().url, 'http://localhost:9090/session');
  });
  it('namespace addresses another account while X-Auth-Account stays the own account', async () => {
    const [api, t] = make({ namespace: 'other' });
    await api.flow.read('f1');
    assert.equal(t.last().url, 'https://api.test/v0.1/other/flow/f1');
    assert.equal(t.last().headers['X-Auth-Account'], 'acct');
    assert.equal(t.last().headers['X-Auth-Token'], TOKEN);
    await api.request('GET', '/share');
    assert.equal(t.last().url, 'https://api.test/v0.1/other/share');
    assert.equal(t.last().headers['X-Auth-Account'], 'acct');
  });
  it('all of host, secure, version and namespace together', async () => {
    const [api, t] = make({ host: 'h.example', secure: false, version: '4.0', namespace: 'ns' });
    await api.drop('f1').find({ limit: 1 });
    assert.equal(t.last().url, 'http://h.example/v4.0/ns/drop/f1?limit=1');
  });
  it('default params are merged into every call; the call\'s params win', async () => {
    const [api, t] = make({ params: { limit: 5, hints: false, only: ['a'] } });
    await api.flow.find();
    assert.equal(t.last().url, 'https://api.test/v0.1/acct/flow?hints=false&limit=5&only=a');
    await api.flow.find({ limit: 7, skip: 1 });
    assert.equal(t.last().url, 'https://api.test/v0.1/acct/flow?hints=false&limit=7&only=a&skip=1');
    await api.flow.read('f1', { only: ['b', 'c'] });
    assert.equal(t.last().url, 'https://api.test/v0.1/acct/flow/f1?hints=false&limit=5&only=b%2Cc');
  });
  it('a filter in the default params is rendered', async () => {
    const [api, t] = make({ params: { filter: { kind: 'x' } } });
    await api.flow.find();
    assert.equal(t.last().url, 'https://api.test/v0.1/acct/flow?filter=kind%20%3D%3D%20%27x%27');
  });
  it('new API accepts an { account, token } object', async () => {
    const t = recorder();
    const api = new API({ account: 'acct', token: TOKEN }, { host: 'api.test', transport: t });
    await api.flow.read('f1');
    assert.equal(t.last().headers['X-Auth-Token'], TOKEN);
  });
  it('bad options throw FlowThingsError code input', () => {
    assert.throws(() => new API(null), { name: 'FlowThingsError', code: 'input' });
    assert.throws(() => new API('acct'), { code: 'input' });
    assert.throws(() => new API(token, { host: 'api.test', transport: 'fetch' }), { code: 'input' });
    assert.throws(() => new API(token, { host: 'api.test', params: 5 }), { code: 'input' });
    assert.throws(() => new API(token, { host: 'api.test', secure: 'no' }), { code: 'input' });
  });
  it('the API object is frozen', () => {
    const [api] = make();
    assert.ok(Object.isFrozen(api));
  });
});

describe('signal and timeoutMs', () => {
  it('are never sent as query params', async () => {
    const [api, t] = make();
    const ac = new AbortController();
    await api.flow.read('f1', { signal: ac.signal, timeoutMs: 5000, limit: 1 });
    assert.equal(t.last().url, 'https://api.test/v0.1/acct/flow/f1?limit=1');
    await api.drop('f1').aggregate(['$count'], {}, { signal: ac.signal, timeoutMs: 5000 });
    assert.equal(t.last().url, 'https://api.test/v0.1/acct/drop/f1/aggregate');
    await api.statistics.trackHit('t1', 2024, { timeoutMs: 1000 });
    assert.equal(t.last().url, 'https://api.test/v0.1/acct/statistics/trackHit/t1/2024');
    await api.request('GET', '/flow', undefined, { signal: ac.signal, timeoutMs: 1000 });
    assert.equal(t.last().url, 'https://api.test/v0.1/acct/flow');
  });
  it('timeoutMs with a slow transport rejects with code timeout, and aborts the transport\'s signal', async () => {
    const t = slow(Infinity);
    const api = new API(token, { host: 'api.test', transport: t });
    const started = Date.now();
    await assert.rejects(api.flow.read('f1', { timeoutMs: 20 }), (err) => {
      assert.ok(err instanceof FlowThingsError);
      assert.equal(err.code, 'timeout');
      assert.equal(err.method, 'GET');
      assert.equal(err.path, '/flow/f1');
      return true;
    });
    assert.ok(Date.now() - started < 1000);
    assert.equal(t.calls.length, 1);
    assert.equal(t.calls[0].signal.aborted, true, 'the transport is told to stop');
  });
  it('the timeoutMs option is the default of every call', async () => {
    const api = new API(token, { host: 'api.test', transport: slow(Infinity), timeoutMs: 15 });
    await assert.rejects(api.flow.find(), { code: 'timeout' });
  });
  it('a call that finishes in time is not affected by its timeout', async () => {
    const api = new API(token, { host: 'api.test', transport: slow(5) });
    assert.deepEqual(await api.flow.read('f1', { timeoutMs: 1000 }), { late: true });
  });
  it('an AbortSignal aborted before the call rejects with code aborted and sends nothing', async () => {
    const [api, t] = make();
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(api.flow.read('f1', { signal: ac.signal }), { name: 'FlowThingsError', code: 'aborted' });
    assert.equal(t.calls.length, 0);
  });
  it('an AbortSignal aborted during the call rejects with code aborted and aborts the transport\'s signal', async () => {
    const started = deferred();
    const t = recorder(async () => { started.resolve(); await new Promise(() => {}); });
    const api = new API(token, { host: 'api.test', transport: t });
    const ac = new AbortController();
    const p = api.flow.update({ id: 'f1', a: 1 }, { signal: ac.signal });
    await started.promise;
    ac.abort(new Error('user left'));
    await assert.rejects(p, (err) => {
      assert.ok(err instanceof FlowThingsError);
      assert.equal(err.code, 'aborted');
      assert.equal(err.method, 'PUT');
      return true;
    });
    assert.equal(t.calls[0].signal.aborted, true);
  });
  it('a negative or non-number timeoutMs is refused', async () => {
    const [api, t] = make();
    await assert.rejects(async () => api.flow.read('f1', { timeoutMs: -5 }), { code: 'input' });
    await assert.rejects(async () => api.flow.read('f1', { timeoutMs: '10' }), { code: 'input' });
    assert.equal(t.calls.length, 0);
  });
});

describe('the transport', () => {
  it('gets { method, url, headers, body, signal } with a plain headers object and a string or null body', async () => {
    const [api, t] = make();
    await api.flow.create({ a: 1 });
    const req = t.calls[0];
    assert.deepEqual(Object.keys(req).sort(), ['body', 'headers', 'method', 'signal', 'url']);
    assert.equal(Object.getPrototypeOf(req.headers), Object.prototype);
    assert.equal(typeof req.body, 'string');
    assert.ok(req.signal instanceof AbortSignal);
    await api.flow.read('f1');
    assert.equal(t.calls[1].body, null);
  });
  it('a transport resolving to something other than { status, body } rejects with code transport', async () => {
    for (const bad of [undefined, null, {}, { status: '200', body: '' }, { status: 200, body: { head: {} } }]) {
      const api = new API(token, { host: 'api.test', transport: async () => bad });
      await assert.rejects(api.flow.read('f1'), { name: 'FlowThingsError', code: 'transport' });
    }
  });
});

describe('options left undefined', () => {
  before(() => init());
  it('keep their defaults instead of becoming "undefined"', async () => {
    const t = recorder(() => sleep(50).then(() => response({})));
    const api = new API(token, { host: 'h.test', version: undefined, timeoutMs: undefined, secure: undefined, transport: t });
    await api.flow.read('f1');
    assert.equal(t.calls[0].url, `https://h.test/v${defaults.version}/acct/flow/f1`);
  });
  it('refuse request controls among the default params', () => {
    for (const params of [{ timeoutMs: 5 }, { signal: new AbortController().signal }]) {
      assert.throws(() => new API(token, { host: 'api.test', params }), (err) => err instanceof FlowThingsError && err.code === 'input');
    }
  });
});

describe('built requests kept per API', () => {
  before(() => init());
  it('an identical call sends the identical request, whatever the transport did to the last one', async () => {
    const t = recorder((req) => { req.headers['X-Mangled'] = 'yes'; return response({}); });
    const api = new API(token, { host: 'h.test', transport: t });
    await api.flow.read('f1');
    await api.flow.read('f1');
    await api.flow.read('f2', { limit: 1 });
    assert.equal(t.calls.length, 3);
    assert.equal(t.calls[1].url, t.calls[0].url);
    assert.equal(t.calls[1].headers['X-Mangled'], 'yes', 'the transport got its own copy');
    assert.notEqual(t.calls[1].headers, t.calls[0].headers);
    assert.equal(t.calls[2].url, 'https://h.test/v0.1/acct/flow/f2?limit=1');
  });
  it('many different calls each get their own request', async () => {
    const t = recorder();
    const api = new API(token, { host: 'h.test', transport: t });
    for (let i = 0; i < 300; i++) await api.flow.read(`f${i % 150}`);
    assert.deepEqual(t.calls.map((c) => c.url), Array.from({ length: 300 }, (_, i) => `https://h.test/v0.1/acct/flow/f${i % 150}`));
  });
});

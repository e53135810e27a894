// Errors: the class of each failure, their fields, non-envelope responses,
// transport failures, and that the token never shows.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import util from 'node:util';
import {
  init, API, Token, FlowThingsError, FlowThingsException, FlowThingsBadRequest, FlowThingsForbidden,
  FlowThingsNotFound, FlowThingsServerError,
} from '../../js/node.js';
import { recorder, failure, envelope } from './helpers/transport.js';

const TOKEN = 'SECRET-tok-9b1c44e2d7';

before(() => init());

/** An API whose transport answers every request with respond(). */
const apiAnswering = (respond, options = {}) => new API(new Token('acct', TOKEN), { host: 'api.test', transport: recorder(respond), ...options });

/** The error a call rejects with. */
async function errorOf(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('the call did not reject');
}

/** Asserts the token is nowhere in err. */
function assertNoToken(err) {
  for (const [what, text] of Object.entries({
    message: err.message, stack: err.stack, json: JSON.stringify(err), string: String(err),
    inspect: util.inspect(err, { depth: 10 }), errors: JSON.stringify(err.errors ?? null), messages: JSON.stringify(err.messages ?? null),
  })) {
    assert.ok(!String(text).includes(TOKEN), `the token shows in ${what}: ${text}`);
  }
}

describe('status → class', () => {
  const cases = [
    [400, FlowThingsBadRequest, 'badRequest'],
    [401, FlowThingsForbidden, 'forbidden'],
    [403, FlowThingsForbidden, 'forbidden'],
    [404, FlowThingsNotFound, 'notFound'],
    [500, FlowThingsServerError, 'server'],
    [502, FlowThingsServerError, 'server'],
    [503, FlowThingsServerError, 'server'],
    [413, FlowThingsException, 'platform'],
    [409, FlowThingsException, 'platform'],
  ];
  for (const [status, Class, code] of cases) {
    it(`${status} → ${Class.name}`, async () => {
      const api = apiAnswering(() => failure(status, ['it failed', 'twice']));
      const err = await errorOf(api.drop('f1').read('d1'));
      assert.equal(err.constructor, Class);
      assert.equal(err.name, Class.name);
      assert.ok(err instanceof FlowThingsException);
      assert.ok(err instanceof FlowThingsError);
      assert.ok(err instanceof Error);
      assert.equal(err.code, code);
      assert.equal(err.status, status);
      assert.deepEqual(err.errors, ['it failed', 'twice']);
      assert.equal(err.method, 'GET');
      assert.equal(err.path, '/drop/f1/d1');
      assert.equal(err.account, 'acct');
      assert.match(err.message, new RegExp(`${status}`));
      assert.match(err.message, /it failed/);
      assertNoToken(err);
    });
  }
  it('the classes are distinct subclasses', () => {
    for (const C of [FlowThingsBadRequest, FlowThingsForbidden, FlowThingsNotFound, FlowThingsServerError]) {
      assert.equal(Object.getPrototypeOf(C), FlowThingsException);
    }
    assert.equal(Object.getPrototypeOf(FlowThingsException), FlowThingsError);
    assert.equal(Object.getPrototypeOf(FlowThingsError), Error);
    const e = new FlowThingsNotFound('x', { status: 404 });
    assert.ok(!(e instanceof FlowThingsForbidden));
  });
  it('fields of an MPUT and of a namespaced call', async () => {
    const err = await errorOf(apiAnswering(() => failure(400, ['bad']), { namespace: 'other' }).flow.updateMany({ f1: { a: 1 } }));
    assert.ok(err instanceof FlowThingsBadRequest);
    assert.equal(err.method, 'MPUT');
    assert.equal(err.path, '/flow');
    assert.equal(typeof err.account, 'string');
  });
  it('the envelope\'s messages are kept', async () => {
    const err = await errorOf(apiAnswering(() => failure(400, ['bad'], { messages: ['hint'] })).flow.read('f1'));
    assert.deepEqual(err.messages, ['hint']);
  });
  it('a failure status with an ok:true head still rejects by status', async () => {
    const api = apiAnswering(() => ({ status: 404, headers: {}, body: envelope(null, { status: 404, ok: true }) }));
    await assert.rejects(api.flow.read('f1'), FlowThingsException);
  });
});

describe('non-envelope responses reject with code malformedResponse', () => {
  const bodies = {
    'an HTML 502': [502, '<html><body>Bad Gateway</body></html>'],
    'an empty body': [200, ''],
    'a null body': [200, null],
    'invalid JSON': [200, '{"head": {'],
    'JSON without head': [200, '{"body":{"id":"x"}}'],
    'a JSON array': [200, '[1,2]'],
    'a head that is not an object': [200, '{"head":"ok","body":{}}'],
  };
  for (const [name, [status, body]] of Object.entries(bodies)) {
    it(name, async () => {
      const err = await errorOf(apiAnswering(() => ({ status, headers: {}, body })).flow.read('f1'));
      assert.equal(err.constructor, FlowThingsError);
      assert.ok(!(err instanceof FlowThingsException));
      assert.equal(err.code, 'malformedResponse');
      assert.equal(err.method, 'GET');
      assert.equal(err.path, '/flow/f1');
      assertNoToken(err);
    });
  }
});

describe('transport failures', () => {
  it('a transport that throws → code transport, with the cause', async () => {
    const cause = new TypeError('fetch failed: ECONNREFUSED');
    const err = await errorOf(apiAnswering(() => { throw cause; }).flow.read('f1'));
    assert.equal(err.constructor, FlowThingsError);
    assert.equal(err.code, 'transport');
    assert.equal(err.method, 'GET');
    assert.equal(err.path, '/flow/f1');
    assert.notEqual(err.cause, cause, 'a redacted copy, never the original');
    assert.ok(err.cause instanceof TypeError);
    assert.equal(err.cause.message, cause.message);
    assert.match(err.message, /ECONNREFUSED/);
    assertNoToken(err);
  });
  it('a transport that rejects with a non-Error → code transport', async () => {
    const err = await errorOf(apiAnswering(() => Promise.reject('down')).flow.read('f1'));
    assert.equal(err.code, 'transport');
    assert.match(err.message, /down/);
  });
});

describe('the token never shows', () => {
  it('when the server echoes it in errors and messages', async () => {
    const api = apiAnswering(() => failure(403, [`token ${TOKEN} has no access`, TOKEN], { messages: [`you sent ${TOKEN}`] }));
    const err = await errorOf(api.flow.read('f1'));
    assert.ok(err instanceof FlowThingsForbidden);
    assert.equal(err.errors.length, 2);
    assert.match(err.errors[0], /has no access/);
    assertNoToken(err);
  });
  it('when a non-envelope body echoes it', async () => {
    const api = apiAnswering(() => ({ status: 502, headers: {}, body: `<html>proxy error for X-Auth-Token: ${TOKEN}</html>` }));
    const err = await errorOf(api.flow.read('f1'));
    assert.equal(err.code, 'malformedResponse');
    assertNoToken(err);
  });
  it('in a timeout, an abort and an input error', async () => {
    const hang = apiAnswering(() => new Promise(() => {}));
    assertNoToken(await errorOf(hang.flow.read('f1', { timeoutMs: 5 })));
    const ac = new AbortController();
    ac.abort();
    assertNoToken(await errorOf(hang.flow.read('f1', { signal: ac.signal })));
    assertNoToken(await errorOf((async () => hang.flow.read('..'))()));
  });
  it('in the Token and the API', () => {
    const token = new Token('acct', TOKEN);
    const api = new API(token, { host: 'api.test', transport: recorder() });
    for (const text of [JSON.stringify(token), String(token), util.inspect(token), JSON.stringify(api), util.inspect(api, { depth: 5 })]) {
      assert.ok(!text.includes(TOKEN), text);
    }
  });
});

describe('FlowThingsError', () => {
  it('is a real Error with name, code and stack', () => {
    const e = new FlowThingsError('boom', { code: 'input', field: 'id' });
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'FlowThingsError');
    assert.equal(e.code, 'input');
    assert.equal(e.field, 'id');
    assert.match(e.stack, /boom/);
    assert.equal(Object.prototype.toString.call(e), '[object Error]');
  });
  it('defaults its code', () => {
    assert.equal(new FlowThingsError('x').code, 'error');
  });
});

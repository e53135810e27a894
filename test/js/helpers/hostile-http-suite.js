// The REST side of the reliability suite: the package against a hostile
// HTTP server (test/js/helpers/hostile-http.js) with a default transport —
// node:http in Node's entry point (test/js/hostile-http.test.js), fetch in
// the others (test/js/hostile-http-fetch.test.js) — and the token scan over
// everything it produced. Every case checks the outcome: the error's class,
// code and message, that the promise settled, and that the token reached
// nothing but the configured origin's headers.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { startHostileHTTP } from './hostile-http.js';
import { SECRET, assertNoLeak, captureConsole, leaks } from './leak.js';

/** hostileHTTPSuite runs the suite on the package's exports `sdk` (an
 * entry point's module), loaded with init(initOptions). */
export function hostileHTTPSuite(sdk, initOptions) {
  const { init, API, Token, plainElems, M, FlowThingsError, FlowThingsForbidden } = sdk;
  let hostile;
  let api;
  const produced = []; // everything the package gave back, for the final scan
  const seen = captureConsole();

  before(async () => {
    await init(initOptions);
    hostile = await startHostileHTTP({ hugeBytes: 8 << 20, slowMs: 5000 });
    api = new API(new Token('acct', SECRET), { host: hostile.host, secure: false, timeoutMs: 10000 });
  });

  after(async () => {
    seen.restore();
    await hostile?.close();
  });

  /** The error a call rejects with (failing when it resolves). */
  async function errorOf(promise) {
    try {
      produced.push(await promise);
    } catch (err) {
      produced.push(err);
      return err;
    }
    return assert.fail('the call did not reject');
  }

  describe('redirects are never followed', () => {
    for (const status of [301, 302, 303, 307, 308]) {
      for (const [what, call] of [['a read', () => api.flow.read(`redirect${status}`)], ['a create with a body', () => api.drop('f1').create({ elems: { secret: 'body' } })]]) {
        it(`${status}, ${what}: a redirect error naming the target's origin, not its query`, async () => {
          hostile.behaviour = `redirect${status}`;
          const err = await errorOf(call());
          hostile.behaviour = 'ok';
          assert.ok(err instanceof FlowThingsError);
          assert.equal(err.code, 'redirect');
          assert.equal(err.status, status);
          assert.equal(err.target, hostile.attacker.origin);
          assert.ok(err.message.includes(`status ${status}: a redirect to ${hostile.attacker.origin}, not followed`), err.message);
          assert.doesNotMatch(err.message, /stolen|collect|query-of-the-target/);
          assert.equal(hostile.attacker.requests.length, 0, 'nothing reached the other origin');
        });
      }
    }
    it('a redirect to the same origin is not followed either', async () => {
      const before = hostile.requests.length;
      const err = await errorOf(api.flow.read('redirectSame'));
      assert.equal(err.code, 'redirect');
      assert.equal(err.target, hostile.origin);
      assert.equal(hostile.requests.length, before + 1, 'one request, no second');
    });
    it('a custom transport\'s 3xx, and a browser\'s opaque redirect, are redirect errors too', async () => {
      const answers = [
        { status: 302, headers: { Location: 'https://evil.example:8443/x?token=bait' }, body: '' },
        { status: 0, type: 'opaqueredirect', headers: {}, body: '' },
      ];
      for (const answer of answers) {
        const custom = new API(new Token('acct', SECRET), { host: 'api.test', transport: async () => answer });
        const err = await errorOf(custom.flow.read('f1'));
        assert.equal(err.code, 'redirect');
        if (answer.status === 302) {
          assert.equal(err.target, 'https://evil.example:8443');
          assert.doesNotMatch(err.message, /bait/);
        } else {
          assert.match(err.message, /the browser hides its status and target/);
        }
      }
    });
  });

  describe('bodies that are not envelopes', () => {
    it('an HTML error page quoting the token: malformedResponse, redacted', async () => {
      const err = await errorOf(api.flow.read('html'));
      assert.equal(err.constructor, FlowThingsError);
      assert.equal(err.code, 'malformedResponse');
      assert.equal(err.status, 502);
      assert.match(err.excerpt, /Bad Gateway for \[redacted\]; \[redacted\]/);
    });
    it('a platform error quoting the token raw, JSON-escaped and percent-encoded: every form redacted', async () => {
      const err = await errorOf(api.flow.read('echoToken'));
      assert.ok(err instanceof FlowThingsForbidden);
      assert.deepEqual(err.errors, ['bad token [redacted]', '[redacted]', '[redacted]']);
      assert.deepEqual(err.messages, ['[redacted]']);
    });
    it('a large HTML body: malformedResponse, and the next call works', async () => {
      const err = await errorOf(api.flow.read('hugeHtml'));
      assert.equal(err.code, 'malformedResponse');
      assert.ok(err.excerpt.length <= 120);
      assert.deepEqual(await api.flow.read('f2'), { id: 'f2' });
    });
    it('204 No Content is a success with an empty body', async () => {
      assert.deepEqual(await api.flow.delete('noContent'), {});
    });
  });

  describe('transport failures name their reason', () => {
    it('a slow server: timeout, settled at the timeout', async () => {
      const started = Date.now();
      const err = await errorOf(api.flow.read('slow', { timeoutMs: 100 }));
      assert.equal(err.code, 'timeout');
      assert.ok(Date.now() - started < 3000);
    });
    it('a silent server: the signal aborts the call', async () => {
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 50);
      const err = await errorOf(api.flow.read('never', { signal: ac.signal }));
      assert.equal(err.code, 'aborted');
    });
    it('a response head larger than fetch accepts: the header overflow is named', async () => {
      const err = await errorOf(api.flow.read('headerOverflow'));
      assert.equal(err.code, 'transport');
      assert.match(err.message, /fetch failed: .*(Headers? Overflow|HEADERS?_OVERFLOW)/i); // undici's words, or node:http's
    });
    it('a connection closed without an answer: named', async () => {
      const err = await errorOf(api.flow.read('reset'));
      assert.equal(err.code, 'transport');
      assert.match(err.message, /fetch failed: \S/);
      assert.ok(err.message.length > 'flowthings: GET /flow/reset: fetch failed'.length + 3, err.message);
    });
    it('a body cut short: a transport error', async () => {
      const err = await errorOf(api.flow.read('truncated'));
      assert.equal(err.code, 'transport');
    });
    it('connection refused: ECONNREFUSED and the address in the message', async () => {
      const port = await closedPort();
      const refused = new API(new Token('acct', SECRET), { host: `127.0.0.1:${port}`, secure: false });
      const err = await errorOf(refused.flow.read('f1'));
      assert.equal(err.code, 'transport');
      assert.ok(err.message.includes(`fetch failed: connect ECONNREFUSED 127.0.0.1:${port}`), err.message);
    });
    it('a DNS failure (as undici reports one) is named', async () => {
      const dnsFailure = new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo ENOTFOUND nohost.invalid'), { code: 'ENOTFOUND', hostname: 'nohost.invalid' }) });
      const custom = new API(new Token('acct', SECRET), { host: 'nohost.invalid', transport: async () => { throw dnsFailure; } });
      const err = await errorOf(custom.flow.read('f1'));
      assert.equal(err.message, 'flowthings: GET /flow/f1: fetch failed: getaddrinfo ENOTFOUND nohost.invalid');
      const bare = new TypeError('fetch failed', { cause: Object.assign(new AggregateError([new Error('connect ECONNREFUSED ::1:80'), new Error('connect ECONNREFUSED 127.0.0.1:80')]), { code: 'ECONNREFUSED' }) });
      const err2 = await errorOf(new API(new Token('acct', SECRET), { host: 'localhost', transport: async () => { throw bare; } }).flow.read('f1'));
      assert.match(err2.message, /fetch failed: connect ECONNREFUSED ::1:80; connect ECONNREFUSED 127\.0\.0\.1:80$/);
    });
  });

  describe('data fidelity', () => {
    it('64-bit integers come back exact, as BigInt', async () => {
      const drop = await api.drop('f1').read('long');
      produced.push(drop);
      assert.equal(drop.elems.big.value, 9223372036854775807n);
      assert.equal(drop.elems.small.value, -9223372036854775808n);
      assert.equal(drop.elems.n.value, 1.5);
      assert.equal(plainElems(drop).elems.big, 9223372036854775807n);
    });
    it('a BigInt elem is written exactly', async () => {
      hostile.requests.length = 0;
      await api.drop('f1').create({ elems: { big: { type: 'long', value: 9223372036854775807n }, plain: -12345678901234567890n } });
      assert.equal(hostile.requests[0].body, '{"elems":{"big":{"type":"long","value":9223372036854775807},"plain":-12345678901234567890}}');
    });
    it('__proto__, constructor and prototype members are plain data; Object.prototype is untouched', async () => {
      const drop = await api.drop('f1').read('proto');
      produced.push(drop);
      assert.equal(Object.getPrototypeOf(drop), Object.prototype);
      assert.ok(Object.hasOwn(drop, '__proto__'));
      assert.deepEqual(Object.keys(drop), ['id', '__proto__', 'constructor', 'elems']);
      const plain = plainElems(drop);
      assert.equal(Object.getPrototypeOf(plain.elems), Object.prototype);
      assert.deepEqual(Object.keys(plain.elems), ['__proto__', 'constructor', 'prototype']);
      assert.equal(Object.getOwnPropertyDescriptor(plain.elems, '__proto__').value, 'p');
      assert.equal(Object.getPrototypeOf(plain.elems.prototype), Object.prototype);
      assert.deepEqual(Object.keys(plain.elems.prototype), ['__proto__']);
      const m = M(drop).modify('__proto__', { changed: true });
      const [model, diff] = m.done();
      assert.deepEqual(Object.keys(diff), ['__proto__']);
      assert.equal(Object.getPrototypeOf(model), Object.prototype);
      assert.deepEqual(Object.getOwnPropertyDescriptor(model, '__proto__').value, { changed: true });
      hostile.requests.length = 0;
      await api.drop('f1').update(m);
      assert.deepEqual(JSON.parse(hostile.requests[0].body), JSON.parse('{"__proto__":{"changed":true}}'));
      assert.equal(({}).polluted, undefined);
      assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).filter((k) => k === 'polluted'), []);
    });
  });

  describe('the token scan', () => {
    it('shows the token in no error, result or console line, and only to the configured origin', (t) => {
      assert.ok(produced.length > 20, `${produced.length} things produced`);
      assertNoLeak(t, ...produced, seen.text());
      assert.equal(hostile.attacker.requests.length, 0, 'the other origin got nothing');
      for (const r of hostile.requests) {
        assert.equal(r.headers['x-auth-token'], SECRET, 'the token travels in its header, to the configured origin');
        for (const [name, value] of Object.entries(r.headers)) {
          if (name !== 'x-auth-token') assert.equal(leaks(value), null, `header ${name}`);
        }
        assert.equal(leaks(r.url), null, `URL ${r.url}`);
        assert.equal(leaks(r.body), null, 'request body');
      }
    });
  });
}

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

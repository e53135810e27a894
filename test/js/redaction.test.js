// Redaction: every FlowThingsError hides every registered token, in every
// form it can take in text (as is, JSON-escaped, percent-encoded), in every
// way an error is shown (message, fields, String, JSON, util.inspect, the
// stack, the console) and in its cause, which is a redacted copy.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import util from 'node:util';
import {
  FlowThingsError, FlowThingsException, FlowThingsBadRequest, FlowThingsForbidden, FlowThingsNotFound,
  FlowThingsServerError, registerSecret, unregisterSecret, redact, errorFrom,
} from '../../js/errors.js';
import { init, API, Token } from '../../js/node.js';
import { SECRET, assertNoLeak, captureConsole, leaks } from './helpers/leak.js';

registerSecret(SECRET);

const allEscaped = (s) => [...s].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
/** The token as text, JSON and URLs may carry it. */
const FORMS = {
  'as is': SECRET,
  'JSON \\/': SECRET.replaceAll('/', '\\/'),
  'JSON \\u002f': SECRET.replaceAll('/', '\\u002f'),
  'JSON \\u002F, + as \\u002B': SECRET.replaceAll('/', '\\u002F').replaceAll('+', '\\u002B'),
  'JSON in JSON \\\\/': SECRET.replaceAll('/', '\\\\/'),
  'every character \\u-escaped': allEscaped(SECRET),
  'percent-encoded': encodeURIComponent(SECRET),
  'percent-encoded, lower case': encodeURIComponent(SECRET).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
  'percent-encoded twice': encodeURIComponent(encodeURIComponent(SECRET)),
  'every character percent-encoded': [...SECRET].map((c) => `%${c.charCodeAt(0).toString(16)}`).join(''),
};

describe('the leak check itself', () => {
  for (const [name, form] of Object.entries(FORMS)) {
    it(`finds the token ${name}`, () => assert.notEqual(leaks(`x ${form} y`), null));
  }
  it('finds ten characters of it in a row', () => assert.notEqual(leaks(`excerpt: ${SECRET.slice(0, 12)}`), null));
});

describe('redact', () => {
  for (const [name, form] of Object.entries(FORMS)) {
    it(`hides the token ${name}`, () => {
      const out = redact(`before ${form} after`);
      assert.equal(out, 'before [redacted] after');
    });
  }
  it('a token with regex characters and characters beyond ASCII, in every form', () => {
    const token = 'a.b*c(d)[e]{f}|g^h$i?j\\k-l/ü€😀';
    registerSecret(token);
    const escaped = Array.from({ length: token.length }, (_, i) => `\\u${token.charCodeAt(i).toString(16).padStart(4, '0')}`).join('');
    for (const form of [token, JSON.stringify(token).slice(1, -1), escaped, encodeURIComponent(token), encodeURIComponent(token).toLowerCase()]) {
      assert.equal(redact(`<${form}>`), '<[redacted]>', form);
    }
    assert.equal(redact('a.b*c(d)'), 'a.b*c(d)', 'a part of it is left alone');
  });
  it('a token shorter than 8 characters is no secret: messages stay readable', () => {
    registerSecret('t');
    assert.equal(redact('the host is required'), 'the host is required');
  });
  it('leaves other text alone', () => {
    const text = 'tok/Qx7 %2F \\/ \\u002f plain';
    assert.equal(redact(text), text);
  });
  it('hides every registered secret, the longer first', () => {
    registerSecret('short-secret');
    registerSecret('short-secret-and-more');
    assert.equal(redact('a short-secret-and-more b short-secret c'), 'a [redacted] b [redacted] c');
  });
});

describe('FlowThingsError redacts', () => {
  for (const [name, form] of Object.entries(FORMS)) {
    it(`message, fields and lists with the token ${name}`, () => {
      const err = new FlowThingsException(`failed: ${form}`, {
        code: 'forbidden', excerpt: `<html>${form}</html>`, reason: form, path: `/flow/${form}`, found: form,
        errors: [`bad token ${form}`], messages: [form],
      });
      assert.match(err.message, /failed: \[redacted\]/);
      assert.equal(err.excerpt, '<html>[redacted]</html>');
      assert.deepEqual(err.errors, ['bad token [redacted]']);
      assertNoLeak(err);
    });
  }
  it('an error of the module (errorFrom)', () => {
    const err = errorFrom({ kind: 'notFound', message: `no ${FORMS['JSON \\/']}`, status: 404, errors: [FORMS['percent-encoded']] });
    assert.ok(err instanceof FlowThingsNotFound);
    assertNoLeak(err);
  });
  it('the cause: a redacted copy of the same class, never the original', () => {
    const inner = Object.assign(new Error(`connect ECONNREFUSED, token ${SECRET}`), { code: 'ECONNREFUSED', headers: { 'x-auth-token': SECRET } });
    const original = new TypeError('fetch failed', { cause: inner });
    original.request = { url: `http://h/?t=${encodeURIComponent(SECRET)}`, headers: [['X-Auth-Token', SECRET]] };
    const err = new FlowThingsError(`GET /flow/f1: fetch failed`, { code: 'transport', cause: original });
    assert.notEqual(err.cause, original);
    assert.ok(err.cause instanceof TypeError);
    assert.equal(err.cause.message, 'fetch failed');
    assert.equal(err.cause.cause.code, 'ECONNREFUSED');
    assert.match(err.cause.cause.message, /ECONNREFUSED, token \[redacted\]/);
    assert.equal(Object.prototype.toString.call(err.cause), '[object Error]', 'util.inspect shows it as an error');
    assertNoLeak(err);
    // The original is left as it was.
    assert.equal(original.request.headers[0][1], SECRET);
  });
  it('an AggregateError cause, a string cause, a plain-object cause, a circular cause', () => {
    const circular = { token: SECRET };
    circular.self = circular;
    for (const cause of [new AggregateError([new Error(SECRET)], 'several'), `reason ${SECRET}`, { header: SECRET, nested: [{ t: SECRET }] }, circular]) {
      assertNoLeak(new FlowThingsError('x', { cause }));
    }
  });
  it('a DOMException cause (its getters check their receiver) keeps its name', () => {
    const ac = new AbortController();
    ac.abort();
    const err = new FlowThingsError('aborted', { code: 'aborted', cause: ac.signal.reason });
    assert.equal(err.cause.name, 'AbortError');
    assert.match(util.inspect(err), /AbortError/);
    assertNoLeak(err);
  });
  it('a cause whose getters throw', () => {
    const cause = new Error(SECRET);
    Object.defineProperty(cause, 'boom', { enumerable: true, get() { throw new Error(SECRET); } });
    const err = new FlowThingsError('x', { cause });
    assertNoLeak(err);
  });
  it('console.error(err) and console.log of the cause print no token', () => {
    const cause = new TypeError('fetch failed', { cause: new Error(`refused; sent ${SECRET}`) });
    const err = new FlowThingsError('flowthings: GET /flow/f1: fetch failed', { code: 'transport', cause });
    const seen = captureConsole();
    try {
      console.error(err);
      console.log('%o', err.cause);
      console.warn(String(err), JSON.stringify(err));
    } finally {
      seen.restore();
    }
    assert.match(seen.text(), /\[redacted\]/);
    assertNoLeak(seen.text());
  });
  it('the stack', () => {
    const err = new FlowThingsError(`boom ${SECRET}`);
    assert.match(err.stack, /boom \[redacted\]/);
    assertNoLeak(err.stack, util.inspect(err));
  });
});

describe('error names are explicit (they survive minification)', () => {
  for (const [Class, name] of [[FlowThingsError, 'FlowThingsError'], [FlowThingsException, 'FlowThingsException'],
    [FlowThingsBadRequest, 'FlowThingsBadRequest'], [FlowThingsForbidden, 'FlowThingsForbidden'],
    [FlowThingsNotFound, 'FlowThingsNotFound'], [FlowThingsServerError, 'FlowThingsServerError']]) {
    it(name, () => {
      assert.equal(Class.name, name);
      assert.equal(new Class('x').name, name);
      assert.equal(String(new Class('m')), `${name}: m`);
    });
  }
});

describe('many tokens', () => {
  it('thousands of tokens register and redact quickly, and an unregistered one is forgotten', () => {
    const tokens = Array.from({ length: 3000 }, (_, i) => `tenant-${i}-token-abcdefghijklmnop`);
    let t = performance.now();
    for (const tok of tokens) registerSecret(tok);
    const registering = performance.now() - t;
    assert.ok(registering < 1000, `registering 3000 tokens took ${registering.toFixed(0)} ms`);
    t = performance.now();
    const err = new FlowThingsError(`failed for ${tokens[1234]} and ${encodeURIComponent(`a/${tokens[7]}`)}`);
    const oneError = performance.now() - t;
    assert.equal(err.message, `failed for ${'[redacted]'} and a%2F[redacted]`);
    assert.ok(oneError < 50, `one error with 3000 tokens took ${oneError.toFixed(1)} ms`);
    registerSecret(tokens[0]); // a second Client with the same token
    for (const tok of tokens) unregisterSecret(tok);
    assert.equal(redact(`x ${tokens[1]}`), `x ${tokens[1]}`, 'forgotten once no Client holds it');
    assert.equal(redact(`x ${tokens[0]}`), 'x [redacted]', 'still held by the second Client');
    unregisterSecret(tokens[0]);
    assert.equal(redact(`x ${tokens[0]}`), `x ${tokens[0]}`);
    assert.equal(redact(`x ${SECRET}`), 'x [redacted]', 'the others stay');
  });

  it('an API that fails to construct does not keep its token', async () => {
    await init();
    const token = 'a-token-of-an-api-never-made-0123456789';
    assert.throws(() => new API(new Token('acct', token), { host: '127.0.0.1:1', hots: 'x' }), (err) => err.code === 'input' && !err.message.includes(token));
    assert.equal(redact(token), token);
  });
});

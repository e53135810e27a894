// M, plainElems and Token: the plain-JavaScript helpers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import util from 'node:util';
import { M, Modification, plainElems, Token, FlowThingsError } from '../../js/node.js';

describe('M', () => {
  it('works with and without new, and instanceof M holds', () => {
    const a = M({ id: 'x' });
    const b = new M({ id: 'x' });
    assert.ok(a instanceof M);
    assert.ok(b instanceof M);
    assert.ok(a instanceof Modification);
    assert.equal(Object.getPrototypeOf(a), Object.getPrototypeOf(b));
  });
  it('modify chains and done() gives [newModel, diff]', () => {
    const model = { id: 'x', a: 1, b: { c: 2 } };
    const [next, diff] = M(model).modify('a', 5).modify('d', [1, 2]).done();
    assert.deepEqual(next, { id: 'x', a: 5, b: { c: 2 }, d: [1, 2] });
    assert.deepEqual(diff, { a: 5, d: [1, 2] });
  });
  it('M(model, changes) applies the changes', () => {
    const [next, diff] = M({ id: 'x', a: 1 }, { a: 2, b: 3 }).done();
    assert.deepEqual(next, { id: 'x', a: 2, b: 3 });
    assert.deepEqual(diff, { a: 2, b: 3 });
  });
  it('without changes the diff is empty and the model equal', () => {
    assert.deepEqual(M({ id: 'x', a: 1 }).done(), [{ id: 'x', a: 1 }, {}]);
    assert.deepEqual(M().done(), [{}, {}]);
  });
  it('never mutates the original model, even deeply', () => {
    const model = { id: 'x', elems: { a: { type: 'integer', value: 1 } }, list: [{ n: 1 }] };
    const snapshot = structuredClone(model);
    const m = M(model).modify('elems', { b: 2 });
    const [next] = m.done();
    next.list[0].n = 99;
    next.id = 'changed';
    assert.deepEqual(model, snapshot);
  });
  it('copies values given to modify and what done() returns', () => {
    const value = { deep: { n: 1 } };
    const m = M({ id: 'x' }).modify('v', value);
    value.deep.n = 2; // changing the argument afterwards does not change the modification
    const [next1, diff1] = m.done();
    assert.deepEqual(next1.v, { deep: { n: 1 } });
    next1.v.deep.n = 3;
    diff1.v.deep.n = 4;
    const [next2, diff2] = m.done();
    assert.deepEqual(next2.v, { deep: { n: 1 } });
    assert.deepEqual(diff2.v, { deep: { n: 1 } });
    assert.notEqual(next1, next2);
  });
  it('modify replaces a member whole (shallow merge, as the platform)', () => {
    const [next, diff] = M({ id: 'x', elems: { a: 1, b: 2 } }).modify('elems', { a: 3 }).done();
    assert.deepEqual(next.elems, { a: 3 });
    assert.deepEqual(diff, { elems: { a: 3 } });
  });
  it('a later modify of the same key wins', () => {
    assert.deepEqual(M({ id: 'x' }).modify('a', 1).modify('a', 2).done(), [{ id: 'x', a: 2 }, { a: 2 }]);
  });
  it('exposes id, model and diff', () => {
    const m = M({ id: 'x', a: 1 }).modify('a', 2);
    assert.equal(m.id, 'x');
    assert.deepEqual(m.model, { id: 'x', a: 2 });
    assert.deepEqual(m.diff, { a: 2 });
    assert.equal(M({}).id, undefined);
  });
  it('refuses a model that is not an object', () => {
    for (const bad of [null, 5, 'x', [1]]) assert.throws(() => M(bad), TypeError);
  });
});

describe('plainElems', () => {
  it('unwraps typed elems of a drop', () => {
    const drop = {
      id: 'd1', path: '/a/b',
      elems: {
        n: { type: 'integer', value: 5 },
        s: { type: 'string', value: 'x' },
        when: { type: 'date', value: 1342404840000 },
        where: { type: 'location', value: { lat: 1, lon: 2 } },
      },
    };
    assert.deepEqual(plainElems(drop), { id: 'd1', path: '/a/b', elems: { n: 5, s: 'x', when: 1342404840000, where: { lat: 1, lon: 2 } } });
  });
  it('unwraps nested maps and lists', () => {
    const elems = {
      m: { type: 'map', value: { a: { type: 'integer', value: 1 }, b: { type: 'list', value: [{ type: 'string', value: 'x' }, { type: 'boolean', value: true }] } } },
      l: { type: 'list', value: [{ type: 'map', value: { c: { type: 'float', value: 1.5 } } }] },
    };
    assert.deepEqual(plainElems(elems), { m: { a: 1, b: ['x', true] }, l: [{ c: 1.5 }] });
  });
  it('leaves non-typed objects with type, value and other keys untouched', () => {
    const elems = {
      a: { type: 'integer', value: 1, unit: 'kg' },
      b: { type: 'no-such-type', value: 2 },
      c: { type: 'string' },
    };
    assert.deepEqual(plainElems(elems), elems);
  });
  it('returns plain input unchanged (equal) and never mutates its argument', () => {
    const drop = { id: 'd1', elems: { a: 1, b: [1, { c: 'x' }], d: null } };
    const snapshot = structuredClone(drop);
    assert.deepEqual(plainElems(drop), snapshot);
    const typed = { elems: { a: { type: 'integer', value: 1 } } };
    plainElems(typed);
    assert.deepEqual(typed, { elems: { a: { type: 'integer', value: 1 } } });
  });
  it('passes non-objects through', () => {
    assert.equal(plainElems(null), null);
    assert.equal(plainElems(5), 5);
    assert.equal(plainElems(undefined), undefined);
  });
});

describe('Token', () => {
  const SECRET = 'tok-MODEL-c0ffee42';
  it('keeps the token out of enumeration, JSON, String and util.inspect', () => {
    const t = new Token('acct', SECRET);
    assert.equal(t.account, 'acct');
    assert.equal(t.token, SECRET);
    assert.deepEqual(Object.keys(t), ['account']);
    assert.ok(!Object.values(t).includes(SECRET));
    assert.ok(!JSON.stringify(t).includes(SECRET));
    assert.ok(!String(t).includes(SECRET));
    assert.ok(!`${t}`.includes(SECRET));
    assert.ok(!util.inspect(t, { showHidden: true, depth: 5 }).includes(SECRET));
    assert.ok(!util.format('%o', t).includes(SECRET));
    assert.ok(!JSON.stringify({ ...t }).includes(SECRET));
  });
  it('is frozen', () => {
    const t = new Token('acct', SECRET);
    assert.ok(Object.isFrozen(t));
    assert.throws(() => { 'use strict'; t.account = 'other'; }, TypeError);
  });
  it('needs two non-empty strings', () => {
    for (const [a, b] of [['', SECRET], ['acct', ''], [undefined, SECRET], ['acct', 5]]) {
      assert.throws(() => new Token(a, b), { name: 'FlowThingsError', code: 'input' });
    }
  });
});

describe('Token.fromBluemix', () => {
  const vcap = (v) => ({ VCAP_SERVICES: typeof v === 'string' ? v : JSON.stringify(v) });
  const fallback = new Token('fallback', 'tok-fallback');
  const valid = { flowthings: [{ name: 'ft', credentials: { account: 'bx', token: 'tok-BLUEMIX-77' } }] };

  it('reads flowthings[0].credentials', () => {
    const t = Token.fromBluemix(undefined, { env: vcap(valid) });
    assert.ok(t instanceof Token);
    assert.equal(t.account, 'bx');
    assert.equal(t.token, 'tok-BLUEMIX-77');
    assert.equal(Token.fromBluemix(fallback, { env: vcap(valid) }).account, 'bx', 'valid credentials win over the fallback');
  });

  const broken = {
    'VCAP_SERVICES missing': {},
    'VCAP_SERVICES empty': { VCAP_SERVICES: '' },
    'not JSON': vcap('{not json'),
    'JSON but not an object': vcap('[1,2]'),
    'JSON null': vcap('null'),
    'no flowthings service': vcap({ other: [] }),
    'flowthings not a list': vcap({ flowthings: { credentials: {} } }),
    'an empty flowthings list': vcap({ flowthings: [] }),
    'no credentials': vcap({ flowthings: [{ name: 'ft' }] }),
    'a missing account': vcap({ flowthings: [{ credentials: { token: 't' } }] }),
    'an empty account': vcap({ flowthings: [{ credentials: { account: '', token: 't' } }] }),
    'a missing token': vcap({ flowthings: [{ credentials: { account: 'a' } }] }),
    'a token that is not a string': vcap({ flowthings: [{ credentials: { account: 'a', token: 5 } }] }),
  };
  for (const [name, env] of Object.entries(broken)) {
    it(`${name}: throws FlowThingsError without a fallback, returns the fallback with one`, () => {
      assert.throws(() => Token.fromBluemix(undefined, { env }), (err) => {
        assert.ok(err instanceof FlowThingsError);
        assert.equal(err.code, 'credentials');
        assert.match(err.message, /VCAP/);
        return true;
      });
      assert.throws(() => Token.fromBluemix(null, { env }), FlowThingsError);
      assert.equal(Token.fromBluemix(fallback, { env }), fallback);
    });
  }
  it('never quotes the variable in its error', () => {
    const env = vcap({ flowthings: [{ credentials: { account: 'a', token: '' } }], secret: 'tok-IN-VCAP-31337' });
    assert.throws(() => Token.fromBluemix(undefined, { env }), (err) => !err.message.includes('tok-IN-VCAP-31337') && !JSON.stringify(err).includes('tok-IN-VCAP-31337'));
  });
  it('defaults env to process.env', () => {
    const saved = process.env.VCAP_SERVICES;
    try {
      process.env.VCAP_SERVICES = JSON.stringify(valid);
      assert.equal(Token.fromBluemix().account, 'bx');
      delete process.env.VCAP_SERVICES;
      assert.throws(() => Token.fromBluemix(), FlowThingsError);
    } finally {
      if (saved === undefined) delete process.env.VCAP_SERVICES;
      else process.env.VCAP_SERVICES = saved;
    }
  });
});

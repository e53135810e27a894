// js/json.js: exact integers beyond 2^53, everything else as JSON.parse
// and JSON.stringify.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse, stringify } from '../../js/json.js';

const MAX_LONG = 9223372036854775807n;

describe('parse', () => {
  it('reads integers beyond 2^53 exactly, as BigInt', () => {
    const v = parse('{"head":{"ok":true},"body":{"elems":{"n":{"type":"long","value":9223372036854775807},"m":-9223372036854775808,"safe":9007199254740991,"edge":9007199254740992}}}');
    assert.equal(v.body.elems.n.value, MAX_LONG);
    assert.equal(v.body.elems.m, -9223372036854775808n);
    assert.equal(v.body.elems.safe, 9007199254740991, 'a safe integer stays a number');
    assert.equal(v.body.elems.edge, 9007199254740992n, '2^53 is not safe');
  });
  it('keeps fractions, exponents and long fractions as numbers', () => {
    const text = '[12345678901234567.5, 1.2345678901234567e30, 0.30000000000000004, 0.8444218515250481, 1e16, -0.0, 123456789012345678e-2]';
    assert.deepEqual(parse(text), JSON.parse(text));
  });
  it('a whole text that is a long integer', () => {
    assert.equal(parse('12345678901234567890'), 12345678901234567890n);
    assert.equal(parse(' -12345678901234567890 '), -12345678901234567890n);
  });
  it('reads long digit runs in strings as strings, with every escape', () => {
    const text = '{"id":"12345678901234567890","s":"a\\"b\\\\c\\/d\\u00e9\\ud83d\\ude00\\n","x":[true,false,null,{}],"n":12345678901234567890}';
    const v = parse(text);
    const j = JSON.parse(text);
    assert.equal(v.id, j.id);
    assert.equal(v.s, j.s);
    assert.deepEqual(v.x, j.x);
    assert.equal(v.n, 12345678901234567890n);
  });
  it('is JSON.parse on texts without long integers', () => {
    for (const text of ['{}', '[]', '"x"', '1', 'null', '{"a":[1,2,{"b":"c"}],"d":1.5e3}', '  {"k" : "v" }  ']) {
      assert.deepEqual(parse(text), JSON.parse(text));
    }
  });
  it('agrees with JSON.parse on random documents holding long integers', () => {
    let seed = 7;
    const rand = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
    const gen = (depth) => {
      switch (depth > 3 ? rand(4) : rand(7)) {
        case 0: return rand(2) ? `${rand(1000)}` : `-${rand(1000)}.${rand(1000)}e${rand(5)}`;
        case 1: return JSON.stringify(`s${rand(100)}\u00e9"\\/${'9'.repeat(rand(20))}`);
        case 2: return ['true', 'false', 'null'][rand(3)];
        case 3: return `${rand(2) ? '-' : ''}1${'0'.repeat(rand(18))}`;
        case 4: return `[${Array.from({ length: rand(4) }, () => gen(depth + 1)).join(' , ')}]`;
        default: return `{${Array.from({ length: rand(4) }, (_, i) => `"k${i}":${gen(depth + 1)}`).join(',')}}`;
      }
    };
    // BigInt back to a (rounded) number, to compare with JSON.parse.
    const normalized = (v) => {
      if (typeof v === 'bigint') return Number(v);
      if (Array.isArray(v)) return v.map(normalized);
      if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalized(x)]));
      return v;
    };
    for (let i = 0; i < 500; i++) {
      const text = `{"big":12345678901234567,"doc":${gen(0)}}`;
      assert.deepEqual(normalized(parse(text)), JSON.parse(text), text);
    }
  });
  it('every number of an everyday answer is JSON.parse\'s, and only integers beyond 2^53 differ', () => {
    const cases = [
      // [text, what parse must give]
      ['{"creationDate":1420664203776,"max":9007199254740991,"min":-9007199254740991}', { creationDate: 1420664203776, max: 9007199254740991, min: -9007199254740991 }],
      ['[1234567890123456,-1234567890123456,9007199254740990]', [1234567890123456, -1234567890123456, 9007199254740990]], // 16 digits, safe
      ['[9007199254740992,-9007199254740992,9007199254740993,-9223372036854775808]', [9007199254740992n, -9007199254740992n, 9007199254740993n, -9223372036854775808n]],
      ['{"12345678901234567890":1,"-9223372036854775808":"x"}', { '12345678901234567890': 1, '-9223372036854775808': 'x' }], // keys are strings
      ['["12345678901234567890","-9223372036854775808","1e400","0.12345678901234567890"]', ['12345678901234567890', '-9223372036854775808', '1e400', '0.12345678901234567890']],
      ['[1e16,1E21,12345678901234567e3,-12345678901234567E+3,12345678901234567e-3,1.0000000000000000001,0.12345678901234567890123]',
        [1e16, 1e21, 12345678901234567e3, -12345678901234567e3, 12345678901234567e-3, 1, 0.12345678901234568]], // exponents and fractions stay numbers
      ['[0,-0,1,-1,12345678901234567.0]', [0, -0, 1, -1, 12345678901234567]],
      ['{"a":[ 12345678901234567890 ],"b":\t-12345678901234567890\n}', { a: [12345678901234567890n], b: -12345678901234567890n }], // after white space
    ];
    const hasBigInt = (v) => typeof v === 'bigint' || (v !== null && typeof v === 'object' && Object.values(v).some(hasBigInt));
    for (const [text, want] of cases) {
      assert.deepEqual(parse(text), want, text);
      if (!hasBigInt(want)) assert.deepEqual(parse(text), JSON.parse(text), `${text}: as JSON.parse`);
    }
    assert.ok(Object.is(parse('-0'), -0));
    assert.equal(typeof parse('{"a":12345678901234567.0}').a, 'number');
  });
  it('reads a string of millions of characters on the exact path', () => {
    const long = 'x'.repeat(12_000_000);
    const v = parse(`{"a":"${long}\\n\\u0041","n":9223372036854775807}`);
    assert.equal(v.a.length, long.length + 2);
    assert.equal(v.a.slice(-2), '\nA');
    assert.equal(v.n, 9223372036854775807n);
  });
  it('throws JSON.parse\'s own SyntaxError on invalid JSON', () => {
    for (const text of ['{"n":12345678901234567', '{"n":12345678901234567,}', '[12345678901234567 1]', '{"n":012345678901234567}', '{"n":12345678901234567} x', '{n:12345678901234567}']) {
      let expected;
      try { JSON.parse(text); } catch (err) { expected = err; }
      assert.ok(expected, text);
      assert.throws(() => parse(text), (err) => err instanceof SyntaxError && err.message === expected.message, text);
    }
  });
  it('a member named __proto__ is data, as with JSON.parse, on both paths', () => {
    for (const text of ['{"__proto__":{"polluted":1},"a":1}', '{"__proto__":{"polluted":1},"n":12345678901234567890}']) {
      const v = parse(text);
      assert.equal(Object.getPrototypeOf(v), Object.prototype);
      assert.deepEqual(Object.keys(v).sort(), Object.keys(JSON.parse(text)).sort());
      assert.deepEqual({ ...v.__proto__ }, { polluted: 1 });
      assert.equal(({}).polluted, undefined);
    }
  });
});

describe('stringify', () => {
  it('is JSON.stringify without BigInt', () => {
    const v = { a: [1, 'x', null, undefined, () => 1], d: new Date(0), s: 'ü' };
    assert.equal(stringify(v), JSON.stringify(v));
    assert.equal(stringify(undefined), undefined);
  });
  it('writes BigInt as exact integers, anywhere', () => {
    assert.equal(stringify({ elems: { n: { type: 'long', value: MAX_LONG } }, list: [1n, -2n] }), '{"elems":{"n":{"type":"long","value":9223372036854775807}},"list":[1,-2]}');
    assert.equal(stringify(MAX_LONG), '9223372036854775807');
  });
  it('round-trips with parse', () => {
    const v = { n: MAX_LONG, m: -MAX_LONG - 1n, f: 0.5, s: '12345678901234567890' };
    assert.deepEqual(parse(stringify(v)), v);
  });
  it('never mistakes a string for a marked BigInt', () => {
    // Strings that look like any marker: a NUL, digits, NUL.
    const v = { s: '\u0000abc:12\u0000', t: '\u0000', n: 5n };
    assert.deepEqual(JSON.parse(stringify(v)), { s: v.s, t: v.t, n: 5 });
  });
  it('still throws on a cycle', () => {
    const v = { n: 1n };
    v.self = v;
    assert.throws(() => stringify(v), TypeError);
  });
});

// Filters: the builders' String() is the Go renderer's contract
// (filter/render_test.go), parseFilter, the object form, and bad input.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { init, API, Token, mem, AGE, EXISTS, HAS, MATCHES, NOT, parseFilter, Filter, FlowThingsError } from '../../js/node.js';
import { recorder } from './helpers/transport.js';

before(() => init());

const foo = () => mem.foo;
const bar = () => mem.bar;

// The cases of renderCases in filter/render_test.go that the JS builders
// express, with the Go builder call in the name.
const renderCases = [
  ['eq: foo.Eq(1)', () => foo().eq(1), 'foo == 1'],
  ['ne', () => foo().ne(1), 'foo != 1'],
  ['gt', () => foo().gt(1), 'foo > 1'],
  ['ge', () => foo().gte(1), 'foo >= 1'],
  ['lt', () => foo().lt(1), 'foo < 1'],
  ['le', () => foo().lte(1), 'foo <= 1'],
  ['bool', () => foo().eq(true), 'foo == true'],
  ['false', () => foo().ne(false), 'foo != false'],
  ['quote escaped', () => foo().eq("it's"), "foo == 'it\\'s'"],
  ['backslash escaped', () => foo().eq('a\\b'), "foo == 'a\\\\b'"],
  ['injection stays inside the literal', () => foo().eq("x' || bar == 'y"), "foo == 'x\\' || bar == \\'y'"],
  ['backslash before quote', () => foo().eq("\\'"), "foo == '\\\\\\''"],
  ['double quote kept', () => foo().eq('say "hi"'), `foo == 'say "hi"'`],
  ['regex slash escaped', () => foo().re('/foo', 'i'), 'foo =~ /\\/foo/i'],
  ['regex escaped slash kept', () => foo().re('\\/foo', 'i'), 'foo =~ /\\/foo/i'],
  ['regex escaped backslash then slash', () => foo().re('a\\\\/b', ''), 'foo =~ /a\\\\\\/b/'],
  ['regex other escapes kept', () => foo().re('\\d+\\.\\w', 'imsxug'), 'foo =~ /\\d+\\.\\w/imsxug'],
  ['in', () => foo().in(1, 2, 3), 'foo IN [1,2,3]'],
  ['in mixed', () => foo().in('a', true, 1.5, new Date(7)), "foo IN ['a',true,1.5,Date(7)]"],
  ['in empty', () => foo().in(), 'foo IN []'],
  ['contains', () => foo().contains(1, 2, 3), 'foo CONTAINS [1,2,3]'],
  ['within km', () => foo().within(5, 'KM', { coords: [1, 2] }), 'foo WITHIN 5 KM OF [1,2]'],
  ['within zip', () => foo().within(5, 'KM', { zip: '123' }), 'foo WITHIN 5 KM OF [ZIP=123]'],
  ['within zip leading zero', () => foo().within(1, 'MILE', { zip: '02108' }), 'foo WITHIN 1 MILE OF [ZIP=02108]'],
  ['within zip quoted', () => foo().within(1, 'FEET', { zip: '12345-6789' }), "foo WITHIN 1 FEET OF [ZIP='12345-6789']"],
  ['within zip as a number, as the Python client takes it', () => foo().WITHIN(5, 'KM', { zip: 123 }), 'foo WITHIN 5 KM OF [ZIP=123]'],
  ['within default unit', () => foo().within(5, { coords: [1, 2] }), 'foo WITHIN 5 MILES OF [1,2]'],
  ['within unit any case', () => foo().within(26.2, 'kilometers', { coords: [40.703987, -73.986759] }), 'foo WITHIN 26.2 KILOMETERS OF [40.703987,-73.986759]'],
  ['within meters', () => foo().within(100, 'Meters', { coords: [0, 0] }), 'foo WITHIN 100 METERS OF [0,0]'],
  ['age', () => AGE.gt(123), 'AGE > 123'],
  ['age of', () => AGE('lastEditDate').eq(123), "AGE('lastEditDate') == 123"],
  ['age other ops', () => AGE.ne(1).or(AGE.gte(2)).or(AGE.lte(3)), '((AGE != 1) || (AGE >= 2)) || (AGE <= 3)'],
  ['exists', () => EXISTS(foo()), 'EXISTS foo'],
  ['has', () => HAS('boolean'), 'HAS boolean'],
  ['has canonical case', () => HAS('SORTEDSET'), 'HAS sortedSet'],
  ['matches', () => MATCHES('foo', 'i'), 'MATCHES /foo/i'],
  ['not', () => NOT(foo().eq(1)), 'NOT foo == 1'],
  ['not not', () => NOT(NOT(EXISTS(foo()))), 'NOT NOT EXISTS foo'],
  ['not binary', () => NOT(foo().eq(1).and(bar().eq(2))), 'NOT ((foo == 1) && (bar == 2))'],
  ['and', () => foo().eq(1).and(bar().eq(2)), '(foo == 1) && (bar == 2)'],
  ['or', () => foo().eq(1).or(bar().eq(2)), '(foo == 1) || (bar == 2)'],
  ['and folds left', () => foo().eq(1).and(bar().eq(2)).and(EXISTS(foo())), '((foo == 1) && (bar == 2)) && (EXISTS foo)'],
  ['or folds left', () => foo().eq(1).or(bar().eq(2)).or(EXISTS(foo())), '((foo == 1) || (bar == 2)) || (EXISTS foo)'],
  ['nested and or', () => foo().eq(1).or(bar().eq(2)).and(NOT(EXISTS(bar()))), '((foo == 1) || (bar == 2)) && (NOT EXISTS bar)'],
  ['big integer', () => foo().eq(1342404840000), 'foo == 1342404840000'],
  ['fraction', () => foo().eq(5.5), 'foo == 5.5'],
  ['negative', () => foo().eq(-3), 'foo == -3'],
  ['float without trailing zeros', () => foo().eq(2.50), 'foo == 2.5'],
  ['huge float without exponent', () => foo().eq(1e21), 'foo == 1000000000000000000000'],
  ['tiny float without exponent', () => foo().eq(1e-7), 'foo == 0.0000001'],
  ['float32-representable', () => foo().eq(0.5), 'foo == 0.5'],
  ['int kinds', () => foo().eq(-8).and(foo().eq(16)).and(foo().eq(32)).and(foo().eq(64)), '(((foo == -8) && (foo == 16)) && (foo == 32)) && (foo == 64)'],
  ['largest exact integer', () => foo().eq(2 ** 53), 'foo == 9007199254740992'],
  ['date', () => mem.birthday.gt(new Date(1342404840000)), 'birthday > Date(1342404840000)'],
  ['member vs member', () => mem.elems.length.lte(mem.elems.width), 'elems.length <= elems.width'],
  ['dot and index', () => mem.elems.foo['bar'].eq(1), 'elems.foo.bar == 1'],
  ['multi-segment M', () => mem('elems.foo.bar').eq(1), 'elems.foo.bar == 1'],
  ['dollar selector', () => mem('location.$zip').eq('11201'), "location.$zip == '11201'"],
  ['names with digits, dashes, unicode', () => mem('_a1.b-2.température').eq(1), '_a1.b-2.température == 1'],
  ['keyword after first segment', () => mem('elems.not.in').eq(1), 'elems.not.in == 1'],
];

describe('String(filter) is the Go renderer\'s contract', () => {
  for (const [name, build, want] of renderCases) {
    it(name, () => {
      const f = build();
      assert.ok(f instanceof Filter);
      assert.equal(String(f), want);
      assert.equal(`${f}`, want);
      assert.equal(f.toString(), want);
      assert.equal(JSON.stringify({ f }), JSON.stringify({ f: want }));
    });
  }
});

describe('builder forms', () => {
  it('BigInt values up to ±2^53, as the Go renderer\'s "largest exact integer"', () => {
    assert.equal(String(mem.foo.eq(2n ** 53n)), 'foo == 9007199254740992');
    assert.equal(String(mem.foo.eq(-(2n ** 53n))), 'foo == -9007199254740992');
    assert.equal(String(mem.foo.eq(42n)), 'foo == 42');
  });
  it('upper-case aliases', () => {
    assert.equal(String(mem.foo.IN([1, 2])), 'foo IN [1,2]');
    assert.equal(String(mem.foo.CONTAINS(['a', 'b'])), "foo CONTAINS ['a','b']");
    assert.equal(String(mem.foo.WITHIN(5, 'KM', { coords: [1, 2] })), 'foo WITHIN 5 KM OF [1,2]');
    assert.equal(String(mem.foo.eq(1).AND(mem.bar.eq(2))), '(foo == 1) && (bar == 2)');
    assert.equal(String(mem.foo.eq(1).OR(mem.bar.eq(2))), '(foo == 1) || (bar == 2)');
  });
  it('in/contains take one array or varargs alike', () => {
    assert.equal(String(mem.foo.in([1, 2, 3])), String(mem.foo.in(1, 2, 3)));
    assert.equal(String(mem.foo.contains(['x', 'y'])), String(mem.foo.contains('x', 'y')));
    assert.equal(String(mem.foo.IN([])), 'foo IN []');
  });
  it('RegExp objects for re and MATCHES, flags kept or overridden', () => {
    assert.equal(String(mem.foo.re(/a\/b\d/i)), 'foo =~ /a\\/b\\d/i');
    assert.equal(String(mem.foo.re(/a/i, 'm')), 'foo =~ /a/m');
    assert.equal(String(mem.foo.re('a/b')), 'foo =~ /a\\/b/');
    assert.equal(String(MATCHES(/x+/m)), 'MATCHES /x+/m');
  });
  it('EXISTS of a member, a name and a dotted name', () => {
    assert.equal(String(EXISTS(mem.elems.foo)), 'EXISTS elems.foo');
    assert.equal(String(EXISTS('foo')), 'EXISTS foo');
    assert.equal(String(EXISTS('elems.foo')), 'EXISTS elems.foo');
  });
  it('AGE with every comparison', () => {
    assert.equal(String(AGE.eq(1)), 'AGE == 1');
    assert.equal(String(AGE.lt(5000)), 'AGE < 5000');
    assert.equal(String(AGE('creationDate').gte(2)), "AGE('creationDate') >= 2");
  });
  it('and/or take filter text and the object form', () => {
    assert.equal(String(mem.foo.eq(1).and('bar == 2')), '(foo == 1) && (bar == 2)');
    assert.equal(String(mem.foo.eq(1).or({ bar: { $gt: 2 } })), '(foo == 1) || (bar > 2)');
    assert.equal(String(NOT('foo == 1')), 'NOT foo == 1');
  });
  it('member paths: mem(\'elems.foo\'), mem.elems.foo, mem[\'foo\'] and String(member)', () => {
    assert.equal(String(mem('elems.foo')), 'elems.foo');
    assert.equal(String(mem.elems.foo), 'elems.foo');
    assert.equal(String(mem['foo']), 'foo');
    assert.equal(`${mem.elems.foo.bar}`, 'elems.foo.bar');
    assert.equal(String(mem('elems.foo').eq(1)), String(mem.elems.foo.eq(1)));
    assert.equal(String(mem['elems']['foo'].eq(1)), 'elems.foo == 1');
  });
  it('members named like a method are reached with mem(name)', () => {
    assert.equal(String(mem('elems.eq').eq(1)), 'elems.eq == 1');
  });
  it('filters are immutable values: and() builds a new one', () => {
    const a = mem.a.eq(1);
    const b = a.and(mem.b.eq(2));
    assert.equal(String(a), 'a == 1');
    assert.equal(String(b), '(a == 1) && (b == 2)');
    assert.ok(Object.isFrozen(a));
  });
});

describe('parseFilter', () => {
  it('returns the canonical rendering', () => {
    assert.equal(String(parseFilter("foo==1&&bar=='x'")), "(foo == 1) && (bar == 'x')");
    assert.equal(String(parseFilter('  NOT   EXISTS   foo ')), 'NOT EXISTS foo');
    assert.ok(parseFilter('foo == 1') instanceof Filter);
  });
  it('round trips every contract string: String(parseFilter(s)) === s', () => {
    for (const [name, , want] of renderCases) assert.equal(String(parseFilter(want)), want, name);
  });
  it('parseFilter(String(f)) equals f', () => {
    for (const [name, build] of renderCases) {
      const f = build();
      assert.equal(String(parseFilter(String(f))), String(f), name);
    }
  });
  it('a parsed filter combines with built ones', () => {
    assert.equal(String(parseFilter('a==1').and(mem.b.eq(2))), '(a == 1) && (b == 2)');
    assert.equal(String(NOT(parseFilter('a==1 || b==2'))), 'NOT ((a == 1) || (b == 2))');
  });
  const errors = [
    ['foo == ', 7, 'operand'],
    ['foo === 1', 6, 'operand'],
    ['foo == 1 &&', 11, 'expression'],
    // JavaScript string indices (UTF-16 code units), as setSelectionRange takes them
    ['héllo wörld', 6, 'operator'],
    ["a == '😀' b", 10, '&&, || or end of input'],
  ];
  for (const [text, position, expected] of errors) {
    it(`throws FlowThingsError with position and expected: ${JSON.stringify(text)}`, () => {
      assert.throws(() => parseFilter(text), (err) => {
        assert.ok(err instanceof FlowThingsError);
        assert.equal(err.code, 'input');
        assert.equal(err.position, position);
        assert.equal(err.expected, expected);
        assert.match(err.message, new RegExp(`position ${position}`));
        assert.ok(err.found === '' || text.slice(position).startsWith(err.found), `found ${JSON.stringify(err.found)} at ${position}`);
        return true;
      });
    });
  }
  it('throws for other syntax errors with a position inside the text', () => {
    for (const text of ['', '(foo == 1', 'foo == 1)', "foo == 'open", 'foo IN [1,', 'foo =~ /x']) {
      assert.throws(() => parseFilter(text), (err) => {
        assert.ok(err instanceof FlowThingsError, text);
        assert.equal(err.code, 'input');
        assert.equal(typeof err.position, 'number', text);
        assert.ok(err.position >= 0 && err.position <= text.length, `${text}: ${err.position}`);
        assert.equal(typeof err.expected, 'string');
        return true;
      });
    }
  });
  it('takes only a string', () => {
    assert.throws(() => parseFilter(5), { name: 'FlowThingsError', code: 'input' });
    assert.throws(() => parseFilter(mem.a.eq(1)), { code: 'input' });
  });
});

describe('the object form via params.filter, as rendered in the URL', () => {
  let transport;
  let api;
  before(() => {
    transport = recorder();
    api = new API(new Token('acct', 'tok-F'), { host: 'api.test', transport });
  });
  const filterParam = async (filter) => {
    await api.drop('f1').find({ filter });
    return new URL(transport.last().url).searchParams.get('filter');
  };
  const cases = [
    ['{ path: \'/x\' }', { path: '/x' }, "path == '/x'"],
    ['$gt and $lte', { n: { $gt: 1, $lte: 5 } }, '(n > 1) && (n <= 5)'],
    ['$gte $lt $eq $ne', { n: { $gte: 1, $lt: 5 }, s: { $eq: 'a' }, t: { $ne: false } }, "(((n >= 1) && (n < 5)) && (s == 'a')) && (t != false)"],
    ['a RegExp value', { name: /ab\/c/i }, 'name =~ /ab\\/c/i'],
    ['$regex with a string and with a RegExp', { a: { $regex: 'x.y' }, b: { $regex: /z/m } }, '(a =~ /x.y/) && (b =~ /z/m)'],
    ['$in', { tags: { $in: ['a', 'b'] } }, "tags IN ['a','b']"],
    ['$contains', { tags: { $contains: [1, 2] } }, 'tags CONTAINS [1,2]'],
    ['$and', { $and: [{ a: 1 }, { b: 2 }] }, '(a == 1) && (b == 2)'],
    ['$or with dotted keys', { $or: [{ a: 1 }, { 'elems.b': { $ne: 'x' } }] }, "(a == 1) || (elems.b != 'x')"],
    ['several keys are AND-ed in order', { a: 1, b: true, c: 'x' }, "((a == 1) && (b == true)) && (c == 'x')"],
    ['$or inside $and', { $and: [{ $or: [{ a: 1 }, { a: 2 }] }, { b: { $gt: 0 } }] }, '((a == 1) || (a == 2)) && (b > 0)'],
    ['a Date value', { d: { $gt: new Date(5) } }, 'd > Date(5)'],
  ];
  for (const [name, object, want] of cases) {
    it(name, async () => {
      assert.equal(await filterParam(object), want);
    });
  }
  it('the exact URL of { path: \'/x\' }', async () => {
    await api.drop('f1').find({ filter: { path: '/x' } });
    assert.equal(transport.last().url, 'https://api.test/v0.1/acct/drop/f1?filter=path%20%3D%3D%20%27%2Fx%27');
  });
  it('a filter text and a Filter in params.filter', async () => {
    assert.equal(await filterParam('a == 1'), 'a == 1');
    assert.equal(await filterParam(mem.a.eq(1)), 'a == 1');
  });
  it('bad object forms are refused with code input before sending', async () => {
    transport.reset();
    for (const bad of [{}, { a: { $foo: 1 } }, { a: { $in: 1 } }, { $or: [] }, { $and: 'x' }, { a: null }, { a: {} }, { a: [1] }]) {
      await assert.rejects(async () => api.flow.find({ filter: bad }), { name: 'FlowThingsError', code: 'input' }, JSON.stringify(bad));
    }
    assert.equal(transport.calls.length, 0);
  });
});

describe('bad builder input throws FlowThingsError code input synchronously', () => {
  const cases = {
    'NaN': () => mem.foo.eq(NaN),
    'Infinity': () => mem.foo.gt(-Infinity),
    'null': () => mem.foo.eq(null),
    'undefined': () => mem.foo.eq(undefined),
    'an object': () => mem.foo.eq({}),
    'a BigInt beyond 2^53': () => mem.foo.eq(2n ** 53n + 1n),
    'a member in a list': () => mem.foo.in(1, mem.bar),
    'NaN in a list': () => mem.foo.in([1, NaN]),
    'an unknown unit': () => mem.foo.within(5, 'furlongs', { coords: [1, 2] }),
    'within without a target': () => mem.foo.within(5, 'KM'),
    'within with bad coords': () => mem.foo.within(5, 'KM', { coords: [1] }),
    'within with an empty zip': () => mem.foo.within(5, 'KM', { zip: '' }),
    'within with a fractional zip': () => mem.foo.within(5, 'KM', { zip: 1.5 }),
    'within with a negative zip': () => mem.foo.within(5, 'KM', { zip: -1 }),
    'within with a zip of another type': () => mem.foo.within(5, 'KM', { zip: true }),
    'HAS of an unknown type': () => HAS('nope'),
    'HAS of a non-string': () => HAS(5),
    'a NaN distance': () => mem.foo.within(NaN, 'KM', { coords: [1, 2] }),
    'a regex that is not a string': () => mem.foo.re(5),
    'AGE of NaN': () => AGE.gt(NaN),
    'AGE of a string': () => AGE.lt('5'),
    'AGE(\'\')': () => AGE(''),
    'NOT(5)': () => NOT(5),
    'and(null)': () => mem.a.eq(1).and(null),
    'mem(5)': () => mem(5),
    'mem(\'\')': () => mem(''),
    'mem(\'a..b\')': () => mem('a..b'),
    'EXISTS(5)': () => EXISTS(5),
    'MATCHES(5)': () => MATCHES(5),
  };
  for (const [name, build] of Object.entries(cases)) {
    it(name, () => {
      assert.throws(build, (err) => {
        assert.ok(err instanceof FlowThingsError);
        assert.equal(err.code, 'input');
        return true;
      });
    });
  }
  it('what the Go renderer validates is refused when built, so String(f) never throws', () => {
    const refused = {
      'an unknown regex flag': () => mem.foo.re('x', 'z'),
      'an upper-case flag': () => MATCHES('x', 'I'),
      'a lone trailing backslash': () => mem.foo.re('x\\'),
      'a member name with a space': () => mem('a b').eq(1),
      'a reserved member name': () => mem.not.eq(1),
      'filter text that does not parse': () => mem.a.eq(1).and('b =='),
      'an invalid date': () => mem.a.gt(new Date(NaN)),
    };
    for (const [name, build] of Object.entries(refused)) {
      assert.throws(build, (err) => {
        assert.ok(err instanceof FlowThingsError, name);
        assert.equal(err.code, 'input', name);
        return true;
      }, name);
    }
  });
  it('HAS of an unknown type lists the types', () => {
    assert.throws(() => HAS('foo'), (err) => {
      assert.equal(err.code, 'input');
      assert.match(err.message, /unknown element type "foo" \(want one of boolean, integer, .*, location\)/);
      return true;
    });
  });
});

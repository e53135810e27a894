// FFL regexes on JavaScript's RegExp (js/regexp.js): the translation from
// Java's dialect, what the RegExps then match, and the module's filter
// programs running them through the host functions.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { translate } from '../../js/regexp.js';
import { init } from '../../js/node.js';
import { compileFilter, matchFilter, release } from '../../js/bridge.js';

const H = ' \\t\\xA0\\u1680\\u180E\\u2000-\\u200A\\u202F\\u205F\\u3000';
const V = '\\n\\x0B\\f\\r\\x85\\u2028\\u2029';

describe('translate', () => {
  const cases = [
    // pattern, flags, source, RegExp flags
    ['^a.c$', '', '^a.c$', 'u'],
    ['abc', 'gimsux', 'abc', 'imsu'],
    ['a b # comment', 'x', 'ab', 'u'],
    ['a\tb\n# whole line\nc', 'x', 'abc', 'u'],
    ['a\\ b', 'x', 'a b', 'u'],
    ['[ ]x', 'x', '[ ]x', 'u'],
    ['(?=a)(?!b)(?<=c)(?<!d)', '', '(?=a)(?!b)(?<=c)(?<!d)', 'u'],
    ['(a)\\1(?<n>b)\\k<n>', '', '(a)\\1(?<n>b)\\k<n>', 'u'],
    ['(?:x)(?<name>y)', '', '(?:x)(?<name>y)', 'u'],
    ['\\Qa.b*[c]\\E+', '', 'a\\.b\\*\\[c\\]+', 'u'],
    ['\\Qa.b', '', 'a\\.b', 'u'],
    ['\\Q\\E', '', '', 'u'],
    ['a{2}b{2,}c{2,3}', '', 'a{2}b{2,}c{2,3}', 'u'],
    ['a{x}', '', 'a\\{x\\}', 'u'],
    ['a{2,3', '', 'a\\{2,3', 'u'],
    ['a]', '', 'a\\]', 'u'],
    ['[]a]', '', '[\\]a]', 'u'],
    ['[^]a]', '', '[^\\]a]', 'u'],
    ['[{}]', '', '[{}]', 'u'],
    ['[a\\-z]', '', '[a\\-z]', 'u'],
    ['a\\-b\\#c\\@d\\:e\\\'f\\"g\\ h', '', 'a-b#c@d:e\'f"g h', 'u'],
    ['\\.\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|\\/\\^\\$\\\\', '', '\\.\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|\\/\\^\\$\\\\', 'u'],
    ['\\d\\D\\w\\W\\s\\S\\t\\n\\r\\f\\b\\B', '', '\\d\\D\\w\\W\\s\\S\\t\\n\\r\\f\\b\\B', 'u'],
    ['\\u00e9\\x41\\x{1F600}\\cJ', '', '\\u00e9\\x41\\u{1F600}\\cJ', 'u'],
    ['\\0101\\07\\0377\\0400', '', '\\u{41}\\u{7}\\u{ff}\\u{20}0', 'u'],
    ['\\a\\e', '', '\\x07\\x1B', 'u'],
    ['\\h\\H[\\h]', '', `[${H}][^${H}][${H}]`, 'u'],
    ['\\v\\V[\\v]', '', `[${V}][^${V}][${V}]`, 'u'],
    ['\\R', '', `(?:\\r\\n|[${V}])`, 'u'],
    ['\\Aa\\z', '', '(?<![\\s\\S])a(?![\\s\\S])', 'u'],
    ['a\\Z', '', 'a(?=(?:\\r\\n|[\\n\\r\\x85\\u2028\\u2029])?(?![\\s\\S]))', 'u'],
    ['\\p{Lu}\\P{L}\\pL\\PN', '', '\\p{Lu}\\P{L}\\p{L}\\P{N}', 'u'],
    ['é\\é😀\\😀', '', 'éé😀😀', 'u'],
    ['a*?b+?c??', '', 'a*?b+?c??', 'u'],
  ];
  for (const [pattern, flags, source, jsFlags] of cases) {
    it(`/${pattern}/${flags}`, () => {
      assert.deepEqual(translate(pattern, flags), { source, flags: jsFlags });
      assert.doesNotThrow(() => new RegExp(source, jsFlags), 'a valid RegExp');
    });
  }

  const errors = [
    ['(?>ab)', "an atomic group (?>…) is not supported by JavaScript's RegExp"],
    ['(?i)ab', "inline flags (?i…) are not supported by JavaScript's RegExp; use the regex's flags"],
    ['(?-i:a)', 'inline flags (?-…)'],
    ['a*+', "a possessive quantifier (*+) is not supported by JavaScript's RegExp"],
    ['a{2}+', 'a possessive quantifier (}+)'],
    ['[a-z&&[^b]]', 'character class intersection (&&)'],
    ['[a[b]]', 'a nested character class (Java union)'],
    ['\\Ga', '\\G is not supported'],
    ['[\\H]', '\\H inside a character class'],
    ['[\\V]', '\\V inside a character class'],
    ['[\\R]', '\\R inside a character class'],
    ['[\\A]', '\\A inside a character class'],
    ['[\\1]', '\\1 inside a character class'],
    ['\\q', 'unsupported escape \\q'],
    ['\\E', 'unsupported escape \\E'],
    ['\\c1', '\\c needs a letter'],
    ['\\c', '\\c needs a letter'],
    ['\\x{41', 'unclosed \\x{…}'],
    ['\\0', '\\0 needs an octal digit'],
    ['\\08', '\\0 needs an octal digit'],
    ['\\p{Lu', 'unclosed \\p{…}'],
    ['\\p1', '\\p needs a property name'],
    ['a\\', 'trailing backslash'],
  ];
  for (const [pattern, message] of errors) {
    it(`refuses /${pattern}/`, () => {
      assert.throws(() => translate(pattern, ''), (err) => err.message.includes(message));
    });
  }
});

describe('what the RegExps match', () => {
  const cases = [
    // pattern, flags, input, match
    ['^a.c$', '', 'abc', true],
    ['^a.c$', '', 'a\nc', false],
    ['^a.c$', 's', 'a\nc', true],
    ['^b$', '', 'a\nb', false],
    ['^b$', 'm', 'a\nb', true],
    ['ÄB', 'iu', 'äb', true],
    ['ab', 'g', 'xaby', true],
    ['\\Qa.b', '', 'axb', false],
    ['a{x}', '', 'a{x}', true],
    ['[]a]+', '', ']a', true],
    ['[^]a]', '', 'b', true],
    ['^.$', '', '😀', true], // a code point, as Java reads it
    ['(?<=\\$)\\d+', '', 'costs $15', true],
    ['^(\\w+) \\1$', '', 'hey hey', true],
    ['^(\\w+) \\1$', '', 'hey you', false],
    ['line\\Z', '', 'last line\n', true],
    ['line\\z', '', 'last line\n', false],
    ['\\Aab', '', 'xab', false],
    ['a\\hb', '', 'a\u00a0b', true],
    ['\\R', '', '\r\n', true],
    ['\\x{1F600}', '', 'smile 😀', true],
    ['\\e\\a', '', '\x1b\x07', true],
    ['\\0101', '', 'A', true],
  ];
  for (const [pattern, flags, input, want] of cases) {
    it(`/${pattern}/${flags} on ${JSON.stringify(input)}`, () => {
      const t = translate(pattern, flags);
      assert.equal(new RegExp(t.source, t.flags).test(input), want);
    });
  }
});

describe('filter programs in the module', () => {
  before(() => init());

  it('match typed and plain drops, with the regexes on RegExp', () => {
    const { id } = compileFilter({ t: 'text', text: 'label =~ /(?<!sensor)-[a-z]/ && temp > 2' });
    try {
      const match = (drop) => matchFilter(id, drop).match;
      assert.equal(match({ elems: { label: 'aaa-bbb', temp: 3 } }), true);
      assert.equal(match({ elems: { label: 'sensor-b', temp: 3 } }), false, 'lookbehind');
      assert.equal(match({ elems: { label: { type: 'string', value: 'x-y' }, temp: { type: 'integer', value: 5 } } }), true);
      assert.equal(match({ elems: { label: 'x-y' } }), false, 'a missing member');
    } finally {
      release(id);
    }
    assert.throws(() => matchFilter(id, {}), { code: 'input', message: /unknown or released filter program/ });
  });

  it('report what RegExp refuses as an input error naming the regex', () => {
    assert.throws(() => compileFilter({ t: 'text', text: 'a =~ /(?>a)/' }),
      { code: 'input', message: "flowthings: invalid filter: regex /(?>a)/: an atomic group (?>…) is not supported by JavaScript's RegExp" });
    assert.throws(() => compileFilter({ t: 'text', text: 'MATCHES /(/' }),
      { code: 'input', message: /^flowthings: invalid filter: regex \/\(\/: Invalid regular expression: .*Unterminated group/ });
  });
});

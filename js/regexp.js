// FFL regexes on JavaScript's RegExp. The wasm module matches drops against
// filters with the filter language's own evaluator (filter/eval/match), but
// links no regex engine: it compiles and runs a filter's regexes through the
// host functions below (wasm/hostregex.go). JavaScript's dialect is closer
// to the platform's, Java's, than Go's RE2: lookahead, lookbehind and
// backreferences work.

/** The characters a RegExp with the u flag lets (and sometimes makes) a
 * pattern escape; escaping any other punctuation is an error there. */
const SYNTAX = '^$\\.*+?()[]{}|/';
/** Java's \h and \v (Java 8: vertical whitespace), as class contents. */
const HORIZONTAL = ' \\t\\xA0\\u1680\\u180E\\u2000-\\u200A\\u202F\\u205F\\u3000';
const VERTICAL = '\\n\\x0B\\f\\r\\x85\\u2028\\u2029';

const unsupported = (what) => new Error(`${what} is not supported by JavaScript's RegExp`);
const isLetter = (c) => c !== undefined && /^[A-Za-z]$/.test(c);

/**
 * translate rewrites an FFL regex — its pattern in Java's dialect and its
 * flags, any of "imsxug" — as the source and flags of a RegExp, or throws
 * an Error saying what RegExp lacks. The RegExp always has the u flag, so
 * that it reads code points as Java does and folds case by Unicode rules,
 * as Java's u flag asks; i, m and s are RegExp's own; x (comments) is
 * applied here, dropping unescaped whitespace and #-comments outside
 * character classes; g is ignored (a yes/no find has no global mode, and
 * RegExp's g would make test() stateful).
 *
 * Java's spellings are rewritten: \Q…\E quotes; \A, \z and \Z become
 * lookarounds; \h, \v, \R, \a, \e, \x{…} and octal \0… their equivalents;
 * escaped punctuation is escaped only where RegExp needs it; a literal {, }
 * or ] is escaped. What RegExp lacks is an error: atomic groups,
 * possessive quantifiers, inline flags such as (?i), \G, character-class
 * union and intersection, \H, \V, \R and anchors inside a class, and
 * escapes Java does not define. Remaining differences: with m off, Java's $
 * also matches before a final line terminator, RegExp's only at the end;
 * Java's . also excludes \u0085; \p{…} names are passed on as written
 * (RegExp refuses Java's \p{IsLatin} or \p{Alpha}).
 */
export function translate(pattern, flags) {
  const extended = flags.includes('x');
  let source = '';
  let inClass = false;
  let classStart = 0; // where a class's members start: a "]" there is a member
  let prevQuantifier = false;
  let prevOpen = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    let quantifier = false;
    let open = false;
    if (c === '\\' && pattern[i + 1] === 'Q') {
      const end = pattern.indexOf('\\E', i + 2);
      for (const ch of pattern.slice(i + 2, end < 0 ? pattern.length : end)) source += (SYNTAX.includes(ch) ? '\\' : '') + ch;
      i = end < 0 ? pattern.length : end + 1;
    } else if (c === '\\') {
      if (i + 1 === pattern.length) throw new Error('trailing backslash at end of expression');
      const [text, used] = escape(pattern, i + 1, inClass);
      source += text;
      i += used;
    } else if (inClass) {
      if (c === '[') throw unsupported('a nested character class (Java union)');
      if (c === '&' && pattern[i + 1] === '&') throw unsupported('character class intersection (&&)');
      if (c === ']' && i === classStart) {
        source += '\\]';
      } else {
        if (c === ']') inClass = false;
        source += c;
      }
    } else if (extended && ' \t\n\r\f\v'.includes(c)) {
      // insignificant
    } else if (extended && c === '#') {
      while (i + 1 < pattern.length && pattern[i + 1] !== '\n') i++;
    } else if (c === '[') {
      inClass = true;
      classStart = pattern[i + 1] === '^' ? i + 2 : i + 1;
      source += c;
    } else if (c === '(') {
      checkGroup(pattern.slice(i, i + 3));
      open = true;
      source += c;
    } else if (c === '{') {
      const n = repetitionLength(pattern, i);
      source += n === 0 ? '\\{' : pattern.slice(i, i + n); // a brace that starts no {n}, {n,} or {n,m} is literal
      i += Math.max(n - 1, 0);
      quantifier = n > 0;
    } else if (c === '}' || c === ']') {
      source += '\\' + c;
    } else if (c === '+' && prevQuantifier) {
      throw unsupported(`a possessive quantifier (${pattern[i - 1]}+)`);
    } else {
      // A "?" right after "(" opens a group, after a quantifier it makes
      // it lazy; neither is a quantifier itself.
      quantifier = c === '*' || c === '+' || (c === '?' && !prevOpen && !prevQuantifier);
      source += c;
    }
    prevQuantifier = quantifier;
    prevOpen = open;
  }
  return { source, flags: [...'ims'].filter((f) => flags.includes(f)).join('') + 'u' };
}

function checkGroup(start) {
  if (start[1] !== '?') return;
  if (start[2] === '>') throw unsupported('an atomic group (?>…)');
  if (start[2] === '-' || isLetter(start[2])) throw new Error(`inline flags (?${start[2]}…) are not supported by JavaScript's RegExp; use the regex's flags`);
}

/** repetitionLength is the length of a {n}, {n,} or {n,m} at i, or 0. */
function repetitionLength(pattern, i) {
  const m = /^\{\d+(,\d*)?\}/.exec(pattern.slice(i, i + 24));
  return m ? m[0].length : 0;
}

/** escape translates the escape sequence at `at` (after a backslash) and
 * returns [its translation, how many characters it used]. */
function escape(pattern, at, inClass) {
  const c = pattern[at];
  const outsideOnly = (text) => {
    if (inClass) throw unsupported(`\\${c} inside a character class`);
    return [text, 1];
  };
  const javaClass = (members, negated) => {
    if (!inClass) return [negated ? `[^${members}]` : `[${members}]`, 1];
    if (negated) throw unsupported(`\\${c} inside a character class`);
    return [members, 1];
  };
  const braced = () => {
    const end = pattern.indexOf('}', at);
    if (end < 0) throw new Error(`unclosed \\${c}{…}`);
    return end;
  };
  switch (c) {
    case 'd': case 'D': case 'w': case 'W': case 's': case 'S':
    case 't': case 'n': case 'r': case 'f': case 'b': case 'B': case 'u': case 'k':
      return ['\\' + c, 1];
    case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8': case '9':
      return outsideOnly('\\' + c);
    case 'a': return ['\\x07', 1];
    case 'e': return ['\\x1B', 1];
    case 'c':
      if (!isLetter(pattern[at + 1])) throw new Error('\\c needs a letter');
      return ['\\c' + pattern[at + 1], 2];
    case 'x': {
      if (pattern[at + 1] !== '{') return ['\\x', 1];
      const end = braced();
      return [`\\u{${pattern.slice(at + 2, end)}}`, end - at + 1];
    }
    case '0': {
      let n = 1;
      while (n < 4 && /[0-7]/.test(pattern[at + n] ?? '')) n++;
      if (n === 4 && pattern[at + 1] > '3') n = 3; // Java reads at most \0377
      if (n === 1) throw new Error('\\0 needs an octal digit');
      return [`\\u{${parseInt(pattern.slice(at + 1, at + n), 8).toString(16)}}`, n];
    }
    case 'p': case 'P': {
      if (pattern[at + 1] === '{') {
        const end = braced();
        return ['\\' + pattern.slice(at, end + 1), end - at + 1];
      }
      if (!isLetter(pattern[at + 1])) throw new Error(`\\${c} needs a property name`);
      return [`\\${c}{${pattern[at + 1]}}`, 2];
    }
    case 'h': case 'H': return javaClass(HORIZONTAL, c === 'H');
    case 'v': case 'V': return javaClass(VERTICAL, c === 'V');
    case 'R': return outsideOnly(`(?:\\r\\n|[${VERTICAL}])`);
    case 'A': return outsideOnly('(?<![\\s\\S])');
    case 'z': return outsideOnly('(?![\\s\\S])');
    case 'Z': return outsideOnly('(?=(?:\\r\\n|[\\n\\r\\x85\\u2028\\u2029])?(?![\\s\\S]))');
    case 'G': throw unsupported('\\G');
  }
  if (/[A-Za-z0-9]/.test(c)) throw new Error(`unsupported escape \\${c}`);
  const ch = String.fromCodePoint(pattern.codePointAt(at));
  return [(SYNTAX.includes(ch) || (inClass && ch === '-') ? '\\' : '') + ch, ch.length];
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** regexpHost returns the host functions of the module's filter programs
 * (see wasm/hostregex.go and js/host.js): compile an FFL regex into a
 * RegExp kept by number, give the reason one could not be, test a string,
 * release. Strings arrive as the address and length of their UTF-8 bytes in
 * the module's memory. None of them throws. */
export function regexpHost(memory) {
  const compiled = new Map();
  let last = 0;
  let reason = '';
  const text = (at, length) => decoder.decode(new Uint8Array(memory().buffer, at, length));
  return {
    regexpCompile(pattern, patternLength, flags, flagsLength) {
      try {
        const t = translate(text(pattern, patternLength), text(flags, flagsLength));
        compiled.set(++last, new RegExp(t.source, t.flags));
        return last;
      } catch (err) {
        reason = String(err?.message ?? err);
        return 0;
      }
    },
    regexpError(at, size) {
      return encoder.encodeInto(reason, new Uint8Array(memory().buffer, at, size)).written;
    },
    regexpTest(id, at, length) {
      return compiled.get(id)?.test(text(at, length)) ? 1 : 0;
    },
    regexpRelease(id) {
      compiled.delete(id);
    },
  };
}

// Exact JSON. JavaScript numbers hold integers exactly only up to 2^53, and
// the platform's `long` elems (and any integer a server sends) go up to
// 2^63: JSON.parse would round 9223372036854775807 to 9223372036854776000
// without a word. parse() gives such integers as BigInt, and stringify()
// writes BigInt as exact JSON integers.
//
// The everyday path stays JSON.parse: only a text in which a number token
// of 16 or more digits may start (one cheap scan) takes the exact parser,
// which is slower but reads every other value as JSON.parse would.

/** Sixteen digits after anything but a digit or a decimal point: where an
 * integer token beyond 2^53 would be, unless it starts the text (checked
 * apart). Digits in strings may match too; the exact path reads them as
 * strings. (Spelt out: V8 scans a fixed-length pattern four times faster
 * than \d{16}.) */
const MAYBE_UNSAFE = /[^.\d]\d\d\d\d\d\d\d\d\d\d\d\d\d\d\d\d/;
const STARTS_UNSAFE = /^\d{16}/;
const isDigit = (c) => c >= 48 && c <= 57;

/**
 * parse(text) is JSON.parse(text), except that an integer outside
 * ±(2^53 − 1) is a BigInt (a number with a fraction or an exponent stays a
 * Number), and an `__proto__` member is plain data (as with JSON.parse).
 * Invalid JSON throws JSON.parse's SyntaxError.
 */
export function parse(text) {
  text = String(text);
  if (!MAYBE_UNSAFE.test(text) && !(isDigit(text.charCodeAt(0)) && STARTS_UNSAFE.test(text))) return JSON.parse(text);
  try {
    return new ExactParser(text).document();
  } catch (err) {
    if (err instanceof ExactSyntaxError) JSON.parse(text); // throws the host's own SyntaxError
    throw err;
  }
}

/**
 * stringify(value) is JSON.stringify(value), except that a BigInt is
 * written as an exact integer instead of throwing.
 */
export function stringify(value) {
  try {
    return JSON.stringify(value);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    return stringifyWithBigInt(value); // rethrows what is not a BigInt, e.g. a cycle
  }
}

/** Writes each BigInt as a marked string, then turns the marked strings
 * into integers. The mark carries a random nonce and is checked to occur
 * exactly as often as BigInts were written, so no string of the value can
 * be mistaken for one. */
function stringifyWithBigInt(value) {
  for (;;) {
    const nonce = Math.random().toString(36).slice(2);
    let written = 0;
    const text = JSON.stringify(value, (_, v) => {
      if (typeof v !== 'bigint') return v;
      written++;
      return `\u0000${nonce}:${v}\u0000`;
    });
    const marked = new RegExp(`"\\\\u0000${nonce}:(-?\\d+)\\\\u0000"`, 'g');
    let found = 0;
    const exact = text.replace(marked, (_, digits) => { found++; return digits; });
    if (found === written && !exact.includes(nonce)) return exact;
  }
}

class ExactSyntaxError extends Error {}

const WHITESPACE = /[ \t\n\r]*/y;
// Unrolled (a run of plain characters, then escapes each followed by a
// run): (?:a|b)* would backtrack once per character and overflow V8's
// stack on strings of about ten million characters.
const STRING = /"[^"\\\u0000-\u001f]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\u0000-\u001f]*)*"/y;
const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

/** A recursive-descent JSON reader, for the rare texts with long integers.
 * Strings are decoded by JSON.parse of their token. */
class ExactParser {
  constructor(text) {
    this.text = text;
    this.at = 0;
  }

  document() {
    const v = this.value();
    this.space();
    if (this.at !== this.text.length) this.fail();
    return v;
  }

  fail() { throw new ExactSyntaxError(`invalid JSON at position ${this.at}`); }

  space() {
    WHITESPACE.lastIndex = this.at;
    WHITESPACE.test(this.text);
    this.at = WHITESPACE.lastIndex;
  }

  token(re) {
    re.lastIndex = this.at;
    const m = re.exec(this.text);
    if (!m) this.fail();
    this.at = re.lastIndex;
    return m;
  }

  value() {
    this.space();
    const c = this.text[this.at];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return JSON.parse(this.token(STRING)[0]);
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    for (const [word, v] of [['true', true], ['false', false], ['null', null]]) {
      if (this.text.startsWith(word, this.at)) {
        this.at += word.length;
        return v;
      }
    }
    return this.fail();
  }

  number() {
    const [digits, fraction, exponent] = this.token(NUMBER);
    const n = Number(digits);
    return fraction === undefined && exponent === undefined && !Number.isSafeInteger(n) ? BigInt(digits) : n;
  }

  /** Reads a list of items between open and close, separated by commas. */
  list(close, item) {
    this.at++;
    this.space();
    if (this.text[this.at] === close) {
      this.at++;
      return;
    }
    for (;;) {
      item();
      this.space();
      const c = this.text[this.at++];
      if (c === close) return;
      if (c !== ',') this.fail();
    }
  }

  array() {
    const out = [];
    this.list(']', () => out.push(this.value()));
    return out;
  }

  object() {
    const out = {};
    this.list('}', () => {
      this.space();
      if (this.text[this.at] !== '"') this.fail();
      const key = JSON.parse(this.token(STRING)[0]);
      this.space();
      if (this.text[this.at++] !== ':') this.fail();
      // As JSON.parse: a member named __proto__ is data, not the prototype.
      Object.defineProperty(out, key, { value: this.value(), enumerable: true, writable: true, configurable: true });
    });
    return out;
  }
}

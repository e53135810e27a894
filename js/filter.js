// Filters, built synchronously as plain trees and rendered by the Go filter
// package inside the wasm module, so that String(f) is byte for byte the
// platform text the Go SDK sends. The tree format is documented in
// wasm/internal/bridge/filter.go.
import { parseFilter as parseFilterText, renderFilter } from './bridge.js';
import { FlowThingsError } from './errors.js';
import { ELEM_TYPES } from './elemtypes.js';

const TREE = Symbol('flowthings.filter.tree');

/** renderNow renders a tree, or gives undefined before init(). */
function renderNow(tree) {
  try {
    return renderFilter(tree).text;
  } catch (err) {
    if (err instanceof FlowThingsError && err.code === 'init') return undefined;
    throw err;
  }
}

/** A filter expression. String(f) is its platform text. */
export class Filter {
  #tree;
  #text;
  constructor(tree, text) {
    this.#tree = tree;
    // Rendered as it is built, so that what the Go renderer refuses is
    // refused here, with an input error, and String(f) never throws. Before
    // init() a filter is rendered when it is first used.
    this.#text = text ?? renderNow(tree);
    this[TREE] = tree;
    Object.freeze(this);
  }
  /** This filter AND f: `(this) && (f)`. */
  and(f) { return new Filter({ t: 'and', left: this.#tree, right: treeOf(f) }); }
  /** This filter OR f: `(this) || (f)`. */
  or(f) { return new Filter({ t: 'or', left: this.#tree, right: treeOf(f) }); }
  AND(f) { return this.and(f); }
  OR(f) { return this.or(f); }
  /** The platform text. A filter built before init() that the renderer
   * refuses gives `<the error's message>` here, and throws where it is
   * sent (toJSON, params). */
  toString() {
    try {
      return this.toJSON();
    } catch (err) {
      if (err instanceof FlowThingsError && err.code === 'input') return `<${err.message}>`;
      throw err;
    }
  }
  /** The platform text; throws a FlowThingsError (`code: 'input'`) for a
   * filter built before init() that the renderer refuses. */
  toJSON() {
    this.#text ??= renderFilter(this.#tree).text; // private fields stay writable when frozen
    return this.#text;
  }
}

function bad(reason) {
  return new FlowThingsError(`flowthings: invalid filter: ${reason}`, { code: 'input', field: 'filter', reason });
}

/** treeOf accepts a Filter, filter text, or the browser client's object form. */
function treeOf(f) {
  if (f instanceof Filter) return f[TREE];
  if (typeof f === 'string') return { t: 'text', text: f };
  if (isPlainObject(f)) return objectTree(f);
  throw bad(`expected a filter, filter text or a filter object, not ${describe(f)}`);
}

function describe(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? (v.constructor?.name ?? 'an object') : typeof v;
}

export function isPlainObject(v) {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

const MEMBER = Symbol('flowthings.member');

/** literal converts a comparison value: strings, finite numbers, booleans,
 * Dates (Date(ms)) and, on the right of a comparison, other members. */
function literal(v, memberAllowed) {
  if (v !== null && (typeof v === 'object' || typeof v === 'function') && v[MEMBER]) {
    if (!memberAllowed) throw bad(`member ${v[MEMBER].join('.')} used where a value is required`);
    return { m: v[MEMBER] };
  }
  switch (typeof v) {
    case 'string': return { s: v };
    case 'boolean': return { b: v };
    case 'number':
      if (!Number.isFinite(v)) throw bad(`${v} is not a finite number`);
      return { n: v };
    case 'bigint':
      if (v > 2n ** 53n || v < -(2n ** 53n)) throw bad('integer beyond ±2^53 cannot be represented exactly');
      return { n: Number(v) };
  }
  if (v instanceof Date) return { ctor: 'Date', arg: { n: v.getTime() } };
  throw bad(`unsupported value ${describe(v)}; want a string, number, boolean, Date or member`);
}

function regexParts(pattern, flags) {
  if (pattern instanceof RegExp) return { pattern: pattern.source, flags: flags ?? pattern.flags };
  if (typeof pattern !== 'string') throw bad('a regular expression must be a string or a RegExp');
  return { pattern, flags: flags ?? '' };
}

function listValues(xs) {
  const values = xs.length === 1 && Array.isArray(xs[0]) ? xs[0] : xs;
  return values.map((v) => literal(v, false));
}

const UNITS = ['MILES', 'MILE', 'KM', 'KILOMETERS', 'METERS', 'FEET'];

/** zipText takes a zip as text, or as a whole number as the Python client
 * does (`zip=123` → `[ZIP=123]`). */
function zipText(zip) {
  if (typeof zip === 'number') {
    if (!Number.isSafeInteger(zip) || zip < 0) throw bad(`a zip number must be a whole number ≥ 0, not ${zip}`);
    return String(zip);
  }
  if (typeof zip !== 'string' || zip === '') throw bad('zip must be a non-empty string or a whole number');
  return zip;
}

/** A member path: comparisons and list, regex and distance tests. */
class Member {
  #path;
  constructor(path) { this.#path = path; }
  get [MEMBER]() { return this.#path; }
  #cmp(op, v) { return new Filter({ t: 'cmp', left: { m: this.#path }, op, right: literal(v, true) }); }
  eq(v) { return this.#cmp('==', v); }
  ne(v) { return this.#cmp('!=', v); }
  gt(v) { return this.#cmp('>', v); }
  gte(v) { return this.#cmp('>=', v); }
  lt(v) { return this.#cmp('<', v); }
  lte(v) { return this.#cmp('<=', v); }
  /** member =~ /pattern/flags: a substring match (RE2 syntax on the emulator). */
  re(pattern, flags) { return new Filter({ t: 're', m: this.#path, ...regexParts(pattern, flags) }); }
  /** member IN [xs]: equal to any of them. */
  in(...xs) { return new Filter({ t: 'list', m: this.#path, op: 'IN', values: listValues(xs) }); }
  IN(...xs) { return this.in(...xs); }
  /** member CONTAINS [xs]: the array member holds all of them. */
  contains(...xs) { return new Filter({ t: 'list', m: this.#path, op: 'CONTAINS', values: listValues(xs) }); }
  CONTAINS(...xs) { return this.contains(...xs); }
  /** member WITHIN n unit OF target: within(5, 'KM', { coords: [lat, lon] }) or within(5, { zip: '11201' }); unit defaults to MILES. */
  within(n, unit, target) {
    if (typeof unit === 'object' && unit !== null) [unit, target] = [undefined, unit];
    unit = (unit ?? 'MILES').toUpperCase();
    if (!UNITS.includes(unit)) throw bad(`unknown distance unit ${unit}; want one of ${UNITS.join(', ')}`);
    if (typeof n !== 'number' || !Number.isFinite(n)) throw bad('a distance must be a finite number');
    const node = { t: 'within', m: this.#path, distance: n, unit };
    if (target?.zip !== undefined) {
      return new Filter({ ...node, zip: zipText(target.zip) });
    }
    const c = target?.coords;
    if (!Array.isArray(c) || c.length !== 2 || !c.every(Number.isFinite)) throw bad('within needs { coords: [lat, lon] } or { zip }');
    return new Filter({ ...node, lat: c[0], lon: c[1] });
  }
  WITHIN(...a) { return this.within(...a); }
  toString() { return this.#path.join('.'); }
  [Symbol.toPrimitive]() { return this.toString(); }
}

const METHODS = new Set(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 're', 'in', 'IN', 'contains', 'CONTAINS', 'within', 'WITHIN', 'toString']);

function member(path) {
  if (path.length === 0 || path.some((s) => typeof s !== 'string' || s === '')) throw bad('a member path needs non-empty names');
  const target = new Member(path);
  return new Proxy(target, {
    get(t, prop) {
      if (typeof prop === 'symbol') return prop === MEMBER ? path : prop === Symbol.toPrimitive ? () => t.toString() : undefined;
      if (METHODS.has(prop)) return t[prop].bind(t);
      return member([...path, prop]);
    },
  });
}

function memberArg(m) {
  if (typeof m === 'string') return m.split('.');
  if (m !== null && typeof m === 'object' && m[MEMBER]) return m[MEMBER];
  throw bad('expected a member or a member name');
}

/** mem.foo, mem['foo'], mem.elems.foo or mem('elems.foo'): a member path.
 * Members named like a method (eq, in, within, …) are reached with mem('name'). */
export const mem = new Proxy(function mem() {}, {
  apply(_, __, [path]) {
    if (typeof path !== 'string') throw bad('mem() takes a dotted member name');
    return member(path.split('.'));
  },
  get(_, prop) {
    if (typeof prop === 'symbol') return undefined;
    return member([prop]);
  },
});

function ageBuilder(field) {
  const age = (op) => (ms) => {
    if (typeof ms !== 'number' || !Number.isFinite(ms)) throw bad('AGE compares against milliseconds');
    return new Filter({ t: 'age', field, op, value: ms, unit: '' });
  };
  return { eq: age('=='), ne: age('!='), gt: age('>'), gte: age('>='), lt: age('<'), lte: age('<=') };
}

/** AGE.gt(ms): now minus creationDate; AGE('lastEditDate').eq(ms): of that date member. */
export const AGE = Object.assign((field) => {
  if (typeof field !== 'string' || field === '') throw bad('AGE(field) needs a member name');
  return ageBuilder(field);
}, ageBuilder(''));

/** EXISTS(member or name): the member is present. */
export const EXISTS = (m) => new Filter({ t: 'exists', m: memberArg(m) });
const asciiLower = (s) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** HAS(type): some elem has that type (boolean, integer, date, …, in any
 * case); another name is refused, listing the types. */
export const HAS = (type) => {
  const name = typeof type === 'string' ? ELEM_TYPES.find((t) => asciiLower(t) === asciiLower(type)) : undefined;
  if (name === undefined) throw bad(`unknown element type ${JSON.stringify(String(type))} (want one of ${ELEM_TYPES.join(', ')})`);
  return new Filter({ t: 'has', type: name });
};
/** MATCHES(pattern, flags?): some string value matches. */
export const MATCHES = (pattern, flags) => new Filter({ t: 'matches', ...regexParts(pattern, flags) });
/** NOT(filter). */
export const NOT = (f) => new Filter({ t: 'not', x: treeOf(f) });

/** parseFilter reads platform filter text; a syntax error throws a
 * FlowThingsError with `position` (an index into the string, in UTF-16
 * code units as setSelectionRange takes) and `expected`. */
export function parseFilter(text) {
  if (typeof text !== 'string') throw bad('parseFilter takes a string');
  const { text: canonical } = parseFilterText(text);
  return new Filter({ t: 'text', text: canonical }, canonical);
}

const OBJECT_OPS = { $eq: '==', $ne: '!=', $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' };

function andAll(trees) {
  return trees.reduce((left, right) => ({ t: 'and', left, right }));
}

/** objectTree converts the reference browser client's object form:
 * { path: '/x' }, { n: { $gt: 1, $lte: 5 } }, RegExp values and $regex,
 * $in/$contains arrays, { $and: [...] } and { $or: [...] }. Several members
 * are AND-ed in key order; dotted keys are member paths. */
function objectTree(o) {
  const parts = Object.entries(o).map(([key, v]) => {
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(v) || v.length === 0) throw bad(`${key} needs a non-empty array of filter objects`);
      const trees = v.map(treeOf);
      return key === '$and' ? andAll(trees) : trees.reduce((left, right) => ({ t: 'or', left, right }));
    }
    const m = key.split('.');
    if (v instanceof RegExp) return { t: 're', m, ...regexParts(v) };
    if (!isPlainObject(v)) return { t: 'cmp', left: { m }, op: '==', right: literal(v, false) };
    const ops = Object.entries(v).map(([op, x]) => {
      if (op === '$regex') return { t: 're', m, ...regexParts(x) };
      if (op === '$in' || op === '$contains') {
        if (!Array.isArray(x)) throw bad(`${op} of ${key} must be an array`);
        return { t: 'list', m, op: op === '$in' ? 'IN' : 'CONTAINS', values: listValues([x]) };
      }
      if (!(op in OBJECT_OPS)) throw bad(`unknown operator ${op} for ${key}`);
      return { t: 'cmp', left: { m }, op: OBJECT_OPS[op], right: literal(x, false) };
    });
    if (ops.length === 0) throw bad(`no operator for ${key}`);
    return andAll(ops);
  });
  if (parts.length === 0) throw bad('an empty filter object; leave the filter out instead');
  return andAll(parts);
}

/** filterText renders a filter param: text as it is, a Filter, an object
 * form, or an array of these (the wasm module ANDs an array). */
export function filterText(f) {
  if (Array.isArray(f)) return f.map(filterText);
  if (typeof f === 'string') return f;
  return (f instanceof Filter ? f : new Filter(treeOf(f))).toJSON();
}

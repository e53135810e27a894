// How the dashboard shows data: elems (typed `{ type, value }` as v0.1
// returns them, or plain), times and errors, as readable text.

// The platform's elem types (docs/protocol.md §6).
const ELEM_TYPES = new Set(['boolean', 'integer', 'long', 'float', 'string', 'text', 'email', 'url', 'date', 'id',
  'flowRef', 'dropRef', 'map', 'sortedMap', 'list', 'set', 'sortedSet', 'media', 'location']);
const NUMERIC_TYPES = new Set(['integer', 'long', 'float']);
const MAX_TEXT = 120;

const numberFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 6 });

/** Whether v is a typed elem: exactly `type` (a known type) and `value`. */
function isTyped(v) {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 2 && 'type' in v && 'value' in v && ELEM_TYPES.has(v.type);
}

/** The type and value of an elem, typed or plain: plain values get the
 * type the platform would infer. */
export function elemTypeAndValue(elem) {
  if (isTyped(elem)) return { type: elem.type, value: elem.value };
  switch (typeof elem) {
    case 'boolean': return { type: 'boolean', value: elem };
    case 'bigint': return { type: 'long', value: elem };
    case 'number': return { type: Number.isInteger(elem) ? 'integer' : 'float', value: elem };
    case 'string': return { type: 'string', value: elem };
    default:
      if (Array.isArray(elem)) return { type: 'list', value: elem };
      if (elem === null || elem === undefined) return { type: 'null', value: null };
      return { type: 'map', value: elem };
  }
}

/** The plain value of any (possibly nested) typed elem. */
export function plainValue(elem) {
  const { value } = elemTypeAndValue(elem);
  if (Array.isArray(value)) return value.map(plainValue);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainValue(v)]));
  }
  return value;
}

/** The elem as a finite number (for the chart), or undefined. */
export function numericValue(elem) {
  const { type, value } = elemTypeAndValue(elem);
  if (!NUMERIC_TYPES.has(type)) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** A number as the table shows it (up to 6 decimals, grouped digits). */
export function formatNumber(n) {
  return typeof n === 'bigint' ? n.toString() : numberFormat.format(n);
}

/** JSON text of a value, bigints (integers beyond 2^53) written exactly. */
export function jsonText(value) {
  const marker = '\u0000bigint:';
  const text = JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? `${marker}${v}` : v));
  return text === undefined ? String(value) : text.replace(/"\\u0000bigint:(-?\d+)"/g, '$1');
}

/** Compact JSON of a plain value, cut to MAX_TEXT. */
function compact(value) {
  const text = jsonText(value);
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

/** A date (epoch ms) as local date and time, to the millisecond. */
export function formatDateTime(ms) {
  const d = new Date(Number(ms));
  if (Number.isNaN(d.getTime())) return String(ms);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${formatTime(ms)}`;
}

/** The time of day of a date (epoch ms): HH:MM:SS.mmm. */
export function formatTime(ms) {
  const d = new Date(Number(ms));
  if (Number.isNaN(d.getTime())) return String(ms);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/**
 * An elem for display: `{ text, type, kind, href? }`. kind is the CSS
 * class of its look (number, text, bool, date, struct, empty); href is set
 * for http(s) URLs only.
 */
export function formatElem(elem) {
  const { type, value } = elemTypeAndValue(elem);
  switch (type) {
    case 'integer': case 'long': case 'float':
      return { type, kind: 'number', text: formatNumber(value) };
    case 'boolean':
      return { type, kind: 'bool', text: value ? 'true' : 'false' };
    case 'date':
      return { type, kind: 'date', text: formatDateTime(value) };
    case 'location': {
      const loc = plainValue(value) ?? {};
      const lat = Number(loc.lat ?? loc.latitude);
      const lon = Number(loc.lon ?? loc.lng ?? loc.longitude);
      const text = Number.isFinite(lat) && Number.isFinite(lon) ? `${lat.toFixed(5)}, ${lon.toFixed(5)}` : compact(loc);
      return { type, kind: 'struct', text };
    }
    case 'url': {
      const text = String(value);
      return { type, kind: 'text', text, href: /^https?:\/\//i.test(text) ? text : undefined };
    }
    case 'map': case 'sortedMap': case 'list': case 'set': case 'sortedSet': case 'media':
      return { type, kind: 'struct', text: compact(plainValue(elem)) };
    case 'null':
      return { type, kind: 'empty', text: '—' };
    default: {
      const text = typeof value === 'string' ? value : compact(value);
      return { type, kind: 'text', text: text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text };
    }
  }
}

/** The elem names of drops, most frequent first (then by name). */
export function elemNames(drops) {
  const counts = new Map();
  for (const drop of drops) {
    for (const name of Object.keys(drop.elems ?? {})) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([name]) => name);
}

/** The elem names holding a number in at least one of the drops. */
export function numericElemNames(drops) {
  return elemNames(drops).filter((name) => drops.some((d) => numericValue(d.elems?.[name]) !== undefined));
}

/** The elem to chart when the user has picked none: the first numeric one
 * with a fractional value (a measurement rather than a count), else the
 * first numeric one; '' for none. */
export function defaultChartElem(drops) {
  const names = numericElemNames(drops);
  const measured = names.find((name) => drops.some((d) => !Number.isInteger(numericValue(d.elems?.[name]) ?? 0)));
  return measured ?? names[0] ?? '';
}

/**
 * A value as user input would give it: JSON when the text is JSON (a
 * number, true, false, null, "a string", an object or array), else the
 * text itself as a string. Returns `{ value, type }`.
 */
export function parseElemInput(text) {
  const trimmed = text.trim();
  // An integer beyond 2^53 is kept exactly, as a bigint (a long elem).
  if (/^-?\d+$/.test(trimmed) && !Number.isSafeInteger(Number(trimmed))) return { value: BigInt(trimmed), type: 'long' };
  if (trimmed !== '') {
    try {
      const value = JSON.parse(trimmed);
      if (value === null) return { value, type: 'null' };
      return { value, type: elemTypeAndValue(value).type };
    } catch {
      // not JSON: a string
    }
  }
  return { value: text, type: 'string' };
}

/** A readable message for an error of the SDK (or anything thrown): what
 * the platform said when it refused, else the error's own message. */
export function describeError(err) {
  if (err === null || typeof err !== 'object') return String(err);
  const errors = Array.isArray(err.errors) ? err.errors.filter((e) => typeof e === 'string' && e) : [];
  if (errors.length) {
    return `${errors.join('; ')} (${err.status ?? 'error'}${err.method ? ` on ${err.method} ${err.path}` : ''})`;
  }
  const message = String(err.message ?? err).replace(/^flowthings: /, '');
  return message || String(err.name ?? 'error');
}

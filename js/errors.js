// Errors of the flowthings-wasm package. Every error is a real Error
// subclass, and none ever shows a token: each Client registers its token
// here (registerSecret), and every FlowThingsError redacts, as it is made,
// its message, its string fields (excerpt, reason, errors, messages, …) and
// its cause — a redacted copy, never the original object, which a fetch
// failure or a custom transport may have filled with the request. The
// token is found as it is, JSON-escaped (`\/`, `\u002f`, with any number of
// backslashes) and percent-encoded (`%2F`, `%252F`), in any letter case.

const REDACTED = '[redacted]';

/** The registered secrets: secret → { pattern, clients } (how many
 * Clients hold it), and their list, longest first (a secret containing
 * another is redacted whole). */
const secrets = new Map();
let longestFirst = [];

/** Secrets shorter than this are not secrets (the platform's tokens have
 * 32 characters and more): redacting `t` from every message would only
 * garble them. */
const MIN_SECRET = 8;

/** registerSecret makes every FlowThingsError made from now on redact
 * secret, until as many unregisterSecret calls. Every Client registers its
 * token, and unregisters it when it is garbage-collected: a process that
 * makes an API per user keeps only the tokens in use. */
export function registerSecret(secret) {
  if (typeof secret !== 'string' || secret.length < MIN_SECRET) return;
  const known = secrets.get(secret);
  if (known) {
    known.clients++;
    return;
  }
  // A secret outside printable ASCII, or with escapes' own characters, is
  // always looked for with its pattern (canonical() does not undo those).
  secrets.set(secret, { pattern: new RegExp(secretPattern(secret), 'g'), clients: 1, always: /[^\x20-\x7e]|[%\\]/.test(secret) });
  longestFirst = [...secrets.keys()].sort((a, b) => b.length - a.length);
}

/** unregisterSecret undoes one registerSecret. */
export function unregisterSecret(secret) {
  const known = secrets.get(secret);
  if (!known || --known.clients > 0) return;
  secrets.delete(secret);
  longestFirst = longestFirst.filter((s) => s !== secret);
}

/** redact returns text with every registered secret, in any of its forms,
 * replaced by "[redacted]". A secret's pattern runs only where the secret
 * may be: text without a backslash or a percent sign holds it only as it
 * is, and other text is searched once with its escapes undone. */
export function redact(text) {
  text = String(text);
  if (longestFirst.length === 0) return text;
  const escaped = text.includes('\\') || text.includes('%');
  const plain = escaped ? canonical(text) : text;
  for (const secret of longestFirst) {
    const { pattern, always } = secrets.get(secret);
    if (escaped) {
      if (always || plain.includes(secret)) text = text.replace(pattern, REDACTED);
    } else if (text.includes(secret)) {
      text = text.replaceAll(secret, REDACTED);
    }
  }
  return text;
}

/** canonical undoes, for the search, the escapes secretPattern matches:
 * JSON's (\uXXXX, \/ and the like, after any number of backslashes) and
 * the percent-encoding of ASCII (once or twice). */
function canonical(text) {
  return text.replace(/\\+u([0-9a-fA-F]{4})|\\+([/"\\])|%(?:25)?([0-7][0-9a-fA-F])/g,
    (_, unit, ch, byte) => (unit ? String.fromCharCode(parseInt(unit, 16)) : ch ?? String.fromCharCode(parseInt(byte, 16))));
}

const hex = (n, width) => n.toString(16).padStart(width, '0');
/** Matches the hexadecimal digits of n in either letter case. */
const hexPattern = (n, width) => [...hex(n, width)].map((d) => (/[a-f]/.test(d) ? `[${d}${d.toUpperCase()}]` : d)).join('');
const literal = (s) => s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');

/** secretPattern is the source of a pattern matching secret as written in
 * text, JSON or a URL: each character as it is, as a JSON escape (after
 * any number of backslashes, as JSON inside JSON has), or percent-encoded
 * (once or twice). */
function secretPattern(secret) {
  let source = '';
  for (const ch of secret) {
    const forms = [literal(ch)];
    const units = ch.length === 2 ? [ch.charCodeAt(0), ch.charCodeAt(1)] : [ch.charCodeAt(0)];
    forms.push(units.map((u) => `\\\\+u${hexPattern(u, 4)}`).join(''));
    if (ch === '/' || ch === '"' || ch === '\\') forms.push(`\\\\+${literal(ch)}`);
    forms.push([...new TextEncoder().encode(ch)].map((b) => `%(?:25)?${hexPattern(b, 2)}`).join(''));
    source += `(?:${forms.join('|')})`;
  }
  return source;
}

/** How deep a cause's chain and data are copied. */
const MAX_DEPTH = 8;

/** redactedCopy returns a copy of v with every string redacted: errors as
 * errors of the same prototype (with their stack, own fields, cause and
 * AggregateError's errors), arrays and plain data as copies; functions and
 * other objects as their redacted text. */
function redactedCopy(v, depth = 0) {
  if (typeof v === 'string') return redact(v);
  if (v === null || typeof v !== 'object') return typeof v === 'function' || typeof v === 'symbol' ? redact(String(v)) : v;
  if (v instanceof FlowThingsError) return v; // redacted when it was made
  if (depth >= MAX_DEPTH) return REDACTED;
  if (v instanceof Error) return redactedError(v, depth);
  if (Array.isArray(v)) return v.map((x) => redactedCopy(x, depth + 1));
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return redact(safeString(v));
  const out = {};
  for (const [k, x] of Object.entries(v)) defineData(out, k, redactedCopy(x, depth + 1));
  return out;
}

function safeString(v) {
  try { return String(v); } catch { return Object.prototype.toString.call(v); }
}

/** defineData sets a member as plain data, even one named __proto__. */
function defineData(o, key, value, enumerable = true) {
  Object.defineProperty(o, key, { value, enumerable, writable: true, configurable: true });
}

function redactedError(err, depth) {
  let message = '';
  try { message = redact(err.message ?? ''); } catch { /* a hostile getter */ }
  const copy = new Error(message);
  Object.setPrototypeOf(copy, Object.getPrototypeOf(err));
  try {
    String(copy); // a prototype whose getters check the receiver's brand (DOMException) throws here
  } catch {
    Object.setPrototypeOf(copy, Error.prototype);
    let name = 'Error';
    try { name = redact(err.name); } catch { /* a hostile getter */ }
    defineData(copy, 'name', name, false);
  }
  for (const key of Object.keys(err)) {
    try { defineData(copy, key, redactedCopy(err[key], depth + 1)); } catch { /* a hostile getter */ }
  }
  for (const key of ['stack', 'cause', 'errors']) {
    if (!Object.prototype.hasOwnProperty.call(err, key) || Object.prototype.propertyIsEnumerable.call(err, key)) continue;
    try { defineData(copy, key, redactedCopy(err[key], depth + 1), false); } catch { /* a hostile getter */ }
  }
  return copy;
}

/** The fields an error may carry besides message and cause. */
const FIELDS = ['field', 'reason', 'position', 'expected', 'found', 'status', 'method', 'path', 'account', 'excerpt', 'service', 'operation', 'target'];

/** Misuse, a call refused before any I/O, a response that is not a platform
 * envelope, a transport failure, a timeout or an abort. `code` says which. */
export class FlowThingsError extends Error {
  // Explicit names: a minifier renames classes, and `name` must not change.
  static name = 'FlowThingsError';
  constructor(message, details = {}) {
    super(redact(message), details.cause === undefined ? undefined : { cause: redactedCopy(details.cause) });
    this.name = new.target.name;
    this.code = details.code ?? 'error';
    for (const key of FIELDS) {
      if (details[key] !== undefined) this[key] = redactedCopy(details[key]);
    }
  }
}

/** The platform answered with a failure status: `status`, `errors` (the
 * envelope's array), `messages`, `method`, `path` (below the account) and
 * `account`. */
export class FlowThingsException extends FlowThingsError {
  static name = 'FlowThingsException';
  constructor(message, details = {}) {
    super(message, details);
    this.errors = redactedCopy(details.errors ?? []);
    this.messages = redactedCopy(details.messages ?? []);
  }
}

/** 400: malformed input, a bad filter, an immutable update. */
export class FlowThingsBadRequest extends FlowThingsException { static name = 'FlowThingsBadRequest'; }
/** 401 or 403: a missing, unknown or expired token, or one lacking permission. */
export class FlowThingsForbidden extends FlowThingsException { static name = 'FlowThingsForbidden'; }
/** 404: an unknown id or flow. */
export class FlowThingsNotFound extends FlowThingsException { static name = 'FlowThingsNotFound'; }
/** 5xx. */
export class FlowThingsServerError extends FlowThingsException { static name = 'FlowThingsServerError'; }

const platformClasses = {
  badRequest: FlowThingsBadRequest,
  forbidden: FlowThingsForbidden,
  notFound: FlowThingsNotFound,
  server: FlowThingsServerError,
  platform: FlowThingsException,
};

/** errorFrom turns an error descriptor of the wasm module (its `kind` is a
 * core.Kind) into the matching Error subclass. */
export function errorFrom(d) {
  const Class = platformClasses[d.kind] ?? FlowThingsError;
  return new Class(d.message, { ...d, code: d.kind });
}

// The token scan's tools: a distinctive token, a check that it shows in
// nothing the SDK produced, and a capture of the console.
//
//   import { SECRET, assertNoLeak, captureConsole } from './helpers/leak.js';
//   const api = new API(new Token('acct', SECRET), { host, secure: false });
//   const seen = captureConsole();
//   try { … } finally { seen.restore(); }
//   assertNoLeak(t, err, seen.text(), someUrl);
//
// The check is written apart from the package's own redaction (js/errors.js)
// on purpose: it decodes what the token could be hidden behind — JSON
// escapes (`\/`, `\u002F`, any number of backslashes) and percent-encoding
// (`%2F`, `%252F`) — and then looks for the token, or any 10 characters of
// it in a row (a cut excerpt must not keep half of it either).
import assert from 'node:assert/strict';
import util from 'node:util';

/** A token no test output contains by chance; `/` and `+` make escaping matter. */
export const SECRET = 'tok/Qx7+Lk9Zv2/Wm4+Hj8Rb';

const WINDOW = 10;
const windows = [];
for (let i = 0; i + WINDOW <= SECRET.length; i++) windows.push(SECRET.slice(i, i + WINDOW));

/** decoded undoes, repeatedly, the escapes that could hide the token. */
function decoded(text) {
  let prev;
  let s = text;
  do {
    prev = s;
    s = s
      .replace(/\\+u([0-9a-fA-F]{4})/g, (_, h) => String.fromCharCode(parseInt(h, 16)))
      .replace(/\\+([/"\\])/g, '$1')
      .replace(/%([0-9a-fA-F]{2})/g, (m, h) => (parseInt(h, 16) < 0x80 ? String.fromCharCode(parseInt(h, 16)) : m));
  } while (s !== prev);
  return s;
}

/** leaks returns the part of the secret text shows, or null. */
export function leaks(text) {
  const s = decoded(String(text));
  if (s.includes(SECRET)) return SECRET;
  return windows.find((w) => s.includes(w)) ?? null;
}

/** texts lists every form in which value can reach a user: an error's
 * String, JSON, util.inspect (depth Infinity), stack, message, and its
 * causes and AggregateError errors one by one; for anything else its
 * text, JSON and inspection. */
export function texts(value, seen = new Set()) {
  if (value === null || value === undefined) return [];
  if (typeof value !== 'object' && typeof value !== 'function') return [String(value)];
  if (seen.has(value)) return [];
  seen.add(value);
  const out = [util.inspect(value, { depth: Infinity, showHidden: true, getters: true })];
  try { out.push(JSON.stringify(value) ?? ''); } catch { /* circular or BigInt: inspection covers it */ }
  try { out.push(String(value)); } catch { /* no toString */ }
  if (value instanceof Error) {
    out.push(String(value.stack), String(value.message));
    for (const key of Object.getOwnPropertyNames(value)) {
      if (key !== 'stack' && key !== 'message') out.push(...texts(value[key], seen));
    }
  } else if (Array.isArray(value)) {
    for (const x of value) out.push(...texts(x, seen));
  }
  return out;
}

/**
 * assertNoLeak([t,] ...values) fails when SECRET, in any form, shows in any
 * value (see texts). t, a node:test context, is optional: when given, the
 * count of texts checked goes to its diagnostics.
 */
export function assertNoLeak(...values) {
  const t = isTestContext(values[0]) ? values.shift() : null;
  let checked = 0;
  values.forEach((value, i) => {
    for (const text of texts(value)) {
      checked++;
      const found = leaks(text);
      assert.equal(found, null, `the token shows (as ${JSON.stringify(found)}) in value ${i}: ${text.slice(0, 2000)}`);
    }
  });
  t?.diagnostic(`token scan: ${checked} texts of ${values.length} values, no leak`);
}

function isTestContext(v) {
  return v !== null && typeof v === 'object' && typeof v.diagnostic === 'function' && typeof v.test === 'function';
}

const METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace', 'dir'];

/**
 * captureConsole() records, without printing, everything written through
 * console.* and every process warning until restore(). `lines` holds
 * one entry per call, formatted as the console would (util.format);
 * text() joins them.
 */
export function captureConsole() {
  const lines = [];
  const saved = {};
  for (const m of METHODS) {
    saved[m] = console[m];
    console[m] = (...args) => { lines.push(m === 'dir' ? util.inspect(args[0], { depth: Infinity }) : util.formatWithOptions({ depth: Infinity }, ...args)); };
  }
  const onWarning = (w) => lines.push(util.inspect(w, { depth: Infinity }));
  const hasProcess = typeof process !== 'undefined' && typeof process.on === 'function';
  if (hasProcess) process.on('warning', onWarning);
  return {
    lines,
    text: () => lines.join('\n'),
    restore() {
      for (const m of METHODS) console[m] = saved[m];
      if (hasProcess) process.off('warning', onWarning);
    },
  };
}

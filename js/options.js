// Options objects are checked: an unknown key is a typo until proven
// otherwise, and a typo must never fall back to a default silently (a
// mistyped `host` once sent the token to the defunct hosted platform).
import { FlowThingsError } from './errors.js';

/** checkKeys throws an `input` error naming the first key of options that
 * is not in allowed, and the nearest allowed key when one is close. `where`
 * names the call in the message, e.g. "new API(token, options)". */
export function checkKeys(options, allowed, where) {
  if (options === undefined || options === null) return;
  for (const key of Object.keys(options)) {
    if (allowed.includes(key)) continue;
    const near = nearest(key, allowed);
    const hint = near ? `; did you mean \`${near}\`?` : `; known options: ${allowed.join(', ')}`;
    throw new FlowThingsError(`flowthings: ${where}: unknown option \`${key}\`${hint}`, { code: 'input', field: key, reason: 'unknown option' });
  }
}

/** checkTimeoutMs throws an `input` error unless timeoutMs is undefined
 * (the default) or a number of milliseconds ≥ 0 (0 = none). */
export function checkTimeoutMs(timeoutMs) {
  if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !(timeoutMs >= 0))) {
    throw new FlowThingsError('flowthings: timeoutMs must be a number of milliseconds ≥ 0', { code: 'input', field: 'timeoutMs', reason: 'timeoutMs must be a number of milliseconds ≥ 0' });
  }
}

/** nearest returns the allowed key closest to key by edit distance, when
 * it is close enough to be a plausible typo. */
function nearest(key, allowed) {
  let best = null;
  let bestDistance = Infinity;
  for (const candidate of allowed) {
    const d = distance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= Math.max(2, Math.floor(best?.length / 3)) ? best : null;
}

/** distance is the Damerau–Levenshtein distance (a swap of two neighbours
 * counts once: `hots` is one step from `host`). */
function distance(a, b) {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

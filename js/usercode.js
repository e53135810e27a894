// User callbacks (handlers, listeners, onChange…) never throw into the
// package: what one throws, or the promise it returns rejects with, goes to
// a catcher of the caller's choosing.

/** runUserCode runs fn; an error it throws, or its promise's rejection,
 * goes to onThrow. */
export function runUserCode(fn, onThrow) {
  try {
    const r = fn();
    if (r && typeof r.catch === 'function') r.catch(onThrow);
  } catch (err) {
    onThrow(err);
  }
}

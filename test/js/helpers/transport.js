// Test doubles for the HTTP side: platform envelopes and a transport that
// records every request it is given.

/** The text of a platform envelope. */
export function envelope(body, { status = 200, ok = status >= 200 && status < 300, errors = [], messages, references } = {}) {
  const head = { status, ok, errors };
  if (messages !== undefined) head.messages = messages;
  if (references !== undefined) head.references = references;
  return JSON.stringify({ head, body });
}

/** A response object as a transport resolves it. */
export function response(body, opts = {}) {
  return { status: opts.status ?? 200, headers: { 'content-type': 'application/json' }, body: envelope(body, opts) };
}

/** An error response: the envelope of a failed call. */
export function failure(status, errors = ['failed'], opts = {}) {
  return response(null, { status, ok: false, errors, ...opts });
}

/**
 * recorder(respond?) returns a transport that records each request (method,
 * url, headers, body, signal) in `transport.calls` and answers with
 * respond(request, index) (a response, or a promise of one), by default a
 * 200 envelope whose body is {}. `transport.inFlight` / `maxInFlight` count
 * the requests the transport holds at once.
 */
export function recorder(respond = () => response({})) {
  const transport = async (req) => {
    transport.calls.push(req);
    transport.inFlight++;
    transport.maxInFlight = Math.max(transport.maxInFlight, transport.inFlight);
    try {
      return await respond(req, transport.calls.length - 1);
    } finally {
      transport.inFlight--;
    }
  };
  transport.calls = [];
  transport.inFlight = 0;
  transport.maxInFlight = 0;
  /** The last request, as plain data (without the signal). */
  transport.last = () => {
    const r = transport.calls.at(-1);
    return r && { method: r.method, url: r.url, headers: r.headers, body: r.body };
  };
  transport.reset = () => { transport.calls.length = 0; transport.maxInFlight = 0; };
  return transport;
}

/** A promise resolved after ms milliseconds. */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A promise and its resolve/reject functions. */
export function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

/** Waits until cond() is truthy (polling every few ms), failing after timeoutMs. */
export async function until(cond, { timeoutMs = 1000, what = 'condition' } = {}) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = cond();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

/** Lets pending promise callbacks and zero-delay timers run. */
export const tick = () => new Promise((resolve) => setImmediate(resolve));

// Live data over the WebSocket API. The protocol — sessions, msgId
// correlation, subscriptions shared between handlers, backfill (every drop
// exactly once, in order, across reconnects), heartbeats and liveness
// probes, reconnection with backoff, the handshake's bound — runs in the
// wasm module's engine (core.WSEngine). This file owns the socket, the
// session request, the finds of backfill, the timers and the drops: it
// parses each frame once, hands the engine only a push's control fields
// (so a big push never goes through the module), and carries out the
// engine's actions. The engine's result says the connection's state.
import {
  release, wsCancel, wsClose, wsClosed, wsConnect, wsFound, wsFrame, wsNew, wsOpened, wsPushes, wsSend, wsSession, wsSubscribe,
  wsTimer, wsUnsubscribe,
} from './bridge.js';
import { WHOLE_TEXT_MAX } from './runtime.js';
import { FlowThingsError, errorFrom, redact } from './errors.js';
import { isPlainObject, filterText } from './filter.js';
import { checkKeys, checkTimeoutMs } from './options.js';
import { parse, stringify } from './json.js';
import { runUserCode } from './usercode.js';

const CONNECT_OPTIONS = ['reconnect', 'heartbeatMs', 'backoffMinMs', 'backoffMaxMs', 'maxAttempts', 'stableMs', 'timeoutMs',
  'signal', 'maxFrameBytes', 'onOpen', 'onClose', 'onError', 'onMessage', 'onStateChange'];
const SUBSCRIBE_OPTIONS = ['backfill', 'onError', 'signal', 'timeoutMs'];
const EVENTS = ['state', 'error', 'message', 'open', 'close'];

/** The largest frame read by default: as the Go driver's, and more than the
 * emulator can push (its send queue holds 16 MiB). */
const MAX_FRAME_BYTES = 16 << 20;
/** How long a socket closed by the client waits for the server's closing
 * handshake (the ws package's default, 30 s, would keep Node alive). */
const CLOSE_TIMEOUT_MS = 1000;

/** api.websocket */
export class WebSocketService {
  #client;
  constructor(client) { this.#client = client; }
  /** Any call to the WebSocket host (default POST /session). */
  async request(method, path = '/session', data, params) {
    return this.#client.raw(method, path, data, params, true);
  }
  /** Opens a session and its socket; resolves once the socket is open. */
  async connect(options = {}) {
    const ws = new Connection(this.#client, options);
    await ws.opened;
    return ws;
  }
}

/** An async queue: push values, iterate them, end it. */
class Queue {
  #items = [];
  #waiters = [];
  #ended = false;
  #error;
  constructor(limit, onOverflow) { this.limit = limit; this.onOverflow = onOverflow; }
  push(v) {
    if (this.#ended) return;
    const w = this.#waiters.shift();
    if (w) return w.resolve({ value: v, done: false });
    if (this.#items.length >= this.limit) {
      this.#items.shift();
      this.onOverflow?.();
    }
    this.#items.push(v);
  }
  end(error) {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    for (const w of this.#waiters.splice(0)) error ? w.reject(error) : w.resolve({ value: undefined, done: true });
  }
  next() {
    if (this.#items.length > 0) return Promise.resolve({ value: this.#items.shift(), done: false });
    if (this.#ended) return this.#error ? Promise.reject(this.#error) : Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }
  return() { this.end(); this.#items = []; return Promise.resolve({ value: undefined, done: true }); }
  [Symbol.asyncIterator]() { return this; }
}

/** The drops a subscription buffers for its async iterator, at most. */
const MAX_BUFFERED = 10000;
/** What a subscription with a handler keeps for an iterator that has not
 * started yet: the newest drops, so that iterating right after subscribing
 * misses nothing, without a handler-only subscription growing without end. */
const KEPT_BEFORE_ITERATION = 1000;

/** One subscription to a flow's drops: `reply` is the server's reply,
 * `unsubscribe()` ends it, and it is an async iterable of the drops. */
class Subscription {
  #ws;
  #queue;
  #onError;
  constructor(ws, id, resource, handler, onError) {
    this.#ws = ws;
    this.id = id;
    this.resource = resource;
    this.handler = handler;
    this.reply = undefined;
    this.ended = false;
    this.#onError = onError;
    // Without a handler the drops are only for the iterator: it may keep
    // them all (up to the limit); with one, only the newest until it starts.
    this.#queue = handler ? new Queue(KEPT_BEFORE_ITERATION) : this.#iterable();
  }
  #iterable() {
    const q = this.#queue ?? new Queue();
    q.limit = MAX_BUFFERED;
    q.onOverflow = () => this.#ws._report(new FlowThingsError(
      `flowthings: subscription to ${this.resource}: more than ${MAX_BUFFERED} drops waiting to be iterated; dropped the oldest`, { code: 'overflow' }));
    return q;
  }
  _deliver(drop) {
    if (this.ended) return;
    this.#queue.push(drop);
    if (this.handler) this.#ws._safely(() => this.handler(drop));
  }
  /** An error of this subscription that does not end it (a gap). */
  _error(err) {
    if (this.#onError) this.#ws._safely(() => this.#onError(err));
  }
  _end(error) {
    this.ended = true;
    this.#queue.end(error);
  }
  /** Ends the subscription; sends an unsubscribe frame when it was the flow's last. */
  unsubscribe() { return this.#ws._unsubscribe(this); }
  [Symbol.asyncIterator]() { return this.#iterable(); }
}

let lastHandler = 0;

/** A drop the connection holds for the engine's deliveries. Each receiver
 * gets its own object: copies for all but the last, which gets the parsed
 * object itself (a push to one subscription costs no copy). */
class Held {
  #value;
  #given = false;
  constructor(value) { this.#value = value; }
  /** take gives the drop to a receiver; more says others will follow. */
  take(more) {
    if (more || this.#given) return structuredClone(this.#value);
    this.#given = true;
    return this.#value;
  }
}

const text = (v) => (typeof v === 'string' ? v : '');
/** A creationDate or version as the engine counts them: a whole number ≥ 0, or null. */
const whole = (v) => (Number.isSafeInteger(v) && v >= 0 ? v : null);

/** The control fields of a drop the engine needs, and the handle on it. */
function dropFields(drop, ref) {
  const d = isPlainObject(drop) ? drop : {};
  return { id: text(d.id), flowId: text(d.flowId), path: text(d.path), creationDate: whole(d.creationDate) ?? 0, version: whole(d.version) ?? 0, ref };
}

/** A push as wsPushes reads it: its resource and its drop's id, flowId,
 * path, creationDate, version and the ref, each ended by "|", which is in
 * no id and no path (a field that holds one anyway is left out: the engine
 * then delivers the drop without counting it). */
function pushText(resource, drop, ref) {
  const d = isPlainObject(drop) ? drop : {};
  const field = (v) => (v.includes('|') ? '' : v);
  return `${field(resource)}|${field(text(d.id))}|${field(text(d.flowId))}|${field(text(d.path))}|${whole(d.creationDate) ?? ''}|${whole(d.version) ?? ''}|${ref}|`;
}

/** countDeliveries counts the deliver actions of each ref when some drop
 * goes to several subscriptions; null when each goes to one at most (the
 * usual case, which allocates nothing). */
function countDeliveries(actions) {
  let first = 0;
  let counts = null;
  for (const a of actions) {
    if (a.type !== 'deliver' || !a.ref) continue;
    if (first === 0) { first = a.ref; continue; }
    counts ??= new Map([[first, 1]]);
    counts.set(a.ref, (counts.get(a.ref) ?? 0) + 1);
  }
  return counts !== null && [...counts.values()].some((n) => n > 1) ? counts : null;
}

/** failureOf describes an error for the engine: its code and message, and
 * for a platform error the response's status, method and path. */
function failureOf(err) {
  const { code = 'transport', message = String(err), status, method, path, account } = err ?? {};
  return { code, message, status, method, path, account };
}

/** The error of a call its signal aborted. */
function callAborted(signal) {
  return new FlowThingsError('flowthings: websocket call aborted', { code: 'aborted', cause: signal.reason });
}

/** A live WebSocket session. */
class Connection {
  #client;
  #opts;
  #engine;
  #WebSocket;
  #socket = null;
  #attempt = null; // the AbortController of the session request in progress
  #gen = 0; // connection attempt number; events of older ones are ignored
  #timers = new Map(); // the engine's timer → its timeout
  #waiters = new Map(); // call → { resolve, reject }
  #subs = new Map(); // handler id → Subscription
  #messages = new Set(); // queues of messages()
  #listeners = new Map(EVENTS.map((e) => [e, new Set()]));
  #held = new Map(); // ref → Held: drops the engine may deliver
  #lastRef = 0;
  #finds = new Map(); // find → its AbortController
  #inbox = []; // frames read and parsed, for the engine at the next microtask
  #flushing = false;
  #timeoutMs;
  #maxFrameBytes;
  #abortError = null; // why the connection was aborted by the caller's signal
  #stopped = false;
  #done;
  #settleDone;
  #settleOpened;

  constructor(client, options) {
    if (!isPlainObject(options)) throw new FlowThingsError('flowthings: connect(options) takes a plain object', { code: 'input' });
    checkKeys(options, CONNECT_OPTIONS, 'websocket.connect(options)');
    this.#client = client;
    this.#opts = options;
    this.#WebSocket = client.WebSocket ?? globalThis.WebSocket;
    if (typeof this.#WebSocket !== 'function') {
      throw new FlowThingsError('flowthings: no WebSocket implementation: pass the `WebSocket` option of new API (on Node 20, the ws package\'s WebSocket)', { code: 'input', field: 'WebSocket' });
    }
    const {
      reconnect = true, heartbeatMs = 30000, backoffMinMs, backoffMaxMs, maxAttempts, stableMs, timeoutMs = client.timeoutMs,
      maxFrameBytes = MAX_FRAME_BYTES, signal,
    } = options;
    for (const [key, v] of Object.entries({ timeoutMs, maxFrameBytes })) {
      if (typeof v !== 'number' || !(v >= 0)) throw new FlowThingsError(`flowthings: connect(options): ${key} must be a number ≥ 0`, { code: 'input', field: key });
    }
    if (signal !== undefined && typeof signal?.addEventListener !== 'function') {
      throw new FlowThingsError('flowthings: connect(options): signal must be an AbortSignal', { code: 'input', field: 'signal' });
    }
    this.#timeoutMs = timeoutMs;
    this.#maxFrameBytes = maxFrameBytes || Infinity;
    for (const [event, name] of [['state', 'onStateChange'], ['error', 'onError'], ['open', 'onOpen'], ['close', 'onClose']]) {
      const fn = options[name];
      if (fn !== undefined) this.on(event, (...args) => fn(this, ...args));
    }
    if (options.onMessage !== undefined) this.on('message', ({ resource, value }) => options.onMessage(this, resource, value));
    const handshakeMs = Number.isFinite(timeoutMs) ? timeoutMs : 0;
    this.#engine = wsNew(client.cfg, { reconnect, heartbeatMs, handshakeMs, backoffMinMs, backoffMaxMs, maxAttempts, stableMs }).id;
    this.opened = new Promise((resolve, reject) => { this.#settleOpened = { resolve, reject }; });
    this.opened.catch(() => {});
    this.#done = new Promise((resolve, reject) => { this.#settleDone = { resolve, reject }; });
    this.#done.catch(() => {});
    if (signal) {
      const onAbort = () => {
        this.#abortError = new FlowThingsError('flowthings: websocket connection aborted', { code: 'aborted', cause: signal.reason });
        this.close();
      };
      if (signal.aborted) queueMicrotask(onAbort);
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        this.#done.finally(() => signal.removeEventListener('abort', onAbort)).catch(() => {});
      }
    }
    this.#event(wsConnect);
  }

  /** ws.on(event, fn): fn(state) on `state` (connecting, open,
   * reconnecting, closed), fn(error) on `error`, fn({ resource, value })
   * on `message` (every push), fn() on `open` and `close`. */
  on(event, fn) {
    const set = this.#listeners.get(event);
    if (!set) throw new FlowThingsError(`flowthings: ws.on: unknown event \`${event}\`; events: ${EVENTS.join(', ')}`, { code: 'input', field: 'event' });
    if (typeof fn !== 'function') throw new FlowThingsError('flowthings: ws.on: the listener must be a function', { code: 'input', field: 'listener' });
    set.add(fn);
    return this;
  }

  /** ws.off(event, fn) removes a listener added with on. */
  off(event, fn) {
    this.#listeners.get(event)?.delete(fn);
    return this;
  }

  #emit(event, ...args) {
    for (const fn of this.#listeners.get(event)) this._safely(() => fn(...args), event !== 'error');
  }

  /** Runs one engine event (a bridge.js stub) and carries out its result.
   * Events come from timers and the socket, where nothing would catch a
   * throw: the only one is the module's failure, which ends the
   * connection here, in JavaScript alone. */
  #event(event, ...args) {
    if (this.#stopped) return;
    let result;
    try {
      result = event(this.#engine, ...args);
    } catch (err) {
      this.#fail(err);
      return;
    }
    this.#apply(result);
  }

  /** Ends the connection without its engine (the module has failed):
   * every pending call rejects with err, as do run() and connect(). */
  #fail(err) {
    const waiters = [...this.#waiters.values()];
    this.#waiters.clear();
    for (const w of waiters) w.reject(err);
    this.#setState('closed');
    this._report(err);
    this.#stop(err);
  }

  #setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.#emit('state', state);
  }

  /** Carries out an engine's result: its state, then its actions. */
  #apply({ state, actions }) {
    this.#setState(state);
    const deliveries = countDeliveries(actions);
    for (const a of actions) {
      switch (a.type) {
        case 'send':
          this.#socket?.send(a.frame);
          break;
        case 'deliver': {
          let drop = a.value;
          if (a.ref) {
            const left = (deliveries?.get(a.ref) ?? 1) - 1;
            deliveries?.set(a.ref, left);
            drop = this.#held.get(a.ref)?.take(left > 0);
            if (a.last) this.#held.delete(a.ref);
          }
          this.#subs.get(a.handler)?._deliver(drop);
          break;
        }
        case 'release':
          this.#held.delete(a.ref);
          break;
        case 'settle': {
          const w = this.#waiters.get(a.call);
          if (w) {
            this.#waiters.delete(a.call);
            a.error ? w.reject(errorFrom(a.error)) : w.resolve(a.body);
          }
          break;
        }
        case 'setTimer':
          clearTimeout(this.#timers.get(a.timer));
          this.#timers.set(a.timer, setTimeout(() => { this.#timers.delete(a.timer); this.#event(wsTimer, a.timer); }, a.ms));
          break;
        case 'cancelTimer':
          clearTimeout(this.#timers.get(a.timer));
          this.#timers.delete(a.timer);
          break;
        case 'open':
          this.#open(a.request);
          break;
        case 'closeSocket':
          this.#dropSocket();
          break;
        case 'find':
          this.#find(a.find, a.request);
          break;
        case 'cancelFind':
          this.#finds.get(a.find)?.abort();
          this.#finds.delete(a.find);
          break;
        case 'endSubscription': {
          const s = this.#subs.get(a.handler);
          if (s) {
            this.#subs.delete(a.handler);
            // close() ends iterators as a finished stream; anything else is their error.
            s._end(a.error && a.error.kind !== 'closed' ? errorFrom(a.error) : undefined);
          }
          break;
        }
        case 'report': {
          const err = errorFrom(a.error);
          if (a.handler) { // a subscription's gap: drops created from `from` to `to` may be missing
            Object.assign(err, { resource: a.resource, from: a.from, to: a.to || undefined });
            this.#subs.get(a.handler)?._error(err);
          }
          this._report(err);
          break;
        }
        case 'stopped':
          this.#stop(a.error ? errorFrom(a.error) : null);
          break;
      }
    }
  }

  _report(err) { this.#emit('error', err); }

  /** Runs user code; what it throws goes to the error listeners (never
   * into the engine), or is thrown as an event listener's error would be. */
  _safely(fn, report = true) {
    runUserCode(fn, (err) => this.#userError(err, report));
  }

  #userError(err, report) {
    if (report && this.#listeners.get('error').size > 0) this._report(err);
    else queueMicrotask(() => { throw err; });
  }

  /** Abandons the socket and the session request in progress. */
  #dropSocket() {
    this.#gen++;
    this.#attempt?.abort();
    this.#attempt = null;
    const s = this.#socket;
    this.#socket = null;
    if (s) {
      try { s.close(1000); } catch { /* already closing */ }
    }
  }

  /** One connection attempt: the session request, then the socket. The
   * engine bounds it (its handshake timer), and abandons it with
   * closeSocket, which aborts the request. */
  async #open(request) {
    this.#dropSocket();
    const gen = this.#gen;
    const attempt = new AbortController();
    this.#attempt = attempt;
    let res;
    try {
      res = await this.#client.send(request, { signal: attempt.signal, timeoutMs: 0 });
    } catch (err) {
      if (gen === this.#gen) this.#event(wsClosed, failureOf(err));
      return;
    }
    if (gen !== this.#gen) return;
    this.#attempt = null;
    const meta = { method: request.method, path: request.path, account: request.account };
    const session = wsSession(this.#engine, meta, res.status, String(res.body ?? '').slice(0, WHOLE_TEXT_MAX));
    if (!session.url) {
      this.#apply(session);
      return;
    }
    let socket;
    try {
      // The options are the ws package's (others ignore a third argument):
      // frames over maxFrameBytes fail the socket before they are buffered.
      // No subprotocols is [], not undefined: Chromium sends `undefined` as one.
      socket = new this.#WebSocket(session.url, [], { maxPayload: this.#maxFrameBytes, closeTimeout: CLOSE_TIMEOUT_MS });
    } catch (err) {
      this.#event(wsClosed, failureOf(err));
      return;
    }
    this.#socket = socket;
    let failure = null;
    socket.onopen = () => {
      if (gen !== this.#gen) return;
      this.#event(wsOpened);
      this.#settleOpened.resolve();
      this.#emit('open');
    };
    socket.onmessage = (ev) => {
      if (gen === this.#gen) this.#frame(ev.data);
    };
    socket.onerror = (ev) => { failure = ev?.message ?? ev?.error?.message ?? 'websocket error'; };
    socket.onclose = (ev) => {
      if (gen !== this.#gen) return;
      this.#flush(); // what was read before the close comes first
      this.#socket = null;
      const clean = ev.code === 1000 && !failure;
      const why = `socket closed (code ${ev.code}${ev.reason ? `: ${ev.reason}` : ''}${failure ? `; ${failure}` : ''})`;
      this.#event(wsClosed, clean ? null : { code: 'transport', message: redact(why) });
    };
  }

  /** One frame from the socket: parsed once, and queued for the engine.
   * The frames one read brings (often many pushes) go to the engine
   * together at the next microtask, in order: one call into the module
   * for all the pushes in a row. */
  #frame(data) {
    if (typeof data !== 'string') {
      this._report(new FlowThingsError('flowthings: ignored a binary websocket frame', { code: 'frame' }));
      return;
    }
    if (data.length > this.#maxFrameBytes) {
      // As a socket that enforces maxPayload itself: the connection is lost
      // (and with backfill, what the frame carried is found again).
      const message = `a frame of ${data.length} characters is larger than maxFrameBytes (${this.#maxFrameBytes})`;
      this._report(new FlowThingsError(`flowthings: ${message}`, { code: 'frame' }));
      this.#flush();
      this.#dropSocket();
      this.#event(wsClosed, { code: 'frame', message });
      return;
    }
    let msg;
    try { msg = parse(data); } catch { /* the engine reports what is wrong */ }
    if (!isPlainObject(msg) || msg.type !== 'message' || msg.value === undefined || msg.value === null) {
      this.#inbox.push(data);
    } else {
      const held = new Held(msg.value);
      const ref = ++this.#lastRef;
      this.#held.set(ref, held);
      this.#inbox.push({ resource: text(msg.resource), held, push: pushText(text(msg.resource), msg.value, ref) });
    }
    if (!this.#flushing) {
      this.#flushing = true;
      queueMicrotask(() => this.#flush());
    }
  }

  /** Hands the frames read to the engine, in order: text frames one by one,
   * pushes in a row together; then the message listeners get every push,
   * subscribed or not, after the subscriptions had theirs. */
  #flush() {
    this.#flushing = false;
    const inbox = this.#inbox;
    this.#inbox = [];
    for (let i = 0; i < inbox.length;) {
      if (typeof inbox[i] === 'string') {
        this.#event(wsFrame, inbox[i++]);
        continue;
      }
      const pushes = [];
      while (i < inbox.length && typeof inbox[i] !== 'string') pushes.push(inbox[i++]);
      this.#event(wsPushes, pushes.map((p) => p.push).join(''));
      if (this.#listeners.get('message').size > 0 || this.#messages.size > 0) {
        for (const p of pushes) {
          const m = { resource: p.resource, value: p.held.take(false) };
          for (const q of this.#messages) q.push(m);
          this.#emit('message', m);
        }
      }
    }
  }

  /** Performs a find of backfill over the API's transport, bounded by
   * timeoutMs, and reports its drops (held here) or its failure. */
  async #find(find, request) {
    const ac = new AbortController();
    this.#finds.set(find, ac);
    let outcome;
    try {
      const res = await this.#client.send(request, { signal: ac.signal, timeoutMs: this.#timeoutMs });
      const { body } = this.#client.decode(request, res.status, res.body);
      if (!Array.isArray(body)) throw new FlowThingsError(`flowthings: ${request.method} ${request.path}: the body is not an array of drops`, { code: 'malformedResponse', method: request.method, path: request.path });
      outcome = {
        drops: body.map((d) => {
          const ref = ++this.#lastRef;
          this.#held.set(ref, new Held(d));
          return dropFields(d, ref);
        }),
      };
    } catch (err) {
      outcome = { error: failureOf(err) };
    }
    if (this.#finds.get(find) !== ac) {
      for (const d of outcome.drops ?? []) this.#held.delete(d.ref);
      return;
    }
    this.#finds.delete(find);
    this.#event(wsFound, find, outcome);
  }

  #stop(error) {
    this.#stopped = true;
    this.#inbox = [];
    this.#dropSocket();
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    for (const ac of this.#finds.values()) ac.abort();
    this.#finds.clear();
    this.#held.clear();
    for (const s of this.#subs.values()) s._end(error ?? undefined);
    this.#subs.clear();
    for (const q of this.#messages) q.end(error ?? undefined);
    try {
      release(this.#engine);
    } catch { /* the module has failed: nothing of it to release */ }
    if (error) {
      this.#settleOpened.reject(this.#abortError ?? error);
      this.#settleDone.reject(error);
    } else {
      this.#settleOpened.reject(this.#abortError ?? new FlowThingsError('flowthings: websocket closed before it opened', { code: 'closed' }));
      if (this.#abortError) this.#settleDone.reject(this.#abortError); // ended by the caller's signal
      else this.#settleDone.resolve();
    }
    this.#emit('close');
  }

  /** waits for a call's settle action, bounded by signal and timeoutMs. */
  #wait(callId, { signal, timeoutMs } = {}) {
    return new Promise((resolve, reject) => {
      let timer;
      const finish = (fn) => (v) => { clearTimeout(timer); signal?.removeEventListener('abort', onAbort); fn(v); };
      const cancel = (err) => {
        if (!this.#waiters.has(callId)) return;
        this.#waiters.delete(callId);
        this.#event(wsCancel, callId);
        finish(reject)(err);
      };
      const onAbort = () => cancel(callAborted(signal));
      this.#waiters.set(callId, { resolve: finish(resolve), reject: finish(reject) });
      timeoutMs ??= this.#timeoutMs;
      if (timeoutMs > 0 && Number.isFinite(timeoutMs)) {
        timer = setTimeout(() => cancel(new FlowThingsError(`flowthings: websocket call timed out after ${timeoutMs} ms`, { code: 'timeout' })), timeoutMs);
      }
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Starts an engine call and waits for its reply. A call whose signal
   * has aborted already is never started: nothing is sent. */
  #call(start, args, control) {
    if (control?.signal?.aborted) return Promise.reject(callAborted(control.signal));
    let started;
    try {
      started = start(this.#engine, ...args);
    } catch (err) {
      if (err?.code === 'internal') this.#fail(err); // the module has failed
      throw err;
    }
    const { call: callId, ...result } = started;
    const reply = this.#wait(callId, control);
    this.#apply(result);
    return reply;
  }

  /** Sends a CRUD frame { object, type, flowId, path, id, value, options };
   * resolves to the reply's body, rejects on an error reply. */
  async send(frame, control) {
    if (!isPlainObject(frame)) throw new FlowThingsError('flowthings: send(frame) takes a plain object', { code: 'input' });
    if (control !== undefined && control !== null && !isPlainObject(control)) throw new FlowThingsError('flowthings: send(frame, control) takes a plain object { signal, timeoutMs }', { code: 'input' });
    checkKeys(control, ['signal', 'timeoutMs'], 'ws.send(frame, control)');
    checkTimeoutMs(control?.timeoutMs);
    if (this.#stopped) throw new FlowThingsError('flowthings: websocket closed', { code: 'closed' });
    const { value, options, ...rest } = frame;
    const opts = options?.filter === undefined || options.filter === null ? options : { ...options, filter: filterText(options.filter) };
    return this.#call(wsSend, [{ ...rest, value: value === undefined ? undefined : stringify(value), options: opts }], control);
  }

  /** Subscribes to a flow's drops (a path starting with "/" or a flow id):
   * options { backfill = true, onError, signal, timeoutMs }. With backfill,
   * every drop created after it resolves is delivered exactly once, in
   * order, across reconnects; a gap goes to onError (and the connection's
   * error listeners) as an error with code `gap` and from/to. */
  async subscribe(flowIdOrPath, handler, options = {}) {
    if (typeof flowIdOrPath !== 'string' || flowIdOrPath === '') throw new FlowThingsError('flowthings: subscribe takes a flow id or path', { code: 'input' });
    if (handler !== undefined && handler !== null && typeof handler !== 'function') throw new FlowThingsError('flowthings: a subscription handler must be a function', { code: 'input' });
    if (!isPlainObject(options)) throw new FlowThingsError('flowthings: subscribe(flow, handler, options) takes a plain object', { code: 'input' });
    checkKeys(options, SUBSCRIBE_OPTIONS, 'ws.subscribe(flow, handler, options)');
    const { backfill = true, onError, signal, timeoutMs } = options;
    if (typeof backfill !== 'boolean') throw new FlowThingsError('flowthings: subscribe: backfill must be true or false', { code: 'input', field: 'backfill' });
    if (onError !== undefined && typeof onError !== 'function') throw new FlowThingsError('flowthings: subscribe: onError must be a function', { code: 'input', field: 'onError' });
    checkTimeoutMs(timeoutMs);
    if (this.#stopped) throw new FlowThingsError('flowthings: websocket closed', { code: 'closed' });
    const sub = new Subscription(this, ++lastHandler, flowIdOrPath, handler ?? undefined, onError);
    this.#subs.set(sub.id, sub);
    try {
      sub.reply = await this.#call(wsSubscribe, [flowIdOrPath, sub.id, backfill], { signal, timeoutMs });
    } catch (err) {
      this.#subs.delete(sub.id);
      sub._end(err);
      throw err;
    }
    return sub;
  }

  /** Ends the subscriptions of handler to a flow (all of the flow's when no
   * handler is given); the unsubscribe frame goes out when none is left. */
  async unsubscribe(flowIdOrPath, handler) {
    const subs = [...this.#subs.values()].filter((s) => s.resource === flowIdOrPath && (handler === undefined || s.handler === handler));
    await Promise.all(subs.map((s) => this._unsubscribe(s)));
  }

  async _unsubscribe(sub) {
    if (sub.ended && !this.#subs.has(sub.id)) return;
    this.#subs.delete(sub.id);
    sub._end();
    if (this.#stopped) return;
    await this.#call(wsUnsubscribe, [sub.resource, sub.id]);
  }

  /** An async iterator of every pushed drop, subscribed or not: { resource, value }. */
  messages() {
    const q = new Queue(MAX_BUFFERED, () => this._report(new FlowThingsError(
      `flowthings: messages(): more than ${MAX_BUFFERED} messages waiting; dropped the oldest`, { code: 'overflow' })));
    if (this.#stopped) q.end();
    this.#messages.add(q);
    const end = q.return.bind(q);
    q.return = () => { this.#messages.delete(q); return end(); };
    return q;
  }

  /** Settles when the connection ends: resolves after close(), rejects with the error that ended it. */
  run() { return this.#done; }

  /** Closes the connection for good: aborts whatever is pending (the
   * session request, finds, calls) and closes the socket. */
  async close() {
    this.#event(wsClose);
    await this.#done.catch(() => {});
  }
}

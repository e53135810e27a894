// Live data over the WebSocket API. The protocol — sessions, msgId
// correlation, subscriptions shared between handlers, heartbeats,
// reconnection with backoff, re-subscribing — runs in the wasm module's
// engine (core.WSEngine); this file owns the socket, the session request
// and the timers, and carries out the engine's actions.
import {
  release, wsCancel, wsClose, wsClosed, wsConnect, wsFrame, wsNew, wsOpened, wsSend, wsSession, wsSubscribe, wsTimer, wsUnsubscribe,
} from './bridge.js';
import { WHOLE_TEXT_MAX } from './runtime.js';
import { FlowThingsError, errorFrom } from './errors.js';
import { isPlainObject, filterText } from './filter.js';

const TIMER_RECONNECT = 1; // core.WSTimerReconnect

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
  constructor(ws, id, resource, handler) {
    this.#ws = ws;
    this.id = id;
    this.resource = resource;
    this.handler = handler;
    this.reply = undefined;
    this.ended = false;
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
  _end(error) {
    this.ended = true;
    this.#queue.end(error);
  }
  /** Ends the subscription; sends an unsubscribe frame when it was the flow's last. */
  unsubscribe() { return this.#ws._unsubscribe(this); }
  [Symbol.asyncIterator]() { return this.#iterable(); }
}

let lastHandler = 0;

/** A live WebSocket session. */
class Connection {
  #client;
  #opts;
  #engine;
  #WebSocket;
  #socket = null;
  #gen = 0; // connection attempt number; events of older ones are ignored
  #timers = [];
  #waiters = new Map(); // call → { resolve, reject }
  #subs = new Map(); // handler id → Subscription
  #messages = new Set(); // queues of messages()
  #wasOpen = false;
  #done;
  #settleOpened;

  constructor(client, options) {
    if (!isPlainObject(options)) throw new FlowThingsError('flowthings: connect(options) takes a plain object', { code: 'input' });
    this.#client = client;
    this.#opts = options;
    this.#WebSocket = client.WebSocket ?? globalThis.WebSocket;
    if (typeof this.#WebSocket !== 'function') {
      throw new FlowThingsError('flowthings: no WebSocket implementation: pass the `WebSocket` option of new API (on Node 20, the ws package\'s WebSocket)', { code: 'input', field: 'WebSocket' });
    }
    const { reconnect = true, heartbeatMs = 30000, backoffMinMs, backoffMaxMs, maxAttempts } = options;
    this.#engine = wsNew(client.cfg, { reconnect, heartbeatMs, backoffMinMs, backoffMaxMs, maxAttempts }).id;
    this.opened = new Promise((resolve, reject) => { this.#settleOpened = { resolve, reject }; });
    this.opened.catch(() => {});
    this.#done = new Promise((resolve, reject) => { this.#settleDone = { resolve, reject }; });
    this.#done.catch(() => {});
    this.#event(wsConnect);
  }
  #settleDone;

  /** Runs one engine event (a bridge.js stub) and carries out its actions. */
  #event(event, ...args) {
    this.#apply(event(this.#engine, ...args).actions);
  }

  #setState(state) {
    if (this.state === state) return;
    this.state = state;
    this._safely(() => this.#opts.onStateChange?.(this, state));
  }

  #apply(actions) {
    let pushed = false;
    for (const a of actions) {
      switch (a.type) {
        case 'send':
          this.#socket?.send(a.frame);
          break;
        case 'deliver':
          if (!pushed) { // one push frame, however many subscriptions it reaches
            pushed = true;
            for (const q of this.#messages) q.push({ resource: a.resource, value: a.value });
            this._safely(() => this.#opts.onMessage?.(this, a.resource, a.value));
          }
          this.#subs.get(a.handler)?._deliver(a.value);
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
          clearTimeout(this.#timers[a.timer]);
          if (a.timer === TIMER_RECONNECT) this.#setState('reconnecting');
          this.#timers[a.timer] = setTimeout(() => { this.#timers[a.timer] = undefined; this.#event(wsTimer, a.timer); }, a.ms);
          break;
        case 'cancelTimer':
          clearTimeout(this.#timers[a.timer]);
          this.#timers[a.timer] = undefined;
          break;
        case 'open':
          this.#setState(this.#wasOpen ? 'reconnecting' : 'connecting');
          this.#open(a.request);
          break;
        case 'closeSocket':
          this.#dropSocket();
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
        case 'report':
          this._report(errorFrom(a.error));
          break;
        case 'stopped':
          this.#stopped(a.error ? errorFrom(a.error) : null);
          break;
      }
    }
  }

  _report(err) {
    this._safely(() => this.#opts.onError?.(this, err));
  }

  /** Runs user code; what it throws goes to onError, never into the engine. */
  _safely(fn) {
    try {
      const r = fn();
      if (r && typeof r.catch === 'function') r.catch((err) => this.#userError(err));
    } catch (err) {
      this.#userError(err);
    }
  }

  #userError(err) {
    if (this.#opts.onError) {
      try { this.#opts.onError(this, err); } catch { /* nowhere left to report */ }
    } else {
      queueMicrotask(() => { throw err; }); // as an event listener's error would
    }
  }

  #dropSocket() {
    this.#gen++;
    const s = this.#socket;
    this.#socket = null;
    if (s) {
      try { s.close(1000); } catch { /* already closing */ }
    }
  }

  /** One connection attempt: the session request, then the socket. */
  async #open(request) {
    this.#dropSocket();
    const gen = this.#gen;
    let res;
    try {
      res = await this.#client.send(request, {});
    } catch (err) {
      if (gen === this.#gen) this.#event(wsClosed, err.message);
      return;
    }
    if (gen !== this.#gen) return;
    const meta = { method: request.method, path: request.path, account: request.account };
    // A session reply is small: of a large body (an error page), the start is enough for the error.
    const session = wsSession(this.#engine, meta, res.status, String(res.body ?? '').slice(0, WHOLE_TEXT_MAX));
    if (!session.url) {
      this.#apply(session.actions);
      return;
    }
    let socket;
    try {
      socket = new this.#WebSocket(session.url);
    } catch (err) {
      this.#event(wsClosed, err.message);
      return;
    }
    this.#socket = socket;
    let failure = null;
    socket.onopen = () => {
      if (gen !== this.#gen) return;
      this.#wasOpen = true;
      this.#setState('open');
      this.#event(wsOpened);
      this.#settleOpened.resolve();
      this._safely(() => this.#opts.onOpen?.(this));
    };
    socket.onmessage = (ev) => {
      if (gen !== this.#gen) return;
      if (typeof ev.data === 'string') this.#event(wsFrame, ev.data);
      else this._report(new FlowThingsError('flowthings: ignored a binary websocket frame', { code: 'frame' }));
    };
    socket.onerror = (ev) => { failure = ev?.message ?? ev?.error?.message ?? 'websocket error'; };
    socket.onclose = (ev) => {
      if (gen !== this.#gen) return;
      this.#socket = null;
      const clean = ev.code === 1000 && !failure;
      this.#event(wsClosed, clean ? null : `socket closed (code ${ev.code}${ev.reason ? `: ${ev.reason}` : ''}${failure ? `; ${failure}` : ''})`);
    };
  }

  #stopped(error) {
    this.#dropSocket();
    for (const t of this.#timers) clearTimeout(t);
    for (const s of this.#subs.values()) s._end(error ?? undefined);
    this.#subs.clear();
    for (const q of this.#messages) q.end(error ?? undefined);
    release(this.#engine);
    this.#setState('closed');
    if (error) {
      this.#settleOpened.reject(error);
      this.#settleDone.reject(error);
    } else {
      this.#settleOpened.reject(new FlowThingsError('flowthings: websocket closed before it opened', { code: 'closed' }));
      this.#settleDone.resolve();
    }
    this._safely(() => this.#opts.onClose?.(this));
  }

  /** waits for a call's settle action, bounded by signal and timeoutMs. */
  #wait(callId, { signal, timeoutMs } = {}) {
    return new Promise((resolve, reject) => {
      let timer;
      const finish = (fn) => (v) => { clearTimeout(timer); signal?.removeEventListener('abort', onAbort); fn(v); };
      const cancel = (err) => {
        if (!this.#waiters.has(callId)) return;
        this.#waiters.delete(callId);
        if (this.state !== 'closed') this.#event(wsCancel, callId);
        finish(reject)(err);
      };
      const onAbort = () => cancel(new FlowThingsError('flowthings: websocket call aborted', { code: 'aborted', cause: signal.reason }));
      this.#waiters.set(callId, { resolve: finish(resolve), reject: finish(reject) });
      timeoutMs ??= this.#client.timeoutMs;
      if (timeoutMs > 0 && Number.isFinite(timeoutMs)) {
        timer = setTimeout(() => cancel(new FlowThingsError(`flowthings: websocket call timed out after ${timeoutMs} ms`, { code: 'timeout' })), timeoutMs);
      }
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Starts an engine call and waits for its reply. */
  #call(start, args, control) {
    const { call: callId, actions } = start(this.#engine, ...args);
    const reply = this.#wait(callId, control);
    this.#apply(actions);
    return reply;
  }

  /** Sends a CRUD frame { object, type, flowId, path, id, value, options };
   * resolves to the reply's body, rejects on an error reply. */
  async send(frame, control) {
    if (!isPlainObject(frame)) throw new FlowThingsError('flowthings: send(frame) takes a plain object', { code: 'input' });
    const { value, options, ...rest } = frame;
    const opts = options?.filter === undefined || options.filter === null ? options : { ...options, filter: filterText(options.filter) };
    return this.#call(wsSend, [{ ...rest, value: value === undefined ? undefined : JSON.stringify(value), options: opts }], control);
  }

  /** Subscribes to a flow's drops (a path starting with "/" or a flow id). */
  async subscribe(flowIdOrPath, handler, control) {
    if (typeof flowIdOrPath !== 'string' || flowIdOrPath === '') throw new FlowThingsError('flowthings: subscribe takes a flow id or path', { code: 'input' });
    if (handler !== undefined && typeof handler !== 'function') throw new FlowThingsError('flowthings: a subscription handler must be a function', { code: 'input' });
    const sub = new Subscription(this, ++lastHandler, flowIdOrPath, handler);
    this.#subs.set(sub.id, sub);
    try {
      sub.reply = await this.#call(wsSubscribe, [flowIdOrPath, sub.id], control);
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
    if (this.state === 'closed') return;
    await this.#call(wsUnsubscribe, [sub.resource, sub.id]);
  }

  /** An async iterator of every pushed drop: { resource, value }. */
  messages() {
    const q = new Queue(MAX_BUFFERED, () => this._report(new FlowThingsError(
      `flowthings: messages(): more than ${MAX_BUFFERED} messages waiting; dropped the oldest`, { code: 'overflow' })));
    if (this.state === 'closed') q.end();
    this.#messages.add(q);
    const end = q.return.bind(q);
    q.return = () => { this.#messages.delete(q); return end(); };
    return q;
  }

  /** Settles when the connection ends: resolves after close(), rejects with the error that ended it. */
  run() { return this.#done; }

  /** Closes the connection for good. */
  async close() {
    if (this.state !== 'closed') this.#event(wsClose);
    await this.#done.catch(() => {});
  }
}

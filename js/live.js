// Live queries: what a dashboard table is. The newest drops of a flow that
// match a filter, found once and then kept current by the flow's pushes,
// which the wasm module matches with the filter language's own evaluator
// (filter/eval, the one the emulator runs), so that a live query and a find
// agree on what matches.
import { compileFilter, matchFilter, release } from './bridge.js';
import { FlowThingsError } from './errors.js';
import { filterText } from './filter.js';
import { checkKeys } from './options.js';
import { runUserCode } from './usercode.js';

/** How many drops a live query keeps unless told otherwise, and at most
 * (the platform's largest find). */
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
/** Pushes kept while a find runs; beyond that they are dropped and the
 * query finds again, which sees them in the flow. */
const MAX_PENDING = 10000;
/** Delays between the attempts of a failing find. */
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 30000;
/** Error codes a find does not recover from by retrying. */
const PERMANENT = new Set(['badRequest', 'forbidden', 'notFound', 'input', 'unsupported']);

const OPTIONS = ['limit', 'onChange', 'onError', 'onStateChange', 'ws'];

const inputError = (reason, field) => new FlowThingsError(`flowthings: live(filter, options): ${reason}`, { code: 'input', field, reason });

/**
 * startLive runs `api.drop(flow).live(filter, options)`: it resolves, once
 * the first find is in, to the LiveQuery. `drops` is the DropService of the
 * flow, `websocket` the API's WebSocketService (for a connection of the
 * query's own when options.ws is absent).
 */
export async function startLive(drops, websocket, flow, filter, options = {}) {
  if (typeof flow !== 'string') throw inputError('a live query needs a flow: api.drop(flowIdOrPath).live(…)', 'flowId');
  checkKeys(options, OPTIONS, 'live(filter, options)');
  const { limit = DEFAULT_LIMIT, ws } = options;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw inputError(`limit must be an integer from 1 to ${MAX_LIMIT}`, 'limit');
  for (const name of ['onChange', 'onError', 'onStateChange']) {
    if (options[name] !== undefined && typeof options[name] !== 'function') throw inputError(`${name} must be a function`, name);
  }
  if (ws !== undefined && typeof ws?.subscribe !== 'function') throw inputError('ws must be a connection: await api.websocket.connect()', 'ws');
  const text = filter === undefined || filter === null ? '' : filterText(filter);
  const q = new LiveQuery(LiveQuery.token, drops, flow, text, limit, options);
  await q._start(websocket);
  return q;
}

/** A live query: `drops` (newest first, at most `limit`), `state`, change
 * callbacks, an async iterator of snapshots, `close()`. */
export class LiveQuery {
  static token = Symbol('LiveQuery');
  #service;
  #flow;
  #filter;
  #limit;
  #options;
  #program = null; // the module's compiled filter; null matches every drop
  #ws = null;
  #ownWS = false;
  #sub = null;
  #drops = Object.freeze([]);
  #state = 'live';
  #syncing = true; // a find is running: pushes wait in #pending
  #again = false; // pushes were lost or a place emptied meanwhile: find once more
  #pending = [];
  #iterators = new Set();
  #closed = false;

  constructor(token, service, flow, filter, limit, options) {
    if (token !== LiveQuery.token) throw new TypeError('LiveQuery: use api.drop(flow).live(filter, options)');
    this.#service = service;
    this.#flow = flow;
    this.#filter = filter;
    this.#limit = limit;
    this.#options = options;
  }

  /** The current drops, newest first: a frozen array, replaced (never
   * changed) by each change. */
  get drops() { return this.#drops; }
  /** 'live' (current), 'reconnecting' (the connection is being
   * re-established), 'resyncing' (finding the drops again) or 'closed'. */
  get state() { return this.#state; }

  async _start(websocket) {
    try {
      if (this.#filter !== '') this.#program = compileFilter({ t: 'text', text: this.#filter }).id;
      if (this.#options.ws) {
        this.#ws = this.#options.ws;
        this.#ws.on?.('state', this.#onConnectionState);
      } else {
        this.#ws = await websocket.connect({ reconnect: true, onStateChange: (_, state) => this.#onConnectionState(state) });
        this.#ownWS = true;
      }
      // Subscribe first, so that nothing created meanwhile is missed:
      // pushes wait until the find's result is in.
      this.#sub = await this.#ws.subscribe(this.#flow, undefined, { onError: (err) => this.#subscriptionError(err) });
      this.#follow();
      const found = await this.#find();
      if (this.#closed) return;
      this.#replace(found, true);
    } catch (err) {
      await this.#end(err, false);
      throw err;
    }
  }

  /** Reads the subscription's drops until it ends. */
  async #follow() {
    try {
      for await (const drop of this.#sub) {
        if (this.#closed) return;
        if (!this.#syncing) this.#apply(drop, true);
        else if (this.#pending.length < MAX_PENDING) this.#pending.push(drop);
        else [this.#pending, this.#again] = [[], true];
      }
      if (!this.#closed) await this.#end(new FlowThingsError(`flowthings: live query of ${this.#flow}: its subscription ended`, { code: 'closed' }));
    } catch (err) {
      await this.#end(err);
    }
  }

  async #find() {
    // Typed elems whatever the API's version, as pushes have them: one form
    // for every drop of the query, and the evaluator sees the elem types.
    const params = { limit: this.#limit, hints: true };
    return this.#filter === '' ? this.#service.findMany(params) : this.#service.findMany(this.#filter, params);
  }

  /** matches reports whether a pushed drop matches the filter. */
  #matches(drop) {
    if (this.#program === null) return true;
    try {
      return matchFilter(this.#program, drop).match;
    } catch (err) {
      if (!(err instanceof TypeError)) throw err;
    }
    // JSON.stringify refused a BigInt (an integer beyond 2^53, read
    // exactly): the evaluator compares numbers as float64s anyway, as the
    // emulator does.
    return matchFilter(this.#program, withNumbers(drop)).match;
  }

  /** Applies one pushed drop; publish: report the change at once. */
  #apply(drop, publish) {
    if (drop === null || typeof drop !== 'object' || typeof drop.id !== 'string') {
      this.#report(new FlowThingsError(`flowthings: live query of ${this.#flow}: ignored a pushed value that is not a drop`, { code: 'frame' }));
      return false;
    }
    const at = this.#drops.findIndex((d) => d.id === drop.id);
    let matches;
    try {
      matches = this.#matches(drop);
    } catch (err) {
      this.#report(err);
      return false;
    }
    let drops;
    let added = [];
    if (!matches) {
      if (at < 0) return false;
      drops = [...this.#drops.slice(0, at), ...this.#drops.slice(at + 1)];
      // In a full list the drop that now belongs last is unknown.
      if (this.#drops.length === this.#limit) this.#resync();
    } else if (at >= 0) {
      if (older(drop, this.#drops[at])) return false; // a late copy of an earlier version
      drops = [...this.#drops];
      drops[at] = drop;
    } else {
      const i = insertAt(this.#drops, drop);
      if (i >= this.#limit) return false; // older than every drop of a full list
      drops = [...this.#drops.slice(0, i), drop, ...this.#drops.slice(i, this.#limit - 1)];
      added = [drop];
    }
    this.#drops = Object.freeze(drops);
    if (publish) this.#changed(added);
    return true;
  }

  /** Makes found the drops and applies the pushes that came meanwhile; the
   * first find's drops are no change (live() resolves with them). */
  #replace(found, first = false) {
    const before = new Set(this.#drops.map((d) => d.id));
    this.#drops = Object.freeze(found.slice(0, this.#limit));
    const pending = this.#pending;
    [this.#syncing, this.#pending] = [false, []];
    for (let i = 0; i < pending.length; i++) {
      this.#apply(pending[i], false);
      if (this.#syncing) { // another find started: the rest waits for it
        this.#pending.push(...pending.slice(i + 1));
        break;
      }
    }
    if (this.#again && !this.#syncing) {
      this.#again = false;
      this.#resync();
    }
    if (!this.#syncing) this.#setState('live');
    if (!first) this.#changed(this.#drops.filter((d) => !before.has(d.id)));
  }

  /** Finds the drops again, unless a find is running (then that one finds
   * once more), retrying failures that may pass. */
  async #resync() {
    if (this.#syncing) {
      this.#again = true;
      return;
    }
    this.#syncing = true;
    this.#setState('resyncing');
    for (let delay = RETRY_MIN_MS; ; delay = Math.min(2 * delay, RETRY_MAX_MS)) {
      try {
        const found = await this.#find();
        if (!this.#closed) this.#replace(found);
        return;
      } catch (err) {
        if (this.#closed) return;
        if (PERMANENT.has(err?.code)) return this.#end(err);
        this.#report(err);
        await new Promise((resolve) => { this.#retry = setTimeout(resolve, delay); });
        if (this.#closed) return;
      }
    }
  }

  #retry;

  /** The connection's state: while it is re-established the drops may be
   * stale; once it is open again they are found again (a drop updated
   * meanwhile is never pushed). */
  #onConnectionState = (state) => {
    if (this.#closed) return;
    if (state === 'reconnecting') this.#setState('reconnecting');
    else if (state === 'open' && this.#state === 'reconnecting') {
      this.#setState('live');
      this.#resync();
    }
  };

  /** A subscription's error that does not end it: a gap in its pushes
   * means drops may be missing, so they are found again. */
  #subscriptionError(err) {
    this.#report(err);
    if (err?.code === 'gap') this.#resync();
  }

  #setState(state) {
    if (this.#state === state) return;
    this.#state = state;
    this.#safely(() => this.#options.onStateChange?.(state));
  }

  #changed(added) {
    const drops = this.#drops;
    for (const it of this.#iterators) it.push(drops);
    this.#safely(() => this.#options.onChange?.(drops, { added }));
  }

  #report(err) {
    this.#safely(() => this.#options.onError?.(err));
  }

  /** Runs user code; what it throws goes to onError (or, from onError, is
   * thrown asynchronously as an event listener's error would be). */
  #safely(fn) {
    runUserCode(fn, (err) => this.#userError(err));
  }

  #userError(err) {
    const { onError } = this.#options;
    try {
      if (!onError) throw err;
      onError(err);
    } catch (thrown) {
      queueMicrotask(() => { throw thrown; });
    }
  }

  /** Ends the query: error is why (null after close()); report: tell the
   * callbacks (not when live() itself fails). */
  async #end(error, report = true) {
    if (this.#closed) return;
    this.#closed = true;
    this.#ws?.off?.('state', this.#onConnectionState);
    clearTimeout(this.#retry);
    try {
      if (this.#program !== null) release(this.#program);
    } catch { /* the module has failed: nothing of it to release */ }
    this.#program = null;
    this.#pending = [];
    const sub = this.#sub;
    try {
      if (this.#ownWS) await this.#ws.close();
      else await sub?.unsubscribe();
    } catch { /* the connection is gone already */ }
    for (const it of this.#iterators) it.end(error);
    this.#iterators.clear();
    if (!report) {
      this.#state = 'closed';
      return;
    }
    if (error) this.#report(error);
    this.#setState('closed');
  }

  /** Ends the query: unsubscribes, and closes the connection it opened itself. */
  async close() {
    await this.#end(null);
  }

  /** Yields the current drops, then the drops after each change; a loop
   * slower than the changes skips to the newest. Ends when the query does
   * (rejecting with the error that ended it). */
  [Symbol.asyncIterator]() {
    const it = new Snapshots(this.#closed ? undefined : this.#drops, () => this.#iterators.delete(it));
    if (this.#closed) it.end(null);
    else this.#iterators.add(it);
    return it;
  }
}

/** An async iterator that holds only the newest snapshot not yet read. */
class Snapshots {
  #next;
  #waiter = null;
  #done = false;
  #error = null;
  #detach;
  constructor(first, detach) { [this.#next, this.#detach] = [first, detach]; }
  push(drops) {
    if (this.#waiter) {
      this.#waiter.resolve({ value: drops, done: false });
      this.#waiter = null;
    } else {
      this.#next = drops;
    }
  }
  end(error) {
    [this.#done, this.#error] = [true, error];
    if (this.#waiter) (error ? this.#waiter.reject(error) : this.#waiter.resolve({ value: undefined, done: true }));
    this.#waiter = null;
  }
  next() {
    if (this.#next !== undefined) {
      const value = this.#next;
      this.#next = undefined;
      return Promise.resolve({ value, done: false });
    }
    if (this.#done) return this.#error ? Promise.reject(this.#error) : Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => { this.#waiter = { resolve, reject }; });
  }
  return() {
    this.#detach();
    this.end(null);
    this.#next = undefined;
    return Promise.resolve({ value: undefined, done: true });
  }
  [Symbol.asyncIterator]() { return this; }
}

/** insertAt is where drop belongs in drops, newest first by creationDate:
 * before the first drop created no later than it (a drop pushed later is
 * newer among equals, as the platform sorts them). */
function insertAt(drops, drop) {
  const i = drops.findIndex((d) => (d.creationDate ?? 0) <= (drop.creationDate ?? 0));
  return i < 0 ? drops.length : i;
}

/** older reports whether a is an earlier version of the drop than b. */
function older(a, b) {
  if ((a.version ?? 0) !== (b.version ?? 0)) return (a.version ?? 0) < (b.version ?? 0);
  return (a.lastEditDate ?? 0) < (b.lastEditDate ?? 0);
}

/** withNumbers is value with every BigInt made a Number. */
function withNumbers(value) {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(withNumbers);
  if (value === null || typeof value !== 'object') return value;
  const out = {};
  for (const [k, v] of Object.entries(value)) Object.defineProperty(out, k, { value: withNumbers(v), enumerable: true, writable: true, configurable: true });
  return out;
}

// api.async() and api.lazy(): APIs of the same shape whose calls are
// queued, or start at once and return lazy values. Laziness is promises:
// no goroutine ever waits in the wasm module.
import { FlowThingsError } from './errors.js';
import { isPlainObject } from './filter.js';
import { SERVICES, methodsOf } from './services.js';

/** The API's properties that are services, mirrored method by method. */
const MIRRORED = [...SERVICES.map((s) => s.property), 'statistics'];

/** mirror makes an object shaped like api whose every method hands
 * (service getter, method name, args) to wrap. */
function mirror(api, wrap) {
  const serviceMirror = (get, names) => {
    const out = {};
    for (const name of names) out[name] = (...args) => wrap(get, name, args);
    return out;
  };
  const out = {};
  for (const name of MIRRORED) out[name] = serviceMirror(() => api[name], Object.keys(methodsOf(api[name])));
  const dropMethods = Object.keys(methodsOf(api.drop(undefined)));
  out.drop = Object.assign(
    (flow) => serviceMirror(async () => api.drop(await resolveDeep(flow)), dropMethods),
    serviceMirror(() => api.drop, dropMethods),
  );
  out.request = (...args) => wrap(() => api, 'request', args);
  out.websocket = { request: (...args) => wrap(() => api.websocket, 'request', args) };
  return out;
}

/** limiter runs at most n tasks at once. */
function limiter(n) {
  if (!Number.isInteger(n) || n < 1) throw new FlowThingsError('flowthings: concurrency must be a whole number ≥ 1', { code: 'input', field: 'concurrency' });
  let active = 0;
  const waiting = [];
  return async (task) => {
    if (active >= n) await new Promise((resolve) => waiting.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

async function invoke(get, name, args) {
  const service = await get();
  return service[name](...(await resolveDeep(args)));
}

/** The default number of calls in flight for async() and lazy(). */
const DEFAULT_CONCURRENCY = 8;

export function asyncAPI(api, { concurrency = DEFAULT_CONCURRENCY } = {}) {
  const limit = limiter(concurrency);
  let queue = [];
  const batch = mirror(api, (get, name, args) => {
    queue.push(() => invoke(get, name, args));
    return queue.length - 1;
  });
  /** Runs the queued calls and returns their values in call order (rejects
   * with the first error in call order), or with withExceptions
   * [[err, null] | [null, value], …]. The queue is empty afterwards. */
  batch.results = async ({ withExceptions = false } = {}) => {
    const jobs = queue;
    queue = [];
    const settled = await Promise.allSettled(jobs.map((job) => limit(job)));
    if (withExceptions) return settled.map((s) => (s.status === 'fulfilled' ? [null, s.value] : [s.reason, null]));
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.map((s) => s.value);
  };
  return batch;
}

/** A lazy value: a thenable; get(k) derives another, unwrap() is its promise. */
export class Lazy {
  #promise;
  constructor(promise) {
    this.#promise = promise;
    promise.catch(() => {}); // a value nobody awaits must not crash the process; awaiting it still rejects
  }
  then(onFulfilled, onRejected) { return this.#promise.then(onFulfilled, onRejected); }
  catch(onRejected) { return this.#promise.catch(onRejected); }
  finally(onFinally) { return this.#promise.finally(onFinally); }
  get(key) { return new Lazy(this.#promise.then((v) => v?.[key])); }
  unwrap() { return this.#promise; }
}

export function lazyAPI(api, { concurrency = DEFAULT_CONCURRENCY } = {}) {
  const limit = limiter(concurrency);
  return mirror(api, (get, name, args) => new Lazy((async () => {
    // A dependent call waits only for what it uses, and without holding a
    // slot of the limit: the calls it waits for may need one.
    const [service, resolved] = await Promise.all([get(), resolveDeep(args)]);
    return limit(() => service[name](...resolved));
  })()));
}

/** resolveDeep awaits lazy values and promises anywhere in arrays and plain
 * objects. */
export async function resolveDeep(v) {
  if (v !== null && (typeof v === 'object' || typeof v === 'function') && typeof v.then === 'function') return resolveDeep(await v);
  if (Array.isArray(v)) return Promise.all(v.map(resolveDeep));
  if (isPlainObject(v)) {
    const entries = await Promise.all(Object.entries(v).map(async ([k, x]) => [k, await resolveDeep(x)]));
    return Object.fromEntries(entries);
  }
  return v;
}

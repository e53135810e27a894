// The promise-based API. Every call builds its request in the wasm module
// (the rules of the wire live in Go's core once), performs it with the
// runtime's fetch or the `transport` option, and has the module check the
// envelope, while the data itself stays on the JavaScript side: bodies are
// parsed once, by the host's JSON.parse.
import { build, configure, decode, decodeExcerpt, decodeHead, raw, release } from './bridge.js';
import { EXCERPT_LENGTH, WHOLE_TEXT_MAX, moduleLoad } from './runtime.js';
import { FlowThingsError, registerSecret, unregisterSecret } from './errors.js';
import { parse, stringify } from './json.js';
import { checkKeys, checkTimeoutMs } from './options.js';
import { deadlines } from './deadlines.js';
import { filterText, isPlainObject, Filter } from './filter.js';
import { Modification } from './modify.js';
import { Token } from './token.js';
import { WebSocketService } from './websocket.js';
import { startLive } from './live.js';
import { asyncAPI, lazyAPI } from './batch.js';
import { SERVICES, STATISTICS, methodsOf } from './services.js';

/** The defaults of the options of `new API`. There is none for `host`: it
 * is required (the hosted platform's names are defunct, and whoever holds
 * them would get the token); `wsHost` defaults to `host`. */
export const defaults = Object.freeze({
  secure: true,
  version: '0.1',
  params: Object.freeze({}),
  timeoutMs: 30000,
});

/** The options `new API(token, options)` takes. */
const API_OPTIONS = ['host', 'wsHost', 'secure', 'version', 'namespace', 'params', 'timeoutMs', 'transport', 'WebSocket'];

// The module keeps a Client's configuration until nothing can use it: the
// Client is what every service, connection and pending call holds. (Workers
// with a compatibility date before 2025-05-05 have no FinalizationRegistry:
// there the configurations stay for the isolate's life.)
const released = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry((kept) => {
    unregisterSecret(kept.secret);
    try { release(kept.cfg); } catch { /* the module is gone */ }
  })
  : null;

function inputError(reason, field) {
  return new FlowThingsError(`flowthings: ${reason}`, { code: 'input', field, reason });
}

function toJSON(v, what) {
  if (v === undefined) throw inputError(`${what} is missing`, what);
  try {
    return stringify(v);
  } catch (err) {
    throw new FlowThingsError(`flowthings: ${what} cannot be encoded as JSON: ${err.message}`, { code: 'input', field: what, cause: err });
  }
}

/** bodyPassesThrough recognises a create whose body the module passes
 * through unchanged (core.Op.Call: a JSON object, and no flow path to add
 * or to find in it): the body is JSON text of this package's own writing,
 * so an opening brace makes it a JSON object. test/js/build.test.js holds
 * this to the module's answers. */
export function bodyPassesThrough(op) {
  return op.name === 'create' && op.path === undefined && (op.service !== 'drop' || op.flowId !== undefined) &&
    typeof op.body === 'string' && op.body[0] === '{';
}

/** How many built requests a Client keeps (see Client.build). */
const BUILT_KEPT = 128;

function deepFreeze(request) {
  Object.freeze(request.headers);
  return Object.freeze(request);
}

/** The params of a call without any (shared: nothing writes to them). */
const NO_PARAMS = Object.freeze([Object.freeze({}), Object.freeze({})]);

/** splitParams separates the request controls (signal, timeoutMs) from the
 * query params, and renders the filter param. */
export function splitParams(params) {
  if (params === undefined || params === null) return NO_PARAMS;
  if (!isPlainObject(params)) throw inputError('params must be a plain object', 'params');
  const { signal, timeoutMs, ...query } = params;
  if (query.filter !== undefined && query.filter !== null) query.filter = filterText(query.filter);
  checkTimeoutMs(timeoutMs);
  return [query, { signal, timeoutMs }];
}

const isListOrAbsent = (v) => v === undefined || v === null || Array.isArray(v);

/** plainSuccess recognises the everyday success envelope — a 2xx answer
 * whose head says ok: true, with an integer status (or none) and lists of
 * errors and messages (or none) — which core.DecodeHead accepts as a
 * success without a doubt. Such an answer skips the call into the module,
 * the larger part of a small request's cost; every other head, failures
 * included, is decoded by the module. test/js/decode.test.js holds this
 * check to core's answers. */
export function plainSuccess(status, head) {
  return status >= 200 && status <= 299 && head.ok === true &&
    (head.status === undefined || Number.isInteger(head.status)) &&
    isListOrAbsent(head.errors) && isListOrAbsent(head.messages);
}

/** callOf is what the module's decoders need of a request: what names it in errors. */
const callOf = ({ method, path, account }) => ({ method, path, account });

/** The default transport outside Node: the runtime's fetch. It never
 * follows a redirect (see Client.send); a browser answers one with an
 * opaque response, `type` 'opaqueredirect', whose status and target it
 * hides. */
async function fetchTransport({ method, url, headers, body, signal }) {
  if (typeof fetch !== 'function') {
    throw new FlowThingsError('flowthings: this runtime has no fetch: pass the `transport` option', { code: 'transport' });
  }
  const res = await fetch(url, { method, headers, body: body ?? undefined, signal, redirect: 'manual' });
  if (isRedirect(res)) {
    await res.body?.cancel().catch(() => {});
    return { status: res.status, headers: { location: res.headers.get('location') }, body: '', type: res.type };
  }
  // Only a redirect's headers are read: copying the others costs more than the wasm call.
  return { status: res.status, headers: EMPTY, body: await res.text() };
}

const EMPTY = Object.freeze({});

/** The transport of a Client without the `transport` option. A default
 * transport rejects with the signal's reason when the call's signal
 * aborts, as fetch does. */
let defaultTransport = fetchTransport;

/** useDefaultTransport replaces fetch as the default transport: the Node
 * entry point (js/node.js) sets node:http's (js/nodehttp.js). */
export function useDefaultTransport(transport) {
  defaultTransport = transport;
}

const isRedirect = (res) => (res.status >= 300 && res.status <= 399) || res.type === 'opaqueredirect';

/** redirectError names a redirect's status and its target's origin (never
 * its path or query), as core.RedirectError does. */
function redirectError(request, res) {
  const { method, path } = request;
  const location = Object.entries(res.headers ?? {}).find(([k]) => k.toLowerCase() === 'location')?.[1];
  let target;
  try { target = location ? new URL(location, request.url).origin : undefined; } catch { /* not a URL */ }
  const status = res.type === 'opaqueredirect' ? 'a redirect (the browser hides its status and target)' : `status ${res.status}: a redirect${target ? ` to ${target}` : ''}`;
  return new FlowThingsError(`flowthings: ${method} ${path}: ${status}, not followed (a request carrying the token never follows a redirect)`,
    { code: 'redirect', method, path, status: res.status, target });
}

/** failureText is a transport failure's message with the reasons of its
 * causes: fetch says only "fetch failed", its cause says "connect
 * ECONNREFUSED 127.0.0.1:1234" or "getaddrinfo ENOTFOUND …". */
function failureText(err) {
  let text = String(err?.message ?? err);
  let cause = err?.cause;
  for (let depth = 0; cause && depth < 4; depth++, cause = cause.cause) {
    let reason = typeof cause === 'object' ? String(cause.message ?? '') : String(cause);
    if (reason === '' && Array.isArray(cause.errors)) reason = cause.errors.map((e) => e?.message ?? String(e)).join('; ');
    if (cause.code && !reason.includes(cause.code)) reason = reason ? `${reason} (${cause.code})` : cause.code;
    if (reason && !text.includes(reason)) text += `: ${reason}`;
  }
  return text;
}

/** Client is what every service shares: the module's configuration, the
 * transport and the one request path. */
export class Client {
  constructor(token, options) {
    if (!(token instanceof Token)) {
      if (token && typeof token.account === 'string' && typeof token.token === 'string') token = new Token(token.account, token.token);
      else throw inputError('new API(token, options) needs a Token', 'token');
    }
    // A transport's error may quote the request: every error redacts the token.
    registerSecret(token.token);
    try {
      this.#configure(token, options);
    } catch (err) {
      unregisterSecret(token.token);
      if (this.#kept.cfg !== undefined) release(this.#kept.cfg);
      throw err;
    }
    released?.register(this, this.#kept);
  }

  /** What the module keeps for this Client, and what the finalizer needs
   * (never the Client itself): { cfg, secret }. */
  #kept = { cfg: undefined, secret: undefined };
  #config; // configure()'s argument, for a module loaded after a failure
  #load;

  /** The id of this Client's configuration in the module serving calls:
   * after a fatal failure and a new init(), the new module gets it too. */
  get cfg() {
    if (this.#load !== moduleLoad()) {
      this.#kept.cfg = configure(this.#config).id;
      this.#load = moduleLoad();
    }
    return this.#kept.cfg;
  }

  #configure(token, options) {
    checkKeys(options, API_OPTIONS, 'new API(token, options)');
    const o = { ...defaults };
    for (const [key, value] of Object.entries(options ?? {})) if (value !== undefined) o[key] = value; // undefined keeps the default
    if (o.params?.signal !== undefined || o.params?.timeoutMs !== undefined) {
      throw inputError('signal and timeoutMs belong to a call\'s params (or timeoutMs to the API options), not to the default params', 'params');
    }
    const [params] = splitParams(o.params);
    this.#config = {
      account: token.account, token: token.token, namespace: o.namespace, host: o.host, wsHost: o.wsHost,
      secure: o.secure, version: String(o.version), params,
    };
    this.#kept.secret = token.token;
    this.#kept.cfg = configure(this.#config).id;
    this.#load = moduleLoad();
    this.account = token.account;
    this.timeoutMs = o.timeoutMs;
    this.custom = o.transport !== null && o.transport !== undefined;
    this.transport = this.custom ? o.transport : defaultTransport;
    if (typeof this.transport !== 'function') throw inputError('the transport option must be a function', 'transport');
    this.WebSocket = o.WebSocket;
    this.built = new Map(); // op JSON → request, least recently used first
  }

  /** run builds op in the module and performs it. (Not async: the service
   * method calling it is, and one promise less per call is measurable.) */
  run(op, params) {
    const [query, control] = splitParams(params);
    op.params = query;
    return this.perform(this.build(op), control, query.refs);
  }

  /** build has the module build op's request. Building is a pure function
   * of the configuration and the op, so the newest BUILT_KEPT requests are
   * kept: a dashboard polling the same reads and finds builds each once.
   * Bodies rarely repeat, so an op with one is not kept; a create's request
   * is the kept request of the same create with the body {} (see
   * bodyPassesThrough), its body put back: an ingest has the module build
   * once per flow, not once per drop. */
  build(op) {
    if (op.updates !== undefined) return build(this.cfg, op).request;
    if (op.body === undefined) return this.kept(op);
    if (!bodyPassesThrough(op)) return build(this.cfg, op).request;
    return { ...this.kept({ ...op, body: '{}' }), body: op.body };
  }

  /** kept is the built request of op, from the newest BUILT_KEPT. */
  kept(op) {
    const key = stringify(op);
    let request = this.built.get(key);
    if (request) {
      this.built.delete(key); // most recently used goes last
    } else {
      request = deepFreeze(build(this.cfg, op).request);
      if (this.built.size >= BUILT_KEPT) this.built.delete(this.built.keys().next().value);
    }
    this.built.set(key, request);
    return request;
  }

  /** raw performs a call outside the typed operations. */
  async raw(method, path, data, params, wsHost) {
    if (typeof method !== 'string') throw inputError('method must be an HTTP method name such as GET or MPUT', 'method');
    if (typeof path !== 'string') throw inputError('path must be a string that starts with "/"', 'path');
    const [query, control] = splitParams(params);
    const body = data === undefined ? null : toJSON(data, 'data');
    const { request } = raw(this.cfg, method, path, body, query, wsHost);
    return this.perform(request, control, query.refs);
  }

  async perform(request, control, refs) {
    const res = await this.send(request, control);
    const { body, references } = this.decode(request, res.status, res.body);
    return refs ? [body, references ?? {}] : body;
  }

  /** decode lets the module check the envelope's head while the host parses
   * the body; a body the host cannot read as an envelope goes to the module
   * whole, which names what is wrong with it. */
  decode(request, status, text) {
    let parsed;
    let json = true;
    try { parsed = parse(text); } catch { json = false; /* the module explains */ }
    const head = parsed?.head;
    if (isPlainObject(parsed) && isPlainObject(head)) {
      if (!plainSuccess(status, head)) decodeHead(this.cfg, callOf(request), status, stringify(head));
      // As core.DecodeResponse: an absent or null body is {}.
      return { body: parsed.body ?? {}, references: isPlainObject(head.references) ? head.references : null };
    }
    const body = String(text ?? '');
    // A large body is never copied into the module: it gets the start and
    // the kind of value the host parsed, and throws core's error.
    if (body.length > WHOLE_TEXT_MAX) decodeExcerpt(this.cfg, callOf(request), status, body.slice(0, EXCERPT_LENGTH), !json ? null : isPlainObject(parsed) ? '{}' : '[]');
    const r = decode(this.cfg, callOf(request), status, body);
    return { body: r.body, references: r.references };
  }

  /** send performs one request with the transport, bounded by a timeout
   * (one timer for all calls, js/deadlines.js) and an optional AbortSignal.
   * The transport gets an AbortController's signal: the one way to stop a
   * timed-out request (Node's fetch takes about 8 µs a call to follow one). */
  async send(request, { signal, timeoutMs } = {}) {
    const { method, path } = request;
    if (signal?.aborted) throw abortedError(request, signal);
    timeoutMs ??= this.timeoutMs;
    const ac = new AbortController();
    // The default transport rejects with the abort's reason itself; a custom
    // transport might ignore the signal, so its answer races the timeout and the abort.
    const { custom } = this;
    let fail;
    const stop = custom ? new Promise((_, reject) => { fail = reject; }) : null;
    const abort = (err) => { ac.abort(err); fail?.(err); };
    const deadline = timeoutMs > 0 && Number.isFinite(timeoutMs)
      ? deadlines.add(timeoutMs, () => abort(new FlowThingsError(`flowthings: ${method} ${path}: timed out after ${timeoutMs} ms`, { code: 'timeout', method, path })))
      : null;
    const onAbort = signal ? () => abort(abortedError(request, signal)) : null;
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const sent = this.transport({ method, url: request.url, headers: custom ? { ...request.headers } : request.headers, body: request.body, signal: ac.signal });
      const res = await (custom ? Promise.race([sent, stop]) : sent);
      if (!res || typeof res.status !== 'number' || (res.body !== null && res.body !== undefined && typeof res.body !== 'string')) {
        throw new FlowThingsError(`flowthings: ${method} ${path}: the transport must resolve to { status, headers, body } with a string or null body`, { code: 'transport', method, path });
      }
      if (isRedirect(res)) throw redirectError(request, res);
      return res;
    } catch (err) {
      if (err instanceof FlowThingsError) throw err;
      throw new FlowThingsError(`flowthings: ${method} ${path}: ${failureText(err)}`, { code: 'transport', method, path, cause: err });
    } finally {
      deadline?.cancel();
      signal?.removeEventListener('abort', onAbort);
    }
  }
}

function abortedError({ method, path }, signal) {
  return new FlowThingsError(`flowthings: ${method} ${path}: aborted`, { code: 'aborted', method, path, cause: signal.reason });
}

/** separate splits (…args, params?) : a trailing plain object is the params. */
function separate(args) {
  const last = args[args.length - 1];
  if (args.length > 0 && isPlainObject(last)) return [args.slice(0, -1), last];
  return [args, undefined];
}

function withFilters(filters, params) {
  if (filters.length === 0) return params;
  const p = { ...params };
  const all = p.filter === undefined || p.filter === null ? [] : [].concat(p.filter);
  for (const f of filters) {
    if (typeof f !== 'string' && !(f instanceof Filter)) throw inputError(`a filter must be a Filter or filter text; give filter objects as params.filter`, 'filter');
    all.push(f);
  }
  p.filter = all;
  return p;
}

/** updateOf is one model of an update for the module's rule
 * (core.Update.Target): an M sends its diff to its model's id, an object
 * is sent whole to its own id. */
function updateOf(m) {
  if (m instanceof Modification) return { model: toJSON(m.model, 'model'), diff: toJSON(m.diff, 'diff') };
  if (m === null || typeof m !== 'object' || Array.isArray(m)) throw inputError('an update needs a model object or an M', 'model');
  return { model: toJSON(m, 'model') };
}

/** What no id contains (ids are a type letter and hex digits): white space
 * and the filter language's operators. A string of find() with one of
 * these is filter text given where an id goes. */
const NOT_AN_ID = /[\s=<>!'"()&|~]/;

/** Service has the operations every platform service shares. */
class Service {
  #client;
  #base;
  constructor(client, service, address = {}) {
    this.#client = client;
    this.#base = { service, ...address };
  }
  _run(name, fields, params) { return this.#client.run({ ...this.#base, name, ...fields }, params); }

  /** GET /{svc}/{id} */
  async read(id, params) { return this._run('read', { id }, params); }
  /** read, answering a 404 (only) with fallback. */
  async readOrElse(id, fallback, params) {
    try {
      return await this.read(id, params);
    } catch (err) {
      if (err instanceof FlowThingsError && err.code === 'notFound') return fallback; // as core.ReadOrElseFallback
      throw err;
    }
  }
  /** MGET /{svc}: a map id → object; unknown ids are absent. */
  async readMany(ids, params) {
    if (!Array.isArray(ids)) throw inputError('readMany takes an array of ids', 'ids');
    return this._run('readMany', { ids }, params);
  }
  /** GET /{svc}?filter=…: filters (Filters or text) AND-ed after params.filter. */
  async findMany(...args) {
    const [filters, params] = separate(args);
    return this._run('findMany', {}, withFilters(filters, params));
  }
  /** find(id) reads, find([ids]) reads many, anything else finds. */
  async find(...args) {
    const [rest, params] = separate(args);
    if (typeof rest[0] === 'string') {
      if (rest.length > 1) throw inputError('find by id takes no filters', 'args');
      if (NOT_AN_ID.test(rest[0])) {
        throw inputError(`find(text): a string is an id, and ${JSON.stringify(rest[0].slice(0, 60))} cannot be one (it has spaces or operators): to find with filter text, use findMany(text) or find({ filter: text })`, 'id');
      }
      return this.read(rest[0], params);
    }
    if (Array.isArray(rest[0])) {
      if (rest.length > 1) throw inputError('find by ids takes no filters', 'args');
      return this.readMany(rest[0], params);
    }
    return this.findMany(...rest, ...(params === undefined ? [] : [params]));
  }
  /** POST /{svc} */
  async create(model, params) { return this._run('create', { body: toJSON(model, 'model') }, params); }
  /** save(list) updates many, save(M or object with an id) updates, else creates. */
  async save(x, params) {
    if (Array.isArray(x)) return this._run('updateMany', { updates: x.map(updateOf) }, params);
    if (x instanceof Modification || (isPlainObject(x) && x.id !== undefined)) return this._run('update', { updates: [updateOf(x)] }, params);
    return this.create(x, params);
  }
  /** DELETE /{svc}/{id}, with data as the body when given. */
  async delete(id, data, params) {
    return this._run('delete', { id, body: data === undefined ? undefined : toJSON(data, 'data') }, params);
  }
}

/** A service whose objects can be updated. */
class MutableService extends Service {
  /** PUT /{svc}/{id}: an M sends its diff; an object is sent whole. */
  async update(modelOrM, params) { return this._run('update', { updates: [updateOf(modelOrM)] }, params); }
  /** MPUT /{svc}: a list of models or Ms, or an object of id → changes. */
  async updateMany(models, params) {
    if (Array.isArray(models)) return this._run('updateMany', { updates: models.map(updateOf) }, params);
    if (isPlainObject(models)) return this._run('updateMany', { body: toJSON(models, 'models') }, params);
    throw inputError('updateMany takes a list of models or an object of id → changes', 'models');
  }
}

/** The drops of one flow (by id, or by path for create and find). */
export class DropService extends MutableService {
  #live;
  constructor(client, flow) {
    const address = flow === undefined ? {} : typeof flow === 'string' && flow.startsWith('/') ? { path: flow } : { flowId: flow };
    if (flow !== undefined && (typeof flow !== 'string' || flow === '')) throw inputError('api.drop(flow) takes a flow id or path', 'flowId');
    super(client, 'drop', address);
    this.#live = (filter, options) => startLive(this, new WebSocketService(client), flow, filter, options);
  }
  /** A live query of the flow's newest drops matching filter (js/live.js). */
  async live(filter, options) { return this.#live(filter, options); }
  /** DELETE /drop/{flowId}: empties the flow. */
  async deleteAll(params) { return this._run('deleteAll', {}, params); }
  /** POST /drop/{flowId}/aggregate: aggregate(output, { groupBy, filter, rules, sorts }) or aggregate({ output, … }). */
  async aggregate(output, options, params) {
    if (isPlainObject(output)) [output, options, params] = [output.output, output, options];
    const { groupBy, filter, rules, sorts } = options ?? {};
    const rendered = {};
    for (const [name, rule] of Object.entries(rules ?? {})) rendered[name] = filterText(rule);
    return this._run('aggregate', {
      aggregation: { output, groupBy, sorts, rules: rendered, filter: filter === undefined || filter === null ? undefined : filterText(filter) },
    }, params);
  }
}

/** GET /statistics/{stat}/{id}[/{year}[/{month}[/{day}]]]: one count per sub-period. */
class StatisticsService {
  constructor(client) {
    for (const stat of STATISTICS) {
      this[stat] = async (id, ...rest) => {
        const [[year, month, day, level], params] = separate(rest);
        return client.run({ service: 'statistics', name: 'statistics', stat, id, year, month, day, level }, params);
      };
    }
  }
}

/** The API: one service per platform service (js/services.js lists them). */
export class API {
  #client;
  constructor(token, options) {
    const client = new Client(token, options);
    this.#client = client;
    for (const { property, service, updatable } of SERVICES) {
      this[property] = new (updatable ? MutableService : Service)(client, service);
    }
    this.statistics = new StatisticsService(client);
    const byPath = new DropService(client);
    this.drop = Object.assign((flow) => new DropService(client, flow), methodsOf(byPath));
    this.websocket = new WebSocketService(client);
    Object.freeze(this);
  }
  /** Any other call: a method, a path below the account, optional data and params. */
  async request(method, path, data, params) { return this.#client.raw(method, path, data, params, false); }
  /** An API of the same shape whose calls are queued until results(). */
  async(options) { return asyncAPI(this, options); }
  /** An API of the same shape whose calls start at once and return lazy values. */
  lazy(options) { return lazyAPI(this, options); }
}

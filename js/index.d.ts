// Types of the flowthings-wasm package: every export of every entry point
// (node.js, browser.js, worker.js, index.js share them), with the
// documentation of the public API. These declarations follow the runtime in
// js/*.js; the model types come from models.d.ts, generated from the Go
// client's structs (go generate ./flowthings). test/types checks them
// (usage.ts must compile and, compiled, run; every line of misuse.ts must
// fail to compile) and test/js/types.test.js runs that check.

// ───────────────────────────── loading ─────────────────────────────

/** Where the wasm module comes from: a URL (fetched), a `Response` (compiled
 * while it streams in when it is served as `application/wasm`), its bytes,
 * or a compiled `WebAssembly.Module` (what a Cloudflare Worker imports). */
export type WasmSource = string | URL | Response | ArrayBuffer | ArrayBufferView | (WebAssembly.Module & object);

export interface InitOptions {
  /** The wasm module, or a promise of it (e.g. `fetch(url)`). Default: on
   * Node the file shipped beside the package's JS; in browsers and the
   * generic ESM entry point `../dist/flowthings.wasm` fetched relative to
   * the package's JS. In a Worker it is required:
   * `import wasm from 'flowthings-wasm/flowthings.wasm'; await init({ wasm })`. */
  wasm?: WasmSource | PromiseLike<WasmSource> | undefined;
}

/**
 * Loads the wasm module once. Later calls resolve at once; concurrent calls
 * share one load; a failed load rejects with a `FlowThingsError` whose
 * `code` is `'init'` and may be retried. Every other function of the package
 * throws `FlowThingsError` (`code: 'init'`) until this has resolved.
 */
export declare function init(options?: InitOptions): Promise<void>;


// ───────────────────────────── data ─────────────────────────────

// The model types (Flow, Drop, Track, Group, Identity, ApiTask, MqttTask,
// RssTask, Device, TokenObject, Share, their parts, ElemType, TypedElem,
// TypedElems) are generated from the Go structs of package flowthings.
export type * from './models.js';
export type * from './servicetypes.js';
import type { ServiceUpdatable, StatisticName } from './servicetypes.js';
import type {
  ApiTask, Device, Drop, ElemType, Flow, Group, Identity, MqttTask, RssTask, Share, TokenObject, Track, TypedElems,
} from './models.js';

/** A JSON value as the SDK parses it: objects, arrays, strings, booleans,
 * null and numbers — a number beyond ±2^53 a `bigint`, so none is rounded. */
export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | JsonObject;

/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/**
 * The form of a drop's elems in a reply:
 * - `'typed'`: every elem `{ type, value }` — API v0.1 (the default), or
 *   `hints: true`;
 * - `'plain'`: plain JSON values — API v4.0, or `hints: false`;
 * - `'either'`: not known when compiling (a version or `hints` given as a
 *   variable), and what a write may give.
 */
export type ElemsForm = 'typed' | 'plain' | 'either';

/** Elems as plain JSON values (`hints: false`, API v4.0, `plainElems`). */
export type PlainElems = { [name: string]: JsonValue };

/** The elems of a drop in the form F: `TypedElems`, `PlainElems`, or for
 * `'either'` any value (a write may mix plain values and typed elems). */
export type Elems<F extends ElemsForm = 'either'> = F extends 'typed' ? TypedElems : F extends 'plain' ? PlainElems : { [name: string]: unknown };

/** An object as the platform stored it: the model, with its id. */
export type Stored<T> = T & { id: string };

/** Any platform object as JSON, for calls the SDK has no model for. */
export type StoredObject = { id: string; [key: string]: unknown };

/** Any platform object given to a call the SDK has no model for. */
export type FlowObject = { id?: string; [key: string]: unknown };

/** `head.references` of a reply with `refs: true`: a flat map of id →
 * referenced object (flows, creators, issuers, …). `{}` when the platform
 * sent none. */
export type References = { [id: string]: StoredObject };

/** The model of each service of the API, by the service's name there
 * (js/services.js lists them, and drop); F is the form of drop elems. */
export interface Models<F extends ElemsForm = 'either'> {
  flow: Flow;
  drop: Drop<F>;
  track: Track;
  group: Group;
  identity: Identity;
  apiTask: ApiTask;
  mqttTask: MqttTask;
  rssTask: RssTask;
  device: Device;
  token: TokenObject;
  share: Share;
}

/** A service of the API, by its name there. */
export type ServiceName = keyof Models;

/** What a write of the service S takes: its model, elems in any form. */
export type ModelOf<S extends ServiceName> = Models[S];

/** What a read of the service S resolves to: its model as stored, drop
 * elems in the form F. */
export type StoredModel<S extends ServiceName, F extends ElemsForm = 'typed'> = Stored<Models<F>[S]>;

/** The counts of a statistic: one per sub-period, oldest first (12 for a
 * year, one per day for a month, 24 for a day). */
export type StatisticCounts = number[];

/** The value of an aggregation's output or groupBy entry K in a row:
 * `$count` and `$sum:f` numbers, `$avg:f`, `$min:f`, `$max:f` and
 * `distance:rule` a number or null (nothing to aggregate), `$unique:f` and
 * `$all:f` arrays, date selectors (`$year`, …, `$second`, `:dateField`) a
 * number or null; a groupBy member or rule its (plain) value. */
export type AggregateValue<K extends string> =
  K extends '$count' ? number
  : K extends `$sum:${string}` ? number | bigint
  : K extends `$avg:${string}` ? number | null
  : K extends `$${'min' | 'max'}:${string}` ? number | bigint | null
  : K extends `$${'unique' | 'all'}:${string}` ? JsonValue[]
  : K extends `distance:${string}` ? number | null
  : K extends `$${'year' | 'month' | 'day' | 'hour' | 'minute' | 'second'}${'' | `:${string}`}` ? number | null
  : JsonValue;

/** One row of an aggregation, keyed by the literal groupBy and output
 * strings K (`{ room: 'a', $count: 3, '$avg:temp': 21.5 }`). */
export type AggregateRow<K extends string = string> = { [X in K]: AggregateValue<X> };

// ───────────────────────────── params ─────────────────────────────

/** A query param's value: arrays of strings are sent comma-separated
 * (`only: ['a', 'b']` → `only=a,b`); `null` and `undefined` are left out. */
export type ParamValue = string | number | boolean | readonly string[] | null | undefined;

/** Ends a call early: `signal` aborts it (rejecting with a `FlowThingsError`
 * whose `code` is `'aborted'`); `timeoutMs` bounds it (`code: 'timeout'`;
 * default the API's `timeoutMs`, 30000; 0 = no limit). Neither is sent. */
export interface CallControl {
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
}

/**
 * The params of a call: the trailing plain object of any method. The query
 * params of the platform (protocol §4) plus the call controls. A key that
 * is not one of these is a compile-time error; for a platform param the SDK
 * does not know, build the params as `OpenParams`.
 */
export interface Params extends CallControl {
  /** A filter, filter text, the object form, or a list of these (AND-ed).
   * Filters given as arguments of `find`/`findMany` are AND-ed after it. */
  filter?: FilterParam | null | undefined;
  /** `true`: the call resolves to `[body, references]`. Write it as `true`
   * or `false`: a flag known only at run time does not compile, as the
   * shape of the result depends on it. */
  refs?: boolean | undefined;
  /** Projection: only these top-level members (plus id). */
  only?: readonly string[] | string | undefined;
  /** Max results (platform default 20). */
  limit?: number | undefined;
  /** Offset into the sorted result (`skip` wins over `start`). */
  skip?: number | undefined;
  start?: number | undefined;
  /** Member to sort by (default creationDate). */
  sort?: string | undefined;
  order?: 'asc' | 'desc' | undefined;
  /** Drop elems typed (`true`, `{ type, value }`) or plain (`false`); the
   * default is the API version's (v0.1 typed, v4.0 plain). */
  hints?: boolean | undefined;
  /** `api.drop.find({ path })`: the flow of the drops, by path. */
  path?: string | undefined;
}

/** Params with `refs: true`: the call resolves to `[body, references]`. */
export type ParamsWithRefs = Params & { refs: true };

/** Params without refs: the call resolves to the body alone. */
export type ParamsWithoutRefs = Params & { refs?: false | undefined };

/**
 * The escape hatch for query params the SDK does not know: params typed as
 * `OpenParams` may hold any other key, sent as it is.
 *
 * ```ts
 * const params: OpenParams = { limit: 10, newPlatformParam: 'x' };
 * await api.flow.find(params);
 * ```
 */
export type OpenParams = ParamsWithoutRefs & { [name: string]: ParamValue | FilterParam | AbortSignal };

/** The message a misspelt or unknown param key gets. */
export type NotAParam<K> = `'${K & string}' is not a param (see Params; for a platform param the SDK does not know, use OpenParams)`;

/** P as a call's params: every key known (unless P is `OpenParams`), and
 * `refs` written as `true` or `false`. A key that is not known must hold
 * the message saying so, which no value does. */
export type CheckedParams<P> = string extends keyof P ? P : {
  [K in keyof P]: K extends keyof Params
    ? (K extends 'refs' ? (boolean extends Exclude<P[K], undefined> ? 'write refs as true or false' : P[K]) : P[K])
    : NotAParam<K>;
};

/** What a call with params P resolves to: the body B, or with `refs: true`
 * `[B, references]`. */
export type Reply<P, B> = P extends { refs: true } ? [B, References] : B;

/** The elems form of a drop call with params P on an API whose form is F:
 * `hints` written in the params wins. */
export type FormOf<P, F extends ElemsForm> =
  'hints' extends keyof P
    ? (P extends { hints: false } ? 'plain' : P extends { hints: true } ? 'typed' : P extends { hints: undefined } ? F : 'either')
    : F;

/** An HTTP method of the platform; MGET and MPUT are its bulk read and update. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'MGET' | 'MPUT' | (string & {});
// ───────────────────────────── options ─────────────────────────────

/** What the transport is asked to perform. `headers` carries the
 * X-Auth-Account and X-Auth-Token headers (and Content-Type with a body). */
export interface TransportRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
  /** Aborted on timeout or when the call's signal aborts. */
  signal: AbortSignal;
}

/** The transport's answer; `body` is the response text. */
export interface TransportResponse {
  status: number;
  headers?: Record<string, string> | undefined;
  body: string | null | undefined;
}

/** Replaces the default transport (`node:http`/`node:https` on Node, the
 * runtime's `fetch` elsewhere) for every HTTP call (including the
 * WebSocket session request). What it throws rejects the call with a
 * `FlowThingsError` of code `'transport'`. */
export type Transport = (request: TransportRequest) => TransportResponse | PromiseLike<TransportResponse>;

/** The socket the WebSocket driver uses: the browser's `WebSocket`, the
 * `ws` package's, or any object with these members. The driver sets the
 * four handlers and sends text frames. */
export interface WebSocketLike {
  send(data: string): void;
  close(code?: number): void;
  onopen: ((event: any) => void) | null;
  /** Gets `{ data }`: text frames are handled, binary ones reported. */
  onmessage: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
  /** Gets `{ code, reason }`. */
  onclose: ((event: any) => void) | null;
}

/** A WebSocket class: called as `new WebSocket(url, [], { maxPayload,
 * closeTimeout })` — no subprotocols, then options that the `ws` package
 * reads (the frame limit of `connect`'s `maxFrameBytes`, and how long a
 * close may take) and that browsers' and Workers' WebSocket ignore. */
export type WebSocketConstructor = new (url: string, protocols: string[], options: { maxPayload: number; closeTimeout: number }) => WebSocketLike;

/** The options of `new API(token, options)`; each but `host` falls back to `defaults`. */
export interface APIOptions {
  /** The REST host, with an optional port: required (the local emulator's
   * is `127.0.0.1:4000`, with `secure: false`); there is no default, the
   * hosted `api.flowthings.io` is defunct. */
  host: string;
  /** The WebSocket host (default: `host`). */
  wsHost?: string | undefined;
  /** https/wss (default) or http/ws. */
  secure?: boolean | undefined;
  /** The API version, sent as `/v{version}/` (default `'0.1'`). Leave it
   * out for the default: an explicit `undefined` is not the default. It
   * sets the form of drop elems in replies: typed on 0.x, plain from 4.0. */
  version?: string | number;
  /** Another account whose shared objects the calls address. */
  namespace?: string | undefined;
  /** Query params sent with every call (a call's own params win; `signal`
   * and `timeoutMs` are not taken from here: use the `timeoutMs` option). */
  params?: Params | undefined;
  /** The default `timeoutMs` of every call (default 30000; 0 = none).
   * Leave it out for the default: an explicit `undefined` is not the default. */
  timeoutMs?: number;
  /** Performs the HTTP calls instead of the default transport
   * (`node:http`/`node:https` on Node, the runtime's `fetch` elsewhere). */
  transport?: Transport | undefined;
  /** The WebSocket class for `api.websocket.connect()` (default
   * `globalThis.WebSocket`; on Node 20 pass the `ws` package's). */
  WebSocket?: WebSocketConstructor | undefined;
}

/** The defaults of the options of `new API` (none for `host`, which is required; `wsHost` defaults to `host`). */
export declare const defaults: {
  readonly secure: true;
  readonly version: '0.1';
  readonly params: Readonly<Params>;
  readonly timeoutMs: 30000;
};

// ─────────────────── call modes: the API, async(), lazy() ───────────────────

/**
 * How the methods of a service deliver their results:
 * - `'promise'`: `api.*`: a Promise of the data;
 * - `'lazy'`: `api.lazy().*`: a `Lazy` value, the call started at once;
 * - `'queued'`: `api.async().*`: the call's index in `results()`.
 */
export type CallMode = 'promise' | 'lazy' | 'queued';

declare const queuedValue: unique symbol;

/** A call queued on `api.async()`: its index in `results()`, a number
 * that also carries the type of the call's value, so that
 * `results<[typeof a, typeof b]>()` is typed. */
export type Queued<T> = number & { readonly [queuedValue]: T };

interface ResultOf<T> {
  promise: Promise<T>;
  lazy: Lazy<T>;
  queued: Queued<T>;
}

/** What a method of a service in the given mode returns for data `T`. */
export type Result<Mode extends CallMode, T> = ResultOf<T>[Mode];

/** An argument of a method in the given mode: for `api.async()` and
 * `api.lazy()`, also a promise or a lazy value, anywhere inside arrays and
 * plain objects (they are awaited before the call). */
export type Arg<Mode extends CallMode, T> = Mode extends 'promise' ? T : Deferred<T>;

type Opaque = Filter | Modification<any> | Date | RegExp | AbortSignal | Token | ((...args: any[]) => unknown);

/** `T`, a promise (or lazy value) of it, or — for arrays and plain objects
 * — the same with any element or member deferred. */
export type Deferred<T> =
  | T
  | PromiseLike<T>
  | (T extends Opaque ? never : T extends object ? { [K in keyof T]: Deferred<T[K]> } : never);

type Args<Mode extends CallMode, A extends unknown[]> = Mode extends 'promise' ? A : { [K in keyof A]: Deferred<A[K]> };

/** The keys of any member of the union T. */
type KeysOf<T> = T extends unknown ? keyof T : never;

type Picked<T, K> = T extends null | undefined ? undefined : K extends keyof T ? T[K] : undefined;

/**
 * A lazy value (`api.lazy()`): a thenable of the call's data. `await x`
 * waits for it; `x.get(key)` derives another lazy value (`undefined` when
 * the data is null or undefined); `x.unwrap()` is its Promise. Lazy values
 * may be passed as any argument of later calls. A lazy value nobody awaits
 * never causes an unhandled rejection; awaiting it still rejects.
 */
export interface Lazy<T> extends PromiseLike<T> {
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2>;
  catch<R = never>(onRejected?: ((reason: any) => R | PromiseLike<R>) | null): Promise<T | R>;
  finally(onFinally?: (() => void) | null): Promise<T>;
  /** The member or element `key` of the data, as a lazy value. */
  get<K extends (unknown extends T ? PropertyKey : KeysOf<NonNullable<T>>)>(key: K): Lazy<unknown extends T ? unknown : Picked<T, K>>;
  /** The Promise of the data. */
  unwrap(): Promise<T>;
}

/** Options of `api.async()` and `api.lazy()`. */
export interface BatchOptions {
  /** Calls in flight at once, a whole number ≥ 1 (default 8). */
  concurrency?: number | undefined;
}

export interface ResultsOptions {
  /** `true`: settle every call, as `[error, null]` or `[null, value]`. */
  withExceptions?: boolean | undefined;
}

/** A settled call of `results({ withExceptions: true })`. */
export type Settled<T = JsonValue> = [error: unknown, value: null] | [error: null, value: T];

/** The values of the queued calls Q, in order. */
export type ValuesOf<Q extends readonly Queued<unknown>[]> = { -readonly [K in keyof Q]: Q[K] extends Queued<infer T> ? T : never };

/** The settled calls Q, in order. */
export type SettledOf<Q extends readonly Queued<unknown>[]> = { -readonly [K in keyof Q]: Settled<Q[K] extends Queued<infer T> ? T : never> };


// ───────────────────────────── services ─────────────────────────────

/** The params argument of a method in the given mode. */
type ParamsArg<Mode extends CallMode, P> = Mode extends 'promise' ? CheckedParams<P> : DeferredParams<P>;

/** Params P as `api.async()` and `api.lazy()` take them: also a promise
 * or lazy value of them, or any member deferred. */
export type DeferredParams<P> =
  | PromiseLike<CheckedParams<P>>
  | ({ [K in keyof P]: Deferred<P[K]> } & (string extends keyof P ? unknown : { [K in Exclude<keyof P, keyof Params>]: NotAParam<K> }));

/** What a method in the given mode returns for params P and body B. */
type Out<Mode extends CallMode, P, B> = Result<Mode, Reply<P, B>>;

/** A filter argument of `find`/`findMany`: a filter or filter text. */
export type FilterArg = Filter | string;

/** An object that names its target: updates go to `id`. */
export type Identified = { readonly id: string };

/**
 * The operations every platform service has, on the model of the service
 * S (`Flow` for `api.flow`, …); F is the form of drop elems in replies (see
 * `ElemsForm`; `hints` in a call's params wins). Every method resolves (in
 * mode `'promise'`) to the reply's body; with `refs: true` in its params to
 * `[body, references]`; a platform failure rejects with a subclass of
 * `FlowThingsException`, anything else with a `FlowThingsError`.
 */
export interface BaseService<Mode extends CallMode = 'promise', S extends ServiceName = ServiceName, F extends ElemsForm = 'typed'> {
  /** GET /{service}/{id} */
  read<const P extends Params = {}>(id: Arg<Mode, string>, params?: ParamsArg<Mode, P>): Out<Mode, P, StoredModel<S, FormOf<P, F>>>;

  /** read, answering a 404 (only) with `fallback`. */
  readOrElse<V, const P extends Params = {}>(id: Arg<Mode, string>, fallback: Arg<Mode, V>, params?: ParamsArg<Mode, P>): Result<Mode, Reply<P, StoredModel<S, FormOf<P, F>>> | V>;

  /** MGET /{service}: a map of id → object; unknown ids are absent. */
  readMany<const P extends Params = {}>(ids: Arg<Mode, readonly string[]>, params?: ParamsArg<Mode, P>): Out<Mode, P, { [id: string]: StoredModel<S, FormOf<P, F>> }>;

  /** GET /{service}?filter=…: the objects matching every filter given (and
   * params.filter), in the platform's order. Filter objects (the object
   * form) go in params.filter; a trailing plain object is the params. */
  findMany<const P extends Params>(...args: [...filters: Arg<Mode, FilterArg>[], params: ParamsArg<Mode, P>]): Out<Mode, P, StoredModel<S, FormOf<P, F>>[]>;
  findMany(...filters: Args<Mode, FilterArg[]>): Result<Mode, StoredModel<S, F>[]>;

  /** find(id) is read; find([ids]) is readMany (a map); find(filters…,
   * params?) is findMany (an array). A string first argument is always an
   * id: give filter text after a Filter, or as params.filter. */
  find<const P extends Params = {}>(id: Arg<Mode, string>, params?: ParamsArg<Mode, P>): Out<Mode, P, StoredModel<S, FormOf<P, F>>>;
  find<const P extends Params = {}>(ids: Arg<Mode, readonly string[]>, params?: ParamsArg<Mode, P>): Out<Mode, P, { [id: string]: StoredModel<S, FormOf<P, F>> }>;
  find<const P extends Params>(...args: [filter: Arg<Mode, Filter>, ...filters: Arg<Mode, FilterArg>[], params: ParamsArg<Mode, P>]): Out<Mode, P, StoredModel<S, FormOf<P, F>>[]>;
  find(...args: Args<Mode, [filter: Filter, ...filters: FilterArg[]]>): Result<Mode, StoredModel<S, F>[]>;
  find<const P extends Params = {}>(params?: ParamsArg<Mode, P>): Out<Mode, P, StoredModel<S, FormOf<P, F>>[]>;

  /** POST /{service}: creates the object; resolves to it as stored. */
  create<const P extends Params = {}>(model: Arg<Mode, ModelOf<S>>, params?: ParamsArg<Mode, P>): Out<Mode, P, StoredModel<S, FormOf<P, F>>>;

  /** DELETE /{service}/{id}, with `data` as the JSON body when given
   * (pass `undefined` to give params without a body). Resolves to `{}`. */
  delete<const P extends Params = {}>(id: Arg<Mode, string>, data?: unknown, params?: ParamsArg<Mode, P>): Out<Mode, P, JsonObject>;
}

/** `api.token` and `api.share`: tokens and shares are immutable (no
 * update; `save` only creates). */
export interface ObjectService<Mode extends CallMode = 'promise', S extends ServiceName = 'token' | 'share'> extends BaseService<Mode, S> {
  /** Creates the model: a model with an id, an `M` or a list (updates)
   * is refused. */
  save<const P extends Params = {}>(model: Arg<Mode, ModelOf<S> & { readonly id?: undefined }>, params?: ParamsArg<Mode, P>): Out<Mode, P, StoredModel<S>>;
}

/** A model of the service S to update: with its id, or an `M` of it. */
export type Update<S extends ServiceName> = (ModelOf<S> & Identified) | Modification<ModelOf<S>>;

/** A service whose objects can be updated: flow, track, group, identity,
 * apiTask, mqttTask, rssTask, device, and drops. */
export interface MutableService<Mode extends CallMode = 'promise', S extends ServiceName = ServiceName, F extends ElemsForm = 'typed'> extends BaseService<Mode, S, F> {
  /** PUT /{service}/{id}: an `M` sends only its diff to its model's id; an
   * object is sent whole to its own id. */
  update<const P extends Params = {}>(model: Arg<Mode, Update<S>>, params?: ParamsArg<Mode, P>): Out<Mode, P, StoredModel<S, FormOf<P, F>>>;

  /** MPUT /{service}: a list of models or `M`s (each to its id), or an
   * object of id → changes. Resolves to a map of id → updated object;
   * unknown ids are absent. */
  updateMany<const P extends Params = {}>(models: Arg<Mode, readonly Update<S>[] | { [id: string]: Partial<ModelOf<S>> }>, params?: ParamsArg<Mode, P>): Out<Mode, P, { [id: string]: StoredModel<S, FormOf<P, F>> }>;

  /** save(list) is updateMany; save(M) and save(object with an id) update;
   * anything else is created. */
  save<const P extends Params = {}>(models: Arg<Mode, readonly Update<S>[]>, params?: ParamsArg<Mode, P>): Out<Mode, P, { [id: string]: StoredModel<S, FormOf<P, F>> }>;
  save<const P extends Params = {}>(model: Arg<Mode, ModelOf<S> | Modification<ModelOf<S>>>, params?: ParamsArg<Mode, P>): Out<Mode, P, StoredModel<S, FormOf<P, F>>>;
}

/** The options of `drop(flowId).aggregate`. Selectors: `$count`,
 * `$sum:f`, `$avg:f`, `$min:f`, `$max:f`, `$unique:f`, `$all:f`,
 * `distance:rule`; groupBy also takes `$year`, `$month`, … `$second`
 * (`:dateField`) and rule names; sorts are `key`, `key:asc`, `key:desc`. */
export interface AggregateOptions<G extends readonly string[] = readonly string[]> {
  groupBy?: G | undefined;
  /** Only drops matching this filter. */
  filter?: FilterLike | null | undefined;
  /** name → filter: a field that is 1 for matching drops, 0 otherwise. */
  rules?: { [name: string]: FilterLike } | undefined;
  sorts?: readonly string[] | undefined;
}

/** An aggregation given as one object. */
export interface Aggregation<O extends readonly string[] = readonly string[], G extends readonly string[] = readonly string[]> extends AggregateOptions<G> {
  output: O;
}

/** The keys of the rows of the aggregation A. */
type RowKeysOf<A> = A extends { output: readonly (infer O extends string)[] }
  ? O | (A extends { groupBy: readonly (infer G extends string)[] } ? G : never)
  : string;

/** The drops of one flow (`api.drop(flowId)`), or without a flow
 * (`api.drop`): then only `create` (the model names its flow by `path`)
 * and `find`/`findMany` with `params.path` can address a flow. */
export interface DropService<Mode extends CallMode = 'promise', F extends ElemsForm = 'typed'> extends MutableService<Mode, 'drop', F> {
  /** DELETE /drop/{flowId}: empties the flow. */
  deleteAll<const P extends Params = {}>(params?: ParamsArg<Mode, P>): Out<Mode, P, JsonObject>;

  /** POST /drop/{flowId}/aggregate: rows keyed by the groupBy and output
   * strings, typed by them (`$count` a number, …). */
  aggregate<const O extends readonly string[], const G extends readonly string[] = [], const P extends Params = {}>(output: Arg<Mode, O>, options?: Arg<Mode, AggregateOptions<G>> | undefined, params?: ParamsArg<Mode, P>): Out<Mode, P, AggregateRow<O[number] | G[number]>[]>;
  aggregate<const A extends Aggregation, const P extends Params = {}>(aggregation: Arg<Mode, A>, params?: ParamsArg<Mode, P>): Out<Mode, P, AggregateRow<RowKeysOf<A>>[]>;

  /** A live query of the flow's newest drops matching `filter` (all drops
   * without one): see `LiveQuery`. Needs a flow: `api.drop(flowIdOrPath)`.
   * Its drops have typed elems whatever the API's version, as pushed drops
   * do (`plainElems(drop)` gives the plain form). */
  live(filter?: Arg<Mode, FilterLike | null | undefined>, options?: Arg<Mode, LiveOptions<PushedDrop>>): Result<Mode, LiveQuery<PushedDrop>>;
}

// ─────────────── live queries (js/live.js; maintained with it) ───────────────

/** Where a live query is: `live` (its drops are current), `reconnecting`
 * (its connection is being re-established), `resyncing` (it is finding its
 * drops again), `closed`. */
export type LiveState = 'live' | 'reconnecting' | 'resyncing' | 'closed';

/** The options of `api.drop(flow).live(filter, options)`. */
export interface LiveOptions<T = PushedDrop> {
  /** How many drops the query keeps, newest first: 1 to 1000 (default 100). */
  limit?: number | undefined;
  /** Called after each change with the new drops (newest first) and those
   * new to them (an updated drop is replaced in place, not added). */
  onChange?: ((drops: readonly T[], change: { added: readonly T[] }) => unknown) | undefined;
  /** What goes wrong while the query runs (a find being retried, a `gap`,
   * what a callback threw) and the error that ends it. */
  onError?: ((error: unknown) => unknown) | undefined;
  /** Called when `state` changes. */
  onStateChange?: ((state: LiveState) => unknown) | undefined;
  /** A connection to share (left open by `close()`); without it the query
   * opens its own, reconnecting, and closes it. */
  ws?: WebSocketConnection | undefined;
}

/** A live query: the newest drops of a flow that match a filter, kept
 * current as drops are created and updated; pushed drops are matched in the
 * wasm module with the filter language's own evaluator, as a find would.
 * Iterating yields the current drops, then the drops after each change (a
 * slow loop skips to the newest); it ends when the query does. */
export interface LiveQuery<T = PushedDrop> extends AsyncIterable<readonly T[]> {
  /** The current drops, newest first (frozen; replaced on each change). */
  readonly drops: readonly T[];
  readonly state: LiveState;
  /** Ends the query: unsubscribes, and closes the connection it opened. */
  close(): Promise<void>;
  [Symbol.asyncIterator](): AsyncIterator<readonly T[], undefined>;
}

// ─────────────── end of live queries ───────────────

/** `api.drop`: called with a flow id, or a flow path starting with `/`
 * (for create and find), the drop service of that flow; used directly, the
 * drop service without a flow (`api.drop.create({ path, elems })`). */
export interface DropServices<Mode extends CallMode = 'promise', F extends ElemsForm = 'typed'> extends DropService<Mode, F> {
  (flow: Arg<Mode, string>): DropService<Mode, F>;
}

/** The bucket size of a statistic (the platform accepts either case). */
export type StatLevel = 'YEAR' | 'MONTH' | 'DAY' | 'HOUR' | 'year' | 'month' | 'day' | 'hour';

/** The period of a statistic: none (the platform's default), a year, a
 * month of it, a day of that; then the level. A month needs a year and a
 * day a month; `undefined` skips one. */
export type StatPeriod =
  | []
  | [year: number | undefined]
  | [year: number | undefined, month: number | undefined]
  | [year: number | undefined, month: number | undefined, day: number | undefined]
  | [year: number | undefined, month: number | undefined, day: number | undefined, level: StatLevel | undefined];

/** GET /statistics/{stat}/{id}[/{year}[/{month}[/{day}]]][?level=…]: one
 * count per sub-period, oldest first. */
export interface Statistic<Mode extends CallMode = 'promise'> {
  (id: Arg<Mode, string>, ...period: Args<Mode, [...StatPeriod, ParamsWithRefs]>): Result<Mode, [StatisticCounts, References]>;
  (id: Arg<Mode, string>, ...period: Args<Mode, [...StatPeriod, ParamsWithoutRefs?]>): Result<Mode, StatisticCounts>;
}

/** `api.statistics`: `flowDropAdded(id, year?, month?, day?, level?, params?)` and likewise. */
export type StatisticsService<Mode extends CallMode = 'promise'> = { readonly [S in StatisticName]: Statistic<Mode> };

/** Any call the services do not cover: a method, a path below the account
 * (`/flow/x`), optional JSON data and params; T is what the caller expects
 * the body to be. */
export interface RawRequest<Mode extends CallMode = 'promise'> {
  <T = JsonValue>(method: Arg<Mode, HttpMethod>, path: Arg<Mode, string>, data: unknown, params: Arg<Mode, ParamsWithRefs>): Result<Mode, [T, References]>;
  <T = JsonValue>(method: Arg<Mode, HttpMethod>, path: Arg<Mode, string>, data?: unknown, params?: Arg<Mode, ParamsWithoutRefs | OpenParams>): Result<Mode, T>;
}

/** The services of an API, in a call mode: `API` itself, `api.async()`
 * and `api.lazy()` have this shape. F is the form of drop elems in replies. */
export type APIShape<Mode extends CallMode = 'promise', F extends ElemsForm = 'typed'> = ServicesOf<Mode> & {
  /** `api.drop(flow)`: the drops of a flow; `api.drop`: drops without one. */
  readonly drop: DropServices<Mode, F>;
  readonly statistics: StatisticsService<Mode>;
  /** Any other call: a method, a path below the account (`/flow/x`),
   * optional JSON data and params. */
  request: RawRequest<Mode>;
  readonly websocket: WebSocketRequests<Mode>;
};

/** The services of js/services.js, each on its model: a `MutableService`,
 * or for tokens and shares (immutable) an `ObjectService`. */
export type ServicesOf<Mode extends CallMode = 'promise'> = {
  readonly [S in keyof ServiceUpdatable]: ServiceUpdatable[S] extends true ? MutableService<Mode, S> : ObjectService<Mode, S>;
};

/** HTTP calls to the WebSocket host. */
export interface WebSocketRequests<Mode extends CallMode = 'promise'> {
  /** Any call to the WebSocket host: default `POST /session`, which
   * resolves to `{ id }`, a new session. */
  request<T = JsonValue>(method: Arg<Mode, HttpMethod>, path: Arg<Mode, string> | undefined, data: unknown, params: Arg<Mode, ParamsWithRefs>): Result<Mode, [T, References]>;
  request<T = JsonValue>(method: Arg<Mode, HttpMethod>, path?: Arg<Mode, string>, data?: unknown, params?: Arg<Mode, ParamsWithoutRefs | OpenParams>): Result<Mode, T>;
}

/** `api.websocket`. */
export interface WebSocketService extends WebSocketRequests<'promise'> {
  /** Opens a session and its socket; resolves once the socket is open
   * (rejects when the connection ends first). */
  connect(options?: ConnectOptions): Promise<WebSocketConnection>;
}

/** `api.async()`: an API of the same shape whose calls are queued (each
 * returns its index in the results, a `Queued`) until `results()` runs
 * them. Name the queued calls to type the results:
 *
 * ```ts
 * const batch = api.async();
 * const flow = batch.flow.read(id);
 * const drops = batch.drop(id).find({ limit: 5 });
 * const [f, d] = await batch.results<[typeof flow, typeof drops]>();
 * ```
 */
export interface AsyncAPI<F extends ElemsForm = 'typed'> extends APIShape<'queued', F> {
  /** Runs the queued calls (at most `concurrency` at once) and resolves to
   * their values in call order, rejecting with the first error in call
   * order; the queue is empty afterwards. Q, the queued calls, types the
   * values (default: any JSON). */
  results<const Q extends readonly Queued<unknown>[] = Queued<JsonValue>[]>(options?: { withExceptions?: false | undefined }): Promise<ValuesOf<NoInfer<Q>>>;
  /** Settles every queued call: `[error, null]` or `[null, value]` each. */
  results<const Q extends readonly Queued<unknown>[] = Queued<JsonValue>[]>(options: { withExceptions: true }): Promise<SettledOf<NoInfer<Q>>>;
  results<const Q extends readonly Queued<unknown>[] = Queued<JsonValue>[]>(options: ResultsOptions): Promise<ValuesOf<NoInfer<Q>> | SettledOf<NoInfer<Q>>>;
}

/** `api.lazy()`: an API of the same shape whose calls start at once and
 * return lazy values; a call waits only for the lazy values it is given. */
export interface LazyAPI<F extends ElemsForm = 'typed'> extends APIShape<'lazy', F> {}

/** The token of an API: a `Token` or an object with the same two strings. */
export type TokenLike = { readonly account: string; readonly token: string };

/**
 * The API: one service per platform service. F is the form of drop elems
 * in its replies, from its options: `'typed'` on API v0.1 (the default),
 * `'plain'` on v4.0 or with `params: { hints: false }`, `'either'` when the
 * version or `hints` is only known at run time (a variable).
 *
 * ```js
 * await init();
 * const api = new API(new Token('alice', '<token>'), { host: '127.0.0.1:4000', secure: false });
 * const flow = await api.flow.create({ path: '/alice/sensors' });
 * await api.drop(flow.id).create({ elems: { temp: 21 } });
 * const hot = await api.drop(flow.id).find(mem.elems.temp.gt(30), { limit: 10 });
 * ```
 */
export interface API<F extends ElemsForm = 'typed'> extends APIShape<'promise', F> {
  readonly websocket: WebSocketService;
  /** An API of the same shape whose calls are queued until `results()`. */
  async(options?: BatchOptions): AsyncAPI<F>;
  /** An API of the same shape whose calls start at once and return lazy values. */
  lazy(options?: BatchOptions): LazyAPI<F>;
}

/** The elems form of an API version V: typed below 4, plain from 4.0. */
type VersionForm<V> =
  [V] extends [undefined] ? 'typed'
  : V extends string | number
    ? (string extends `${V}` ? 'either' : number extends V ? 'either' : `${V}` extends `${0 | 1 | 2 | 3}${'' | `.${string}`}` ? 'typed' : 'plain')
    : 'either';

/** The elems form of an API with the options O. */
export type FormOfOptions<O> =
  FormOf<O extends { params: infer P } ? P : {}, VersionForm<'version' extends keyof O ? O['version' & keyof O] : undefined>>;

/** O as the options of `new API`: every key known, in the default params
 * too (unless they are `OpenParams`). */
export type CheckedOptions<O> = {
  [K in keyof O]: K extends keyof APIOptions
    ? (K extends 'params' ? KnownParams<O[K]> : O[K])
    : `'${K & string}' is not an option of new API (see APIOptions)`;
};

/** P with every key known (unless P is `OpenParams`). */
type KnownParams<P> = string extends keyof P ? P : { [K in keyof P]: K extends keyof Params ? P[K] : NotAParam<K> };

/** `new API(token, options)`. */
export interface APIConstructor {
  /** Throws a `FlowThingsError` (`code: 'input'`) without a token or a
   * host, or with a bad or unknown option. */
  new <const O extends APIOptions>(token: Token | TokenLike, options: CheckedOptions<O>): API<FormOfOptions<O>>;
  readonly prototype: API<ElemsForm>;
}

/** The API: `new API(token, options)`; see the `API` interface. */
export declare const API: APIConstructor;

// ───────────────────────────── WebSocket ─────────────────────────────

/** A drop pushed over the WebSocket: its elems typed (`{ type, value }`),
 * as sessions have no API version and give v0.1 output. */
export type PushedDrop = StoredModel<'drop', 'typed'>;

/** `connecting` until the first socket opens, `open`, `reconnecting`
 * after a disconnect (with `reconnect`), `closed` for good. */
export type WebSocketState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** The options of `api.websocket.connect()`. The callbacks' errors (and
 * rejected promises) go to `onError`. */
export interface ConnectOptions {
  /** A socket opened (the first one, and each one after a reconnect). */
  onOpen?(ws: WebSocketConnection): unknown;
  /** Every pushed drop, once per push frame, whatever subscriptions it reaches. */
  onMessage?(ws: WebSocketConnection, resource: string, value: PushedDrop): unknown;
  /** The connection ended for good. */
  onClose?(ws: WebSocketConnection): unknown;
  /** An error that belongs to no call (a dropped socket, a bad frame, an
   * overflowing iterator), or what a callback or handler threw. */
  onError?(ws: WebSocketConnection, error: unknown): unknown;
  onStateChange?(ws: WebSocketConnection, state: WebSocketState): unknown;
  /** Open a new session, with backoff, after a disconnect, and subscribe
   * again (default true). */
  reconnect?: boolean | undefined;
  /** Heartbeat interval in ms (default 30000; 0 = none). */
  heartbeatMs?: number | undefined;
  /** Reconnection backoff bounds in ms. */
  backoffMinMs?: number | undefined;
  backoffMaxMs?: number | undefined;
  /** Reconnection attempts before giving up (default: no limit). */
  maxAttempts?: number | undefined;
  /** Bounds the handshake (session request and upgrade) of the first
   * connection and of every reconnect, in ms; and each find of backfill
   * (default: the API's timeoutMs; 0 = none). */
  timeoutMs?: number | undefined;
  /** Aborting it closes the connection (connect() rejects with code `aborted`). */
  signal?: AbortSignal | undefined;
  /** How long a socket must stay open before the backoff starts over, in ms (default 10000). */
  stableMs?: number | undefined;
  /** The largest frame read, in bytes (default 16 MiB; 0 = no bound): a
   * larger one fails the socket with a `frame` error. */
  maxFrameBytes?: number | undefined;
}

/** The options of `ws.subscribe()`. */
export interface SubscribeOptions extends CallControl {
  /** Every drop created after subscribe() resolved, exactly once and in
   * order across reconnects (default true): what was missed while the
   * socket was down is found again over REST. */
  backfill?: boolean | undefined;
  /** This subscription's errors that do not end it: a `gap`. */
  onError?: ((error: FlowThingsError) => unknown) | undefined;
}

/** A subscription's `gap` error: drops created between `from` and `to`
 * (epoch ms, the platform's clock; `to` undefined when unknown) may be
 * missing — the flow no longer held them, or back-fill kept failing. */
export interface GapError extends FlowThingsError {
  code: 'gap';
  resource: string;
  from: number;
  to?: number | undefined;
}

/** The events of `ws.on()` / `ws.off()` and their listeners' arguments. */
export interface WebSocketEvents {
  state: [state: WebSocketState];
  error: [error: unknown];
  message: [message: WebSocketMessage];
  open: [];
  close: [];
}

/** A CRUD frame of `ws.send` (protocol §8.3); the driver adds the msgId. */
export interface WebSocketFrame {
  /** The service: `'drop'`, `'flow'`, `'track'`, … */
  object: string;
  type: 'create' | 'find' | 'findmany' | 'update' | 'delete' | 'aggregate' | (string & {});
  /** The flow of a drop call, by id or by path. */
  flowId?: string | undefined;
  path?: string | undefined;
  /** The target of find, update and delete. */
  id?: string | undefined;
  /** The body of create and update (any JSON). */
  value?: unknown;
  /** The query params of findmany and find; `filter` may be a filter. */
  options?: Params | OpenParams | undefined;
}

/** A pushed drop, from `ws.messages()`: `resource` is the drop's flow id. */
export interface WebSocketMessage<T = PushedDrop> {
  resource: string;
  value: T;
}

/** An async iterator that is its own iterable; `return()` stops it. It
 * buffers up to 10000 items, then drops the oldest (reported to onError). */
export interface AsyncQueue<T> extends AsyncIterator<T, undefined> {
  next(): Promise<IteratorResult<T, undefined>>;
  return(): Promise<IteratorReturnResult<undefined>>;
  [Symbol.asyncIterator](): AsyncQueue<T>;
}

/** One subscription to a flow's drops: an async iterable of them too. Its
 * iterator yields every drop pushed since the subscription was made — with
 * a handler, the newest 1000 of those that came before the iteration
 * started. It ends when unsubscribed, or when the connection ends: after
 * close() as a finished stream, otherwise rejecting with the error that
 * ended it. */
export interface Subscription<T = PushedDrop> extends AsyncIterable<T> {
  readonly id: number;
  /** The flow id or path subscribed to. */
  readonly resource: string;
  readonly handler: ((drop: T) => unknown) | undefined;
  /** The server's reply to the subscribe frame. */
  readonly reply: unknown;
  readonly ended: boolean;
  /** Ends this subscription; the unsubscribe frame goes out when it was the flow's last. */
  unsubscribe(): Promise<void>;
  [Symbol.asyncIterator](): AsyncQueue<T>;
}

/** A live WebSocket session (`await api.websocket.connect()`). */
export interface WebSocketConnection {
  readonly state: WebSocketState;
  /** Resolves when the first socket opens. */
  readonly opened: Promise<void>;
  /** Sends a CRUD frame; resolves to the reply's body, rejects with a
   * `FlowThingsException` on an error reply. Frames sent while
   * disconnected are queued. */
  send<T = unknown>(frame: WebSocketFrame, control?: CallControl): Promise<T>;
  /** Subscribes to a flow's drops (a path starting with `/`, or a flow id);
   * `handler` runs for each pushed drop. Resolves on the server's reply. */
  subscribe<T = PushedDrop>(flowIdOrPath: string, handler?: ((drop: T) => unknown) | null, options?: SubscribeOptions): Promise<Subscription<T>>;
  /** Ends the subscriptions of `handler` to the flow (all of them without
   * a handler); the unsubscribe frame goes out when none is left. */
  unsubscribe(flowIdOrPath: string, handler?: (drop: any) => unknown): Promise<void>;
  /** Every pushed drop, as `{ resource, value }`. */
  messages(): AsyncQueue<WebSocketMessage>;
  /** Settles when the connection ends: resolves after `close()`, rejects
   * with the error that ended it (code `aborted` when the `signal` of
   * `connect()` aborted it). */
  run(): Promise<void>;
  /** Closes the connection for good; pending calls reject. */
  close(): Promise<void>;
  /** Adds a listener: `state`, `error`, `message` (every push, subscribed or not), `open`, `close`. */
  on<E extends keyof WebSocketEvents>(event: E, listener: (...args: WebSocketEvents[E]) => unknown): this;
  /** Removes a listener added with on(). */
  off<E extends keyof WebSocketEvents>(event: E, listener: (...args: WebSocketEvents[E]) => unknown): this;
}

// ───────────────────────────── filters ─────────────────────────────

/**
 * A filter expression, built synchronously; `String(f)` is its platform
 * text, rendered by the Go filter package (`(a == 1) && (b > 2)`).
 */
export declare class Filter {
  #private;
  /** Filters are built with `mem`, `AGE`, `EXISTS`, `HAS`, `MATCHES`,
   * `NOT` and `parseFilter`; the tree format is internal. */
  constructor(tree: object, text?: string);
  /** This filter AND f: `(this) && (f)`. */
  and(f: FilterLike): Filter;
  AND(f: FilterLike): Filter;
  /** This filter OR f: `(this) || (f)`. */
  or(f: FilterLike): Filter;
  OR(f: FilterLike): Filter;
  /** The platform text. */
  toString(): string;
  /** The platform text (so JSON.stringify embeds it). */
  toJSON(): string;
}

/** A literal in a comparison: `Date`s become `Date(ms)`; bigints must be
 * within ±2^53. */
export type FilterValue = string | number | boolean | bigint | Date;

/** Operators of the object form, on one member. */
export interface FilterOperators {
  $eq?: FilterValue;
  $ne?: FilterValue;
  $gt?: FilterValue;
  $gte?: FilterValue;
  $lt?: FilterValue;
  $lte?: FilterValue;
  $regex?: string | RegExp;
  $in?: readonly FilterValue[];
  $contains?: readonly FilterValue[];
}

/** The reference browser client's object form: `{ path: '/x' }`,
 * `{ 'elems.n': { $gt: 1, $lte: 5 } }`, RegExp values, `$in`/`$contains`
 * arrays, `{ $and: [...] }`, `{ $or: [...] }`. Several members are AND-ed
 * in key order; dotted keys are member paths. */
export type FilterObject = {
  [member: string]: FilterValue | RegExp | FilterOperators | readonly FilterLike[];
};

/** A filter, filter text, or the object form. */
export type FilterLike = Filter | string | FilterObject;

/** `params.filter`: a filter, or a list of them, AND-ed. */
export type FilterParam = FilterLike | readonly FilterLike[];

export type DistanceUnit = 'MILES' | 'MILE' | 'KM' | 'KILOMETERS' | 'METERS' | 'FEET';

/** The centre of a WITHIN: coordinates, or a zip code (a string, or a
 * whole number as the Python client takes it: `{ zip: 11201 }`). */
export type WithinTarget = { coords: readonly [lat: number, lon: number] } | { zip: string | number };

/** The tests of a member. */
export interface MemberMethods {
  /** member == value (or another member). */
  eq(value: FilterValue | Member): Filter;
  ne(value: FilterValue | Member): Filter;
  gt(value: FilterValue | Member): Filter;
  gte(value: FilterValue | Member): Filter;
  lt(value: FilterValue | Member): Filter;
  lte(value: FilterValue | Member): Filter;
  /** member =~ /pattern/flags: a substring match. */
  re(pattern: string | RegExp, flags?: string): Filter;
  /** member IN [values]: equal to any of them. */
  in(values: readonly FilterValue[]): Filter;
  in(...values: FilterValue[]): Filter;
  IN(values: readonly FilterValue[]): Filter;
  IN(...values: FilterValue[]): Filter;
  /** member CONTAINS [values]: the array member holds all of them. */
  contains(values: readonly FilterValue[]): Filter;
  contains(...values: FilterValue[]): Filter;
  CONTAINS(values: readonly FilterValue[]): Filter;
  CONTAINS(...values: FilterValue[]): Filter;
  /** member WITHIN distance unit OF target (unit default MILES, any case). */
  within(distance: number, target: WithinTarget): Filter;
  within(distance: number, unit: DistanceUnit | Lowercase<DistanceUnit> | undefined, target: WithinTarget): Filter;
  WITHIN(distance: number, target: WithinTarget): Filter;
  WITHIN(distance: number, unit: DistanceUnit | Lowercase<DistanceUnit> | undefined, target: WithinTarget): Filter;
  /** The dotted path (`String(mem.elems.temp) === 'elems.temp'`). */
  toString(): string;
}

/** A member path: any property is a deeper member
 * (`mem.elems.temp`); members named like a method are reached with
 * `mem('elems.in')`. (With `noUncheckedIndexedAccess`, TypeScript types
 * `mem.foo` as `Member | undefined`: write `mem('elems.foo')` there.) */
export type Member = MemberMethods & { readonly [name: string]: Member };

/** `mem`: `mem.foo`, `mem['foo']`, `mem.elems.foo` or `mem('elems.foo')`. */
export interface MemFunction {
  (path: string): Member;
  readonly name: Member;
  readonly length: Member;
  readonly caller: Member;
  readonly arguments: Member;
  readonly prototype: Member;
  readonly [name: string]: Member;
}

/** The member paths of filters. */
export declare const mem: MemFunction;

/** The comparisons of an age, in milliseconds. */
export interface AgeComparisons {
  eq(ms: number): Filter;
  ne(ms: number): Filter;
  gt(ms: number): Filter;
  gte(ms: number): Filter;
  lt(ms: number): Filter;
  lte(ms: number): Filter;
}

/** `AGE.gt(ms)`: now minus creationDate; `AGE('lastEditDate').eq(ms)`: of that date member. */
export declare const AGE: AgeComparisons & ((field: string) => AgeComparisons);

/** EXISTS member: the member is present. */
export declare function EXISTS(member: Member | string): Filter;
/** HAS type: some elem has that type (one of the §6 names, in any case;
 * another name throws a `FlowThingsError`, `code: 'input'`, listing them). */
export declare function HAS(type: ElemType): Filter;
/** MATCHES /pattern/flags: some string value matches. */
export declare function MATCHES(pattern: string | RegExp, flags?: string): Filter;
/** NOT filter. */
export declare function NOT(filter: FilterLike): Filter;

/** Reads platform filter text (to validate user input as it is typed); a
 * syntax error throws a `FlowThingsError` with `position` (an index into
 * the string, as `setSelectionRange` takes), `expected` and `found`. */
export declare function parseFilter(text: string): Filter;

// ───────────────────────────── M ─────────────────────────────

/** A modification of a model: the model is deep-copied, never mutated.
 * Given to update, updateMany or save, it sends only its diff to the
 * model's id. The platform merges updates shallowly: to change one elem of
 * a drop, modify `elems` with the whole new map. */
export declare class Modification<T extends object = FlowObject> {
  #private;
  constructor(model?: T, changes?: Partial<T> & Record<string, unknown>);
  /** Sets the top-level member `key` (a copy of value) and records it in the diff. */
  modify<K extends keyof T & string>(key: K, value: T[K]): this;
  modify(key: string, value: unknown): this;
  /** `[newModel, diff]`, fresh copies. */
  done(): [model: T, diff: Partial<T>];
  /** The id of the model. */
  readonly id: T extends { id: infer I } ? I : T extends { id?: infer I } ? I | undefined : unknown;
  /** A copy of the whole new model. */
  readonly model: T;
  /** A copy of the diff. */
  readonly diff: Partial<T>;
}

/** `M(model, changes?)`, with or without `new`; `x instanceof M` works too. */
export interface MConstructor {
  <T extends object = FlowObject>(model?: T, changes?: Partial<T> & Record<string, unknown>): Modification<T>;
  new <T extends object = FlowObject>(model?: T, changes?: Partial<T> & Record<string, unknown>): Modification<T>;
  readonly prototype: Modification<any>;
}

/** A modification of a model: `M(flow).modify('description', 'x')`. */
export declare const M: MConstructor;

// ───────────────────────────── plainElems ─────────────────────────────

/** The drop with its v0.1 typed elems (`{ type, value }`) unwrapped to
 * plain values, at any depth; input already plain comes back equal. */
export declare function plainElems<T extends { elems: object }>(drop: T): Omit<T, 'elems'> & { elems: PlainElems };
/** An elems map with its typed elems unwrapped. */
export declare function plainElems(elems: TypedElems | PlainElems | { [name: string]: unknown }): PlainElems;
/** Anything else comes back as it is (arrays unwrapped item by item). */
export declare function plainElems<T>(value: T): T;

// ───────────────────────────── Token ─────────────────────────────

/** An account and its token (the master token or a Token object's
 * tokenString). The token is not enumerable: printing, JSON.stringify and
 * util.inspect show only the account. */
export declare class Token {
  /** Throws a `FlowThingsError` (`code: 'input'`) unless both are non-empty strings. */
  constructor(account: string, token: string);
  readonly account: string;
  /** The secret itself. */
  readonly token: string;
  /** `Token(account, [redacted])`. */
  toString(): string;
  toJSON(): { account: string };
  /**
   * Reads `flowthings[0].credentials.{account, token}` from the JSON of
   * `VCAP_SERVICES` in `env` (default `process.env` where it exists).
   * Without usable credentials it returns `fallback`, or without one (a
   * `null` or `undefined` fallback is none) throws a `FlowThingsError`
   * (`code: 'credentials'`, `reason`).
   */
  static fromBluemix(fallback?: null, options?: { env?: Record<string, string | undefined> | null | undefined }): Token;
  static fromBluemix<F extends {}>(fallback: F, options?: { env?: Record<string, string | undefined> | null | undefined }): Token | F;
}

// ───────────────────────────── errors ─────────────────────────────

/** What a `FlowThingsError` is about:
 * - `init`: the wasm module is not loaded, or failed to load;
 * - `input`: a call refused before any I/O (`field`, `reason`; a filter
 *   syntax error adds `position`, `expected`, `found`);
 * - `credentials`: `Token.fromBluemix` found none (`reason`);
 * - `unsupported`: an operation the service lacks (`service`, `operation`);
 * - `transport`: the transport failed (`method`, `path`, `cause`);
 * - `timeout`, `aborted`: the call's `timeoutMs` or `signal`;
 * - `malformedResponse`: a reply that is no envelope (`status`, `reason`, `excerpt`);
 * - WebSocket: `connectionLost`, `closed`, `unsubscribed`, `frame`, `overflow`;
 * - platform failures (on `FlowThingsException`): `badRequest`,
 *   `forbidden`, `notFound`, `server`, `platform`;
 * - `internal` (a bug in the module), `unknown`, `error` (the default). */
export type FlowThingsErrorCode =
  | 'init' | 'input' | 'credentials' | 'unsupported' | 'transport' | 'redirect' | 'timeout' | 'aborted' | 'malformedResponse'
  | 'connectionLost' | 'closed' | 'unsubscribed' | 'frame' | 'overflow' | 'gap'
  | 'badRequest' | 'forbidden' | 'notFound' | 'server' | 'platform'
  | 'internal' | 'unknown' | 'error';

/** The details an error is constructed with; each becomes a property. */
export interface FlowThingsErrorDetails {
  code?: FlowThingsErrorCode | undefined;
  cause?: unknown;
  field?: string | undefined;
  reason?: string | undefined;
  position?: number | undefined;
  expected?: string | undefined;
  found?: string | undefined;
  status?: number | undefined;
  method?: string | undefined;
  path?: string | undefined;
  account?: string | undefined;
  excerpt?: string | undefined;
  service?: string | undefined;
  operation?: string | undefined;
  target?: string | undefined;
}

export interface FlowThingsExceptionDetails extends FlowThingsErrorDetails {
  errors?: string[] | undefined;
  messages?: string[] | undefined;
}

/** Misuse, a call refused before any I/O, a response that is not a
 * platform envelope, a transport failure, a timeout or an abort: `code`
 * says which. Never holds the token. The properties present depend on the
 * code (see `FlowThingsErrorCode`). */
export declare class FlowThingsError extends Error {
  constructor(message: string, details?: FlowThingsErrorDetails);
  code: FlowThingsErrorCode;
  field?: string;
  reason?: string;
  /** A filter syntax error: the index in the text (a JavaScript string
   * index, UTF-16 code units). */
  position?: number;
  expected?: string;
  found?: string;
  status?: number;
  method?: string;
  path?: string;
  account?: string;
  excerpt?: string;
  service?: string;
  operation?: string;
  /** A refused redirect (`code: 'redirect'`): the origin it pointed to. */
  target?: string;
}

/** The platform answered with a failure status (or an `ok: false`
 * WebSocket reply). The SDK's exceptions always carry `status`, `method`,
 * `path` (below the account, e.g. `/flow/x`) and `account`. */
export declare class FlowThingsException extends FlowThingsError {
  constructor(message: string, details?: FlowThingsExceptionDetails);
  code: 'badRequest' | 'forbidden' | 'notFound' | 'server' | 'platform';
  /** The envelope's `head.errors`. */
  errors: string[];
  /** The envelope's `head.messages`. */
  messages: string[];
  status: number;
  method: string;
  path: string;
  account: string;
}

/** 400: malformed input, a bad filter, an immutable update. */
export declare class FlowThingsBadRequest extends FlowThingsException {
  code: 'badRequest';
}
/** 401 or 403: a missing, unknown or expired token, or one lacking permission. */
export declare class FlowThingsForbidden extends FlowThingsException {
  code: 'forbidden';
}
/** 404: an unknown id or flow. */
export declare class FlowThingsNotFound extends FlowThingsException {
  code: 'notFound';
}
/** 5xx. */
export declare class FlowThingsServerError extends FlowThingsException {
  code: 'server';
}

// Only what is exported above is part of the package.
export {};

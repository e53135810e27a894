// The whole public API of flowthings-wasm, as TypeScript: this file must
// compile with `tsc -p test/types` (strict). test/js/types.test.js also
// compiles it to JavaScript and runs main() against a recording transport
// and a fake WebSocket, so what the types allow here really works.
import {
  init, API, Token, defaults, mem, AGE, EXISTS, HAS, MATCHES, NOT, parseFilter, Filter, M, Modification, plainElems,
  FlowThingsError, FlowThingsException, FlowThingsBadRequest, FlowThingsForbidden, FlowThingsNotFound,
  FlowThingsServerError,
} from 'flowthings-wasm';
import type {
  APIOptions, AggregateRow, ApiTask, AsyncAPI, AsyncQueue, CallControl, ConnectOptions, Device, Drop, DropService, ElemType,
  FilterLike, FilterObject, Flow, FlowThingsErrorCode, Group, Identity, InitOptions, JsonObject, JsonValue, Lazy, LazyAPI,
  Member, Models, MqttTask, MutableService, ObjectService, OpenParams, Params, ParamsWithoutRefs, PlainElems, PushedDrop, References,
  GapError, RssTask, ServiceUpdatable, Settled, SubscribeOptions, Share, StatisticCounts, Stored, StoredModel, StoredObject, Subscription, TokenObject, Track, Transport,
  TransportRequest, TransportResponse, TypedElem, TypedElems, WebSocketConnection, WebSocketLike, WebSocketMessage,
  WebSocketState, WasmSource,
} from 'flowthings-wasm';
import wasmModule from 'flowthings-wasm/flowthings.wasm';

/** Fails the run when a value is not what the types promised. */
function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`usage.ts: ${what}`);
}

// ── a recording transport: answers every call with a plausible body ──
const calls: TransportRequest[] = [];
/** A plain elem as v0.1 output types it (docs/protocol.md §6). */
function typed(v: unknown): unknown {
  if (Array.isArray(v)) return { type: 'list', value: v.map(typed) };
  if (v !== null && typeof v === 'object') return { type: 'map', value: Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typed(x)])) };
  if (typeof v === 'number') return { type: Number.isInteger(v) ? 'integer' : 'float', value: v };
  return v === null ? null : { type: typeof v === 'boolean' ? 'boolean' : 'string', value: v };
}
/** A drop as the platform answers it: elems typed unless hints=false. */
function answered(drop: Record<string, unknown>, url: URL): Record<string, unknown> {
  const elems = (drop['elems'] ?? {}) as Record<string, unknown>;
  if (url.searchParams.get('hints') === 'false') return { ...drop, elems };
  return { ...drop, elems: Object.fromEntries(Object.entries(elems).map(([k, v]) => [k, typed(v)])) };
}
function envelope(status: number, body: unknown, references: References = {}): TransportResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ head: { ok: status < 300, status, errors: status < 300 ? [] : ['nope'], messages: [], references }, body }) };
}
const transport: Transport = async (req) => {
  calls.push(req);
  const url = new URL(req.url);
  if (url.pathname.endsWith('/session')) return envelope(201, { id: 's1' });
  if (url.pathname.includes('/missing')) return envelope(404, {});
  if (url.pathname.includes('/statistics/')) return envelope(200, [1, 2, 3]);
  if (url.pathname.endsWith('/aggregate')) return envelope(200, [{ $count: 2 }]);
  if (req.method === 'MGET' || req.method === 'MPUT') return envelope(200, { a: { id: 'a' } });
  if (req.method === 'DELETE') return envelope(200, {});
  const segments = url.pathname.split('/').slice(3); // after /v{version}/{account}
  const isDrop = segments[0] === 'drop';
  const stored: Record<string, unknown> = isDrop ? { id: 'd1', path: '/acc/x', elems: { temp: 21 } } : { id: 'f1', path: '/acc/x' };
  if (req.method === 'GET' && segments.length <= (isDrop ? 2 : 1)) {
    return envelope(200, [isDrop ? answered(stored, url) : stored], { f1: { id: 'f1' } });
  }
  const posted = req.body ? JSON.parse(req.body) as Record<string, unknown> : {};
  const body = { ...stored, ...posted };
  return envelope(req.method === 'POST' ? 201 : 200, isDrop ? answered(body, url) : body, { f1: { id: 'f1' } });
};

// ── a fake WebSocket: replies to every frame, pushes a drop after a subscribe ──
class FakeSocket implements WebSocketLike {
  onopen: ((event: any) => void) | null = null;
  onmessage: ((event: any) => void) | null = null;
  onerror: ((event: any) => void) | null = null;
  onclose: ((event: any) => void) | null = null;
  readonly sent: string[] = [];
  constructor(readonly url: string) {
    setTimeout(() => this.onopen?.({}), 0);
  }
  send(data: string): void {
    this.sent.push(data);
    const frame = JSON.parse(data) as { msgId?: string; type?: string; flowId?: string; path?: string };
    if (frame.msgId === undefined) return;
    const reply = { head: { msgId: frame.msgId, ok: true, status: 200, errors: [], messages: [] }, body: frame.type === 'find' ? { id: 'f1' } : {} };
    setTimeout(() => {
      this.onmessage?.({ data: JSON.stringify(reply) });
      if (frame.type === 'subscribe') {
        const push = { type: 'message', resource: 'f1', value: { id: 'd1', flowId: 'f1', path: '/acc/x', elems: { temp: { type: 'integer', value: 31 } } } };
        setTimeout(() => this.onmessage?.({ data: JSON.stringify(push) }), 0);
      }
    }, 0);
  }
  close(code?: number): void {
    setTimeout(() => this.onclose?.({ code: code ?? 1000, reason: '' }), 0);
  }
}

// ── every service of js/services.js (and drop) has its model ──
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const modelPerService: Same<keyof Models, keyof ServiceUpdatable | 'drop'> = true;
void modelPerService;

// ── types of the loading options ──
const sources: WasmSource[] = [
  'https://example.com/flowthings.wasm', new URL('https://example.com/flowthings.wasm'), new Uint8Array(8), new ArrayBuffer(8),
];
const later = (): InitOptions => ({ wasm: Promise.resolve(new Response(new Uint8Array(8))) });
const viaFetch = (): InitOptions => ({ wasm: fetch('https://example.com/flowthings.wasm') });
const compiled = (m: WebAssembly.Module): InitOptions => ({ wasm: m });
const anyPromise = (p: Promise<ArrayBuffer>): InitOptions => ({ wasm: p });
const imported: InitOptions = { wasm: wasmModule }; // flowthings-wasm/flowthings.wasm, as bundlers and Workers import it
void [sources, later, viaFetch, compiled, anyPromise, imported];

/** Live queries (compiled, not run here: test/js/live.test.js runs them). */
async function liveQueries(api: API, plainApi: API<'plain'>): Promise<void> {
  const q = await api.drop('f1').live(mem.elems.temp.gt(30), {
    limit: 10,
    onChange(drops, { added }) {
      const temp: TypedElem | null | undefined = drops[0]?.elems['temp'];
      void [temp, added.length];
    },
    onError(err: unknown) { void err; },
  });
  const newest: Stored<Drop<'typed'>> | undefined = q.drops[0];
  for await (const snapshot of q) {
    const ids: string[] = snapshot.map((d) => d.id);
    void ids;
    break;
  }
  await q.close();
  const mixed = await plainApi.drop('f1').live(); // found drops plain, pushed ones typed
  const either: Stored<Drop<'either'>>[] = [...mixed.drops];
  void [newest, either];
}
void liveQueries;

export async function main(): Promise<void> {
  const loaded: Promise<void> = init();
  await loaded;
  await init({}); // idempotent

  // ── defaults, Token, options ──
  const version: string = defaults.version;
  const timeout: number = defaults.timeoutMs;
  check(!('host' in defaults) && version === '0.1' && timeout === 30000 && defaults.secure, 'defaults');

  const token = new Token('acc', 'secret');
  const account: string = token.account;
  const secret: string = token.token;
  check(account === 'acc' && secret === 'secret' && !JSON.stringify(token).includes('secret') && String(token) === 'Token(acc, [redacted])', 'token');
  const fromEnv: Token = Token.fromBluemix(undefined, { env: { VCAP_SERVICES: JSON.stringify({ flowthings: [{ credentials: { account: 'b', token: 't' } }] }) } });
  const orFallback: Token | string = Token.fromBluemix('none', { env: {} });
  const orToken: Token = Token.fromBluemix(token, { env: { VCAP_SERVICES: '{}' } });
  check(fromEnv.account === 'b' && orFallback === 'none' && orToken === token, 'fromBluemix');
  for (const noFallback of [() => Token.fromBluemix(), () => Token.fromBluemix(null, { env: {} })]) {
    try {
      noFallback();
      check(false, 'fromBluemix without credentials must throw');
    } catch (err) {
      check(err instanceof FlowThingsError && err.code === 'credentials' && typeof err.reason === 'string', 'fromBluemix without credentials');
    }
  }

  const api = new API(token, {
    host: 'api.test', wsHost: 'ws.test', secure: true, version: '0.1', namespace: 'acc',
    params: { limit: 50 }, timeoutMs: 5000, transport, WebSocket: FakeSocket,
  });
  const options: APIOptions = { host: 'api.test', transport, version: 2 };
  const fromOptions = new API({ account: 'acc', token: 'secret' }, options); // a version known at run time
  new API(token, { host: '127.0.0.1:4000', secure: false }); // the runtime's fetch, defaults
  const byVersion = new API(token, { host: 'api.test', transport, version: '4.0' });
  const byHints = new API(token, { host: 'api.test', transport, params: { hints: false } });
  const hintsWin = new API(token, { host: 'api.test', transport, version: 4, params: { hints: true } });
  const v01 = new API(token, { host: 'api.test', transport, version: 0.1 });
  const open: OpenParams = { limit: 1, somePlatformParam: 'x' };
  const escaped = new API(token, { host: 'api.test', transport, params: open }); // OpenParams may hold hints
  type FormOfAPI<A> = A extends API<infer F> ? F : never;
  const forms: [
    Same<FormOfAPI<typeof api>, 'typed'>, Same<FormOfAPI<typeof v01>, 'typed'>, Same<FormOfAPI<typeof hintsWin>, 'typed'>,
    Same<FormOfAPI<typeof byVersion>, 'plain'>, Same<FormOfAPI<typeof byHints>, 'plain'>,
    Same<FormOfAPI<typeof fromOptions>, 'either'>, Same<FormOfAPI<typeof escaped>, 'either'>,
  ] = [true, true, true, true, true, true, true];
  void forms;

  // ── find: string → object, string[] → map, filters/params → array ──
  const one: Stored<Flow> = await api.flow.find('f1');
  const id: string = one.id;
  const onePath: string | undefined = one.path;
  const many: Record<string, Stored<Flow>> = await api.flow.find(['f1', 'f2']);
  const list: Stored<Flow>[] = await api.flow.find(mem.path.eq('/acc/x'), 'elems.n > 1', { limit: 10, only: ['path'] });
  const all: Stored<Flow>[] = await api.flow.find();
  const byParams: Stored<Flow>[] = await api.flow.find({ filter: { path: '/acc/x' }, sort: 'path', order: 'asc', skip: 1 });
  const justFilter: Stored<Flow>[] = await api.flow.find(AGE.gt(1000));
  const opened: Stored<Flow>[] = await api.flow.find(open);
  check(onePath === '/acc/x' && opened.length === 1 && new URL(calls.at(-1)!.url).searchParams.get('somePlatformParam') === 'x', 'OpenParams');
  check(id === 'f1' && typeof many === 'object' && Array.isArray(list) && Array.isArray(all) && Array.isArray(byParams) && Array.isArray(justFilter), 'find');

  // refs: true → [body, references]
  const [body, refs]: [Stored<Flow>, References] = await api.flow.find('f1', { refs: true });
  const [bodies, refs2] = await api.flow.find(mem.a.eq(1), { refs: true });
  const firstOfMany: Stored<Flow> | undefined = bodies[0];
  const referenced: StoredObject | undefined = refs['f1'];
  const [map] = await api.flow.find(['f1'], { refs: true });
  check(body.id === 'f1' && typeof refs2 === 'object' && firstOfMany !== undefined && referenced !== undefined && typeof map === 'object', 'refs');

  // reads
  const flow: Stored<Flow> = await api.flow.read('f1');
  const maybe: Stored<Flow> | null = await api.flow.readOrElse('missing', null);
  const fallback: Stored<Flow> | 'none' = await api.flow.readOrElse('missing', 'none' as const);
  check(flow.path === '/acc/x' && maybe === null && fallback === 'none', 'read, readOrElse');
  const readMany: Record<string, Stored<Flow>> = await api.flow.readMany(['a'], { timeoutMs: 1000, signal: new AbortController().signal });
  const found: Stored<Flow>[] = await api.flow.findMany('path == "/acc/x"', mem.a.gt(2), { filter: [mem.b.lt(3), { c: { $in: [1, 2] } }] });
  const foundNone: Stored<Flow>[] = await api.flow.findMany();
  const [foundRefs] = await api.flow.findMany({ refs: true });
  void [readMany, found, foundNone, foundRefs];

  // ── create, update, updateMany, save, delete ──
  const created = await api.flow.create({ path: '/acc/x', description: 'd', capacity: 10, public: true });
  const createdPath: string | undefined = created.path;
  const createdId: string = created.id;
  const updated = await api.flow.update({ id: createdId, description: 'e' });
  const updatedDescription: string | undefined = updated.description;
  const viaM = await api.flow.update(M(flow).modify('description', 'f'));
  const viaMPath: string | undefined = viaM.path;
  const typedFlow: Flow & { id: string } = { id: 'f1', path: '/acc/x' };
  await api.flow.update(typedFlow); // a model typed elsewhere
  const mput: Record<string, Stored<Flow>> = await api.flow.updateMany({ f1: { description: 'g' }, f2: { description: 'h' } });
  const mputList = await api.flow.updateMany([typedFlow, M({ ...typedFlow, id: 'f2' }, { description: 'i' })]);
  const savedNew = await api.flow.save({ path: '/acc/y' });
  const savedOld = await api.flow.save(M(one).modify('description', 'j'));
  const savedMany = await api.flow.save([{ id: 'a', description: 'k' }]);
  const deleted: Record<string, unknown> = await api.flow.delete('f1');
  await api.flow.delete('f1', { reason: 'cleanup' }, { timeoutMs: 1000 });
  await api.flow.delete('f1', undefined, { timeoutMs: 1000 });
  check(createdPath === '/acc/x' && updatedDescription === 'e' && viaMPath === '/acc/x' && typeof mput === 'object'
    && typeof mputList === 'object' && typeof savedNew.id === 'string' && typeof savedOld.id === 'string'
    && typeof savedMany === 'object' && typeof deleted === 'object', 'writes');

  // every mutable service, and the immutable ones, each on its model
  const services = [api.flow, api.track, api.group, api.identity, api.apiTask, api.mqttTask, api.rssTask, api.device, api.drop, api.drop('f1')] satisfies MutableService<'promise', any>[];
  const immutable = [api.token, api.share] satisfies ObjectService<'promise', any>[];
  check(services.every((s) => typeof s.update === 'function') && immutable.every((s) => !('update' in s)), 'services');
  const track: Stored<Track> = await api.track.create({ source: '/acc/x', destination: ['/acc/y'], filter: 'a == 1', js: 'x', disabled: false });
  const destination: string | string[] | undefined = track.destination;
  const group: Stored<Group> = await api.group.create({ displayName: 'g', memberIds: ['i1'] });
  const identity: Stored<Identity> = await api.identity.read('i1');
  const apiTask: Stored<ApiTask> = await api.apiTask.create({ displayName: 't', periodicity: 60000, source: { http: { url: 'https://example.com' } } });
  const mqttTask: Stored<MqttTask> = await api.mqttTask.create({ uri: 'tcp://broker', topic: 't', destination: '/acc/x', qos: 1 });
  const rssTask: Stored<RssTask> = await api.rssTask.create({ url: 'https://example.com/rss', destination: '/acc/x' });
  const device: Stored<Device> = await api.device.create({ displayName: 'd', path: '/acc/dev' });
  const newToken: Stored<TokenObject> = await api.token.create({ paths: { '/acc/x': { dropRead: true } }, duration: 60000 });
  const tokenString: string | undefined = newToken.tokenString;
  await api.token.save({ paths: {} });
  const shares: Stored<Share>[] = await api.share.find({ filter: EXISTS('issuedTo') });
  const share: Stored<Share> = await api.share.create({ issuedTo: 'i2', paths: { '/acc/x': { read: true, dropRead: true } } });
  await api.share.delete('s1');
  check([track, group, identity, apiTask, mqttTask, rssTask, device, newToken, share].every((o) => typeof o.id === 'string')
    && destination !== undefined && Array.isArray(shares) && tokenString === undefined, 'models');

  // ── drops: elems typed on v0.1, plain with hints: false or on v4.0 ──
  const drops: DropService = api.drop('f1');
  const byPath = api.drop('/acc/x');
  const createdDrop: Stored<Drop<'typed'>> = await api.drop.create({ path: '/acc/x', elems: { temp: 21, at: { type: 'date', value: 0 } } });
  const tempElem: TypedElem | null | undefined = createdDrop.elems['temp'];
  check(tempElem?.type === 'integer' && tempElem.value === 21, 'a v0.1 reply types every elem');
  if (tempElem?.type === 'integer') {
    const narrowed: number | bigint = tempElem.value; // narrowing on type gives the value's type
    void narrowed;
  }
  await byPath.create({ elems: { temp: 22 } });
  const hot: Stored<Drop<'typed'>>[] = await drops.find(mem.elems.temp.gt(30), { limit: 10 });
  const hotTyped: TypedElems = hot[0]!.elems;
  const plainHot: Stored<Drop<'plain'>>[] = await drops.find(mem.elems.temp.gt(30), { limit: 10, hints: false });
  const plainTemp: JsonValue | undefined = plainHot[0]!.elems['temp'];
  check(plainTemp === 21 && hotTyped['temp']?.type === 'integer', 'hints: false gives plain elems');
  const fromV4 = await byVersion.drop('f1').read('d1');
  const fromHints = await byHints.drop('f1').find();
  const typedAgain = await byHints.drop('f1').read('d1', { hints: true });
  const either = await drops.read('d1', { hints: Math.random() > 2 });
  const fromWin = await hintsWin.drop('f1').read('d1');
  const fromRuntimeVersion = await fromOptions.drop('f1').read('d1');
  const fromV01 = await v01.drop('f1').read('d1');
  const dropForms: [
    Same<typeof fromV4, Stored<Drop<'plain'>>>, Same<typeof fromHints, Stored<Drop<'plain'>>[]>, Same<typeof typedAgain, Stored<Drop<'typed'>>>,
    Same<typeof either, Stored<Drop<'either'>>>, Same<typeof fromWin, Stored<Drop<'typed'>>>,
    Same<typeof fromRuntimeVersion, Stored<Drop<'either'>>>, Same<typeof fromV01, Stored<Drop<'typed'>>>,
  ] = [true, true, true, true, true, true, true];
  void dropForms;
  const emptied: JsonObject = await drops.deleteAll();
  const rows = await drops.aggregate(['$count', '$avg:temp'], { groupBy: ['room'], filter: mem.elems.temp.gt(0), rules: { hot: 'elems.temp > 30' }, sorts: ['$count:desc'] });
  const count: number | undefined = rows[0]?.$count;
  const avg: number | null | undefined = rows[0]?.['$avg:temp'];
  const room: JsonValue | undefined = rows[0]?.room;
  const rows2 = await drops.aggregate({ output: ['$count', '$max:temp', '$all:temp', '$month'], filter: { 'elems.temp': { $gte: 0 } } });
  const max: number | bigint | null | undefined = rows2[0]?.['$max:temp'];
  const allTemps: JsonValue[] | undefined = rows2[0]?.['$all:temp'];
  const month: number | null | undefined = rows2[0]?.$month;
  const [rows3, rowRefs] = await drops.aggregate(['$count'], undefined, { refs: true });
  const anyRows: AggregateRow[] = await drops.aggregate(['$count'] as string[]);
  check(Array.isArray(hot) && typeof emptied === 'object' && count === 2 && avg === undefined && room === undefined && max === undefined
    && allTemps === undefined && month === undefined && Array.isArray(rows3) && typeof rowRefs === 'object' && anyRows.length === 1, 'drops');
  const plainDrop = plainElems(createdDrop);
  const temp: JsonValue = plainDrop.elems['temp'] ?? null;
  const plainMap: PlainElems = plainElems({ temp: { type: 'integer', value: 21 } });
  const untouched: null = plainElems(null);
  check(temp === 21 && plainMap['temp'] === 21 && untouched === null, 'plainElems');
  const elemTypes: ElemType[] = ['boolean', 'integer', 'long', 'float', 'string', 'text', 'email', 'url', 'date', 'id', 'flowRef', 'dropRef', 'map', 'sortedMap', 'list', 'set', 'sortedSet', 'media', 'location'];
  const typedInput: Drop = { path: '/acc/x', elems: { n: { type: 'long', value: 2n ** 60n }, plain: 'x', nested: { a: [1] } } };
  void [elemTypes, typedInput];

  // ── statistics ──
  const counts: StatisticCounts = await api.statistics.flowDropAdded('f1');
  await api.statistics.flowTracked('f1', 2024);
  await api.statistics.trackHit('t1', 2024, 5);
  await api.statistics.trackPass('t1', 2024, 5, 1);
  await api.statistics.apiCallByIdentity('i1', 2024, 5, 1, 'HOUR');
  await api.statistics.dropCreatedBy('i1', undefined, undefined, undefined, 'year', { timeoutMs: 1000 });
  const [statCounts, statRefs]: [number[], References] = await api.statistics.flowDropAdded('f1', 2024, { refs: true });
  check(counts.length === 3 && statCounts.length === 3 && typeof statRefs === 'object', 'statistics');

  // ── request, websocket.request ──
  const raw: JsonValue = await api.request('GET', '/flow/f1');
  const rawTyped = await api.request<{ id: string }>('PUT', '/flow/f1', { description: 'x' }, { hints: false });
  const [rawBody, rawRefs] = await api.request('GET', '/flow/f1', undefined, { refs: true });
  const session = await api.websocket.request<{ id: string }>('POST');
  await api.websocket.request('POST', '/session', undefined, { timeoutMs: 1000 });
  check(raw !== undefined && rawTyped.id === 'f1' && rawBody !== undefined && typeof rawRefs === 'object' && session.id === 's1', 'request');

  // ── errors ──
  try {
    await api.flow.read('missing');
    check(false, 'a 404 must reject');
  } catch (err) {
    if (err instanceof FlowThingsNotFound) {
      const code: 'notFound' = err.code;
      const status: number = err.status;
      const method: string = err.method;
      const path: string = err.path;
      const acct: string = err.account;
      const errors: string[] = err.errors;
      const messages: string[] = err.messages;
      check(code === 'notFound' && status === 404 && method === 'GET' && path === '/flow/missing' && acct === 'acc' && errors.length === 1 && messages.length === 0, 'FlowThingsNotFound');
    } else {
      throw err;
    }
  }
  const errorClasses = [FlowThingsBadRequest, FlowThingsForbidden, FlowThingsNotFound, FlowThingsServerError];
  check(errorClasses.every((C) => new C('x') instanceof FlowThingsException && new C('x') instanceof Error), 'error classes');
  try {
    parseFilter('a ==');
  } catch (err) {
    if (!(err instanceof FlowThingsError)) throw err;
    const code: FlowThingsErrorCode = err.code;
    const position: number | undefined = err.position;
    const expected: string | undefined = err.expected;
    check(code === 'input' && position === 4 && expected === 'operand' && err.found === '' && typeof err.field === 'string', 'parse error');
  }
  const custom = new FlowThingsError('custom', { code: 'timeout', method: 'GET', path: '/flow/x', cause: new Error('slow') });
  const cause: unknown = custom.cause;
  check(custom.code === 'timeout' && custom.method === 'GET' && cause instanceof Error && custom.name === 'FlowThingsError', 'custom error');
  const aborted = new AbortController();
  aborted.abort();
  await api.flow.read('f1', { signal: aborted.signal }).then(
    () => check(false, 'an aborted call must reject'),
    (err: unknown) => check(err instanceof FlowThingsError && err.code === 'aborted' && err.path === '/flow/f1', 'aborted'),
  );

  // ── filters ──
  const m: Member = mem.elems.temp;
  const f1: Filter = m.gt(30);
  check(String(f1) === 'elems.temp > 30' && String(mem.elems.temp) === 'elems.temp' && `${mem('elems.in')}` === 'elems.in', 'members');
  const filters: Filter[] = [
    mem.a.eq('x'), mem.a.ne(true), mem.a.gte(1n), mem.a.lt(new Date(0)), mem.a.lte(mem.b), mem['with-dash'].eq(1),
    mem.name.eq('n'), mem.length.gt(1), mem.a.re(/x/i), mem.a.re('x', 'i'), mem.a.in(1, 2), mem.a.in([1, 2]), mem.a.IN('x'),
    mem.tags.contains('a', 'b'), mem.tags.CONTAINS(['a']), mem.location.within(5, { zip: '11201' }),
    mem.location.within(5, 'KM', { coords: [40.7, -74] }), mem.location.WITHIN(1, 'miles', { coords: [0, 0] }),
    AGE.eq(1), AGE.ne(1), AGE.gt(1), AGE.gte(1), AGE.lt(1), AGE.lte(1), AGE('lastEditDate').eq(5),
    EXISTS(mem.elems.x), EXISTS('elems.x'), HAS('integer'), HAS('sortedMap'), MATCHES('x'), MATCHES(/x/, 'i'),
    NOT(mem.a.eq(1)), NOT('a == 1'), NOT({ a: 1 }), parseFilter('a == 1 && b > 2'),
    mem.a.eq(1).and(mem.b.eq(2)).or('c == 3').AND({ d: { $lt: 4 } }).OR(NOT(EXISTS('e'))),
  ];
  check(filters.every((f) => f instanceof Filter && typeof f.toString() === 'string' && typeof f.toJSON() === 'string'), 'filters');
  const objectForm: FilterObject = { path: '/acc/x', 'elems.n': { $gt: 1, $lte: 5 }, name: /x/, tags: { $contains: ['a'] }, $or: [{ a: 1 }, 'b == 2', mem.c.eq(3)] };
  const likes: FilterLike[] = [objectForm, 'a == 1', mem.a.eq(1)];
  const params: ParamsWithoutRefs = { filter: likes, refs: false, only: 'path', limit: 5 };
  await api.flow.find(params);
  const anyParams: Params = { limit: 5 };
  void anyParams;

  // ── M ──
  const mod: Modification<Stored<Flow>> = M(flow);
  const chained: Modification<Stored<Flow>> = mod.modify('description', 'new').modify('anything', 1);
  const [newModel, diff]: [Flow, Partial<Flow>] = chained.done();
  const modId: string = chained.id;
  const withNew = new M({ id: 'x', n: 1 }, { n: 2 });
  const untyped = M();
  check(newModel.description === 'new' && diff.description === 'new' && modId === 'f1' && withNew instanceof M && withNew instanceof Modification
    && withNew.diff.n === 2 && withNew.model.n === 2 && untyped.id === undefined, 'M');
  const generic: Modification = new Modification({ id: 'x' });
  void generic;

  // ── async(): queued calls, results in call order ──
  const batch: AsyncAPI = api.async({ concurrency: 2 });
  const i0: number = batch.flow.read('f1');
  const i1: number = batch.drop('f1').find({ limit: 1 });
  const i2: number = batch.statistics.flowDropAdded('f1', 2024);
  const i3: number = batch.request('GET', '/flow/f1');
  const i4: number = batch.websocket.request('POST');
  const i5: number = batch.drop.create({ path: '/acc/x', elems: {} });
  const i6: number = batch.flow.read(Promise.resolve('f1'), { limit: Promise.resolve(1) });
  const results: JsonValue[] = await batch.results();
  check(i0 === 0 && i6 === 6 && results.length === 7 && [i1, i2, i3, i4, i5].join() === '1,2,3,4,5', 'async results');
  const queuedFlow = batch.flow.read('f1');
  const queuedDrops = batch.drop('f1').find({ limit: 1 });
  const queuedCounts = batch.statistics.trackHit('t1');
  const [typedFlow2, typedDrops, typedCounts] = await batch.results<[typeof queuedFlow, typeof queuedDrops, typeof queuedCounts]>();
  const typedFlowPath: string | undefined = typedFlow2.path;
  const firstTemp: TypedElem | null | undefined = typedDrops[0]?.elems['temp'];
  const countList: StatisticCounts = typedCounts;
  check(typedFlowPath === '/acc/x' && firstTemp?.type === 'integer' && countList.length === 3, 'typed results');
  const okCall = batch.flow.read('f1');
  const failingCall = batch.flow.read('missing');
  const [okSettled, failedSettled] = await batch.results<[typeof okCall, typeof failingCall]>({ withExceptions: true });
  check(okSettled[1]?.id === 'f1' && failedSettled[0] instanceof FlowThingsNotFound, 'typed settled');
  batch.flow.read('f1');
  batch.flow.read('missing');
  const settled: Settled[] = await batch.results({ withExceptions: true });
  const [firstError, firstValue] = settled[0] ?? [null, null];
  const [secondError] = settled[1] ?? [null, null];
  check(firstError === null && firstValue !== null && secondError instanceof FlowThingsNotFound, 'withExceptions');

  // ── lazy(): lazy values, derived values, dependent calls ──
  const lazy: LazyAPI = api.lazy({ concurrency: 4 });
  const flowA: Lazy<Stored<Flow>[]> = lazy.flow.find({ filter: { path: '/acc/x' } });
  const firstId: Lazy<string | undefined> = flowA.get(0).get('id');
  const dependent: Lazy<Stored<Drop<'typed'>>[]> = lazy.drop(firstId.then((x) => x ?? 'none')).find({ limit: 10 });
  const awaited: Stored<Drop<'typed'>>[] = await dependent;
  const unwrapped: Promise<Stored<Flow>> = lazy.flow.read(flowA.get(0).get('id').then(String)).unwrap();
  const chainedThen: string = await lazy.flow.read('f1').then((f) => f.id);
  const caught: Stored<Flow> | string = await lazy.flow.read('missing').catch(() => 'fallback');
  const fin: Stored<Flow> = await lazy.flow.read('f1').finally(() => undefined);
  const deep: Lazy<Stored<Flow>> = lazy.flow.create({ path: '/acc/z', description: lazy.flow.read('f1').get('path') });
  const deferredParams: Lazy<Stored<Flow>[]> = lazy.flow.find({ limit: Promise.resolve(1), only: lazy.flow.read('f1').get('path').then((p) => [p ?? 'path']) });
  const unknownGet: Lazy<JsonValue | undefined> = lazy.request('GET', '/flow/f1').get('anything');
  const stats: Lazy<StatisticCounts> = lazy.statistics.trackHit(flowA.get(0).get('id').then(String), 2024);
  const lazySession: Lazy<unknown> = lazy.websocket.request('POST');
  check(Array.isArray(awaited) && (await unwrapped).id === 'f1' && chainedThen === 'f1' && caught === 'fallback' && fin.id === 'f1'
    && (await deep).description === '/acc/x' && (await deferredParams).length === 1 && (await unknownGet) === undefined && (await stats).length === 3 && (await lazySession) !== undefined, 'lazy');
  const notAwaited = lazy.flow.read('missing'); // rejects, but no unhandled rejection
  void notAwaited;

  // ── WebSocket ──
  const states: WebSocketState[] = [];
  const wsErrors: unknown[] = [];
  let opens = 0;
  const connectOptions: ConnectOptions = {
    onOpen(ws) { void ws; opens++; },
    onMessage(ws: WebSocketConnection, resource: string, value: PushedDrop) { void ws; check(resource === 'f1' && value.id === 'd1' && value.elems['temp']?.type === 'integer', 'onMessage'); },
    onClose(ws) { void ws; },
    onError(ws, err: unknown) { void ws; wsErrors.push(err); },
    onStateChange(ws, state) { void ws; states.push(state); },
    reconnect: true, heartbeatMs: 0, backoffMinMs: 10, backoffMaxMs: 100, maxAttempts: 3,
  };
  const ws: WebSocketConnection = await api.websocket.connect(connectOptions);
  const state: WebSocketState = ws.state;
  check(state === 'open', 'open');
  const onState = (next: WebSocketState): void => { states.push(next); };
  const onMessage = (message: WebSocketMessage): void => { const pushedTemp: TypedElem | null | undefined = message.value.elems['temp']; void pushedTemp; };
  ws.on('state', onState).on('message', onMessage).off('message', onMessage);
  const subscribeOptions: SubscribeOptions = {
    backfill: true, timeoutMs: 1000,
    onError(err: FlowThingsError) { if (err.code === 'gap') { const gap = err as GapError; void [gap.from, gap.to, gap.resource]; } },
  };
  void subscribeOptions;
  await ws.opened;
  const handled: PushedDrop[] = [];
  const handler = (drop: PushedDrop): void => { handled.push(drop); };
  const sub: Subscription = await ws.subscribe('f1', handler);
  const reply: unknown = sub.reply;
  const resource: string = sub.resource;
  const iterator: AsyncQueue<PushedDrop> = sub[Symbol.asyncIterator]();
  const pushed = await iterator.next();
  check(!pushed.done && pushed.value.id === 'd1' && handled.length === 1 && resource === 'f1' && typeof reply === 'object' && !sub.ended, 'subscription');
  const bare = await ws.subscribe('/acc/x', undefined, { timeoutMs: 1000 });
  for await (const drop of bare) {
    const t = drop.elems['temp'];
    check(t?.type === 'integer' && t.value === 31 && plainElems(drop).elems['temp'] === 31, 'iterated drop');
    break;
  }
  const messages: AsyncQueue<WebSocketMessage> = ws.messages();
  const reply2: { id: string } = await ws.send<{ id: string }>({ object: 'flow', type: 'find', id: 'f1' }, { timeoutMs: 1000 } satisfies CallControl);
  await ws.send({ object: 'drop', type: 'findmany', flowId: 'f1', options: { limit: 5, filter: mem.elems.temp.gt(1) } });
  await ws.send({ object: 'drop', type: 'create', path: '/acc/x', value: { elems: { temp: 1 } } });
  await sub.unsubscribe();
  await ws.unsubscribe('/acc/x', handler);
  await ws.unsubscribe('/acc/x');
  await messages.return();
  const done: Promise<void> = ws.run();
  await ws.close();
  await done;
  check(reply2.id === 'f1' && ws.state === 'closed' && states.includes('closed') && sub.ended && wsErrors.length === 0 && opens === 1, 'websocket');

  void fromOptions;
  check(calls.length > 50 && calls.every((c) => typeof c.url === 'string' && c.headers['X-Auth-Account'] !== undefined), 'transport calls');
}

// Deliberate misuses of flowthings-wasm: the line after each expect-error
// marker must be a type error (tsc fails on an unused marker).
// test/js/types.test.js also compiles this file with the markers removed and
// expects exactly one error on each marked line, so keep one misuse per line
// and nothing else wrong in the file.
import { init, API, Token, mem, AGE, EXISTS, HAS, MATCHES, NOT, parseFilter, M, plainElems, FlowThingsError } from 'flowthings-wasm';
import type { FlowThingsException, StoredObject, TypedElems, WebSocketConnection } from 'flowthings-wasm';
import wasm from 'flowthings-wasm/flowthings.wasm';

export async function misuse(api: API, ws: WebSocketConnection, err: FlowThingsError, ex: FlowThingsException, flag: boolean): Promise<void> {
  // loading
  // @ts-expect-error init's wasm is a URL, a Response, bytes or a module, not a number
  await init({ wasm: 42 });
  // @ts-expect-error nor a boolean
  await init({ wasm: true });
  // @ts-expect-error init takes an options object, not the wasm itself
  await init('flowthings.wasm');

  // the API and its options
  // @ts-expect-error new API() needs a token
  new API();
  // @ts-expect-error a token is a Token or { account, token }
  new API('account:token');
  // @ts-expect-error the transport resolves to { status: number, … }
  new API(new Token('a', 't'), { host: 'h', transport: async () => ({ status: '200', body: '' }) });
  // @ts-expect-error the WebSocket option is a constructor
  new API(new Token('a', 't'), { host: 'h', WebSocket: {} });
  // @ts-expect-error version undefined would be sent as /vundefined/ (exactOptionalPropertyTypes)
  new API(new Token('a', 't'), { host: 'h', version: undefined });
  // @ts-expect-error host is required: nothing defaults to the defunct hosted platform
  new API(new Token('a', 't'), { secure: false });
  // @ts-expect-error the options, with their host, are required
  new API(new Token('a', 't'));
  // @ts-expect-error an unknown option is a typo
  new API(new Token('a', 't'), { hots: '127.0.0.1:4000' });
  // @ts-expect-error Token needs an account and a token
  new Token('a');
  // @ts-expect-error env is an object of strings
  Token.fromBluemix(undefined, { env: 5 });
  // @ts-expect-error the API is frozen
  api.flow = api.track;

  // tokens and shares are immutable
  // @ts-expect-error token has no update
  await api.token.update({ id: 't1' });
  // @ts-expect-error share has no updateMany
  await api.share.updateMany([{ id: 's1' }]);
  // @ts-expect-error save on a token only creates: an id means an update
  await api.token.save({ id: 't1', paths: {} });
  // @ts-expect-error nor an M
  await api.share.save(M({ id: 's1' }));

  // calls
  // @ts-expect-error an id is a string
  await api.flow.read(42);
  // @ts-expect-error find by id takes no filter text after it
  await api.flow.find('f1', 'a == 1');
  // @ts-expect-error find([ids]) resolves to a map, not an array
  const list: StoredObject[] = await api.flow.find(['f1']);
  // @ts-expect-error find(filter) resolves to an array, not one object
  const one: StoredObject = await api.flow.find(mem.a.eq(1));
  // @ts-expect-error refs: true resolves to [body, references]
  const body: StoredObject = await api.flow.read('f1', { refs: true });
  // @ts-expect-error a refs flag only known at run time: branch on it
  await api.flow.read('f1', { refs: flag });
  // @ts-expect-error an update needs the model's id
  await api.flow.update({ description: 'x' });
  // @ts-expect-error a filter param is a filter, text or the object form
  await api.flow.find({ filter: 5 });
  // @ts-expect-error timeoutMs is a number of milliseconds
  await api.flow.read('f1', { timeoutMs: '5s' });
  // @ts-expect-error aggregate needs its output
  await api.drop('f1').aggregate({ groupBy: ['room'] });
  // @ts-expect-error api.drop takes a flow id or path
  api.drop(42);
  // @ts-expect-error the year of a statistic is a number
  await api.statistics.flowDropAdded('f1', '2024');
  // @ts-expect-error the level is YEAR, MONTH, DAY or HOUR
  await api.statistics.trackHit('t1', 2024, 5, 1, 'WEEK');
  // @ts-expect-error there is no such statistic
  await api.statistics.dropsPerSecond('f1');

  // async() and lazy()
  // @ts-expect-error a queued call returns its index, not a promise
  await api.async().flow.read('f1').then(() => undefined);
  // @ts-expect-error results' withExceptions is a boolean
  await api.async().results({ withExceptions: 'yes' });
  // @ts-expect-error concurrency is a number
  api.lazy({ concurrency: 'many' });
  // @ts-expect-error a lazy value of a number has no member 'id'
  api.lazy().statistics.trackHit('t1').get('id');
  // @ts-expect-error lazy APIs have no websocket.connect
  api.lazy().websocket.connect();

  // filters
  // @ts-expect-error within takes a number of units
  mem.x.within('5', { zip: '11201' });
  // @ts-expect-error within needs coords or a zip
  mem.x.within(5, 'KM', { lat: 1, lon: 2 });
  // @ts-expect-error no such unit
  mem.x.within(5, 'LEAGUES', { zip: '11201' });
  // @ts-expect-error a filter is not a comparison value
  mem.a.eq(mem.b.eq(1));
  // @ts-expect-error IN takes literals
  mem.a.in({ x: 1 });
  // @ts-expect-error AGE compares milliseconds
  AGE.gt('5');
  // @ts-expect-error EXISTS takes a member or its name
  EXISTS(5);
  // @ts-expect-error HAS takes an elem type
  HAS('number');
  // @ts-expect-error MATCHES takes a pattern
  MATCHES(5);
  // @ts-expect-error NOT takes a filter
  NOT(true);
  // @ts-expect-error parseFilter takes text
  parseFilter(mem.a.eq(1));
  // @ts-expect-error and() takes a filter
  mem.a.eq(1).and(2);

  // M and plainElems
  // @ts-expect-error M takes an object model
  M(5);
  // @ts-expect-error changes must fit the model
  M({ id: 'x', n: 1 }, { n: 'one' });
  // @ts-expect-error done() is [model, diff]
  const [a, b, c] = M({ id: 'x' }).done();
  // @ts-expect-error plainElems keeps the type of what it is given
  const n: number = plainElems('x');

  // WebSocket
  // @ts-expect-error the state is read-only
  ws.state = 'open';
  // @ts-expect-error a handler is a function
  await ws.subscribe('f1', 'handler');
  // @ts-expect-error a frame needs its object and type
  await ws.send({ id: 'f1' });
  // @ts-expect-error no such event
  ws.on('sate', () => undefined);
  // @ts-expect-error a state listener gets the state
  ws.on('state', (state: number) => { void state; });
  // @ts-expect-error no such subscribe option
  await ws.subscribe('f1', null, { backfil: false });
  // @ts-expect-error reconnect is a boolean
  await api.websocket.connect({ reconnect: 'yes' });
  // @ts-expect-error onOpen gets the connection
  await api.websocket.connect({ onOpen(ws: string) { void ws; } });

  // models: replies are what the runtime returns
  // @ts-expect-error a v0.1 reply wraps every elem as { type, value }: not a number
  const t: number = (await api.drop('f1').create({ elems: { temp: 21 } })).elems.temp;
  // @ts-expect-error nor read back as one
  const t2: number = (await api.drop('f1').read('d1')).elems['temp'];
  // @ts-expect-error with hints: false elems are plain JSON, with no type
  void (await api.drop('f1').find({ hints: false }))[0]?.elems['temp']?.type;
  // @ts-expect-error plainElems gives JSON values, not numbers
  const t3: number = plainElems(await api.drop('f1').read('d1')).elems.temp;
  // @ts-expect-error an API of v4.0 gives plain elems, not typed ones
  const plainApi: { elems: TypedElems } = await new API(new Token('a', 't'), { host: 'h', version: '4.0' }).drop('f1').read('d1');
  // @ts-expect-error the drops of a live query have typed elems too
  const live: number = (await api.drop('f1').live()).drops[0]!.elems['temp'];
  // @ts-expect-error a flow has no member pth
  await api.flow.create({ pth: '/a/x' });
  // @ts-expect-error a flow's capacity is a number
  await api.flow.create({ path: '/a/x', capacity: '10' });
  // @ts-expect-error a drop needs its elems
  await api.drop('f1').create({ path: '/a/x' });
  // @ts-expect-error elems are an object of elems
  await api.drop('f1').create({ elems: 5 });
  // @ts-expect-error a token's permissions are booleans
  await api.token.create({ paths: { '/a/x': { dropRead: 'yes' } } });
  // @ts-expect-error the status of a task is one of the platform's
  await api.apiTask.update({ id: 't1', status: 'DONE' });
  // @ts-expect-error a read flow is a Flow, not a Drop
  const notDrop: { elems: object } = await api.flow.read('f1');
  // @ts-expect-error $count is a number
  const count: string = (await api.drop('f1').aggregate(['$count']))[0]!.$count;
  // @ts-expect-error a statistic is a list of counts
  const stat: string[] = await api.statistics.trackHit('t1');
  // @ts-expect-error the model of a queued read is a flow
  const [queuedDrop]: [{ elems: object }] = await ((b) => b.results<[ReturnType<typeof b.flow.read>]>())(api.async());
  // @ts-expect-error the wasm module import is a module or its URL
  const wasmBytes: Uint8Array = wasm;

  // params: known keys, known types
  // @ts-expect-error no such param (did you mean limit?)
  await api.flow.find({ limt: 10 });
  // @ts-expect-error nor beside a known one
  await api.flow.find({ limit: 10, limt: 10 });
  // @ts-expect-error limit is a number
  await api.flow.find({ limit: '10' });
  // @ts-expect-error order is asc or desc
  await api.flow.find({ order: 'up' });
  // @ts-expect-error hints is a boolean
  await api.drop('f1').read('d1', { hints: 'no' });
  // @ts-expect-error unknown params after filters too
  await api.drop('f1').find(mem.a.eq(1), { limt: 1 });
  // @ts-expect-error and in the default params of the API
  new API(new Token('a', 't'), { host: 'h', params: { limt: 1 } });
  // @ts-expect-error and in a lazy call's params
  api.lazy().flow.find({ limit: 1, limt: 1 });
  // @ts-expect-error no such option of new API
  new API(new Token('a', 't'), { host: 'h', hots: 'localhost' });

  // errors
  // @ts-expect-error status is absent from errors that are not platform failures
  err.status.toFixed();
  // @ts-expect-error a platform exception's code is one of its five kinds
  const code: 'timeout' = ex.code;

  void [list, one, body, a, b, c, n, code, t, t2, t3, live, plainApi, notDrop, count, stat, queuedDrop, wasmBytes];
}

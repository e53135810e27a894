// The flowthings edge function as a Cloudflare Worker in JavaScript, on the
// public package. Two routes:
//
//   POST /ingest/{flowPath…}   a JSON object (one drop's elems) or an array of
//                              them, from a device or a webhook that sends its
//                              X-Device-Id and X-Device-Secret → 201 { ids }
//   GET  /flows/{flowPath…}/latest?limit=n&filter=…
//                              the newest drops, for dashboards → 200 { drops }
//
// Configured from the Worker's bindings (see the README's Workers section):
// FLOWTHINGS_HOST, FLOWTHINGS_ACCOUNT, the secrets FLOWTHINGS_TOKEN and
// DEVICE_SECRET (each device's secret is derived from it: see
// ../common/device.js), and optionally FLOW_PREFIX, INGEST_MAX_BYTES and
// CORS_ORIGIN. The token stays here: it is sent only to
// the platform, and no answer carries it.
//
// workers/go is the same function in Go; both pass test/js/workers.test.js.
import { init, API, Token, parseFilter, FlowThingsError } from 'flowthings-wasm';
import wasm from 'flowthings-wasm/flowthings.wasm';
import { readBody } from '../common/body.js';
import { DEVICE_ID_ELEM, deviceIdProblem, deviceKey, verifyDeviceSecret } from '../common/device.js';

const DEFAULT_INGEST_MAX_BYTES = 64 * 1024;
// Drops per ingest request: each is one subrequest to the platform, and a
// Worker on the Free plan may make 50 per request.
const MAX_BATCH = 40;
const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 100;
// Flow ids kept per isolate (see createDrop); past this, the oldest goes.
const MAX_FLOW_IDS = 1024;

/** An answer the Worker gives instead of the normal one. */
class EdgeError extends Error {
  constructor(status, code, message, extra) {
    super(message);
    this.name = 'EdgeError';
    this.status = status;
    this.code = code;
    this.extra = extra;
  }
}

/** The settings read from the bindings, and the API they make: built at the
 * first request (bindings reach a Worker with its requests) and kept for
 * every later one. */
let edge = null;

function configure(env) {
  const account = env.FLOWTHINGS_ACCOUNT;
  const token = env.FLOWTHINGS_TOKEN;
  if (!account || !token || !env.FLOWTHINGS_HOST) {
    throw new EdgeError(500, 'config', 'the Worker needs the FLOWTHINGS_HOST and FLOWTHINGS_ACCOUNT bindings and the FLOWTHINGS_TOKEN secret');
  }
  const { host, secure } = platformHost(env.FLOWTHINGS_HOST);
  const prefix = env.FLOW_PREFIX || `/${account}/`;
  return {
    api: new API(new Token(account, token), { host, wsHost: host, secure }),
    deviceSecret: env.DEVICE_SECRET || null,
    deviceKey: null, // its HMAC key, made by the first ingest (Web Crypto is asynchronous)
    prefix: prefix.endsWith('/') ? prefix : `${prefix}/`,
    maxBytes: positiveInt(env.INGEST_MAX_BYTES) ?? DEFAULT_INGEST_MAX_BYTES,
    corsOrigin: env.CORS_ORIGIN || null,
    flowIds: new Map(), // flow path → flow id, learnt from creates
  };
}

/** FLOWTHINGS_HOST is a host[:port] (https) or a URL whose scheme says
 * http or https: "http://127.0.0.1:4000" reaches a local emulator. */
function platformHost(text) {
  const m = /^(https?):\/\/([^/]+)\/?$/.exec(text);
  return m ? { host: m[2], secure: m[1] === 'https' } : { host: text, secure: true };
}

function positiveInt(text) {
  const n = Number(text);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

// At the module's top level: the wasm module starts (about 55 ms of CPU)
// while the isolate starts, not in a request.
await init({ wasm });

export default {
  async fetch(request, env) {
    try {
      edge ??= configure(env);
      return await route(request, edge);
    } catch (err) {
      return errorResponse(err);
    }
  },
};

async function route(request, config) {
  const { pathname, searchParams } = new URL(request.url);
  if (pathname.startsWith('/ingest/')) {
    if (request.method !== 'POST') throw new EdgeError(405, 'method', 'use POST', { allow: 'POST' });
    return ingest(request, config, flowPath(pathname.slice('/ingest'.length), config));
  }
  const latest = /^\/flows(\/.+)\/latest$/.exec(pathname);
  if (latest) {
    let response;
    try {
      if (request.method !== 'GET') throw new EdgeError(405, 'method', 'use GET', { allow: 'GET' });
      response = await readLatest(searchParams, config, flowPath(latest[1], config));
    } catch (err) {
      response = errorResponse(err);
    }
    // Errors too: a dashboard on another origin reads their code and position.
    if (config.corsOrigin) response.headers.set('access-control-allow-origin', config.corsOrigin);
    return response;
  }
  throw new EdgeError(404, 'route', 'no such route: POST /ingest/{flowPath} and GET /flows/{flowPath}/latest are served');
}

/** The flow path of a URL's tail: percent-decoded, without empty or dot
 * segments, and below the configured prefix. */
function flowPath(tail, { prefix }) {
  let path;
  try { path = decodeURIComponent(tail); } catch { throw new EdgeError(400, 'path', 'the flow path is not valid percent-encoding'); }
  const segments = path.split('/').slice(1);
  if (segments.some((s) => s === '' || s === '.' || s === '..')) throw new EdgeError(400, 'path', 'the flow path has an empty or dot segment');
  if (!`${path}/`.startsWith(prefix)) throw new EdgeError(403, 'path', `this Worker serves the flows under ${prefix} only`);
  return path;
}

async function ingest(request, config, path) {
  const device = await authenticate(request, config);
  const body = await readBody(request, config.maxBytes);
  if (body === null) throw new EdgeError(413, 'tooLarge', `the body is larger than ${config.maxBytes} bytes`);
  const items = parseDrops(new TextDecoder().decode(body));
  for (const elems of items) recordDevice(elems, device);
  const settled = await Promise.allSettled(items.map((elems) => createDrop(config, path, elems)));
  const ids = settled.map((s) => (s.status === 'fulfilled' ? s.value.id : null));
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw platformError(failed.reason, items.length > 1 ? { ids } : undefined);
  return json(201, { ids });
}

/** Creates a drop in the flow at path. The SDK has the module put the path
 * into the body of each create by path, while it builds the create of a
 * flow id once and passes each body through: so the first create in a flow
 * goes by path and learns the flow's id from the answer, and later ones go
 * by id. An id the platform no longer knows (the flow was deleted, maybe
 * made again under the same path) is forgotten and the create made again
 * by path: its 404 created nothing. */
async function createDrop({ api, flowIds }, path, elems) {
  const flowId = flowIds.get(path);
  if (flowId !== undefined) {
    try {
      return await api.drop(flowId).create({ elems });
    } catch (err) {
      if (!(err instanceof FlowThingsError && err.code === 'notFound')) throw err;
      if (flowIds.get(path) === flowId) flowIds.delete(path);
    }
  }
  const drop = await api.drop(path).create({ elems });
  if (typeof drop.flowId === 'string' && !flowIds.has(path)) {
    if (flowIds.size >= MAX_FLOW_IDS) flowIds.delete(flowIds.keys().next().value);
    flowIds.set(path, drop.flowId);
  }
  return drop;
}

/** A device proves itself with its id (X-Device-Id) and its secret
 * (X-Device-Secret), derived from DEVICE_SECRET; the secret is compared in
 * constant time and no answer holds it. Returns the device's id. */
async function authenticate(request, config) {
  if (!config.deviceSecret) throw new EdgeError(500, 'config', 'the Worker needs the DEVICE_SECRET secret to accept data');
  const id = request.headers.get('x-device-id');
  if (id === null) throw unauthorized('X-Device-Id', 'the X-Device-Id header is missing');
  const problem = deviceIdProblem(id);
  if (problem) throw unauthorized('X-Device-Id', `the X-Device-Id header is ${problem}`);
  const given = request.headers.get('x-device-secret');
  if (given === null) throw unauthorized('X-Device-Secret', 'the X-Device-Secret header is missing');
  config.deviceKey ??= await deviceKey(config.deviceSecret);
  if (!(await verifyDeviceSecret(config.deviceKey, id, given))) throw unauthorized('X-Device-Secret', 'the X-Device-Secret header is wrong for this X-Device-Id');
  return id;
}

function unauthorized(header, message) {
  return new EdgeError(401, 'unauthorized', message, { header });
}

/** Sets the elem DEVICE_ID_ELEM of elems to the device's id. Elems that set
 * it to anything else are refused: a device cannot write drops in another's
 * name. */
function recordDevice(elems, id) {
  if (Object.hasOwn(elems, DEVICE_ID_ELEM) && elems[DEVICE_ID_ELEM] !== id) {
    throw new EdgeError(400, 'deviceId', `the elem ${DEVICE_ID_ELEM} is the Worker's: it records the X-Device-Id header; leave it out or give the same id`);
  }
  elems[DEVICE_ID_ELEM] = id;
}

/** A JSON object (one drop's elems) or a non-empty array of them. */
function parseDrops(text) {
  let value;
  try { value = JSON.parse(text); } catch { throw new EdgeError(400, 'json', 'the body is not JSON'); }
  const items = Array.isArray(value) ? value : [value];
  if (items.length === 0) throw new EdgeError(400, 'shape', 'the array is empty');
  if (items.length > MAX_BATCH) throw new EdgeError(400, 'shape', `at most ${MAX_BATCH} drops per request`);
  if (!items.every((v) => v !== null && typeof v === 'object' && !Array.isArray(v))) {
    throw new EdgeError(400, 'shape', 'the body must be a JSON object (the elems of one drop) or an array of them');
  }
  return items;
}

async function readLatest(params, config, path) {
  const limitText = params.get('limit');
  const limit = limitText === null ? DEFAULT_LIMIT : Number(limitText);
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new EdgeError(400, 'limit', `limit must be an integer from 1 to ${MAX_LIMIT}`);
  }
  const text = params.get('filter');
  const filters = [];
  if (text !== null && text.trim() !== '') {
    try {
      filters.push(parseFilter(text));
    } catch (err) {
      if (err instanceof FlowThingsError && err.code === 'input') {
        throw new EdgeError(400, 'filter', err.message, err.position === undefined ? undefined : { position: err.position });
      }
      throw err;
    }
  }
  try {
    const drops = await config.api.drop(path).findMany(...filters, { limit, hints: 0 });
    return json(200, { drops });
  } catch (err) {
    throw platformError(err);
  }
}

/** The Worker's status for an SDK error: the caller's mistakes keep their
 * meaning (400, 403, 404), a slow platform is 504, and anything else the
 * platform or the network did is 502. */
const STATUS_OF_CODE = { input: 400, badRequest: 400, forbidden: 403, notFound: 404, timeout: 504 };

function platformError(err, extra) {
  if (!(err instanceof FlowThingsError)) return err;
  const status = STATUS_OF_CODE[err.code] ?? 502;
  return new EdgeError(status, err.code, err.message, { ...(err.status ? { platformStatus: err.status } : {}), ...extra });
}

function errorResponse(err) {
  if (!(err instanceof EdgeError)) err = platformError(err);
  if (!(err instanceof EdgeError)) {
    console.error('flowthings edge: unexpected error', err);
    return json(500, { error: { code: 'internal', message: 'internal error' } });
  }
  const { allow, ids, ...details } = err.extra ?? {};
  const response = json(err.status, { error: { code: err.code, message: err.message, ...details }, ...(ids ? { ids } : {}) });
  if (allow) response.headers.set('allow', allow);
  return response;
}

function json(status, body) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8' } });
}

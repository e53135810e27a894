// The JavaScript side of the Go Worker (package isolate is the Go side).
// It starts the Go program once per isolate, at the module's top level, so
// that Go's start-up is the isolate's and not a request's; the program
// makes its handler from the bindings of the first request (they come with
// requests) and serves every request. The program's goroutines post their
// I/O to the request's port, which this module performs in that request's own context
// (workerd refuses I/O on behalf of another request, and Go runs ready
// goroutines in whichever request's callback is on the stack).
//
// It is bundled with the wrapped wasm_exec.mjs and kept next to app.wasm by
// workers/build.js. Bindings: those of package edge, and MAX_IN_FLIGHT, the
// requests one isolate serves at once (default 128) before answering 503
// with Retry-After.
import installGo from './wasm_exec.mjs';
import app from './app.wasm';
import { readBody } from '../common/body.js';

const DEFAULT_MAX_IN_FLIGHT = 128;
const PLATFORM_TIMEOUT_MS = 30_000;

let started = null; // the Go program's request handler, once it is ready
let inFlight = 0;
const open = new Set(); // the ports of the requests in flight
const bridge = {}; // the Go program's __flowthingsIsolate: ready(handle), then env

// At the module's top level: Go starts with the isolate. Should it exit (its
// crash is in the log), the next request starts it again; the requests
// handle the failure, so none is left unhandled here.
start().catch(() => {});

export default {
  async fetch(request, env) {
    const max = Number(env.MAX_IN_FLIGHT) > 0 ? Number(env.MAX_IN_FLIGHT) : DEFAULT_MAX_IN_FLIGHT;
    if (inFlight >= max) {
      return answer(503, { error: { code: 'overloaded', message: `this isolate serves ${max} requests at once; retry shortly` } }, { 'retry-after': '1' });
    }
    inFlight++;
    const port = new Port(request);
    open.add(port);
    try {
      bridge.env ??= env;
      const handle = await start();
      handle(request.method, request.url, headerLines(request.headers), port.forGo);
      return await port.response();
    } catch (err) {
      console.error('flowthings Go Worker:', err);
      return answer(500, { error: { code: 'internal', message: 'the Go program failed' } });
    } finally {
      inFlight--;
      open.delete(port);
    }
  },
};

/** Starts the Go program once; resolves to its handle(method, url,
 * headerLines, port) when it is ready. If the program ever exits, the requests it had
 * fail and the next request starts a new one. */
function start() {
  started ??= new Promise((resolve, reject) => {
    bridge.ready = resolve;
    const startup = startupShims();
    const Go = installGo(privateGlobal({ __flowthingsIsolate: bridge, crypto: startup.crypto, performance: startup.performance }));
    const go = new Go();
    const exited = go.run(new WebAssembly.Instance(app, go.importObject)); // runs Go until it waits for requests
    startup.done();
    exited.then(() => {
      started = null;
      const failure = new Error('the Go program exited');
      reject(failure);
      for (const port of open) port.fail(failure);
    });
  });
  return started;
}

/** What Go's runtime needs of crypto and performance to start in the
 * global scope, where a Worker may not draw random values and its clocks
 * stand at 0:
 *  - while Go starts, Math.random stands in when crypto.getRandomValues
 *    throws (the bytes seed Go's map hashing and scheduler, nothing
 *    secret); afterwards it is the real crypto, for crypto/rand;
 *  - a performance.now() that never stands still: Go's runtime refuses to
 *    start on a clock that reads 0 ("fatal error: nanotime returning
 *    zero"). */
function startupShims() {
  let starting = true;
  const realCrypto = globalThis.crypto;
  const realPerformance = globalThis.performance;
  let last = 0;
  return {
    crypto: {
      getRandomValues(bytes) {
        try {
          return realCrypto.getRandomValues(bytes);
        } catch (err) {
          if (!starting) throw err;
          for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
          return bytes;
        }
      },
    },
    performance: {
      now() {
        const t = realPerformance.now();
        last = t > last ? t : last + 1e-3; // a microsecond on when the clock stands still
        return last;
      },
    },
    done() { starting = false; },
  };
}

/** The Go program's global object: reads fall through to the real one,
 * writes (wasm_exec's Go, fs and process stand-ins) stay on a private
 * object, so nothing leaks onto globalThis. */
function privateGlobal(own) {
  return new Proxy(globalThis, {
    get: (target, name) => (Object.hasOwn(own, name) ? own[name] : Reflect.get(target, name)),
    set: (_target, name, value) => { own[name] = value; return true; },
    has: (target, name) => Object.hasOwn(own, name) || Reflect.has(target, name),
    deleteProperty: (_target, name) => delete own[name],
  });
}

/** One request's port. Go calls forGo's functions from whichever context
 * it runs in; each queues work that response() performs here, in this
 * request's context, and returns a thenable that settles by calling Go's
 * callbacks directly (a promise created in another request's context would
 * settle there, or never if that request has ended). */
class Port {
  #request;
  #jobs = [];
  #wake = null;
  #answer = null;

  constructor(request) {
    this.#request = request;
    this.forGo = {
      fetch: (url, init) => this.#queue(() => fetchBuffered(url, init)),
      body: (maxBytes) => this.#queue(() => readBody(this.#request, maxBytes)),
      respond: (status, headerLines, body) => this.#settle({ status, headers: headerLines, body }),
    };
  }

  #queue(work) {
    const job = { work, callbacks: null };
    this.#jobs.push(job);
    this.#notify();
    return { then(onFulfilled, onRejected) { job.callbacks = [onFulfilled, onRejected]; } };
  }

  #settle(answer) {
    this.#answer ??= answer;
    this.#notify();
  }

  fail(err) { this.#settle({ error: err }); }

  #notify() {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  /** Runs the queued work until Go answers. */
  async response() {
    for (;;) {
      for (let job; (job = this.#jobs.shift());) {
        job.work().then((value) => job.callbacks[0](value), (err) => job.callbacks[1](err));
      }
      if (this.#answer) {
        if (this.#answer.error) throw this.#answer.error;
        const { status, headers, body } = this.#answer;
        return new Response(body ?? null, { status, headers: parseHeaderLines(headers) });
      }
      await new Promise((resolve) => { this.#wake = resolve; });
    }
  }
}

/** fetch, with the whole body read here: Go gets plain data (status,
 * headers, bytes), which it may use from any context. The AbortSignal Go
 * made belongs to the context Go ran in, so it is replaced by this
 * request's own timeout. */
async function fetchBuffered(url, { signal: _signal, ...init }) {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(PLATFORM_TIMEOUT_MS) });
  const body = await response.arrayBuffer();
  const headers = new Map(response.headers);
  return {
    status: response.status,
    type: response.type,
    headers: { get: (name) => headers.get(name.toLowerCase()) ?? null },
    arrayBuffer: () => ({ then: (onFulfilled) => onFulfilled(body) }),
  };
}

/** The headers as "name: value" lines; names are lower case, and a header
 * value has no line break (fetch's Headers refuses one). */
function headerLines(headers) {
  let lines = '';
  for (const [name, value] of headers) lines += `${name}: ${value}\n`;
  return lines;
}

function parseHeaderLines(lines) {
  const headers = new Headers();
  for (const line of lines.split('\n')) {
    const colon = line.indexOf(': ');
    if (colon > 0) headers.append(line.slice(0, colon), line.slice(colon + 2));
  }
  return headers;
}

function answer(status, body, headers = {}) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });
}

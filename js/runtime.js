// The wasm module: loading it once, and calling it. The module talks to
// JavaScript only through its exports (see wasm/main.go) and the host
// functions it imports (js/host.js); Go's runtime starts with a private
// global object, so nothing leaks onto the real globalThis.
import installGo from '../dist/wasm_exec.mjs';
import { FlowThingsError, errorFrom } from './errors.js';
import { hostFunctions } from './host.js';
import { parse } from './json.js';
import { checkKeys } from './options.js';

/** The longest text of a response that isn't an envelope that is copied
 * into the module whole; of a longer one, the module gets the first
 * EXCERPT_LENGTH characters (for its error's excerpt). */
export const WHOLE_TEXT_MAX = 64 * 1024;
export const EXCERPT_LENGTH = 4096;

let running = null; // the module serving calls, once init() has finished
let loading = null; // the init() in progress, shared by concurrent callers
let failed = null; // the error that stopped the last module for good, until init() loads a fresh one
let memory = null; // the running module's memory
let loads = 0; // modules started in this realm: each hands out ids of its own

/** moduleLoad tells which module serves calls (it counts the loads): a
 * Client made for an earlier module configures itself again. */
export const moduleLoad = () => loads;

/** The size of the running module's memory in bytes (0 before init()), for
 * tests and the bench: wasm memory grows and never shrinks. */
export function moduleMemoryBytes() {
  return memory?.buffer.byteLength ?? 0;
}

/** The globals Go's runtime and wasm_exec.js use, copied onto a private
 * object: wasm_exec.js adds its `process` and `path` stand-ins and Go's
 * syscall package reads them there, so after init() `typeof process` on
 * the real global is what it was. (Not Object.create(globalThis): browser
 * getters such as `performance` refuse a receiver other than the window.) */
const COPIED = ['Object', 'Array', 'Date', 'RegExp', 'Symbol', 'Error', 'Promise', 'Reflect', 'JSON', 'Math',
  'Uint8Array', 'DataView', 'Int8Array', 'Int16Array', 'Int32Array', 'Uint16Array', 'Uint32Array',
  'Float32Array', 'Float64Array', 'BigInt', 'TextEncoder', 'TextDecoder', 'console'];

/** privateGlobal makes the module's global object. Besides the copied
 * globals it has:
 *  - `fs`, whose writeSync keeps what Go writes (only a crash message, the
 *    module prints nothing else), for the error that reports the crash;
 *  - `crypto` for the random bytes Go's runtime reads once, at start-up:
 *    Workers forbid random values in their global scope (where a top-level
 *    `await init()` runs), so while starting, bytes from Math.random stand in
 *    when crypto.getRandomValues throws (they seed map hashing and the
 *    scheduler, nothing secret); after start-up, the real crypto;
 *  - `performance`, a clock that never stands still: in a Worker's global
 *    scope `performance.now()` is 0, and Go stops when its clock reads 0. */
function privateGlobal() {
  const scope = {};
  for (const name of COPIED) {
    if (globalThis[name] !== undefined) scope[name] = globalThis[name];
  }
  let output = '';
  const decoder = new TextDecoder();
  scope.fs = {
    constants: { O_WRONLY: -1, O_RDWR: -1, O_CREAT: -1, O_TRUNC: -1, O_APPEND: -1, O_EXCL: -1, O_DIRECTORY: -1 },
    writeSync(fd, bytes) {
      if (output.length < 4096) output += decoder.decode(bytes); // a crash's headline comes first, then stacks
      return bytes.length;
    },
  };
  const realCrypto = globalThis.crypto;
  let starting = true;
  scope.crypto = {
    getRandomValues(bytes) {
      if (!starting) return realCrypto.getRandomValues(bytes);
      try {
        return realCrypto.getRandomValues(bytes);
      } catch {
        for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
        return bytes;
      }
    },
  };
  const realPerformance = globalThis.performance;
  let last = 0;
  scope.performance = {
    now() {
      const t = realPerformance.now();
      last = t > last ? t : last + 1e-3; // a microsecond on when the clock stands still
      return last;
    },
  };
  return { scope, started() { starting = false; }, output: () => output.trim() };
}

/** describe names what source is, for load errors. */
function describe(source) {
  if (typeof source === 'string') return source;
  if (source instanceof URL) return source.href;
  if (typeof Response !== 'undefined' && source instanceof Response) return source.url || 'the Response';
  return 'the given bytes';
}

const MAGIC = [0x00, 0x61, 0x73, 0x6d]; // "\0asm"

/** loadError is an init error that says what happened and how to fix it. */
function loadError(what, cause) {
  return new FlowThingsError(`flowthings-wasm: ${what}`, { code: 'init', cause });
}

/** checkBytes rejects bytes that are not a wasm module, naming what they are. */
function checkBytes(bytes, from) {
  const view = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (MAGIC.every((b, i) => view[i] === b)) return;
  const start = new TextDecoder().decode(view.subarray(0, 256)).trimStart().toLowerCase();
  if (start.startsWith('<')) {
    throw loadError(`${from} is HTML, not wasm: the server answered HTML (often an app's fallback page for a file it does not have), not flowthings.wasm. Serve dist/flowthings.wasm at that URL, or pass where it is: init({ wasm: url })`);
  }
  throw loadError(`${from} is not a wasm module (it does not start with \\0asm). Pass flowthings.wasm itself: init({ wasm })`);
}

/** compileError explains a compile failure the runtime's policy causes. */
function compileError(err, from) {
  if (/disallowed by embedder|code generation/i.test(err?.message ?? '')) {
    return loadError(`this runtime cannot compile wasm from bytes (Workers cannot): pass the imported module: import wasm from 'flowthings-wasm/flowthings.wasm'; await init({ wasm })`, err);
  }
  return loadError(`compiling ${from} failed: ${err?.message ?? err}. Pass flowthings.wasm itself: init({ wasm })`, err);
}

/** Instantiates the module from any of the sources init() accepts. */
async function instantiate(source, imports) {
  source = await source;
  if (source instanceof WebAssembly.Module) return WebAssembly.instantiate(source, imports);
  let from = describe(source);
  if (typeof source === 'string' || source instanceof URL) {
    try {
      source = await fetch(source);
    } catch (err) {
      throw loadError(`fetching the wasm module from ${from} failed: ${err?.message ?? err}. Serve dist/flowthings.wasm there, or pass where it is: init({ wasm: url })`, err);
    }
  }
  if (typeof Response !== 'undefined' && source instanceof Response) {
    from = source.url || from;
    if (!source.ok) {
      throw loadError(`fetching the wasm module from ${from} failed with status ${source.status}${source.statusText ? ` ${source.statusText}` : ''}. Serve dist/flowthings.wasm there, or pass where it is: init({ wasm: url })`);
    }
    const type = source.headers.get('content-type') ?? '';
    if (WebAssembly.instantiateStreaming && type.startsWith('application/wasm')) {
      try {
        return (await WebAssembly.instantiateStreaming(source, imports)).instance;
      } catch (err) {
        throw compileError(err, from);
      }
    }
    source = await source.arrayBuffer(); // a server without the wasm MIME type: compile the bytes
  }
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    checkBytes(source, from);
    try {
      return (await WebAssembly.instantiate(source, imports)).instance;
    } catch (err) {
      throw compileError(err, from);
    }
  }
  throw loadError('options.wasm must be a URL, a Response, bytes or a WebAssembly.Module: init({ wasm })');
}

/** Loads and starts the wasm module once; later and concurrent calls share
 * that load. `defaultSource` gives the module when options.wasm is absent.
 * After the module failed fatally, init() loads a fresh one. */
export function initWith(options, defaultSource) {
  if (running) return Promise.resolve();
  loading ??= (async () => {
    checkKeys(options, ['wasm'], 'init(options)');
    const { scope, started, output } = privateGlobal();
    const Go = installGo(scope);
    const go = new Go();
    go.exit = () => {}; // not a console warning: the call that sees the exit reports it
    const wasm = options?.wasm ?? defaultSource();
    const instance = await instantiate(wasm, { ...go.importObject, ...hostFunctions(() => instance.exports.mem) });
    // run starts main and returns once main waits (its promise settles when
    // the program exits, which it never does while it serves): a promise
    // already settled means the module did not start.
    const run = go.run(instance);
    run.catch(() => {}); // looked at just below
    try {
      await Promise.race([run, undefined]); // a settled run goes first
    } catch (err) {
      throw loadError(`the wasm module did not start: ${err?.message ?? err}${output() ? `\n${output()}` : ''}`, err);
    }
    if (go.exited) throw loadError(`the wasm module did not start: it exited${output() ? `:\n${output()}` : ''}`);
    started();
    running = serve(instance.exports, go, output);
    memory = instance.exports.mem;
    failed = null;
  })().catch((err) => {
    loading = null; // a failed load may be retried
    throw err instanceof FlowThingsError ? err : loadError(`loading the wasm module failed: ${err?.message ?? err}`, err);
  });
  return loading;
}

/** serve wraps a started instance: it runs one function by name through
 * the exports (see wasm/main.go): the arguments' JSON text goes into the
 * module's input buffer, the result's comes out of its output buffer.
 * Memory may grow during a call, so views of it are made afresh each time.
 * If a call ever fails inside the module (it ran out of memory, say), the
 * module is stopped for good. */
function serve(exports, go, output) {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const read = (size) => decoder.decode(new Uint8Array(exports.mem.buffer, exports.flowthings_output(), size));
  const numbers = new Map(JSON.parse(read(exports.flowthings_functions())).map((name, i) => [name, i]));
  // Ids of objects the module keeps (configurations, engines) never repeat
  // across modules: an object of a failed module, released when collected,
  // must not release another's in its successor.
  exports.flowthings_start(++loads * 2 ** 32);
  return (name, text) => {
    const number = numbers.get(name);
    if (number === undefined) {
      throw new FlowThingsError(`flowthings: internal error: the wasm module has no function ${name} (dist/flowthings.wasm and js/bridge.js are from different builds)`, { code: 'internal' });
    }
    try {
      // (flowthings_input may grow the memory: the views come after it.)
      let size;
      if (text.length <= 16384) {
        const room = text.length * 3; // the most UTF-8 bytes a JavaScript string can need
        const at = exports.flowthings_input(room);
        const { written } = encoder.encodeInto(text, new Uint8Array(exports.mem.buffer, at, room));
        size = exports.flowthings_call(number, written);
      } else { // a large text: its exact bytes, so that the module's buffer is no larger than needed
        const bytes = encoder.encode(text);
        const at = exports.flowthings_input(bytes.length);
        new Uint8Array(exports.mem.buffer, at, bytes.length).set(bytes);
        size = exports.flowthings_call(number, bytes.length);
      }
      if (go.exited) {
        const printed = output();
        throw new Error(printed ? printed.split('\n')[0] : 'the Go runtime exited', printed ? { cause: new Error(printed) } : undefined);
      }
      return read(size);
    } catch (err) {
      stop(name, err);
      throw failed;
    }
  };
}

/** stop takes the module out of service after a fatal failure in function
 * name: every later call throws `failed`, until init() loads a fresh one. */
function stop(name, err) {
  running = null;
  loading = null;
  failed = new FlowThingsError(`flowthings: internal error: the wasm module failed fatally in ${name} (${err?.message ?? err}) and was stopped; every call fails until \`await init()\` loads a fresh module`, { code: 'internal', cause: err });
}

/** call runs one function of the module and parses its JSON result; an
 * error result is thrown as the matching Error subclass. Arguments and
 * result cross as JSON text, one copy each way. A result may carry the
 * platform's data (a WebSocket reply's body, a subscription's reply): it is
 * read exactly (js/json.js), integers beyond 2^53 as BigInt. js/bridge.js
 * has a stub per function: call those, not this. */
export function call(name, ...args) {
  if (!running) {
    if (failed) throw failed;
    throw new FlowThingsError('flowthings-wasm is not initialized: call `await init()` first', { code: 'init' });
  }
  const result = parse(running(name, JSON.stringify(args)));
  if (result.error) throw errorFrom(result.error);
  return result;
}

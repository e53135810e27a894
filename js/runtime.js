// The wasm module: loading it once, and calling it. The module installs its
// functions on a private global object, never on globalThis.
import installGo from '../dist/wasm_exec.mjs';
import { FlowThingsError, errorFrom } from './errors.js';

let invoke = null; // runs one of the module's functions, once init() has finished
let loading = null; // the init() in progress, shared by concurrent callers

/** The globals Go's runtime and wasm_exec.js use, copied onto a private
 * object: wasm_exec.js adds its `fs`, `process` and `path` stand-ins and Go
 * its exports there, so after init() `typeof process` on the real global is
 * what it was. (Not Object.create(globalThis): browser getters such as
 * `performance` refuse a receiver other than the window.) */
function privateGlobal() {
  const scope = {};
  for (const name of ['Object', 'Array', 'Date', 'RegExp', 'Symbol', 'Error', 'Promise', 'Reflect', 'JSON', 'Math',
    'Uint8Array', 'DataView', 'Int8Array', 'Int16Array', 'Int32Array', 'Uint16Array', 'Uint32Array',
    'Float32Array', 'Float64Array', 'BigInt', 'TextEncoder', 'TextDecoder', 'crypto', 'performance', 'console']) {
    if (globalThis[name] !== undefined) scope[name] = globalThis[name];
  }
  return scope;
}

/** Instantiates the module from any of the sources init() accepts. */
async function instantiate(source, imports) {
  source = await source;
  if (source instanceof WebAssembly.Module) return WebAssembly.instantiate(source, imports);
  if (typeof source === 'string' || source instanceof URL) source = fetch(source);
  source = await source;
  if (typeof Response !== 'undefined' && source instanceof Response) {
    if (!source.ok) throw new FlowThingsError(`flowthings-wasm: fetching the wasm module failed with status ${source.status}`, { code: 'init' });
    if (WebAssembly.instantiateStreaming && source.headers.get('content-type')?.startsWith('application/wasm')) {
      return (await WebAssembly.instantiateStreaming(source, imports)).instance;
    }
    source = await source.arrayBuffer(); // a server without the wasm MIME type: compile the bytes
  }
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    return (await WebAssembly.instantiate(source, imports)).instance;
  }
  throw new FlowThingsError('flowthings-wasm: options.wasm must be a URL, a Response, bytes or a WebAssembly.Module', { code: 'init' });
}

/** Loads and starts the wasm module once; later and concurrent calls share
 * that load. `defaultSource` gives the module when options.wasm is absent. */
export function initWith(options, defaultSource) {
  if (invoke) return Promise.resolve();
  loading ??= (async () => {
    const scope = privateGlobal();
    const Go = installGo(scope);
    const go = new Go();
    const wasm = options?.wasm ?? defaultSource();
    const instance = await instantiate(wasm, go.importObject);
    go.run(instance); // runs main until it waits; it never returns while the module serves
    if (!scope.__flowthings) throw new FlowThingsError('flowthings-wasm: the wasm module did not start', { code: 'init' });
    invoke = invoker(instance.exports, scope.__flowthings.functions);
  })().catch((err) => {
    loading = null; // a failed load may be retried
    throw err instanceof FlowThingsError ? err : new FlowThingsError(`flowthings-wasm: loading the wasm module failed: ${err.message}`, { code: 'init', cause: err });
  });
  return loading;
}

/** invoker calls the module's functions through its exports (see
 * wasm/main.go): the arguments' JSON text goes into the module's input
 * buffer, the result's comes out of its output buffer. Memory may grow
 * during a call, so views of it are made afresh each time. */
function invoker(exports, names) {
  const numbers = new Map(names.map((name, i) => [name, i]));
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  return (name, text) => {
    const room = text.length * 3; // the most UTF-8 bytes a JavaScript string can need
    const at = exports.flowthings_input(room);
    const { written } = encoder.encodeInto(text, new Uint8Array(exports.mem.buffer, at, room));
    const size = exports.flowthings_call(numbers.get(name) ?? -1, written);
    return decoder.decode(new Uint8Array(exports.mem.buffer, exports.flowthings_output(), size));
  };
}

/** call runs one function of the module and parses its JSON result; an
 * error result is thrown as the matching Error subclass. Arguments and
 * result cross as JSON text, one copy each way. */
export function call(name, ...args) {
  if (!invoke) throw new FlowThingsError('flowthings-wasm is not initialized: call `await init()` first', { code: 'init' });
  const result = JSON.parse(invoke(name, JSON.stringify(args)));
  if (result.error) throw errorFrom(result.error);
  return result;
}

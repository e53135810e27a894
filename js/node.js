// The package's entry point on Node.js: init() reads the wasm module
// shipped beside this file, and calls go over node:http and node:https
// (js/nodehttp.js) unless the `transport` option says otherwise.
import { initWith } from './runtime.js';
import { useDefaultTransport } from './api.js';
import { nodeTransport, preload } from './nodehttp.js';

export * from './exports.js';

useDefaultTransport(nodeTransport);

const wasmURL = new URL('../dist/flowthings.wasm', import.meta.url);

/** Loads the wasm module once (concurrent calls share the load). */
export function init(options) {
  return initWith(options, async () => {
    const { readFile } = await import('node:fs/promises');
    const compiling = WebAssembly.compile(await readFile(wasmURL));
    // Load node:http now, while the module compiles on V8's other threads,
    // rather than at the first request.
    preload();
    return compiling;
  });
}

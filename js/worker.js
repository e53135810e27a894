// The package's entry point in Cloudflare Workers (workerd): Workers cannot
// fetch or read the module at run time, so init() takes the module the
// Worker imported: import wasm from 'flowthings-wasm/flowthings.wasm';
// await init({ wasm }).
import { initWith } from './runtime.js';
import { FlowThingsError } from './errors.js';

export * from './exports.js';

/** Loads the wasm module once (concurrent calls share the load). */
export function init(options) {
  return initWith(options, () => {
    throw new FlowThingsError("flowthings-wasm: in a Worker, pass the imported module: import wasm from 'flowthings-wasm/flowthings.wasm'; await init({ wasm })", { code: 'init' });
  });
}

// The package's entry point in browsers (and the default for bundlers):
// init() fetches the wasm module from beside this file, compiling it while
// it streams in, unless options.wasm says where it is.
import { initWith } from './runtime.js';

export * from './exports.js';

/** Loads the wasm module once (concurrent calls share the load). */
export function init(options) {
  return initWith(options, () => fetch(new URL('../dist/flowthings.wasm', import.meta.url)));
}

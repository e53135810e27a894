// The package's entry point in browsers (and the default for bundlers):
// init() fetches the wasm module from beside this file, compiling it while
// it streams in, unless options.wasm says where it is.
import { initWith } from './runtime.js';
import { FlowThingsError } from './errors.js';

export * from './exports.js';

/** Loads the wasm module once (concurrent calls share the load). */
export function init(options) {
  return initWith(options, () => {
    // Bundlers that know this pattern (Vite, webpack 5, Rollup with a URL
    // plugin) copy the file and rewrite the URL; in a bundle format without
    // import.meta (a CommonJS or IIFE bundle) there is nothing to resolve.
    if (!import.meta.url) {
      throw new FlowThingsError("flowthings-wasm: `import.meta.url` is empty in this bundle format, so the wasm module cannot be found beside the package: pass it: import wasmUrl from 'flowthings-wasm/flowthings.wasm' (with your bundler's file loader), then init({ wasm: wasmUrl })", { code: 'init' });
    }
    return new URL('../dist/flowthings.wasm', import.meta.url); // fetched and compiled as it streams in
  });
}

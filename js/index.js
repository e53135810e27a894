// The package's generic entry point (Deno, Bun, other ESM runtimes): init()
// fetches the wasm module from beside this file unless options.wasm says
// where it is. Node, browsers and Workers have entry points of their own.
export * from './browser.js';

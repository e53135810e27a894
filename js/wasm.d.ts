// Types of flowthings-wasm/flowthings.wasm, the package's wasm module.

/**
 * The package's wasm module as the runtime or bundler imports it: a
 * compiled `WebAssembly.Module` in Cloudflare Workers (and other runtimes
 * that import wasm as modules), its URL with a file or asset loader
 * (esbuild `--loader:.wasm=file`, webpack 5 `asset/resource`). Either way,
 * hand it to `init({ wasm })`:
 *
 * ```ts
 * import { init } from 'flowthings-wasm';
 * import wasm from 'flowthings-wasm/flowthings.wasm';
 * await init({ wasm });
 * ```
 */
declare const wasm: WebAssembly.Module | string;
export default wasm;

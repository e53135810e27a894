// The default: init() finds the wasm module beside the package's code
// (Vite, webpack 5, and Rollup with @web/rollup-plugin-import-meta-assets
// copy it and rewrite its URL).
import { run } from './app.js';

run();

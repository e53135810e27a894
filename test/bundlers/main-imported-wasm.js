// esbuild: the wasm module imported as a file (--loader:.wasm=file gives
// its URL), handed to init().
import wasmUrl from 'flowthings-wasm/flowthings.wasm';
import { run } from './app.js';

run({ wasm: wasmUrl });

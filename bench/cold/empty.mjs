// Cold-start baseline, run in a fresh process by bench/bench.js:
// instantiate an empty Go wasm module (bench/empty, path in argv[2]) with
// the package's wasm_exec (dist/wasm_exec.mjs, loaded with a private global
// object as js/runtime.js does) and run it to its exit. Prints JSON timings.
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const { readFile } = await import('node:fs/promises');
const { default: installGo } = await import('../../dist/wasm_exec.mjs');
const tImported = performance.now();

const scope = {};
for (const name of ['Object', 'Array', 'Date', 'RegExp', 'Symbol', 'Error', 'Promise', 'Reflect', 'JSON', 'Math',
  'Uint8Array', 'DataView', 'Int8Array', 'Int16Array', 'Int32Array', 'Uint16Array', 'Uint32Array',
  'Float32Array', 'Float64Array', 'BigInt', 'TextEncoder', 'TextDecoder', 'crypto', 'performance', 'console']) {
  if (globalThis[name] !== undefined) scope[name] = globalThis[name];
}
const Go = installGo(scope);
const go = new Go();
const bytes = await readFile(process.argv[2]);
const { instance } = await WebAssembly.instantiate(bytes, go.importObject);
const tInstantiated = performance.now();
await go.run(instance); // main returns at once: this is the runtime's start-up and exit
const tEnd = performance.now();
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({
  cpuMs: (cpu.user + cpu.system) / 1000,
  importMs: tImported - t0, instantiateMs: tInstantiated - tImported, runMs: tEnd - tInstantiated,
  totalMs: tEnd - t0, sinceProcessStartMs: tEnd,
}));

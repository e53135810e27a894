// Cold start of the SDK, run in a fresh process by bench/cold/run.mjs:
// import the package's Node entry as shipped (dist/node.mjs, built by
// ./build.sh wasm), await init(), and make the first request (flow.read
// against the emulator). argv: host token flowId. Prints JSON timings.
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const { init, API, Token } = await import('../../dist/node.mjs'); // the Node entry as shipped
const tImported = performance.now();
await init();
const tInit = performance.now();
const [host, token, flowId] = process.argv.slice(2);
const api = new API(new Token('dev', token), { host, secure: false });
const flow = await api.flow.read(flowId);
const tEnd = performance.now();
if (flow.id !== flowId) throw new Error(`read ${flow.id}, want ${flowId}`);
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({
  cpuMs: (cpu.user + cpu.system) / 1000,
  importMs: tImported - t0, initMs: tInit - tImported, firstRequestMs: tEnd - tInit,
  totalMs: tEnd - t0, sinceProcessStartMs: tEnd,
}));

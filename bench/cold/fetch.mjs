// For the cold-start breakdown, run in a fresh process by bench/bench.js:
// the first request of a process with plain fetch + JSON.parse (Node loads
// its fetch implementation on first use). argv: url headersJSON. Prints JSON timings.
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const [url, headers] = process.argv.slice(2);
const res = await fetch(url, { method: 'GET', headers: JSON.parse(headers) });
const env = JSON.parse(await res.text());
const tEnd = performance.now();
if (!env.head?.ok) throw new Error(`status ${res.status}`);
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({
  cpuMs: (cpu.user + cpu.system) / 1000, firstRequestMs: tEnd - t0, totalMs: tEnd - t0, sinceProcessStartMs: tEnd }));

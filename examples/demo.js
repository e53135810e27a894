// The flowthings-wasm demo: the npm package end to end against a local
// emulator it starts itself — init(), a flow, drops, a filtered find, a live
// WebSocket subscription, an aggregation and a typed error. Then, in a
// terminal, it keeps the emulator running with the dashboard (web/, built
// into dist/web) and a live sample flow, until Ctrl-C.
//
//   ./build.sh demo                  (builds everything, then runs this)
//   node examples/demo.js [--once | --serve]
//
// --once exits after the Node demo (the default without a terminal, e.g. in
// CI); --serve keeps serving even without one. FLOWTHINGS_EMULATOR_WEB
// names another built dashboard than dist/web.
//
// Everything after startEmulator() is what an application writes; `host` is
// required (there is no default: the hosted platform's names are defunct).
import { init, API, Token, mem, plainElems, FlowThingsNotFound } from 'flowthings-wasm';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { startEmulator, repoRoot } from './emulator.js';

const step = (line) => console.log(`• ${line}`);

/** Drops a second written to the sample flow while the dashboard is served. */
const SAMPLE_RATE = 3;

/** Node 22+ has a global WebSocket; on Node 20 use the ws package's. */
async function webSocketClass() {
  if (typeof globalThis.WebSocket === 'function') return globalThis.WebSocket;
  try {
    return (await import('ws')).default;
  } catch {
    throw new Error('this Node has no global WebSocket: npm install ws');
  }
}

async function demo(emu) {
  const t0 = performance.now();
  await init();
  step(`loaded the wasm module in ${Math.round(performance.now() - t0)} ms`);

  const api = new API(new Token(emu.account, emu.token), {
    host: emu.host, wsHost: emu.wsHost, secure: false, WebSocket: await webSocketClass(),
  });

  const flow = await api.flow.create({ path: `/${emu.account}/demo/sensors`, description: 'raw readings' });
  step(`created flow ${flow.path} (${flow.id})`);

  // Live: subscribe before writing; the first pushed drop settles `live`.
  const ws = await api.websocket.connect();
  let gotLive;
  const live = new Promise((resolve) => { gotLive = resolve; });
  await ws.subscribe(flow.id, gotLive);
  step(`subscribed to ${flow.path} over a WebSocket`);

  const drops = api.drop(flow.id);
  const towns = ['Brooklyn', 'Queens'];
  for (let i = 0; i < 12; i++) {
    await drops.create({ elems: { temp: 20 + 2 * i, town: towns[i % 2] } });
  }
  step(`wrote 12 drops to ${flow.path}`);

  let timer;
  const first = plainElems(await Promise.race([
    live,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('no live drop within 5 s')), 5000); }),
  ]).finally(() => clearTimeout(timer)));
  step(`live: received drop ${first.id} with temp ${first.elems.temp} from ${first.elems.town}`);
  await ws.close();

  const hot = mem.elems.town.eq('Queens').and(mem.elems.temp.gte(30));
  const found = await drops.find(hot, { limit: 100, hints: false });
  step(`found ${found.length} drops where ${hot}: temps ${found.map((d) => d.elems.temp).sort((a, b) => a - b).join(', ')}`);

  const rows = await drops.aggregate(['$count', '$avg:elems.temp', '$max:elems.temp'], {
    groupBy: ['elems.town'], sorts: ['elems.town:asc'],
  });
  for (const r of rows) {
    step(`aggregate ${r['elems.town']}: count ${r.$count}, average ${r['$avg:elems.temp']}, max ${r['$max:elems.temp']}`);
  }

  try {
    await api.flow.read('f000000000000000000000000');
    throw new Error('reading an unknown flow succeeded');
  } catch (err) {
    if (!(err instanceof FlowThingsNotFound)) throw err;
    step(`typed error: ${err.name} (status ${err.status}) for ${err.method} ${err.path}`);
  }
}

/** Writes a reading to /{account}/demo/live SAMPLE_RATE times a second
 * (a slow wave with some noise, per town) until stop() is called. */
async function feedSampleFlow(api, account) {
  const flow = await api.flow.create({ path: `/${account}/demo/live`, description: 'a live sample: readings every few hundred ms' });
  const drops = api.drop(flow.id);
  const towns = ['Brooklyn', 'Queens', 'Harlem'];
  let n = 0;
  let writing = null;
  let stopped = false;
  const timer = setInterval(() => {
    if (writing) return; // a slow write: skip a beat rather than pile up
    const t = Date.now() / 1000;
    const town = towns[n % towns.length];
    const temp = Math.round((21 + 4 * Math.sin(t / 9) + (n % 3) - 1 + Math.random()) * 10) / 10;
    const humidity = Math.round(55 + 15 * Math.cos(t / 13) + 3 * Math.random());
    n++;
    writing = drops.create({ elems: { temp, humidity, town, door: Math.random() < 0.15 } })
      .catch((err) => { if (!stopped) console.error(`• writing a sample drop failed: ${err.message}`); })
      .finally(() => { writing = null; });
  }, 1000 / SAMPLE_RATE);
  return {
    flow,
    /** Stops writing at once; resolves when the last write has settled. */
    stop() {
      stopped = true;
      clearInterval(timer);
      return writing;
    },
  };
}

/** Serves the dashboard with a live sample flow until SIGINT or SIGTERM. */
async function serve(emu) {
  const api = new API(new Token(emu.account, emu.token), { host: emu.host, wsHost: emu.wsHost, secure: false });
  const sample = await feedSampleFlow(api, emu.account);
  console.log('');
  step(`dashboard: http://${emu.host}/#${sample.flow.path}`);
  console.log(`  sign in with account ${emu.account} and token ${emu.token} (the emulator's dev credentials)`);
  step(`writing ${SAMPLE_RATE} drops a second to ${sample.flow.path}; press Ctrl-C to stop`);
  let stopping;
  const signal = await new Promise((resolve) => {
    // Before the emulator launcher's own handler (which kills the emulator
    // and raises the signal again: `on`, so that one is absorbed too).
    for (const sig of ['SIGINT', 'SIGTERM']) {
      process.prependListener(sig, () => { stopping ??= sample.stop(); resolve(sig); });
    }
  });
  await stopping;
  step(`${signal}: stopping`);
}

const webDir = process.env.FLOWTHINGS_EMULATOR_WEB || path.join(repoRoot, 'dist', 'web');
const args = process.argv.slice(2);
for (const arg of args) {
  if (arg !== '--once' && arg !== '--serve') {
    console.error(`demo: unknown argument ${arg} (use --once or --serve)`);
    process.exit(2);
  }
}
let serving = args.includes('--serve') || (!args.includes('--once') && Boolean(process.stdin.isTTY && process.stdout.isTTY));
if (serving && !existsSync(path.join(webDir, 'index.html'))) {
  console.error(`• the dashboard is not built in ${webDir}: run npm run web:build (./build.sh demo does); exiting after the demo`);
  serving = false;
}

const emu = await startEmulator(serving ? ['-web', webDir] : []);
step(`emulator ready at http://${emu.host} (account ${emu.account})`);
try {
  await demo(emu);
  if (serving) await serve(emu);
} catch (err) {
  console.error('demo failed:', err);
  process.exitCode = 1;
} finally {
  await emu.stop();
  step('stopped the emulator');
}
if (!process.exitCode) console.log('demo finished');

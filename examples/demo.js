// The flowthings-wasm demo: the npm package end to end against a local
// emulator it starts itself — init(), a flow, drops, a filtered find, a live
// WebSocket subscription, an aggregation and a typed error.
//
//   ./build.sh wasm && node examples/demo.js      (needs Go to build the emulator)
//
// Everything after startEmulator() is what an application writes; `host` is
// required (there is no default: the hosted platform's names are defunct).
import { init, API, Token, mem, plainElems, FlowThingsNotFound } from 'flowthings-wasm';
import { startEmulator } from './emulator.js';

const step = (line) => console.log(`• ${line}`);

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

const emu = await startEmulator();
step(`emulator ready at http://${emu.host} (account ${emu.account})`);
try {
  await demo(emu);
} catch (err) {
  console.error('demo failed:', err);
  process.exitCode = 1;
} finally {
  await emu.stop();
  step('stopped the emulator');
}
if (!process.exitCode) console.log('demo finished');

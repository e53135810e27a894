// Runs a Worker locally in workerd until Ctrl-C:
//
//   node workers/serve.js js|go
//
// Its bindings come from the environment, defaulting to the local emulator
// (`go run ./cmd/flowthings-emulator`): FLOWTHINGS_HOST
// (http://127.0.0.1:4000), FLOWTHINGS_ACCOUNT (dev), FLOWTHINGS_TOKEN (the
// emulator's dev token), DEVICE_SECRET (dev-device-secret), and, when set,
// FLOW_PREFIX, INGEST_MAX_BYTES, CORS_ORIGIN, MAX_IN_FLIGHT. PORT picks the
// port (default: any free one).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildJsWorker, buildGoWorker, startWorkerd } from './harness.js';
import { deviceKey, deviceSecret } from './common/device.js';

const builders = { js: buildJsWorker, go: buildGoWorker };
const kind = process.argv[2];
if (!builders[kind]) {
  console.error('usage: node workers/serve.js js|go');
  process.exit(2);
}
const env = process.env;
const bindings = {
  FLOWTHINGS_HOST: env.FLOWTHINGS_HOST ?? 'http://127.0.0.1:4000',
  FLOWTHINGS_ACCOUNT: env.FLOWTHINGS_ACCOUNT ?? 'dev',
  FLOWTHINGS_TOKEN: env.FLOWTHINGS_TOKEN ?? 'flowthings-emulator-dev-token-01',
  DEVICE_SECRET: env.DEVICE_SECRET ?? 'dev-device-secret',
};
for (const name of ['FLOW_PREFIX', 'INGEST_MAX_BYTES', 'CORS_ORIGIN', 'MAX_IN_FLIGHT']) if (env[name]) bindings[name] = env[name];

const dir = await mkdtemp(path.join(tmpdir(), `flowthings-${kind}-worker-`));
const worker = await startWorkerd({ dir, modules: await builders[kind](dir), bindings, port: Number(env.PORT ?? 0) });
console.log(`the ${kind} Worker serves ${worker.url} (platform ${bindings.FLOWTHINGS_HOST}, account ${bindings.FLOWTHINGS_ACCOUNT}); Ctrl-C stops it`);
// A device's secret is shown for the default DEVICE_SECRET only: a real one's
// devices get theirs from workers/device-secret.js.
const secret = env.DEVICE_SECRET ? '$(node workers/device-secret.js sensor-1)' : await deviceSecret(await deviceKey(bindings.DEVICE_SECRET), 'sensor-1');
console.log(`  curl -X POST -H 'X-Device-Id: sensor-1' -H "X-Device-Secret: ${secret}" -d '{"temp":21}' ${worker.url}/ingest/${bindings.FLOWTHINGS_ACCOUNT}/sensors`);
console.log(`  curl '${worker.url}/flows/${bindings.FLOWTHINGS_ACCOUNT}/sensors/latest?limit=5&filter=elems.temp%20%3E%2020'`);
// The harness lets a running workerd not hold Node up (tests end without
// stopping it); here it runs until a signal.
const untilSignal = setInterval(() => {}, 2 ** 30);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    clearInterval(untilSignal);
    await worker.stop();
    await rm(dir, { recursive: true, force: true });
    process.exit(0);
  });
}

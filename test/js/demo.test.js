// The Node demo (examples/demo.js) runs as users run it: a child process
// that starts its own emulator, exits 0, prints every step, and leaves no
// emulator behind; with --serve (what a terminal gets) it then serves the
// dashboard and a live sample flow until SIGINT.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildEmulator } from './helpers/emulator.js';
import { buildDashboard } from './helpers/web-build.js';

const demo = fileURLToPath(new URL('../../examples/demo.js', import.meta.url));

function run(file) {
  return new Promise((resolve) => {
    execFile(process.execPath, [file], { timeout: 60_000, killSignal: 'SIGTERM' }, (err, stdout, stderr) => {
      resolve({ code: err ? (err.code ?? err.signal) : 0, stdout, stderr });
    });
  });
}

it('examples/demo.js runs end to end against its own emulator', { timeout: 90_000 }, async () => {
  await buildEmulator(); // so the demo's own go build finds the binary up to date
  const { code, stdout, stderr } = await run(demo);
  assert.equal(code, 0, `exit code ${code}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
  for (const want of [
    /^• emulator ready at http:\/\/127\.0\.0\.1:\d+ \(account dev\)$/m,
    /^• loaded the wasm module in \d+ ms$/m,
    /^• created flow \/dev\/demo\/sensors \(f[0-9a-f]{24}\)$/m,
    /^• subscribed to \/dev\/demo\/sensors over a WebSocket$/m,
    /^• wrote 12 drops to \/dev\/demo\/sensors$/m,
    /^• live: received drop d[0-9a-f]{24} with temp 20 from Brooklyn$/m,
    /^• found 4 drops where \(elems\.town == 'Queens'\) && \(elems\.temp >= 30\): temps 30, 34, 38, 42$/m,
    /^• aggregate Brooklyn: count 6, average 30, max 40$/m,
    /^• aggregate Queens: count 6, average 32, max 42$/m,
    /^• typed error: FlowThingsNotFound \(status 404\) for GET \/flow\/f0{24}$/m,
    /^• stopped the emulator$/m,
    /^demo finished$/m,
  ]) {
    assert.match(stdout, want);
  }
  assert.equal(stderr, '');
  // The emulator is gone with the demo.
  const port = stdout.match(/127\.0\.0\.1:(\d+)/)[1];
  await assert.rejects(fetch(`http://127.0.0.1:${port}/v0.1/dev/flow`), /fetch failed/);
});

it('examples/demo.js --serve keeps the dashboard and a live sample flow up until SIGINT', { timeout: 120_000 }, async () => {
  const [webDir] = await Promise.all([buildDashboard(), buildEmulator()]);
  const child = spawn(process.execPath, [demo, '--serve'], {
    env: { ...process.env, FLOWTHINGS_EMULATOR_WEB: webDir }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s) => { stdout += s; });
  child.stderr.setEncoding('utf8').on('data', (s) => { stderr += s; });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  try {
    const url = await until(() => stdout.match(/^• dashboard: (http:\/\/127\.0\.0\.1:\d+\/)#\/dev\/demo\/live$/m)?.[1], 60_000, () => `no dashboard line:\n${stdout}\n${stderr}`);
    assert.match(stdout, /^ {2}sign in with account dev and token \S+ \(the emulator's dev credentials\)$/m);
    assert.match(stdout, /^• writing 3 drops a second to \/dev\/demo\/live; press Ctrl-C to stop$/m);

    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<script type="module" crossorigin src="\.\/assets\/index-[\w-]+\.js">/);

    // The sample flow grows, a few drops a second.
    const count = async () => {
      const res = await fetch(`${url}v0.1/dev/drop?path=/dev/demo/live&limit=1000&hints=false`, { headers: { 'X-Auth-Token': 'flowthings-emulator-dev-token-01' } });
      return (await res.json()).body.length;
    };
    const first = await count();
    await until(async () => (await count()) >= first + 3, 10_000, () => 'the sample flow did not grow');
  } finally {
    child.kill('SIGINT');
  }
  const { code, signal } = await exited;
  assert.deepEqual({ code, signal }, { code: 0, signal: null }, `stdout:\n${stdout}\nstderr:\n${stderr}`);
  assert.match(stdout, /^• SIGINT: stopping$/m);
  assert.match(stdout, /^demo finished$/m);
  assert.equal(stderr, '');
  const port = stdout.match(/127\.0\.0\.1:(\d+)/)[1];
  await assert.rejects(fetch(`http://127.0.0.1:${port}/`), /fetch failed/);
});

/** Polls cond() (sync or async) until truthy; fails with why() after ms. */
async function until(cond, ms, why) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > end) throw new Error(why());
    await new Promise((r) => setTimeout(r, 100));
  }
}

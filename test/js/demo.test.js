// The Node demo (examples/demo.js) runs as users run it: a child process
// that starts its own emulator, exits 0, prints every step, and leaves no
// emulator behind.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildEmulator } from './helpers/emulator.js';

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

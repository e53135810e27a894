// Starts the local flowthings emulator (cmd/flowthings-emulator) for the
// examples and the tests: it builds dist/flowthings-emulator with `go build`
// -trimpath, as build.sh does (once per process; Go skips the link when the
// binary is up to date, so the two never rebuild over each other), runs
// it on a free loopback port and reads its ready line.
//
//   import { startEmulator } from './emulator.js';
//   const emu = await startEmulator();          // or startEmulator(['-latency', '200ms'])
//   const api = new API(new Token(emu.account, emu.token),
//     { host: emu.host, wsHost: emu.wsHost, secure: false, WebSocket });
//   …
//   await emu.stop();
//
// The emulator never outlives this process: stop() ends it (SIGTERM, then
// SIGKILL after a grace period); every emulator still running is killed when
// the process exits or gets SIGINT/SIGTERM/SIGHUP; and a small shell wrapper
// stops it when this process's end of its stdin closes, which covers even a
// SIGKILLed parent.
import { spawn, execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The repository root (this file is in examples/). */
export const repoRoot = fileURLToPath(new URL('..', import.meta.url));
/** Where the emulator binary is built. FLOWTHINGS_EMULATOR_BIN overrides it (then nothing is built). */
export const emulatorBinary = path.join(repoRoot, 'dist', 'flowthings-emulator');

const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 8_000; // the emulator waits up to 6 s for WebSocket close handshakes
const BUILD_TIMEOUT_MS = 300_000;

let built = null; // the build of this process, shared by every start

/** Runs `go build` for the emulator once per process. Concurrent processes
 * (test files run in parallel) take turns through a lock directory, so none
 * starts a binary another one is writing. */
export function buildEmulator() {
  built ??= (async () => {
    const lock = path.join(repoRoot, 'dist', '.flowthings-emulator.build-lock');
    mkdirSync(path.dirname(lock), { recursive: true });
    const deadline = Date.now() + BUILD_TIMEOUT_MS;
    for (;;) {
      try { mkdirSync(lock); break; } catch (err) { if (err.code !== 'EEXIST') throw err; }
      try { if (Date.now() - statSync(lock).mtimeMs > BUILD_TIMEOUT_MS) rmdirSync(lock); } catch { /* gone meanwhile */ }
      if (Date.now() > deadline) throw new Error(`flowthings-emulator: waited too long for the build lock ${lock}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    try {
      await new Promise((resolve, reject) => {
        execFile('go', ['build', '-trimpath', '-o', emulatorBinary, './cmd/flowthings-emulator'], { cwd: repoRoot, timeout: BUILD_TIMEOUT_MS }, (err, _out, stderr) => {
          if (!err) return resolve();
          if (err.code === 'ENOENT' && existsSync(emulatorBinary)) return resolve(); // no Go here: use the binary there is
          reject(new Error(`flowthings-emulator: go build failed${err.code === 'ENOENT' ? ' (is Go installed? see README.md)' : ''}: ${stderr || err.message}`));
        });
      });
    } finally {
      rmdirSync(lock);
    }
  })();
  built.catch(() => { built = null; }); // a failed build may be retried
  return built;
}

// The wrapper: runs the emulator, forwards TERM/INT/HUP to it, and stops it
// when its stdin (held open by this process) reaches end of file.
const WRAPPER = `
"$@" </dev/null &
pid=$!
exec 3<&0
trap 'kill -TERM "$pid" 2>/dev/null' TERM INT HUP
( while read -r _ <&3; do :; done; kill -TERM "$pid" 2>/dev/null ) &
watch=$!
exec 3<&-
while :; do
  wait "$pid"; rc=$?
  kill -0 "$pid" 2>/dev/null || break
done
kill "$watch" 2>/dev/null
exit "$rc"
`;

const running = new Set(); // process group ids of the emulators still running

function killAll() {
  for (const pgid of running) {
    try { process.kill(-pgid, 'SIGKILL'); } catch { /* already gone */ }
  }
  running.clear();
}

/** onProcessEnd runs cleanup (synchronous) when this process exits or is
 * stopped by SIGINT, SIGTERM or SIGHUP — which it then dies of, as it would
 * have — so that no child outlives it. */
export function onProcessEnd(cleanup) {
  process.on('exit', cleanup);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(sig, () => {
      cleanup();
      process.kill(process.pid, sig);
    });
  }
}

let hooked = false;
function hookExit() {
  if (hooked) return;
  hooked = true;
  onProcessEnd(killAll);
}

/** Parses `flowthings-emulator ready key=value …`. */
export function parseReadyLine(line) {
  const prefix = 'flowthings-emulator ready ';
  if (!line.startsWith(prefix)) return null;
  const kv = {};
  for (const pair of line.slice(prefix.length).trim().split(/\s+/)) {
    const i = pair.indexOf('=');
    if (i > 0) kv[pair.slice(0, i)] = pair.slice(i + 1);
  }
  const rest = new URL(kv.rest);
  return {
    rest: kv.rest, host: rest.host, wsHost: kv.ws, account: kv.account, token: kv.token,
    guestAccount: kv.guest_account, guestToken: kv.guest_token,
  };
}

/**
 * Starts an emulator on 127.0.0.1 and a free port.
 * @param {string[]} [flags] extra flags, e.g. ['-drop-ws-after', '2s'] or ['-latency', '300ms']
 * @param {{ quiet?: boolean, build?: boolean }} [options] quiet (default true) adds -quiet;
 *   build (default true) runs `go build` first.
 * @returns {Promise<{ host: string, wsHost: string, rest: string, account: string, token: string,
 *   guestAccount: string, guestToken: string, pid: number, log: () => string, stop: () => Promise<void> }>}
 */
export async function startEmulator(flags = [], { quiet = true, build = true } = {}) {
  const binary = process.env.FLOWTHINGS_EMULATOR_BIN || emulatorBinary;
  if (build && !process.env.FLOWTHINGS_EMULATOR_BIN) await buildEmulator();
  hookExit();
  const args = ['-addr', '127.0.0.1:0', ...(quiet ? ['-quiet'] : []), ...flags];
  const child = spawn('/bin/sh', ['-c', WRAPPER, 'flowthings-emulator', binary, ...args], {
    cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'], detached: true, // its own process group, killed as one
  });
  running.add(child.pid);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => { running.delete(child.pid); resolve({ code, signal }); }));

  let log = ''; // the request log and any error, kept short
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s) => { log = (log + s).slice(-20_000); });
  child.stdin.on('error', () => {}); // EPIPE once it is gone

  let info;
  try {
    info = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`flowthings-emulator: no ready line within ${READY_TIMEOUT_MS} ms\n${log}`)), READY_TIMEOUT_MS);
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (s) => {
        out += s;
        const nl = out.indexOf('\n');
        if (nl < 0 || info) return;
        const ready = parseReadyLine(out.slice(0, nl));
        clearTimeout(timer);
        if (ready) resolve(ready);
        else reject(new Error(`flowthings-emulator: unexpected first line: ${out.slice(0, nl)}`));
      });
      exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`flowthings-emulator exited before it was ready (code ${code}, signal ${signal})\n${log}`));
      });
      child.once('error', (err) => { clearTimeout(timer); reject(err); });
    });
  } catch (err) {
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
    await exited;
    throw err;
  }
  // A forgotten emulator must not keep this process alive: the exit hook kills it.
  child.unref();
  for (const s of [child.stdin, child.stdout, child.stderr]) s.unref?.();

  let stopping = null;
  const stop = () => {
    stopping ??= (async () => {
      if (!running.has(child.pid)) return;
      child.ref(); // wait for it
      try { process.kill(child.pid, 'SIGTERM'); } catch { /* gone */ }
      const timer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, STOP_GRACE_MS);
      await exited; // the wrapper exits only once the emulator has
      clearTimeout(timer);
      child.stdin.destroy();
    })();
    return stopping;
  };
  return { ...info, pid: child.pid, log: () => log, stop };
}

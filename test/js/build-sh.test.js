// `./build.sh demo` and `./build.sh test` say what they do from the first
// second: on a cold Go cache the wasm build kept the demo silent for about
// 2.5 minutes. A stand-in `go` that never finishes plays the cold build:
// each command must have printed what it is doing before it.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs ./build.sh command with a `go` that hangs; resolves to the first
 * line it printed and how long that took, then stops it. */
async function firstLine(command) {
  const bin = mkdtempSync(path.join(tmpdir(), 'flowthings-slow-go-'));
  writeFileSync(path.join(bin, 'go'), '#!/bin/sh\ncase "$1 $2" in\n  "env GOROOT") echo /nonexistent ;;\n  "env GOVERSION") echo go0 ;;\n  *) exec sleep 60 ;;\nesac\n');
  chmodSync(path.join(bin, 'go'), 0o755);
  const started = performance.now();
  const child = spawn('./build.sh', [command], {
    cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` },
  });
  try {
    return await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`./build.sh ${command} printed nothing in 10 s`)), 10_000);
      const onData = (d) => {
        out += d;
        const nl = out.indexOf('\n');
        if (nl >= 0) {
          clearTimeout(timer);
          resolve({ line: out.slice(0, nl), ms: performance.now() - started });
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`./build.sh ${command} exited with ${code}: ${out}`)); });
    });
  } finally {
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
    rmSync(bin, { recursive: true, force: true });
  }
}

for (const [command, what] of [['demo', /building dist\/flowthings\.wasm/], ['test', /go vet/]]) {
  it(`./build.sh ${command} says what it does before the first slow step`, async () => {
    const { line, ms } = await firstLine(command);
    assert.match(line, what);
    assert.ok(ms < 5000, `first line after ${Math.round(ms)} ms`);
  });
}

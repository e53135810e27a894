// Every code block of README.md is compiled and run: the JavaScript quick
// start and the Go client's program against a real emulator (the README's
// 127.0.0.1:4000 replaced by the emulator's address), and the Workers
// example, which needs the Workers runtime, is compiled (node --check) only.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, mkdir, writeFile, rm } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { startEmulator, repoRoot } from './helpers/emulator.js';

const run = promisify(execFile);
const root = repoRoot;
// Inside the package, so that 'flowthings-wasm' resolves to it by name.
const dir = join(root, '.readme-snippets', `run-${process.pid}`);

const readme = await readFile(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```(js|go)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], code: m[2] }));

let emu;
before(async () => {
  emu = await startEmulator();
  await mkdir(dir, { recursive: true });
});
after(async () => {
  await emu?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('README has the snippets this test runs', () => {
  assert.ok(blocks.filter((b) => b.lang === 'js').length >= 3, 'JavaScript blocks');
  assert.ok(blocks.some((b) => b.code.includes('/dev/quickstart-')), 'the quick start');
  assert.ok(blocks.some((b) => b.code.includes("namespace: 'dev'") && b.code.includes('share.create')), 'the recipe for sharing a flow');
  assert.ok(blocks.some((b) => b.lang === 'go'), 'a Go block');
});

blocks.forEach((block, i) => {
  const isWorker = block.code.includes("from 'flowthings-wasm/flowthings.wasm'");
  test(`README block ${i + 1} (${block.lang}${isWorker ? ', Workers: compiled only' : ''})`, { timeout: 120_000 }, async () => {
    const source = block.code.replaceAll('127.0.0.1:4000', emu.host);
    if (block.lang === 'go') {
      const pkg = join(dir, `go${i}`);
      await mkdir(pkg, { recursive: true });
      await writeFile(join(pkg, 'main.go'), source);
      const { stdout } = await run('go', ['run', `./${join('.readme-snippets', `run-${process.pid}`, `go${i}`)}`], { cwd: root });
      assert.match(stdout, /hot drop/);
      return;
    }
    const file = join(dir, `block${i}.mjs`);
    await writeFile(file, source);
    if (isWorker) {
      await run(process.execPath, ['--check', file]);
      return;
    }
    const { stdout } = await run(process.execPath, [file], { cwd: root, timeout: 60_000 });
    if (block.code.includes('.live(')) assert.match(stdout, /^live \[ 35 \]$/m);
    else if (block.code.includes('/dev/quickstart-')) {
      assert.match(stdout, /1 hot drop\(s\); the filter was elems\.temp > 30/);
      assert.match(stdout, /pushed 40/);
      assert.match(stdout, /not found: 404/);
    }
    if (block.code.includes("namespace: 'dev'")) {
      assert.match(stdout, /guest read \/dev\/shared-\d+ and a drop of temp 21/);
    }
  });
});

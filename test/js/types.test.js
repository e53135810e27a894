// The type test of js/index.d.ts: test/types/usage.ts (the whole API) must
// compile with tsc --strict, every misuse in test/types/misuse.ts must be an
// error, the declared value exports must be the runtime's, and usage.ts,
// compiled to JavaScript, must run against the package.
//   node --test test/js/types.test.js
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const typesDir = path.join(root, 'test', 'types');
const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
const MARKER = /^\s*\/\/ @ts-expect-error\b/;

/** Runs tsc with args; resolves to { code, out } (never rejects on errors). */
function runTsc(args) {
  return new Promise((resolve, reject) => {
    execFile(tsc, ['--pretty', 'false', ...args], { cwd: root, timeout: 50_000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(err);
      resolve({ code: err ? err.code : 0, out: `${stdout}${stderr}` });
    });
  });
}

/** The diagnostics of tsc output: [{ file, line, code, text }]. */
function diagnostics(out) {
  return [...out.matchAll(/^(.+?)\((\d+),\d+\): error (TS\d+): (.*)$/gm)].map(([, file, line, code, text]) => ({ file, line: Number(line), code, text }));
}

let tmp;
before(() => {
  assert.ok(existsSync(tsc), `${tsc} is missing: run npm install (typescript is a devDependency)`);
  tmp = mkdtempSync(path.join(tmpdir(), 'flowthings-types-'));
  writeFileSync(path.join(tmp, 'package.json'), '{"type":"module"}'); // the copies are ES modules, as test/types is
});
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('index.d.ts', () => {
  it('usage.ts and misuse.ts compile with tsc -p test/types (strict, nodenext, the package imported by name)', async () => {
    const { code, out } = await runTsc(['-p', typesDir]);
    assert.equal(code, 0, `tsc -p test/types failed:\n${out}`);
  });

  it('compiles usage.ts with module esnext and moduleResolution bundler too', async () => {
    const config = path.join(tmp, 'tsconfig.bundler.json');
    writeFileSync(config, JSON.stringify({
      extends: path.join(typesDir, 'tsconfig.json'),
      compilerOptions: { module: 'esnext', moduleResolution: 'bundler', exactOptionalPropertyTypes: false },
      files: [path.join(typesDir, 'usage.ts')],
    }));
    const { code, out } = await runTsc(['-p', config]);
    assert.equal(code, 0, `tsc (bundler resolution) failed:\n${out}`);
  });

  it('every marked line of misuse.ts is an error, and no other line is', async () => {
    const lines = readFileSync(path.join(typesDir, 'misuse.ts'), 'utf8').split('\n');
    const marked = new Set();
    lines.forEach((line, i) => { if (MARKER.test(line)) marked.add(i + 2); }); // the line after the marker, 1-based
    assert.ok(marked.size >= 40, `misuse.ts should hold the misuses (found ${marked.size} markers)`);
    // The same file without the markers (blank lines keep the numbering),
    // beside a tsconfig that maps the package name to js/index.d.ts.
    const copy = path.join(tmp, 'misuse.ts');
    writeFileSync(copy, lines.map((line) => (MARKER.test(line) ? '' : line)).join('\n'));
    const config = path.join(tmp, 'tsconfig.json');
    writeFileSync(config, JSON.stringify({
      extends: path.join(typesDir, 'tsconfig.json'),
      compilerOptions: {
        paths: {
          'flowthings-wasm': [path.join(root, 'js', 'index.d.ts')],
          'flowthings-wasm/flowthings.wasm': [path.join(root, 'js', 'wasm.d.ts')],
        },
      },
      files: [copy],
    }));
    const { code, out } = await runTsc(['-p', config]);
    assert.notEqual(code, 0, 'misuse.ts without its markers compiled: no misuse is an error');
    const errs = diagnostics(out);
    assert.ok(errs.length > 0, `no diagnostics in tsc's output:\n${out}`);
    const elsewhere = errs.filter((e) => !e.file.endsWith('misuse.ts') || !marked.has(e.line));
    assert.deepEqual(elsewhere, [], `errors on unmarked lines (the file itself must be clean):\n${out}`);
    const missed = [...marked].filter((line) => !errs.some((e) => e.line === line));
    assert.deepEqual(missed.map((line) => `${line}: ${lines[line - 1].trim()}`), [], 'marked misuses that are not errors');
    assert.equal(new Set(errs.map((e) => e.line)).size, marked.size, 'one failing line per misuse');
  });

  it('js/servicetypes.d.ts is generated from js/services.js (node js/internal/genservices.mjs)', async () => {
    const { servicesDeclarations } = await import(pathToFileURL(path.join(root, 'js', 'internal', 'genservices.mjs')).href);
    assert.equal(readFileSync(path.join(root, 'js', 'servicetypes.d.ts'), 'utf8'), servicesDeclarations(), 'js/servicetypes.d.ts is stale');
  });

  it('declares exactly the value exports of every entry point', async () => {
    const dts = readFileSync(path.join(root, 'js', 'index.d.ts'), 'utf8');
    const declared = [...dts.matchAll(/^export declare (?:class|function|const) (\w+)/gm)].map((m) => m[1]);
    const expected = [...new Set(declared)].sort();
    for (const entry of ['node.js', 'browser.js', 'worker.js', 'index.js']) {
      const mod = await import(pathToFileURL(path.join(root, 'js', entry)).href);
      assert.deepEqual(Object.keys(mod).sort(), expected, `js/${entry} exports`);
    }
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    assert.equal(pkg.types, './js/index.d.ts');
    for (const [condition, target] of Object.entries(pkg.exports['.'])) {
      assert.equal(target.types, './js/index.d.ts', `exports["."].${condition}.types`);
    }
  });

  it('usage.ts, compiled to JavaScript, runs against the package (recording transport, fake WebSocket)', async (t) => {
    if (!existsSync(path.join(root, 'dist', 'flowthings.wasm'))) {
      assert.fail('dist/flowthings.wasm is missing: run ./build.sh wasm first');
    }
    const outDir = path.join(tmp, 'out');
    const { code, out } = await runTsc(['-p', typesDir, '--noEmit', 'false', '--outDir', outDir]);
    assert.equal(code, 0, `tsc emit failed:\n${out}`);
    const file = path.join(outDir, 'usage.js');
    const entry = pathToFileURL(path.join(root, 'js', 'node.js')).href;
    const js = readFileSync(file, 'utf8');
    assert.match(js, /from 'flowthings-wasm'/);
    // Node has no default import of a .wasm file: its URL stands in, as an
    // esbuild or webpack file loader gives it.
    const wasmURL = pathToFileURL(path.join(root, 'dist', 'flowthings.wasm')).href;
    assert.match(js, /import (\w+) from 'flowthings-wasm\/flowthings.wasm';/);
    writeFileSync(file, js
      .replace(/import (\w+) from 'flowthings-wasm\/flowthings.wasm';/, (_, name) => `const ${name} = ${JSON.stringify(wasmURL)};`)
      .replaceAll("from 'flowthings-wasm'", `from ${JSON.stringify(entry)}`));
    const { main } = await import(pathToFileURL(file).href);
    t.diagnostic('running usage.ts main()');
    await main();
  });
});

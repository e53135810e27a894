// The npm package as users get it: `npm pack` gives a tarball that ships
// exactly the package's files, installs offline into an empty folder, and
// works there: an ESM script imports 'flowthings-wasm', awaits init(),
// renders a filter and makes a call through a recording transport; the
// wasm module is importable as 'flowthings-wasm/flowthings.wasm'; and a
// TypeScript file compiles against the installed types. `npm pack` of a
// fresh clone (no dist/) builds the module first (prepack), or fails
// loudly without Go. No network.
//   node --test test/js/pack.test.js      (needs dist/ built: ./build.sh wasm)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const BUILT = ['dist/flowthings.wasm', 'dist/wasm_exec.mjs', 'dist/node.mjs'];

/** Runs a command; resolves to its stdout, rejects with its output. */
function run(cmd, args, cwd, timeout = 40_000, env = {}) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, timeout, maxBuffer: 16 << 20, env: { ...process.env, npm_config_update_notifier: 'false', ...env } }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(new Error(`${cmd} ${args.join(' ')} failed (${err.code ?? err.signal}):\n${stdout}\n${stderr}`), { stderr }));
      else resolve(stdout);
    });
  });
}

/** A copy of the repository's tracked files, as a fresh clone has them
 * (no dist/), with this checkout's node_modules linked in: prepack bundles
 * the Node entry with esbuild, and the test installs nothing. */
async function freshClone(dir) {
  const files = (await run('git', ['ls-files', '-z'], root)).split('\0').filter(Boolean);
  for (const f of files) {
    if (existsSync(path.join(root, f))) cpSync(path.join(root, f), path.join(dir, f));
  }
  assert.ok(!existsSync(path.join(dir, 'dist')), 'a fresh clone has no dist/');
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
}

let tmp;
let tarball;
let packed; // the file paths in the tarball
let app; // the folder it is installed in

before(async () => {
  const missing = BUILT.filter((f) => !existsSync(path.join(root, f)));
  assert.deepEqual(missing, [], `the package's generated files are missing (${missing.join(', ')}): run ./build.sh wasm first`);
  tmp = mkdtempSync(path.join(tmpdir(), 'flowthings-pack-'));
  const out = path.join(tmp, 'tarball');
  mkdirSync(out);
  const json = JSON.parse(await run(npm, ['pack', '--json', '--pack-destination', out], root));
  tarball = path.join(out, json[0].filename);
  packed = json[0].files.map((f) => f.path).sort();
  // An empty folder with a package.json of its own, so npm installs here;
  // its own cache, so nothing but the tarball can be used.
  app = path.join(tmp, 'app');
  mkdirSync(app);
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'pack-test-app', private: true, type: 'module' }));
  await run(npm, ['install', tarball, '--offline', '--no-audit', '--no-fund', '--no-package-lock', '--ignore-scripts', '--cache', path.join(tmp, 'npm-cache')], app);
});

after(() => { if (tmp) rmSync(tmp, { recursive: true, force: true }); });

describe('npm pack', () => {
  it('ships the JS, its types, the wasm module and wasm_exec.mjs, and nothing else', () => {
    const js = readdirSync(path.join(root, 'js')).filter((f) => f.endsWith('.js') || f.endsWith('.d.ts')).map((f) => `js/${f}`);
    const expected = [...BUILT, ...js, 'package.json', 'README.md'].sort();
    assert.deepEqual(packed.filter((f) => !/^(LICEN[CS]E|CHANGELOG)/i.test(f)), expected);
    for (const f of packed) {
      assert.ok(!f.startsWith('test/') && !f.endsWith('.go') && !f.startsWith('cmd/') && !f.includes('node_modules'), `${f} must not be shipped`);
    }
    assert.ok(statSync(tarball).size < 2_500_000, `the tarball is ${statSync(tarball).size} bytes`);
  });

  it('installs and works in an empty folder: init, a filter, a call, the wasm export', async () => {
    assert.ok(existsSync(path.join(app, 'node_modules', 'flowthings-wasm', 'dist', 'flowthings.wasm')));
    writeFileSync(path.join(app, 'main.js'), `
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { init, API, Token, mem, defaults, FlowThingsError } from 'flowthings-wasm';

let early;
try { String(mem.a.eq(1)); } catch (err) { early = err instanceof FlowThingsError && err.code; }
await init();
const calls = [];
const api = new API(new Token('acc', 'secret'), {
  host: 'api.test',
  transport: async (req) => {
    calls.push(req);
    return { status: 200, headers: {}, body: JSON.stringify({ head: { ok: true, status: 200, errors: [], messages: [] }, body: [{ id: 'd1', elems: { temp: 31 } }] }) };
  },
});
const filter = mem.elems.temp.gt(30);
const drops = await api.drop('f1').find(filter, { limit: 2 });
const wasm = import.meta.resolve('flowthings-wasm/flowthings.wasm');
const required = createRequire(import.meta.url).resolve('flowthings-wasm/flowthings.wasm');
console.log(JSON.stringify({
  early, filter: String(filter), drops, call: { method: calls[0].method, url: calls[0].url, account: calls[0].headers['X-Auth-Account'] },
  main: import.meta.resolve('flowthings-wasm'), wasm, wasmExists: existsSync(fileURLToPath(wasm)), required,
  timeoutMs: defaults.timeoutMs,
}));
`);
    const result = JSON.parse(await run(process.execPath, ['main.js'], app));
    const pkg = path.join(app, 'node_modules', 'flowthings-wasm');
    assert.equal(result.early, 'init', 'before init() a filter throws the init error');
    assert.equal(result.filter, 'elems.temp > 30');
    assert.deepEqual(result.drops, [{ id: 'd1', elems: { temp: 31 } }]);
    assert.equal(result.call.method, 'GET');
    assert.equal(result.call.account, 'acc');
    assert.equal(result.call.url, 'https://api.test/v0.1/acc/drop/f1?filter=elems.temp%20%3E%2030&limit=2');
    assert.equal(fileURLToPath(result.main), path.join(pkg, 'dist', 'node.mjs'), 'Node gets the node entry point, bundled');
    assert.equal(fileURLToPath(result.wasm), path.join(pkg, 'dist', 'flowthings.wasm'));
    assert.equal(result.wasmExists, true);
    assert.equal(result.required, path.join(pkg, 'dist', 'flowthings.wasm'));
    assert.equal(result.timeoutMs, 30000);
  });

  it('a fresh clone packs with the wasm module: prepack builds it', async () => {
    const clone = path.join(tmp, 'clone');
    await freshClone(clone);
    const json = JSON.parse(await run(npm, ['pack', '--dry-run', '--json'], clone, 300_000));
    const files = Object.fromEntries(json[0].files.map((f) => [f.path, f.size]));
    for (const f of BUILT) assert.ok(files[f] > 0, `${f} is in the package`);
    assert.ok(files['dist/flowthings.wasm'] > 1_000_000, 'the real module');
  });

  it('without Go, packing a fresh clone fails loudly instead of shipping no wasm', async () => {
    const clone = path.join(tmp, 'clone-nogo');
    await freshClone(clone);
    const noGo = process.env.PATH.split(path.delimiter).filter((dir) => !existsSync(path.join(dir, 'go'))).join(path.delimiter);
    await assert.rejects(run(npm, ['pack', '--dry-run', '--json'], clone, 60_000, { PATH: noGo }), (err) => {
      assert.match(err.stderr, /Go 1\.26 is required/);
      assert.match(err.stderr, /npm pack: dist\/flowthings\.wasm could not be built/);
      return true;
    });
  });

  it('resolves the browser, worker and generic entry points by condition', async () => {
    const pkg = path.join(app, 'node_modules', 'flowthings-wasm');
    for (const [condition, file] of [['browser', 'browser.js'], ['worker', 'worker.js'], ['workerd', 'worker.js']]) {
      const resolved = (await run(process.execPath, ['--conditions', condition, '--input-type=module', '-e', "console.log(import.meta.resolve('flowthings-wasm'))"], app)).trim();
      assert.equal(fileURLToPath(resolved), path.join(pkg, 'js', file), `condition ${condition}`);
    }
  });

  it('its types compile a TypeScript file that imports the installed package', async () => {
    const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
    assert.ok(existsSync(tsc), `${tsc} is missing: run npm install`);
    writeFileSync(path.join(app, 'check.ts'), `
import { init, API, Token, mem, type Drop, type Stored } from 'flowthings-wasm';
import wasm from 'flowthings-wasm/flowthings.wasm';
await init({ wasm });
const api = new API(new Token('acc', 'secret'), { host: '127.0.0.1:4000', secure: false });
const drops: Stored<Drop<'typed'>>[] = await api.drop('f1').find(mem.elems.temp.gt(30), { limit: 2 });
const [one, refs] = await api.flow.read('f1', { refs: true });
export const ids: string[] = [...drops.map((d) => d.id), one.id, ...Object.keys(refs)];
`);
    writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2022', 'dom'], types: [], skipLibCheck: false },
      files: ['check.ts'],
    }));
    await run(tsc, ['-p', app, '--pretty', 'false'], app);
  });
});

// The package in apps built by the bundlers users have, loaded in Chromium:
// the recipes of the README's "Bundlers" section, each built from
// test/bundlers/ against the package installed as npm installs it (its
// `files`), served from 127.0.0.1 and run in Debian's Chromium.
//   Vite       automatic: init() finds the module (a hashed asset)
//   esbuild    import wasmUrl from 'flowthings-wasm/flowthings.wasm' with
//              the file loader, then init({ wasm: wasmUrl }); without the
//              recipe the load fails with an error that says what to do
//   webpack 5  automatic (an asset module)
//   Rollup     with @web/rollup-plugin-import-meta-assets
//   node --test test/js/bundlers.test.js   (needs dist/ built and Chromium)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './helpers/chromium.js';
import { startStaticServer } from './helpers/static-server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = path.join(root, 'test', 'bundlers');
const page = (script, type = 'module') => `<!doctype html><meta charset="utf-8"><script${type ? ` type="${type}"` : ''} src="./${script}"></script>\n`;

let tmp;
let src; // the app, with the package in its node_modules
let out; // one folder per build
let server;
let browser;
const pageErrors = [];

/** Installs the package into dir/node_modules as npm would: its `files`. */
function installPackage(dir) {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const dest = path.join(dir, 'node_modules', pkg.name);
  mkdirSync(path.join(dest, 'js'), { recursive: true });
  mkdirSync(path.join(dest, 'dist'), { recursive: true });
  copyFileSync(path.join(root, 'package.json'), path.join(dest, 'package.json'));
  for (const entry of pkg.files) {
    const glob = /^js\/\*(\.[\w.]+)$/.exec(entry); // js/*.js, js/*.d.ts
    if (glob) {
      for (const f of readdirSync(path.join(root, 'js')).filter((n) => n.endsWith(glob[1]))) copyFileSync(path.join(root, 'js', f), path.join(dest, 'js', f));
    } else {
      copyFileSync(path.join(root, entry), path.join(dest, entry));
    }
  }
}

before(async () => {
  for (const f of ['dist/flowthings.wasm', 'dist/wasm_exec.mjs']) {
    assert.ok(existsSync(path.join(root, f)), `${f} is missing: run ./build.sh wasm first`);
  }
  tmp = mkdtempSync(path.join(tmpdir(), 'flowthings-bundlers-'));
  src = path.join(tmp, 'app');
  out = path.join(tmp, 'out');
  cpSync(fixtures, src, { recursive: true });
  installPackage(src);
  mkdirSync(out);
  server = await startStaticServer({ root: out, prefixes: ['/'] });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Opens /<name>/index.html; resolves to window.result and the wasm requests. */
async function load(name) {
  const p = await browser.context.newPage();
  p.on('pageerror', (err) => pageErrors.push(`${name}: ${err.message}`));
  try {
    const first = server.requests.length;
    await p.goto(server.url(`/${name}/index.html`));
    const result = await p.evaluate(() => window.result);
    const wasm = server.requests.slice(first).filter((r) => r.path.endsWith('.wasm'));
    return { result, wasm };
  } finally {
    await p.close();
  }
}

/** What every working build shows: the module loaded, served as wasm, and a call made. */
function assertWorks({ result, wasm }) {
  assert.equal(result.ok, true, `${result.name}: ${result.message}`);
  assert.equal(result.filter, 'elems.temp > 30');
  assert.deepEqual(result.drops, [{ id: 'd1' }]);
  assert.equal(result.url, 'https://api.test/v0.1/acc/drop/f1?filter=elems.temp%20%3E%2030');
  assert.equal(wasm.length, 1, `one wasm request: ${JSON.stringify(wasm)}`);
  assert.equal(wasm[0].status, 200);
  assert.equal(wasm[0].type, 'application/wasm');
}

async function esbuild(name, options) {
  const { build } = await import('esbuild');
  const dir = path.join(out, name);
  await build({ bundle: true, platform: 'browser', outdir: dir, logLevel: 'silent', ...options });
  return dir;
}

describe('bundled apps in Chromium', () => {
  it('Vite: init() finds the module by itself (a hashed asset)', async () => {
    const { build } = await import('vite');
    await build({ root: src, base: './', configFile: false, logLevel: 'silent', build: { outDir: path.join(out, 'vite'), emptyOutDir: true } });
    assert.ok(readdirSync(path.join(out, 'vite', 'assets')).some((f) => /^flowthings-.*\.wasm$/.test(f)), 'the module is a hashed asset');
    assertWorks(await load('vite'));
  });

  it("esbuild: import wasmUrl from 'flowthings-wasm/flowthings.wasm' with --loader:.wasm=file, then init({ wasm: wasmUrl })", async () => {
    const dir = await esbuild('esbuild', { entryPoints: [path.join(src, 'main-imported-wasm.js')], format: 'esm', loader: { '.wasm': 'file' } });
    writeFileSync(path.join(dir, 'index.html'), page('main-imported-wasm.js'));
    assertWorks(await load('esbuild'));
  });

  it('esbuild without the recipe: init() fails saying which URL failed and how to fix it', async () => {
    const dir = await esbuild('esbuild-default', { entryPoints: [path.join(src, 'main.js')], format: 'esm' });
    writeFileSync(path.join(dir, 'index.html'), page('main.js'));
    const { result } = await load('esbuild-default');
    assert.equal(result.ok, false);
    assert.equal(result.code, 'init');
    assert.match(result.message, /fetching the wasm module from http:\/\/127\.0\.0\.1:\d+\/dist\/flowthings\.wasm failed with status 404/);
    assert.match(result.message, /init\(\{ wasm: url \}\)/);
  });

  it('an IIFE bundle (no import.meta): init() says import.meta.url is empty and to pass the module', async () => {
    const dir = await esbuild('esbuild-iife', { entryPoints: [path.join(src, 'main.js')], format: 'iife' });
    writeFileSync(path.join(dir, 'index.html'), page('main.js', null));
    const { result } = await load('esbuild-iife');
    assert.equal(result.ok, false);
    assert.equal(result.code, 'init');
    assert.match(result.message, /`import\.meta\.url` is empty in this bundle format/);
    assert.match(result.message, /init\(\{ wasm: wasmUrl \}\)/);
  });

  it('webpack 5: init() finds the module by itself (an asset module)', async () => {
    const { default: webpack } = await import('webpack');
    const dir = path.join(out, 'webpack');
    const stats = await new Promise((resolve, reject) => {
      webpack({ mode: 'production', target: 'web', devtool: false, entry: path.join(src, 'main.js'), output: { path: dir, filename: 'main.js' } },
        (err, s) => (err ? reject(err) : resolve(s)));
    });
    assert.ok(!stats.hasErrors(), stats.toString('errors-only'));
    writeFileSync(path.join(dir, 'index.html'), page('main.js', null));
    assertWorks(await load('webpack'));
  });

  it('Rollup with @web/rollup-plugin-import-meta-assets: init() finds the module', async () => {
    const { rollup } = await import('rollup');
    const { nodeResolve } = await import('@rollup/plugin-node-resolve');
    const { importMetaAssets } = await import('@web/rollup-plugin-import-meta-assets');
    const bundle = await rollup({ input: path.join(src, 'main.js'), plugins: [nodeResolve({ browser: true }), importMetaAssets()], onwarn: () => {} });
    await bundle.write({ dir: path.join(out, 'rollup'), format: 'es' });
    await bundle.close();
    writeFileSync(path.join(out, 'rollup', 'index.html'), page('main.js'));
    assertWorks(await load('rollup'));
  });

  it('no page error was reported', () => {
    assert.deepEqual(pageErrors, []);
  });
});

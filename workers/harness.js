// Runs Workers locally in workerd (the npm package `workerd`, Cloudflare's
// own runtime), for the tests and the bench: build a Worker's modules, write
// a capnp config, start `workerd serve` on a free 127.0.0.1 port, stop it.
// Nothing here talks to Cloudflare; a Worker may reach loopback addresses
// only.
//
//   import { buildJsWorker, startWorkerd } from './workers/harness.js';
//   const modules = await buildJsWorker(dir);
//   const w = await startWorkerd({ dir, modules, bindings: { FLOWTHINGS_ACCOUNT: 'dev', … } });
//   await fetch(`${w.url}/flows/dev/x/latest`);
//   await w.stop();
import { spawn, execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import workerd from 'workerd';
import { onProcessEnd } from '../examples/emulator.js';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** A compatibility date current for the workerd in package.json, and one
 * from before 2025-05-05 (FinalizationRegistry needs enable_weak_ref there). */
export const CURRENT_DATE = '2025-09-01';
export const OLD_DATE = '2024-09-23';

const START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;

/** @typedef {{ name: string, esModule?: string, wasm?: string }} Module  a module of the Worker: its name and its file in the config's directory */

/**
 * Bundles a Worker with esbuild the way the README tells users to: the
 * `workerd` and `worker` export conditions, and every imported `.wasm` kept
 * as a separate wasm module next to the bundle (outdir/worker.js).
 * @param {string} entry
 * @param {string} outdir
 * @param {{ minify?: boolean, files?: Record<string, string> }} [options]
 *   files: imports by file name (`app.wasm`, `wasm_exec.mjs`) to take from
 *   these paths instead of resolving them from the entry
 * @returns {Promise<Module[]>} the modules of the Worker, the bundle first
 */
async function bundle(entry, outdir, { minify = true, files = {} } = {}) {
  await mkdir(outdir, { recursive: true });
  const wasmFiles = new Map(); // module name → source file
  const result = await esbuild.build({
    entryPoints: [entry],
    outfile: path.join(outdir, 'worker.js'),
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker'],
    minify,
    logLevel: 'silent',
    plugins: [{
      name: 'worker-files',
      setup(build) {
        build.onResolve({ filter: /\.(wasm|mjs)$/ }, async (args) => {
          if (args.pluginData === 'worker-files') return undefined;
          const name = path.basename(args.path);
          let file = files[name];
          if (!file) {
            if (!name.endsWith('.wasm')) return undefined;
            const found = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: 'worker-files' });
            if (found.errors.length) return { errors: found.errors };
            file = found.path;
          }
          if (!name.endsWith('.wasm')) return { path: file };
          wasmFiles.set(name, file);
          return { path: `./${name}`, external: true };
        });
      },
    }],
  });
  if (result.errors.length) throw new Error(`esbuild: ${result.errors.map((e) => e.text).join('; ')}`);
  const modules = [{ name: 'worker.js', esModule: 'worker.js' }];
  for (const [name, file] of wasmFiles) {
    const target = path.join(outdir, name);
    if (path.resolve(file) !== path.resolve(target)) await copyFile(file, target);
    modules.push({ name, wasm: name });
  }
  return modules;
}

/**
 * Builds the JavaScript Worker (default workers/js/worker.js) into outdir.
 * @param {string} outdir
 * @param {{ entry?: string, minify?: boolean }} [options]
 * @returns {Promise<Module[]>}
 */
export function buildJsWorker(outdir, { entry = path.join(repoRoot, 'workers', 'js', 'worker.js'), minify } = {}) {
  return bundle(entry, outdir, { minify });
}

/**
 * Builds the Go Worker into outdir: the Go program (default ./workers/go)
 * with GOOS=js GOARCH=wasm as app.wasm, and workers/go/worker.mjs bundled
 * with Go's wasm_exec.js, wrapped so that it runs on the private global
 * object the glue gives it (its bare fs, crypto and performance too).
 * @param {string} outdir
 * @param {{ pkg?: string, entry?: string, minify?: boolean }} [options]
 * @returns {Promise<Module[]>}
 */
export async function buildGoWorker(outdir, { pkg = './workers/go', entry = path.join(repoRoot, 'workers', 'go', 'worker.mjs'), minify } = {}) {
  await mkdir(outdir, { recursive: true });
  const run = promisify(execFile);
  const goroot = (await run('go', ['env', 'GOROOT'])).stdout.trim();
  const wasm = path.join(outdir, 'app.wasm');
  await run('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', wasm, pkg], {
    cwd: repoRoot, env: { ...process.env, GOOS: 'js', GOARCH: 'wasm' }, timeout: 300_000,
  });
  const execJs = await readFile(path.join(goroot, 'lib', 'wasm', 'wasm_exec.js'), 'utf8');
  const scratch = await mkdtemp(path.join(tmpdir(), 'flowthings-go-worker-')); // keeps outdir to what is deployed
  try {
    const wrapped = path.join(scratch, 'wasm_exec.mjs');
    // wasm_exec.js calls fs, crypto and performance by their bare names:
    // bound to the given global object's, as build.sh does for the package.
    await writeFile(wrapped, `// Go's lib/wasm/wasm_exec.js, run with the given object as its global.\nexport default function installGo(globalThis) {\nlet fs, crypto, performance;\n${execJs}\n({ fs, crypto, performance } = globalThis);\nreturn globalThis.Go;\n}\n`);
    return await bundle(entry, outdir, { minify, files: { 'app.wasm': wasm, 'wasm_exec.mjs': wrapped } });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The gzip size of a built Worker (what the Workers plans' size limits count). */
export async function workerSize(dir, modules) {
  let raw = 0;
  let gzip = 0;
  for (const m of modules) {
    const data = await readFile(path.join(dir, m.esModule ?? m.wasm));
    raw += data.length;
    gzip += gzipSync(data, { level: 9 }).length;
  }
  return { raw, gzip };
}

/** A capnp text literal (JSON's escapes are capnp's for these strings). */
const capnpText = (s) => JSON.stringify(String(s));

/** The capnp config of one Worker served on 127.0.0.1, allowed to reach
 * loopback addresses only. */
export function workerdConfig({ modules, bindings = {}, compatibilityDate = CURRENT_DATE, compatibilityFlags = [], port = 0 }) {
  const mods = modules.map((m) => (m.wasm
    ? `(name = ${capnpText(m.name)}, wasm = embed ${capnpText(m.wasm)})`
    : `(name = ${capnpText(m.name)}, esModule = embed ${capnpText(m.esModule)})`));
  const binds = Object.entries(bindings).map(([name, value]) => `(name = ${capnpText(name)}, text = ${capnpText(value)})`);
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "loopback", network = (allow = ["local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${Number(port)}", http = (), service = "main")],
);

const worker :Workerd.Worker = (
  modules = [
    ${mods.join(',\n    ')}
  ],
  compatibilityDate = ${capnpText(compatibilityDate)},
  compatibilityFlags = [${compatibilityFlags.map(capnpText).join(', ')}],
  bindings = [
    ${binds.join(',\n    ')}
  ],
  globalOutbound = "loopback",
);
`;
}

const running = new Set(); // workerd processes still running
let hooked = false;
function hookExit() {
  if (hooked) return;
  hooked = true;
  onProcessEnd(() => { for (const child of running) child.kill('SIGKILL'); });
}

/**
 * Starts `workerd serve` for one Worker on 127.0.0.1 and a free port.
 * @param {{ dir: string, modules: Module[], bindings?: Record<string, string>,
 *   compatibilityDate?: string, compatibilityFlags?: string[], configName?: string, port?: number }} options
 *   dir holds the modules; the config is written there. port 0 (the default) is any free port.
 * @returns {Promise<{ url: string, port: number, pid: number, startedAt: number, log: () => string, stop: () => Promise<void> }>}
 *   startedAt is the performance.now() just before the process was spawned.
 */
export async function startWorkerd({ dir, configName = 'config.capnp', ...options }) {
  const config = path.join(dir, configName);
  await writeFile(config, workerdConfig(options));
  hookExit();
  const startedAt = performance.now();
  const child = spawn(workerd.default, ['serve', config, '--control-fd=3'], {
    cwd: dir, stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  running.add(child);
  let log = '';
  const keep = (s) => { log = (log + s).slice(-50_000); };
  child.stdout.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => { running.delete(child); resolve({ code, signal }); }));

  let port;
  try {
    port = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`workerd: not listening within ${START_TIMEOUT_MS} ms\n${log}`)), START_TIMEOUT_MS);
      let control = '';
      child.stdio[3].setEncoding('utf8').on('data', (s) => {
        control += s;
        for (const line of control.split('\n').slice(0, -1)) {
          const msg = JSON.parse(line);
          if (msg.event === 'listen' && msg.socket === 'http') { clearTimeout(timer); resolve(msg.port); }
        }
        control = control.slice(control.lastIndexOf('\n') + 1);
      });
      exited.then(({ code, signal }) => { clearTimeout(timer); reject(new Error(`workerd exited before listening (code ${code}, signal ${signal})\n${log}`)); });
    });
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    throw err;
  }
  for (const s of [child.stdout, child.stderr, child.stdio[3]]) s.unref?.();
  child.unref();

  let stopping = null;
  const stop = () => {
    stopping ??= (async () => {
      if (!running.has(child)) return;
      child.ref();
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    })();
    return stopping;
  };
  return { url: `http://127.0.0.1:${port}`, port, pid: child.pid, startedAt, log: () => log, stop };
}

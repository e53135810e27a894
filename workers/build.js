// Builds a Worker for `wrangler deploy` (or `workerd serve`):
//
//   node workers/build.js js [outdir]   default workers/js/build
//   node workers/build.js go [outdir]   default workers/go/build
//
// The output is the bundle (worker.js) and its wasm module, exactly what
// the tests run in workerd; wrangler.jsonc next to each Worker points at it.
import path from 'node:path';
import { buildJsWorker, buildGoWorker, workerSize, repoRoot } from './harness.js';

const builders = { js: buildJsWorker, go: buildGoWorker };
const [kind, outdir = path.join(repoRoot, 'workers', kind ?? '', 'build')] = process.argv.slice(2);
if (!builders[kind]) {
  console.error('usage: node workers/build.js js|go [outdir]');
  process.exit(2);
}
const modules = await builders[kind](outdir);
const { raw, gzip } = await workerSize(outdir, modules);
console.log(`built the ${kind} Worker in ${path.relative(process.cwd(), outdir) || '.'}: ${modules.map((m) => m.name).join(', ')} (${raw} bytes, ${gzip} gzip)`);

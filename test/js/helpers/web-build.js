// Builds the dashboard (web/) with Vite, as `npm run web:build` does, into a
// temporary folder, once per process: the tests always serve the dashboard
// of the source they run with. Removed when the process exits.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const configFile = fileURLToPath(new URL('../../../web/vite.config.js', import.meta.url));
let built = null;

/** Resolves to the folder holding the built dashboard (index.html, assets/). */
export function buildDashboard() {
  built ??= (async () => {
    const { build } = await import('vite');
    const outDir = mkdtempSync(path.join(tmpdir(), 'flowthings-web-'));
    process.on('exit', () => rmSync(outDir, { recursive: true, force: true }));
    await build({ configFile, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
    return outDir;
  })();
  return built;
}

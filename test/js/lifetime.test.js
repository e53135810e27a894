// The module's copy of an API's configuration lives as long as anything can
// use it (a service, a connection, a pending call) and is released after:
// run in child processes with --expose-gc. And the package loads where
// there is no FinalizationRegistry (Workers before 2025-05-05).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs an ES module text in a fresh Node with args; resolves to its last stdout line, parsed. */
function runModule(source, args = []) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [...args, '--input-type=module', '-e', source], { cwd: root, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${err.message}\n${stderr}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop()));
    });
  });
}

const PRELUDE = `
import { init, API, Token } from './js/node.js';
import { Client } from './js/api.js';
import { build } from './js/bridge.js';
await init();
const transport = async () => ({ status: 200, headers: {}, body: '{"head":{"ok":true,"status":200},"body":[]}' });
const options = { host: 'api.test', transport };
const collect = async () => {
  for (let i = 0; i < 6; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 10)); }
};
`;

it('a service outlives its API object: no use-after-free of the configuration', async () => {
  const result = await runModule(`${PRELUDE}
const flows = new API(new Token('acct', 'tok-LIFETIME-01'), options).flow;
const drops = new API(new Token('acct', 'tok-LIFETIME-02'), options).drop('f1');
const batch = new API(new Token('acct', 'tok-LIFETIME-03'), options).lazy();
await collect();
const out = {};
for (const [name, run] of [['flow', () => flows.find()], ['drop', () => drops.find()], ['lazy', () => batch.flow.find()]]) {
  try { out[name] = await run(); } catch (err) { out[name] = err.message; }
}
console.log(JSON.stringify(out));
`, ['--expose-gc']);
  assert.deepEqual(result, { flow: [], drop: [], lazy: [] });
});

it('a configuration nothing can use any more is released', async () => {
  const result = await runModule(`${PRELUDE}
const id = new Client(new Token('acct', 'tok-LIFETIME-04'), options).cfg;
const kept = new Client(new Token('acct', 'tok-LIFETIME-05'), options);
await collect();
const built = (cfg) => { try { build(cfg, { service: 'flow', name: 'read', id: 'f1', params: {} }); return 'built'; } catch (err) { return err.message; } };
console.log(JSON.stringify({ released: built(id), kept: built(kept.cfg) }));
`, ['--expose-gc']);
  assert.match(result.released, /unknown or released configuration/);
  assert.equal(result.kept, 'built');
});

it('loads and works without FinalizationRegistry', async () => {
  const result = await runModule(`
delete globalThis.FinalizationRegistry;
const { init, API, Token } = await import('./js/node.js');
await init();
const transport = async () => ({ status: 200, headers: {}, body: '{"head":{"ok":true,"status":200},"body":{"id":"f1"}}' });
const api = new API(new Token('acct', 'tok-NO-REGISTRY'), { host: 'api.test', transport });
console.log(JSON.stringify(await api.flow.read('f1')));
`);
  assert.deepEqual(result, { id: 'f1' });
});

// The package's modules import each other without a cycle (a cycle makes
// the order of evaluation depend on which module is imported first), and
// the API's services come from the one list in js/services.js.
import { it, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { init, API, Token } from '../../js/node.js';
import { SERVICES, STATISTICS } from '../../js/services.js';

const jsDir = fileURLToPath(new URL('../../js/', import.meta.url));

/** The package's own imports of each module: file → [file]. */
function importGraph() {
  const graph = {};
  for (const file of readdirSync(jsDir).filter((f) => f.endsWith('.js'))) {
    const text = readFileSync(path.join(jsDir, file), 'utf8');
    graph[file] = [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'\.\/([^']+)'/gm)].map((m) => m[1]);
  }
  return graph;
}

it('js/ has no import cycle', () => {
  const graph = importGraph();
  assert.ok(graph['api.js'].includes('batch.js'), 'the graph is read');
  const state = {};
  const visit = (file, trail) => {
    if (state[file] === 'done') return;
    assert.notEqual(state[file], 'visiting', `import cycle: ${[...trail, file].join(' → ')}`);
    state[file] = 'visiting';
    for (const dep of graph[file] ?? []) visit(dep, [...trail, file]);
    state[file] = 'done';
  };
  for (const file of Object.keys(graph)) visit(file, []);
});

before(() => init());

it('the API has exactly the services and statistics of js/services.js', () => {
  const api = new API(new Token('acct', 'tok-MODULES-01'), { host: 'api.test', transport: async () => ({ status: 200, headers: {}, body: '{}' }) });
  const services = Object.keys(api).filter((k) => !['drop', 'statistics', 'websocket'].includes(k));
  assert.deepEqual(services, SERVICES.map((s) => s.property));
  for (const { property, updatable } of SERVICES) assert.equal(typeof api[property].update === 'function', updatable, property);
  assert.deepEqual(Object.keys(api.statistics), [...STATISTICS]);
  const lazy = api.lazy();
  for (const { property } of SERVICES) assert.equal(typeof lazy[property].find, 'function', `lazy().${property}`);
  for (const stat of STATISTICS) assert.equal(typeof lazy.statistics[stat], 'function', `lazy().statistics.${stat}`);
});

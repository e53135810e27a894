// The live-query differential test: the corpus of filter/eval/testdata/
// differential.json (every construct of docs/protocol.md §5) over the same
// drops, through a find on the emulator and through live queries whose
// pushed drops the wasm module matches — typed elems as pushed on v0.1, and
// plain elems through the module's matcher directly. Both must give the
// corpus's answer. flowthings/live_differential_test.go runs the same corpus
// through the Go client's Live.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { startEmulator, repoRoot } from './helpers/emulator.js';
import { init, API, Token } from '../../js/node.js';
import { compileFilter, matchFilter, release } from '../../js/bridge.js';

const corpus = JSON.parse(readFileSync(new URL('filter/eval/testdata/differential.json', `file://${repoRoot}/`), 'utf8'));

describe('live queries agree with a find', { timeout: 120_000 }, () => {
  let emu;
  let api;
  let ws;
  before(async () => {
    emu = await startEmulator();
    await init();
    api = new API(new Token(emu.account, emu.token), { host: emu.host, wsHost: emu.wsHost, secure: false, WebSocket });
    ws = await api.websocket.connect();
  });
  after(async () => {
    await ws?.close();
    await emu?.stop();
  });

  it('on every filter of the corpus', async () => {
    const found = await api.flow.create({ path: '/dev/differential/found' });
    const pushed = await api.flow.create({ path: '/dev/differential/pushed' });
    const queries = [];
    for (const { filter } of corpus.filters) queries.push(await api.drop(pushed.id).live(filter, { ws }));
    const names = new Map(); // drop id → name
    for (const d of corpus.drops) {
      for (const flow of [found, pushed]) {
        const made = await api.drop(flow.id).create(d);
        names.set(made.id, made.elems.name.value);
      }
    }
    const named = (drops) => drops.map((d) => names.get(d.id));
    const typed = await api.drop(found.id).find({ limit: 100 });
    const plain = await api.drop(found.id).find({ limit: 100, hints: 0 });
    assert.equal(typed[0].elems.name.value, 'd10', 'v0.1: typed elems, newest first');
    assert.equal(plain[0].elems.name, 'd10', 'hints=0: plain elems');

    const deadline = Date.now() + 10_000;
    for (const [i, { filter, want, typesOnly }] of corpus.filters.entries()) {
      const newestFirst = [...want].reverse();
      assert.deepEqual(named(await api.drop(found.id).find({ filter, limit: 100 })), newestFirst, `find: ${filter}`);
      while (Date.now() < deadline && JSON.stringify(named(queries[i].drops)) !== JSON.stringify(newestFirst)) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.deepEqual(named(queries[i].drops), newestFirst, `live: ${filter}`);
      assertModuleMatches(filter, newestFirst, typed, typesOnly ? [] : plain, named);
    }
    await Promise.all(queries.map((q) => q.close()));

    // Regexes RE2 cannot run: the emulator refuses them (so does a live
    // query's first find there), the module runs them as Java would.
    for (const { filter, want } of corpus.moduleOnly) {
      await assert.rejects(api.drop(found.id).find({ filter }), { code: 'badRequest' }, filter);
      assertModuleMatches(filter, [...want].reverse(), typed, plain, named);
    }
  });
});

/** assertModuleMatches checks what the module's matcher, the live query's,
 * makes of filter over the drops in both forms (plain: none for a filter
 * that needs the elems' declared types). */
function assertModuleMatches(filter, want, typed, plain, named) {
  const { id } = compileFilter({ t: 'text', text: filter });
  try {
    assert.deepEqual(named(typed.filter((d) => matchFilter(id, d).match)), want, `module, typed elems: ${filter}`);
    if (plain.length) assert.deepEqual(named(plain.filter((d) => matchFilter(id, d).match)), want, `module, plain elems: ${filter}`);
  } finally {
    release(id);
  }
}

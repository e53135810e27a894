// js/deadlines.js: the timeouts of every call on one timer, with
// setTimeout's semantics — never early, soon after, cancel wins, and a
// Node process lives exactly as long as a pending call needs it.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Deadlines } from '../../js/deadlines.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

it('expires each deadline no earlier than its timeout, in time order, across timeout lengths', async () => {
  const d = new Deadlines();
  const fired = [];
  const start = performance.now();
  const done = new Promise((resolve) => {
    for (const [name, ms] of [['a', 60], ['b', 20], ['c', 40], ['d', 20], ['e', 5]]) {
      d.add(ms, () => {
        fired.push([name, performance.now() - start, ms]);
        if (fired.length === 5) resolve();
      });
    }
  });
  assert.equal(d.size, 5);
  await done;
  assert.deepEqual(fired.map(([n]) => n), ['e', 'b', 'd', 'c', 'a']);
  for (const [name, at, ms] of fired) assert.ok(at >= ms - 1, `${name} fired at ${at.toFixed(1)} ms, before its ${ms} ms`);
  assert.equal(d.size, 0);
});

it('a cancelled deadline never fires; the others still do', async () => {
  const d = new Deadlines();
  const fired = [];
  const keep = d.add(30, () => fired.push('keep'));
  const cancelled = [d.add(10, () => fired.push('x')), d.add(30, () => fired.push('y')), d.add(20, () => fired.push('z'))];
  for (const c of cancelled) c.cancel();
  cancelled[0].cancel(); // twice: no effect
  assert.equal(d.size, 1);
  await new Promise((resolve) => setTimeout(resolve, 80));
  assert.deepEqual(fired, ['keep']);
  keep.cancel(); // after it fired: no effect
  assert.equal(d.size, 0);
});

it('thousands of calls in flight, most settling: only the late ones expire', async () => {
  const d = new Deadlines();
  const expired = new Set();
  const all = [];
  for (let i = 0; i < 5000; i++) all.push(d.add(30, () => expired.add(i)));
  for (let i = 0; i < 5000; i++) if (i % 100 !== 7) all[i].cancel();
  await new Promise((resolve) => setTimeout(resolve, 80));
  assert.equal(expired.size, 50);
  for (const i of expired) assert.equal(i % 100, 7);
});

it('an expiry may add and cancel deadlines', async () => {
  const d = new Deadlines();
  const fired = [];
  let other;
  d.add(5, () => {
    fired.push('first');
    other.cancel();
    d.add(5, () => fired.push('added'));
  });
  other = d.add(50, () => fired.push('cancelled'));
  await new Promise((resolve) => setTimeout(resolve, 80));
  assert.deepEqual(fired, ['first', 'added']);
});

/** Runs an ES module text in a fresh Node; resolves to { ms, stdout }. */
function run(source) {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', source], { cwd: root, timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${err.message}\n${stderr}`));
      resolve({ ms: performance.now() - started, stdout: stdout.trim() });
    });
  });
}

it('Node exits right after the last call (a 30 s timeout does not hold it)', async () => {
  const { ms, stdout } = await run(`
import { init, API, Token } from './js/node.js';
await init();
const api = new API(new Token('acct', 'tok-EXIT-0123'), { host: 'api.test', transport: async () => ({ status: 200, headers: {}, body: '{"head":{"ok":true},"body":{"id":"f1"}}' }) });
console.log((await api.flow.read('f1')).id);
`);
  assert.equal(stdout, 'f1');
  assert.ok(ms < 10_000, `the process took ${ms.toFixed(0)} ms to exit`);
});

it('a pending call keeps Node alive until its timeout, which then rejects it', async () => {
  const { ms, stdout } = await run(`
import { init, API, Token } from './js/node.js';
await init();
const api = new API(new Token('acct', 'tok-EXIT-0123'), { host: 'api.test', timeoutMs: 300, transport: () => new Promise(() => {}) });
api.flow.read('f1').catch((err) => console.log(err.code));
`);
  assert.equal(stdout, 'timeout');
  assert.ok(ms >= 300, `exited after ${ms.toFixed(0)} ms`);
});

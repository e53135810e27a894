// One init()ed module serves concurrent requests: no call waits on another
// inside the module.
import { it, before } from 'node:test';
import assert from 'node:assert/strict';
import { init, API, Token } from '../../js/node.js';
import { recorder, response, sleep, until } from './helpers/transport.js';

before(() => init());

it('20 concurrent reads answered in reverse order after a delay all succeed with the right bodies', async () => {
  const pending = [];
  const transport = recorder((req) => new Promise((resolve) => pending.push({ req, resolve })));
  const api = new API(new Token('acct', 'tok-CONC'), { host: 'api.test', transport });
  const ids = Array.from({ length: 20 }, (_, i) => `f${i}`);
  const all = Promise.all(ids.map((id) => api.flow.read(id, { only: ['id', 'n'] })));
  await until(() => pending.length === 20, { what: '20 requests in flight' });
  assert.equal(transport.inFlight, 20);
  await sleep(10);
  for (const { req, resolve } of pending.reverse()) {
    const id = new URL(req.url).pathname.split('/').at(-1);
    resolve(response({ id, n: Number(id.slice(1)) }));
    await sleep(1);
  }
  const results = await all;
  assert.deepEqual(results, ids.map((id, n) => ({ id, n })));
});

it('concurrent calls of different kinds and APIs interleave', async () => {
  const transport = recorder(async (req) => {
    await sleep(Math.floor(Math.random() * 5));
    if (req.url.endsWith('/flow/missing')) return response(null, { status: 404, ok: false, errors: ['gone'] });
    return response({ method: req.method, url: req.url, body: req.body });
  });
  const a = new API(new Token('a1', 'tok-A'), { host: 'api.test', transport });
  const b = new API(new Token('b1', 'tok-B'), { host: 'api.test', transport, namespace: 'shared' });
  const calls = [];
  for (let i = 0; i < 10; i++) {
    calls.push(a.flow.create({ i }), b.drop('f').find({ limit: i + 1 }), a.flow.read('missing').catch((e) => e.status));
  }
  const results = await Promise.all(calls);
  for (let i = 0; i < 10; i++) {
    assert.deepEqual(results[3 * i], { method: 'POST', url: 'https://api.test/v0.1/a1/flow', body: JSON.stringify({ i }) });
    assert.equal(results[3 * i + 1].url, `https://api.test/v0.1/shared/drop/f?limit=${i + 1}`);
    assert.equal(results[3 * i + 2], 404);
  }
  const tokens = new Set(transport.calls.map((c) => `${c.headers['X-Auth-Account']}:${c.headers['X-Auth-Token']}`));
  assert.deepEqual([...tokens].sort(), ['a1:tok-A', 'b1:tok-B']);
});

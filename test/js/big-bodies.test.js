// Bad bodies and big data: a response body that is not an envelope is
// never copied into the wasm module whole (the host checks it and passes a
// bounded excerpt), the module's memory stays where it was, and the error
// is core's malformedResponse with a redacted excerpt. (Its own process:
// the wasm memory figures are this process's.)
import { it, before } from 'node:test';
import assert from 'node:assert/strict';
import { init, API, Token, FlowThingsError } from '../../js/node.js';
import { moduleMemoryBytes } from '../../js/runtime.js';
import { envelope, recorder } from './helpers/transport.js';

const TOKEN = 'tok/Big+Bodies-5ecret-0123456789'; // with / and + so that escaping matters
const MB = 1 << 20;
const GROWTH_ALLOWED = 16 * MB;

before(() => init());

/** An HTML page of about n bytes, the token near its start (servers echo headers). */
function html(n) {
  const head = `<!doctype html><html><head><title>502 Bad Gateway</title></head><body><!-- X-Auth-Token: ${TOKEN} -->`;
  const row = '<p>upstream timed out while reading the response header</p>\n';
  return head + row.repeat(Math.ceil((n - head.length) / row.length)) + '</body></html>';
}

function apiAnswering(status, body) {
  return new API(new Token('acct', TOKEN), { host: 'api.test', transport: recorder(() => ({ status, headers: {}, body })) });
}

async function malformed(promise) {
  let caught;
  await assert.rejects(promise, (err) => { caught = err; return true; });
  assert.ok(caught instanceof FlowThingsError, String(caught));
  assert.equal(caught.code, 'malformedResponse', caught.message);
  for (const text of [caught.message, caught.excerpt, caught.stack, JSON.stringify(caught)]) {
    assert.ok(!String(text).includes(TOKEN), 'the token never shows');
  }
  return caught;
}

for (const size of [50 * MB, 300 * MB]) {
  it(`${size / MB} MB of HTML is a malformedResponse, and the module's memory does not grow`, async () => {
    const body = html(size);
    const api = apiAnswering(502, body);
    const before = moduleMemoryBytes();
    const err = await malformed(api.flow.read('f1'));
    assert.equal(err.reason, 'invalid JSON');
    assert.equal(err.status, 502);
    assert.match(err.excerpt, /^<!doctype html><html><head><title>502 Bad Gateway/);
    assert.ok(err.excerpt.length <= 200, `a short excerpt (${err.excerpt.length})`);
    const grown = moduleMemoryBytes() - before;
    assert.ok(grown <= GROWTH_ALLOWED, `wasm memory grew by ${(grown / MB).toFixed(1)} MB`);
    // The module still works.
    const ok = new API(new Token('acct', TOKEN), { host: 'api.test', transport: recorder(() => ({ status: 200, headers: {}, body: envelope({ id: 'f1' }) })) });
    assert.deepEqual(await ok.flow.read('f1'), { id: 'f1' });
  });
}

it('a large body of JSON that is not an envelope: the reason is core\'s verdict on the whole body', async () => {
  const items = JSON.stringify(Array.from({ length: 20000 }, (_, i) => ({ id: `d${i}`, note: 'x'.repeat(20) })));
  assert.ok(items.length > 64 * 1024);
  let err = await malformed(apiAnswering(200, items).flow.read('f1'));
  assert.equal(err.reason, 'not a JSON object');
  assert.match(err.excerpt, /^\[\{"id":"d0"/);
  err = await malformed(apiAnswering(200, JSON.stringify({ body: JSON.parse(items) })).flow.read('f1'));
  assert.equal(err.reason, 'no "head" object');
  err = await malformed(apiAnswering(200, JSON.stringify({ head: 'x', body: JSON.parse(items) })).flow.read('f1'));
  assert.equal(err.reason, 'no "head" object');
});

it('a small body that is not an envelope goes to the module whole, as before', async () => {
  const err = await malformed(apiAnswering(502, html(2000)).flow.read('f1'));
  assert.equal(err.reason, 'invalid JSON');
  assert.equal((await malformed(apiAnswering(200, '[1,2]').flow.read('f1'))).reason, 'not a JSON object');
});

it('a large envelope is parsed by the host: the module sees its head only', async () => {
  const drops = Array.from({ length: 200000 }, (_, i) => ({ id: `d${i}`, elems: { n: i, note: 'y'.repeat(100) } }));
  const body = envelope(drops);
  assert.ok(body.length > 20 * MB);
  const before = moduleMemoryBytes();
  const got = await apiAnswering(200, body).drop('f1').find({ limit: 200000 });
  assert.equal(got.length, 200000);
  const grown = moduleMemoryBytes() - before;
  assert.ok(grown <= GROWTH_ALLOWED, `wasm memory grew by ${(grown / MB).toFixed(1)} MB`);
});

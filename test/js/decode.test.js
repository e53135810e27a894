// The JavaScript fast path for success envelopes (plainSuccess in js/api.js)
// must never accept a head that core.DecodeHead would refuse: a
// differential test over many generated heads and statuses.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { init } from '../../js/node.js';
import { plainSuccess } from '../../js/api.js';
import { configure, decodeHead, release } from '../../js/bridge.js';

before(() => init());

function* heads() {
  const oks = [undefined, true, false, 'true', 1, null];
  const statuses = [undefined, 200, 201, 204, 299, 300, 400, 404, 500, '200', 200.5, null, -1];
  const lists = [undefined, null, [], ['x'], [1, { a: 2 }], 'x', {}, 3];
  for (const ok of oks) {
    for (const status of statuses) {
      for (const errors of lists) {
        for (const messages of [undefined, [], 'x']) {
          const head = {};
          if (ok !== undefined) head.ok = ok;
          if (status !== undefined) head.status = status;
          if (errors !== undefined) head.errors = errors;
          if (messages !== undefined) head.messages = messages;
          yield head;
        }
      }
    }
  }
  yield { ok: true, references: { f1: { id: 'f1' } } };
  yield { ok: true, references: [] };
  yield { ok: true, msgId: '7' };
}

test('plainSuccess accepts only what core.DecodeHead accepts as a success', () => {
  const cfg = configure({ account: 'a', token: 't', host: 'api.test' }).id;
  const meta = { method: 'GET', path: '/flow/f1', account: 'a' };
  let fast = 0;
  let checked = 0;
  for (const head of heads()) {
    for (const status of [200, 201, 204, 299, 300, 304, 400, 404, 500, 0]) {
      checked++;
      if (!plainSuccess(status, head)) continue;
      fast++;
      assert.doesNotThrow(() => decodeHead(cfg, meta, status, JSON.stringify(head)), `status ${status}, head ${JSON.stringify(head)}`);
    }
  }
  assert.ok(fast > 100 && fast < checked, `${fast} of ${checked} took the fast path`);
  release(cfg);
});

test('the everyday success envelope takes the fast path, failures never do', () => {
  assert.equal(plainSuccess(200, { status: 200, ok: true, messages: [], errors: [], references: {} }), true);
  assert.equal(plainSuccess(201, { status: 201, ok: true, messages: ['created'], errors: [] }), true);
  assert.equal(plainSuccess(404, { status: 404, ok: false, errors: ['no'] }), false);
  assert.equal(plainSuccess(200, { status: 404, ok: false, errors: ['no'] }), false);
  assert.equal(plainSuccess(500, { status: 200, ok: true }), false);
});

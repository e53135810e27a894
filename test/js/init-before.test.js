// Anything that needs the wasm module, used before init(), throws a
// FlowThingsError telling to call init() first. (Its own process.)
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { init, API, Token, mem, parseFilter, M, FlowThingsError } from '../../js/node.js';
import { recorder } from './helpers/transport.js';

const callInitFirst = (err) => {
  assert.ok(err instanceof FlowThingsError, String(err));
  assert.equal(err.code, 'init');
  assert.match(err.message, /init\(\)/);
  assert.match(err.message, /first/);
  return true;
};

it('new API before init() throws', () => {
  assert.throws(() => new API(new Token('acct', 'tok-BEFORE'), { host: 'api.test', transport: recorder() }), callInitFirst);
});

it('rendering a filter before init() throws', () => {
  const f = mem.a.eq(1); // building needs no module
  assert.throws(() => String(f), callInitFirst);
  assert.throws(() => JSON.stringify({ f }), callInitFirst);
});

it('parseFilter before init() throws', () => {
  assert.throws(() => parseFilter('a == 1'), callInitFirst);
});

it('the plain helpers need no init()', () => {
  assert.equal(new Token('acct', 'tok-BEFORE').account, 'acct');
  assert.deepEqual(M({ id: 'x' }).modify('a', 1).done(), [{ id: 'x', a: 1 }, { a: 1 }]);
});

it('after init() the same calls work', async () => {
  await init();
  const transport = recorder();
  await new API(new Token('acct', 'tok-BEFORE'), { host: 'api.test', transport }).flow.read('f1');
  assert.equal(transport.calls.length, 1);
  assert.equal(String(parseFilter('a==1')), 'a == 1');
});

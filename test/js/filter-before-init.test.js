// Filters built before init() (its own process): building needs no module,
// so a filter the Go renderer refuses can only be refused where it is used;
// String(f), template strings and util.inspect still never throw once the
// module is loaded. HAS checks its type name without the module.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { init, API, Token, mem, HAS, FlowThingsError } from '../../js/node.js';
import { recorder } from './helpers/transport.js';

const inputError = (err) => {
  assert.ok(err instanceof FlowThingsError, String(err));
  assert.equal(err.code, 'input');
  return true;
};

it('HAS of an unknown type is refused when built, before init() too', () => {
  assert.throws(() => HAS('foo'), inputError);
});

it('a refused filter built before init(): String(f) shows the error, sending it throws', async () => {
  const refused = mem.foo.re('x', 'z');
  const fine = mem.a.eq(1);
  await init();
  assert.equal(String(fine), 'a == 1');
  const text = String(refused);
  assert.match(text, /^<flowthings: invalid filter: .*unknown regex flag 'z'.*>$/);
  assert.equal(`${refused}`, text);
  assert.doesNotThrow(() => inspect(refused));
  assert.throws(() => refused.toJSON(), inputError);
  assert.throws(() => JSON.stringify({ filter: refused }), inputError);
  const transport = recorder();
  const api = new API(new Token('acct', 'tok-FILTER'), { host: 'api.test', transport });
  await assert.rejects(api.flow.find({ filter: refused }), inputError);
  await assert.rejects(api.flow.find(refused), inputError);
  assert.equal(transport.calls.length, 0);
});

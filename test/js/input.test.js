// Input the package refuses before any I/O, with an error that says what to
// do instead: filter text given to find() as an id, lone surrogates in ids,
// filter literals and params (a rule of core, so Go refuses them too).
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { init, API, Token, mem, FlowThingsError } from '../../js/node.js';
import { recorder, response } from './helpers/transport.js';

let api;
let transport;
before(async () => {
  await init();
  transport = recorder(() => response([]));
  api = new API(new Token('acct', 'tok-INPUT-0123'), { host: 'api.test', transport });
});

async function refused(promise, field, pattern) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof FlowThingsError);
    assert.equal(err.code, 'input');
    assert.equal(err.field, field);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('find(string) is find by id', () => {
  it('reads an id', async () => {
    transport.reset();
    await api.flow.find('f54ad9d8bd4c68117a914ba24');
    assert.equal(transport.last().url, 'https://api.test/v0.1/acct/flow/f54ad9d8bd4c68117a914ba24');
  });
  for (const text of ['elems.temp > 30', "path == '/a'", 'name==x', 'a&&b', 'x =~ /y/', '!x', 'a\tb']) {
    it(`refuses filter text: ${JSON.stringify(text)}`, async () => {
      transport.reset();
      await refused(api.flow.find(text), 'id', /use findMany\(text\) or find\(\{ filter: text \}\)/);
      await refused(api.drop('f1').find(text, { limit: 1 }), 'id', /cannot be one/);
      assert.equal(transport.calls.length, 0, 'nothing sent');
    });
  }
  it('findMany(text) and { filter: text } find', async () => {
    transport.reset();
    await api.flow.findMany('elems.temp > 30');
    await api.flow.find({ filter: 'elems.temp > 30' });
    assert.equal(transport.calls.length, 2);
    for (const c of transport.calls) assert.equal(c.url, 'https://api.test/v0.1/acct/flow?filter=elems.temp%20%3E%2030');
  });
});

describe('lone surrogates are refused, never sent as something else', () => {
  it('in ids and flow ids', async () => {
    transport.reset();
    await refused(api.flow.read('d\ud800'), 'id', /not valid Unicode text/);
    await refused(api.drop('f\udc00').find(), 'id', /lone UTF-16 surrogate/);
    await refused(api.flow.delete('x\ud83d'), 'id', /lone UTF-16 surrogate/);
    assert.equal(transport.calls.length, 0);
  });
  it('in filter literals, built or written', async () => {
    transport.reset();
    await refused((async () => mem.name.eq('x\udc00'))(), 'filter', /not valid Unicode text/); // refused when built
    await refused(api.flow.findMany("name == '\ud800'"), 'param filter', /not valid Unicode text/);
    assert.equal(transport.calls.length, 0);
  });
  it('in params', async () => {
    await refused(api.flow.find({ only: ['a\ud800'] }), 'param only', /lone UTF-16 surrogate/);
  });
  it('a surrogate pair is a character like any other', async () => {
    transport.reset();
    await api.flow.read('d\ud83d\ude00');
    assert.equal(transport.last().url, 'https://api.test/v0.1/acct/flow/d%F0%9F%98%80');
  });
});

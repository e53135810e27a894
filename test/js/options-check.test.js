// checkKeys: unknown options are typos, named with the nearest known key.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkKeys } from '../../js/options.js';
import { FlowThingsError } from '../../js/errors.js';

describe('checkKeys', () => {
  const allowed = ['host', 'wsHost', 'secure', 'timeoutMs', 'transport'];
  it('accepts known keys, undefined and null', () => {
    checkKeys({ host: 'h', secure: false }, allowed, 'f()');
    checkKeys(undefined, allowed, 'f()');
    checkKeys(null, allowed, 'f()');
  });
  it('names a typo and the nearest key', () => {
    for (const [typo, near] of [['hots', 'host'], ['wshost', 'wsHost'], ['timeout', 'timeoutMs'], ['secur', 'secure']]) {
      assert.throws(() => checkKeys({ [typo]: 1 }, allowed, 'new API(token, options)'), (err) => {
        assert.ok(err instanceof FlowThingsError);
        assert.equal(err.code, 'input');
        assert.equal(err.field, typo);
        assert.match(err.message, new RegExp(`new API\\(token, options\\): unknown option \`${typo}\`; did you mean \`${near}\`\\?`));
        return true;
      });
    }
  });
  it('lists the known keys when nothing is near', () => {
    assert.throws(() => checkKeys({ zzzzzzzz: 1 }, allowed, 'f()'), /unknown option `zzzzzzzz`; known options: host, wsHost, secure, timeoutMs, transport/);
  });
});

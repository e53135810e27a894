// The error classes keep their names in a minified bundle (esbuild
// --minify renames classes: `new.target.name` gave `t`): bundled and
// minified here, then loaded and checked.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../../js/errors.js', import.meta.url));

it('error names survive esbuild --minify', async () => {
  const out = await build({ entryPoints: [entry], bundle: true, minify: true, format: 'esm', write: false, platform: 'neutral' });
  const code = out.outputFiles[0].text;
  assert.doesNotMatch(code, /class FlowThingsNotFound\b/, 'the classes are renamed in the bundle');
  const m = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
  const names = ['FlowThingsError', 'FlowThingsException', 'FlowThingsBadRequest', 'FlowThingsForbidden', 'FlowThingsNotFound', 'FlowThingsServerError'];
  for (const name of names) {
    const err = new m[name]('boom', { code: 'x' });
    assert.equal(m[name].name, name);
    assert.equal(err.name, name);
    assert.equal(String(err), `${name}: boom`);
    assert.match(err.stack, new RegExp(`^${name}: boom`));
  }
  assert.equal(m.errorFrom({ kind: 'notFound', message: 'gone' }).name, 'FlowThingsNotFound');
});

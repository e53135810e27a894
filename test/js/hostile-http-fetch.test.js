// The hostile HTTP suite (test/js/helpers/hostile-http-suite.js) through the
// generic entry point, whose default transport is fetch, as in browsers,
// Workers, Deno and Bun.
import { readFile } from 'node:fs/promises';
import * as sdk from '../../js/index.js';
import { hostileHTTPSuite } from './helpers/hostile-http-suite.js';

hostileHTTPSuite(sdk, { wasm: await readFile(new URL('../../dist/flowthings.wasm', import.meta.url)) });

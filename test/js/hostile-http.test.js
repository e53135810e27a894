// The hostile HTTP suite (test/js/helpers/hostile-http-suite.js) through
// Node's entry point, whose default transport is node:http (js/nodehttp.js).
import * as sdk from '../../js/node.js';
import { hostileHTTPSuite } from './helpers/hostile-http-suite.js';

hostileHTTPSuite(sdk);

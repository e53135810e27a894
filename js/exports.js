// Everything the package exports except init(), which each runtime's entry
// point (node.js, browser.js, worker.js, index.js) defines with its own
// default way of finding the wasm module.
export { API, defaults } from './api.js';
export { Token } from './token.js';
export { mem, AGE, EXISTS, MATCHES, HAS, NOT, parseFilter, Filter } from './filter.js';
export { M, Modification } from './modify.js';
export { plainElems } from './elems.js';
export {
  FlowThingsError, FlowThingsException, FlowThingsBadRequest, FlowThingsForbidden,
  FlowThingsNotFound, FlowThingsServerError,
} from './errors.js';

// M: a modification of a model, as the reference client's M. Given to
// update, updateMany or save, it sends only its diff, to the model's id.
import { setData } from './elems.js';

function deepCopy(v) {
  if (Array.isArray(v)) return v.map(deepCopy);
  if (v instanceof Date) return new Date(v.getTime());
  if (v !== null && typeof v === 'object') {
    const out = {};
    for (const [k, x] of Object.entries(v)) setData(out, k, deepCopy(x));
    return out;
  }
  return v;
}

/** A modification: the model is deep-copied, never mutated; `modify` sets
 * top-level members (the platform merges updates shallowly: to change one
 * elem of a drop, modify `elems` with the whole new map). */
export class Modification {
  #model;
  #diff = {};
  constructor(model = {}, changes) {
    if (model === null || typeof model !== 'object' || Array.isArray(model)) {
      throw new TypeError('M(model): model must be an object');
    }
    this.#model = deepCopy(model);
    for (const [k, v] of Object.entries(changes ?? {})) this.modify(k, v);
  }
  /** Sets the member key to value (copied) and records it in the diff. */
  modify(key, value) {
    setData(this.#model, key, deepCopy(value));
    setData(this.#diff, key, deepCopy(value));
    return this;
  }
  /** [newModel, diff], both fresh copies. */
  done() { return [deepCopy(this.#model), deepCopy(this.#diff)]; }
  /** The id of the modified model, or undefined. */
  get id() { return this.#model.id; }
  /** The whole new model and the diff, for the wasm module's update rule. */
  get model() { return deepCopy(this.#model); }
  get diff() { return deepCopy(this.#diff); }
}

/** M(model, changes?), with or without `new`. */
export function M(model, changes) {
  return new Modification(model, changes);
}
M.prototype = Modification.prototype; // `new M(...)` and `instanceof M` work too

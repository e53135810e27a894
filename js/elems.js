// plainElems: v0.1 typed elems ({type, value}) unwrapped to plain values.
import { ELEM_TYPES } from './elemtypes.js';

// An object is a typed elem only with exactly the keys type and value, type
// being one of the platform's elem types (docs/protocol.md §6).
const KNOWN = new Set(ELEM_TYPES);

function isTyped(v) {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 2 && 'type' in v && 'value' in v && KNOWN.has(v.type);
}

function plain(v) {
  if (isTyped(v)) v = v.value;
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') {
    const out = {};
    for (const [k, x] of Object.entries(v)) setData(out, k, plain(x));
    return out;
  }
  return v;
}

/** setData sets a member as plain data: one named __proto__ too, where an
 * assignment would set the object's prototype instead. */
export function setData(o, key, value) {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

/** plainElems(drop) returns a copy of the drop whose elems are plain
 * values; plainElems(elems) does the same for an elems map. Input that is
 * already plain comes back equal. */
export function plainElems(dropOrElems) {
  if (dropOrElems === null || typeof dropOrElems !== 'object') return dropOrElems;
  if ('elems' in dropOrElems && dropOrElems.elems !== null && typeof dropOrElems.elems === 'object') {
    return { ...dropOrElems, elems: plain(dropOrElems.elems) };
  }
  return plain(dropOrElems);
}

// Host functions: what the wasm module calls in JavaScript. They are the
// module's WebAssembly imports from the namespace "flowthings", which
// runtime.js adds to the import object Go's wasm_exec.js makes.
//
// To add one, say regexpMatch:
//  - in Go (the module's package), declare it without a body:
//
//      //go:wasmimport flowthings regexpMatch
//      func regexpMatch(pattern, patternLen, text, textLen uint32) int32
//
//    Parameters and results are numbers (int32, uint32, int64, float64…);
//    pass text as the address and length of its bytes, e.g.
//    uint32(uintptr(unsafe.Pointer(unsafe.StringData(s)))), uint32(len(s)).
//  - here, add a property regexpMatch(pattern, patternLen, text, textLen)
//    to the `flowthings` object hostFunctions returns; read text with
//    decoder.decode(new Uint8Array(memory().buffer, address, length)). It
//    runs synchronously inside the module's call: it must not throw (catch
//    and return an error code instead) nor call the module.
// Nothing needs registering elsewhere: an import the module does not use
// costs nothing.
import { regexpHost } from './regexp.js';

/** hostFunctions returns the module's "flowthings" imports; `memory()`
 * gives the module's memory (known once it is instantiated; it may grow, so
 * make views of it afresh on each call). */
export function hostFunctions(memory) {
  return {
    flowthings: {
      ...regexpHost(memory),
      // The wall clock, in Unix milliseconds, for filters' AGE (the module
      // links no package time: wasm/main.go).
      now: () => Date.now(),
    },
  };
}

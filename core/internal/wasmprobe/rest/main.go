// Command rest is the floor plus the REST half of core: building and
// decoding requests.
package main

import (
	"github.com/flowthings/flowthings-wasm/core/internal/wasmprobe"
	"github.com/flowthings/flowthings-wasm/core/internal/wasmprobe/exercise"
)

func main() {
	wasmprobe.Floor()
	exercise.REST()
}

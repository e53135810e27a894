// Command filter is the rest probe plus filter.Parse and filter.Render.
package main

import (
	"github.com/flowthings/flowthings-wasm/core/internal/wasmprobe"
	"github.com/flowthings/flowthings-wasm/core/internal/wasmprobe/exercise"
)

func main() {
	wasmprobe.Floor()
	exercise.REST()
	exercise.Filter()
}

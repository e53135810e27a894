// Command ws is the filter probe plus the WebSocket engine.
package main

import (
	"github.com/flowthings/flowthings-wasm/core/internal/wasmprobe"
	"github.com/flowthings/flowthings-wasm/core/internal/wasmprobe/exercise"
)

func main() {
	wasmprobe.Floor()
	exercise.REST()
	exercise.Filter()
	exercise.WS()
}

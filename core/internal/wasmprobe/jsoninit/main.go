// Command jsoninit is the floor plus the package init of encoding/json,
// which core imports for the Go Client: the part of every probe's delta that
// no change to the wasm path can remove.
package main

import (
	_ "encoding/json"

	"github.com/flowthings/flowthings-wasm/core/internal/wasmprobe"
)

func main() { wasmprobe.Floor() }

// Command floor is the size probe baseline: fmt, reflect, os and time only.
package main

import "github.com/flowthings/flowthings-wasm/core/internal/wasmprobe"

func main() { wasmprobe.Floor() }

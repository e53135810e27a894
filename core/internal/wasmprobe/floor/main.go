// Command floor is the size probe baseline: the Go runtime, time and strconv.
package main

import "github.com/flowthings/flowthings-wasm/core/internal/wasmprobe"

func main() { wasmprobe.Floor() }

// Command floor is the size probe baseline: the Go runtime and strconv.
package main

import "github.com/flowthings/flowthings-wasm/core/internal/wasmprobe"

func main() { wasmprobe.Floor() }

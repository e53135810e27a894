//go:build js && wasm

// Command hello is the bench's size baseline for dist/flowthings.wasm: the
// smallest module that serves JavaScript the way wasm/main.go does — an
// exported function leaving its result in a buffer of linear memory, no
// syscall/js, no package time — and formats a number with strconv, as the
// module does. bench/bench.js builds it with the release flags and prints
// what the module adds on top.
package main

import (
	"strconv"
	"unsafe"
)

var (
	calls    int
	greeting []byte
)

func main() { select {} }

// hello leaves a greeting, ended by a NUL byte, in its buffer and returns
// its address.
//
//go:wasmexport hello
func hello() uint32 {
	calls++
	greeting = append(append(greeting[:0], "hello number "+strconv.Itoa(calls)...), 0)
	return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(greeting))))
}

//go:build !(flowthings_module && js && wasm)

package core

import "time"

// Duration is the engine's unit of time: time.Duration. In the wasm
// module, built with -tags flowthings_module, it is a type of its own (see
// duration_module.go) so that the module does not link package time.
type Duration = time.Duration

// Units of Duration.
const (
	Millisecond = time.Millisecond
	Second      = time.Second
)

//go:build !(flowthings_module && js && wasm)

package match

import "time"

// Clock is the clock of AGE (see clock_module.go for the wasm module's).
type Clock = func() time.Time

// defaultClock is the Clock of Options without one.
var defaultClock Clock = time.Now

// unixMilli reads c as Unix milliseconds.
func unixMilli(c Clock) int64 { return c().UnixMilli() }

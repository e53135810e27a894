//go:build flowthings_module && js && wasm

package match

// Clock is the clock of AGE, in Unix milliseconds. This is the wasm
// module's build (go build -tags flowthings_module), which does not link
// package time (about 80 KB of gzip); everywhere else a Clock gives a
// time.Time (clock.go).
type Clock = func() int64

// defaultClock is the host's clock: JavaScript's Date.now (js/host.js).
var defaultClock Clock = func() int64 { return int64(hostNow()) }

//go:wasmimport flowthings now
func hostNow() float64

// unixMilli reads c as Unix milliseconds.
func unixMilli(c Clock) int64 { return c() }

//go:build flowthings_module && js && wasm

package core

// Duration counts nanoseconds, as time.Duration does. This is the wasm
// module's build (go build -tags flowthings_module): package time would
// add about 80 KB of gzip to the module (its initialization links the
// syscall, syscall/js and godebug packages), and the engine needs nothing
// of it but a number of nanoseconds. Everywhere else Duration is
// time.Duration (duration.go).
type Duration int64

// Units of Duration.
const (
	Millisecond Duration = 1e6
	Second      Duration = 1e9
)

//go:build js && wasm

package main

import (
	"errors"
	"unsafe"

	"github.com/flowthings/flowthings-wasm/filter/eval/match"
)

// hostRegex is the module's regex engine for filter programs: JavaScript's
// RegExp, reached through host functions the loader supplies (js/regexp.js,
// which also rewrites FFL's Java dialect for RegExp), so that the module
// links no regex engine. A pattern is compiled once, host-side, and named by
// a number; testing a string passes it by pointer and length, without
// making a JavaScript value of it.
type hostRegex struct{}

// hostRegexp is a RegExp the host keeps, by number.
type hostRegexp int32

func (r hostRegexp) MatchString(s string) bool { return regexpTest(int32(r), s) }

func (hostRegex) Compile(pattern, flags string) (match.Regexp, error) {
	id := regexpCompile(pattern, flags)
	if id <= 0 {
		msg := make([]byte, 512)
		return nil, errors.New(string(msg[:regexpError(unsafe.Pointer(unsafe.SliceData(msg)), int32(len(msg)))]))
	}
	return hostRegexp(id), nil
}

func (hostRegex) Release(re match.Regexp) {
	if r, ok := re.(hostRegexp); ok {
		regexpRelease(int32(r))
	}
}

// The host functions (namespace "flowthings" of the import object, see
// js/host.js). Strings are passed as their address and length.

// regexpCompile compiles an FFL regex (Java's dialect, flags any of
// "imsxug") as a RegExp and returns its number, or 0 when it cannot be
// (regexpError then gives the reason).
//
//go:wasmimport flowthings regexpCompile
func regexpCompile(pattern, flags string) int32

// regexpError copies the reason of the last refused compile, as UTF-8, into
// buf (at most size bytes) and returns its length.
//
//go:wasmimport flowthings regexpError
func regexpError(buf unsafe.Pointer, size int32) int32

// regexpTest reports whether RegExp number id finds a match in s.
//
//go:wasmimport flowthings regexpTest
func regexpTest(id int32, s string) bool

// regexpRelease forgets RegExp number id.
//
//go:wasmimport flowthings regexpRelease
func regexpRelease(id int32)

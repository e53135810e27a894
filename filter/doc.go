// Package filter is the flowthings Flow Filter Language (FFL, docs/protocol.md §5):
// an AST, a Go builder, a renderer and a parser. It is shared by the Go
// client, the wasm module and the local emulator; the evaluator lives in the
// sub-package filter/eval so that importing filter never links regexp.
//
// # Building and rendering
//
// Filters are built with [M] and the functions of this package:
//
//	f := filter.And(
//		filter.M("elems", "temp").Gt(50),
//		filter.M("location").Within(5, filter.KM).Of(40.7, -73.9),
//	)
//	s, err := filter.Render(f) // "(elems.temp > 50) && (location WITHIN 5 KM OF [40.7,-73.9])"
//
// Builders never fail and never panic: they record what they were given and
// [Render] (or [Validate], which checks the same without keeping the text)
// reports anything that cannot be rendered safely — an invalid member name,
// NaN, an unknown unit or flag, or a Go value with no FFL equivalent (which
// the builder stores as an invalid leaf). Every such error wraps
// [ErrInvalid]. The String methods render without validating and are meant
// for debugging; use Render for anything sent on the wire.
//
// # Parsing
//
// [Parse] accepts the whole grammar of docs/protocol.md §5.1 and returns the same
// tree the builder makes, so Parse(Render(f)) equals f for built filters and
// Render(Parse(s)) is a fixed point. Syntax errors are [*SyntaxError] values
// carrying the byte position.
//
// # Canonical form
//
// Trees are value types (nodes are structs, not pointers) and hold canonical
// spellings: units, time units and keywords upper case, type names as in §6,
// regex patterns without the `\/` delimiter escape, And/Or as left-folded
// binary nodes. Trees deeper than [MaxDepth] are rejected by both Validate and
// Parse, so every rendered filter parses again.
package filter

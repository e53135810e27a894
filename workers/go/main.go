//go:build js && wasm

// The flowthings edge function as a Cloudflare Worker in Go: package edge's
// routes, served by one Go instance per isolate (package isolate) and
// calling the platform through the runtime's fetch (package jsfetch). It
// never links net/http: build it with
//
//	GOOS=js GOARCH=wasm go build -trimpath -ldflags='-s -w' -o build/app.wasm ./workers/go
//
// and run it with worker.mjs (see the README's Workers section).
package main

import (
	"github.com/flowthings/flowthings-wasm/jsfetch"
	"github.com/flowthings/flowthings-wasm/workers/go/edge"
	"github.com/flowthings/flowthings-wasm/workers/go/isolate"
)

func main() {
	isolate.Serve(func(getenv func(string) string) isolate.Handler {
		return edge.New(edge.FromEnv(getenv), &jsfetch.Transport{})
	})
}

// Command gzsize prints, one line per file argument, the size in bytes of
// the file compressed by compress/gzip at BestCompression.
//
// TestWasmSize runs it with "go run" rather than compressing in the test:
// under "go test -race" compress/flate is instrumented too, and compressing
// the four probe binaries (about 12 MB) took some 16 s instead of 1.5 s.
// (A testdata folder, so that "./..." patterns never build it.)
package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
)

func main() {
	for _, name := range os.Args[1:] {
		n, err := gzipSize(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, "gzsize:", err)
			os.Exit(1)
		}
		fmt.Println(n)
	}
}

func gzipSize(name string) (int, error) {
	raw, err := os.ReadFile(name)
	if err != nil {
		return 0, err
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return 0, err
	}
	if _, err := zw.Write(raw); err != nil {
		return 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	return buf.Len(), nil
}

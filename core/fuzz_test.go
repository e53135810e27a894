package core

import (
	"encoding/json"
	"errors"
	"testing"
)

// FuzzDecodeResponse checks that the envelope decoder never panics, that it
// returns exactly one of an envelope and an error, that a success always has
// a non-nil Body, and that every failure is one of the documented types.
func FuzzDecodeResponse(f *testing.F) {
	seeds := []string{
		`{"head":{"status":200,"ok":true,"messages":[],"errors":[],"references":{}},"body":{"id":"f1"}}`,
		`{"head":{"status":404,"ok":false,"errors":["not found"]},"body":{}}`,
		`{"head":{"status":201,"ok":true,"references":{"f1":{"id":"f1"}}},"body":[1,2]}`,
		`{"head":{"msgId":"7","ok":true},"body":null}`,
		`{"head":{},"body":"x"}`,
		`{"head":{"status":"200"}}`,
		`{"head":{"errors":[1,{"a":null}]}}`,
		`<html>502 Bad Gateway</html>`,
		``,
		`{"head":`,
		`[]`,
		`{"head":{"status":1e400}}`,
		`{"head":{"status":-1,"ok":false}}`,
	}
	for _, s := range seeds {
		for _, status := range []int{200, 201, 404, 500, 0} {
			f.Add(status, []byte(s))
		}
	}
	req := Request{Method: "GET", Path: "/flow/x", Account: "alice", Header: []Header{{"X-Auth-Token", "secret"}}}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		env, err := DecodeResponse(req, status, body)
		if (env == nil) == (err == nil) {
			t.Fatalf("want exactly one of envelope and error, got %v, %v", env, err)
		}
		if err == nil {
			if env.Body == nil {
				t.Fatal("success with nil Body")
			}
			if !env.OK || status < 200 || status > 299 {
				t.Fatalf("success for status %d, ok %v", status, env.OK)
			}
			// Body and references are handed on as raw JSON (to JavaScript,
			// to encoding/json): they must be valid whatever came in.
			if !json.Valid(env.Body) {
				t.Fatalf("body is not valid JSON: %q", env.Body)
			}
			if env.References != nil && !json.Valid(env.References) {
				t.Fatalf("references are not valid JSON: %q", env.References)
			}
			return
		}
		var api APIError
		var mal *MalformedResponseError
		switch {
		case errors.As(err, &mal):
			if len(mal.Excerpt) > excerptLen {
				t.Fatalf("excerpt of %d bytes", len(mal.Excerpt))
			}
		case errors.As(err, &api):
			if api.Response().Method != "GET" || api.Response().Path != "/flow/x" {
				t.Fatal("lost the call")
			}
		default:
			t.Fatalf("unexpected error type %T", err)
		}
		_ = err.Error()
	})
}

package core

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// FuzzDecodeResponse checks that the envelope decoder never panics, that it
// returns exactly one of an envelope and an error, that a success always has
// a non-nil Body, and that every failure is one of the documented types.
// DecodeHead, given the same bytes as a head, keeps the same invariants
// (with a nil Body), decodes a head that is one JSON value as DecodeResponse
// decodes the envelope around it, and rejects anything else as malformed.
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
		// Heads, for DecodeHead.
		`{"status":200,"ok":true,"references":{"f1":{}}}`,
		`{"status":403,"ok":false,"errors":["secret"]}`,
		`{}, "body": {"id":"f1"}`,
	}
	for _, s := range seeds {
		for _, status := range []int{200, 201, 404, 500, 0} {
			f.Add(status, []byte(s))
		}
	}
	req := Request{Method: "GET", Path: "/flow/x", Account: "alice", Header: []Header{{"X-Auth-Token", "secret"}}}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		env, err := DecodeResponse(req, status, body)
		checkDecoded(t, status, env, err, false)

		head, headErr := DecodeHead(req, status, body)
		checkDecoded(t, status, head, headErr, true)
		if _, ok := scanJSON(body); !ok {
			var mal *MalformedResponseError
			if !errors.As(headErr, &mal) {
				t.Fatalf("DecodeHead accepts the non-JSON head %q: %v", body, headErr)
			}
			return
		}
		wrapped, wrappedErr := DecodeResponse(req, status, append(append([]byte(`{"head":`), body...), '}'))
		if wrapped != nil {
			wrapped.Body = nil
		}
		if !reflect.DeepEqual(head, wrapped) || fmt.Sprint(headErr) != fmt.Sprint(wrappedErr) {
			t.Fatalf("DecodeHead(%q) = %v, %v; the envelope around it: %v, %v", body, head, headErr, wrapped, wrappedErr)
		}
	})
}

// checkDecoded checks the result of DecodeResponse, or of DecodeHead when
// headOnly is set.
func checkDecoded(t *testing.T, status int, env *Envelope, err error, headOnly bool) {
	t.Helper()
	if (env == nil) == (err == nil) {
		t.Fatalf("want exactly one of envelope and error, got %v, %v", env, err)
	}
	if err == nil {
		if headOnly != (env.Body == nil) {
			t.Fatalf("success with Body %q (head only: %v)", env.Body, headOnly)
		}
		if !env.OK || status < 200 || status > 299 {
			t.Fatalf("success for status %d, ok %v", status, env.OK)
		}
		// Body and references are handed on as raw JSON (to JavaScript,
		// to encoding/json): they must be valid whatever came in.
		if env.Body != nil && !json.Valid(env.Body) {
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
	if strings.Contains(err.Error(), "secret") {
		t.Fatalf("the token in %q", err.Error())
	}
}

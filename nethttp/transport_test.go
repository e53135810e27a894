package nethttp

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/flowthings"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const token = "nethttp-secret-token"

func clientFor(t *testing.T, srv *httptest.Server, tr *Transport) *flowthings.Client {
	t.Helper()
	cfg := core.Config{Account: "alice", Token: token, Host: strings.TrimPrefix(srv.URL, "http://"), Insecure: true}
	if tr == nil {
		c, err := NewClient(cfg)
		require.NoError(t, err)
		return c
	}
	c, err := flowthings.NewClient(cfg, tr)
	require.NoError(t, err)
	return c
}

func TestTransportSendsEverything(t *testing.T) {
	t.Parallel()
	type seen struct {
		method, uri, body, token, account, ctype string
	}
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Method, r.RequestURI, string(b), r.Header.Get("X-Auth-Token"), r.Header.Get("X-Auth-Account"), r.Header.Get("Content-Type")}
		w.WriteHeader(200)
		_, _ = io.WriteString(w, `{"head":{"status":200,"ok":true,"errors":[],"messages":[]},"body":{"f1":{"id":"f1"}}}`)
	}))
	defer srv.Close()
	c := clientFor(t, srv, nil)
	ctx := t.Context()

	many, _, err := c.Flow.ReadMany(ctx, []string{"f1", "a/b"}, core.Params{"only": []string{"id"}})
	require.NoError(t, err)
	assert.Equal(t, map[string]*flowthings.Flow{"f1": {ID: flowthings.Ptr("f1")}}, many)
	s := <-got
	assert.Equal(t, seen{"MGET", "/v0.1/alice/flow?only=id", `["f1","a/b"]`, token, "alice", "application/json"}, s)

	_, _, err = c.Flow.Objects().UpdateMany(ctx, map[string]flowthings.Object{"f1": {"a": 1}}, nil)
	require.NoError(t, err)
	s = <-got
	assert.Equal(t, "MPUT", s.method)
	assert.Equal(t, `{"f1":{"a":1}}`, s.body)

	_, _, err = c.Flow.Read(ctx, "a/b?c", nil)
	require.NoError(t, err)
	s = <-got
	assert.Equal(t, "GET", s.method)
	assert.Equal(t, "/v0.1/alice/flow/a%2Fb%3Fc", s.uri)
	assert.Equal(t, "", s.body)
	assert.Equal(t, "", s.ctype)
}

func TestTransportStatusAndErrors(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v0.1/alice/flow/missing":
			w.WriteHeader(404)
			_, _ = io.WriteString(w, `{"head":{"status":404,"ok":false,"errors":["nope"]},"body":{}}`)
		case "/v0.1/alice/flow/html":
			w.WriteHeader(502)
			_, _ = io.WriteString(w, `<html>bad gateway</html>`)
		default:
			w.WriteHeader(201)
			_, _ = io.WriteString(w, `{"head":{"status":201,"ok":true},"body":{"id":"f9"}}`)
		}
	}))
	defer srv.Close()
	c := clientFor(t, srv, nil)
	ctx := t.Context()

	_, _, err := c.Flow.Read(ctx, "missing", nil)
	assert.True(t, core.IsNotFound(err))
	_, _, err = c.Flow.Read(ctx, "html", nil)
	var mal *core.MalformedResponseError
	require.ErrorAs(t, err, &mal)
	assert.Equal(t, 502, mal.Status)
	obj, resp, err := c.Flow.Create(ctx, &flowthings.Flow{Path: flowthings.Ptr("/alice/x")}, nil)
	require.NoError(t, err)
	assert.Equal(t, 201, resp.Status)
	assert.Equal(t, "f9", obj.GetID())
}

func TestTransportBodyLimit(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"head":{"status":200,"ok":true},"body":"`+strings.Repeat("x", 2000)+`"}`)
	}))
	defer srv.Close()
	tr := NewTransport(nil)
	tr.MaxBodyBytes = 1000
	c := clientFor(t, srv, tr)
	_, _, err := c.Raw(t.Context(), "GET", "/flow", nil, nil)
	var te *core.TransportError
	require.ErrorAs(t, err, &te)
	assert.ErrorIs(t, err, ErrBodyTooLarge)

	tr.MaxBodyBytes = 0 // default limit: fine
	v, _, err := c.Raw(t.Context(), "GET", "/flow", nil, nil)
	require.NoError(t, err)
	assert.Len(t, v, 2000)
}

// A request carrying the token never follows a redirect, to another origin
// or its own: the error names the status and the target's origin, not its
// path or query.
func TestTransportNoRedirects(t *testing.T) {
	t.Parallel()
	var leaked atomic.Bool
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Store(true)
	}))
	defer other.Close()
	for _, status := range []int{301, 302, 303, 307, 308} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+"/steal?bait=query", status)
		}))
		hc := &http.Client{}
		c := clientFor(t, srv, NewTransport(hc))
		_, _, err := c.Flow.Create(t.Context(), &flowthings.Flow{Path: flowthings.Ptr("/alice/x")}, nil)
		srv.Close()
		var redirect *core.RedirectError
		require.ErrorAs(t, err, &redirect, "status %d", status)
		assert.Equal(t, core.RedirectError{Status: status, Method: "POST", Path: "/flow", Target: other.URL}, *redirect)
		assert.Equal(t, core.KindRedirect, core.KindOf(err))
		assert.NotContains(t, err.Error(), "bait")
		assert.NotContains(t, err.Error(), "steal")
		assert.Nil(t, hc.CheckRedirect, "the caller's client is not modified")
	}
	assert.False(t, leaked.Load(), "the token must not follow a redirect")
}

func TestTransportContext(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c := clientFor(t, srv, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := c.Flow.FindMany(ctx, nil)
	var te *core.TransportError
	require.ErrorAs(t, err, &te)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.NotContains(t, err.Error(), token)
}

func TestTransportBadRequest(t *testing.T) {
	t.Parallel()
	tr := NewTransport(nil)
	_, _, err := tr.Do(t.Context(), core.Request{Method: "GET", URL: "://nope"})
	require.Error(t, err)
	_, _, err = tr.Do(t.Context(), core.Request{Method: "GET", URL: "http://127.0.0.1:1/unreachable"})
	require.Error(t, err)
	assert.False(t, errors.Is(err, ErrBodyTooLarge))
}

func TestNewClientValidates(t *testing.T) {
	t.Parallel()
	_, err := NewClient(core.Config{})
	assert.ErrorIs(t, err, core.ErrMissingCredentials)
}

//go:build js && wasm

package jsfetch

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flowthings/flowthings-wasm/core"
)

func TestDialerEchoesFrames(t *testing.T) {
	base, webSocket := testServer(t)
	s, err := (&Dialer{WebSocket: webSocket}).Dial(t.Context(), "ws://"+base+"/ws")
	require.NoError(t, err)
	defer s.Close()

	for _, frame := range []string{`{"msgId":"1","object":"drop"}`, "héllo ✓", ""} {
		require.NoError(t, s.Write(t.Context(), []byte(frame)))
		got, err := s.Read(t.Context())
		require.NoError(t, err)
		assert.Equal(t, frame, string(got))
	}
	require.NoError(t, s.Write(t.Context(), []byte("binary")))
	got, err := s.Read(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "bin", string(got), "binary frames are passed on as they are")
}

func TestDialerSocketEnds(t *testing.T) {
	base, webSocket := testServer(t)
	dial := func(t *testing.T, d Dialer) *socket {
		d.WebSocket = webSocket
		s, err := d.Dial(t.Context(), "ws://"+base+"/ws")
		require.NoError(t, err)
		return s.(*socket)
	}

	t.Run("the server closes", func(t *testing.T) {
		s := dial(t, Dialer{})
		require.NoError(t, s.Write(t.Context(), []byte("close-me")))
		_, err := s.Read(t.Context())
		var closed *CloseError
		require.ErrorAs(t, err, &closed)
		assert.Equal(t, 4000, closed.Code)
		assert.Equal(t, "asked to", closed.Reason)
		assert.ErrorIs(t, err, ErrSocketClosed)
		assert.ErrorIs(t, s.Write(t.Context(), []byte("x")), ErrSocketClosed)
		_, err = s.Read(t.Context())
		assert.ErrorIs(t, err, ErrSocketClosed, "every later Read fails too")
	})

	t.Run("a frame over the read limit", func(t *testing.T) {
		s := dial(t, Dialer{ReadLimit: 100})
		require.NoError(t, s.Write(t.Context(), []byte("big:100")))
		got, err := s.Read(t.Context())
		require.NoError(t, err)
		assert.Len(t, got, 100)
		require.NoError(t, s.Write(t.Context(), []byte("big:101")))
		_, err = s.Read(t.Context())
		var closed *CloseError
		require.ErrorAs(t, err, &closed)
		assert.Equal(t, 1009, closed.Code)
	})

	t.Run("the client closes", func(t *testing.T) {
		s := dial(t, Dialer{})
		require.NoError(t, s.Close())
		_, err := s.Read(t.Context())
		assert.ErrorIs(t, err, ErrSocketClosed)
	})

	t.Run("Read ends with its context", func(t *testing.T) {
		s := dial(t, Dialer{})
		defer s.Close()
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		_, err := s.Read(ctx)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})
}

func TestDialerFailures(t *testing.T) {
	_, webSocket := testServer(t)
	_, err := (&Dialer{WebSocket: webSocket}).Dial(t.Context(), "ws://127.0.0.1:1/session/s1/ws?x=1")
	var transportErr *core.TransportError
	require.ErrorAs(t, err, &transportErr)
	assert.Equal(t, "/session/s1/ws", transportErr.Path)

	_, err = (&Dialer{WebSocket: webSocket}).Dial(t.Context(), "not a url")
	require.ErrorAs(t, err, &transportErr)
	var jsErr *JSError
	assert.ErrorAs(t, err, &jsErr, "the constructor's exception is an error")
}

func TestURLPath(t *testing.T) {
	for url, want := range map[string]string{
		"wss://ws.flowthings.io/session/abc/ws": "/session/abc/ws",
		"ws://127.0.0.1:4000":                   "/",
		"ws://h/p?token=x#f":                    "/p",
	} {
		assert.Equal(t, want, urlPath(url), url)
	}
}

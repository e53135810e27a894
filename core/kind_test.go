package core

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestKindOf(t *testing.T) {
	resp := &ResponseError{Status: 404, Method: "GET", Path: "/flow/x"}
	notFound := &NotFoundError{resp}
	foreign := errors.New("boom")
	tests := []struct {
		name string
		err  error
		want Kind
	}{
		{"nil", nil, ""},
		{"bad request", &BadRequestError{resp}, KindBadRequest},
		{"forbidden", &ForbiddenError{resp}, KindForbidden},
		{"not found", notFound, KindNotFound},
		{"server", &ServerError{resp}, KindServer},
		{"platform", &PlatformError{resp}, KindPlatform},
		{"malformed", &MalformedResponseError{Status: 200}, KindMalformed},
		{"transport", &TransportError{Method: "GET", Path: "/x", Err: foreign}, KindTransport},
		{"input", &InputError{Field: "id", Reason: "empty"}, KindInput},
		{"unsupported", &UnsupportedError{Service: "token", Operation: "update"}, KindUnsupported},
		{"connection lost", &ConnectionLostError{}, KindConnectionLost},
		{"frame", &WSFrameError{Reason: "x"}, KindFrame},
		{"closed", ErrWebSocketClosed, KindClosed},
		{"unsubscribed", ErrUnsubscribed, KindUnsubscribed},
		{"missing credentials", ErrMissingCredentials, KindInput},
		{"foreign", foreign, KindUnknown},
		{"wrapped foreign", fmt.Errorf("ctx: %w", foreign), KindUnknown},

		// The outermost error that has a kind wins.
		{"wrapped not found", fmt.Errorf("a: %w", fmt.Errorf("b: %w", notFound)), KindNotFound},
		{"wrapped closed", fmt.Errorf("a: %w", ErrWebSocketClosed), KindClosed},
		{"wrapped unsubscribed", fmt.Errorf("a: %w", ErrUnsubscribed), KindUnsubscribed},
		{"transport around not found", &TransportError{Err: notFound}, KindTransport},
		{"input around input", &InputError{Field: "models[0]", Err: &InputError{Field: "model"}}, KindInput},
		{"lost around closed", &ConnectionLostError{Err: ErrWebSocketClosed}, KindConnectionLost},
		{"lost around foreign", &ConnectionLostError{Err: foreign}, KindConnectionLost},
		{"foreign around lost", fmt.Errorf("x: %w", &ConnectionLostError{Err: ErrWebSocketClosed}), KindConnectionLost},
		{"input around nil", &InputError{Field: "x"}, KindInput},
		{"typed nil in chain", fmt.Errorf("x: %w", error(nil)), KindUnknown},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, KindOf(tc.err))
		})
	}
}

// Every kind but "" is distinct, and the status errors map from statuses
// the way DecodeResponse classifies them.
func TestKindOfStatus(t *testing.T) {
	for status, want := range map[int]Kind{
		400: KindBadRequest, 401: KindForbidden, 403: KindForbidden, 404: KindNotFound,
		409: KindPlatform, 302: KindPlatform, 500: KindServer, 503: KindServer, 599: KindServer, 600: KindPlatform,
	} {
		err := newStatusError(&ResponseError{Status: status})
		assert.Equal(t, want, KindOf(err), "status %d", status)
	}
}

func TestReadOrElseFallback(t *testing.T) {
	for _, k := range []Kind{KindBadRequest, KindForbidden, KindServer, KindPlatform, KindMalformed,
		KindTransport, KindInput, KindUnsupported, KindConnectionLost, KindClosed, KindUnsubscribed,
		KindFrame, KindUnknown, "", "notfound"} {
		assert.False(t, ReadOrElseFallback(k), k)
	}
	assert.True(t, ReadOrElseFallback(KindNotFound))
	assert.True(t, ReadOrElseFallback(KindOf(&NotFoundError{&ResponseError{Status: 404}})))
}

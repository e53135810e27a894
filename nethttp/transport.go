// Package nethttp runs the flowthings core client over net/http: a
// flowthings.Transport (Transport), a WebSocket dialer (WSDialer), and NewClient,
// which assembles a ready flowthings.Client.
package nethttp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/flowthings"
)

// DefaultMaxBodyBytes is the largest response body a Transport reads unless
// told otherwise: a find with limit=1000 of large drops fits comfortably.
const DefaultMaxBodyBytes = 32 << 20

// DefaultTimeout bounds a whole call of the http.Client made by NewClient,
// on top of whatever context the call gets.
const DefaultTimeout = 60 * time.Second

// ErrBodyTooLarge is wrapped by the error of a response whose body exceeds
// the Transport's limit.
var ErrBodyTooLarge = errors.New("nethttp: response body too large")

// Transport is a flowthings.Transport over an *http.Client. It sends the request's
// method verbatim (including MGET and MPUT), headers and body; it returns the
// status and the whole body, whatever the status. It never follows a
// redirect (the platform never sends one, and following one to another
// host would send X-Auth-Token there): a 3xx is a *core.RedirectError
// naming the status and the target's origin. It is safe for concurrent use.
type Transport struct {
	client *http.Client
	// MaxBodyBytes is the largest body read; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
}

var _ flowthings.Transport = (*Transport)(nil)

// NewTransport returns a Transport using (a copy of) hc, or of
// http.DefaultClient if hc is nil. The copy shares hc's RoundTripper,
// cookie jar and timeout, but never follows redirects.
func NewTransport(hc *http.Client) *Transport {
	if hc == nil {
		hc = http.DefaultClient
	}
	c := *hc
	c.CheckRedirect = refuseRedirect
	return &Transport{client: &c}
}

// refuseRedirect stops the client before it sends the request a redirect
// asks for, naming the status and the target's origin (never its path or
// query, which may be the attacker's bait).
func refuseRedirect(next *http.Request, _ []*http.Request) error {
	status := 0
	if next.Response != nil {
		status = next.Response.StatusCode
	}
	return &core.RedirectError{Status: status, Target: next.URL.Scheme + "://" + next.URL.Host}
}

// Do performs req.
func (t *Transport) Do(ctx context.Context, req core.Request) (int, []byte, error) {
	var body io.Reader
	if len(req.Body) > 0 {
		body = bytes.NewReader(req.Body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.Method, req.URL, body)
	if err != nil {
		return 0, nil, err
	}
	for _, h := range req.Header {
		hr.Header.Add(h.Name, h.Value)
	}
	resp, err := t.client.Do(hr)
	if err != nil {
		var redirect *core.RedirectError
		if errors.As(err, &redirect) {
			r := *redirect
			r.Method, r.Path = req.Method, req.Path
			return 0, nil, &r
		}
		return 0, nil, err
	}
	defer resp.Body.Close()
	limit := t.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return 0, nil, fmt.Errorf("nethttp: reading the response body: %w", err)
	}
	if int64(len(data)) > limit {
		return 0, nil, fmt.Errorf("%w: more than %d bytes (status %d)", ErrBodyTooLarge, limit, resp.StatusCode)
	}
	return resp.StatusCode, data, nil
}

// NewClient returns a flowthings.Client for cfg over a Transport with its own
// http.Client (timeout DefaultTimeout).
func NewClient(cfg core.Config) (*flowthings.Client, error) {
	return flowthings.NewClient(cfg, NewTransport(&http.Client{Timeout: DefaultTimeout}))
}

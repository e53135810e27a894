package flowthings

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"

	"github.com/flowthings/flowthings-wasm/core"
)

// Transport performs the I/O of one call: it sends req and returns the HTTP
// status and the whole response body. Implementations must be safe for
// concurrent use and must honour ctx (return promptly, with an error, once
// it is done). An error means no response was obtained; a response with any
// status, including 4xx and 5xx, is not an error. Package nethttp provides
// one over net/http.
//
// The method set matches what the WebSocket session needs for its
// POST /session, so one Transport serves both.
type Transport interface {
	Do(ctx context.Context, req core.Request) (status int, body []byte, err error)
}

// TransportFunc adapts a function to Transport.
type TransportFunc func(ctx context.Context, req core.Request) (int, []byte, error)

// Do calls f.
func (f TransportFunc) Do(ctx context.Context, req core.Request) (int, []byte, error) {
	return f(ctx, req)
}

// Response is the envelope of a successful call, returned alongside its
// decoded body.
type Response struct {
	// Status is the HTTP status, 200 or 201.
	Status int
	// Messages are the head's human-readable messages.
	Messages []string
	// References is head.references decoded as a map id → referenced object.
	// The platform fills it when the call's params have "refs": true (the
	// Python client's (body, references) pair); it is nil when the head has
	// no references member and empty when it has an empty one.
	References map[string]Object
	// Envelope is the raw envelope, with the undecoded body.
	Envelope *core.Envelope
}

// Client is the Go client of the REST API: a Config and a Transport, with
// one small service value per platform service sharing a single request
// path. Every service method builds an Op, which goes through
// Config.BuildOp, Transport.Do and DecodeResponse (see Client.Exec); the
// Client only adds JSON encoding of arguments and decoding of results.
//
// A Client is immutable and safe for concurrent use.
type Client struct {
	cfg       Config
	transport Transport

	Flow       *FlowService       // /flow
	Track      *TrackService      // /track
	Group      *GroupService      // /group
	Identity   *IdentityService   // /identity
	APITask    *APITaskService    // /api-task
	MQTT       *MQTTService       // /mqtt
	RSS        *RSSService        // /rss
	Token      *TokenService      // /token (immutable)
	Share      *ShareService      // /share (immutable)
	Device     *DeviceService     // /device
	Statistics *StatisticsService // /statistics
}

// NewClient returns a Client for cfg (defaults filled in) over t. It fails
// with ErrMissingCredentials or an *InputError for a config that cannot make
// a call, and with an *InputError for a nil transport.
func NewClient(cfg Config, t Transport) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if t == nil {
		return nil, &core.InputError{Field: "transport", Reason: "must not be nil"}
	}
	c := &Client{cfg: cfg.WithDefaults(), transport: t}
	c.Flow = &FlowService{newMutable[Flow](c.service(core.ServiceFlow, ""))}
	c.Track = &TrackService{newMutable[Track](c.service(core.ServiceTrack, ""))}
	c.Group = &GroupService{newMutable[Group](c.service(core.ServiceGroup, ""))}
	c.Identity = &IdentityService{newMutable[Identity](c.service(core.ServiceIdentity, ""))}
	c.APITask = &APITaskService{newMutable[APITask](c.service(core.ServiceAPITask, ""))}
	c.MQTT = &MQTTService{newMutable[MQTTTask](c.service(core.ServiceMQTT, ""))}
	c.RSS = &RSSService{newMutable[RSSTask](c.service(core.ServiceRSS, ""))}
	c.Token = &TokenService{newImmutable[Token](c.service(core.ServiceToken, ""))}
	c.Share = &ShareService{newImmutable[Share](c.service(core.ServiceShare, ""))}
	c.Device = &DeviceService{newMutable[Device](c.service(core.ServiceDevice, ""))}
	c.Statistics = &StatisticsService{c: c}
	return c, nil
}

// Service returns the untyped service named name (one of the Service*
// constants, or any other name the platform knows), with results as
// Object: c.Service(ServiceLocalTrack) reaches the v4.0-only local tracks.
func (c *Client) Service(name ServiceName) *Service { return c.service(string(name), "") }

func (c *Client) service(name, flowID string) *Service {
	return &Service{c: c, name: name, flowID: flowID}
}

// Config returns the client's configuration, defaults filled in.
func (c *Client) Config() Config { return c.cfg }

// Exec runs one operation: Config.BuildOp, Transport.Do, DecodeResponse.
// It is the single request path of every service method, and the way to
// reach an operation the typed services do not cover (say, the v4.0-only
// "local-track" service).
func (c *Client) Exec(ctx context.Context, op core.Op) (*core.Envelope, error) {
	env, _, err := c.exec(ctx, op)
	return env, err
}

func (c *Client) exec(ctx context.Context, op core.Op) (*core.Envelope, core.Request, error) {
	req, err := c.cfg.BuildOp(op)
	if err != nil {
		return nil, req, err
	}
	env, err := c.roundTrip(ctx, req)
	return env, req, err
}

// roundTrip is steps 2 and 3 of every call.
func (c *Client) roundTrip(ctx context.Context, req core.Request) (*core.Envelope, error) {
	if err := ctx.Err(); err != nil {
		return nil, &core.TransportError{Method: req.Method, Path: req.Path, Err: err}
	}
	status, body, err := c.transport.Do(ctx, req)
	if err != nil {
		return nil, transportError(req, err)
	}
	return core.DecodeResponse(req, status, body)
}

// transportError is the error of a request the transport could not
// perform: a redirect the transport refused keeps its own type (it names
// the target's origin), anything else is a *core.TransportError.
func transportError(req core.Request, err error) error {
	var redirect *core.RedirectError
	if errors.As(err, &redirect) {
		return redirect
	}
	return &core.TransportError{Method: req.Method, Path: req.Path, Err: err}
}

// call runs op and decodes the body into out (nil: ignore the body).
func (c *Client) call(ctx context.Context, op core.Op, out any) (*Response, error) {
	env, req, err := c.exec(ctx, op)
	if err != nil {
		return nil, err
	}
	return decodeResult(req, env, out)
}

func decodeResult(req core.Request, env *core.Envelope, out any) (*Response, error) {
	resp := &Response{Status: env.Status, Messages: env.Messages, Envelope: env}
	malformed := func(reason string, data []byte) error {
		return core.MalformedBodyError(req, env.Status, reason, data)
	}
	if env.References != nil {
		if err := decodeJSON(env.References, &resp.References); err != nil {
			return nil, malformed(`"head.references" is not a map of objects`, env.References)
		}
	}
	if out != nil {
		if err := decodeJSON(env.Body, out); err != nil {
			return nil, malformed("body is not "+shapeOf(out), env.Body)
		}
	}
	return resp, nil
}

func shapeOf(out any) string {
	switch out.(type) {
	case *Object:
		return "an object"
	case *[]Object:
		return "an array of objects"
	case *map[string]Object:
		return "a map of id → object"
	case *[]int64:
		return "an array of integers"
	}
	return "of the expected shape"
}

// decodeJSON decodes one JSON value, numbers as json.Number.
func decodeJSON(data []byte, out any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	return d.Decode(out)
}

// encodeJSON encodes a request body. []byte and json.RawMessage are taken as
// raw JSON (BuildOp validates them); anything else goes through
// encoding/json, without HTML escaping.
func encodeJSON(field string, v any) ([]byte, error) {
	switch v := v.(type) {
	case []byte:
		return v, nil
	case json.RawMessage:
		return v, nil
	case *Modification:
		return nil, &core.InputError{Field: field, Reason: "a modification can only be updated or saved"}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, &core.InputError{Field: field, Reason: "cannot be encoded as JSON: " + err.Error(), Err: err}
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Raw is the raw call for anything the services do not cover: method,
// a path below the account such as "/flow/f123/description", an optional
// body (any JSON-encodable value; []byte and json.RawMessage are sent as
// they are; nil sends none) and params. Each segment of path is escaped, so
// pass ids unescaped; empty and dot segments are rejected. The body is
// decoded as Object, []any, string, json.Number, bool or nil (objects nested
// in it are map[string]any).
func (c *Client) Raw(ctx context.Context, method, path string, data any, params Params) (any, *Response, error) {
	var body []byte
	if data != nil {
		var err error
		if body, err = encodeJSON("body", data); err != nil {
			return nil, nil, err
		}
	}
	call, err := core.NewRawCall(method, path, body, params)
	if err != nil {
		return nil, nil, err
	}
	req, err := c.cfg.NewRequest(call)
	if err != nil {
		return nil, nil, err
	}
	env, err := c.roundTrip(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	var out any
	resp, err := decodeResult(req, env, &out)
	if err != nil {
		return nil, nil, err
	}
	if m, ok := out.(map[string]any); ok {
		return Object(m), resp, nil
	}
	return out, resp, nil
}

// Result drops the *Response of a service call, for closures that want just
// (value, error): Result(c.Flow.Read(ctx, id, nil)).
func Result[T any](v T, _ *Response, err error) (T, error) { return v, err }

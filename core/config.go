package core

import (
	"errors"
	"strings"
)

// DefaultVersion is the API version a Config without one uses.
const DefaultVersion = "0.1"

// There is no default host: the hosted platform's names (api.flowthings.io,
// ws.flowthings.io) are defunct, and whoever holds them now would get every
// token sent there. A Config without Host is refused (the error's reason
// says what to pass), and WSHost defaults to Host, never to another name.

// Config says where and as whom the client talks to the platform.
// The zero value of every optional field selects the platform default.
type Config struct {
	// Account is the name of the account the token belongs to, sent as
	// X-Auth-Account. Unless Namespace says otherwise it is also the
	// account whose objects the calls address (the {account} of every URL).
	Account string
	// Namespace is the account whose objects the calls address, when it is
	// not Account: set it to another account's name to use what that
	// account shared with yours (docs/protocol.md §9.3). Empty means Account.
	// REST calls only: a WebSocket acts in the token's account and reaches
	// shared drops by their path.
	Namespace string
	// Token is the master token or a Token object's tokenString. It is a
	// secret: it is sent only in the X-Auth-Token header and never appears
	// in an error, a URL or a log line.
	Token string
	// Host is the REST API host, with an optional port: required (the local
	// emulator's is 127.0.0.1:4000, with Insecure).
	Host string
	// WSHost is the WebSocket host, with an optional port. Default Host.
	WSHost string
	// Insecure selects http/ws instead of https/wss (a local emulator).
	Insecure bool
	// Version is the API version without the "v". Default DefaultVersion.
	Version string
	// Params are query parameters added to every call; a call's own
	// parameters win over them.
	Params Params
}

// ErrMissingCredentials is returned by Validate when the account or the
// token is empty.
var ErrMissingCredentials = errors.New("flowthings: account and token are required")

// WithDefaults returns c with every empty optional field set to its
// default: WSHost to Host, Version to DefaultVersion.
func (c Config) WithDefaults() Config {
	if c.WSHost == "" {
		c.WSHost = c.Host
	}
	if c.Version == "" {
		c.Version = DefaultVersion
	}
	return c
}

// Validate reports a configuration that cannot make a single call.
func (c Config) Validate() error {
	if c.Account == "" || c.Token == "" {
		return ErrMissingCredentials
	}
	if err := validSegment("account", c.Account); err != nil {
		return err
	}
	if err := validSegment("namespace", c.namespace()); err != nil {
		return err
	}
	if c.Host == "" {
		return &InputError{Field: "host", Reason: hostRequired}
	}
	if strings.ContainsFunc(c.Token, isControlOrSpace) {
		// Never quote the token itself.
		return &InputError{Field: "token", Reason: "contains spaces or control characters"}
	}
	for _, h := range []string{c.Host, c.WSHost} {
		if containsASCII(h, "/?#@ \t\r\n") {
			return &InputError{Field: "host", Reason: "must be a host name with an optional port, without scheme or path"}
		}
	}
	if c.Version != "" && containsASCII(c.Version, "/?#% \t\r\n") {
		return &InputError{Field: "version", Reason: "must look like 0.1 or 4.0"}
	}
	return nil
}

// hostRequired is the reason of the InputError for a Config without Host.
const hostRequired = "is required: the host (and port) of the platform's REST API, " +
	"e.g. 127.0.0.1:4000 for the local emulator (with secure off); " +
	"there is no default, the hosted api.flowthings.io is defunct"

// namespace is the {account} of every URL.
func (c Config) namespace() string {
	if c.Namespace != "" {
		return c.Namespace
	}
	return c.Account
}

func (c Config) scheme(secure, insecure string) string {
	if c.Insecure {
		return insecure
	}
	return secure
}

// BaseURL is the REST URL prefix every service path is appended to:
// {https|http}://{host}/v{version}/{namespace}.
func (c Config) BaseURL() string {
	c = c.WithDefaults()
	return c.scheme("https", "http") + "://" + c.Host + "/v" + c.Version + "/" + escapeSegment(c.namespace())
}

// SessionURL is the URL of POST /session on the WebSocket host.
func (c Config) SessionURL() string {
	c = c.WithDefaults()
	return c.scheme("https", "http") + "://" + c.WSHost + "/session"
}

// SocketURL is the WebSocket URL of an open session:
// {wss|ws}://{wsHost}/session/{id}/ws.
func (c Config) SocketURL(sessionID string) string {
	c = c.WithDefaults()
	return c.scheme("wss", "ws") + "://" + c.WSHost + "/session/" + escapeSegment(sessionID) + "/ws"
}

// containsASCII reports whether s contains any of the ASCII bytes of set.
// (strings.ContainsAny would do, but links its UTF-8 set matching into the
// wasm build.)
func containsASCII(s, set string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(set, s[i]) >= 0 {
			return true
		}
	}
	return false
}

func isControlOrSpace(r rune) bool { return r <= ' ' || r == 0x7f }

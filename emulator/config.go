package emulator

import (
	"fmt"
	"log"
	"regexp"
	"time"
)

// Built-in credentials. They are fixed so that scripts, tests and a browser
// dashboard can talk to a fresh emulator without reading its output. They are
// development credentials for a local emulator and protect nothing.
const (
	// DefaultAccount is the primary account's name.
	DefaultAccount = "dev"
	// DefaultToken is the primary account's master token (32 chars).
	DefaultToken = "flowthings-emulator-dev-token-01"
	// DefaultGuestAccount is the second built-in account, used to test
	// shares between users.
	DefaultGuestAccount = "guest"
	// DefaultGuestToken is the guest account's master token (32 chars).
	DefaultGuestToken = "flowthings-emulator-guest-tok-02"
)

// Limits and defaults (see doc.go for the full list).
const (
	// DefaultMaxBodyBytes is the request body limit when Config.MaxBodyBytes
	// is 0. It applies to the body as sent and, for gzip bodies, to the
	// decompressed size too; above it the answer is 413.
	DefaultMaxBodyBytes = 1 << 20
	// DefaultFlowCapacity is a new flow's capacity when none is given.
	DefaultFlowCapacity = 1000
	// MaxFlowCapacity is the largest accepted flow capacity.
	MaxFlowCapacity = 100000
	// DefaultLimit and MaxLimit are the find page size default and cap.
	DefaultLimit = 20
	MaxLimit     = 1000
	// DefaultMaxTrackDepth caps how many track hops one written drop may
	// travel (see Config.MaxTrackDepth).
	DefaultMaxTrackDepth = 16
	// MaxJSONDepth is the deepest nesting of objects and arrays accepted in a
	// request body or WebSocket value (the body itself is level 1); deeper
	// bodies are a 400. Stored typed elems double the depth, which stays far
	// below what the loader can read.
	MaxJSONDepth = 64
	// MaxFilterLength is the longest accepted filter (bytes), wherever a
	// filter is accepted (query, flow and track members, aggregation,
	// MGET, WebSocket options); longer ones are a 400.
	MaxFilterLength = 64 << 10
	// MaxFilterRegexSize caps the size of a filter's regexes, summed, in
	// RE2 program units (about one per character to match, counted
	// repetitions multiplied out): /a{1000}/ is 1000. Larger is a 400 before
	// anything is compiled (each unit costs about 50 bytes and some CPU).
	MaxFilterRegexSize = 20000
	// MaxURLLength is the longest accepted request URL (path and query);
	// a longer one is a 414 envelope. A server must accept headers of
	// MaxHeaderBytes for the handler to see such URLs at all.
	MaxURLLength = 256 << 10
	// MaxHeaderBytes is what an http.Server serving Handler should set as
	// its MaxHeaderBytes: larger than MaxURLLength, so that long URLs get
	// the 414 envelope; beyond it Go's server answers a plain-text 431.
	MaxHeaderBytes = 8 << 20
	// MaxPathLength is the longest accepted object path.
	MaxPathLength = 128
	// MinTaskPeriodicity is the smallest accepted api-task periodicity (ms).
	MinTaskPeriodicity = 60000
	// DefaultTaskPeriodicity is an api-task's periodicity when none is given.
	DefaultTaskPeriodicity = 3600000
)

// Account is a built-in account: its name (the URL account and the
// identity's name) and its master token.
type Account struct {
	Name  string
	Token string
}

// Config configures an Emulator. The zero value is usable: it gives the
// dev and guest accounts with their fixed tokens, in memory.
type Config struct {
	// Account is the primary account's name (default "dev").
	Account string
	// Token is the primary account's master token (default DefaultToken).
	Token string
	// GuestAccount and GuestToken name the second built-in account
	// (defaults DefaultGuestAccount / DefaultGuestToken).
	GuestAccount string
	GuestToken   string
	// ExtraAccounts adds more built-in accounts.
	ExtraAccounts []Account

	// DataDir, when set, persists all state in DataDir/flowthings-emulator.db
	// (bbolt) with write-through on every mutation; "" keeps state in memory.
	DataDir string

	// Latency is slept before every REST request, POST /session and
	// WebSocket operation frame is handled.
	Latency time.Duration
	// FailRate (0..1) is the probability that a REST request (or POST
	// /session, or a WebSocket operation frame) is answered with an
	// injected 503 (full envelope / reply) instead of being handled.
	FailRate float64
	// MaxBodyBytes limits request bodies (0 → DefaultMaxBodyBytes).
	MaxBodyBytes int64
	// Now is the clock (nil → time.Now). It stamps creationDate and
	// lastEditDate, drives token/share expiry and filter AGE.
	Now func() time.Time

	// WebDir, when set, is served as static files under "/" for every path
	// that is not a REST route or another registered endpoint.
	WebDir string

	// DropWSAfter, when > 0, closes every WebSocket connection that long
	// after it opened (close code 1012, fault injection for reconnects).
	DropWSAfter time.Duration
	// WSIdleTimeout closes a WebSocket connection that received no frame
	// (data, heartbeat, ping or pong) for that long (close code 1008;
	// 0 → 120 s). A connection with live subscriptions is not closed for
	// silence (a listener that only receives pushes, like the Python
	// client, never sends anything) unless WSIdleCloseSubscribed is set.
	WSIdleTimeout time.Duration
	// WSIdleCloseSubscribed applies WSIdleTimeout to connections with
	// subscriptions too.
	WSIdleCloseSubscribed bool

	// MaxTrackDepth caps track propagation (0 → DefaultMaxTrackDepth).
	MaxTrackDepth int

	// Logger receives one line per request (method, path, status) and
	// internal errors. Never a token. nil → no logging.
	Logger *log.Logger
}

var accountNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// withDefaults returns a copy of c with defaults filled in and validated.
func (c Config) withDefaults() (Config, error) {
	if c.Account == "" {
		c.Account = DefaultAccount
	}
	if c.Token == "" {
		c.Token = DefaultToken
	}
	if c.GuestAccount == "" {
		c.GuestAccount = DefaultGuestAccount
	}
	if c.GuestToken == "" {
		c.GuestToken = DefaultGuestToken
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.MaxTrackDepth <= 0 {
		c.MaxTrackDepth = DefaultMaxTrackDepth
	}
	if c.FailRate < 0 || c.FailRate > 1 {
		return c, fmt.Errorf("emulator: FailRate %v outside 0..1", c.FailRate)
	}
	if c.Latency < 0 {
		return c, fmt.Errorf("emulator: negative Latency %v", c.Latency)
	}
	seenName := map[string]bool{}
	seenTok := map[string]bool{}
	for _, a := range c.accounts() {
		if !accountNameRE.MatchString(a.Name) {
			return c, fmt.Errorf("emulator: invalid account name %q", a.Name)
		}
		if len(a.Token) < 16 {
			return c, fmt.Errorf("emulator: master token of account %q is shorter than 16 characters", a.Name)
		}
		if seenName[a.Name] {
			return c, fmt.Errorf("emulator: duplicate account %q", a.Name)
		}
		if seenTok[a.Token] {
			return c, fmt.Errorf("emulator: two accounts share one master token")
		}
		seenName[a.Name], seenTok[a.Token] = true, true
	}
	return c, nil
}

// accounts lists every built-in account, primary first.
func (c Config) accounts() []Account {
	out := []Account{{c.Account, c.Token}, {c.GuestAccount, c.GuestToken}}
	return append(out, c.ExtraAccounts...)
}

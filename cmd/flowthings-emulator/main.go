// Command flowthings-emulator runs a local flowthings.io platform emulator:
// the REST API (with aggregation and statistics) and the WebSocket API
// (POST /session, /session/{id}/ws), both on the same host:port.
//
// Usage:
//
//	go run ./cmd/flowthings-emulator [flags]
//
// Flags (each also read from an environment variable; a flag given on the
// command line wins over the variable):
//
//	-addr          FLOWTHINGS_EMULATOR_ADDR           listen address (default 127.0.0.1:4000; port 0 picks a free port)
//	-account       FLOWTHINGS_EMULATOR_ACCOUNT        primary account (default dev)
//	-token         FLOWTHINGS_EMULATOR_TOKEN          its master token (default flowthings-emulator-dev-token-01; "random" = 32 random chars)
//	-data          FLOWTHINGS_EMULATOR_DATA           data directory (bbolt); empty = in memory
//	-latency       FLOWTHINGS_EMULATOR_LATENCY        delay added to every request (Go duration, e.g. 150ms)
//	-fail-rate     FLOWTHINGS_EMULATOR_FAIL_RATE      probability 0..1 of an injected 503
//	-drop-ws-after FLOWTHINGS_EMULATOR_DROP_WS_AFTER  close every WebSocket connection this long after it opened (close code 1012)
//	-ws-idle       FLOWTHINGS_EMULATOR_WS_IDLE        close a WebSocket after this long without an inbound frame (default 2m);
//	                                                  a socket with live subscriptions stays open
//	-ws-idle-subscribed FLOWTHINGS_EMULATOR_WS_IDLE_SUBSCRIBED  apply -ws-idle to sockets with subscriptions too
//	-web           FLOWTHINGS_EMULATOR_WEB            directory served as static files under / (the dashboard: dist/web, see npm run web:build)
//	-quiet         FLOWTHINGS_EMULATOR_QUIET          no request log on stderr
//
// When it listens it prints exactly one line to stdout:
//
//	flowthings-emulator ready rest=http://127.0.0.1:4000/v0.1/dev ws=127.0.0.1:4000 account=dev token=flowthings-emulator-dev-token-01 guest_account=guest guest_token=flowthings-emulator-guest-tok-02
//
// i.e. the words "flowthings-emulator ready" followed by space-separated
// key=value pairs (values never contain spaces): rest (REST base URL for
// the primary account, API version 0.1), ws (host:port of the WebSocket
// endpoints), account, token (master token), guest_account, guest_token,
// and with -web, web (the URL of the served app, e.g. the dashboard).
// Scripts should look the keys up by name; more keys may be appended.
// The request log (stderr) never contains a token. SIGINT/SIGTERM stop the
// server gracefully and close the database.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/flowthings/flowthings-wasm/emulator"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "flowthings-emulator:", err)
		os.Exit(1)
	}
}

// options are the parsed flags.
type options struct {
	addr, account, token, data, web string
	latency, dropWSAfter, wsIdle    time.Duration
	failRate                        float64
	quiet, wsIdleSubscribed         bool
}

func parseOptions(args []string, getenv func(string) string, stderr io.Writer) (*options, error) {
	env := func(name, def string) string {
		if v := getenv("FLOWTHINGS_EMULATOR_" + name); v != "" {
			return v
		}
		return def
	}
	envDur := func(name string) (time.Duration, error) {
		v := env(name, "")
		if v == "" {
			return 0, nil
		}
		d, err := time.ParseDuration(v)
		if err != nil {
			return 0, fmt.Errorf("FLOWTHINGS_EMULATOR_%s: %w", name, err)
		}
		return d, nil
	}
	envBool := func(name string) (bool, error) {
		b, err := strconv.ParseBool(env(name, "false"))
		if err != nil {
			return false, fmt.Errorf("FLOWTHINGS_EMULATOR_%s: %w", name, err)
		}
		return b, nil
	}
	o := &options{}
	latency, err := envDur("LATENCY")
	if err != nil {
		return nil, err
	}
	dropAfter, err := envDur("DROP_WS_AFTER")
	if err != nil {
		return nil, err
	}
	wsIdle, err := envDur("WS_IDLE")
	if err != nil {
		return nil, err
	}
	failRate := 0.0
	if v := env("FAIL_RATE", ""); v != "" {
		if failRate, err = strconv.ParseFloat(v, 64); err != nil {
			return nil, fmt.Errorf("FLOWTHINGS_EMULATOR_FAIL_RATE: %w", err)
		}
	}
	quiet, err := envBool("QUIET")
	if err != nil {
		return nil, err
	}
	wsIdleSubscribed, err := envBool("WS_IDLE_SUBSCRIBED")
	if err != nil {
		return nil, err
	}

	fs := flag.NewFlagSet("flowthings-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", env("ADDR", "127.0.0.1:4000"), "listen address (port 0 = any free port)")
	fs.StringVar(&o.account, "account", env("ACCOUNT", emulator.DefaultAccount), "primary account name")
	fs.StringVar(&o.token, "token", env("TOKEN", emulator.DefaultToken), `master token of the primary account ("random" = 32 random characters)`)
	fs.StringVar(&o.data, "data", env("DATA", ""), "data directory (empty = in memory)")
	fs.DurationVar(&o.latency, "latency", latency, "latency added to every request")
	fs.Float64Var(&o.failRate, "fail-rate", failRate, "probability (0..1) of an injected 503")
	fs.DurationVar(&o.dropWSAfter, "drop-ws-after", dropAfter, "close every WebSocket connection this long after it opened (0 = never)")
	fs.DurationVar(&o.wsIdle, "ws-idle", wsIdle, "close a WebSocket connection after this long without an inbound frame (0 = 2m); one with live subscriptions stays open")
	fs.BoolVar(&o.wsIdleSubscribed, "ws-idle-subscribed", wsIdleSubscribed, "apply -ws-idle to WebSocket connections with subscriptions too")
	fs.StringVar(&o.web, "web", env("WEB", ""), "directory served as static files under /")
	fs.BoolVar(&o.quiet, "quiet", quiet, "no request log on stderr")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if o.token == "random" {
		o.token = emulator.RandomSecret(32)
	}
	if o.dropWSAfter < 0 || o.wsIdle < 0 {
		return nil, fmt.Errorf("-drop-ws-after and -ws-idle must not be negative")
	}
	if o.failRate < 0 || o.failRate > 1 {
		return nil, fmt.Errorf("-fail-rate must be between 0 and 1, got %v", o.failRate)
	}
	if o.web != "" {
		if st, err := os.Stat(o.web); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("-web %s: not a directory (build the dashboard with npm run web:build; it goes to dist/web)", o.web)
		}
	}
	return o, nil
}

// config is the emulator configuration the options ask for.
func (o *options) config(stderr io.Writer) emulator.Config {
	cfg := emulator.Config{
		Account: o.account, Token: o.token, DataDir: o.data, Latency: o.latency,
		FailRate: o.failRate, DropWSAfter: o.dropWSAfter, WSIdleTimeout: o.wsIdle,
		WSIdleCloseSubscribed: o.wsIdleSubscribed, WebDir: o.web,
	}
	if !o.quiet {
		cfg.Logger = log.New(stderr, "flowthings-emulator: ", log.LstdFlags)
	}
	return cfg
}

// run starts the emulator and blocks until ctx is done or the server fails.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	o, err := parseOptions(args, getenv, stderr)
	if err != nil {
		return err
	}
	emu, err := emulator.New(o.config(stderr))
	if err != nil {
		return err
	}
	defer emu.Close()
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: emu.Handler(), ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes: emulator.MaxHeaderBytes} // long URLs reach the handler: a 414 envelope
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	host := readyHost(ln.Addr())
	accts := emu.Accounts()
	ready := fmt.Sprintf("flowthings-emulator ready rest=http://%s/v0.1/%s ws=%s account=%s token=%s guest_account=%s guest_token=%s",
		host, accts[0].Name, host, accts[0].Name, accts[0].Token, accts[1].Name, accts[1].Token)
	if o.web != "" {
		ready += fmt.Sprintf(" web=http://%s/", host)
	}
	fmt.Fprintln(stdout, ready)

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	shutErr := srv.Shutdown(shutCtx)
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	if closeErr := emu.Close(); closeErr != nil {
		return closeErr
	}
	if shutErr != nil && !errors.Is(shutErr, context.DeadlineExceeded) {
		return shutErr
	}
	return nil
}

// readyHost is the address clients should dial: an unspecified listen IP
// (":4000", "0.0.0.0:4000") is reported as 127.0.0.1.
func readyHost(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	ip := tcp.IP
	if ip == nil || ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return net.JoinHostPort(ip.String(), strconv.Itoa(tcp.Port))
}

// Command flowthings-demo shows the Go client end to end against an embedded
// flowthings emulator: it starts the emulator on a free loopback port, then
// creates flows and a track, writes drops, queries them with a built filter,
// aggregates them and reads statistics, printing each step.
//
//	go run ./cmd/flowthings-demo
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/flowthings/flowthings-wasm/emulator"
	"github.com/flowthings/flowthings-wasm/filter"
	"github.com/flowthings/flowthings-wasm/flowthings"
	"github.com/flowthings/flowthings-wasm/nethttp"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "flowthings-demo:", err)
		os.Exit(1)
	}
}

// run starts an emulator, runs the demo against it and stops it.
func run(ctx context.Context, out io.Writer) error {
	emu, err := emulator.New(emulator.Config{})
	if err != nil {
		return fmt.Errorf("start emulator: %w", err)
	}
	defer emu.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: emu.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // Serve returns ErrServerClosed on Shutdown.
	defer srv.Shutdown(context.Background())

	addr := ln.Addr().String()
	fmt.Fprintf(out, "emulator listening on http://%s (account %s)\n", addr, emulator.DefaultAccount)
	cfg := flowthings.Config{
		Account:  emulator.DefaultAccount,
		Token:    emulator.DefaultToken,
		Host:     addr,
		WSHost:   addr,
		Insecure: true,
	}
	return demo(ctx, cfg, out)
}

// demo is the client side: everything here would work the same against the
// hosted platform.
func demo(ctx context.Context, cfg flowthings.Config, out io.Writer) error {
	client, err := nethttp.NewClient(cfg)
	if err != nil {
		return err
	}
	step := func(format string, args ...any) { fmt.Fprintf(out, "• "+format+"\n", args...) }

	root := "/" + cfg.Account + "/demo"
	sensors, _, err := client.Flow.Create(ctx, &flowthings.Flow{Path: flowthings.Ptr(root + "/sensors"), Description: flowthings.Ptr("raw readings")}, nil)
	if err != nil {
		return fmt.Errorf("create flow: %w", err)
	}
	hot, _, err := client.Flow.Create(ctx, &flowthings.Flow{Path: flowthings.Ptr(root + "/hot"), Description: flowthings.Ptr("readings above 30 °C")}, nil)
	if err != nil {
		return fmt.Errorf("create flow: %w", err)
	}
	step("created flows %s (%s) and %s (%s)", sensors.GetPath(), sensors.GetID(), hot.GetPath(), hot.GetID())

	hotFilter, err := filter.Render(filter.M("elems", "temp").Gt(30))
	if err != nil {
		return err
	}
	track, _, err := client.Track.Create(ctx, &flowthings.Track{
		Source: sensors.Path, Destination: flowthings.PathList{hot.GetPath()}, Filter: &hotFilter,
	}, nil)
	if err != nil {
		return fmt.Errorf("create track: %w", err)
	}
	step("created track %s: %s → %s when %s", track.GetID(), track.GetSource(), hot.GetPath(), track.GetFilter())

	// Live: subscribe to the hot flow by path before writing, so every
	// drop the track copies there arrives over the WebSocket.
	ws, err := client.WebSocket(ctx, nil)
	if err != nil {
		return fmt.Errorf("open websocket: %w", err)
	}
	defer ws.Close()
	pushed := make(chan *flowthings.Drop, 64)
	if _, err := ws.Subscribe(ctx, hot.GetPath(), func(d *flowthings.Drop) { pushed <- d }); err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	step("subscribed to %s over a WebSocket", hot.GetPath())

	drops := client.Drop(sensors.GetID())
	towns := []string{"Brooklyn", "Queens"}
	const readings = 12
	for i := range readings {
		elems := flowthings.Elems{"temp": 20 + 2*i, "town": towns[i%2]}
		if _, _, err := drops.Create(ctx, &flowthings.Drop{Elems: elems}, nil); err != nil {
			return fmt.Errorf("write drop %d: %w", i, err)
		}
	}
	step("wrote %d drops to %s", readings, sensors.GetPath())

	live, err := receive(ctx, pushed, 6, 5*time.Second)
	if err != nil {
		return err
	}
	temp, _ := live[0].Elems.Float("temp")
	town, _ := live[0].Elems.String("town")
	step("received %d live pushes from %s, the first: %s, %g °C in %s", len(live), hot.GetPath(), live[0].GetID(), temp, town)

	found, _, err := drops.FindMany(ctx, flowthings.Params{"limit": 100, "hints": false},
		filter.M("elems", "town").Eq("Queens"), filter.M("elems", "temp").Gte(30))
	if err != nil {
		return fmt.Errorf("find: %w", err)
	}
	step("found %d drops in Queens at 30 °C or more", len(found))

	copied, _, err := client.Drop(hot.GetID()).FindMany(ctx, flowthings.Params{"limit": 100})
	if err != nil {
		return fmt.Errorf("find hot: %w", err)
	}
	step("the track copied %d drops into %s", len(copied), hot.GetPath())

	// Read, modify, save: the typed drop keeps whatever it does not know.
	first := copied[len(copied)-1]
	first.Elems["checked"] = true
	first.FHash = flowthings.Ptr("reviewed")
	if first, _, err = client.Drop(hot.GetID()).Save(ctx, first, nil); err != nil {
		return fmt.Errorf("save drop: %w", err)
	}
	checked, _ := first.Elems.Bool("checked")
	step("saved drop %s: version %d, checked %t", first.GetID(), first.GetVersion(), checked)

	rows, _, err := drops.Aggregate(ctx, flowthings.Aggregation{
		GroupBy: []string{"elems.town"},
		Output:  []string{"$count", "$avg:elems.temp", "$max:elems.temp"},
		Sorts:   []string{"elems.town:asc"},
	}, nil)
	if err != nil {
		return fmt.Errorf("aggregate: %w", err)
	}
	for _, r := range rows {
		town, _ := r.String("elems.town")
		count, _ := r.Int64("$count")
		avg, _ := r.Float("$avg:elems.temp")
		maxTemp, _ := r.Float("$max:elems.temp")
		step("aggregate %s: count %d, average %g, max %g", town, count, avg, maxTemp)
	}

	now := time.Now().UTC()
	counts, _, err := client.Statistics.FlowDropAdded(ctx, sensors.GetID(),
		flowthings.StatOptions{Year: now.Year(), Month: int(now.Month()), Day: now.Day()})
	if err != nil {
		return fmt.Errorf("statistics: %w", err)
	}
	step("statistics flowDropAdded today, by hour: %v", counts)

	_, _, err = client.Flow.Read(ctx, "f000000000000000000000000", nil)
	if !flowthings.IsNotFound(err) {
		return fmt.Errorf("reading an unknown flow: want a NotFoundError, got %v", err)
	}
	step("a typed error for an unknown flow: %v", err)
	fmt.Fprintln(out, "demo finished")
	return nil
}

// receive collects n pushed drops, or fails after the timeout.
func receive(ctx context.Context, pushed <-chan *flowthings.Drop, n int, timeout time.Duration) ([]*flowthings.Drop, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var got []*flowthings.Drop
	for len(got) < n {
		select {
		case d := <-pushed:
			got = append(got, d)
		case <-ctx.Done():
			return got, fmt.Errorf("received %d of %d live pushes: %w", len(got), n, ctx.Err())
		}
	}
	return got, nil
}

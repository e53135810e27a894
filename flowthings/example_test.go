package flowthings_test

import (
	"context"
	"fmt"

	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/filter"
	"github.com/flowthings/flowthings-wasm/flowthings"
)

// A fake platform: it answers every find with one flow.
var fakePlatform = flowthings.TransportFunc(func(ctx context.Context, req core.Request) (int, []byte, error) {
	return 200, []byte(`{"head":{"status":200,"ok":true,"errors":[],"messages":[]},
		"body":[{"id":"f54ad9d8bd4c68117a914ba24","path":"/alice/sensor","capacity":1000}]}`), nil
})

func Example() {
	c, err := flowthings.NewClient(core.Config{Account: "alice", Token: "…"}, fakePlatform)
	if err != nil {
		panic(err)
	}
	flows, _, err := c.Flow.FindMany(context.Background(), core.Params{"limit": 1},
		filter.M("path").Matches("^/alice/", ""))
	if err != nil {
		panic(err)
	}
	capacity, _ := flows[0]["capacity"].(interface{ Int64() (int64, error) }).Int64()
	fmt.Println(flows[0]["path"], capacity)
	// Output: /alice/sensor 1000
}

func ExampleConfig_BuildOp() {
	cfg := core.Config{Account: "alice", Token: "…"}
	req, err := cfg.BuildOp(core.Op{
		Service: core.ServiceDrop, FlowID: "f1", Name: core.OpFindMany,
		Params: core.Params{"filter": "elems.temp > 50", "limit": 5},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(req.Method, req.URL)
	// Output: GET https://api.flowthings.io/v0.1/alice/drop/f1?filter=elems.temp%20%3E%2050&limit=5
}

func ExampleM() {
	flow := flowthings.Object{"id": "f1", "path": "/alice/x", "description": "old"}
	model, diff := flowthings.M(flow).Modify("description", "new").Done()
	fmt.Println(flow["description"], model["description"], diff)
	// Output: old new map[description:new]
}

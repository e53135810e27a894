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
	c, err := flowthings.NewClient(flowthings.Config{Account: "alice", Token: "…", Host: "127.0.0.1:4000", Insecure: true}, fakePlatform)
	if err != nil {
		panic(err)
	}
	flows, _, err := c.Flow.FindMany(context.Background(), flowthings.Params{"limit": 1},
		filter.M("path").Matches("^/alice/", ""))
	if err != nil {
		panic(err)
	}
	fmt.Println(flows[0].GetPath(), flows[0].GetCapacity())
	// Output: /alice/sensor 1000
}

func ExampleConfig_BuildOp() {
	cfg := flowthings.Config{Account: "alice", Token: "…", Host: "127.0.0.1:4000", Insecure: true}
	req, err := cfg.BuildOp(core.Op{
		Service: core.ServiceDrop, FlowID: "f1", Name: core.OpFindMany,
		Params: flowthings.Params{"filter": "elems.temp > 50", "limit": 5},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(req.Method, req.URL)
	// Output: GET http://127.0.0.1:4000/v0.1/alice/drop/f1?filter=elems.temp%20%3E%2050&limit=5
}

func ExampleM() {
	flow := flowthings.Object{"id": "f1", "path": "/alice/x", "description": "old"}
	model, diff := flowthings.M(flow).Modify("description", "new").Done()
	fmt.Println(flow["description"], model["description"], diff)
	// Output: old new map[description:new]
}

func ExampleElems() {
	// A drop as v0.1 sends it: every elem typed, one integer beyond 2⁵³.
	d, err := flowthings.Into[*flowthings.Drop]([]byte(`{"id":"d1","elems":{
		"temp":{"type":"float","value":21.5},
		"count":9007199254740993,
		"seen":{"type":"date","value":1302547651168},
		"stats":{"type":"map","value":{"voltage":{"type":"float","value":15.4}}}}}`))
	if err != nil {
		panic(err)
	}
	temp, _ := d.Elems.Float("temp")
	count, _ := d.Elems.Int64("count")
	seen, _ := d.Elems.Time("seen")
	volts, _ := d.Elems.Float("stats", "voltage")
	_, missing := d.Elems.String("nope")
	fmt.Println(temp, count, seen.Format("2006-01-02"), volts, missing)

	d.Elems["contact"] = flowthings.Typed(flowthings.ElemEmail, "alice@example.com")
	fmt.Println(d.Elems.Type("contact"), d.Elems.Type("count") == "")
	// Output:
	// 21.5 9007199254740993 2011-04-11 15.4 false
	// email true
}

func ExampleObject() {
	var o flowthings.Object = flowthings.Object{"id": "f1", "nested": map[string]any{"list": []any{"a", "b"}}}
	id, _ := o.String("id")
	second, _ := o.Get("nested", "list", "1")
	_, ok := o.Int64("id") // a string is not an integer: no panic, just false
	fmt.Println(id, second, ok)
	// Output: f1 b false
}

// A platform that keeps a drop with a member this SDK does not know, and
// prints the body of each update it receives.
var keepingPlatform = flowthings.TransportFunc(func(ctx context.Context, req core.Request) (int, []byte, error) {
	body := `{"id":"d1","flowId":"f1","elems":{"n":9007199254740993},"fromTheFuture":{"x":[1,2]}}`
	if req.Method == "PUT" {
		fmt.Println("PUT", string(req.Body))
		body = string(req.Body)
	}
	return 200, []byte(`{"head":{"status":200,"ok":true,"errors":[],"messages":[]},"body":` + body + `}`), nil
})

// Read, modify and save a drop: members the SDK does not declare travel in
// Extra and go back unchanged; 64-bit elems stay exact.
func ExampleMutableService_Save() {
	c, err := flowthings.NewClient(flowthings.Config{Account: "alice", Token: "…", Host: "127.0.0.1:4000", Insecure: true}, keepingPlatform)
	if err != nil {
		panic(err)
	}
	drops := c.Drop("f1")
	d, _, err := drops.Read(context.Background(), "d1", nil)
	if err != nil {
		panic(err)
	}
	d.FHash = flowthings.Ptr("checked")
	if d, _, err = drops.Save(context.Background(), d, nil); err != nil {
		panic(err)
	}
	n, _ := d.Elems.Int64("n")
	fmt.Println(d.GetFHash(), n, string(d.Extra["fromTheFuture"]))
	// Output:
	// PUT {"id":"d1","flowId":"f1","elems":{"n":9007199254740993},"fhash":"checked","fromTheFuture":{"x":[1,2]}}
	// checked 9007199254740993 {"x":[1,2]}
}

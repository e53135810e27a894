package core

import (
	"testing"

	"github.com/valyala/fastjson"
)

// FuzzWSFrame feeds arbitrary server frames to the decoder and to an open
// engine with pending calls (msgIds 1–4) and subscriptions. It must never
// panic, and whatever it hands on as raw JSON must be valid JSON.
func FuzzWSFrame(f *testing.F) {
	for _, s := range []string{
		string(okReply("1", "{}")),
		string(okReply("3", `{"id":"f1","path":"/alice/x","n":[1,2.5e3,true,null]}`)),
		string(errReply("2", 404, "The requested resource could not be located at this address.")),
		string(errReply("4", 403, "forbidden")),
		`{"head":{"msgId":3,"ok":true},"body":[{"id":"d\u00e9"}]}`,
		`{"head":{"msgId":4.0,"status":201},"body":null}`,
		`{"head":{"msgId":"1","ok":"yes"}}`,
		`{"head":{"msgId":"1","errors":"x"}}`,
		string(push(flowA, drop(flowA, pathA))),
		`{"type":"message","value":{"path":"/alice/coaster/total","s":"\"\\\/\b\f\n\r\t\u0001"}}`,
		`{"type":"message","resource":7,"value":[]}`,
		`{"type":"heartbeat"}`,
		`{"type":"reply","id":1,"value":{}}`,
		`[]`, `null`, `{"head":null}`, `{"a":`, "\xff\xfe", ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := decodeWSFrame(data)
		if in.push {
			if err := fastjson.ValidateBytes(in.drop.Value); err != nil {
				t.Fatalf("push value %q is not valid JSON: %v", in.drop.Value, err)
			}
		}
		if in.env != nil {
			if err := fastjson.ValidateBytes(in.env.Body); err != nil {
				t.Fatalf("reply body %q is not valid JSON: %v", in.env.Body, err)
			}
		}

		e := NewWSEngine(wsTestCfg, WSSettings{})
		e.Connect()
		e.Opened()
		e.Subscribe(flowA, 1, true)                              // msgId 1
		e.Subscribe(pathA, 2, false)                             // msgId 2
		e.Send(WSFrame{Object: "flow", Type: "find", ID: flowA}) // msgId 3
		e.Send(WSFrame{Object: "drop", Type: "findmany", FlowID: flowA, Options: Params{"limit": 5}})
		for _, a := range e.FrameReceived(data) {
			switch a := a.(type) {
			case *Deliver:
				if err := fastjson.ValidateBytes(a.Drop.Value); err != nil {
					t.Fatalf("delivered %q is not valid JSON: %v", a.Drop.Value, err)
				}
			case *SettleReply:
				if a.Err == nil {
					if err := fastjson.ValidateBytes(a.Body); err != nil {
						t.Fatalf("settled body %q is not valid JSON: %v", a.Body, err)
					}
				} else {
					_ = a.Err.Error()
				}
			case *ReportError:
				_ = a.Err.Error()
			case *EndSubscription, *Find, *SetTimer:
			default:
				t.Fatalf("unexpected action %T", a)
			}
		}
		e.Closed(nil) // and the engine still shuts down cleanly
	})
}

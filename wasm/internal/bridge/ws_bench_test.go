package bridge_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/wasm/internal/bridge"
)

// BenchmarkWSPushes measures a batch of pushes as the JavaScript driver
// sends it (143 drops, as one read of the fan-in bench brings on average).
func BenchmarkWSPushes(b *testing.B) {
	br := bridge.New()
	var m map[string]any
	json.Unmarshal([]byte(br.Configure(o("account", "alice", "token", "T0kenT0ken", "host", "h.test", "wsHost", "ws.test"))), &m)
	cfg := m["id"].(float64)
	json.Unmarshal([]byte(br.WSNew(cfg, o("heartbeatMs", 0.0))), &m)
	id := m["id"].(float64)
	br.WSConnect(id)
	br.WSSession(id, o("method", "POST", "path", "/session", "account", "alice"), 200, sessionOK)
	br.WSOpened(id)
	json.Unmarshal([]byte(br.WSSubscribe(id, "f1", 1, true)), &m)
	var f map[string]any
	json.Unmarshal([]byte(m["actions"].([]any)[0].(map[string]any)["frame"].(string)), &f)
	json.Unmarshal([]byte(br.WSFrame(id, reply(f["msgId"].(string), "{}"))), &m)
	br.WSFound(id, m["actions"].([]any)[0].(map[string]any)["find"].(float64), o("drops", []any{}))
	const batch = 143
	b.ReportAllocs()
	b.ResetTimer()
	cd := 1700000000000
	for i := 0; i < b.N; i++ {
		var sb strings.Builder
		for k := 0; k < batch; k++ {
			cd++
			sb.WriteString("f1|d5f3a1c000123456789abcdef|f1|/alice/bench|" + strconv.Itoa(cd) + "|0|" + strconv.Itoa(cd) + "|")
		}
		// As the module gets it: the argument list's JSON, decoded.
		args, _ := json.Marshal([]any{id, sb.String()})
		v, _ := core.ParseJSON(args)
		br.WSPushes(v.([]any)[0].(float64), v.([]any)[1].(string))
	}
}

package nethttp

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flowthings/flowthings-wasm/flowthings"
)

// TestReadModifySaveKeepsUnknownMembers: a Go program reads a drop that has
// members this SDK does not know (as a newer platform may send: at the top
// level, inside location, a number beyond int64), changes it through the
// typed API and saves it. The PUT carries every unknown member unchanged,
// byte for byte, and 64-bit elems exactly. (The emulator stores only the
// members it knows, so a platform that keeps the drop as given plays it.)
func TestReadModifySaveKeepsUnknownMembers(t *testing.T) {
	t.Parallel()
	const (
		future = `{"deep":[1,2.50,{"x":null}],"s":"\u00e9"}`
		score  = `12345678901234567890`
		stored = `{"id":"d1","flowId":"f1","path":"/alice/x","version":1,"creationDate":1302547651168,` +
			`"elems":{"big":9007199254740993,"t":{"type":"float","value":1.5}},"fhash":"u",` +
			`"futureMember":` + future + `,"score":` + score + `,` +
			`"location":{"lat":40.7,"lon":-73.9,"geohash":"dr5r"}}`
	)
	var (
		mu  sync.Mutex
		put []byte
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := stored
		if r.Method == http.MethodPut {
			b, err := io.ReadAll(r.Body)
			assert.NoError(t, err)
			mu.Lock()
			put = b
			mu.Unlock()
			body = string(b) // a platform that stores what it is given
		}
		_, _ = io.WriteString(w, `{"head":{"status":200,"ok":true,"errors":[],"messages":[]},"body":`+body+`}`)
	}))
	t.Cleanup(srv.Close)
	c := clientFor(t, srv, nil)
	drops := c.Drop("f1")

	d, _, err := drops.Read(t.Context(), "d1", nil)
	require.NoError(t, err)
	big, ok := d.Elems.Int64("big")
	require.True(t, ok)
	assert.Equal(t, int64(9007199254740993), big)
	d.FHash = flowthings.Ptr("saved")
	d.Elems["t"] = 2.5
	saved, _, err := drops.Save(t.Context(), d, nil)
	require.NoError(t, err)

	mu.Lock()
	sent := put
	mu.Unlock()
	var body map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(sent, &body))
	assert.Equal(t, future, string(body["futureMember"]), "sent back byte for byte")
	assert.Equal(t, score, string(body["score"]))
	assert.JSONEq(t, `{"lat":40.7,"lon":-73.9,"geohash":"dr5r"}`, string(body["location"]))
	assert.JSONEq(t, `{"big":9007199254740993,"t":2.5}`, string(body["elems"]))
	assert.Contains(t, string(body["elems"]), `9007199254740993`, "64-bit elems exactly")
	assert.Equal(t, `"saved"`, string(body["fhash"]))
	for _, k := range []string{"id", "flowId", "path", "version", "creationDate"} {
		assert.Contains(t, body, k, "read members are sent back too")
	}

	assert.Equal(t, "saved", saved.GetFHash())
	assert.Equal(t, future, string(saved.Extra["futureMember"]))
	assert.Equal(t, "dr5r", func() string {
		var s string
		_ = json.Unmarshal(saved.GetLocation().Extra["geohash"], &s)
		return s
	}())
}

package emulator

import (
	"bytes"
	"encoding/json"
	"log"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// nested returns {"n": {"n": … 1}} with levels objects.
func nested(levels int) any {
	var x any = 1
	for range levels {
		x = map[string]any{"n": x}
	}
	return x
}

// TestNestingCap: bodies nesting deeper than MaxJSONDepth are a 400 that
// names the limit, over REST and WebSocket; what is accepted at the limit
// survives a restart (stored typed elems double the depth).
func TestNestingCap(t *testing.T) {
	dir := t.TempDir()
	v := newEnv(t, Config{DataDir: dir})
	fid := v.flow("/dev/deep", map[string]any{"capacity": 10})["id"].(string)

	// body (1) → elems (2) → x (3) → … : MaxJSONDepth-2 levels under x is the limit
	atCap := v.drop(fid, map[string]any{"x": nested(MaxJSONDepth - 2)})
	cases := []struct {
		name, method, path string
		body               any
	}{
		{"drop one level too deep", "POST", "/v0.1/dev/drop/" + fid, map[string]any{"elems": map[string]any{"x": nested(MaxJSONDepth - 1)}}},
		{"drop 5,000 levels deep", "POST", "/v0.1/dev/drop/" + fid, map[string]any{"elems": map[string]any{"x": nested(5000)}}},
		{"drop update too deep", "PUT", "/v0.1/dev/drop/" + fid + "/" + atCap["id"].(string), map[string]any{"elems": map[string]any{"x": nested(MaxJSONDepth)}}},
		{"flow with an unknown member 9,999 deep", "POST", "/v0.1/dev/flow", map[string]any{"path": "/dev/deeper", "junk": nested(9999)}},
		{"array nesting", "POST", "/v0.1/dev/flow", raw(`{"path":"/dev/arr","junk":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}`)},
		{"MGET ids nested", "MGET", "/v0.1/dev/flow", raw(strings.Repeat("[", 100) + strings.Repeat("]", 100))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := v.with(t).must(http.StatusBadRequest, c.method, c.path, c.body)
			assert.Contains(t, r.err(), strconv.Itoa(MaxJSONDepth), "the error names the limit")
			assert.Contains(t, r.err(), "nest")
		})
	}
	// strings with brackets do not count
	v.drop(fid, map[string]any{"s": strings.Repeat("[{", 500)})

	cl := v.connect()
	m := cl.must(http.StatusBadRequest, map[string]any{"object": "drop", "type": "create", "flowId": fid,
		"value": map[string]any{"elems": map[string]any{"x": nested(MaxJSONDepth)}}})
	assert.Contains(t, m.Head.Errors[0], strconv.Itoa(MaxJSONDepth))

	before := v.must(http.StatusOK, "GET", "/v0.1/dev/drop/"+fid+"/"+atCap["id"].(string), nil).obj()
	require.NoError(t, v.emu.Close())

	v2 := newEnv(t, Config{DataDir: dir})
	after := v2.must(http.StatusOK, "GET", "/v0.1/dev/drop/"+fid+"/"+atCap["id"].(string), nil).obj()
	assert.Equal(t, before, after, "a drop at the limit loads again")
}

// TestLoadNeverFailsOnAcceptedData: records written by an earlier version
// that accepted any depth still load, and a record that cannot be decoded
// at all is skipped with a log line instead of stopping the start.
func TestLoadNeverFailsOnAcceptedData(t *testing.T) {
	dir := t.TempDir()
	v := newEnv(t, Config{DataDir: dir})
	fid := v.flow("/dev/legacy")["id"].(string)
	kept := v.drop(fid, map[string]any{"ok": true})
	require.NoError(t, v.emu.Close())

	// what the earlier version stored for a 5,000-level drop: typed elems
	// double the depth, beyond encoding/json's 10,000
	var deep any = map[string]any{"type": "integer", "value": 1}
	for range 5000 {
		deep = map[string]any{"type": "map", "value": map[string]any{"n": deep}}
	}
	deepID := "d" + strings.Repeat("a", 24)
	rec, err := json.Marshal(record{Account: "dev", Seq: 1 << 40, FlowID: fid, Obj: map[string]any{
		"id": deepID, "flowId": fid, "path": "/dev/legacy", "version": 0, "creationDate": 1, "lastEditDate": 1,
		"creatorId": v.identityID("dev"), "lastEditorId": v.identityID("dev"), "elems": map[string]any{"x": deep}}})
	require.NoError(t, err)
	db, err := bolt.Open(dir+"/"+dbFileName, 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(svcDrop))
		if err := b.Put([]byte(deepID), rec); err != nil {
			return err
		}
		return b.Put([]byte("d"+strings.Repeat("b", 24)), []byte("not json at all"))
	}))
	require.NoError(t, db.Close())

	var logs bytes.Buffer
	v2 := newEnv(t, Config{DataDir: dir, Logger: log.New(&logs, "", 0)})
	got := v2.must(http.StatusOK, "GET", "/v0.1/dev/drop/"+fid+"?only=id&limit=10", nil).list()
	assert.ElementsMatch(t, []string{deepID, kept["id"].(string)}, ids(got), "the deep legacy drop is loaded")
	assert.Contains(t, logs.String(), "d"+strings.Repeat("b", 24), "the undecodable record is named in the log")
	// the deep drop can still be deleted
	v2.must(http.StatusOK, "DELETE", "/v0.1/dev/drop/"+fid+"/"+deepID, nil)
}

func TestDecodeTokensMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{`{}`, `[]`, `null`, `"s"`, `1.5e3`, `{"a":[1,{"b":null,"c":[true,false,"x\"y"]}],"d":{}}`, `[[],[[]],{"k":[{}]}]`} {
		t.Run(s, func(t *testing.T) {
			dec := json.NewDecoder(strings.NewReader(s))
			dec.UseNumber()
			var want any
			require.NoError(t, dec.Decode(&want))
			got, err := decodeTokens([]byte(s))
			require.NoError(t, err)
			assert.Equal(t, want, got)
		})
	}
	for _, s := range []string{``, `{`, `[1,]`, `{"a"}`, `1 2`} {
		_, err := decodeTokens([]byte(s))
		assert.Error(t, err, s)
	}
}

package emulator

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOperationLayer drives execute directly, as the WebSocket layer will.
func TestOperationLayer(t *testing.T) {
	e, err := New(Config{})
	require.NoError(t, err)
	defer e.Close()
	p, aerr := e.authenticate("dev", DefaultToken, "dev")
	require.Nil(t, aerr)

	res := e.execute(context.Background(), p, operation{Method: "post", Version: "0.1", Account: "dev", Service: "flow", Body: []byte(`{"path":"/dev/ws"}`)})
	require.Equal(t, http.StatusCreated, res.Status, res.Errors)
	fid := res.Body.(map[string]any)["id"].(string)

	res = e.execute(context.Background(), p, operation{Method: "POST", Version: "0.1", Account: "dev", Service: "drop", FlowID: fid, Body: []byte(`{"elems":{"user":"bob"}}`)})
	require.Equal(t, http.StatusCreated, res.Status, res.Errors)
	assert.Equal(t, map[string]any{"type": "string", "value": "bob"}, res.Body.(map[string]any)["elems"].(map[string]any)["user"])

	// create by path given in Params (a WS frame's "path")
	res = e.execute(context.Background(), p, operation{Method: "POST", Version: "0.1", Account: "dev", Service: "drop", Params: map[string]string{"path": "/dev/ws"}, Body: []byte(`{"elems":{}}`)})
	require.Equal(t, http.StatusCreated, res.Status, res.Errors)

	res = e.execute(context.Background(), p, operation{Method: "GET", Version: "0.1", Account: "dev", Service: "drop", FlowID: fid, Params: map[string]string{"limit": "1", "hints": "0"}})
	require.Equal(t, http.StatusOK, res.Status)
	require.Len(t, res.Body, 1)

	res = e.execute(context.Background(), p, operation{Method: "GET", Version: "0.1", Account: "dev", Service: "flow", ID: "f000000000000000000000000"})
	assert.Equal(t, http.StatusNotFound, res.Status)
	assert.Equal(t, []string{msgNotFound}, res.Errors)
	assert.Equal(t, map[string]any{}, res.Body, "never a nil body")

	_, aerr = e.authenticate("dev", "wrong", "dev")
	require.NotNil(t, aerr)
	assert.Equal(t, http.StatusUnauthorized, aerr.Status)
	_, aerr = e.authenticate("guest", DefaultGuestToken, "dev")
	require.NotNil(t, aerr)
	assert.Equal(t, http.StatusForbidden, aerr.Status)
}

func TestSubscribeCheck(t *testing.T) {
	v := newEnv(t, Config{})
	fid := v.flow("/dev/sub")["id"].(string)
	wo := v.create("token", map[string]any{"paths": map[string]any{"/dev/sub": map[string]any{"dropWrite": true}}})
	p, _ := v.emu.authenticate("", DefaultToken, "dev")
	id, path, err := v.emu.subscribeCheck(p, "dev", "", "/dev/sub")
	require.Nil(t, err)
	assert.Equal(t, fid, id)
	assert.Equal(t, "/dev/sub", path)
	id, _, err = v.emu.subscribeCheck(p, "dev", fid, "")
	require.Nil(t, err)
	assert.Equal(t, fid, id)
	_, _, err = v.emu.subscribeCheck(p, "dev", "f000000000000000000000000", "")
	assert.Equal(t, http.StatusNotFound, err.Status)
	_, _, err = v.emu.subscribeCheck(p, "dev", "", "/dev/none")
	assert.Equal(t, http.StatusNotFound, err.Status)
	pw, _ := v.emu.authenticate("", wo["tokenString"].(string), "dev")
	_, _, err = v.emu.subscribeCheck(pw, "dev", fid, "")
	assert.Equal(t, http.StatusForbidden, err.Status)
	v.must(200, "DELETE", "/v0.1/dev/token/"+wo["id"].(string), nil)
	_, _, err = v.emu.subscribeCheck(pw, "dev", fid, "")
	assert.Equal(t, http.StatusUnauthorized, err.Status)
}

// TestListenersOrderedAndMayRead: events arrive in storage order even with
// concurrent writers, and a listener may read the emulator.
func TestListenersOrderedAndMayRead(t *testing.T) {
	v := newEnv(t, Config{})
	fid := v.flow("/dev/ord", map[string]any{"capacity": 100000})["id"].(string)
	p, _ := v.emu.authenticate("", DefaultToken, "dev")
	var mu sync.Mutex
	var order []string
	readOK := 0
	defer v.emu.AddDropListener(func(ev DropEvent) {
		res := v.emu.execute(context.Background(), p, operation{Method: "GET", Version: "0.1", Account: "dev", Service: "drop", FlowID: ev.FlowID, ID: ev.Drop["id"].(string)})
		mu.Lock()
		defer mu.Unlock()
		order = append(order, ev.Drop["id"].(string))
		if res.Status == http.StatusOK {
			readOK++
		}
	})()
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				v.emu.execute(context.Background(), p, operation{Method: "POST", Version: "0.1", Account: "dev", Service: "drop", FlowID: fid,
					Body: []byte(fmt.Sprintf(`{"elems":{"w":%d}}`, w))})
			}
		}(w)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("deadlock: listener reading the emulator")
	}
	v.emu.mu.RLock()
	var stored []string
	for _, r := range v.emu.st.flowDrops[fid].recs {
		stored = append(stored, r.id)
	}
	v.emu.mu.RUnlock()
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, stored, order, "events in storage order")
	assert.Equal(t, 200, readOK)
}

func TestListenerPanicIsContained(t *testing.T) {
	v := newEnv(t, Config{})
	fid := v.flow("/dev/lp")["id"].(string)
	defer v.emu.AddDropListener(func(DropEvent) { panic("listener bug") })()
	n := 0
	remove := v.emu.AddDropListener(func(DropEvent) { n++ })
	v.drop(fid, map[string]any{})
	remove()
	v.drop(fid, map[string]any{})
	assert.Equal(t, 1, n, "other listeners still run; removed listeners do not")
}

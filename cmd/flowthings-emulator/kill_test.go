package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// childDirEnv, when set, makes TestKill9Child run the command on that data
// directory until it is killed (the parent re-executes this test binary).
const childDirEnv = "FLOWTHINGS_EMULATOR_KILL9_CHILD_DIR"

func TestKill9Child(t *testing.T) {
	dir := os.Getenv(childDirEnv)
	if dir == "" {
		t.Skip("only run as the child of TestKill9KeepsAcknowledgedDrops")
	}
	err := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-data", dir, "-quiet"}, func(string) string { return "" }, os.Stdout, os.Stderr)
	t.Fatalf("the emulator stopped: %v", err) // it runs until killed
}

// emulatorChild is the command running in a child process.
type emulatorChild struct {
	cmd  *exec.Cmd
	base string // REST base URL
}

func startChild(t *testing.T, dir string) *emulatorChild {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKill9Child$")
	cmd.Env = append(os.Environ(), childDirEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if line := sc.Text(); strings.HasPrefix(line, "flowthings-emulator ready ") {
				ready <- line
			}
		}
	}()
	select {
	case line := <-ready:
		for _, kv := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(kv, "rest="); ok {
				return &emulatorChild{cmd: cmd, base: v}
			}
		}
		t.Fatalf("no rest= in %q", line)
	case <-time.After(30 * time.Second):
		t.Fatal("the child printed no ready line")
	}
	return nil
}

// kill9 sends SIGKILL: no shutdown code runs.
func (c *emulatorChild) kill9(t *testing.T) {
	t.Helper()
	require.NoError(t, c.cmd.Process.Signal(syscall.SIGKILL))
	_ = c.cmd.Wait()
}

func (c *emulatorChild) do(client *http.Client, method, path, body string) (int, map[string]any, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("X-Auth-Token", "flowthings-emulator-dev-token-01")
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	var env map[string]any
	if err := json.NewDecoder(res.Body).Decode(&env); err != nil {
		return res.StatusCode, nil, err
	}
	return res.StatusCode, env, nil
}

// TestKill9KeepsAcknowledgedDrops: the command with a data directory is
// killed with SIGKILL while 8 clients write drops; after a restart every
// drop that was acknowledged (201) is there. Three rounds on one directory.
func TestKill9KeepsAcknowledgedDrops(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL")
	}
	dir := t.TempDir()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	child := startChild(t, dir)
	status, env, err := child.do(client, "POST", "/flow", `{"path":"/dev/kill9","capacity":100000}`)
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, status, env)
	fid := env["body"].(map[string]any)["id"].(string)

	var mu sync.Mutex
	acked := map[string]bool{}
	for round := range 3 {
		var wg sync.WaitGroup
		var n atomic.Int64
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					status, env, err := child.do(client, "POST", "/drop/"+fid, fmt.Sprintf(`{"elems":{"round":%d,"w":%d,"i":%d}}`, round, w, i))
					if err != nil {
						return // killed
					}
					if status == http.StatusCreated {
						mu.Lock()
						acked[env["body"].(map[string]any)["id"].(string)] = true
						mu.Unlock()
						n.Add(1)
					}
				}
			}()
		}
		deadline := time.Now().Add(5 * time.Second)
		for n.Load() < 400 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		child.kill9(t) // mid-write: the writers are still going
		wg.Wait()
		client.CloseIdleConnections()
		t.Logf("round %d: %d drops acknowledged before SIGKILL", round, n.Load())
		require.Positive(t, n.Load())

		child = startChild(t, dir)
		stored := map[string]bool{}
		for start := 0; ; start += 1000 {
			status, env, err := child.do(client, "GET", fmt.Sprintf("/drop/%s?limit=1000&start=%d&only=id", fid, start), "")
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, status, env)
			page := env["body"].([]any)
			for _, d := range page {
				stored[d.(map[string]any)["id"].(string)] = true
			}
			if len(page) < 1000 {
				break
			}
		}
		mu.Lock()
		missing := 0
		for id := range acked {
			if !stored[id] {
				missing++
			}
		}
		total := len(acked)
		mu.Unlock()
		assert.Zero(t, missing, "round %d: %d of %d acknowledged drops lost", round, missing, total)
		assert.GreaterOrEqual(t, len(stored), total)
	}
	child.kill9(t)
}

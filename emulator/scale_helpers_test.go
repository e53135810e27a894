package emulator

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// typicalDrop is a 1 Hz sensor reading with five elems.
func typicalDrop(i int) string {
	return fmt.Sprintf(`{"elems":{"temp":%d.%d,"humidity":%d,"device":"sensor-%03d","ok":%t,"seq":%d}}`,
		10+i%25, i%10, 30+i%50, i%200, i%7 != 0, i)
}

// benchCreate creates an object (or a drop in flowID) in process and
// returns its id.
func benchCreate(b testing.TB, e *Emulator, p *principal, svc, flowID, body string) string {
	res := e.execute(context.Background(), p, operation{Method: "POST", Version: "0.1", Account: p.Account, Service: svc, FlowID: flowID, Body: []byte(body)})
	if res.Status != http.StatusCreated {
		b.Fatalf("create %s: %d %v", svc, res.Status, res.Errors)
	}
	id, _ := res.Body.(map[string]any)["id"].(string)
	return id
}

func decodeInto(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }

// benchDo sends one request as the dev master and returns the number of
// items in a list body (-1 otherwise).
func benchDo(b testing.TB, client *http.Client, method, url, body string) int {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("X-Auth-Token", DefaultToken)
	res, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	var env struct {
		Head struct{ Status int } `json:"head"`
		Body json.RawMessage      `json:"body"`
	}
	if err := json.NewDecoder(res.Body).Decode(&env); err != nil {
		b.Fatal(err)
	}
	if res.StatusCode >= 300 {
		b.Fatalf("%s %s: %d %s", method, url[:min(len(url), 200)], res.StatusCode, env.Body)
	}
	var l []json.RawMessage
	if json.Unmarshal(env.Body, &l) != nil {
		return -1
	}
	return len(l)
}

func benchGet(b testing.TB, client *http.Client, url string) int {
	return benchDo(b, client, "GET", url, "")
}

// benchSend sends a request as the dev master, reads the answer away and
// returns its status (0 with the error when ctx ended or the request
// failed).
func benchSend(ctx context.Context, client *http.Client, method, url, body string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("X-Auth-Token", DefaultToken)
	res, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, nil
}

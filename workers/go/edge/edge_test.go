//go:build !js

package edge_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/emulator"
	"github.com/flowthings/flowthings-wasm/flowthings"
	"github.com/flowthings/flowthings-wasm/nethttp"
	"github.com/flowthings/flowthings-wasm/workers/go/edge"
	"github.com/flowthings/flowthings-wasm/workers/go/isolate"
)

const (
	deviceSecret = "device-shared-secret" // the Worker's DEVICE_SECRET
	deviceID     = "sensor-7"
)

// deviceHeader is the headers of device id, with its secret.
func deviceHeader(id string) map[string]string {
	return map[string]string{"x-device-id": id, "x-device-secret": edge.DeviceSecret(deviceSecret, id)}
}

// newEdge starts an emulator on 127.0.0.1 with the flow /dev/edge and
// returns a Handler for it.
func newEdge(t *testing.T, tweak func(*edge.Config)) *edge.Handler {
	t.Helper()
	emu, err := emulator.New(emulator.Config{})
	require.NoError(t, err)
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(func() { srv.Close(); _ = emu.Close() })
	cfg := edge.FromEnv(func(name string) string {
		return map[string]string{
			"FLOWTHINGS_ACCOUNT": emulator.DefaultAccount,
			"FLOWTHINGS_TOKEN":   emulator.DefaultToken,
			"FLOWTHINGS_HOST":    srv.URL,
			"DEVICE_SECRET":      deviceSecret,
			"INGEST_MAX_BYTES":   "1024",
		}[name]
	})
	if tweak != nil {
		tweak(&cfg)
	}
	transport := nethttp.NewTransport(srv.Client())
	client, err := flowthings.NewClient(core.Config{Account: cfg.Account, Token: cfg.Token, Host: strings.TrimPrefix(srv.URL, "http://"), Insecure: true}, transport)
	require.NoError(t, err)
	_, _, err = client.Flow.Create(t.Context(), &flowthings.Flow{Path: ptr("/dev/edge")}, nil)
	require.NoError(t, err)
	return edge.New(cfg, transport)
}

func ptr[T any](v T) *T { return &v }

type answer struct {
	Status int
	Header map[string]string
	JSON   map[string]any
}

func do(t *testing.T, h *edge.Handler, method, target, body string, header map[string]string) answer {
	t.Helper()
	r := &isolate.Request{Method: method, URL: "https://edge.example" + target, Header: header,
		ReadBody: func(_ context.Context, maxBytes int64) ([]byte, error) {
			if int64(len(body)) > maxBytes {
				return nil, isolate.ErrBodyTooLarge
			}
			return []byte(body), nil
		}}
	if r.Header == nil {
		r.Header = deviceHeader(deviceID)
	}
	resp := h.ServeRequest(t.Context(), r)
	a := answer{Status: resp.Status, Header: resp.Header}
	require.NoError(t, json.Unmarshal(resp.Body, &a.JSON), string(resp.Body))
	assert.Equal(t, "application/json; charset=utf-8", resp.Header["content-type"])
	assert.NotContains(t, string(resp.Body), emulator.DefaultToken)
	assert.NotContains(t, string(resp.Body), deviceSecret)
	if given := r.Header["x-device-secret"]; given != "" {
		assert.NotContains(t, string(resp.Body), given, "no answer echoes the device's secret")
	}
	return a
}

func TestIngestAndLatest(t *testing.T) {
	h := newEdge(t, nil)
	one := do(t, h, "POST", "/ingest/dev/edge", `{"temp": 21}`, nil)
	require.Equal(t, 201, one.Status, one.JSON)
	assert.Len(t, one.JSON["ids"], 1)
	batch := do(t, h, "POST", "/ingest/dev/edge", `[{"temp": 35}, {"temp": 40, "hot": true}, {"temp": 5}]`, nil)
	require.Equal(t, 201, batch.Status, batch.JSON)
	assert.Len(t, batch.JSON["ids"], 3)

	latest := do(t, h, "GET", "/flows/dev/edge/latest?limit=4", "", nil)
	require.Equal(t, 200, latest.Status, latest.JSON)
	assert.Len(t, latest.JSON["drops"], 4)

	hot := do(t, h, "GET", "/flows/dev/edge/latest?filter="+url.QueryEscape("elems.temp > 30"), "", nil)
	require.Equal(t, 200, hot.Status, hot.JSON)
	var temps []float64
	for _, d := range hot.JSON["drops"].([]any) {
		temps = append(temps, d.(map[string]any)["elems"].(map[string]any)["temp"].(float64))
	}
	assert.ElementsMatch(t, []float64{35, 40}, temps)
}

func TestRefusals(t *testing.T) {
	h := newEdge(t, nil)
	tests := []struct {
		name, method, target, body string
		header                     map[string]string
		status                     int
		code                       string
	}{
		{"not JSON", "POST", "/ingest/dev/edge", `{"temp":`, nil, 400, "json"},
		{"an empty array", "POST", "/ingest/dev/edge", `[]`, nil, 400, "shape"},
		{"an array of numbers", "POST", "/ingest/dev/edge", `[1]`, nil, 400, "shape"},
		{"a string", "POST", "/ingest/dev/edge", `"x"`, nil, 400, "shape"},
		{"too many drops", "POST", "/ingest/dev/edge", "[" + strings.Repeat("{},", edge.MaxBatch) + "{}]", nil, 400, "shape"},
		{"too large", "POST", "/ingest/dev/edge", `{"pad":"` + strings.Repeat("x", 1024) + `"}`, nil, 413, "tooLarge"},
		{"a bad limit", "GET", "/flows/dev/edge/latest?limit=101", "", nil, 400, "limit"},
		{"an unknown flow", "GET", "/flows/dev/nope/latest", "", nil, 404, "notFound"},
		{"outside the prefix", "GET", "/flows/other/x/latest", "", nil, 403, "path"},
		{"an empty segment", "GET", "/flows/dev/a%2F%2Fb/latest", "", nil, 400, "path"},
		{"bad percent-encoding", "GET", "/flows/dev/%zz/latest", "", nil, 400, "path"},
		{"no such route", "GET", "/", "", nil, 404, "route"},
		{"GET on ingest", "GET", "/ingest/dev/edge", "", nil, 405, "method"},
		{"POST on latest", "POST", "/flows/dev/edge/latest", "", nil, 405, "method"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := do(t, h, tt.method, tt.target, tt.body, tt.header)
			assert.Equal(t, tt.status, a.Status, a.JSON)
			assert.Equal(t, tt.code, a.JSON["error"].(map[string]any)["code"])
		})
	}
}

func TestFilterErrorPositionIsAJavaScriptIndex(t *testing.T) {
	h := newEdge(t, nil)
	text := "elems.température >> 30 && 😀"
	a := do(t, h, "GET", "/flows/dev/edge/latest?filter="+url.QueryEscape(text), "", nil)
	require.Equal(t, 400, a.Status)
	e := a.JSON["error"].(map[string]any)
	assert.Equal(t, "filter", e["code"])
	assert.EqualValues(t, len([]rune("elems.température >")), e["position"], "UTF-16 code units, not bytes")
}

func TestConfigAndPlatformFailures(t *testing.T) {
	for name, cfg := range map[string]edge.Config{
		"no token": {Account: "dev", Host: "127.0.0.1:1"},
		"no host":  {Account: "dev", Token: "t"},
	} {
		t.Run(name, func(t *testing.T) {
			a := do(t, edge.New(cfg, nethttp.NewTransport(nil)), "GET", "/flows/dev/x/latest", "", nil)
			assert.Equal(t, 500, a.Status)
			assert.Equal(t, "config", a.JSON["error"].(map[string]any)["code"])
		})
	}
	t.Run("no device secret", func(t *testing.T) {
		h := newEdge(t, func(c *edge.Config) { c.DeviceSecret = "" })
		a := do(t, h, "POST", "/ingest/dev/edge", `{}`, nil)
		assert.Equal(t, 500, a.Status)
	})
	t.Run("the platform down", func(t *testing.T) {
		srv := httptest.NewServer(nil)
		host := srv.URL
		srv.Close()
		h := edge.New(edge.Config{Account: "dev", Token: "t", Host: host, DeviceSecret: deviceSecret}, nethttp.NewTransport(nil))
		for _, a := range []answer{
			do(t, h, "POST", "/ingest/dev/edge", `[{}, {}]`, nil),
			do(t, h, "GET", "/flows/dev/edge/latest", "", nil),
		} {
			assert.Equal(t, 502, a.Status)
			assert.Equal(t, "transport", a.JSON["error"].(map[string]any)["code"])
		}
	})
	t.Run("CORS", func(t *testing.T) {
		h := newEdge(t, func(c *edge.Config) { c.CORSOrigin = "https://dash.example" })
		a := do(t, h, "GET", "/flows/dev/edge/latest", "", nil)
		assert.Equal(t, "https://dash.example", a.Header["access-control-allow-origin"])
	})
}

func TestDeviceSecret(t *testing.T) {
	// The same as: printf %s sensor-7 | openssl dgst -sha256 -hmac dev-device-secret
	assert.Equal(t, "b1c6b3ead5f29cde5dc8f98a647a288c4905d20321f8d3e6ec925e3786cbe449", edge.DeviceSecret("dev-device-secret", "sensor-7"))
	for id, want := range map[string]bool{
		"sensor-7": true, "aa:bb:cc:dd:ee:ff": true, "0f8fad5b-d9cb-469f-a165-70867728950e": true, "a.b_c": true,
		strings.Repeat("x", edge.MaxDeviceIDLen): true,
		"":                                       false, strings.Repeat("x", edge.MaxDeviceIDLen+1): false, "a b": false, "a/b": false, `a"b`: false, "é": false, "a\n": false,
	} {
		assert.Equal(t, want, edge.ValidDeviceID(id), "%q", id)
	}
}

func TestDeviceAuthentication(t *testing.T) {
	h := newEdge(t, nil)
	secret := edge.DeviceSecret(deviceSecret, deviceID)
	tests := []struct {
		name   string
		header map[string]string
		status int
		code   string
		blame  string // the header the error names
	}{
		{"its own secret", deviceHeader(deviceID), 201, "", ""},
		{"its secret in upper case", map[string]string{"x-device-id": deviceID, "x-device-secret": strings.ToUpper(secret)}, 201, "", ""},
		{"no headers", map[string]string{}, 401, "unauthorized", "X-Device-Id"},
		{"no device id", map[string]string{"x-device-secret": secret}, 401, "unauthorized", "X-Device-Id"},
		{"an empty device id", map[string]string{"x-device-id": "", "x-device-secret": secret}, 401, "unauthorized", "X-Device-Id"},
		{"a device id with a slash", map[string]string{"x-device-id": "a/b", "x-device-secret": secret}, 401, "unauthorized", "X-Device-Id"},
		{"a device id too long", deviceHeader(strings.Repeat("x", edge.MaxDeviceIDLen+1)), 401, "unauthorized", "X-Device-Id"},
		{"no secret", map[string]string{"x-device-id": deviceID}, 401, "unauthorized", "X-Device-Secret"},
		{"another device's secret", map[string]string{"x-device-id": deviceID, "x-device-secret": edge.DeviceSecret(deviceSecret, "sensor-8")}, 401, "unauthorized", "X-Device-Secret"},
		{"the Worker's own DEVICE_SECRET", map[string]string{"x-device-id": deviceID, "x-device-secret": deviceSecret}, 401, "unauthorized", "X-Device-Secret"},
		{"a secret from another DEVICE_SECRET", map[string]string{"x-device-id": deviceID, "x-device-secret": edge.DeviceSecret("other", deviceID)}, 401, "unauthorized", "X-Device-Secret"},
		{"a truncated secret", map[string]string{"x-device-id": deviceID, "x-device-secret": secret[:62]}, 401, "unauthorized", "X-Device-Secret"},
		{"a secret with one more byte", map[string]string{"x-device-id": deviceID, "x-device-secret": secret + "00"}, 401, "unauthorized", "X-Device-Secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := do(t, h, "POST", "/ingest/dev/edge", `{"temp": 1}`, tt.header)
			require.Equal(t, tt.status, a.Status, a.JSON)
			if tt.status == 201 {
				return
			}
			e := a.JSON["error"].(map[string]any)
			assert.Equal(t, tt.code, e["code"])
			assert.Equal(t, tt.blame, e["header"])
			assert.Contains(t, e["message"], tt.blame)
		})
	}
}

func TestDropsRecordTheDeviceID(t *testing.T) {
	h := newEdge(t, nil)
	for _, id := range []string{"sensor-7", "aa:bb:cc:dd:ee:ff"} {
		a := do(t, h, "POST", "/ingest/dev/edge", `[{"temp": 1}, {"temp": 2, "deviceId": "`+id+`"}]`, deviceHeader(id))
		require.Equal(t, 201, a.Status, a.JSON)
	}
	mine := do(t, h, "GET", "/flows/dev/edge/latest?filter="+url.QueryEscape(`elems.deviceId == "aa:bb:cc:dd:ee:ff"`), "", nil)
	require.Equal(t, 200, mine.Status, mine.JSON)
	drops := mine.JSON["drops"].([]any)
	require.Len(t, drops, 2)
	for _, d := range drops {
		assert.Equal(t, "aa:bb:cc:dd:ee:ff", d.(map[string]any)["elems"].(map[string]any)["deviceId"])
	}

	spoof := do(t, h, "POST", "/ingest/dev/edge", `[{"temp": 3}, {"temp": 4, "deviceId": "sensor-8"}]`, deviceHeader(deviceID))
	assert.Equal(t, 400, spoof.Status)
	assert.Equal(t, "deviceId", spoof.JSON["error"].(map[string]any)["code"])
	notString := do(t, h, "POST", "/ingest/dev/edge", `{"deviceId": 7}`, deviceHeader("7"))
	assert.Equal(t, 400, notString.Status)
}

// Package wstest builds the server frames of the WebSocket protocol for the
// tests of the engine (core) and of its Go driver (flowthings).
package wstest

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/valyala/fastjson"
)

// OKReply is a successful reply to msgID with the raw JSON body.
func OKReply(msgID, body string) []byte {
	return fmt.Appendf(nil, `{"head":{"msgId":%q,"ok":true,"status":200,"errors":[],"messages":[]},"body":%s}`, msgID, body)
}

// ErrReply is a failed reply to msgID.
func ErrReply(msgID string, status int, msg string) []byte {
	return fmt.Appendf(nil, `{"head":{"msgId":%q,"ok":false,"status":%d,"errors":[%q],"messages":[]},"body":{}}`, msgID, status, msg)
}

// Push is a push frame of the drop value (raw JSON) to resource.
func Push(resource, value string) []byte {
	return fmt.Appendf(nil, `{"type":"message","resource":%q,"value":%s}`, resource, value)
}

// Drop is the raw JSON of a small drop of the flow flowID at path.
func Drop(flowID, path string) string {
	return fmt.Sprintf(`{"id":"d1","flowId":%q,"path":%q,"elems":{"n":{"type":"integer","value":1}}}`, flowID, path)
}

// MsgIDOf reads the msgId of a client frame.
func MsgIDOf(t testing.TB, frame string) string {
	t.Helper()
	v, err := fastjson.Parse(frame)
	require.NoError(t, err, frame)
	return string(v.GetStringBytes("msgId"))
}

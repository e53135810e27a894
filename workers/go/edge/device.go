package edge

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
)

// Each device has a secret of its own, derived from the Worker's one
// DEVICE_SECRET so that the Worker holds a single secret binding and keeps
// no list of devices: a device sends its id in X-Device-Id and its secret
// in X-Device-Secret, and the Worker derives the secret again and compares.
// Revoking one device means rotating DEVICE_SECRET (every device gets a new
// secret) or refusing its id with FLOW_PREFIX-like rules of your own.
const (
	// MaxDeviceIDLen is the longest device id, in bytes.
	MaxDeviceIDLen = 64
	// DeviceIDElem is the elem each drop an ingest writes records the
	// device's id in.
	DeviceIDElem = "deviceId"
)

// DeviceSecret is the secret of device id under DEVICE_SECRET key: the
// HMAC-SHA-256 of id keyed with key, as 64 lower-case hex digits
// (node workers/device-secret.js id computes it).
func DeviceSecret(key, id string) string {
	return hex.EncodeToString(deviceMAC([]byte(key), id))
}

func deviceMAC(key []byte, id string) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id))
	return mac.Sum(nil)
}

// ValidDeviceID reports whether id is a device id: 1 to MaxDeviceIDLen
// letters, digits, '.', '_', ':' or '-' (a serial number, a MAC address, a
// UUID), so that it is safe in a drop, a log line and a filter.
func ValidDeviceID(id string) bool {
	if id == "" || len(id) > MaxDeviceIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-') {
			return false
		}
	}
	return true
}

// authenticate checks X-Device-Id and X-Device-Secret and returns the
// device's id. The secret is compared in constant time; no answer holds it.
func (h *Handler) authenticate(header map[string]string) (string, error) {
	if len(h.deviceKey) == 0 {
		return "", &Error{Status: 500, Code: "config", Message: "the Worker needs the DEVICE_SECRET secret to accept data"}
	}
	id, ok := header["x-device-id"]
	if !ok {
		return "", unauthorized("X-Device-Id", "the X-Device-Id header is missing")
	}
	if !ValidDeviceID(id) {
		return "", unauthorized("X-Device-Id", "the X-Device-Id header is not a device id: 1 to "+strconv.Itoa(MaxDeviceIDLen)+" letters, digits, '.', '_', ':' or '-'")
	}
	given, ok := header["x-device-secret"]
	if !ok {
		return "", unauthorized("X-Device-Secret", "the X-Device-Secret header is missing")
	}
	// Hex decoding tells only whether given is 64 hex digits, which every
	// right secret is: nothing about the right one leaks.
	mac, err := hex.DecodeString(given)
	if err != nil || !hmac.Equal(mac, deviceMAC(h.deviceKey, id)) {
		return "", unauthorized("X-Device-Secret", "the X-Device-Secret header is wrong for this X-Device-Id")
	}
	return id, nil
}

func unauthorized(header, message string) *Error {
	return &Error{Status: 401, Code: "unauthorized", Message: message, Header: header}
}

// withDeviceID returns elems (a JSON object) with the elem DeviceIDElem set
// to id. An object that sets it to anything else is refused: a device
// cannot write drops in another's name.
func withDeviceID(elems json.RawMessage, id string) (json.RawMessage, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(elems, &members); err != nil {
		return nil, &Error{Status: 400, Code: "json", Message: "the body is not JSON"}
	}
	if given, ok := members[DeviceIDElem]; ok {
		var s string
		if json.Unmarshal(given, &s) != nil || s != id {
			return nil, &Error{Status: 400, Code: "deviceId", Message: "the elem " + DeviceIDElem + " is the Worker's: it records the X-Device-Id header; leave it out or give the same id"}
		}
	}
	members[DeviceIDElem] = json.RawMessage(strconv.Quote(id)) // a device id is ASCII without quotes or backslashes: Go's quoting is JSON's
	return json.Marshal(members)
}

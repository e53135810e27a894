package emulator

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"sync"
	"time"
)

// ID prefixes per object kind (docs/protocol.md §1.6).
const (
	prefixFlow         = 'f'
	prefixDrop         = 'd'
	prefixTrack        = 't'
	prefixIdentity     = 'i'
	prefixGroup        = 'g'
	prefixToken        = 'k'
	prefixShare        = 's'
	prefixDevice       = 'v'
	prefixAPITask      = 'q'
	prefixMQTT         = 'm'
	prefixRSS          = 'r'
	prefixAVConnection = 'a' // not documented; our choice
)

// idGen makes ObjectId-like ids: a one-letter prefix and 24 lowercase hex
// digits = 4 bytes of Unix seconds, 5 random bytes fixed per generator and a
// 3-byte counter that starts at a random value. Ids from one generator are
// unique and sort by creation time (second resolution), like Mongo's.
type idGen struct {
	mu      sync.Mutex
	now     func() time.Time
	machine [5]byte
	counter uint32
}

func newIDGen(now func() time.Time) *idGen {
	g := &idGen{now: now}
	var b [8]byte
	mustRand(b[:])
	copy(g.machine[:], b[:5])
	g.counter = binary.BigEndian.Uint32(b[4:]) & 0xffffff
	return g
}

func (g *idGen) next(prefix byte) string {
	g.mu.Lock()
	g.counter = (g.counter + 1) & 0xffffff
	c := g.counter
	g.mu.Unlock()
	var raw [12]byte
	binary.BigEndian.PutUint32(raw[0:4], uint32(g.now().Unix()))
	copy(raw[4:9], g.machine[:])
	raw[9], raw[10], raw[11] = byte(c>>16), byte(c>>8), byte(c)
	out := make([]byte, 25)
	out[0] = prefix
	hex.Encode(out[1:], raw[:])
	return string(out)
}

func mustRand(b []byte) {
	if _, err := rand.Read(b); err != nil {
		panic("emulator: crypto/rand failed: " + err.Error())
	}
}

const secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// RandomSecret returns n characters from [A-Za-z0-9] read from crypto/rand.
func RandomSecret(n int) string {
	out := make([]byte, n)
	buf := make([]byte, 1)
	for i := 0; i < n; {
		mustRand(buf)
		if int(buf[0]) >= 256-256%len(secretAlphabet) { // avoid modulo bias
			continue
		}
		out[i] = secretAlphabet[int(buf[0])%len(secretAlphabet)]
		i++
	}
	return string(out)
}

// tokenStringLength is the length of generated Token tokenStrings: 28 like
// the docs' examples, and deliberately not 32 (clients treat a 32-char
// token as a master token).
const tokenStringLength = 28

// isObjectID reports whether s looks like one of our ids: a lowercase letter
// and 24 lowercase hex digits.
func isObjectID(s string) bool {
	if len(s) != 25 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < 25; i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

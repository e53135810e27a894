package emulator

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"slices"
	"sync"

	"github.com/flowthings/flowthings-wasm/filter"
)

// Stored drops are kept encoded, about 200 bytes for a drop of five elems
// where the decoded maps (typed elems are a map each) take about 3 KB, and
// are decoded when they are read. The encoding is private to the process
// (the database keeps JSON). A value is a tag byte and its payload:
//
//	tagNull tagFalse tagTrue
//	tagInt     zig-zag varint (int64)
//	tagFloat   8 bytes, IEEE 754 little endian (float64)
//	tagString  uvarint length, bytes
//	tagList    uvarint count, values
//	tagMap     uvarint count, (key, value) pairs; a key is a uvarint k:
//	           k > 0 names knownKeys[k-1], k == 0 is followed by uvarint
//	           length and bytes
//	tagTyped   {"type": T, "value": V} with T one of elemTypeNames:
//	           a byte (index of T), then V
//
// Decoding returns fresh maps and slices the caller owns; map keys and type
// names come from the tables, so they cost nothing.

const (
	tagNull byte = iota
	tagFalse
	tagTrue
	tagInt
	tagFloat
	tagString
	tagList
	tagMap
	tagTyped
)

var knownKeys = []string{"id", "flowId", "path", "version", "creationDate", "lastEditDate", "creatorId",
	"lastEditorId", "elems", "location", "fhash", "parentDropId", "dropId", "lat", "lon", "specifiers",
	"zip", "city", "state", "street", "type", "value"}

// elemTypeNames are the elem types (filter's list); the encoding, private to
// the process, stores a type as its index here.
var elemTypeNames = filter.ElemTypes()

var (
	keyIndex  = indexOf(knownKeys)
	typeIndex = indexOf(elemTypeNames)
)

func indexOf(names []string) map[string]int {
	m := make(map[string]int, len(names))
	for i, n := range names {
		m[n] = i
	}
	return m
}

var encodeBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// encodeDrop encodes a stored drop's members except skip (the members the
// record keeps itself: id, flowId, path) into a slice of its own.
func encodeDrop(obj map[string]any, skip ...string) []byte {
	bp := encodeBuffers.Get().(*[]byte)
	b := (*bp)[:0]
	n := 0
	for k := range obj {
		if !slices.Contains(skip, k) {
			n++
		}
	}
	b = append(b, tagMap)
	b = binary.AppendUvarint(b, uint64(n))
	for k, v := range obj {
		if slices.Contains(skip, k) {
			continue
		}
		b = appendKey(b, k)
		b = appendValue(b, v)
	}
	out := slices.Clone(b)
	*bp = b
	encodeBuffers.Put(bp)
	return out
}

func appendKey(b []byte, k string) []byte {
	if i, ok := keyIndex[k]; ok {
		return binary.AppendUvarint(b, uint64(i+1))
	}
	b = append(b, 0)
	b = binary.AppendUvarint(b, uint64(len(k)))
	return append(b, k...)
}

func appendValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, tagNull)
	case bool:
		if x {
			return append(b, tagTrue)
		}
		return append(b, tagFalse)
	case int64:
		return binary.AppendVarint(append(b, tagInt), x)
	case int:
		return binary.AppendVarint(append(b, tagInt), int64(x))
	case float64:
		return binary.LittleEndian.AppendUint64(append(b, tagFloat), math.Float64bits(x))
	case string:
		b = binary.AppendUvarint(append(b, tagString), uint64(len(x)))
		return append(b, x...)
	case []any:
		b = binary.AppendUvarint(append(b, tagList), uint64(len(x)))
		for _, e := range x {
			b = appendValue(b, e)
		}
		return b
	case map[string]any:
		if t, val, ok := typedCandidate(x); ok {
			if i, known := typeIndex[t]; known {
				return appendValue(append(b, tagTyped, byte(i)), val)
			}
		}
		b = binary.AppendUvarint(append(b, tagMap), uint64(len(x)))
		for k, e := range x {
			b = appendKey(b, k)
			b = appendValue(b, e)
		}
		return b
	}
	// Not produced by decodeJSON or the emulator; keep its JSON meaning.
	data, err := json.Marshal(v)
	if err != nil {
		return append(b, tagNull)
	}
	dv, err := decodeJSON(data)
	if err != nil {
		return append(b, tagNull)
	}
	return appendValue(b, dv)
}

// decodeDrop decodes what encodeDrop made. Encoded drops are made by this
// process only, so malformed input is a bug: decoding stops with what it
// has rather than panicking.
func decodeDrop(b []byte) map[string]any {
	return decodeDropInto(b, nil)
}

// decodeDropInto decodes into maps and slices reused from s (nil: fresh
// ones). What it returns is valid until the next decode into s: scans use
// it to test a filter or read a sort key without allocating a drop's maps
// each time.
func decodeDropInto(b []byte, s *scratch) map[string]any {
	if s != nil {
		s.recycle()
	}
	d := decoder{b: b, s: s}
	m, _ := d.value().(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	return m
}

// scratch holds the maps and slices of the previous decode, for reuse.
type scratch struct {
	maps, freeMaps   []map[string]any
	lists, freeLists [][]any
}

func (s *scratch) newMap(n int) map[string]any {
	if s == nil {
		return make(map[string]any, n)
	}
	var m map[string]any
	if k := len(s.freeMaps); k > 0 {
		m = s.freeMaps[k-1]
		s.freeMaps = s.freeMaps[:k-1]
		clear(m)
	} else {
		m = make(map[string]any, n)
	}
	s.maps = append(s.maps, m)
	return m
}

func (s *scratch) newList(n int) []any {
	if s == nil {
		return make([]any, n)
	}
	var l []any
	if k := len(s.freeLists); k > 0 && cap(s.freeLists[k-1]) >= n {
		l = s.freeLists[k-1][:n]
		s.freeLists = s.freeLists[:k-1]
	} else {
		l = make([]any, n)
	}
	s.lists = append(s.lists, l)
	return l
}

// recycle makes the previous decode's maps and slices free for the next.
func (s *scratch) recycle() {
	s.freeMaps = append(s.freeMaps, s.maps...)
	s.freeLists = append(s.freeLists, s.lists...)
	s.maps, s.lists = s.maps[:0], s.lists[:0]
}

type decoder struct {
	b   []byte
	pos int
	bad bool
	s   *scratch
}

func (d *decoder) byte() byte {
	if d.pos >= len(d.b) {
		d.bad = true
		return tagNull
	}
	c := d.b[d.pos]
	d.pos++
	return c
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b[d.pos:])
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.pos += n
	return v
}

func (d *decoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.b)-d.pos) { // every item takes at least a byte
		d.bad = true
		return 0
	}
	return int(n)
}

func (d *decoder) str() string {
	n := d.count()
	s := string(d.b[d.pos : d.pos+n])
	d.pos += n
	return s
}

func (d *decoder) value() any {
	if d.bad {
		return nil
	}
	switch d.byte() {
	case tagFalse:
		return false
	case tagTrue:
		return true
	case tagInt:
		v, n := binary.Varint(d.b[d.pos:])
		if n <= 0 {
			d.bad = true
			return nil
		}
		d.pos += n
		return v
	case tagFloat:
		if d.pos+8 > len(d.b) {
			d.bad = true
			return nil
		}
		f := math.Float64frombits(binary.LittleEndian.Uint64(d.b[d.pos:]))
		d.pos += 8
		return f
	case tagString:
		return d.str()
	case tagList:
		n := d.count()
		l := d.s.newList(n)
		for i := range l {
			l[i] = d.value()
		}
		return l
	case tagMap:
		n := d.count()
		m := d.s.newMap(n)
		for range n {
			var k string
			switch i := d.uvarint(); {
			case i == 0:
				k = d.str()
			case i <= uint64(len(knownKeys)):
				k = knownKeys[i-1]
			default:
				d.bad = true
				return m
			}
			m[k] = d.value()
		}
		return m
	case tagTyped:
		t := int(d.byte())
		if t >= len(elemTypeNames) {
			d.bad = true
			return nil
		}
		m := d.s.newMap(2)
		m["type"] = elemTypeNames[t]
		m["value"] = d.value()
		return m
	}
	return nil
}

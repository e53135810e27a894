package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Collections (= services that store objects = bbolt buckets).
const (
	svcFlow         = "flow"
	svcDrop         = "drop"
	svcTrack        = "track"
	svcIdentity     = "identity"
	svcGroup        = "group"
	svcToken        = "token"
	svcShare        = "share"
	svcDevice       = "device"
	svcAPITask      = "api-task"
	svcMQTT         = "mqtt"
	svcRSS          = "rss"
	svcLocalTrack   = "local-track"
	svcAVConnection = "av-connection"
)

// objectCollections are the collections other than drops.
var objectCollections = []string{svcFlow, svcTrack, svcIdentity, svcGroup, svcToken, svcShare,
	svcDevice, svcAPITask, svcMQTT, svcRSS, svcLocalTrack, svcAVConnection}

// record is one stored object. Obj is never modified after it is stored
// (updates store a new map), so it may be read after the lock is released.
type record struct {
	Account string         `json:"account"` // namespace (URL account) the object lives in
	Seq     uint64         `json:"seq"`     // global insertion order
	FlowID  string         `json:"flowId,omitempty"`
	Obj     map[string]any `json:"object"`
}

func (r *record) id() string { s, _ := r.Obj["id"].(string); return s }

// dropRec is a stored drop, kept encoded (dropcodec.go). A stored dropRec
// never changes (an update stores a new one in its place), so a reader that
// got the pointer under the lock may use it after releasing the lock.
type dropRec struct {
	seq     uint64 // global insertion order
	created int64  // creationDate (ms)
	id      string
	flowID  string
	enc     []byte // the drop without id, flowId and path
}

// newDropRec encodes a drop object (which has its id and creationDate).
func newDropRec(seq uint64, flowID string, obj map[string]any) *dropRec {
	id, _ := obj["id"].(string)
	created, _ := integral(obj["creationDate"])
	return &dropRec{seq: seq, created: created, id: id, flowID: flowID, enc: encodeDrop(obj, "id", "flowId", "path")}
}

// object decodes the drop into maps the caller owns; path is the flow's
// path (a renamed flow's drops take its new path).
func (r *dropRec) object(path string) map[string]any {
	m := decodeDrop(r.enc)
	m["id"], m["flowId"], m["path"] = r.id, r.flowID, path
	return m
}

// objectInto is object decoded into s's reused maps: valid until the next
// decode into s, for reading (filters, sort keys), never for keeping.
func (r *dropRec) objectInto(s *scratch, path string) map[string]any {
	m := decodeDropInto(r.enc, s)
	m["id"], m["flowId"], m["path"] = r.id, r.flowID, path
	return m
}

// dropList is a flow's drops in insertion order (ascending seq).
type dropList struct {
	recs []*dropRec
	// disordered: a drop's creationDate is below an earlier drop's (the
	// clock went back), so creationDate order is not insertion order
	disordered bool
}

func (l *dropList) push(r *dropRec) {
	if n := len(l.recs); n > 0 && r.created < l.recs[n-1].created {
		l.disordered = true
	}
	l.recs = append(l.recs, r)
}

// index finds a drop of the list by its seq (-1 when absent).
func (l *dropList) index(seq uint64) int {
	i := sort.Search(len(l.recs), func(i int) bool { return l.recs[i].seq >= seq })
	if i < len(l.recs) && l.recs[i].seq == seq {
		return i
	}
	return -1
}

func (l *dropList) len() int {
	if l == nil {
		return 0
	}
	return len(l.recs)
}

// accountInfo is a built-in account.
type accountInfo struct {
	Name        string
	IdentityID  string
	MasterToken string
}

// state is the whole in-memory model, guarded by Emulator.mu.
type state struct {
	objects   map[string]map[string]*record // collection → id → record
	drops     map[string]*dropRec           // drop id → drop
	flowDrops map[string]*dropList          // flow id → its drops, oldest first
	flowPath  map[string]string             // flow path → flow id
	tokenStr  map[string]string             // tokenString → token id
	masters   map[string]string             // master token → account
	accounts  map[string]*accountInfo
	seq       uint64
}

func newState() *state {
	s := &state{
		objects:   map[string]map[string]*record{},
		drops:     map[string]*dropRec{},
		flowDrops: map[string]*dropList{},
		flowPath:  map[string]string{},
		tokenStr:  map[string]string{},
		masters:   map[string]string{},
		accounts:  map[string]*accountInfo{},
	}
	for _, c := range objectCollections {
		s.objects[c] = map[string]*record{}
	}
	return s
}

// index maintains the secondary indexes for a stored (or removed) record.
func (s *state) index(coll string, r *record, add bool) {
	switch coll {
	case svcFlow:
		p, _ := r.Obj["path"].(string)
		if add {
			s.flowPath[p] = r.id()
		} else if s.flowPath[p] == r.id() {
			delete(s.flowPath, p)
		}
	case svcToken:
		t, _ := r.Obj["tokenString"].(string)
		if add {
			s.tokenStr[t] = r.id()
		} else {
			delete(s.tokenStr, t)
		}
	}
}

// txn collects one mutation's persistence writes and events.
type txn struct {
	writes []write
	events []event
}

type write struct {
	bucket string
	key    string
	val    []byte // nil = delete
}

// put stores an object (not a drop) in memory and queues its persistence.
func (e *Emulator) put(tx *txn, coll string, r *record) {
	s := e.st
	if r.Seq == 0 {
		s.seq++
		r.Seq = s.seq
	}
	id := r.id()
	if old := s.objects[coll][id]; old != nil {
		s.index(coll, old, false)
	}
	s.objects[coll][id] = r
	s.index(coll, r, true)
	e.persist(tx, coll, id, r)
}

// persist queues the write of a record (with a database).
func (e *Emulator) persist(tx *txn, coll, id string, r *record) {
	if e.db == nil {
		return
	}
	b, err := json.Marshal(r)
	if err != nil {
		panic(fmt.Sprintf("emulator: cannot encode %s %s: %v", coll, id, err))
	}
	tx.writes = append(tx.writes, write{coll, id, b})
}

// remove deletes an object (not a drop) from memory and queues the deletion.
func (e *Emulator) remove(tx *txn, coll string, r *record) {
	delete(e.st.objects[coll], r.id())
	e.st.index(coll, r, false)
	e.unpersist(tx, coll, r.id())
}

func (e *Emulator) unpersist(tx *txn, coll, id string) {
	if e.db != nil {
		tx.writes = append(tx.writes, write{coll, id, nil})
	}
}

// putDrop stores a drop of flow (obj is its full stored form, which the
// caller must not change afterwards): a new one at the end of the flow, an
// updated one (same id) in its place.
func (e *Emulator) putDrop(tx *txn, flow *record, obj map[string]any) {
	s := e.st
	id, _ := obj["id"].(string)
	fid := flow.id()
	if old := s.drops[id]; old != nil {
		r := newDropRec(old.seq, fid, obj)
		s.drops[id] = r
		if l := s.flowDrops[fid]; l != nil {
			if i := l.index(old.seq); i >= 0 {
				l.recs[i] = r
			}
		}
		e.persist(tx, svcDrop, id, &record{Account: flow.Account, Seq: r.seq, FlowID: fid, Obj: obj})
		return
	}
	s.seq++
	r := newDropRec(s.seq, fid, obj)
	s.drops[id] = r
	l := s.flowDrops[fid]
	if l == nil {
		l = &dropList{}
		s.flowDrops[fid] = l
	}
	l.push(r)
	e.persist(tx, svcDrop, id, &record{Account: flow.Account, Seq: r.seq, FlowID: fid, Obj: obj})
}

// removeDrop deletes a drop.
func (e *Emulator) removeDrop(tx *txn, r *dropRec) {
	s := e.st
	delete(s.drops, r.id)
	if l := s.flowDrops[r.flowID]; l != nil {
		if i := l.index(r.seq); i >= 0 {
			// a new array: scans holding the old one keep seeing it whole
			l.recs = append(l.recs[:i:i], l.recs[i+1:]...)
		}
		if len(l.recs) == 0 {
			delete(s.flowDrops, r.flowID)
		}
	}
	e.unpersist(tx, svcDrop, r.id)
}

// evictOldest removes the oldest drop of a flow.
func (e *Emulator) evictOldest(tx *txn, flowID string) {
	l := e.st.flowDrops[flowID]
	if l.len() == 0 {
		return
	}
	old := l.recs[0]
	delete(e.st.drops, old.id)
	l.recs[0] = nil // let it go before the array is reallocated
	l.recs = l.recs[1:]
	if len(l.recs) == 0 {
		delete(e.st.flowDrops, flowID)
	}
	e.unpersist(tx, svcDrop, old.id)
}

// removeAllDrops empties a flow.
func (e *Emulator) removeAllDrops(tx *txn, flowID string) {
	if l := e.st.flowDrops[flowID]; l != nil {
		for _, r := range l.recs {
			delete(e.st.drops, r.id)
			e.unpersist(tx, svcDrop, r.id)
		}
	}
	delete(e.st.flowDrops, flowID)
}

// ---- bbolt persistence ----

const dbFileName = "flowthings-emulator.db"

func openDB(dir string) (*bolt.DB, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("emulator: data dir: %w", err)
	}
	db, err := bolt.Open(filepath.Join(dir, dbFileName), 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("emulator: open database: %w", err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, c := range append([]string{svcDrop}, objectCollections...) {
			if _, err := tx.CreateBucketIfNotExists([]byte(c)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("emulator: init database: %w", err)
	}
	return db, nil
}

// commit writes a transaction's queued writes in one bbolt transaction.
func (e *Emulator) commit(tx *txn) error {
	if e.db == nil || len(tx.writes) == 0 {
		return nil
	}
	return e.db.Update(func(btx *bolt.Tx) error {
		for _, w := range tx.writes {
			b := btx.Bucket([]byte(w.bucket))
			if b == nil {
				return fmt.Errorf("missing bucket %q", w.bucket)
			}
			var err error
			if w.val == nil {
				err = b.Delete([]byte(w.key))
			} else {
				err = b.Put([]byte(w.key), w.val)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// load reads every bucket into memory.
func (e *Emulator) load() error {
	s := e.st
	var drops []*dropRec
	err := e.db.View(func(btx *bolt.Tx) error {
		for _, c := range append([]string{svcDrop}, objectCollections...) {
			b := btx.Bucket([]byte(c))
			if b == nil {
				continue
			}
			err := b.ForEach(func(k, v []byte) error {
				r, err := decodeRecord(v)
				if err != nil {
					// never refuse to start over one record: name it and go on
					// (it stays in the file untouched)
					e.logf("emulator: skipping unreadable %s record %q: %v", c, k, err)
					return nil
				}
				if r.Seq > s.seq {
					s.seq = r.Seq
				}
				if c == svcDrop {
					drops = append(drops, newDropRec(r.Seq, r.FlowID, r.Obj))
				} else {
					s.objects[c][r.id()] = r
					s.index(c, r, true)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("emulator: load database: %w", err)
	}
	sort.Slice(drops, func(i, j int) bool { return drops[i].seq < drops[j].seq })
	for _, r := range drops {
		s.drops[r.id] = r
		l := s.flowDrops[r.flowID]
		if l == nil {
			l = &dropList{}
			s.flowDrops[r.flowID] = l
		}
		l.push(r)
	}
	return nil
}

// decodeRecord reads one stored record. A record nested deeper than
// encoding/json's limit of 10,000 (written by an earlier version that
// accepted any depth: typed elems double it) is read token by token, which
// has no depth limit, so whatever was accepted loads again.
func decodeRecord(v []byte) (*record, error) {
	var r record
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	if err := dec.Decode(&r); err != nil {
		x, terr := decodeTokens(v)
		if terr != nil {
			return nil, err
		}
		m, _ := x.(map[string]any)
		r = record{}
		r.Account, _ = m["account"].(string)
		r.FlowID, _ = m["flowId"].(string)
		if n, ok := m["seq"].(json.Number); ok {
			r.Seq, _ = strconv.ParseUint(string(n), 10, 64)
		}
		r.Obj, _ = m["object"].(map[string]any)
	}
	r.Obj, _ = normalizeNumbers(r.Obj).(map[string]any)
	if r.Obj == nil || r.id() == "" {
		return nil, fmt.Errorf("no object with an id")
	}
	return &r, nil
}

// decodeTokens parses one JSON value without a nesting limit, with an
// explicit stack (numbers stay json.Number).
func decodeTokens(b []byte) (any, error) {
	type level struct {
		obj     map[string]any
		arr     []any
		key     string
		isObj   bool
		wantKey bool
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var stack []*level
	var root any
	done := false
	put := func(v any) {
		if len(stack) == 0 {
			root, done = v, true
			return
		}
		l := stack[len(stack)-1]
		if l.isObj {
			l.obj[l.key] = v
			l.wantKey = true
		} else {
			l.arr = append(l.arr, v)
		}
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if done {
			return nil, fmt.Errorf("unexpected data after the JSON value")
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{':
				stack = append(stack, &level{obj: map[string]any{}, isObj: true, wantKey: true})
			case '[':
				stack = append(stack, &level{arr: []any{}})
			default: // '}' or ']': the decoder checked the pairing
				l := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				if l.isObj {
					put(l.obj)
				} else {
					put(l.arr)
				}
			}
			continue
		}
		if n := len(stack); n > 0 && stack[n-1].isObj && stack[n-1].wantKey {
			stack[n-1].key, _ = tok.(string)
			stack[n-1].wantKey = false
			continue
		}
		put(tok)
	}
	if !done {
		return nil, fmt.Errorf("incomplete JSON value")
	}
	return root, nil
}

// ---- JSON helpers ----

// decodeJSON parses exactly one JSON value; numbers become int64 (integral
// text that fits) or float64.
func decodeJSON(b []byte) (any, error) {
	if nestedDeeper(b, MaxJSONDepth) {
		return nil, fmt.Errorf("JSON nesting deeper than %d levels of objects and arrays is not accepted", MaxJSONDepth)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, jsonError(err)
	}
	if dec.More() {
		return nil, fmt.Errorf("malformed JSON: unexpected data after the JSON value")
	}
	if _, err := dec.Token(); err == nil {
		return nil, fmt.Errorf("malformed JSON: unexpected data after the JSON value")
	}
	v = normalizeNumbers(v)
	if err := checkNumbers(v); err != nil {
		return nil, fmt.Errorf("malformed JSON: %v", err)
	}
	return v, nil
}

// nestedDeeper reports whether the JSON text b nests objects and arrays
// more than max levels deep. It only counts brackets outside strings, so it
// is cheap and runs before decoding; malformed text is left to the decoder.
func nestedDeeper(b []byte, max int) bool {
	depth := 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '"':
			for i++; i < len(b) && b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
		case '{', '[':
			if depth++; depth > max {
				return true
			}
		case '}', ']':
			depth--
		}
	}
	return false
}

func jsonError(err error) error {
	switch e := err.(type) {
	case *json.SyntaxError:
		return fmt.Errorf("malformed JSON at byte %d: %v", e.Offset, e)
	}
	if err.Error() == "EOF" {
		return fmt.Errorf("malformed JSON: empty body")
	}
	return fmt.Errorf("malformed JSON: %v", err)
}

// normalizeNumbers replaces json.Number with int64 or float64, recursively.
// A number outside the float64 range becomes an error value (see
// checkNumbers); decodeJSON rejects it.
func normalizeNumbers(v any) any {
	switch t := v.(type) {
	case json.Number:
		return numberValue(string(t))
	case map[string]any:
		for k, x := range t {
			t[k] = normalizeNumbers(x)
		}
		return t
	case []any:
		for i, x := range t {
			t[i] = normalizeNumbers(x)
		}
		return t
	}
	return v
}

// badNumber marks a JSON number that float64 cannot hold.
type badNumber string

func numberValue(s string) any {
	if isIntegerText(s) {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return badNumber(s)
	}
	return f
}

// checkNumbers finds a badNumber left by normalizeNumbers.
func checkNumbers(v any) error {
	switch t := v.(type) {
	case badNumber:
		return fmt.Errorf("number %s is out of range", string(t))
	case map[string]any:
		for _, x := range t {
			if err := checkNumbers(x); err != nil {
				return err
			}
		}
	case []any:
		for _, x := range t {
			if err := checkNumbers(x); err != nil {
				return err
			}
		}
	}
	return nil
}

func isIntegerText(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '.' || c == 'e' || c == 'E' {
			return false
		}
	}
	return true
}

// deepCopy copies maps and slices of decoded JSON.
func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = deepCopy(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = deepCopy(x)
		}
		return out
	}
	return v
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+4)
	for k, v := range m {
		out[k] = v
	}
	return out
}

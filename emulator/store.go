package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
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

// accountInfo is a built-in account.
type accountInfo struct {
	Name        string
	IdentityID  string
	MasterToken string
}

// state is the whole in-memory model, guarded by Emulator.mu.
type state struct {
	objects   map[string]map[string]*record // collection → id → record
	drops     map[string]*record            // drop id → record
	flowDrops map[string][]*record          // flow id → drops, oldest first
	flowPath  map[string]string             // flow path → flow id
	tokenStr  map[string]string             // tokenString → token id
	masters   map[string]string             // master token → account
	accounts  map[string]*accountInfo
	seq       uint64
}

func newState() *state {
	s := &state{
		objects:   map[string]map[string]*record{},
		drops:     map[string]*record{},
		flowDrops: map[string][]*record{},
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

func (s *state) get(coll, id string) *record {
	if coll == svcDrop {
		return s.drops[id]
	}
	return s.objects[coll][id]
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

// put stores r in memory and queues its persistence.
func (e *Emulator) put(tx *txn, coll string, r *record) {
	s := e.st
	if r.Seq == 0 {
		s.seq++
		r.Seq = s.seq
	}
	id := r.id()
	if coll == svcDrop {
		old := s.drops[id]
		s.drops[id] = r
		if old == nil {
			s.flowDrops[r.FlowID] = append(s.flowDrops[r.FlowID], r)
		} else {
			list := s.flowDrops[r.FlowID]
			if i := findBySeq(list, old.Seq); i >= 0 {
				list[i] = r
			}
		}
	} else {
		if old := s.objects[coll][id]; old != nil {
			s.index(coll, old, false)
		}
		s.objects[coll][id] = r
		s.index(coll, r, true)
	}
	if e.db != nil {
		b, err := json.Marshal(r)
		if err != nil {
			panic(fmt.Sprintf("emulator: cannot encode %s %s: %v", coll, id, err))
		}
		tx.writes = append(tx.writes, write{coll, id, b})
	}
}

// remove deletes a record from memory and queues the deletion.
func (e *Emulator) remove(tx *txn, coll string, r *record) {
	s := e.st
	id := r.id()
	if coll == svcDrop {
		delete(s.drops, id)
		list := s.flowDrops[r.FlowID]
		if i := findBySeq(list, r.Seq); i >= 0 {
			list = append(list[:i:i], list[i+1:]...)
			if len(list) == 0 {
				delete(s.flowDrops, r.FlowID)
			} else {
				s.flowDrops[r.FlowID] = list
			}
		}
	} else {
		delete(s.objects[coll], id)
		s.index(coll, r, false)
	}
	if e.db != nil {
		tx.writes = append(tx.writes, write{coll, id, nil})
	}
}

// evictOldest removes the oldest drop of a flow.
func (e *Emulator) evictOldest(tx *txn, flowID string) {
	list := e.st.flowDrops[flowID]
	if len(list) == 0 {
		return
	}
	old := list[0]
	delete(e.st.drops, old.id())
	if len(list) == 1 {
		delete(e.st.flowDrops, flowID)
	} else {
		e.st.flowDrops[flowID] = list[1:]
	}
	if e.db != nil {
		tx.writes = append(tx.writes, write{svcDrop, old.id(), nil})
	}
}

// removeAllDrops empties a flow.
func (e *Emulator) removeAllDrops(tx *txn, flowID string) {
	for _, r := range e.st.flowDrops[flowID] {
		delete(e.st.drops, r.id())
		if e.db != nil {
			tx.writes = append(tx.writes, write{svcDrop, r.id(), nil})
		}
	}
	delete(e.st.flowDrops, flowID)
}

func findBySeq(list []*record, seq uint64) int {
	i := sort.Search(len(list), func(i int) bool { return list[i].Seq >= seq })
	if i < len(list) && list[i].Seq == seq {
		return i
	}
	return -1
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
	var drops []*record
	err := e.db.View(func(btx *bolt.Tx) error {
		for _, c := range append([]string{svcDrop}, objectCollections...) {
			b := btx.Bucket([]byte(c))
			if b == nil {
				continue
			}
			err := b.ForEach(func(k, v []byte) error {
				var r record
				dec := json.NewDecoder(bytes.NewReader(v))
				dec.UseNumber()
				if err := dec.Decode(&r); err != nil {
					return fmt.Errorf("%s/%s: %w", c, k, err)
				}
				r.Obj, _ = normalizeNumbers(r.Obj).(map[string]any)
				if r.Obj == nil {
					return fmt.Errorf("%s/%s: no object", c, k)
				}
				if r.Seq > s.seq {
					s.seq = r.Seq
				}
				if c == svcDrop {
					drops = append(drops, &r)
					s.drops[r.id()] = &r
				} else {
					s.objects[c][r.id()] = &r
					s.index(c, &r, true)
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
	sort.Slice(drops, func(i, j int) bool { return drops[i].Seq < drops[j].Seq })
	for _, r := range drops {
		s.flowDrops[r.FlowID] = append(s.flowDrops[r.FlowID], r)
	}
	return nil
}

// ---- JSON helpers ----

// decodeJSON parses exactly one JSON value; numbers become int64 (integral
// text that fits) or float64.
func decodeJSON(b []byte) (any, error) {
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

package emulator

import (
	"context"
	"encoding/binary"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Statistics (docs/protocol.md §3.14), served as the registered service
// "statistics":
//
//	GET /v{ver}/{acct}/statistics/{type}/{objectId}[/{year}[/{month}[/{day}]]][?level=YEAR|MONTH|DAY|HOUR]
//
// Counters are fed by the listeners of hooks.go, so they count real
// activity, and are kept per (type, object, UTC hour of the event's time,
// which comes from Config.Now):
//
//	flowDropAdded      flow      every DropCreated event: direct writes, track copies,
//	                             drops accepted by a capacity-0 flow
//	flowTracked        flow      drops a track copied into the flow (ev.Tracked); a
//	                             subset of flowDropAdded
//	trackHit           track     drops that reached the (enabled) track
//	trackPass          track     drops that also matched its filter and were copied on
//	apiCallByIdentity  identity  operations run by the identity (REST requests after
//	                             authentication, WebSocket frames run as operations,
//	                             subscribe/unsubscribe, POST /session), failed ones
//	                             included; a Token counts for its issuer. A statistics
//	                             request is counted after it answers, so it does not
//	                             see itself.
//	dropCreatedBy      identity  drops written by the identity (REST or WebSocket),
//	                             capacity-0 accepts included, track copies excluded
//
// The body is a bare array of integer counts, one per sub-period, oldest
// first (level names are case-insensitive):
//
//	no date        level YEAR (default): the last 10 years, the current one last;
//	               MONTH: the 12 months of the current year; DAY: the days of the
//	               current month; HOUR: the 24 hours of the current day
//	{year}         level MONTH (default) 12 counts; YEAR 1 (the year's total);
//	               DAY one per day of the year; HOUR one per hour of the year
//	{year}/{month} level DAY (default) one per day of the month; MONTH 1; HOUR
//	               one per hour of the month
//	…/{day}        level HOUR (default) 24 counts; DAY 1
//
// A level coarser than the period (YEAR for a month) is 400, as are a bad
// year (not 1970..9999), month, day, level or extra path segments. An
// unknown type is 404 (like an unknown service); a missing object id is 400.
// Periods in the future are zeros.
//
// Permission: flows and tracks need read permission on the object (the same
// rule as GET /flow/{id}, shares and tokens included); an unknown (or
// deleted) flow or track of the URL account is 404. Identity statistics
// are for the identity's own master token only (403 otherwise, 404 for an
// unknown identity).
//
// Persistence: with Config.DataDir the counters live in the bbolt bucket
// "statistics" (key "<type>/<objectId>/<YYYYMMDDHH>", value the count as
// an 8-byte big-endian integer). Counting happens in memory; changed
// counters are written every second and at Close, so an unclean exit loses
// at most the last second of counts.

const (
	statFlowDropAdded     = "flowDropAdded"
	statFlowTracked       = "flowTracked"
	statTrackHit          = "trackHit"
	statTrackPass         = "trackPass"
	statAPICallByIdentity = "apiCallByIdentity"
	statDropCreatedBy     = "dropCreatedBy"
)

// statTypes maps a lower-cased type name to its canonical spelling.
var statTypes = map[string]string{}

func init() {
	for _, t := range []string{statFlowDropAdded, statFlowTracked, statTrackHit, statTrackPass,
		statAPICallByIdentity, statDropCreatedBy} {
		statTypes[strings.ToLower(t)] = t
	}
}

const (
	statsBucket        = "statistics"
	statsFlushInterval = time.Second
	statsYears         = 10 // sub-periods of a query without a date
)

type statKey struct {
	typ, obj string
	hour     int64 // hours since the Unix epoch (UTC)
}

// statsStore holds the counters. Its mutex is independent of the state
// lock: listeners run outside it.
type statsStore struct {
	e      *Emulator
	mu     sync.Mutex
	counts map[statKey]int64
	dirty  map[statKey]struct{}
	stop   chan struct{}
	done   chan struct{}
}

func setupStats(e *Emulator) error {
	s := &statsStore{e: e, counts: map[statKey]int64{}, dirty: map[statKey]struct{}{}}
	if e.db != nil {
		if err := s.load(); err != nil {
			return err
		}
		s.stop, s.done = make(chan struct{}), make(chan struct{})
		go s.flushLoop()
		e.onClose(s.close)
	}
	e.stats = s
	e.AddDropListener(s.onDrop)
	e.AddTrackListener(s.onTrack)
	e.AddCallListener(s.onCall)
	e.registerService("statistics", s.serve)
	return nil
}

func hourOf(t time.Time) int64 {
	u := t.Unix()
	h := u / 3600
	if u < 0 && u%3600 != 0 {
		h--
	}
	return h
}

func (s *statsStore) add(typ, obj string, t time.Time) {
	if obj == "" {
		return
	}
	k := statKey{typ, obj, hourOf(t)}
	s.mu.Lock()
	s.counts[k]++
	if s.stop != nil {
		s.dirty[k] = struct{}{}
	}
	s.mu.Unlock()
}

func (s *statsStore) onDrop(ev DropEvent) {
	if ev.Kind != DropCreated {
		return
	}
	s.add(statFlowDropAdded, ev.FlowID, ev.Time)
	if ev.Tracked {
		s.add(statFlowTracked, ev.FlowID, ev.Time)
		return
	}
	if c, ok := ev.Drop["creatorId"].(string); ok {
		s.add(statDropCreatedBy, c, ev.Time)
	}
}

func (s *statsStore) onTrack(ev TrackEvent) {
	s.add(statTrackHit, ev.TrackID, ev.Time)
	if ev.Passed {
		s.add(statTrackPass, ev.TrackID, ev.Time)
	}
}

func (s *statsStore) onCall(ev CallEvent) { s.add(statAPICallByIdentity, ev.IdentityID, ev.Time) }

// sum adds the counters of [from, to) hours.
func (s *statsStore) sum(typ, obj string, from, to int64) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	for h := from; h < to; h++ {
		n += s.counts[statKey{typ, obj, h}]
	}
	return n
}

// ---- persistence ----

func statDBKey(k statKey) []byte {
	t := time.Unix(k.hour*3600, 0).UTC()
	return []byte(fmt.Sprintf("%s/%s/%04d%02d%02d%02d", k.typ, k.obj, t.Year(), int(t.Month()), t.Day(), t.Hour()))
}

func parseStatDBKey(b []byte) (statKey, bool) {
	parts := strings.Split(string(b), "/")
	if len(parts) != 3 || len(parts[2]) != 10 || parts[0] == "" || parts[1] == "" {
		return statKey{}, false
	}
	t, err := time.Parse("2006010215", parts[2])
	if err != nil {
		return statKey{}, false
	}
	return statKey{parts[0], parts[1], hourOf(t)}, true
}

func (s *statsStore) load() error {
	err := s.e.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(statsBucket))
		if err != nil {
			return err
		}
		return b.ForEach(func(k, v []byte) error {
			key, ok := parseStatDBKey(k)
			if !ok || len(v) != 8 {
				s.e.logf("emulator: ignoring malformed statistics entry %q", k)
				return nil
			}
			s.counts[key] = int64(binary.BigEndian.Uint64(v))
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("emulator: load statistics: %w", err)
	}
	return nil
}

func (s *statsStore) flushLoop() {
	defer close(s.done)
	t := time.NewTicker(statsFlushInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			if err := s.flush(); err != nil {
				s.e.logf("emulator: persisting statistics failed: %v", err)
			}
		case <-s.stop:
			return
		}
	}
}

// flush writes the changed counters in one bbolt transaction.
func (s *statsStore) flush() error {
	s.mu.Lock()
	if len(s.dirty) == 0 {
		s.mu.Unlock()
		return nil
	}
	type kv struct {
		key statKey
		k   []byte
		v   [8]byte
	}
	batch := make([]kv, 0, len(s.dirty))
	for k := range s.dirty {
		x := kv{key: k, k: statDBKey(k)}
		binary.BigEndian.PutUint64(x.v[:], uint64(s.counts[k]))
		batch = append(batch, x)
	}
	s.dirty = map[statKey]struct{}{}
	s.mu.Unlock()
	err := s.e.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(statsBucket))
		if b == nil {
			return fmt.Errorf("missing bucket %q", statsBucket)
		}
		for _, x := range batch {
			if err := b.Put(x.k, x.v[:]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil { // try again at the next flush
		s.mu.Lock()
		for _, x := range batch {
			s.dirty[x.key] = struct{}{}
		}
		s.mu.Unlock()
	}
	return err
}

// close stops the flusher and writes what is left (before the database
// closes).
func (s *statsStore) close() error {
	close(s.stop)
	<-s.done
	return s.flush()
}

// ---- the service ----

type statLevel int

const (
	levelYear statLevel = iota
	levelMonth
	levelDay
	levelHour
)

func parseLevel(v string) (statLevel, bool) {
	switch strings.ToUpper(strings.TrimSpace(v)) {
	case "YEAR":
		return levelYear, true
	case "MONTH":
		return levelMonth, true
	case "DAY":
		return levelDay, true
	case "HOUR":
		return levelHour, true
	}
	return 0, false
}

func (l statLevel) next(t time.Time) time.Time {
	switch l {
	case levelYear:
		return t.AddDate(1, 0, 0)
	case levelMonth:
		return t.AddDate(0, 1, 0)
	case levelDay:
		return t.AddDate(0, 0, 1)
	}
	return t.Add(time.Hour)
}

var levelNames = [...]string{"YEAR", "MONTH", "DAY", "HOUR"}

func (s *statsStore) serve(_ context.Context, p *principal, op *operation) result {
	if op.Method != http.MethodGet {
		return methodNotAllowed(op)
	}
	if op.ID == "" {
		return errResult(http.StatusBadRequest, "A statistic type is required: /statistics/{type}/{objectId}[/{year}[/{month}[/{day}]]] with type one of "+
			"flowDropAdded, flowTracked, trackHit, trackPass, apiCallByIdentity, dropCreatedBy.")
	}
	typ, ok := statTypes[strings.ToLower(op.ID)]
	if !ok {
		return errResult(http.StatusNotFound, fmt.Sprintf("Unknown statistic type %q.", op.ID))
	}
	parts := []string{}
	if op.Tail != "" {
		parts = strings.Split(op.Tail, "/")
	}
	if len(parts) == 0 || parts[0] == "" {
		return errResult(http.StatusBadRequest, fmt.Sprintf("Statistic %s needs an object id: /statistics/%s/{objectId}.", typ, typ))
	}
	obj, dates := parts[0], parts[1:]
	from, to, level, err := s.period(dates, op.Params)
	if err != nil {
		return err.result()
	}
	return s.e.view(p, op, func() result {
		if err := s.e.statsAccess(p, op.Account, typ, obj); err != nil {
			return err.result()
		}
		counts := []int64{}
		for t := from; t.Before(to); {
			n := level.next(t)
			counts = append(counts, s.sum(typ, obj, hourOf(t), hourOf(n)))
			t = n
		}
		return okResult(http.StatusOK, counts)
	})
}

// period turns the date segments and level into [from, to) and a bucket
// size.
func (s *statsStore) period(dates []string, params map[string]string) (from, to time.Time, level statLevel, aerr *apiError) {
	if len(dates) > 3 {
		return from, to, 0, badRequest("Too many path segments: expected /{objectId}[/{year}[/{month}[/{day}]]].")
	}
	nums := make([]int, len(dates))
	for i, d := range dates {
		n, err := strconv.Atoi(d)
		if err != nil {
			return from, to, 0, badRequest("The %s %q is not a number.", [...]string{"year", "month", "day"}[i], d)
		}
		nums[i] = n
	}
	if len(nums) > 0 && (nums[0] < 1970 || nums[0] > 9999) {
		return from, to, 0, badRequest("The year must be between 1970 and 9999, got %d.", nums[0])
	}
	if len(nums) > 1 && (nums[1] < 1 || nums[1] > 12) {
		return from, to, 0, badRequest("The month must be between 1 and 12, got %d.", nums[1])
	}
	if len(nums) > 2 {
		last := time.Date(nums[0], time.Month(nums[1])+1, 0, 0, 0, 0, 0, time.UTC).Day()
		if nums[2] < 1 || nums[2] > last {
			return from, to, 0, badRequest("The day must be between 1 and %d, got %d.", last, nums[2])
		}
	}
	// grain: the period's own size (-1 = no date)
	grain := statLevel(len(nums) - 1)
	level = grain + 1
	if len(nums) == 0 {
		level = levelYear
	}
	if v, ok := params["level"]; ok && strings.TrimSpace(v) != "" {
		l, ok := parseLevel(v)
		if !ok {
			return from, to, 0, badRequest("Unknown level %q: use YEAR, MONTH, DAY or HOUR.", v)
		}
		if len(nums) > 0 && l < grain {
			return from, to, 0, badRequest("Level %s is coarser than the requested period.", levelNames[l])
		}
		level = l
	}
	if len(nums) == 0 {
		now := s.e.cfg.Now().UTC()
		switch level {
		case levelYear:
			from = time.Date(now.Year()-statsYears+1, 1, 1, 0, 0, 0, 0, time.UTC)
			return from, from.AddDate(statsYears, 0, 0), level, nil
		case levelMonth:
			nums = []int{now.Year()}
		case levelDay:
			nums = []int{now.Year(), int(now.Month())}
		default:
			nums = []int{now.Year(), int(now.Month()), now.Day()}
		}
		grain = statLevel(len(nums) - 1)
	}
	from = time.Date(nums[0], 1, 1, 0, 0, 0, 0, time.UTC)
	if len(nums) > 1 {
		from = from.AddDate(0, nums[1]-1, 0)
	}
	if len(nums) > 2 {
		from = from.AddDate(0, 0, nums[2]-1)
	}
	return from, grain.next(from), level, nil
}

// statsAccess checks that the object exists and p may read its statistics
// (lock held).
func (e *Emulator) statsAccess(p *principal, ns, typ, obj string) *apiError {
	switch typ {
	case statFlowDropAdded, statFlowTracked, statTrackHit, statTrackPass:
		def := serviceDefs[svcFlow]
		if typ == statTrackHit || typ == statTrackPass {
			def = serviceDefs[svcTrack]
		}
		r := e.lookup(def, ns, obj)
		if r == nil {
			return &apiError{http.StatusNotFound, msgNotFound}
		}
		if !e.canRead(p, def, r) {
			return &apiError{http.StatusForbidden, msgForbidden}
		}
		return nil
	}
	if e.st.objects[svcIdentity][obj] == nil {
		return &apiError{http.StatusNotFound, msgNotFound}
	}
	if p.Kind != kindMaster || p.IdentityID != obj {
		return &apiError{http.StatusForbidden, "Only the identity's own master token can read its statistics."}
	}
	return nil
}

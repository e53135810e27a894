package emulator

import (
	"errors"
	"net/http"
	"sort"
	"strings"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// Emulator is a local flowthings.io platform. Create it with New, serve
// Handler, stop it with Close.
type Emulator struct {
	cfg Config

	mu sync.RWMutex // guards st
	st *state
	db *bolt.DB // nil without DataDir

	ids     *idGen
	disp    *dispatcher
	hooks   hooks
	filters filterCache

	// extension points for other layers (WebSocket, statistics, aggregation)
	services  map[string]serviceFunc
	dropTails map[string]serviceFunc
	routes    []route // extra HTTP endpoints outside /v{version}/
	closers   []func() error
	ws        *wsHub      // WebSocket sessions and connections (ws.go)
	stats     *statsStore // statistics counters (stats.go)

	closeOnce sync.Once
	closeErr  error
	closed    chan struct{}
}

type route struct {
	prefix  string
	handler http.Handler
}

// layers are the parts of the platform built on the operation layer. New
// sets them up last, in this order; their closers run in reverse, so sockets
// close before the statistics' last flush and before the database. A layer
// plugs in with e.registerService, e.registerDropTail, e.handleHTTP,
// e.AddDropListener and e.onClose.
var layers = []func(e *Emulator) error{setupAggregation, setupStats, setupWS}

// New creates an emulator. With cfg.DataDir it opens (or creates) the
// database and loads all state from it.
func New(cfg Config) (*Emulator, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	e := &Emulator{
		cfg:       cfg,
		st:        newState(),
		ids:       newIDGen(cfg.Now),
		disp:      newDispatcher(),
		services:  map[string]serviceFunc{},
		dropTails: map[string]serviceFunc{},
		closed:    make(chan struct{}),
	}
	if cfg.DataDir != "" {
		if e.db, err = openDB(cfg.DataDir); err != nil {
			return nil, err
		}
		if err := e.load(); err != nil {
			e.db.Close()
			return nil, err
		}
	}
	if err := e.setupAccounts(); err != nil {
		e.Close()
		return nil, err
	}
	for _, setup := range layers {
		if err := setup(e); err != nil {
			e.Close()
			return nil, err
		}
	}
	return e, nil
}

// setupAccounts makes sure every configured account has an identity and
// installs the configured master tokens (they win over any reset done in an
// earlier run).
func (e *Emulator) setupAccounts() error {
	res := e.mutate(nil, nil, func(tx *txn) result {
		byName := map[string]*record{}
		for _, r := range e.st.objects[svcIdentity] {
			if n, _ := r.Obj["name"].(string); n != "" {
				if old := byName[n]; old == nil || r.Seq < old.Seq {
					byName[n] = r
				}
			}
		}
		for _, a := range e.cfg.accounts() {
			r := byName[a.Name]
			if r == nil {
				now := e.nowMs()
				id := e.ids.next(prefixIdentity)
				r = &record{Account: a.Name, Obj: map[string]any{
					"id": id, "name": a.Name, "creationDate": now, "lastEditDate": now,
					"creatorId": id, "lastEditorId": id,
				}}
				e.put(tx, svcIdentity, r)
			}
			e.st.accounts[a.Name] = &accountInfo{Name: a.Name, IdentityID: r.id(), MasterToken: a.Token}
			e.st.masters[a.Token] = a.Name
		}
		return okResult(http.StatusOK, nil)
	})
	if res.Status != http.StatusOK {
		return errors.New("emulator: cannot set up accounts: " + strings.Join(res.Errors, "; "))
	}
	return nil
}

// Close stops extensions and closes the database. It is safe to call more
// than once.
func (e *Emulator) Close() error {
	e.closeOnce.Do(func() {
		close(e.closed)
		var errs []error
		for i := len(e.closers) - 1; i >= 0; i-- {
			if err := e.closers[i](); err != nil {
				errs = append(errs, err)
			}
		}
		e.mu.Lock()
		if e.db != nil {
			errs = append(errs, e.db.Close())
			e.db = nil
		}
		e.mu.Unlock()
		e.closeErr = errors.Join(errs...)
	})
	return e.closeErr
}

// onClose registers fn to run at Close (before the database closes).
func (e *Emulator) onClose(fn func() error) { e.closers = append(e.closers, fn) }

// handleHTTP mounts h for every path equal to or under prefix (e.g.
// "/session"), outside the /v{version}/ REST tree. Longest prefix wins; a
// later registration of the same prefix replaces the earlier one.
func (e *Emulator) handleHTTP(prefix string, h http.Handler) {
	for i, rt := range e.routes {
		if rt.prefix == prefix {
			e.routes[i].handler = h
			return
		}
	}
	e.routes = append(e.routes, route{prefix, h})
	sort.SliceStable(e.routes, func(i, j int) bool { return len(e.routes[i].prefix) > len(e.routes[j].prefix) })
}

// Accounts lists the built-in accounts (name and master token), primary
// first.
func (e *Emulator) Accounts() []Account { return e.cfg.accounts() }

// Config returns the effective configuration (defaults filled in).
func (e *Emulator) Config() Config { return e.cfg }

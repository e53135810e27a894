package emulator

import (
	"sort"
	"strings"
)

// Tracks (docs/protocol.md §3.4). A drop stored in (or accepted by) a flow whose
// path equals an enabled track's source, and that matches the track's
// filter, is copied into every destination flow: new id, parentDropId
// {flowId, dropId} of the drop it came from, same elems/location/fhash and
// creatorId, version 0. A destination flow that does not exist, or whose
// filter rejects the copy, is skipped silently. Copies feed further tracks.
// The track's js is stored and never executed.
//
// Loop guard: a propagation chain never uses the same track twice (so
// a → b → a stops at the second hop back), is at most Config.MaxTrackDepth
// hops deep, and one written drop produces at most maxTrackCopies copies.
// Rights: writing a track needs drop read on the source and drop write on
// every destination (trackDropRights), and every time it fires the track's
// creator (creatorId, acting as the master of its account with the shares
// it holds then) must still have them: without drop read on the source the
// track does nothing (no TrackEvent), a destination without drop write is
// skipped. So a track made through a share stops when the share expires
// or is deleted. Updates of drops do not run tracks.

// tracksFrom lists the tracks whose source is path, oldest first (lock held).
func (e *Emulator) tracksFrom(path string) []*record {
	var out []*record
	for _, t := range e.st.objects[svcTrack] {
		if src, _ := t.Obj["source"].(string); src == path {
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

func (e *Emulator) runTracks(tx *txn, flow *record, d map[string]any, depth int, used map[string]bool, copies *int) {
	if depth >= e.cfg.MaxTrackDepth {
		return
	}
	for _, t := range e.tracksFrom(flowPathOf(flow)) {
		tid := t.id()
		if t.Obj["disabled"] == true || used[tid] {
			continue
		}
		creator := e.trackCreator(t)
		if !e.trackMayRead(creator, t.Obj) {
			continue
		}
		passed := true
		if f, _ := t.Obj["filter"].(string); strings.TrimSpace(f) != "" {
			m, err := e.compileFilter(f)
			passed = err == nil && m.Match(d)
		}
		did, _ := d["id"].(string)
		tx.events = append(tx.events, TrackEvent{TrackID: tid, Account: t.Account, FlowID: flow.id(),
			DropID: did, Passed: passed, Time: e.cfg.Now()})
		if !passed {
			continue
		}
		chain := make(map[string]bool, len(used)+1)
		for k := range used {
			chain[k] = true
		}
		chain[tid] = true
		for _, dest := range trackDestinations(t.Obj) {
			if *copies >= maxTrackCopies {
				e.logf("emulator: track propagation stopped after %d copies", maxTrackCopies)
				return
			}
			fid, ok := e.st.flowPath[dest]
			if !ok || !e.permsFor(creator, dest).DropWrite {
				continue
			}
			df := e.st.objects[svcFlow][fid]
			if df == nil {
				continue
			}
			now := e.nowMs()
			c := map[string]any{
				"id":           e.ids.next(prefixDrop),
				"flowId":       df.id(),
				"path":         flowPathOf(df),
				"elems":        deepCopy(d["elems"]),
				"version":      int64(0),
				"parentDropId": map[string]any{"flowId": flow.id(), "dropId": did},
				"creationDate": now,
				"lastEditDate": now,
				"creatorId":    d["creatorId"],
				"lastEditorId": d["creatorId"],
			}
			for _, k := range []string{"location", "fhash"} {
				if v, ok := d[k]; ok {
					c[k] = deepCopy(v)
				}
			}
			if !e.flowAccepts(df, c) {
				continue
			}
			*copies++
			e.storeDrop(tx, df, c, tid, depth+1, chain, copies)
		}
	}
}

// trackCreator is the principal a track acts as: the master of the account
// of its creator's identity (nil, which has no rights, when that identity
// is gone). Lock held.
func (e *Emulator) trackCreator(t *record) *principal {
	id, _ := t.Obj["creatorId"].(string)
	idr := e.st.objects[svcIdentity][id]
	if idr == nil {
		return nil
	}
	return &principal{Kind: kindMaster, Account: idr.Account, IdentityID: id}
}

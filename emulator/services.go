package emulator

import (
	"fmt"
	"net/http"
	"strings"
)

// serviceDefs holds every stored-object service (drops are separate).
var serviceDefs map[string]*serviceDef

func init() {
	serviceDefs = map[string]*serviceDef{}
	for _, d := range []*serviceDef{
		{name: svcFlow, prefix: prefixFlow, create: true, update: true, del: true,
			paths: pathsOf("path"), validate: validateFlow,
			afterUpdate: flowAfterUpdate, beforeDelete: flowBeforeDelete},
		{name: svcTrack, prefix: prefixTrack, create: true, update: true, del: true,
			paths: trackPaths, validate: validateTrack, dropRights: trackDropRights},
		{name: svcIdentity, prefix: prefixIdentity, global: true,
			readOnly: []string{"name", "masterToken", "groupIds", "shares"},
			canRead:  func(*Emulator, *principal, *record) bool { return true },
			render:   renderIdentity},
		{name: svcGroup, prefix: prefixGroup, create: true, update: true, del: true, masterOnly: true,
			validate: validateGroup, canRead: canReadGroup},
		{name: svcToken, prefix: prefixToken, create: true, del: true, immutable: true, masterOnly: true,
			readOnly: []string{"tokenString", "issuedBy", "expiresInMs"},
			validate: validateToken, canRead: canReadToken,
			beforeInsert: tokenBeforeInsert, render: renderToken},
		{name: svcShare, prefix: prefixShare, create: true, del: true, immutable: true, masterOnly: true,
			readOnly: []string{"issuedBy", "expiresInMs"},
			validate: validateShare, canRead: canReadShare,
			beforeInsert: func(e *Emulator, _ *txn, p *principal, r *record) { r.Obj["issuedBy"] = p.IdentityID },
			render:       renderExpiry},
		{name: svcDevice, prefix: prefixDevice, create: true, update: true, del: true,
			readOnly: []string{"tokenId", "timeSinceLastSeen"},
			paths:    pathsOf("path"), validate: validateDevice,
			beforeInsert: deviceBeforeInsert, beforeDelete: deviceBeforeDelete, render: renderDevice},
		{name: svcAPITask, prefix: prefixAPITask, create: true, update: true, del: true,
			readOnly: []string{"status", "reportFlowId", "reportPath", "lastRun", "nextRun", "runCt"},
			paths:    pathsOf("destination"), validate: validateAPITask},
		{name: svcMQTT, prefix: prefixMQTT, create: true, update: true, del: true,
			readOnly: []string{"status", "reportFlowId", "reportPath", "lastRun", "nextRun", "runCt"},
			paths:    pathsOf("destination", "source"), validate: validateMQTT},
		{name: svcRSS, prefix: prefixRSS, create: true, update: true, del: true,
			readOnly: []string{"status", "reportFlowId", "reportPath", "lastRun", "nextRun", "runCt"},
			paths:    pathsOf("destination"), validate: validateRSS},
		{name: svcLocalTrack, prefix: prefixTrack, create: true, update: true, del: true,
			validate: validateLocalTrack},
		{name: svcAVConnection, prefix: prefixAVConnection, create: true, update: true, del: true,
			paths: pathsOf("destination"), validate: validateAVConnection},
	} {
		serviceDefs[d.name] = d
	}
}

// pathsOf returns the string members named keys.
func pathsOf(keys ...string) func(map[string]any) []string {
	return func(obj map[string]any) []string {
		var out []string
		for _, k := range keys {
			if s, ok := obj[k].(string); ok && s != "" {
				out = append(out, s)
			}
		}
		return out
	}
}

func trackPaths(obj map[string]any) []string {
	var out []string
	if s, ok := obj["source"].(string); ok && s != "" {
		out = append(out, s)
	}
	if l, ok := stringList(obj["destination"]); ok {
		for _, s := range l {
			if s != "" {
				out = append(out, strings.TrimSuffix(s, "/"))
			}
		}
	}
	return out
}

// ---- flow ----

func validateFlow(c *vctx, obj map[string]any) error {
	path, err := c.requiredOwnPath(obj)
	if err != nil {
		return err
	}
	if other, ok := c.e.st.flowPath[path]; ok && other != c.id {
		return fmt.Errorf("a flow with path %q already exists (%s)", path, other)
	}
	obj["path"] = path
	if _, ok := obj["capacity"]; !ok {
		obj["capacity"] = int64(DefaultFlowCapacity)
	}
	return all(
		optInt(obj, "capacity", 0, MaxFlowCapacity),
		optString(obj, "description", 0),
		optString(obj, "name", 0),
		optBool(obj, "public"),
		optFilter(c, obj, "filter"),
	)
}

func flowCapacity(obj map[string]any) int {
	n, ok := integral(obj["capacity"])
	if !ok {
		return DefaultFlowCapacity
	}
	return int(n)
}

// flowAfterUpdate applies a lower capacity at once. A renamed flow's drops
// take its new path as they are read (they do not store it).
func flowAfterUpdate(e *Emulator, tx *txn, old, nw *record) {
	c := flowCapacity(nw.Obj)
	for e.st.flowDrops[nw.id()].len() > c {
		e.evictOldest(tx, nw.id())
	}
}

func flowBeforeDelete(e *Emulator, tx *txn, r *record) { e.removeAllDrops(tx, r.id()) }

// ---- track ----

func validateTrack(c *vctx, obj map[string]any) error {
	v, ok := obj["source"]
	if !ok {
		return fmt.Errorf("member \"source\" is required")
	}
	src, err := checkPath("source", v)
	if err != nil {
		return err
	}
	obj["source"] = src
	if d, ok := obj["destination"]; ok {
		list, ok := stringList(d)
		if !ok {
			return fmt.Errorf("member \"destination\" must be a path or an array of paths")
		}
		for _, s := range list {
			if _, err := cleanPath("destination", s); err != nil {
				return err
			}
		}
	}
	return all(
		optFilter(c, obj, "filter"),
		optString(obj, "js", 0),
		optString(obj, "description", 0),
		optBool(obj, "disabled"),
		optObject(obj, "metadata"),
	)
}

// trackDropRights: p may create or change a track only with drop read on
// its source and drop write on each destination (read/write on the paths,
// checked by canWrite, govern the track object itself). runTracks checks
// the creator's the same way every time the track fires.
func trackDropRights(e *Emulator, p *principal, obj map[string]any) *apiError {
	if !e.trackMayRead(p, obj) {
		return &apiError{http.StatusForbidden, "A track needs drop read permission on its source."}
	}
	for _, dest := range trackDestinations(obj) {
		if !e.permsFor(p, dest).DropWrite {
			return &apiError{http.StatusForbidden, fmt.Sprintf("A track needs drop write permission on each destination (not on %q).", dest)}
		}
	}
	return nil
}

func (e *Emulator) trackMayRead(p *principal, obj map[string]any) bool {
	src, _ := obj["source"].(string)
	return e.permsFor(p, src).DropRead
}

// trackDestinations lists a track's destination paths (string or array).
func trackDestinations(obj map[string]any) []string {
	l, _ := stringList(obj["destination"])
	out := make([]string, 0, len(l))
	for _, s := range l {
		if len(s) > 1 {
			s = strings.TrimSuffix(s, "/")
		}
		out = append(out, s)
	}
	return out
}

// ---- identity ----

func renderIdentity(e *Emulator, p *principal, r *record, out map[string]any) {
	if p == nil || p.Kind != kindMaster || p.IdentityID != r.id() {
		return
	}
	if a := e.st.accounts[r.Account]; a != nil {
		out["masterToken"] = a.MasterToken
	}
	var groups []any
	for _, g := range e.st.objects[svcGroup] {
		if e.groupHas(g.id(), r.id()) {
			groups = append(groups, g.id())
		}
	}
	if groups == nil {
		groups = []any{}
	}
	out["groupIds"] = groups
	shares := map[string]any{}
	for _, s := range e.sharesFor(p) {
		shares[s.id()] = map[string]any{"paths": deepCopy(s.Obj["paths"])}
	}
	out["shares"] = shares
}

// ---- group ----

func validateGroup(c *vctx, obj map[string]any) error {
	if err := all(optString(obj, "displayName", 2048), optString(obj, "description", 0)); err != nil {
		return err
	}
	if v, ok := obj["memberIds"]; ok {
		list, ok := v.([]any)
		if !ok {
			return fmt.Errorf("member \"memberIds\" must be an array of identity ids")
		}
		for _, x := range list {
			s, ok := x.(string)
			if !ok || c.e.st.objects[svcIdentity][s] == nil {
				return fmt.Errorf("member \"memberIds\": %v is not a known identity id", x)
			}
		}
	} else if c.creating() {
		obj["memberIds"] = []any{}
	}
	return nil
}

func canReadGroup(_ *Emulator, p *principal, r *record) bool { return p.isMasterOf(r.Account) }

// ---- token and share ----

// validatePermPaths checks a paths map: keys are namespace paths, values
// objects of boolean flags (only the named flags are kept; missing = false).
func validatePermPaths(c *vctx, obj map[string]any, flags []string) error {
	v, ok := obj["paths"]
	if !ok {
		return fmt.Errorf("member \"paths\" is required")
	}
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 {
		return fmt.Errorf("member \"paths\" must be a non-empty object mapping paths to permissions")
	}
	out := make(map[string]any, len(m))
	for k, x := range m {
		path, err := c.ownPath("paths", k)
		if err != nil {
			return err
		}
		f, ok := x.(map[string]any)
		if !ok {
			return fmt.Errorf("paths[%q] must be an object of permission flags, got %s", k, jsonKind(x))
		}
		pf := map[string]any{}
		for _, name := range flags {
			fv, present := f[name]
			if !present {
				pf[name] = false
				continue
			}
			b, ok := fv.(bool)
			if !ok {
				return fmt.Errorf("paths[%q].%s must be a boolean, got %s", k, name, jsonKind(fv))
			}
			pf[name] = b
		}
		out[path] = pf
	}
	obj["paths"] = out
	return all(optString(obj, "description", 0), optInt(obj, "duration", 1, maxInt))
}

func validateToken(c *vctx, obj map[string]any) error {
	return validatePermPaths(c, obj, []string{"dropRead", "dropWrite"})
}

func tokenBeforeInsert(e *Emulator, _ *txn, p *principal, r *record) {
	for {
		s := RandomSecret(tokenStringLength)
		if _, taken := e.st.tokenStr[s]; !taken {
			if _, taken := e.st.masters[s]; !taken {
				r.Obj["tokenString"] = s
				break
			}
		}
	}
	r.Obj["issuedBy"] = p.IdentityID
}

func canReadToken(_ *Emulator, p *principal, r *record) bool {
	return p.isMasterOf(r.Account) || (p.Kind == kindToken && p.TokenID == r.id())
}

// renderExpiry adds expiresInMs = remaining lifetime in ms (≥ 0) when the
// object has a duration (§10 #11).
func renderExpiry(e *Emulator, _ *principal, r *record, out map[string]any) {
	d, ok := integral(r.Obj["duration"])
	if !ok || d <= 0 {
		return
	}
	c, _ := integral(r.Obj["creationDate"])
	out["expiresInMs"] = max(c+d-e.nowMs(), 0)
}

func renderToken(e *Emulator, p *principal, r *record, out map[string]any) {
	renderExpiry(e, p, r, out)
}

func validateShare(c *vctx, obj map[string]any) error {
	v, ok := obj["issuedTo"]
	if !ok {
		return fmt.Errorf("member \"issuedTo\" is required")
	}
	to, ok := v.(string)
	if !ok || to == "" {
		return fmt.Errorf("member \"issuedTo\" must be an identity or group id")
	}
	switch {
	case c.e.st.objects[svcIdentity][to] != nil:
	case c.e.st.objects[svcGroup][to] != nil && c.e.st.objects[svcGroup][to].Account == c.ns:
	default:
		return fmt.Errorf("member \"issuedTo\": %q is not a known identity or group", to)
	}
	return validatePermPaths(c, obj, []string{"read", "write", "dropRead", "dropWrite", "administer"})
}

func canReadShare(_ *Emulator, p *principal, r *record) bool { return p.isMasterOf(r.Account) }

// ---- device ----

func validateDevice(c *vctx, obj map[string]any) error {
	path, err := c.requiredOwnPath(obj)
	if err != nil {
		return err
	}
	obj["path"] = path
	if _, ok := obj["status"]; !ok && c.creating() {
		obj["status"] = "UNSEEN"
	}
	return all(
		optString(obj, "displayName", 2048),
		optString(obj, "description", 0),
		optObject(obj, "deviceSummary"),
		optString(obj, "status", 0),
		optInt(obj, "lastSeen", 0, maxInt),
		optInt(obj, "reportPeriodicity", 0, maxInt),
		optObject(obj, "tracks"),
	)
}

// deviceFlowNames are created under a new device's path (§10 #28).
var deviceFlowNames = []string{"default", "command", "report"}

func deviceBeforeInsert(e *Emulator, tx *txn, p *principal, r *record) {
	path := r.Obj["path"].(string)
	now := e.nowMs()
	for _, name := range deviceFlowNames {
		fp := path + "/" + name
		if _, exists := e.st.flowPath[fp]; exists {
			continue
		}
		id := e.ids.next(prefixFlow)
		e.put(tx, svcFlow, &record{Account: r.Account, Obj: map[string]any{
			"id": id, "path": fp, "capacity": int64(DefaultFlowCapacity),
			"description":  fmt.Sprintf("%s flow of device %s", name, r.id()),
			"creationDate": now, "lastEditDate": now, "creatorId": p.IdentityID, "lastEditorId": p.IdentityID,
		}})
	}
	tok := &record{Account: r.Account, Obj: map[string]any{
		"id":           e.ids.next(prefixToken),
		"paths":        map[string]any{path: map[string]any{"dropRead": true, "dropWrite": true}},
		"description":  "device " + r.id(),
		"creationDate": now, "lastEditDate": now, "creatorId": p.IdentityID, "lastEditorId": p.IdentityID,
	}}
	tokenBeforeInsert(e, tx, p, tok)
	e.put(tx, svcToken, tok)
	r.Obj["tokenId"] = tok.id()
}

func deviceBeforeDelete(e *Emulator, tx *txn, r *record) {
	if id, ok := r.Obj["tokenId"].(string); ok {
		if t := e.st.objects[svcToken][id]; t != nil {
			e.remove(tx, svcToken, t)
		}
	}
}

func renderDevice(e *Emulator, _ *principal, r *record, out map[string]any) {
	if ls, ok := integral(r.Obj["lastSeen"]); ok && ls > 0 {
		out["timeSinceLastSeen"] = max(e.nowMs()-ls, 0)
	} else {
		out["timeSinceLastSeen"] = int64(-1)
	}
}

// ---- tasks ----

func taskMembers(obj map[string]any) error {
	return all(
		optString(obj, "displayName", 2048),
		optString(obj, "description", 0),
		optString(obj, "js", 0),
		optBool(obj, "disabled"),
		optPath(obj, "destination"),
	)
}

func validateAPITask(c *vctx, obj map[string]any) error {
	if _, ok := obj["periodicity"]; !ok {
		obj["periodicity"] = int64(DefaultTaskPeriodicity)
	}
	if n, ok := integral(obj["periodicity"]); ok && n < MinTaskPeriodicity {
		return fmt.Errorf("member \"periodicity\" must be at least %d ms, got %d", MinTaskPeriodicity, n)
	}
	return all(taskMembers(obj), optInt(obj, "periodicity", MinTaskPeriodicity, maxInt), optObject(obj, "source"))
}

func validateMQTT(c *vctx, obj map[string]any) error {
	_, hasDst := obj["destination"]
	_, hasSrc := obj["source"]
	if hasDst == hasSrc {
		return fmt.Errorf("exactly one of \"destination\" (broker to flow) or \"source\" (flow to broker) is required")
	}
	for _, k := range []string{"uri", "topic", "host", "username", "password", "clientId", "version", "inputFormat", "outputFormat"} {
		if err := optString(obj, k, 0); err != nil {
			return err
		}
	}
	return all(taskMembers(obj), optPath(obj, "source"),
		optInt(obj, "qos", 0, 2), optInt(obj, "reportFrequency", 0, maxInt), optInt(obj, "periodicity", 0, maxInt))
}

func validateRSS(c *vctx, obj map[string]any) error {
	if err := reqString(obj, "url"); err != nil {
		return err
	}
	return all(taskMembers(obj), optString(obj, "favicon", 0), optString(obj, "icon", 0),
		optString(obj, "category", 0), optBool(obj, "isFeatured"), optInt(obj, "periodicity", 0, maxInt))
}

func validateLocalTrack(c *vctx, obj map[string]any) error {
	return all(optString(obj, "source", 0), optString(obj, "js", 0), optString(obj, "description", 0),
		optBool(obj, "disabled"), optString(obj, "deviceId", 0), optObject(obj, "metadata"))
}

func validateAVConnection(c *vctx, obj map[string]any) error {
	for _, k := range []string{"companyId", "companyName", "description", "displayName", "status"} {
		if err := optString(obj, k, 0); err != nil {
			return err
		}
	}
	return all(optPath(obj, "destination"), optInt(obj, "periodicity", 0, maxInt),
		optInt(obj, "reportFrequency", 0, maxInt), optBool(obj, "disabled"))
}

// Package emulator is a local emulator of the (defunct) flowthings.io
// platform, faithful to docs/protocol.md (§2 envelope, §3
// services, §4 query parameters, §6 typed elems, §7 aggregation, §8
// WebSocket API, §3.14 statistics, §9 permissions, §10 recommended
// choices). The REST core is in rest.go, ops.go and the service files; the
// WebSocket API (ws.go, ws_frames.go), aggregation (aggregate.go) and
// statistics (stats.go) plug into it through the extension points
// described at the end, so every operation has one implementation whatever
// the transport.
//
// # Use
//
//	emu, err := emulator.New(emulator.Config{})   // in memory, dev + guest accounts
//	srv := httptest.NewServer(emu.Handler())      // or http.Server{Handler: emu.Handler()}
//	defer emu.Close()
//	// REST base: srv.URL + "/v0.1/dev", header X-Auth-Token: emulator.DefaultToken
//	// WebSocket: POST srv.URL+"/session" (same header) → {"id"}; dial ws://…/session/{id}/ws
//
// cmd/flowthings-emulator wraps it in a command with flags and a ready line.
//
// # Built-in accounts
//
// Two accounts exist from the start, each with an Identity (i…) whose name
// is the account name:
//
//	account  master token (X-Auth-Token)
//	dev      flowthings-emulator-dev-token-01    (Config.Account / Config.Token)
//	guest    flowthings-emulator-guest-tok-02    (Config.GuestAccount / Config.GuestToken)
//
// Config.ExtraAccounts adds more. The configured master tokens always win
// at start; PUT /identity/{id}/masterToken resets a master token for the
// running process only.
//
// # Limits and defaults
//
//	request body             1 MiB (Config.MaxBodyBytes), before and after gunzip → 413
//	request URL              ≤ 256 KiB (MaxURLLength) → 414 envelope; servers should set
//	                         http.Server.MaxHeaderBytes = MaxHeaderBytes (8 MiB, as the
//	                         command does), beyond which Go answers a plain-text 431
//	JSON nesting             ≤ 64 levels of objects/arrays per body or WebSocket value
//	                         (MaxJSONDepth; the body is level 1) → 400 naming the limit
//	flow capacity            default 1000, 0..100000; 0 stores nothing but still fires events and tracks
//	find limit               default 20, capped at 1000 (larger values are capped, not rejected)
//	filter length            ≤ 64 KiB (MaxFilterLength) wherever a filter is accepted → 400
//	filter regexes           ≤ 20000 RE2 units summed (MaxFilterRegexSize; /a{1000}/ is 1000),
//	                         checked before compiling → 400
//	compiled-filter cache    ≤ 1024 filters and ≤ 32 MiB by estimate (17 B per source byte
//	                         + 64 B per regex unit), least recently used out
//	track propagation        ≤ 16 hops (Config.MaxTrackDepth), a chain never reuses a track,
//	                         ≤ 10000 copies per written drop
//	paths                    ≤ 128 chars, ≥ 2 segments of [A-Za-z0-9_:-], first = account
//	displayName              ≤ 2048 chars (devices, tasks, groups)
//	api-task periodicity     default 3600000 ms, < 60000 → 400
//	Token tokenString        28 chars [A-Za-z0-9] from crypto/rand (never 32: clients treat
//	                         32-char tokens as master tokens)
//	ids                      prefix + 24 hex (4 bytes Unix seconds, 5 random, 3 counter)
//
// # Behaviour where the protocol is silent (our decisions)
//
// Routing and envelope:
//   - Every response, errors included, is the §2 envelope; body is never
//     null ({} for deletes and errors). 2xx messages carry the platform's
//     "Your request has been processed successfully." text.
//   - Unknown route or service → 404; a method that is not one of GET HEAD
//     POST PUT DELETE MGET MPUT OPTIONS → 405; a known method on a route
//     that does not take it (POST /flow/{id}, PUT /flow, DELETE /flow, …) →
//     405; PUT or MPUT on token/share → 400 ("immutable", §2). HEAD = GET
//     without a body. OPTIONS on any path → 204 with CORS headers.
//   - Panics become a 500 envelope. Responses are never gzipped.
//   - Authentication runs before the body is read: a bad token is 401 even
//     with a malformed body. An unknown URL account is 404 (after
//     authentication).
//   - X-Auth-Account is optional; when sent it must be the token's own
//     account or the URL account (the Python client sends the URL account,
//     so a share recipient calls with the owner's account and its own
//     token), else 403 with a message naming the header. A 403 for a
//     missing share ("Account … has no live share for you") does not
//     mention the header.
//   - Faults (Config.Latency, Config.FailRate → 503 envelope) apply to REST
//     requests, POST /session and WebSocket operation frames, not to
//     preflights, static files, heartbeats or pushes.
//
// Permissions (§9.4):
//   - A master token has every right on paths of its account, plus what
//     live shares issued to its identity (directly or through a group of
//     the issuing account) grant; it may act in another account's namespace
//     only while such a share exists (else 403). Tokens are bound to their
//     account: read on objects at/below their paths, drop read/write per
//     flags, no other writes.
//   - Token, share and group endpoints (list, read, write) need the
//     namespace's master token (403), except that a Token reads itself
//     (GET /token lists just it).
//   - Identities are readable by every authenticated caller (you need
//     guest's identity id to share with guest); masterToken, groupIds and
//     shares appear only on the caller's own identity.
//   - Tracks need write on the source and on each destination, and also
//     drop read on the source and drop write on each destination (checked
//     again for the track's creator every time it fires: a track made
//     through a share stops copying when the share expires or is deleted);
//     devices and tasks need write on their path/destination (mqtt:
//     destination or source); a task without a path, and local-track, are
//     master-only.
//   - Reading an object that names paths (flow, track, device, task) needs
//     read on every path it names, so a Token scoped to /dev/shared cannot
//     read a track from /dev/secret (its source and filter would leak).
//     Lists and MGET leave out what the caller cannot read; reads of one
//     object the caller cannot read are 403. Objects written by a Token have
//     the issuing identity as creatorId/lastEditorId; objects written through
//     a share have the recipient's identity and live in the owner's namespace.
//   - Share paths and token paths must lie in the issuing account; share
//     issuedTo must be an existing identity (any account) or a group of the
//     issuing account. expiresInMs (tokens, shares) is the remaining lifetime
//     in ms, present only with a duration; expired tokens are 401, expired
//     shares grant nothing.
//
// Objects:
//   - Update is a shallow merge; a member set to null is removed;
//     server-assigned members in bodies are ignored; a member sub-resource
//     PUT /{svc}/{id}/{member} replaces one member (400 for read-only ones).
//     Unknown members of non-drop objects are stored as given. A flow's
//     public flag is stored and grants nothing.
//   - MGET/MPUT omit unknown ids; MPUT validates every entry before applying
//     any (all or nothing), each against the state before the batch and the
//     batch as a whole: two flows of one batch cannot take one path (400),
//     as a single PUT cannot take a path another flow has.
//   - Deleting a flow deletes its drops (tracks pointing at it stay).
//     Renaming a flow updates its drops' path (in the database file a
//     drop keeps the path it was written with; the flow's wins on load).
//     Lowering a capacity evicts at once.
//   - Devices: on create the flows <path>/default, /command, /report are
//     created (an existing flow with that path is reused) and a Token for
//     <path> with dropRead+dropWrite (tokenId); deleting the device deletes
//     that token and keeps the flows; changing a device's path later does
//     not move or create flows. timeSinceLastSeen = now − lastSeen, −1
//     when never seen; status defaults to "UNSEEN".
//   - api-task, mqtt, rss, local-track, av-connection are stored only, never
//     run; their status/report/run members are read-only and not generated.
//     av-connection ids use the prefix 'a' (undocumented), local-track 't'.
//
// Drops:
//   - Stored drops are kept encoded in memory (dropcodec.go: about 300
//     bytes of heap for five elems, where decoded maps took about 3 KB) and
//     decoded when read; a drop does not store its flow's id or path, so a
//     renamed flow's drops read back with the new path at once.
//   - Members kept: elems, location, fhash, parentDropId (plus the server
//     ones); unknown members are ignored. A body path/flowId that differs
//     from the addressed flow is 400. Missing elems = {}.
//   - Typed elems (§6) are normalised on input and stored typed: an object
//     with exactly the keys type and value and a string type is a typed
//     value (unknown type → 400); any other object is a map. JSON null is
//     stored and rendered as null. set de-duplicates, sortedSet also sorts
//     (numbers < strings < booleans < others), sortedMap (like every map)
//     is output with sorted keys, dropRef accepts both forms. Output is
//     typed when the major API version is < 4 (v0.1) and plain from v4.0,
//     overridable with hints.
//   - A zip-only location gets lat/lon from the filter evaluator's zip table
//     (eval.ZipCentroid) when it knows the zip; otherwise it is kept as given.
//   - Update replaces the given members, bumps version and lastEditDate,
//     re-checks the flow filter and fires a DropEvent{Kind: DropUpdated};
//     it does not run tracks.
//   - GET /drop?path= with an unknown path is 404; POST /drop with an unknown
//     path is 400. MGET /drop items may name the flow by flowId or path;
//     unknown or unreadable flows are left out; URL params are defaults for
//     every item's params.
//   - Tracks: see tracks.go (js stored, never executed; destination filter
//     mismatch skipped silently; loop guard).
//
// Scans (scan.go): finds, MGET (by flow or by ids), aggregation and
// WebSocket findmany read drops without holding the state lock (it is
// taken only to copy 512 drop pointers at a time, and drops are decoded
// after releasing it), so writers never wait for a scan, and they stop
// when the caller is gone (REST request context, WebSocket connection):
// the operation ends with a 503 nobody reads. In the default order
// (creationDate newest first, or order=asc) a page without a filter is cut
// out directly and a filtered page stops as soon as it is full; other
// sorts read every drop and keep the best start+limit. A scan sees drops
// created while it runs or not. Object finds (flows, tracks, …) filter and
// sort without the lock too.
//
// Query parameters (§4): bad start/skip/limit/order/hints/refs/sort values
// are 400; limit=0 returns an empty list; sorting puts missing values first
// in ascending order and breaks ties by insertion order; only keeps id;
// refs resolves flowId, creatorId, lastEditorId, issuedTo and tokenId
// strings anywhere in the body (flows, identities, groups, tokens, devices,
// tracks) that the caller may read. Filters use package filter and
// filter/eval (see filter.go); a syntax error is a 400 whose message names
// the byte position.
//
// # Scale
//
// One flow of 100,000 drops (a sensor at 1 Hz for a day) is the design
// point; BenchmarkScale (scale_bench_test.go) builds it and prints the
// figures next to their targets:
//
//	go test ./emulator -run '^$' -bench Scale -benchtime 1x
//
// # Persistence
//
// With Config.DataDir every mutation is written through, in one bbolt
// transaction per operation, to DataDir/flowthings-emulator.db: one bucket
// per collection (flow, drop, track, identity, group, token, share, device,
// api-task, mqtt, rss, local-track, av-connection), key = id, value = JSON
// {"account": namespace, "seq": insertion order, "flowId": (drops),
// "object": the stored object}. Everything is loaded at start. If a write
// fails the operation answers 500 and memory may be ahead of the disk.
// Loading never fails over one record: one nested beyond encoding/json's
// limit (stored by an earlier version without the nesting cap) is read
// token by token, and one that cannot be decoded at all is skipped with a
// log line naming it (and left in the file).
//
// # WebSocket API (§8) — ws.go, ws_frames.go
//
//   - POST /session with X-Auth-Token (X-Auth-Account optional: the account
//     the session acts in, the token's own by default; another account
//     needs a live share for the caller, else 403 naming the header) → 201
//     {"id": 32 hex digits}; bad token 401; CORS as on REST. The session is bound to that
//     principal, re-checked on every frame and push (a deleted Token gets
//     401 replies and no pushes). An id is good for one connection (the
//     upgrade consumes it) and expires when not connected within 60 s
//     (Config.Now); unknown/used/expired → 404 on upgrade, a non-upgrade
//     request → 426. Only the /ws transport exists (streaming, polling →
//     404). Any origin may connect (local development tool).
//   - Frames: one JSON object per text (or binary) frame; msgId echoed byte
//     for byte (any JSON type, null included); one reply per frame that has
//     a msgId, except heartbeats; a frame without msgId runs and gets no
//     reply, errors included (docs/protocol.md §8.3: the Python client reads
//     head.msgId of every reply); body never null; references only with
//     refs=1.
//     create/find/findmany/update/delete work for every object type and run
//     through execute (same permissions, validation, CallEvents as REST);
//     drops name their flow by flowId or path (frame, or value.path on
//     create); a drop frame whose path starts with another account, or
//     whose flowId is a flow of an account with a live share for the
//     caller, acts in that account (shares work by id as by path). Extensions: type "aggregate" (drops) and object
//     "statistics" (find, id "<type>/<objectId>[/<y>…]"). Non-objects are
//     ignored; other malformed frames get a 400 reply.
//   - Sessions are version-less and behave as v0.1: typed elems in replies
//     and pushes; ?hints=0 on POST /session or on the /ws URL makes them
//     plain (options.hints still wins per frame).
//   - Push {"type":"message","resource":flowId,"value":drop} for every drop
//     created or updated after subscribing (track copies and capacity-0
//     flows included), once per connection however it was subscribed, after
//     the reply of the frame that caused it. Subscriptions bind to the flow
//     resolved at subscribe time; unsubscribing what is not subscribed is
//     200.
//   - Heartbeat text frames and ping/pong frames count as activity and are
//     never answered (pings get the protocol pong). Server closes:
//     1008 "idle timeout" (Config.WSIdleTimeout, default 120 s without any
//     inbound frame; a connection with live subscriptions is never closed
//     for silence, since a listener that only receives pushes, like the
//     Python client, sends nothing; Config.WSIdleCloseSubscribed closes it
//     too);
//     1008 "send queue overflow" (more than 1024 messages or 16 MiB waiting
//     on one connection: every connection has its own bounded queue and
//     writer, and the fan-out only queues, so a slow or stuck subscriber
//     never delays the write that made the drop, nor other clients);
//     1012 Config.DropWSAfter; 1001 Emulator.Close (which waits up to 6 s
//     for close handshakes); 1009 frame over MaxBodyBytes + 64 KiB.
//     Latency/FailRate apply to POST /session and to each operation frame
//     (503 reply).
//
// # Aggregation (§7) — aggregate.go
//
// POST /drop/{flowId}/aggregate with drop-read permission, over the drops
// stored in the flow. Decisions: rows are keyed by the literal selector
// strings and ordered by groupBy values ascending unless sorts say
// otherwise; numeric aggregates ($sum $avg $min $max) skip non-numbers;
// $sum of nothing is 0, $avg/$min/$max null; no groupBy → always one row;
// distance:<rule> is the per-group average distance (in the unit of the
// rule's first WITHIN) over drops with a location, via eval.Distance; rule
// names usable as fields and group keys (0/1). Every malformed selector,
// filter or sort key is 400. Details in aggregate.go.
//
// # Statistics (§3.14) — stats.go
//
// GET /statistics/{type}/{objectId}[/{year}[/{month}[/{day}]]][?level=…],
// counted from real activity through the listeners, bucketed per UTC hour
// of Config.Now. Decisions: flowTracked = drops copied into the flow by
// tracks; dropCreatedBy excludes track copies; apiCallByIdentity counts
// every authenticated operation incl. failures, WebSocket frames,
// subscribe/unsubscribe and POST /session (a Token counts for its
// issuer). Without a date: the last 10 years (level YEAR) or the current
// year/month/day for level MONTH/DAY/HOUR; a level coarser than the given
// period is 400; unknown type 404; flows/tracks need read permission;
// identities only their own master token. Counters persist in the bbolt
// bucket "statistics", written every second and at Close. Details in
// stats.go.
//
// # Extension points (WebSocket, aggregation, statistics)
//
// All in this package (unexported unless noted):
//
//	e.authenticate(authAccount, token, urlAccount string) (*principal, *apiError)
//	e.execute(ctx, p *principal, op operation) result      // any service operation, REST or WS
//	e.subscribeCheck(p, ns, flowID, path string) (id, flowPath string, err *apiError)
//	e.injectFault(ctx) *apiError                           // Latency / FailRate / closed
//	e.view(p, op, fn) / e.mutate(p, op, fn)                // locked sections for new services
//	e.registerService(name, serviceFunc)                   // e.g. "statistics"; serviceFunc(ctx, p, op)
//	e.registerDropTail(tail, serviceFunc)                  // e.g. "aggregate"
//	e.handleHTTP(prefix, http.Handler)                     // e.g. "/session"
//	e.onClose(func() error)
//	e.compileFilter(src) (matcher, error); lookupMember(obj, path)
//	e.eachDrop(ctx, flowID, newestFirst, fn)               // scan a flow's drops without the lock
//	(exported) e.AddDropListener, e.AddTrackListener, e.AddCallListener
//
// A layer is a setup(e) function listed in the layers variable of
// emulator.go; New calls each after loading state and before returning
// (aggregation, statistics, WebSocket; closers run in reverse, so sockets
// close before the statistics' last flush and the database). See hooks.go for
// the listener contract (synchronous, in storage order, outside the state
// lock, may read but not write). handleHTTP: a later registration of the
// same prefix replaces the earlier one.
package emulator

package emulator

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
)

// principalKind tells how a caller authenticated.
type principalKind int

const (
	// kindMaster: the master token of Account.
	kindMaster principalKind = iota
	// kindToken: a Token object (TokenID) of Account.
	kindToken
)

// principal is an authenticated caller. It is checked again on every
// execute, so a Token deleted or expired after authentication (e.g. during
// a WebSocket session) stops working at once.
type principal struct {
	Kind       principalKind
	Account    string // the account the credential belongs to
	IdentityID string // that account's identity
	TokenID    string // kindToken only
}

func (p *principal) isMasterOf(account string) bool {
	return p != nil && p.Kind == kindMaster && p.Account == account
}

// apiError is a failed operation before it produces a result.
type apiError struct {
	Status int
	Msg    string
}

func (e *apiError) Error() string { return e.Msg }

func (e *apiError) result() result { return errResult(e.Status, e.Msg) }

const (
	msgNoToken   = "Authentication required: send a valid X-Auth-Token header."
	msgBadToken  = "The X-Auth-Token is not valid (unknown, deleted or expired token)."
	msgForbidden = "You do not have permission to perform this operation."
	// msgNoShare: %q the account addressed, %s the caller's account
	msgNoShare = "Account %q has no live share for you (%s): you cannot act in it."
	// msgHeaderAccount: %q the header, the token's account, the URL account
	msgHeaderAccount = "X-Auth-Account %q is neither the account of the X-Auth-Token (%q) nor the account in the URL (%q)."
)

// authenticate maps the request credentials to a principal. authAccount is
// the X-Auth-Account header ("" when absent), token the X-Auth-Token,
// urlAccount the account (namespace) being addressed. It is shared by the
// REST handler and the WebSocket session endpoint (which passes
// urlAccount = authAccount).
//
// X-Auth-Account, when sent, must be the token's own account or the URL
// account (the Python client sends the URL account, so a share recipient
// calls with the owner's account and its own token, docs/protocol.md §10 #27).
//
// Errors: 401 missing/unknown/expired/deleted token; 403 X-Auth-Account
// naming another account (the message names the header); 403 when the
// caller's account is not the URL account and no live share connects them
// (the message does not mention the header); 404 unknown URL account.
func (e *Emulator) authenticate(authAccount, token, urlAccount string) (*principal, *apiError) {
	if token == "" {
		return nil, &apiError{http.StatusUnauthorized, msgNoToken}
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	p := e.resolveToken(token)
	if p == nil {
		return nil, &apiError{http.StatusUnauthorized, msgBadToken}
	}
	if authAccount != "" && authAccount != p.Account && authAccount != urlAccount {
		return nil, &apiError{http.StatusForbidden, fmt.Sprintf(msgHeaderAccount, authAccount, p.Account, urlAccount)}
	}
	if err := e.checkNamespace(p, urlAccount); err != nil {
		return nil, err
	}
	return p, nil
}

// resolveToken finds the principal for a token string (lock held).
func (e *Emulator) resolveToken(token string) *principal {
	if acct, ok := e.st.masters[token]; ok {
		a := e.st.accounts[acct]
		// constant-time confirm (the map lookup already matched)
		if subtle.ConstantTimeCompare([]byte(a.MasterToken), []byte(token)) == 1 {
			return &principal{Kind: kindMaster, Account: a.Name, IdentityID: a.IdentityID}
		}
	}
	if id, ok := e.st.tokenStr[token]; ok {
		r := e.st.objects[svcToken][id]
		if r == nil || e.tokenExpired(r) {
			return nil
		}
		a := e.st.accounts[r.Account]
		p := &principal{Kind: kindToken, Account: r.Account, TokenID: id}
		if a != nil {
			p.IdentityID = a.IdentityID
		}
		return p
	}
	return nil
}

// validate re-checks a principal at execute time (lock held): its Token
// still exists and has not expired.
func (e *Emulator) validate(p *principal) *apiError {
	if p == nil {
		return &apiError{http.StatusUnauthorized, msgNoToken}
	}
	if p.Kind == kindToken {
		r := e.st.objects[svcToken][p.TokenID]
		if r == nil || e.tokenExpired(r) {
			return &apiError{http.StatusUnauthorized, msgBadToken}
		}
	}
	return nil
}

// checkNamespace: may p act in urlAccount at all? (lock held)
func (e *Emulator) checkNamespace(p *principal, urlAccount string) *apiError {
	if e.st.accounts[urlAccount] == nil {
		if p.Account == urlAccount {
			return nil
		}
		return &apiError{http.StatusNotFound, "Unknown account \"" + urlAccount + "\"."}
	}
	if p.Account == urlAccount {
		return nil
	}
	if p.Kind == kindMaster {
		for _, r := range e.sharesFor(p) {
			if r.Account == urlAccount {
				return nil
			}
		}
	}
	return &apiError{http.StatusForbidden, fmt.Sprintf(msgNoShare, urlAccount, p.Account)}
}

func (e *Emulator) tokenExpired(r *record) bool {
	return expired(r.Obj, e.nowMs())
}

// expired: creationDate + duration <= now (duration > 0).
func expired(obj map[string]any, now int64) bool {
	d, ok := integral(obj["duration"])
	if !ok || d <= 0 {
		return false
	}
	c, _ := integral(obj["creationDate"])
	return c+d <= now
}

// perms are the effective rights on one path.
type perms struct {
	Read, Write, DropRead, DropWrite bool
}

var allPerms = perms{true, true, true, true}

func (a perms) union(b perms) perms {
	return perms{a.Read || b.Read, a.Write || b.Write, a.DropRead || b.DropRead, a.DropWrite || b.DropWrite}
}

// pathCovers: prefix on segment boundaries (/a/b covers /a/b and /a/b/c,
// not /a/bc).
func pathCovers(prefix, path string) bool {
	prefix = strings.TrimSuffix(prefix, "/")
	if prefix == "" {
		return false
	}
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}

// pathOwner is the first segment of a path.
func pathOwner(path string) string {
	s := strings.TrimPrefix(path, "/")
	if i := strings.IndexByte(s, '/'); i >= 0 {
		return s[:i]
	}
	return s
}

// permsFor computes p's rights on path (lock held): master of the path's
// account → all; a Token → read plus its drop flags on covered paths;
// shares issued to the caller's identity (or a group containing it) →
// their flags (administer = all). Several entries combine by OR.
func (e *Emulator) permsFor(p *principal, path string) perms {
	if p == nil || path == "" {
		return perms{}
	}
	if p.Kind == kindMaster && pathOwner(path) == p.Account {
		return allPerms
	}
	var out perms
	if p.Kind == kindToken {
		r := e.st.objects[svcToken][p.TokenID]
		if r == nil {
			return perms{}
		}
		paths, _ := r.Obj["paths"].(map[string]any)
		for k, v := range paths {
			if !pathCovers(k, path) {
				continue
			}
			f, _ := v.(map[string]any)
			out = out.union(perms{Read: true, DropRead: f["dropRead"] == true, DropWrite: f["dropWrite"] == true})
		}
		return out
	}
	for _, r := range e.sharesFor(p) {
		paths, _ := r.Obj["paths"].(map[string]any)
		for k, v := range paths {
			if !pathCovers(k, path) {
				continue
			}
			f, _ := v.(map[string]any)
			if f["administer"] == true {
				out = allPerms
				continue
			}
			out = out.union(perms{Read: f["read"] == true, Write: f["write"] == true,
				DropRead: f["dropRead"] == true, DropWrite: f["dropWrite"] == true})
		}
	}
	return out
}

// sharesFor lists the live shares issued to p's identity or one of its
// groups (lock held). Tokens receive no shares.
func (e *Emulator) sharesFor(p *principal) []*record {
	if p.Kind != kindMaster || p.IdentityID == "" {
		return nil
	}
	now := e.nowMs()
	var out []*record
	for _, r := range e.st.objects[svcShare] {
		if expired(r.Obj, now) {
			continue
		}
		to, _ := r.Obj["issuedTo"].(string)
		if to == p.IdentityID || e.groupHas(to, p.IdentityID) {
			out = append(out, r)
		}
	}
	return out
}

func (e *Emulator) groupHas(groupID, identityID string) bool {
	if !strings.HasPrefix(groupID, "g") {
		return false
	}
	g := e.st.objects[svcGroup][groupID]
	if g == nil {
		return false
	}
	ids, _ := g.Obj["memberIds"].([]any)
	for _, x := range ids {
		if x == identityID {
			return true
		}
	}
	return false
}

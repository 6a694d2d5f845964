package sim

import (
	"consentwiz/graph/entra"
	"crypto/sha256"
	"encoding/binary"
	"regexp"
	"sort"
	"strings"
	"time"
)

// The sign-in log (GET /auditLogs/signIns, graph_signins.go). Entra records
// every interactive user sign-in, successful or not, with the AADSTS code
// that stopped it (signin.md; docs/entra.md H). The simulator records what
// its users play (UserSignIn, UserConsents, the browser's authorize pages,
// device-code approvals) and seeds each scenario with a history.
//
// A record is compact (the names it shows are shared descriptors) so that a
// big tenant can hold 100,000 of them; graph_signins.go renders it as a
// signIn resource. Records are kept sorted by (time, sequence).

// logUser and logApp are the names a record shows, as they were when it was written.
type logUser struct{ id, upn, name string }

type logApp struct{ id, name string }

type signInRec struct {
	at     int64 // UTC, in 100 ns ticks since the Unix epoch (Graph's precision: 7 fraction digits)
	seq    uint64
	user   *logUser
	app    *logApp
	res    *logApp
	code   int
	reason string // status/failureReason ("" for a success)
	place  uint8  // signInPlaces
}

// signInPlaces are where the simulated users sign in from (documentation IP ranges).
var signInPlaces = []struct{ ip, city, state, country, os, browser string }{
	{"203.0.113.24", "Seattle", "Washington", "US", "Windows10", "Edge 131.0.0"},
	{"198.51.100.17", "London", "England", "GB", "MacOs", "Safari 18.1"},
	{"192.0.2.45", "Redmond", "Washington", "US", "Windows10", "Chrome 131.0.0"},
	{"203.0.113.88", "Manchester", "England", "GB", "Ios 18", "Mobile Safari 18.1"},
}

// Retention of sign-in logs: Microsoft Entra ID Free 7 days, P1/P2 30 days
// (reference-reports-data-retention.md; docs/entra.md H).
const (
	retentionFree    = 7 * 24 * time.Hour
	retentionPremium = 30 * 24 * time.Hour
)

func (t *Tenant) retentionLocked() time.Duration {
	if t.noPremium {
		return retentionFree
	}
	return retentionPremium
}

func ticks(tm time.Time) int64 { return tm.UnixNano() / 100 }

func timeOfTicks(n int64) time.Time { return time.Unix(0, n*100).UTC() }

// logUserLocked returns the shared descriptor of the user's names.
func (t *Tenant) logUserLocked(u *simUser) *logUser {
	k := u.ID + "\x00" + u.UserPrincipalName + "\x00" + u.DisplayName
	if lu, ok := t.logUsers[k]; ok {
		return lu
	}
	lu := &logUser{id: u.ID, upn: strings.ToLower(u.UserPrincipalName), name: u.DisplayName}
	t.logUsers[k] = lu
	return lu
}

// logAppLocked returns the shared descriptor of an app's id and name.
func (t *Tenant) logAppLocked(id, name string) *logApp {
	k := strings.ToLower(id) + "\x00" + name
	if la, ok := t.logApps[k]; ok {
		return la
	}
	la := &logApp{id: strings.ToLower(id), name: name}
	t.logApps[k] = la
	return la
}

// appendSignInLocked adds a record, keeping the log sorted (while a scenario
// is built, seeding, it only appends: sortSignInsLocked sorts once at the end).
func (t *Tenant) appendSignInLocked(r signInRec) {
	t.signInSeq++
	r.seq = t.signInSeq
	n := len(t.signIns)
	if t.seeding || n == 0 || t.signIns[n-1].at <= r.at {
		t.signIns = append(t.signIns, r)
		return
	}
	i := sort.Search(n, func(i int) bool { return t.signIns[i].at > r.at })
	t.signIns = append(t.signIns, signInRec{})
	copy(t.signIns[i+1:], t.signIns[i:])
	t.signIns[i] = r
}

// sortSignInsLocked sorts the log by (time, sequence) and ends seeding.
func (t *Tenant) sortSignInsLocked() {
	sort.Slice(t.signIns, func(i, j int) bool {
		a, b := &t.signIns[i], &t.signIns[j]
		return a.at < b.at || a.at == b.at && a.seq < b.seq
	})
	t.seeding = false
}

var reAADSTSPrefix = regexp.MustCompile(`^AADSTS\d+:\s*`)

// recordSignInLocked writes what the user got signing in to appID at time
// at: a success, or the failure's AADSTS code with its message as the
// failure reason. The app's name is its service principal's in the tenant
// (the catalog's when it has none, "" when the app is unknown: 700016). The
// resource is that of the first scope the user was stopped on (Microsoft
// Graph when none is known).
func (t *Tenant) recordSignInLocked(u *simUser, appID string, a *App, out SignInOutcome, scopes []string, at time.Time) {
	if u == nil || out.Result == "" {
		return
	}
	name := ""
	if sp := t.spByAppLocked(appID); sp != nil {
		name = sp.DisplayName
	} else if a != nil {
		name = a.DisplayName
	}
	res := t.srv.catalog.get(entra.MicrosoftGraphAppID)
	if len(out.MissingScopes) > 0 {
		scopes = out.MissingScopes
	}
	for _, sc := range scopes {
		prefix, _ := splitScope(sc)
		if r := t.srv.resourceFor(prefix); r != nil {
			res = r
			break
		}
	}
	rec := signInRec{at: ticks(at), user: t.logUserLocked(u), app: t.logAppLocked(appID, name),
		res: t.logAppLocked(res.AppID, res.DisplayName), place: placeOf(u.ID)}
	if out.Result != ResultGranted {
		rec.code = out.Code
		rec.reason = reAADSTSPrefix.ReplaceAllString(out.Message, "")
	}
	t.appendSignInLocked(rec)
}

// recordNowLocked is recordSignInLocked at the simulated cloud's current time.
func (t *Tenant) recordNowLocked(u *simUser, appID string, a *App, out SignInOutcome, scopes []string) {
	t.recordSignInLocked(u, appID, a, out, scopes, t.now())
}

func placeOf(userID string) uint8 {
	h := sha256.Sum256([]byte(userID))
	return h[0] % uint8(len(signInPlaces))
}

// SignInCount returns how many records the tenant's sign-in log holds (all
// of them, whatever their age).
func (t *Tenant) SignInCount() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.signIns)
}

// SignIns returns the tenant's sign-in log as Graph shows it, newest first,
// within the retention period.
func (t *Tenant) SignIns() []entra.SignIn {
	t.mu.Lock()
	defer t.mu.Unlock()
	min := ticks(t.now().Add(-t.retentionLocked()))
	var out []entra.SignIn
	for i := len(t.signIns) - 1; i >= 0 && t.signIns[i].at >= min; i-- {
		out = append(out, t.signInOf(&t.signIns[i]))
	}
	return out
}

// Premium reports whether the tenant has Microsoft Entra ID P1 or P2 (needed
// to read sign-in logs through Graph, docs/entra.md H).
func (t *Tenant) Premium() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return !t.noPremium
}

// SetPremium gives the tenant Microsoft Entra ID P1 (on) or takes it away.
func (t *Tenant) SetPremium(on bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.noPremium = !on
}

// ---- ids -------------------------------------------------------------------------

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// logGUID is a deterministic GUID for record seq: its id (salt 0) or its
// correlation id (salt 1). Cheap, as a big log renders thousands a page.
func (t *Tenant) logGUID(seq uint64, salt uint64) string {
	if t.logSalt == 0 {
		h := sha256.Sum256([]byte(t.seed + "#signins"))
		t.logSalt = binary.BigEndian.Uint64(h[:8]) | 1
	}
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], splitmix(t.logSalt^(seq<<1|salt)))
	binary.BigEndian.PutUint64(b[8:], splitmix(^t.logSalt^(seq<<1|salt)))
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	const hexd = "0123456789abcdef"
	var out [36]byte
	j := 0
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out[j] = '-'
			j++
		}
		out[j], out[j+1] = hexd[c>>4], hexd[c&0xf]
		j += 2
	}
	return string(out[:])
}

// ---- rendering -------------------------------------------------------------------

var signInInteractive = true

// What every simulated sign-in shows: a browser, no Conditional Access
// policy applied, risk details hidden (they need P2, signin.md).
const (
	signInClientApp  = "Browser"
	signInCAStatus   = "notApplied"
	signInRiskHidden = "hidden"
	signInRiskState  = "none"
)

// signInOf renders a record as the signIn resource (signin.md): an
// interactive browser sign-in; risk details "hidden" (they need P2);
// Conditional Access not applied.
func (t *Tenant) signInOf(r *signInRec) entra.SignIn {
	p := signInPlaces[r.place]
	s := entra.SignIn{
		ID:                               t.logGUID(r.seq, 0),
		CreatedDateTime:                  timeOfTicks(r.at).Format("2006-01-02T15:04:05.0000000Z"),
		UserID:                           r.user.id,
		UserPrincipalName:                r.user.upn,
		UserDisplayName:                  r.user.name,
		AppID:                            r.app.id,
		AppDisplayName:                   r.app.name,
		ResourceID:                       r.res.id,
		ResourceDisplayName:              r.res.name,
		Status:                           &entra.SignInStatus{ErrorCode: r.code, FailureReason: r.reason},
		CorrelationID:                    t.logGUID(r.seq, 1),
		ClientAppUsed:                    signInClientApp,
		ConditionalAccessStatus:          signInCAStatus,
		IsInteractive:                    &signInInteractive,
		IPAddress:                        p.ip,
		Location:                         &entra.SignInLocation{City: p.city, State: p.state, CountryOrRegion: p.country},
		DeviceDetail:                     &entra.DeviceDetail{OperatingSystem: p.os, Browser: p.browser},
		AppliedConditionalAccessPolicies: []entra.AppliedConditionalAccessPolicy{},
		RiskDetail:                       signInRiskHidden,
		RiskLevelAggregated:              signInRiskHidden,
		RiskLevelDuringSignIn:            signInRiskHidden,
		RiskState:                        signInRiskState,
		RiskEventTypesV2:                 []string{},
		HomeTenantID:                     t.id,
		ResourceTenantID:                 t.id,
	}
	return s
}

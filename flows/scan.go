package flows

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"consentwiz/assets"
	"consentwiz/graph/entra"
)

// The scan ("start from the symptom", `consentwiz scan`): which apps is the
// tenant blocking, and for whom? Two sources answer it: the sign-in logs
// record every sign-in a consent problem stopped, with its AADSTS code
// (docs/entra.md H, B1), and the pending admin consent requests name the apps
// users asked for (docs/entra.md A4). BuildScan groups both per app.
// Everything from them is untrusted text: it is sanitized here, once.

// Sources of a ScanApp, and the states of a ScanResult's sources.
const (
	ScanSourceSignInLogs      = "signInLogs"
	ScanSourceConsentRequests = "consentRequests"
	ScanRead                  = "read"
	ScanUnavailable           = "unavailable"
)

// Exit codes of a scan (ScanResult.ExitCode).
const (
	ScanExitNone       = 0 // nothing blocks anyone
	ScanExitBlocked    = 3 // an app blocks users
	ScanExitUnreadable = 5 // neither source could be read
)

// ScanInput is what the scan read (graph.Client.ScanConsent), and when.
type ScanInput struct {
	// Tenant is how the admin named the tenant (a domain or an id).
	Tenant string
	Now    time.Time
	Since  time.Time
	// Codes are the AADSTS codes that count (nil: entra.ConsentErrorCodes).
	Codes            []int
	SignIns          []entra.SignIn
	SignInsTruncated bool
	SignInsError     *entra.APIError
	Requests         []entra.AppConsentRequest
	RequestsError    *entra.APIError
}

// ScanRequester is one user's pending admin consent request.
type ScanRequester struct {
	Name    string    `json:"name"`
	Reason  string    `json:"reason,omitempty"`
	Created time.Time `json:"created,omitzero"`
}

// ScanApp is one app that stopped users, from either source.
type ScanApp struct {
	ClientID    string `json:"clientId"`
	DisplayName string `json:"displayName"`
	// Users is how many distinct users it stopped or who asked for it.
	Users int `json:"users"`
	// Failures is how many sign-ins to it consent stopped.
	Failures  int       `json:"failures"`
	FirstSeen time.Time `json:"firstSeen,omitzero"`
	LastSeen  time.Time `json:"lastSeen,omitzero"`
	// Codes are the AADSTS codes of its failed sign-ins.
	Codes []int `json:"codes"`
	// PendingRequests is how many users' admin consent requests wait.
	PendingRequests int      `json:"pendingRequests"`
	Sources         []string `json:"sources"`
	// Resources are the APIs its failed sign-ins were for (the log's
	// resourceDisplayName); Scopes the permissions its requests ask for.
	Resources  []string        `json:"resources,omitempty"`
	Scopes     []string        `json:"scopes,omitempty"`
	Requesters []ScanRequester `json:"requesters,omitempty"`
	// UserNames are up to maxScanNames of the users, the first met (for the
	// wizard's list; not in the JSON).
	UserNames []string `json:"-"`
}

// ScanResult is the scan's answer: `consentwiz scan --json` prints it.
type ScanResult struct {
	Tenant string    `json:"tenant"`
	Since  time.Time `json:"since"`
	Apps   []ScanApp `json:"apps"`
	// SignInLogs and ConsentRequests say whether each source was read.
	SignInLogs      string   `json:"signInLogs"`
	ConsentRequests string   `json:"consentRequests"`
	Notes           []string `json:"notes"`
	// OpenChanges are changes by consentwiz in the tenant that were not put
	// back (NoteOpenChanges; the first note says so too).
	OpenChanges []OpenChange `json:"openChanges,omitempty"`
	// TenantID is the scanned tenant's id, for the driver to match the
	// journal's entries; "tenant" names it in JSON.
	TenantID string `json:"-"`
}

const (
	maxScanNames    = 5
	maxScanText     = 80
	maxScanReason   = 200
	maxScanListSize = 10
	unnamedApp      = "(unnamed app)"
	unknownUser     = "(unknown user)"
)

// scanAcc gathers one app's facts.
type scanAcc struct {
	app         ScanApp
	nameAt      time.Time
	users       map[string]bool
	codes       map[int]bool
	resources   map[string]bool
	scopes      map[string]bool
	fromLogs    bool
	fromRequest bool
}

func (a *scanAcc) seen(t time.Time) {
	if t.IsZero() {
		return
	}
	if a.app.FirstSeen.IsZero() || t.Before(a.app.FirstSeen) {
		a.app.FirstSeen = t
	}
	if t.After(a.app.LastSeen) {
		a.app.LastSeen = t
	}
}

// addUser counts a user (key: id, else UPN) and keeps the first names met.
func (a *scanAcc) addUser(key, name string) {
	if key == "" || a.users[key] {
		return
	}
	a.users[key] = true
	if len(a.app.UserNames) < maxScanNames {
		a.app.UserNames = append(a.app.UserNames, name)
	}
}

// BuildScan groups the sign-ins consent stopped and the pending admin
// consent requests per app, most users first. It is pure: the same input
// gives the same result.
func BuildScan(in ScanInput) ScanResult {
	r := ScanResult{Tenant: Sanitize(in.Tenant, 120), Since: in.Since.UTC().Truncate(time.Second),
		SignInLogs: ScanRead, ConsentRequests: ScanRead, Apps: []ScanApp{}, Notes: []string{}}
	codes := in.Codes
	if codes == nil {
		codes = entra.ConsentErrorCodes
	}
	// Names repeat across thousands of sign-ins: each raw string is
	// sanitized, and each client id normalized, once.
	clean := memo(func(s string) string { return Sanitize(s, maxScanText) })
	appKey := memo(scanKey)
	accs := map[string]*scanAcc{}
	get := func(clientID string) *scanAcc {
		key := appKey(clientID)
		if key == "" {
			return nil
		}
		a, ok := accs[key]
		if !ok {
			a = &scanAcc{app: ScanApp{ClientID: key}, users: map[string]bool{}, codes: map[int]bool{},
				resources: map[string]bool{}, scopes: map[string]bool{}}
			accs[key] = a
		}
		return a
	}

	logsRead := in.SignInsError == nil || len(in.SignIns) > 0
	if !logsRead {
		r.SignInLogs = ScanUnavailable
	}
	for i := range in.SignIns {
		s := &in.SignIns[i]
		code := s.ErrorCode()
		if !slices.Contains(codes, code) {
			continue // the filter is Graph's; flows checks again
		}
		at, err := time.Parse(time.RFC3339Nano, s.CreatedDateTime)
		if err == nil && at.Before(r.Since) {
			continue
		}
		a := get(s.AppID)
		if a == nil {
			continue
		}
		a.fromLogs = true
		a.app.Failures++
		a.codes[code] = true
		a.seen(at)
		if name := clean(s.AppDisplayName); name != "" && !at.Before(a.nameAt) {
			a.app.DisplayName, a.nameAt = name, at
		}
		if res := clean(s.ResourceDisplayName); res != "" {
			a.resources[res] = true
		}
		if key := userKey(s.UserID, s.UserPrincipalName); key != "" && !a.users[key] {
			a.addUser(key, personName(clean(s.UserDisplayName), clean(s.UserPrincipalName)))
		}
	}

	if in.RequestsError != nil {
		r.ConsentRequests = ScanUnavailable
	}
	for _, req := range in.Requests {
		var live []entra.UserConsentRequest
		for _, u := range req.UserConsentRequests {
			if strings.EqualFold(u.Status, "InProgress") {
				live = append(live, u)
			}
		}
		pending := len(live)
		if len(req.UserConsentRequests) == 0 {
			pending = 1 // listed as pending; who asked could not be read
		}
		if pending == 0 {
			continue
		}
		a := get(req.AppID)
		if a == nil {
			continue
		}
		a.fromRequest = true
		a.app.PendingRequests += pending
		for _, u := range live {
			created, _ := time.Parse(time.RFC3339Nano, u.CreatedDateTime)
			a.seen(created)
			var id, name string
			if u.CreatedBy.User != nil {
				id, name = u.CreatedBy.User.ID, u.CreatedBy.User.DisplayName
			}
			name = personName(clean(name), "")
			a.addUser(userKey(id, ""), name)
			if len(a.app.Requesters) < maxScanListSize {
				a.app.Requesters = append(a.app.Requesters, ScanRequester{Name: name,
					Reason: Sanitize(u.Reason, maxScanReason), Created: created.UTC()})
			}
		}
		if a.app.DisplayName == "" {
			a.app.DisplayName = Sanitize(req.AppDisplayName, maxScanText)
		}
		for _, sc := range req.PendingScopes {
			if v := Sanitize(sc.DisplayName, maxScanText); v != "" {
				a.scopes[v] = true
			}
		}
	}

	for _, a := range accs {
		app := a.app
		if app.DisplayName == "" {
			app.DisplayName = unnamedApp
		}
		app.Users = len(a.users)
		app.Codes = sortedKeys(a.codes)
		app.Resources = firstN(sortedKeys(a.resources), maxScanListSize)
		app.Scopes = firstN(sortedKeys(a.scopes), 2*maxScanListSize)
		if a.fromLogs {
			app.Sources = append(app.Sources, ScanSourceSignInLogs)
		}
		if a.fromRequest {
			app.Sources = append(app.Sources, ScanSourceConsentRequests)
		}
		r.Apps = append(r.Apps, app)
	}
	slices.SortFunc(r.Apps, compareScanApps)
	if notes := scanNotes(in, r, logsRead); notes != nil {
		r.Notes = notes
	}
	return r
}

// compareScanApps orders most users first, then most failures, most
// pending requests, most recent, by name and by client id.
func compareScanApps(x, y ScanApp) int {
	switch {
	case x.Users != y.Users:
		return y.Users - x.Users
	case x.Failures != y.Failures:
		return y.Failures - x.Failures
	case x.PendingRequests != y.PendingRequests:
		return y.PendingRequests - x.PendingRequests
	case !x.LastSeen.Equal(y.LastSeen):
		return y.LastSeen.Compare(x.LastSeen)
	case x.DisplayName != y.DisplayName:
		return strings.Compare(strings.ToLower(x.DisplayName), strings.ToLower(y.DisplayName))
	}
	return strings.Compare(x.ClientID, y.ClientID)
}

// scanKey is an app's grouping key: its client id, lower-case ("" for none).
func scanKey(clientID string) string {
	if id := NormalizeGUID(clientID); id != "" {
		return id
	}
	return strings.ToLower(Sanitize(clientID, 40))
}

func userKey(id, upn string) string {
	if id = strings.ToLower(strings.TrimSpace(id)); id != "" {
		return id
	}
	return strings.ToLower(strings.TrimSpace(upn))
}

// personName is a user's sanitized name, else their sanitized UPN.
func personName(name, upn string) string {
	switch {
	case name != "":
		return name
	case upn != "":
		return upn
	}
	return unknownUser
}

// memo caches f's results by argument.
func memo(f func(string) string) func(string) string {
	m := map[string]string{}
	return func(s string) string {
		v, ok := m[s]
		if !ok {
			v = f(s)
			m[s] = v
		}
		return v
	}
}

func sortedKeys[K int | string](m map[K]bool) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func firstN[T any](xs []T, n int) []T {
	if len(xs) > n {
		return xs[:n]
	}
	return xs
}

// ---- notes ---------------------------------------------------------------------

// Graph's error codes for the sign-in logs (docs/entra.md H).
const (
	codeNonPremium      = "Authentication_RequestFromNonPremiumTenantOrB2CTenant"
	codeUnsupportedRole = "Authentication_RequestFromUnsupportedUserRole"
	codeRequestDenied   = "Authorization_RequestDenied"
)

// SignInLogReaderRoleNames names the roles that may read sign-in logs.
func SignInLogReaderRoleNames() string {
	var names []string
	for _, id := range entra.SignInLogReaderRoles {
		names = append(names, entra.RoleNames[id])
	}
	return joinOr(names)
}

func joinOr(xs []string) string {
	if len(xs) < 2 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}

// graphFailure is an APIError in one sanitized phrase.
func graphFailure(e *entra.APIError) string {
	var parts []string
	if e.Status != 0 {
		parts = append(parts, "HTTP "+strconv.Itoa(e.Status))
	}
	if c := Sanitize(e.Code, 60); c != "" {
		parts = append(parts, c)
	}
	msg := Sanitize(e.Message, 200)
	switch {
	case len(parts) == 0:
		return msg
	case msg == "":
		return strings.Join(parts, " ")
	}
	return strings.Join(parts, " ") + ": " + msg
}

func scanNotes(in ScanInput, r ScanResult, logsRead bool) []string {
	var notes []string
	if e := in.SignInsError; e != nil {
		switch {
		case logsRead:
			notes = append(notes, "The sign-in log read stopped early ("+graphFailure(e)+"); the counts below are partial.")
		case e.Code == codeNonPremium:
			notes = append(notes, "Sign-in logs unavailable: Microsoft Graph reads them only in tenants with Microsoft Entra ID P1 or P2 ("+
				codeNonPremium+"). The pending admin consent requests are still read: they name the apps users asked for.")
		case e.Code == codeUnsupportedRole:
			notes = append(notes, "Sign-in logs unavailable: your roles cannot read them; "+SignInLogReaderRoleNames()+" can.")
		case e.Status == 403 && e.Code == codeRequestDenied:
			notes = append(notes, "Sign-in logs unavailable: the sign-in lacks "+entra.ScopeAuditLogReadAll+" (with "+
				entra.ScopeDirectoryReadAll+"); consent to them and scan again.")
		default:
			notes = append(notes, "Sign-in logs could not be read: "+graphFailure(e)+".")
		}
	}
	if e := in.RequestsError; e != nil {
		if e.Status == 403 {
			notes = append(notes, "Admin consent requests unavailable: your roles cannot read them ("+graphFailure(e)+").")
		} else {
			notes = append(notes, "Admin consent requests could not be read: "+graphFailure(e)+".")
		}
	}
	if in.SignInsTruncated {
		notes = append(notes, fmt.Sprintf("Only the newest %d failed sign-ins were read (the page limit); older ones are not counted.", len(in.SignIns)))
	}
	if logsRead && !in.Now.IsZero() && in.Since.Before(in.Now.Add(-30*24*time.Hour)) {
		notes = append(notes, "Sign-in logs keep 30 days (7 without Microsoft Entra ID P1 or P2): older sign-ins are gone.")
	}
	if logsRead && in.SignInsError == nil && !slices.ContainsFunc(r.Apps, func(a ScanApp) bool { return a.Failures > 0 }) {
		notes = append(notes, "No sign-in was stopped by consent since "+r.Since.Format("2006-01-02 15:04 UTC")+".")
	}
	return notes
}

// ExitCode is the scan's exit code: ScanExitUnreadable when neither source
// could be read, ScanExitBlocked when an app stops users (or users wait for
// an approval), else ScanExitNone.
func (r ScanResult) ExitCode() int {
	switch {
	case r.SignInLogs == ScanUnavailable && r.ConsentRequests == ScanUnavailable:
		return ScanExitUnreadable
	case slices.ContainsFunc(r.Apps, func(a ScanApp) bool { return a.Users > 0 || a.Failures > 0 || a.PendingRequests > 0 }):
		return ScanExitBlocked
	}
	return ScanExitNone
}

// ---- rendering -----------------------------------------------------------------

// JSON renders the result as indented JSON.
func (r ScanResult) JSON() ([]byte, error) { return indentJSON(r) }

// Text renders the result as plain text, one block an app.
func (r ScanResult) Text() string {
	var b strings.Builder
	src := []string{}
	if r.SignInLogs == ScanRead {
		src = append(src, "sign-in logs")
	}
	if r.ConsentRequests == ScanRead {
		src = append(src, "admin consent requests")
	}
	from := "nothing could be read"
	if len(src) > 0 {
		from = "from " + strings.Join(src, " and ")
	}
	fmt.Fprintf(&b, "Apps blocking users in %s since %s (%s)\n", r.Tenant, r.Since.Format("2006-01-02 15:04 UTC"), from)
	if len(r.Apps) == 0 {
		b.WriteString("\nNo app is blocking anyone.\n")
	}
	for _, a := range r.Apps {
		fmt.Fprintf(&b, "\n%s (%s)\n", a.DisplayName, a.ClientID)
		var line []string
		if a.Users > 0 {
			line = append(line, countNoun(a.Users, "user", "users"))
		}
		if a.Failures > 0 {
			line = append(line, countNoun(a.Failures, "failed sign-in", "failed sign-ins"))
		}
		if a.PendingRequests > 0 {
			line = append(line, countNoun(a.PendingRequests, "pending request", "pending requests"))
		}
		if !a.LastSeen.IsZero() {
			line = append(line, "last "+a.LastSeen.Format("2006-01-02 15:04 UTC"))
		}
		b.WriteString("  " + strings.Join(line, ", ") + "\n")
		if len(a.Codes) > 0 {
			var cs []string
			for _, c := range a.Codes {
				cs = append(cs, codeLabel(c))
			}
			b.WriteString("  " + strings.Join(cs, "; ") + "\n")
		}
		if len(a.UserNames) > 0 {
			names := strings.Join(a.UserNames, ", ")
			if more := a.Users - len(a.UserNames); more > 0 {
				names += fmt.Sprintf(" and %d more", more)
			}
			b.WriteString("  users: " + names + "\n")
		}
		if len(a.Resources) > 0 {
			b.WriteString("  for: " + strings.Join(a.Resources, ", ") + "\n")
		}
		if len(a.Scopes) > 0 {
			b.WriteString("  asks for: " + strings.Join(a.Scopes, " ") + "\n")
		}
		for _, q := range a.Requesters {
			line := "  request from " + q.Name
			if q.Reason != "" {
				line += ": " + strconv.Quote(q.Reason)
			}
			b.WriteString(line + "\n")
		}
	}
	if len(r.Notes) > 0 {
		b.WriteString("\n")
		for _, n := range r.Notes {
			b.WriteString("Note: " + n + "\n")
		}
	}
	return b.String()
}

// codeLabel is "AADSTS90094 AdminConsentRequired" (the catalogue's name when known).
func codeLabel(c int) string {
	label := "AADSTS" + strconv.Itoa(c)
	if info, ok := assets.Code(c); ok && info.Name != "" {
		label += " " + info.Name
	}
	return label
}

package flows

import (
	"consentwiz/graph/entra"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Many tenants with one sign-in (MSPs, vendor support): the outcome of each
// tenant of a `check --tenants` / `scan --tenants` run, the summary line, and
// the customers `consentwiz tenants` lists from the partner's GDAP
// relationships (docs/entra.md I).

// TenantOutcome is how one tenant of a many-tenant run ended.
type TenantOutcome string

// Tenant outcomes.
const (
	// TenantOK: read and diagnosed; nothing blocks users.
	TenantOK TenantOutcome = "ok"
	// TenantBlocked: read and diagnosed; users are blocked.
	TenantBlocked TenantOutcome = "blocked"
	// TenantUnknown: read, but a part that decides what users see could not be.
	TenantUnknown TenantOutcome = "unknown"
	// TenantNeedsSignIn: the shared sign-in does not reach the tenant; it
	// needs its own (MFA there, no GDAP role, no consent, …).
	TenantNeedsSignIn TenantOutcome = "needs-sign-in"
	// TenantThrottled: Microsoft Graph kept answering 429 after the retries.
	TenantThrottled TenantOutcome = "throttled"
	// TenantError: anything else that stopped the tenant's check.
	TenantError TenantOutcome = "error"
)

// TenantResult is one tenant's outcome with its reason: a line of a
// many-tenant run.
type TenantResult struct {
	// Tenant is the tenant as given (sanitized); TenantID and Name when known.
	Tenant   string        `json:"tenant"`
	TenantID string        `json:"tenantId,omitempty"`
	Name     string        `json:"name,omitempty"`
	Outcome  TenantOutcome `json:"outcome"`
	// Reason says why, in a few words (for blocked: what users see).
	Reason string `json:"reason,omitempty"`
	// Code is the AADSTS code of a needs-sign-in outcome (0 when none).
	Code int `json:"code,omitempty"`
	// RetryAfter is, for a throttled outcome, how long Microsoft Graph last
	// asked to wait, in seconds (0 when it did not say).
	RetryAfter int `json:"retryAfterSeconds,omitempty"`
}

// unreadDecisive lists the parts the verdict needed and could not read (the
// diagnosis's one rule, Diagnosis.Undecided, when its verdict is unknown),
// and the longest Retry-After of those Graph throttled (429); throttled is
// false when none was.
func unreadDecisive(d Diagnosis, errs map[string]*entra.APIError) (unread []string, throttled bool, wait time.Duration) {
	if d.Verdict != VerdictUnknown {
		return nil, false, 0
	}
	for _, p := range d.Undecided {
		unread = append(unread, p)
		if e := errs[p]; e != nil && e.Status == 429 {
			throttled = true
			wait = max(wait, e.RetryAfter)
		}
	}
	return unread, throttled, wait
}

// OutcomeOf is the outcome of a tenant that was read and diagnosed. errs
// are the snapshot's failed parts (TenantSnapshot.Errors, may be nil). The
// diagnosis's verdict decides (one rule: the decisive parts of Diagnose): a
// decisive part that could not be read makes the outcome unknown — or
// throttled when Graph throttled it — since what users see would rest on a
// guess.
func OutcomeOf(d Diagnosis, errs map[string]*entra.APIError) (TenantOutcome, string) {
	_, throttled, _ := unreadDecisive(d, errs)
	switch {
	case throttled:
		return TenantThrottled, "Microsoft Graph is throttling reads of " + strings.Join(d.Undecided, ", ")
	case d.Verdict == VerdictUnknown && len(d.Undecided) > 0:
		return TenantUnknown, "could not read " + strings.Join(d.Undecided, ", ")
	case d.Verdict == VerdictUnknown:
		return TenantUnknown, Sanitize(d.VerdictWhy, 300)
	case d.Blocked:
		reason := "users see " + d.ScreenText()
		if d.UserScreen == ScreenNone || d.UserScreen == ScreenConsentPrompt {
			reason = "the app is disabled in the tenant"
		}
		if d.Recommended != "" {
			reason += "; recommended fix: " + string(d.Recommended)
		}
		return TenantBlocked, reason
	}
	return TenantOK, "users see " + d.ScreenText()
}

// ThrottledFor says whether a tenant's check met Graph's throttling and is
// worth trying again later rather than reported: err is a 429 (or a 503,
// which Graph also sends with Retry-After under load), or the diagnosis d
// (when err is nil) could not read a decisive part because of a 429. wait
// is the longest Retry-After Graph gave (0: it did not say). A many-tenant
// run schedules the tenant again after wait instead of holding a worker.
func ThrottledFor(d *Diagnosis, errs map[string]*entra.APIError, err error) (wait time.Duration, throttled bool) {
	if err != nil {
		var ae *entra.APIError
		if errors.As(err, &ae) && (ae.Status == 429 || ae.Status == 503) {
			return ae.RetryAfter, true
		}
		return 0, false
	}
	if d == nil {
		return 0, false
	}
	_, throttled, wait = unreadDecisive(*d, errs)
	return wait, throttled
}

// ThrottledReason is the reason of a tenant given up on after Graph
// throttled it tries times over waited in all; wait is the last
// Retry-After it gave (0: none).
func ThrottledReason(tries int, waited, wait time.Duration) string {
	t := fmt.Sprintf("%d tries", tries)
	if tries == 1 {
		t = "1 try"
	}
	s := fmt.Sprintf("Microsoft Graph kept throttling the tenant (%s over %s)", t, waited.Round(time.Second))
	if wait > 0 {
		s += fmt.Sprintf("; it asks to wait %s more", wait.Round(time.Second))
	}
	return s + "; check it again later"
}

// OutcomeOfError is the outcome of a tenant whose check failed with err:
// needs-sign-in (with the AADSTS code) when the shared sign-in does not
// reach it, throttled when Graph kept answering 429, else error.
func OutcomeOfError(err error) (TenantOutcome, string, int) {
	var te *entra.TenantSignInError
	var ae *entra.APIError
	switch {
	case err == nil:
		return TenantError, "no result", 0
	case errors.As(err, &te):
		return TenantNeedsSignIn, te.Error(), te.Code
	case errors.As(err, &ae) && ae.Status == 429:
		reason := "Microsoft Graph kept answering 429 (too many requests)"
		if ae.RetryAfter > 0 {
			reason += fmt.Sprintf("; it asks to wait %s", ae.RetryAfter)
		}
		return TenantThrottled, reason, 0
	case errors.Is(err, context.Canceled):
		return TenantError, "cancelled", 0
	case errors.Is(err, context.DeadlineExceeded):
		return TenantError, "timed out", 0
	}
	msg := err.Error()
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	return TenantError, Sanitize(msg, 300), 0
}

// TenantSummary counts the outcomes of a many-tenant run. Errors counts
// throttled tenants too; Throttled says how many of them were.
type TenantSummary struct {
	Tenants     int `json:"tenants"`
	OK          int `json:"ok"`
	Blocked     int `json:"blocked"`
	Unknown     int `json:"unknown"`
	NeedsSignIn int `json:"needsSignIn"`
	Errors      int `json:"errors"`
	Throttled   int `json:"throttled"`
}

// Add counts one outcome.
func (s *TenantSummary) Add(o TenantOutcome) {
	s.Tenants++
	switch o {
	case TenantOK:
		s.OK++
	case TenantBlocked:
		s.Blocked++
	case TenantUnknown:
		s.Unknown++
	case TenantNeedsSignIn:
		s.NeedsSignIn++
	case TenantThrottled:
		s.Throttled++
		s.Errors++
	default:
		s.Errors++
	}
}

// ExitCode is a many-tenant run's exit code (docs/architecture.md): 2 when it
// was cancelled before every tenant was checked; else 3 when users are
// blocked in any tenant; else 1 when any tenant could not be checked (an
// error, throttled, needs its own sign-in); else 5 when any tenant could not
// be told (unknown: check's exit 5); else 0.
// A tenant that needs its own sign-in is not 4 (sign-in failed): the one
// sign-in worked, and other tenants were checked.
func (s TenantSummary) ExitCode(cancelled bool) int {
	switch {
	case cancelled:
		return 2
	case s.Blocked > 0:
		return 3
	case s.Errors > 0 || s.NeedsSignIn > 0:
		return 1
	case s.Unknown > 0:
		return 5
	}
	return 0
}

// SummarizeTenants counts the results' outcomes.
func SummarizeTenants(results []TenantResult) TenantSummary {
	var s TenantSummary
	for _, r := range results {
		s.Add(r.Outcome)
	}
	return s
}

// Line is the summary in one line, e.g. "12 tenants: 4 ok, 3 blocked,
// 1 unknown, 2 need their own sign-in, 2 errors (1 throttled)".
func (s TenantSummary) Line() string {
	signIn := fmt.Sprintf("%d need their own sign-in", s.NeedsSignIn)
	if s.NeedsSignIn == 1 {
		signIn = "1 needs its own sign-in"
	}
	errs := countNoun(s.Errors, "error", "errors")
	if s.Throttled > 0 {
		errs += fmt.Sprintf(" (%d throttled)", s.Throttled)
	}
	return fmt.Sprintf("%s: %d ok, %d blocked, %d unknown, %s, %s",
		countNoun(s.Tenants, "tenant", "tenants"), s.OK, s.Blocked, s.Unknown, signIn, errs)
}

// ---- consentwiz tenants ---------------------------------------------------------

// Customer tenant statuses in `consentwiz tenants`.
const (
	// CustomerReachable: you hold at least one role there through GDAP.
	CustomerReachable = "reachable"
	// CustomerNoRole: an active relationship, but none of its access
	// assignments is for a group you are in: the partner sign-in gets no
	// token there (AADSTS50020).
	CustomerNoRole = "no-role"
	// CustomerUnknown: the access assignments or your groups could not be read.
	CustomerUnknown = "unknown"
)

// RoleRef is a directory role by template id, with its name when known.
type RoleRef struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// RelationshipListing is one GDAP relationship of a customer.
type RelationshipListing struct {
	ID          string    `json:"id"`
	DisplayName string    `json:"displayName"`
	Status      string    `json:"status"`
	EndDateTime string    `json:"endDateTime,omitempty"`
	Roles       []RoleRef `json:"roles"`
}

// TenantListing is one customer tenant of `consentwiz tenants --json`.
type TenantListing struct {
	TenantID    string `json:"tenantId"`
	DisplayName string `json:"displayName"`
	// Domain is the customer's default domain, when known (the partner's
	// lists do not give it; a check of the tenant does).
	Domain string `json:"domain,omitempty"`
	// Status is reachable, no-role or unknown.
	Status        string                `json:"status"`
	Relationships []RelationshipListing `json:"relationships"`
	// RolesHeld are the roles you hold there: those of the active
	// relationships' active access assignments for your groups.
	RolesHeld []RoleRef `json:"rolesHeld"`
}

func roleRefs(ids []string) []RoleRef {
	out := []RoleRef{}
	for _, id := range ids {
		out = append(out, RoleRef{ID: id, Name: entra.RoleNames[strings.ToLower(id)]})
	}
	return out
}

func roleIDs(d entra.DelegatedAdminAccessDetails) []string {
	var ids []string
	for _, r := range d.UnifiedRoles {
		ids = append(ids, strings.ToLower(r.RoleDefinitionID))
	}
	return ids
}

func givesAccess(status string) bool {
	return strings.EqualFold(status, entra.GDAPStatusActive) || strings.EqualFold(status, entra.GDAPStatusExpiring)
}

// ListTenants turns a partner snapshot into the customer tenants, sorted by
// name: every customer of the customers list (or, when that list could not
// be read, of an active relationship), with its relationships and the roles
// you hold there. A role counts when an active relationship grants it and an
// active access assignment of that relationship gives it to a group you are
// in (docs/entra.md I). Names are sanitized.
func ListTenants(p entra.PartnerSnapshot) []TenantListing {
	byID := map[string]*TenantListing{}
	var order []string
	add := func(id, name string) *TenantListing {
		key := strings.ToLower(id)
		if t := byID[key]; t != nil {
			if t.DisplayName == "" {
				t.DisplayName = Sanitize(name, 256)
			}
			return t
		}
		t := &TenantListing{TenantID: Sanitize(id, 64), DisplayName: Sanitize(name, 256), Relationships: []RelationshipListing{}, RolesHeld: []RoleRef{}}
		byID[key] = t
		order = append(order, key)
		return t
	}
	for _, c := range p.Customers {
		id := c.TenantID
		if id == "" {
			id = c.ID
		}
		add(id, c.DisplayName)
	}
	customersRead := p.Errors[entra.PartCustomers] == nil
	mine := map[string]bool{}
	for _, g := range p.MyGroupIDs {
		mine[strings.ToLower(g)] = true
	}
	groupsRead := p.Errors[entra.PartMyGroups] == nil
	held := map[string][]string{}
	unknown := map[string]bool{}
	for _, r := range p.Relationships {
		key := strings.ToLower(r.Customer.TenantID)
		t := byID[key]
		if t == nil {
			if customersRead || !givesAccess(r.Status) {
				continue // not a customer you can reach
			}
			t = add(r.Customer.TenantID, r.Customer.DisplayName)
		}
		t.Relationships = append(t.Relationships, RelationshipListing{ID: Sanitize(r.ID, 128), DisplayName: Sanitize(r.DisplayName, 256),
			Status: Sanitize(r.Status, 64), EndDateTime: Sanitize(r.EndDateTime, 64), Roles: roleRefs(roleIDs(r.AccessDetails))})
		if !givesAccess(r.Status) {
			continue
		}
		if !groupsRead || p.Errors[entra.PartAssignmentsPrefix+r.ID] != nil {
			unknown[key] = true
			continue
		}
		granted := roleIDs(r.AccessDetails)
		for _, a := range p.Assignments[r.ID] {
			if !strings.EqualFold(a.Status, entra.AccessAssignmentActive) || !mine[strings.ToLower(a.AccessContainer.AccessContainerID)] {
				continue
			}
			for _, id := range roleIDs(a.AccessDetails) {
				if slices.Contains(granted, id) && !slices.Contains(held[key], id) {
					held[key] = append(held[key], id)
				}
			}
		}
	}
	out := make([]TenantListing, 0, len(order))
	for _, key := range order {
		t := byID[key]
		ids := held[key]
		sort.Strings(ids)
		t.RolesHeld = roleRefs(ids)
		switch {
		case len(ids) > 0:
			t.Status = CustomerReachable
		case unknown[key]:
			t.Status = CustomerUnknown
		default:
			t.Status = CustomerNoRole
		}
		out = append(out, *t)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := strings.ToLower(out[i].DisplayName), strings.ToLower(out[j].DisplayName)
		if a != b {
			return a < b
		}
		return out[i].TenantID < out[j].TenantID
	})
	return out
}

// DelegatedRoles is what the partner's GDAP relationships say of the roles
// the signed-in account holds in one tenant (ListTenants' RolesHeld).
type DelegatedRoles struct {
	// Read: the relationships were read, so Roles is the whole answer (none
	// when the tenant is no customer, or gives the account no role).
	Read  bool
	Roles []RoleRef
}

// AsDelegatedAdmin completes a snapshot of a tenant read by an account of
// another tenant: a partner's delegated admin (GDAP) or a guest. A
// customer's directory has no user object for a delegated admin, so /me
// and their roles fail there or — where Microsoft answers otherwise
// (docs/entra.md I, UNVERIFIED) — hold no role. Then the signed-in account
// (me) stands in for /me, and the roles GDAP gives there (gdap) for the
// roles, so the diagnosis knows which fixes they can do, marked
// RolesFromGDAP. Roles the directory did give (a guest's) are kept. When
// the relationships could not be read, RolesGDAPUnread says that roles
// held through GDAP are missing (Diagnose then calls no roles unknown).
func AsDelegatedAdmin(s entra.TenantSnapshot, me entra.User, gdap DelegatedRoles) entra.TenantSnapshot {
	errs := map[string]*entra.APIError{}
	for k, v := range s.Errors {
		errs[k] = v
	}
	if errs[entra.PartMe] != nil && me.UserPrincipalName != "" {
		s.Me = me
		delete(errs, entra.PartMe)
	}
	if errs[entra.PartMyRoles] == nil && len(s.MyRoles) > 0 {
		s.Errors = errs
		return s
	}
	switch {
	case gdap.Read && len(gdap.Roles) > 0:
		s.MyRoles = nil
		for _, r := range gdap.Roles {
			s.MyRoles = append(s.MyRoles, entra.DirectoryRole{DisplayName: r.Name, RoleTemplateID: r.ID})
		}
		s.RolesFrom = entra.RolesFromGDAP
		delete(errs, entra.PartMyRoles)
	case !gdap.Read:
		s.RolesFrom = entra.RolesGDAPUnread
	}
	s.Errors = errs
	return s
}

// DelegatedRolesIn is what the listing of `consentwiz tenants` says of
// tenantID: the roles held there, or not read when the listing could not
// tell (CustomerUnknown).
func DelegatedRolesIn(list []TenantListing, tenantID string) DelegatedRoles {
	for _, t := range list {
		if !strings.EqualFold(t.TenantID, tenantID) {
			continue
		}
		if t.Status == CustomerUnknown {
			return DelegatedRoles{}
		}
		return DelegatedRoles{Read: true, Roles: t.RolesHeld}
	}
	return DelegatedRoles{Read: true} // no customer: no role through GDAP
}

package flows

import (
	"consentwiz/graph/entra"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestOutcomeOfDiagnosis(t *testing.T) {
	// Diagnoses of the same snapshots, with parts made unreadable: the
	// verdict's one rule (decisiveParts) decides.
	unread := func(s *entra.TenantSnapshot, status int, parts ...string) *entra.TenantSnapshot {
		s.Errors = map[string]*entra.APIError{}
		for _, p := range parts {
			s.Errors[p] = &entra.APIError{Status: status}
		}
		return s
	}
	grantedSnap := func() *entra.TenantSnapshot {
		s := lockedDown()
		s.App = appSP(true)
		s.AppGrants = []entra.OAuth2PermissionGrant{grant("AllPrincipals", "User.Read Mail.Send")}
		return s
	}
	managedSnap := func() *entra.TenantSnapshot {
		s := lockedDown()
		s.App = appSP(true)
		setConsent(s, "ManagePermissionGrantsForSelf.microsoft-user-default-recommended")
		return s
	}
	app := withScopes("User.Read", "Mail.Send")
	cases := []struct {
		name   string
		snap   *entra.TenantSnapshot
		errs   bool // pass the snapshot's errors to OutcomeOf
		want   TenantOutcome
		reason string
	}{
		{"blocked", lockedDown(), false, TenantBlocked, `users see "Need admin approval" (AADSTS90093); recommended fix: admin-link`},
		{"ok", grantedSnap(), false, TenantOK, "users see no prompt: the app connects"},
		// Who signed in and their roles do not decide what users see.
		{"roles unreadable", unread(grantedSnap(), 403, entra.PartMe, entra.PartMyRoles, entra.PartPendingRequests), true, TenantOK, ""},
		// The policy does: a diagnosis resting on it is a guess.
		{"policy unreadable", unread(managedSnap(), 403, entra.PartAuthorization), true, TenantUnknown, "could not read authorizationPolicy"},
		{"policy throttled", unread(managedSnap(), 429, entra.PartAuthorization), true, TenantThrottled, "throttling"},
		// The managed policy's excludes matter under the managed setting only.
		{"excludes, setting disabled", unread(lockedDown(), 403, entra.PartManagedExcludes), true, TenantBlocked, "AADSTS90093"},
		{"excludes, managed", unread(managedSnap(), 403, entra.PartManagedExcludes), true, TenantUnknown, "managedExcludes"},
		// Everything granted: the consent settings do not decide.
		{"granted, policy unreadable", unread(grantedSnap(), 403, entra.PartAuthorization), true, TenantOK, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var errs map[string]*entra.APIError
			if c.errs {
				errs = c.snap.Errors
			}
			got, reason := OutcomeOf(Diagnose(c.snap, app), errs)
			if got != c.want || !strings.Contains(reason, c.reason) {
				t.Errorf("OutcomeOf = %s %q, want %s containing %q", got, reason, c.want, c.reason)
			}
		})
	}
	// A disabled app blocks whatever users would see.
	if got, reason := OutcomeOf(Diagnosis{Blocked: true, UserScreen: ScreenNone}, nil); got != TenantBlocked || !strings.Contains(reason, "the app is disabled") {
		t.Errorf("disabled app: %s %q", got, reason)
	}
}

func TestOutcomeOfError(t *testing.T) {
	mfa := &entra.TenantSignInError{TenantID: "t1", Code: 50076, OAuthError: "interaction_required",
		Reason: entra.SignInReason(50076, "interaction_required")}
	cases := []struct {
		err    error
		want   TenantOutcome
		reason string
		code   int
	}{
		{mfa, TenantNeedsSignIn, "needs its own sign-in: multi-factor authentication is required there (AADSTS50076)", 50076},
		{fmt.Errorf("graph $batch: %w", mfa), TenantNeedsSignIn, "AADSTS50076", 50076},
		{&entra.TenantSignInError{Code: 50020, Reason: entra.SignInReason(50020, "invalid_grant")}, TenantNeedsSignIn, "no access there", 50020},
		{&entra.APIError{Status: 429, RetryAfter: 30 * time.Second}, TenantThrottled, "wait 30s", 0},
		{&entra.APIError{Status: 403, Code: "Authorization_RequestDenied", Method: "GET", Path: "/x"}, TenantError, "403", 0},
		{context.Canceled, TenantError, "cancelled", 0},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), TenantError, "timed out", 0},
		{errors.New("first line \x1b[2J\nsecond line"), TenantError, "first line", 0},
		{nil, TenantError, "no result", 0},
	}
	for _, c := range cases {
		got, reason, code := OutcomeOfError(c.err)
		if got != c.want || !strings.Contains(reason, c.reason) || code != c.code {
			t.Errorf("OutcomeOfError(%v) = %s %q %d, want %s %q %d", c.err, got, reason, code, c.want, c.reason, c.code)
		}
		if strings.ContainsAny(reason, "\x1b\n") {
			t.Errorf("reason not sanitized: %q", reason)
		}
	}
}

func TestTenantSummaryLine(t *testing.T) {
	var rs []TenantResult
	for _, o := range []TenantOutcome{TenantOK, TenantOK, TenantBlocked, TenantUnknown, TenantNeedsSignIn,
		TenantNeedsSignIn, TenantThrottled, TenantError, TenantOK, TenantBlocked, TenantBlocked, TenantOK} {
		rs = append(rs, TenantResult{Outcome: o})
	}
	s := SummarizeTenants(rs)
	want := TenantSummary{Tenants: 12, OK: 4, Blocked: 3, Unknown: 1, NeedsSignIn: 2, Errors: 2, Throttled: 1}
	if s != want {
		t.Errorf("summary %+v, want %+v", s, want)
	}
	if got := s.Line(); got != "12 tenants: 4 ok, 3 blocked, 1 unknown, 2 need their own sign-in, 2 errors (1 throttled)" {
		t.Errorf("line %q", got)
	}
	one := SummarizeTenants([]TenantResult{{Outcome: TenantNeedsSignIn}})
	if got := one.Line(); got != "1 tenant: 0 ok, 0 blocked, 0 unknown, 1 needs its own sign-in, 0 errors" {
		t.Errorf("line %q", got)
	}
	b, _ := json.Marshal(s)
	if string(b) != `{"tenants":12,"ok":4,"blocked":3,"unknown":1,"needsSignIn":2,"errors":2,"throttled":1}` {
		t.Errorf("json %s", b)
	}
	r, _ := json.Marshal(TenantResult{Tenant: "adatum.com", TenantID: "t", Outcome: TenantNeedsSignIn, Reason: "r", Code: 50076})
	if string(r) != `{"tenant":"adatum.com","tenantId":"t","outcome":"needs-sign-in","reason":"r","code":50076}` {
		t.Errorf("result json %s", r)
	}
}

const (
	tFab  = "aaaaaaaa-0000-4000-8000-000000000001"
	tLit  = "aaaaaaaa-0000-4000-8000-000000000002"
	tAda  = "aaaaaaaa-0000-4000-8000-000000000003"
	tTrey = "aaaaaaaa-0000-4000-8000-000000000004"
	gMine = "bbbbbbbb-0000-4000-8000-000000000001"
	gHelp = "bbbbbbbb-0000-4000-8000-000000000002"
)

func rel(id, tenant, name, status string, roles ...string) entra.DelegatedAdminRelationship {
	return entra.DelegatedAdminRelationship{ID: id, DisplayName: "rel " + name, Status: status,
		Customer:      entra.DelegatedAdminRelationshipCustomerParticipant{TenantID: tenant, DisplayName: name},
		AccessDetails: details(roles...)}
}

func details(roles ...string) entra.DelegatedAdminAccessDetails {
	d := entra.DelegatedAdminAccessDetails{}
	for _, r := range roles {
		d.UnifiedRoles = append(d.UnifiedRoles, entra.UnifiedRole{RoleDefinitionID: r})
	}
	return d
}

func assign(group, status string, roles ...string) entra.DelegatedAdminAccessAssignment {
	return entra.DelegatedAdminAccessAssignment{ID: group + status, Status: status,
		AccessContainer: entra.DelegatedAdminAccessContainer{AccessContainerID: group, AccessContainerType: "securityGroup"},
		AccessDetails:   details(roles...)}
}

func partnerSnapshot() entra.PartnerSnapshot {
	return entra.PartnerSnapshot{
		Customers: []entra.DelegatedAdminCustomer{
			{ID: tLit, TenantID: tLit, DisplayName: "Litware"},
			{ID: tFab, TenantID: tFab, DisplayName: "Fabrikam\x1b]52;c;x\x07"},
			{ID: tAda, TenantID: tAda, DisplayName: "Adatum"},
		},
		Relationships: []entra.DelegatedAdminRelationship{
			rel("r1", tFab, "Fabrikam", "active", entra.RoleGlobalReader, entra.RolePrivilegedRoleAdmin),
			rel("r2", tLit, "Litware", "active", entra.RoleGlobalReader),
			rel("r3", tAda, "Adatum", "active", entra.RoleGlobalReader),
			rel("r4", tTrey, "Trey", "terminated", entra.RoleGlobalReader),
			rel("r5", tFab, "Fabrikam", "expired", entra.RoleGlobalAdmin),
		},
		Assignments: map[string][]entra.DelegatedAdminAccessAssignment{
			// Global Administrator is assigned but not in the relationship: not held.
			"r1": {assign(gMine, "active", entra.RoleGlobalReader, entra.RoleGlobalAdmin), assign(gMine, "pending", entra.RolePrivilegedRoleAdmin)},
			"r2": {assign(gHelp, "active", entra.RoleGlobalReader)},
		},
		MyGroupIDs: []string{strings.ToUpper(gMine)},
		Errors:     map[string]*entra.APIError{entra.PartAssignmentsPrefix + "r3": {Status: 503}},
	}
}

func TestListTenants(t *testing.T) {
	got := ListTenants(partnerSnapshot())
	var names []string
	for _, l := range got {
		names = append(names, l.DisplayName)
	}
	// Sorted by name; the OSC 52 clipboard escape is gone.
	if !reflect.DeepEqual(names, []string{"Adatum", "Fabrikam", "Litware"}) {
		t.Fatalf("tenants %q", names)
	}
	ada, fab, lit := got[0], got[1], got[2]
	if fab.Status != CustomerReachable || !reflect.DeepEqual(fab.RolesHeld, []RoleRef{{entra.RoleGlobalReader, "Global Reader"}}) {
		t.Errorf("Fabrikam: %+v", fab)
	}
	if len(fab.Relationships) != 2 || fab.Relationships[1].Status != "expired" || len(fab.Relationships[0].Roles) != 2 {
		t.Errorf("Fabrikam relationships: %+v", fab.Relationships)
	}
	if lit.Status != CustomerNoRole || len(lit.RolesHeld) != 0 {
		t.Errorf("Litware: %+v", lit)
	}
	if ada.Status != CustomerUnknown {
		t.Errorf("Adatum (assignments unreadable): %+v", ada)
	}
	// The JSON shape of `consentwiz tenants --json`.
	b, _ := json.Marshal(lit)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	for _, k := range []string{"tenantId", "displayName", "status", "relationships", "rolesHeld"} {
		if _, ok := m[k]; !ok {
			t.Errorf("no %q in %s", k, b)
		}
	}
	if _, ok := m["domain"]; ok || m["rolesHeld"] == nil {
		t.Errorf("domain should be omitted and rolesHeld [] when empty: %s", b)
	}
	// Without the customers list, the active relationships name the customers.
	p := partnerSnapshot()
	p.Customers = nil
	p.Errors[entra.PartCustomers] = &entra.APIError{Status: 403}
	got = ListTenants(p)
	if len(got) != 3 || got[1].TenantID != tFab || got[1].Status != CustomerReachable {
		t.Errorf("from relationships: %+v", got)
	}
	// Without your groups, no role can be told.
	p = partnerSnapshot()
	p.MyGroupIDs = nil
	p.Errors[entra.PartMyGroups] = &entra.APIError{Status: 403}
	for _, l := range ListTenants(p) {
		if l.Status != CustomerUnknown {
			t.Errorf("%s without groups: %s", l.DisplayName, l.Status)
		}
	}
	if got := ListTenants(entra.PartnerSnapshot{}); got == nil || len(got) != 0 {
		t.Errorf("empty snapshot: %#v", got)
	}
}

func TestAsDelegatedAdmin(t *testing.T) {
	snap := entra.TenantSnapshot{Errors: map[string]*entra.APIError{entra.PartMe: {Status: 404}, entra.PartMyRoles: {Status: 404},
		entra.PartPendingRequests: {Status: 403}}}
	me := entra.User{UserPrincipalName: "admin@contoso.com", DisplayName: "Adele"}
	cloudAdmin := DelegatedRoles{Read: true, Roles: []RoleRef{{entra.RoleCloudApplicationAdmin, "Cloud Application Administrator"}}}
	got := AsDelegatedAdmin(snap, me, cloudAdmin)
	if got.Me != me || len(got.MyRoles) != 1 || got.MyRoles[0].RoleTemplateID != entra.RoleCloudApplicationAdmin || got.RolesFrom != entra.RolesFromGDAP {
		t.Errorf("me %+v roles %+v from %q", got.Me, got.MyRoles, got.RolesFrom)
	}
	if len(got.Errors) != 1 || got.Errors[entra.PartPendingRequests] == nil || len(snap.Errors) != 3 {
		t.Errorf("errors %v (input %v)", got.Errors, snap.Errors)
	}
	// Parts that were read stay as read.
	read := entra.TenantSnapshot{Me: entra.User{UserPrincipalName: "guest#EXT#@x"}, MyRoles: []entra.DirectoryRole{{RoleTemplateID: entra.RoleGlobalReader}}}
	if got := AsDelegatedAdmin(read, me, DelegatedRoles{Read: true, Roles: []RoleRef{{ID: entra.RoleGlobalAdmin}}}); got.Me != read.Me ||
		len(got.MyRoles) != 1 || got.MyRoles[0].RoleTemplateID != entra.RoleGlobalReader || got.RolesFrom != "" {
		t.Errorf("overwrote read parts: %+v", got)
	}
	// Through Diagnose: the delegated admin's roles decide who can grant,
	// and the checklist says where they come from.
	d := Diagnose(&got, AppRef{ClientID: "11111111-1111-4111-8111-111111111111"})
	if len(d.Roles) == 0 || !strings.Contains(strings.Join(d.Roles, ","), "Cloud Application Administrator") || d.RolesFrom != "gdap" {
		t.Errorf("diagnosis roles %v from %q", d.Roles, d.RolesFrom)
	}
	if f := findingByID(d, FindingRoles); f == nil || !strings.Contains(f.Title, "through GDAP") {
		t.Errorf("roles finding %+v", f)
	}
}

// Whether a customer's directory answers /me for a delegated admin with
// 404 or with an object that holds no role (docs/entra.md I, UNVERIFIED),
// the roles GDAP gives stand in; and when the relationships could not be
// read, no role found is unknown, not "no role".
func TestAsDelegatedAdminEitherAnswer(t *testing.T) {
	me := entra.User{UserPrincipalName: "admin@contoso.com"}
	notFound := entra.TenantSnapshot{Errors: map[string]*entra.APIError{entra.PartMe: {Status: 404, Code: "Request_ResourceNotFound"},
		entra.PartMyRoles: {Status: 404, Code: "Request_ResourceNotFound"}}}
	noRole := entra.TenantSnapshot{Me: entra.User{ID: "x", UserPrincipalName: "admin@contoso.com"}, MyRoles: []entra.DirectoryRole{}}
	cloudAdmin := DelegatedRoles{Read: true, Roles: []RoleRef{{entra.RoleCloudApplicationAdmin, "Cloud Application Administrator"}}}
	app := AppRef{ClientID: "11111111-1111-4111-8111-111111111111", Scopes: []string{"User.Read"}}
	for name, snap := range map[string]entra.TenantSnapshot{"404": notFound, "no role": noRole} {
		got := AsDelegatedAdmin(snap, me, cloudAdmin)
		d := Diagnose(&got, app)
		if f, _ := d.Fix(FixAdminLink); !f.HasRole || f.RoleUnknown || d.RolesFrom != "gdap" {
			t.Errorf("%s: admin-link %+v, roles %v from %q", name, f, d.Roles, d.RolesFrom)
		}
		unread := AsDelegatedAdmin(snap, me, DelegatedRoles{})
		d = Diagnose(&unread, app)
		f, _ := d.Fix(FixAdminLink)
		roles := findingByID(d, FindingRoles)
		if f.HasRole || !f.RoleUnknown || roles == nil || !strings.Contains(roles.Title, "unknown") || !strings.Contains(roles.Detail, "GDAP") {
			t.Errorf("%s, GDAP unread: admin-link %+v, roles finding %+v", name, f, roles)
		}
	}
}

func TestThrottledFor(t *testing.T) {
	th := func(s int) *entra.APIError {
		return &entra.APIError{Status: 429, RetryAfter: time.Duration(s) * time.Second}
	}
	// Diagnoses of a tenant on Microsoft-managed consent where the app is
	// not granted yet: the setting and the managed policy's excludes decide
	// what users see (the verdict's one rule, Diagnosis.Undecided).
	managed := func(errs map[string]*entra.APIError) *Diagnosis {
		s := lockedDown()
		s.App = appSP(true)
		setConsent(s, "ManagePermissionGrantsForSelf.microsoft-user-default-recommended")
		s.Errors = errs
		d := Diagnose(s, withScopes("User.Read", "Mail.Send"))
		return &d
	}
	cases := []struct {
		name string
		d    *Diagnosis
		errs map[string]*entra.APIError
		err  error
		wait time.Duration
		ok   bool
	}{
		{"a 429 error", nil, nil, fmt.Errorf("graph: %w", th(7)), 7 * time.Second, true},
		{"a 503 without Retry-After", nil, nil, &entra.APIError{Status: 503}, 0, true},
		{"another error", nil, nil, &entra.APIError{Status: 403}, 0, false},
		{"the excludes throttled", nil, map[string]*entra.APIError{entra.PartManagedExcludes: th(9)}, nil, 9 * time.Second, true},
		{"the policy throttled", nil, map[string]*entra.APIError{entra.PartAuthorization: th(3)}, nil, 3 * time.Second, true},
		// A throttled part that does not decide the outcome is no reason to wait.
		{"pending requests throttled", nil, map[string]*entra.APIError{entra.PartPendingRequests: th(30)}, nil, 0, false},
		{"decisive part forbidden", nil, map[string]*entra.APIError{entra.PartAuthorization: {Status: 403}}, nil, 0, false},
		{"read in full", nil, map[string]*entra.APIError{}, nil, 0, false},
	}
	for i := range cases {
		if cases[i].err == nil {
			cases[i].d = managed(cases[i].errs)
		}
	}
	for _, c := range cases {
		wait, ok := ThrottledFor(c.d, c.errs, c.err)
		if wait != c.wait || ok != c.ok {
			t.Errorf("%s: ThrottledFor = %v, %v; want %v, %v", c.name, wait, ok, c.wait, c.ok)
		}
	}
	got := ThrottledReason(4, 95*time.Second, 30*time.Second)
	if want := "Microsoft Graph kept throttling the tenant (4 tries over 1m35s); it asks to wait 30s more; check it again later"; got != want {
		t.Errorf("reason %q, want %q", got, want)
	}
	if got := ThrottledReason(1, 0, 0); !strings.Contains(got, "(1 try over 0s); check") {
		t.Errorf("reason %q", got)
	}
}

func ptr[T any](v T) *T { return &v }

func TestTenantSummaryExitCode(t *testing.T) {
	for _, c := range []struct {
		s         TenantSummary
		cancelled bool
		want      int
	}{
		{TenantSummary{Tenants: 3, OK: 3}, false, 0},
		{TenantSummary{Tenants: 3, OK: 2, Errors: 1}, false, 1},
		{TenantSummary{Tenants: 3, OK: 2, NeedsSignIn: 1}, false, 1},
		{TenantSummary{Tenants: 3, OK: 2, Unknown: 1}, false, 5},
		{TenantSummary{Tenants: 3, OK: 1, Unknown: 1, NeedsSignIn: 1}, false, 1},
		{TenantSummary{Tenants: 3, OK: 2, Errors: 1, Throttled: 1}, false, 1},
		{TenantSummary{Tenants: 3, OK: 1, Blocked: 1, Errors: 1}, false, 3},
		{TenantSummary{Tenants: 3, Blocked: 1, NeedsSignIn: 2}, false, 3},
		{TenantSummary{Tenants: 3, Blocked: 1, Errors: 2}, true, 2},
	} {
		if got := c.s.ExitCode(c.cancelled); got != c.want {
			t.Errorf("ExitCode(%+v, cancelled %v) = %d, want %d", c.s, c.cancelled, got, c.want)
		}
	}
}

// findingByID is d's finding id, or nil.
func findingByID(d Diagnosis, id string) *Finding {
	for i := range d.Findings {
		if d.Findings[i].ID == id {
			return &d.Findings[i]
		}
	}
	return nil
}

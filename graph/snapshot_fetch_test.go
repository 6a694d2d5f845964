package graph

import (
	"consentwiz/graph/entra"
	"context"
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"
)

func TestSnapshotOneRoundTrip(t *testing.T) {
	f := newFakeGraph(t)
	c := f.client()
	s, err := c.Snapshot(context.Background(), testAppID)
	if err != nil {
		t.Fatal(err)
	}
	if s.RoundTrips != 1 || f.trips() != 1 {
		t.Errorf("RoundTrips = %d (server %d), want 1", s.RoundTrips, f.trips())
	}
	if len(s.Errors) != 0 {
		t.Errorf("Errors = %v", s.Errors)
	}
	if s.TenantID != testTenant || s.Organization.DefaultDomain() != "contoso.com" {
		t.Errorf("tenant %q org %+v", s.TenantID, s.Organization)
	}
	if s.Me.UserPrincipalName != "ada@contoso.com" {
		t.Errorf("Me = %+v", s.Me)
	}
	if len(s.MyRoles) != 1 || s.MyRoles[0].RoleTemplateID != entra.RoleGlobalAdmin {
		t.Errorf("MyRoles = %+v (groups must be dropped)", s.MyRoles)
	}
	if got := s.AuthorizationPolicy.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned; len(got) != 2 {
		t.Errorf("authorization policy = %v", got)
	}
	if s.ConsentRequestPolicy.RequestDurationInDays != 30 {
		t.Errorf("consent request policy = %+v", s.ConsentRequestPolicy)
	}
	if s.App == nil || s.App.ID != appSPID || !s.App.PublisherVerified() {
		t.Errorf("App = %+v", s.App)
	}
	if len(s.AppGrants) != 1 || s.AppGrants[0].Scope != "User.Read" {
		t.Errorf("AppGrants = %+v", s.AppGrants)
	}
	if len(s.AppRoleAssignments) != 1 || s.AppRoleAssignments[0].AppRoleID != "cal-role" {
		t.Errorf("AppRoleAssignments = %+v", s.AppRoleAssignments)
	}
	if s.GraphSP.ID != graphSPID || len(s.GraphSP.OAuth2PermissionScopes) != 2 {
		t.Errorf("GraphSP = %+v", s.GraphSP)
	}
	if len(s.Classifications) != 1 || len(s.ManagedExcludes) != 1 || s.ManagedExcludes[0].Permissions[0] != "cal-rw-id" {
		t.Errorf("classifications %+v excludes %+v", s.Classifications, s.ManagedExcludes)
	}
	if len(s.PendingRequests) != 0 {
		t.Errorf("PendingRequests = %+v", s.PendingRequests)
	}

	// The parts asked for, by id, with the paths the brief lists.
	var items []string
	for _, r := range f.requests() {
		if r.InBatch {
			u := r.Path
			if len(r.Query) > 0 {
				u += "?" + r.Query.Encode()
			}
			items = append(items, u)
		}
	}
	sort.Strings(items)
	want := []string{
		"/identityGovernance/appConsent/appConsentRequests?%24filter=appId+eq+%27" + testAppID + "%27",
		"/me",
		"/me/transitiveMemberOf",
		"/organization",
		"/policies/adminConsentRequestPolicy",
		"/policies/authorizationPolicy",
		"/policies/permissionGrantPolicies/microsoft-user-default-recommended/excludes",
		"/servicePrincipals",
		"/servicePrincipals",
		"/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')/delegatedPermissionClassifications",
		"/servicePrincipals(appId='" + testAppID + "')/appRoleAssignments",
		"/servicePrincipals(appId='" + testAppID + "')/oauth2PermissionGrants",
	}
	var got []string
	for _, it := range items {
		got = append(got, strings.SplitN(it, "?", 2)[0])
	}
	wantPaths := make([]string, len(want))
	for i, w := range want {
		wantPaths[i] = strings.SplitN(w, "?", 2)[0]
	}
	sort.Strings(got)
	sort.Strings(wantPaths)
	if !reflect.DeepEqual(got, wantPaths) {
		t.Errorf("batch items:\n got %v\nwant %v", got, wantPaths)
	}
	for _, r := range f.requests() {
		if r.Path == "/servicePrincipals" && r.Query.Get("$filter") == "appId eq '"+entra.MicrosoftGraphAppID+"'" &&
			r.Query.Get("$select") != "id,appId,displayName,oauth2PermissionScopes,appRoles" {
			t.Errorf("Graph SP $select = %q", r.Query.Get("$select"))
		}
		if r.Path == "/$batch" && !reflect.DeepEqual(r.Scopes, entra.ReadScopes) {
			t.Errorf("batch token scopes %v, want ReadScopes %v", r.Scopes, entra.ReadScopes)
		}
	}
}

func TestSnapshotAppNotInTenant(t *testing.T) {
	f := newFakeGraph(t)
	c := f.client()
	s, err := c.Snapshot(context.Background(), "99999999-2222-3333-4444-555555555555")
	if err != nil {
		t.Fatal(err)
	}
	if s.App != nil || len(s.AppGrants) != 0 || len(s.AppRoleAssignments) != 0 {
		t.Errorf("App = %+v grants %v", s.App, s.AppGrants)
	}
	if len(s.Errors) != 0 {
		t.Errorf("404 of the app parts must not be errors: %v", s.Errors)
	}
	if s.RoundTrips != 1 || s.GraphSP.ID != graphSPID {
		t.Errorf("RoundTrips %d GraphSP %+v", s.RoundTrips, s.GraphSP)
	}
}

func TestSnapshotForbiddenPartsGoToErrors(t *testing.T) {
	f := newFakeGraph(t)
	f.fault = func(m, p string, _ bool) *fakeResp {
		if p == "/identityGovernance/appConsent/appConsentRequests" || p == "/policies/adminConsentRequestPolicy" {
			return graphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
		}
		return nil
	}
	s, err := f.client().Snapshot(context.Background(), testAppID)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Errors) != 2 {
		t.Fatalf("Errors = %v", s.Errors)
	}
	for _, part := range []string{entra.PartPendingRequests, entra.PartConsentRequest} {
		e := s.Errors[part]
		if e == nil || e.Status != 403 || e.Code != "Authorization_RequestDenied" || e.Method != "GET" || e.RequestID == "" {
			t.Errorf("Errors[%s] = %+v", part, e)
		}
	}
	if s.App == nil || s.AuthorizationPolicy.ID == "" || s.RoundTrips != 1 {
		t.Errorf("the readable parts must still be read: %+v", s)
	}
}

func TestSnapshotNothingReadable(t *testing.T) {
	f := newFakeGraph(t)
	f.fault = func(m, p string, _ bool) *fakeResp {
		return graphError(401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.")
	}
	s, err := f.client().Snapshot(context.Background(), testAppID)
	if s != nil || !entra.IsUnauthorized(err) {
		t.Fatalf("snapshot %+v err %v, want a 401 error", s, err)
	}
	// An unauthorised envelope fails the same way.
	f2 := newFakeGraph(t)
	_, err = New(WithBaseURL(f2.srv.URL)).Snapshot(context.Background(), testAppID)
	if !entra.IsUnauthorized(err) {
		t.Errorf("envelope 401: %v", err)
	}
	if _, err := f2.client().Snapshot(context.Background(), "not-a-guid"); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("bad app id: %v", err)
	}
}

func TestSnapshotPendingRequestsTwoRoundTrips(t *testing.T) {
	f := newFakeGraph(t)
	f.consentRequests = []entra.AppConsentRequest{
		{ID: "acr-1", AppID: testAppID, AppDisplayName: "Apptoto", PendingScopes: []entra.ConsentRequestScope{{DisplayName: "Calendars.ReadWrite"}},
			UserConsentRequests: []entra.UserConsentRequest{
				{ID: "ucr-1", Status: "InProgress", Reason: "please", CreatedBy: entra.IdentitySet{User: &entra.Identity{ID: "u1", DisplayName: "Pat"}}},
				{ID: "ucr-2", Status: "Expired"}}},
		{ID: "acr-other", AppID: "77777777-2222-3333-4444-555555555555"},
	}
	s, err := f.client().Snapshot(context.Background(), testAppID)
	if err != nil {
		t.Fatal(err)
	}
	if s.RoundTrips != 2 || f.trips() != 2 {
		t.Errorf("RoundTrips = %d (server %d), want 2", s.RoundTrips, f.trips())
	}
	if len(s.PendingRequests) != 1 {
		t.Fatalf("PendingRequests = %+v", s.PendingRequests)
	}
	pr := s.PendingRequests[0]
	if pr.ID != "acr-1" || len(pr.UserConsentRequests) != 1 || pr.UserConsentRequests[0].CreatedBy.User.DisplayName != "Pat" {
		t.Errorf("pending = %+v", pr)
	}
	last := f.requests()[len(f.requests())-1]
	if last.Path != "/identityGovernance/appConsent/appConsentRequests/acr-1/userConsentRequests" || last.Query.Get("$filter") != "status eq 'InProgress'" || !last.InBatch {
		t.Errorf("user requests read as %+v", last)
	}

	// A request with no in-progress user requests is not pending (still 2 round trips).
	f.consentRequests[0].UserConsentRequests = []entra.UserConsentRequest{{ID: "ucr-2", Status: "Completed"}}
	s, err = f.client().Snapshot(context.Background(), testAppID)
	if err != nil || len(s.PendingRequests) != 0 || s.RoundTrips != 2 {
		t.Errorf("completed only: %+v %v", s, err)
	}
}

func TestSnapshotFollowsPagesInBatches(t *testing.T) {
	f := newFakeGraph(t)
	f.pageSize = 1
	for i := 0; i < 2; i++ {
		f.grants = append(f.grants, entra.OAuth2PermissionGrant{ID: "pg" + string(rune('a'+i)), ClientID: appSPID, ConsentType: "Principal", ResourceID: graphSPID, Scope: "Mail.Read"})
	}
	s, err := f.client().Snapshot(context.Background(), testAppID)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.AppGrants) != 3 || len(s.MyRoles) != 1 || len(s.Classifications) != 1 {
		t.Errorf("grants %d roles %+v", len(s.AppGrants), s.MyRoles)
	}
	// memberOf (2 items) and grants (3 items) need 1 and 2 more pages: 3 round trips,
	// each continuation a $batch item, never a request per page.
	if s.RoundTrips != 3 {
		t.Errorf("RoundTrips = %d, want 3", s.RoundTrips)
	}
	for _, r := range f.requests() {
		if !r.InBatch && r.Path != "/$batch" {
			t.Errorf("request outside $batch: %+v", r)
		}
	}
	if len(s.Errors) != 0 {
		t.Errorf("Errors %v", s.Errors)
	}
}

func TestSnapshotMalformedPart(t *testing.T) {
	f := newFakeGraph(t)
	f.fault = func(m, p string, _ bool) *fakeResp {
		if p == "/me/transitiveMemberOf" {
			return &fakeResp{status: 200, body: map[string]any{"value": "oops"}}
		}
		return nil
	}
	s, err := f.client().Snapshot(context.Background(), testAppID)
	if err != nil {
		t.Fatal(err)
	}
	if e := s.Errors[entra.PartMyRoles]; e == nil || !strings.Contains(e.Message, "malformed") {
		t.Errorf("Errors[myRoles] = %+v", e)
	}
}

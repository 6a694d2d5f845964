package graph_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"consentwiz/graph"
	"consentwiz/graph/entra"
	"consentwiz/graph/sim"
)

func TestSnapshotOneRoundTrip(t *testing.T) {
	f := newFixture(t)
	ten := f.ten
	s, err := f.c.Snapshot(testCtx(t), ten.AppID())
	if err != nil {
		t.Fatal(err)
	}
	if s.RoundTrips != 1 || f.rec.roundTrips() != 1 {
		t.Errorf("RoundTrips = %d (transport %d), want 1", s.RoundTrips, f.rec.roundTrips())
	}
	if len(s.Errors) != 0 {
		t.Errorf("Errors = %v", s.Errors)
	}
	if s.TenantID != ten.ID() || s.Organization.DefaultDomain() != ten.Domain() {
		t.Errorf("tenant %q org %+v", s.TenantID, s.Organization)
	}
	if s.Me.UserPrincipalName != ten.AdminUPN() {
		t.Errorf("Me = %+v", s.Me)
	}
	if len(s.MyRoles) != 1 || s.MyRoles[0].RoleTemplateID != entra.RoleGlobalAdmin {
		t.Errorf("MyRoles = %+v", s.MyRoles)
	}
	if got, want := s.AuthorizationPolicy.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned,
		ten.AuthorizationPolicy().DefaultUserRolePermissions.PermissionGrantPoliciesAssigned; !slices.Equal(got, want) {
		t.Errorf("authorization policy = %v, want %v", got, want)
	}
	if got, want := s.ConsentRequestPolicy, ten.AdminConsentRequestPolicy(); got.IsEnabled != want.IsEnabled || got.RequestDurationInDays != want.RequestDurationInDays {
		t.Errorf("consent request policy = %+v, want %+v", got, want)
	}
	if s.App == nil || s.App.ID != f.app.ID || !s.App.PublisherVerified() {
		t.Errorf("App = %+v", s.App)
	}
	if want := ten.Grants(ten.AppID()); len(s.AppGrants) != len(want) || len(want) == 0 || s.AppGrants[0].ConsentType != "AllPrincipals" {
		t.Errorf("AppGrants = %+v, want %+v", s.AppGrants, want)
	}
	if len(s.AppRoleAssignments) != len(ten.AppRoleAssignments(ten.AppID())) {
		t.Errorf("AppRoleAssignments = %+v", s.AppRoleAssignments)
	}
	if s.GraphSP.ID != f.graphSP.ID || len(s.GraphSP.OAuth2PermissionScopes) != len(f.graphSP.OAuth2PermissionScopes) {
		t.Errorf("GraphSP = %s with %d scopes", s.GraphSP.ID, len(s.GraphSP.OAuth2PermissionScopes))
	}
	if len(s.Classifications) != len(ten.Classifications(entra.MicrosoftGraphAppID)) || len(s.ManagedExcludes) == 0 {
		t.Errorf("classifications %+v excludes %+v", s.Classifications, s.ManagedExcludes)
	}
	if len(s.PendingRequests) != 0 {
		t.Errorf("PendingRequests = %+v", s.PendingRequests)
	}

	// The parts asked for, by path.
	var got []string
	for _, it := range f.rec.items() {
		got = append(got, strings.SplitN(it, "?", 2)[0])
	}
	want := []string{
		"/identityGovernance/appConsent/appConsentRequests",
		"/me",
		"/me/transitiveMemberOf",
		"/organization",
		"/policies/adminConsentRequestPolicy",
		"/policies/authorizationPolicy",
		"/policies/permissionGrantPolicies/microsoft-user-default-allow-consent-apps/includes",
		"/policies/permissionGrantPolicies/microsoft-user-default-recommended/excludes",
		"/servicePrincipals",
		"/servicePrincipals",
		"/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')/delegatedPermissionClassifications",
		"/servicePrincipals(appId='" + ten.AppID() + "')/appRoleAssignments",
		"/servicePrincipals(appId='" + ten.AppID() + "')/oauth2PermissionGrants",
		"/servicePrincipals(appId='" + ten.AppID() + "')/oauth2PermissionGrants",
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("batch items:\n got %v\nwant %v", got, want)
	}
	for _, r := range f.rec.requests() {
		if r.Path == "/servicePrincipals" && r.Query.Get("$filter") == "appId eq '"+entra.MicrosoftGraphAppID+"'" &&
			r.Query.Get("$select") != "id,appId,displayName,oauth2PermissionScopes,appRoles" {
			t.Errorf("Graph SP $select = %q", r.Query.Get("$select"))
		}
		if strings.HasSuffix(r.Path, "/oauth2PermissionGrants") && r.Query.Get("$filter") != "consentType eq 'AllPrincipals'" &&
			r.Query.Get("$filter") != "consentType eq 'Principal'" {
			t.Errorf("the app's grants read without a consentType filter: %s?%s", r.Path, r.Query.Encode())
		}
		if r.Path == "/$batch" && !slices.Equal(r.Scopes, entra.ReadScopes) {
			t.Errorf("batch token scopes %v, want ReadScopes %v", r.Scopes, entra.ReadScopes)
		}
	}
}

func TestSnapshotAppNotInTenant(t *testing.T) {
	g := newSimGraph(t, sim.Options{Scenario: "locked-down"})
	s, err := g.client(t, "").Snapshot(testCtx(t), g.ten.AppID())
	if err != nil {
		t.Fatal(err)
	}
	if s.App != nil || len(s.AppGrants) != 0 || len(s.AppRoleAssignments) != 0 {
		t.Errorf("App = %+v grants %v", s.App, s.AppGrants)
	}
	if len(s.Errors) != 0 {
		t.Errorf("404 of the app parts must not be errors: %v", s.Errors)
	}
	if s.RoundTrips != 1 || s.GraphSP.AppID != entra.MicrosoftGraphAppID {
		t.Errorf("RoundTrips %d GraphSP %+v", s.RoundTrips, s.GraphSP)
	}
}

func TestSnapshotForbiddenPartsGoToErrors(t *testing.T) {
	// A Privileged Role Administrator reads policies and apps, but not the
	// admin consent requests (docs/entra.md A4).
	f := newFixture(t)
	s, err := f.client(t, "pra@contoso.com").Snapshot(testCtx(t), f.ten.AppID())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Errors) != 1 {
		t.Fatalf("Errors = %v", s.Errors)
	}
	e := s.Errors[entra.PartPendingRequests]
	if e == nil || e.Status != 403 || e.Code != "Authorization_RequestDenied" || e.Method != "GET" || e.RequestID == "" {
		t.Errorf("Errors[%s] = %+v", entra.PartPendingRequests, e)
	}
	if s.App == nil || s.AuthorizationPolicy.ID == "" || s.ConsentRequestPolicy.ID == "" || s.RoundTrips != 1 {
		t.Errorf("the readable parts must still be read: %+v", s)
	}
}

func TestSnapshotNothingReadable(t *testing.T) {
	// Every part refused: the snapshot fails with the first error.
	g := newStubGraph(t)
	g.on("POST", "/$batch", batchReply(nil, func(batchItem) string {
		return `{"status":401,"body":{"error":{"code":"InvalidAuthenticationToken","message":"Lifetime validation failed, the token is expired."}}}`
	}))
	s, err := g.client().Snapshot(context.Background(), sim.TrackerRMSAppID)
	if s != nil || !entra.IsUnauthorized(err) {
		t.Fatalf("snapshot %+v err %v, want a 401 error", s, err)
	}
	// An unauthorised envelope fails the same way.
	sg := newSimGraph(t, sim.Options{})
	_, err = graph.New(graph.WithBaseURL(sg.GraphURL()), graph.WithHTTPClient(sg.HTTPClient())).Snapshot(testCtx(t), sg.ten.AppID())
	if !entra.IsUnauthorized(err) {
		t.Errorf("envelope 401: %v", err)
	}
	if _, err := sg.client(t, "").Snapshot(testCtx(t), "not-a-guid"); !errors.Is(err, graph.ErrInvalidArgument) {
		t.Errorf("bad app id: %v", err)
	}
}

func TestSnapshotPendingRequestsTwoRoundTrips(t *testing.T) {
	g := newSimGraph(t, sim.Options{Scenario: "request-workflow"})
	ten := g.ten
	// Another app's request is not this app's.
	if _, err := ten.SubmitConsentRequest(ten.EndUserUPN(), sim.ArchiverAppID, nil, "mail archive"); err != nil {
		t.Fatal(err)
	}
	c := g.client(t, "")
	s, err := c.Snapshot(testCtx(t), ten.AppID())
	if err != nil {
		t.Fatal(err)
	}
	if s.RoundTrips != 2 || g.rec.roundTrips() != 2 {
		t.Errorf("RoundTrips = %d (transport %d), want 2", s.RoundTrips, g.rec.roundTrips())
	}
	if len(s.PendingRequests) != 1 {
		t.Fatalf("PendingRequests = %+v", s.PendingRequests)
	}
	pr := s.PendingRequests[0]
	if !strings.EqualFold(pr.AppID, ten.AppID()) || len(pr.UserConsentRequests) != 1 || pr.UserConsentRequests[0].Status != "InProgress" ||
		pr.UserConsentRequests[0].CreatedBy.User == nil || pr.UserConsentRequests[0].CreatedBy.User.DisplayName != "Megan Bowen" {
		t.Errorf("pending = %+v", pr)
	}
	last := g.rec.last(t)
	if last.Path != "/identityGovernance/appConsent/appConsentRequests/"+pr.ID+"/userConsentRequests" || last.Query.Get("$filter") != "status eq 'InProgress'" || !last.InBatch {
		t.Errorf("user requests read as %+v", last)
	}

	// Approved through the consent link with bf_id: the request has no
	// in-progress user request any more, so it is not pending (still 2 round trips).
	link := g.LoginURL() + "/" + ten.ID() + "/adminconsent?" + url.Values{"client_id": {ten.AppID()}, "bf_id": {pr.ID}}.Encode()
	if _, err := g.HeadlessAdminConsent(link, ten.AdminUPN(), true); err != nil {
		t.Fatal(err)
	}
	s, err = c.Snapshot(testCtx(t), ten.AppID())
	if err != nil || len(s.PendingRequests) != 0 || s.RoundTrips != 2 {
		t.Errorf("completed only: %+v %v", s, err)
	}
}

func TestSnapshotFollowsPagesInBatches(t *testing.T) {
	g := newSimGraph(t, sim.Options{Scenario: "unverified-publisher", PageSize: 2})
	want := g.ten.Classifications(entra.MicrosoftGraphAppID)
	s, err := g.client(t, "").Snapshot(testCtx(t), g.ten.AppID())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Classifications) != len(want) || len(s.MyRoles) == 0 || len(s.Errors) != 0 {
		t.Errorf("%d classifications (want %d), roles %+v, errors %v", len(s.Classifications), len(want), s.MyRoles, s.Errors)
	}
	// The longest collection (5 classifications at 2 a page) needs 3 pages: 3
	// round trips, each continuation a $batch item, never a request per page.
	if pages := (len(want) + 1) / 2; s.RoundTrips != pages || pages < 3 {
		t.Errorf("RoundTrips = %d, want %d", s.RoundTrips, pages)
	}
	for _, r := range g.rec.requests() {
		if !r.InBatch && r.Path != "/$batch" {
			t.Errorf("request outside $batch: %+v", r)
		}
	}
}

func TestSnapshotMalformedPart(t *testing.T) {
	g := newStubGraph(t)
	g.on("POST", "/$batch", batchReply(nil, func(it batchItem) string {
		if it.ID == entra.PartMyRoles {
			return `{"status":200,"body":{"value":"oops"}}`
		}
		return `{"status":200,"body":{"value":[]}}`
	}))
	s, err := g.client().Snapshot(context.Background(), sim.TrackerRMSAppID)
	if err != nil {
		t.Fatal(err)
	}
	if e := s.Errors[entra.PartMyRoles]; e == nil || !strings.Contains(e.Message, "malformed") {
		t.Errorf("Errors[myRoles] = %+v", e)
	}
}

// Throttled parts are sent again after Retry-After. Persistent throttling of
// every part surfaces as a 429 *APIError carrying the wait, so `check
// --tenants` can put the tenant back in the queue; a wait above the cap ends
// the attempts at once.
func TestSnapshotThrottled(t *testing.T) {
	g := newSimGraph(t, sim.Options{})
	w := &waits{}
	c := g.client(t, "", graph.WithSleep(w.sleep))
	g.SetFaults(sim.Faults{Throttle429: 3, RetryAfterSeconds: 2})
	snap, err := c.Snapshot(testCtx(t), g.ten.AppID())
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Errors) != 0 || snap.AuthorizationPolicy.ID == "" || snap.Me.ID == "" || snap.RoundTrips != 2 {
		t.Errorf("snapshot after 3 throttled items: errors %v, %d round trips (want 2)", snap.Errors, snap.RoundTrips)
	}
	if got := w.get(); !slices.Equal(got, []time.Duration{2 * time.Second}) {
		t.Errorf("waits %v, want one 2s wait", got)
	}

	w = &waits{}
	c = g.client(t, "", graph.WithSleep(w.sleep))
	g.rec.reset()
	g.SetFaults(sim.Faults{Throttle429: 1000, RetryAfterSeconds: 2})
	_, err = c.Snapshot(testCtx(t), g.ten.AppID())
	var ae *entra.APIError
	if !entra.IsThrottled(err) || !errors.As(err, &ae) || ae.RetryAfter != 2*time.Second {
		t.Fatalf("err = %v, want a 429 *APIError with RetryAfter 2s", err)
	}
	if n := len(g.rec.sizes()); n != graph.DefaultMaxAttempts || len(w.get()) != graph.DefaultMaxAttempts-1 {
		t.Errorf("%d batches, waits %v; want %d batches", n, w.get(), graph.DefaultMaxAttempts)
	}

	g.rec.reset()
	g.SetFaults(sim.Faults{Throttle429: 1000, RetryAfterSeconds: 3600})
	_, err = c.Snapshot(testCtx(t), g.ten.AppID())
	if !errors.As(err, &ae) || !entra.IsThrottled(err) || ae.RetryAfter != time.Hour {
		t.Fatalf("err = %v, want a 429 *APIError with RetryAfter 1h", err)
	}
	if n := len(g.rec.sizes()); n != 1 || len(w.get()) != graph.DefaultMaxAttempts-1 {
		t.Errorf("%d batches, waits %v; a wait above the cap must end the attempts at once", n, w.get())
	}
}

// The app's users' own grants are read one page at a time, however many
// users consented: every tenant-wide grant, the first page of the per-user
// ones, and PrincipalGrantsMore when there are more. One round trip either way.
func TestSnapshotUserGrantsOnePage(t *testing.T) {
	for _, tc := range []struct {
		users, principal int
		more             bool
	}{
		{0, 0, false}, {40, 40, false}, {100, 100, false}, {101, 100, true}, {250, 100, true},
	} {
		t.Run(fmt.Sprint(tc.users), func(t *testing.T) {
			g := newSimGraph(t, sim.Options{Scenario: "granted"})
			if err := g.ten.AddUserGrants(g.ten.AppID(), tc.users); err != nil {
				t.Fatal(err)
			}
			s, err := g.client(t, "").Snapshot(testCtx(t), g.ten.AppID())
			if err != nil {
				t.Fatal(err)
			}
			all, principal := 0, map[string]bool{}
			for _, gr := range s.AppGrants {
				switch {
				case gr.ClientID != s.App.ID:
					t.Errorf("another client's grant: %+v", gr)
				case gr.ConsentType == "AllPrincipals":
					all++
				case principal[gr.PrincipalID]:
					t.Errorf("user %s counted twice", gr.PrincipalID)
				default:
					principal[gr.PrincipalID] = true
				}
			}
			if all != 1 || len(principal) != tc.principal || s.PrincipalGrantsMore != tc.more {
				t.Errorf("%d tenant-wide grants, %d users' grants, more %v; want 1, %d, %v", all, len(principal), s.PrincipalGrantsMore, tc.principal, tc.more)
			}
			if s.RoundTrips != 1 || len(s.Errors) != 0 {
				t.Errorf("%d round trips, errors %v; want 1, none", s.RoundTrips, s.Errors)
			}
		})
	}
}

// A poll reads only the parts that can change: the app's after a fix (one
// batch of 4 items), the pending requests while users' requests are awaited.
func TestPollReadsOnlyItsParts(t *testing.T) {
	g := newSimGraph(t, sim.Options{Scenario: "request-workflow"})
	c := g.client(t, "")
	ten := g.ten

	// Before any fix the app has no service principal: an answer, not an error.
	s, err := c.PollApp(testCtx(t), ten.AppID())
	if err != nil {
		t.Fatal(err)
	}
	if s.App != nil || len(s.AppGrants) != 0 || len(s.Errors) != 0 || s.RoundTrips != 1 || !slices.Equal(s.Parts, entra.AppParts) {
		t.Errorf("no SP yet: app %v, grants %v, errors %v, %d round trips, parts %v", s.App, s.AppGrants, s.Errors, s.RoundTrips, s.Parts)
	}
	if sz := g.rec.sizes(); !slices.Equal(sz, []int{len(entra.AppParts)}) {
		t.Errorf("batches %v, want one of %d items", sz, len(entra.AppParts))
	}

	g.rec.reset()
	s, err = c.PollRequests(testCtx(t), ten.AppID())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.PendingRequests) != 1 || len(s.PendingRequests[0].UserConsentRequests) != 1 || s.RoundTrips != 2 {
		t.Errorf("pending %+v, %d round trips; want 1 request with its user request, 2 round trips", s.PendingRequests, s.RoundTrips)
	}
	if sz := g.rec.sizes(); !slices.Equal(sz, []int{1, 1}) {
		t.Errorf("batches %v, want [1 1]: the requests, then their user requests", sz)
	}

	// The admin consents: the poll sees the grant, and nothing of the rest.
	if err := ten.AdminConsent(ten.AdminUPN(), ten.AppID(), nil); err != nil {
		t.Fatal(err)
	}
	if err := ten.AddUserGrants(ten.AppID(), 150); err != nil {
		t.Fatal(err)
	}
	g.rec.reset()
	s, err = c.PollApp(testCtx(t), ten.AppID())
	if err != nil {
		t.Fatal(err)
	}
	if s.App == nil || len(s.AppGrants) != 101 || !s.PrincipalGrantsMore || s.AppGrants[0].ConsentType != "AllPrincipals" || s.RoundTrips != 1 {
		t.Errorf("after consent: app %v, %d grants, more %v, %d round trips", s.App, len(s.AppGrants), s.PrincipalGrantsMore, s.RoundTrips)
	}
	if s.AuthorizationPolicy.ID != "" || s.Me.ID != "" || s.GraphSP.ID != "" || len(s.PendingRequests) != 0 {
		t.Errorf("a poll of the app read other parts: %+v", s)
	}
	for _, r := range g.rec.requests() {
		if r.InBatch && !strings.HasPrefix(r.Path, "/servicePrincipals") {
			t.Errorf("a poll of the app read %s", r.Path)
		}
	}
}

// The snapshot reads, in its one batch, the service principal of each other
// resource the app asks permissions of (Office 365 Exchange Online) and the
// mail-client policy's includes; a custom consent policy assigned to users
// costs one more batch, for its includes and excludes (docs/entra.md A2, B4).
func TestSnapshotResourcesAndConsentPolicies(t *testing.T) {
	f := newFixture(t)
	ten := f.ten
	s, err := f.c.SnapshotWithResources(testCtx(t), ten.AppID(), []string{entra.ExchangeOnlineAppID, entra.MicrosoftGraphAppID, "not-a-guid"})
	if err != nil {
		t.Fatal(err)
	}
	if s.RoundTrips != 1 || len(s.Errors) != 0 {
		t.Errorf("round trips %d, errors %v", s.RoundTrips, s.Errors)
	}
	exo := s.ResourceSP(entra.ExchangeOnlineAppID)
	if exo == nil || len(s.ResourceSPs) != 1 || !slices.ContainsFunc(exo.OAuth2PermissionScopes, func(p entra.PermissionScope) bool { return p.Value == "IMAP.AccessAsUser.All" }) {
		t.Fatalf("Exchange Online's service principal: %+v", s.ResourceSPs)
	}
	mail := s.Sets(entra.PolicyMailClients)
	if mail == nil || !mail.IncludesRead || len(mail.Includes) == 0 {
		t.Errorf("mail-client policy includes: %+v", mail)
	}

	// A custom policy assigned to users: its sets are read in a second batch.
	in := entra.PermissionGrantConditionSet{PermissionType: "delegated", ResourceApplication: "any", Permissions: []string{"all"},
		ClientApplicationIDs: []string{ten.AppID()}, ClientApplicationTenantIDs: []string{"all"}, ClientApplicationPublisherIDs: []string{"all"}}
	ten.AddConsentPolicy("contoso-allow-tracker", "Contoso: TrackerRMS", []entra.PermissionGrantConditionSet{in}, nil)
	ten.SetUserConsentPolicies([]string{"ManagePermissionGrantsForSelf.contoso-allow-tracker", "ManagePermissionGrantsForSelf." + entra.PolicyLow})
	s, err = f.c.Snapshot(testCtx(t), ten.AppID())
	if err != nil {
		t.Fatal(err)
	}
	if s.RoundTrips != 2 || len(s.Errors) != 0 {
		t.Errorf("round trips %d, errors %v", s.RoundTrips, s.Errors)
	}
	custom := s.Sets("contoso-allow-tracker")
	if custom == nil || !custom.IncludesRead || !custom.ExcludesRead || len(custom.Includes) != 1 || len(custom.Excludes) != 0 ||
		!slices.Contains(custom.Includes[0].ClientApplicationIDs, ten.AppID()) {
		t.Errorf("custom policy sets: %+v", custom)
	}
	if s.Sets(entra.PolicyLow) != nil {
		t.Errorf("the built-in -low policy, modelled from its documentation, was read: %+v", s.PolicySets)
	}
	// A custom policy that does not exist: its parts fail, unknown rather than empty.
	ten.SetUserConsentPolicies([]string{"ManagePermissionGrantsForSelf.gone"})
	s, err = f.c.Snapshot(testCtx(t), ten.AppID())
	if err != nil {
		t.Fatal(err)
	}
	if s.Errors[entra.PartPolicyIncludes("gone")] == nil || s.Errors[entra.PartPolicyExcludes("gone")] == nil {
		t.Errorf("errors %v", s.Errors)
	}
	if g := s.Sets("gone"); g != nil && (g.IncludesRead || g.ExcludesRead) {
		t.Errorf("an unreadable policy reads as read: %+v", g)
	}
}

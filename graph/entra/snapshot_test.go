package entra

import (
	"slices"
	"testing"
)

func TestSnapshotMerge(t *testing.T) {
	full := &TenantSnapshot{
		TenantID:            "t1",
		AuthorizationPolicy: AuthorizationPolicy{ID: "authorizationPolicy"},
		GraphSP:             ServicePrincipal{ID: "graph"},
		AppGrants:           []OAuth2PermissionGrant{{ID: "old", ConsentType: "Principal"}},
		PendingRequests:     []AppConsentRequest{{ID: "r1"}},
		Errors:              map[string]*APIError{PartAppRoles: {Status: 403}, PartClassifications: {Status: 403}},
		RoundTrips:          1,
	}
	poll := &TenantSnapshot{
		App:                 &ServicePrincipal{ID: "app"},
		AppGrants:           []OAuth2PermissionGrant{{ID: "new", ConsentType: "AllPrincipals"}},
		PrincipalGrantsMore: true,
		Errors:              map[string]*APIError{PartAppUserGrants: {Status: 429}},
		RoundTrips:          1,
		Parts:               AppParts,
	}
	m := full.Merge(poll)
	if m.App == nil || m.App.ID != "app" || len(m.AppGrants) != 1 || m.AppGrants[0].ID != "new" || !m.PrincipalGrantsMore {
		t.Errorf("the app's parts were not taken from the poll: app %v, grants %v, more %v", m.App, m.AppGrants, m.PrincipalGrantsMore)
	}
	if m.TenantID != "t1" || m.AuthorizationPolicy.ID == "" || m.GraphSP.ID != "graph" || len(m.PendingRequests) != 1 || m.Parts != nil {
		t.Errorf("the parts the poll did not read were lost: %+v", m)
	}
	if m.Errors[PartAppRoles] != nil || m.Errors[PartAppUserGrants] == nil || m.Errors[PartClassifications] == nil {
		t.Errorf("errors %v: want the poll's for its parts, the snapshot's for the rest", m.Errors)
	}
	if full.Errors[PartAppUserGrants] != nil || full.App != nil || full.AppGrants[0].ID != "old" {
		t.Errorf("Merge changed the snapshot it was called on: %+v", full)
	}
	if got := full.Merge(&TenantSnapshot{TenantID: "t2"}); got.TenantID != "t2" {
		t.Errorf("a full poll must replace the snapshot: %+v", got)
	}
	if !slices.Equal(AppParts, []string{PartApp, PartAppGrants, PartAppUserGrants, PartAppRoles}) {
		t.Errorf("AppParts = %v", AppParts)
	}
}

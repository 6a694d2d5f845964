package sim

import (
	"consentwiz/graph/entra"
	"fmt"
	"strings"
)

// ---- accessors -------------------------------------------------------------

// ID returns the tenant id (a GUID).
func (t *Tenant) ID() string { return t.id }

// Scenario returns the scenario the tenant was built from.
func (t *Tenant) Scenario() string { return t.scenario }

// Domain returns the tenant's default verified domain.
func (t *Tenant) Domain() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return entra.Organization{VerifiedDomains: t.domains}.DefaultDomain()
}

// InitialDomain returns the tenant's *.onmicrosoft.com domain.
func (t *Tenant) InitialDomain() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, d := range t.domains {
		if d.IsInitial {
			return d.Name
		}
	}
	return ""
}

// DisplayName returns the organization's display name.
func (t *Tenant) DisplayName() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.name
}

// AdminUPN is the scenario's Global Administrator.
func (t *Tenant) AdminUPN() string { return t.adminUPN }

// EndUserUPN is the scenario's end user who wants to use the app.
func (t *Tenant) EndUserUPN() string { return t.endUserUPN }

// AppID is the scenario's third-party app (TrackerRMS).
func (t *Tenant) AppID() string { return t.appID }

// AuthorizationPolicy returns a copy of the authorization policy.
func (t *Tenant) AuthorizationPolicy() entra.AuthorizationPolicy {
	t.mu.Lock()
	defer t.mu.Unlock()
	return copyAuthz(t.authz)
}

// SetUserConsentPolicies replaces permissionGrantPoliciesAssigned exactly as
// given (for example another admin's concurrent change).
func (t *Tenant) SetUserConsentPolicies(ids []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.authz.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned = append([]string{}, ids...)
}

// AddConsentPolicy adds a custom app consent policy with its condition sets
// (docs/entra.md A2: a policy approves a permission that matches an include
// and no exclude); assign it to users with SetUserConsentPolicies. Graph
// serves it and the end user's evaluation applies it like a built-in one.
func (t *Tenant) AddConsentPolicy(id, displayName string, includes, excludes []entra.PermissionGrantConditionSet) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := &grantPolicy{ID: id, DisplayName: displayName, Description: displayName,
		Includes: append([]entra.PermissionGrantConditionSet(nil), includes...),
		Excludes: append([]entra.PermissionGrantConditionSet(nil), excludes...)}
	for i := range p.Includes {
		p.Includes[i].ID = policyCondID(p.ID, "i", i)
	}
	for i := range p.Excludes {
		p.Excludes[i].ID = policyCondID(p.ID, "e", i)
	}
	t.policies[strings.ToLower(id)] = p
}

// SetIgnoreAuthorizationPolicyWrites switches the silent discard of
// authorizationPolicy PATCHes (docs/entra.md A1 [UNVERIFIED]).
func (t *Tenant) SetIgnoreAuthorizationPolicyWrites(on bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ignoreAuthzWrites = on
}

// AdminConsentRequestPolicy returns a copy of the consent request policy.
func (t *Tenant) AdminConsentRequestPolicy() entra.AdminConsentRequestPolicy {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.acrp
	p.Reviewers = append([]entra.ReviewerScope{}, t.acrp.Reviewers...)
	return p
}

// SetAdminConsentRequestPolicy replaces the consent request policy (version increments).
func (t *Tenant) SetAdminConsentRequestPolicy(p entra.AdminConsentRequestPolicy) {
	t.mu.Lock()
	defer t.mu.Unlock()
	v := t.acrp.Version + 1
	t.acrp = p
	t.acrp.ID = "adminConsentRequestPolicy"
	t.acrp.Version = v
	t.acrp.Reviewers = append([]entra.ReviewerScope{}, p.Reviewers...)
}

// ServicePrincipal returns a copy of the app's service principal in this tenant.
func (t *Tenant) ServicePrincipal(appID string) (entra.ServicePrincipal, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	sp := t.spByAppLocked(appID)
	if sp == nil {
		return entra.ServicePrincipal{}, false
	}
	return copySP(sp), true
}

// ServicePrincipalCount returns how many service principals the tenant holds.
func (t *Tenant) ServicePrincipalCount() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.sps)
}

// Grants returns copies of the delegated grants whose client is the app's SP.
func (t *Tenant) Grants(appID string) []entra.OAuth2PermissionGrant {
	t.mu.Lock()
	defer t.mu.Unlock()
	sp := t.spByAppLocked(appID)
	if sp == nil {
		return nil
	}
	var out []entra.OAuth2PermissionGrant
	for _, id := range t.grantsByClient[sp.ID] {
		if g, ok := t.grants[id]; ok {
			out = append(out, *g)
		}
	}
	return out
}

// AppRoleAssignments returns the app role assignments granted to the app's SP.
func (t *Tenant) AppRoleAssignments(appID string) []entra.AppRoleAssignment {
	t.mu.Lock()
	defer t.mu.Unlock()
	sp := t.spByAppLocked(appID)
	if sp == nil {
		return nil
	}
	var out []entra.AppRoleAssignment
	for _, id := range t.assignsByPrincipal[sp.ID] {
		if a, ok := t.assigns[id]; ok {
			out = append(out, *a)
		}
	}
	return out
}

// ConsentRequests returns copies of all appConsentRequests with their user requests.
func (t *Tenant) ConsentRequests() []entra.AppConsentRequest {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []entra.AppConsentRequest
	for _, id := range t.requestOrder {
		out = append(out, copyRequest(t.requests[id], true))
	}
	return out
}

// Classifications returns the delegated permission classifications on the app's SP.
func (t *Tenant) Classifications(resourceAppID string) []entra.DelegatedPermissionClassification {
	t.mu.Lock()
	defer t.mu.Unlock()
	sp := t.spByAppLocked(resourceAppID)
	if sp == nil {
		return nil
	}
	return append([]entra.DelegatedPermissionClassification(nil), t.classifications[sp.ID]...)
}

// User returns the directory user with this UPN.
func (t *Tenant) User(upn string) (entra.User, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	u := t.usersByUPN[strings.ToLower(upn)]
	if u == nil {
		return entra.User{}, false
	}
	return u.User, true
}

// UserRoles returns the role template ids the user holds.
func (t *Tenant) UserRoles(upn string) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	u := t.usersByUPN[strings.ToLower(upn)]
	if u == nil {
		return nil
	}
	return append([]string(nil), u.roles...)
}

// AddUser adds a user holding the given directory roles (template ids).
func (t *Tenant) AddUser(upn, displayName string, roles ...string) entra.User {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.addUserLocked(upn, displayName, roles...).User
}

// AddUserGrants adds n users who consented to the app for themselves (one
// Principal grant of its required scopes each, per resource), creating the
// app's service principal when missing.
func (t *Tenant) AddUserGrants(appID string, n int) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.addUserGrantsLocked(appID, n) {
		return fmt.Errorf("sim: unknown app %s", appID)
	}
	return nil
}

// AssignUser assigns a user to the app (default app role), docs/entra.md A6.
// The app's service principal must exist.
func (t *Tenant) AssignUser(upn, appID string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	u := t.usersByUPN[strings.ToLower(upn)]
	sp := t.spByAppLocked(appID)
	if u == nil || sp == nil {
		return fmt.Errorf("sim: no user %q or no service principal for %s", upn, appID)
	}
	t.addAssignmentLocked(DefaultAppRoleID, u.ID, "User", u.DisplayName, sp)
	return nil
}

// SetAppRoleAssignmentRequired switches "assignment required" on the app's SP.
func (t *Tenant) SetAppRoleAssignmentRequired(appID string, on bool) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	sp := t.spByAppLocked(appID)
	if sp == nil {
		return fmt.Errorf("sim: no service principal for %s", appID)
	}
	sp.AppRoleAssignmentRequired = on
	return nil
}

// SetServicePrincipalEnabled enables or disables sign-in to the app.
func (t *Tenant) SetServicePrincipalEnabled(appID string, on bool) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	sp := t.spByAppLocked(appID)
	if sp == nil {
		return fmt.Errorf("sim: no service principal for %s", appID)
	}
	sp.AccountEnabled = &on
	return nil
}

// UserInfo is a directory user and the directory roles they hold, by name.
type UserInfo struct {
	UPN   string   `json:"upn"`
	Roles []string `json:"roles"`
}

// Users lists the tenant's named users in creation order with their directory
// roles (display names, e.g. "Global Administrator"; none for a plain user).
// The thousands of users a big scenario makes up (many-apps: user000…,
// consented00000…) are left out.
func (t *Tenant) Users() []UserInfo {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := []UserInfo{}
	for _, id := range t.userOrder {
		u := t.users[id]
		if u.generated {
			continue
		}
		info := UserInfo{UPN: u.UserPrincipalName, Roles: []string{}}
		for _, r := range u.roles {
			info.Roles = append(info.Roles, entra.RoleNames[r])
		}
		out = append(out, info)
	}
	return out
}

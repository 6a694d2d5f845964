package sim

import (
	"consentwiz/graph/entra"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// A user signs in to their home tenant; MSAL then asks for tokens in other
// tenants with the same account (AcquireTokenSilent with WithTenantID: the
// refresh token redeemed at /{tenant}/oauth2/v2.0/token, docs/msal.md 2).
// Entra honours it where the user has access — a guest account there, or an
// active GDAP relationship whose access assignments include a group the user
// is in (docs/entra.md I) — and refuses it elsewhere with the documented
// AADSTS codes (reference-error-codes.md): 50020 without access, 50076 when
// the tenant's Conditional Access demands MFA the session has not done there,
// 90099 when a partner's delegated admin uses a client the customer has not
// consented to, 65001 for a guest's unconsented scopes.

// access is how a user of another tenant appears in a tenant.
type access struct {
	guestID string   // a guest account: its object id in the tenant
	foreign *simUser // a partner's delegated admin: GDAP roles, not in the directory
}

func (a access) ok() bool { return a.guestID != "" || a.foreign != nil }

// principalID is the object id tokens name in the tenant.
func (a access) principalID() string {
	if a.foreign != nil {
		return a.foreign.ID
	}
	return a.guestID
}

// accessIn finds how home's user homeUserID appears in target. A guest
// account wins over GDAP ([UNVERIFIED] which Entra picks when both exist).
func (s *Server) accessIn(target, home *Tenant, homeUserID string) access {
	type grant struct {
		group string
		roles []string
	}
	s.msp.mu.Lock()
	guestID := s.msp.guests[guestKey{target, home.id, homeUserID}]
	var grants []grant
	for _, r := range s.msp.rels {
		if r.partner != home || r.customer != target ||
			(r.status != entra.GDAPStatusActive && r.status != entra.GDAPStatusExpiring) {
			continue
		}
		for _, a := range r.assigns {
			if a.status != entra.AccessAssignmentActive {
				continue
			}
			// An assignment gives only roles the customer approved.
			var roles []string
			for _, ro := range a.roles {
				if slices.Contains(r.roles, ro) {
					roles = append(roles, ro)
				}
			}
			grants = append(grants, grant{a.groupID, roles})
		}
	}
	s.msp.mu.Unlock()
	if guestID != "" {
		target.mu.Lock()
		exists := target.users[guestID] != nil
		target.mu.Unlock()
		if exists {
			return access{guestID: guestID}
		}
	}
	home.mu.Lock()
	defer home.mu.Unlock()
	hu := home.users[homeUserID]
	if hu == nil {
		return access{}
	}
	var roles []string
	for _, g := range grants {
		if slices.Contains(hu.groups, g.group) {
			roles = unionFold(roles, g.roles)
		}
	}
	if len(roles) == 0 {
		return access{}
	}
	// The partner user keeps their home object id; Graph in the customer
	// evaluates the GDAP roles as theirs.
	return access{foreign: &simUser{User: entra.User{ID: hu.ID, DisplayName: hu.DisplayName,
		UserPrincipalName: hu.UserPrincipalName, Mail: hu.Mail}, roles: roles}}
}

// userNotInTenant is AADSTS50020's description (reference-error-codes.md: UserUnauthorized).
func userNotInTenant(upn string, home, target *Tenant, a *App) string {
	return fmt.Sprintf("User account '%s' from identity provider 'https://sts.windows.net/%s/' does not exist in tenant '%s' and cannot access the application '%s'(%s) in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Microsoft Entra user account.",
		upn, home.id, target.DisplayName(), a.AppID, a.DisplayName)
}

// mfaRequired is AADSTS50076's description (reference-error-codes.md: UserStrongAuthClientAuthNRequired).
func mfaRequired() string {
	return fmt.Sprintf("Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '%s'.", entra.MicrosoftGraphAppID)
}

// partnerNotAuthorized is AADSTS90099's description (reference-error-codes.md).
func partnerNotAuthorized(a *App, target *Tenant) string {
	return fmt.Sprintf("The application '%s' (%s) has not been authorized in the tenant '%s'. Applications must be authorized to access the external tenant before partner delegated administrators can use them. Provide pre-consent or execute the appropriate Partner Center API to authorize the application.",
		a.AppID, a.DisplayName, target.id)
}

// crossTenantDenial is why the user gets no token in target (code 0: none):
// no access, or MFA the session has not done there.
func (s *Server) crossTenantDenial(target, home *Tenant, homeUserID, upn string, a *App, mfa []string) (acc access, errName string, code int, desc string) {
	acc = s.accessIn(target, home, homeUserID)
	switch {
	case !acc.ok():
		return acc, "invalid_grant", 50020, userNotInTenant(upn, home, target, a)
	case s.requiresMFA(target) && !slices.Contains(mfa, target.id):
		return acc, "interaction_required", 50076, mfaRequired()
	}
	return acc, "", 0, ""
}

// tokenRefreshElsewhere redeems a refresh token of the user's home tenant for
// target (a tenant id or domain other than the home tenant).
func (s *Server) tokenRefreshElsewhere(w http.ResponseWriter, r *http.Request, f url.Values, app *App, rt *refreshToken, target *Tenant) {
	home := rt.tenant
	home.mu.Lock()
	hu := home.users[rt.userID]
	upn := ""
	if hu != nil {
		upn = hu.UserPrincipalName
	}
	home.mu.Unlock()
	if hu == nil {
		aadError(w, http.StatusBadRequest, "invalid_grant", 50034, "The user account does not exist in the directory.", "")
		return
	}
	acc, errName, code, desc := s.crossTenantDenial(target, home, rt.userID, upn, app, rt.mfa)
	if code != 0 {
		aadError(w, http.StatusBadRequest, errName, code, desc, "")
		return
	}
	requested := strings.Fields(f.Get("scope"))
	target.mu.Lock()
	var consented []string
	if clientSP := target.spByAppLocked(app.AppID); clientSP != nil {
		consented = target.grantedLocked(clientSP, acc.principalID())
	}
	target.mu.Unlock()
	norm, bad := s.normalizeScopes(requested, unionFold(app.RequiredScopes, consented))
	if bad != "" {
		aadError(w, http.StatusBadRequest, "invalid_scope", 500011, fmt.Sprintf("The resource principal named %s was not found in the tenant.", bad), "")
		return
	}
	if missing := minusFold(minusFold(norm, oidcScopes), consented); len(missing) > 0 {
		if acc.foreign != nil {
			aadError(w, http.StatusBadRequest, "invalid_grant", 90099, partnerNotAuthorized(app, target), "")
			return
		}
		aadError(w, http.StatusBadRequest, "invalid_grant", 65001, notConsented(app), "consent_required")
		return
	}
	s.issueTokens(w, r, subject{t: target, userID: acc.principalID(), foreign: acc.foreign, home: home,
		homeUserID: rt.userID, mfa: rt.mfa}, app.AppID, requested, norm, "")
}

// foreignSignIn is an interactive sign-in (device code page, authorize page)
// to target by upn, a user of another tenant: a guest signs in as their guest
// account u (the caller evaluates consent as for a member); a partner's
// delegated admin is u = sub.foreign, once the client is consented there
// (AADSTS90099 otherwise). sub names the home account for the tokens. The
// interactive sign-in completes MFA for target. A denial is an AADSTS code
// and its message; u is nil when upn is nobody's.
func (s *Server) foreignSignIn(target *Tenant, upn string, a *App, norm []string) (t *Tenant, u *simUser, sub *subject, code int, msg string) {
	home := s.tenantByUPN(upn)
	if home == nil || home == target || a == nil {
		return nil, nil, nil, 0, "" // nobody: the caller's AADSTS50034
	}
	home.mu.Lock()
	hu := home.userByUPNLocked(upn)
	homeUserID := ""
	if hu != nil {
		homeUserID = hu.ID
	}
	home.mu.Unlock()
	if hu == nil {
		return nil, nil, nil, 0, ""
	}
	acc, _, c, desc := s.crossTenantDenial(target, home, homeUserID, upn, a, []string{target.id})
	if c != 0 {
		return nil, nil, nil, c, fmt.Sprintf("AADSTS%d: %s", c, desc)
	}
	if acc.guestID != "" {
		// The guest signs in as their guest account; consent is evaluated
		// for it as for members (the caller does).
		target.mu.Lock()
		defer target.mu.Unlock()
		return target, target.users[acc.guestID], &subject{t: target, userID: acc.guestID, home: home,
			homeUserID: homeUserID, mfa: []string{home.id, target.id}}, 0, ""
	}
	target.mu.Lock()
	var consented []string
	if clientSP := target.spByAppLocked(a.AppID); clientSP != nil {
		consented = target.grantedLocked(clientSP, acc.principalID())
	}
	target.mu.Unlock()
	if missing := minusFold(minusFold(norm, oidcScopes), consented); len(missing) > 0 {
		return nil, nil, nil, 90099, "AADSTS90099: " + partnerNotAuthorized(a, target)
	}
	return target, acc.foreign, &subject{t: target, userID: acc.principalID(), foreign: acc.foreign, home: home,
		homeUserID: homeUserID, mfa: []string{home.id, target.id}}, 0, ""
}

// signInUser finds who signs in to fixed (nil: organizations or common) as
// upn: a member (userTenant), or a user of another tenant (foreignSignIn,
// visitor set). u is nil when nobody is found; code is set when a user of
// another tenant is refused there.
func (s *Server) signInUser(fixed *Tenant, upn string, a *App, norm []string) (t *Tenant, u *simUser, visitor *subject, code int, msg string) {
	if t, u = s.userTenant(fixed, upn); u != nil || fixed == nil {
		return t, u, nil, 0, ""
	}
	return s.foreignSignIn(fixed, upn, a, norm)
}

package sim

import (
	"consentwiz/graph/entra"
	"slices"
	"strings"
)

// Permission grant policies are data: the Graph endpoints serve the same
// condition sets the end-user evaluation applies (docs/entra.md A2).

func cond(permType, classification, resource string, perms []string) entra.PermissionGrantConditionSet {
	if resource == "" {
		resource = "any"
	}
	if len(perms) == 0 {
		perms = []string{"all"}
	}
	if classification == "" {
		classification = "all"
	}
	return entra.PermissionGrantConditionSet{
		PermissionType: permType, PermissionClassification: classification, ResourceApplication: resource,
		Permissions: perms, ClientApplicationIDs: []string{"all"}, ClientApplicationTenantIDs: []string{"all"},
		ClientApplicationPublisherIDs: []string{"all"},
	}
}

func builtinPolicies(tenantID string) map[string]*grantPolicy {
	ps := map[string]*grantPolicy{}
	add := func(p *grantPolicy) {
		for i := range p.Includes {
			p.Includes[i].ID = policyCondID(p.ID, "i", i)
		}
		for i := range p.Excludes {
			p.Excludes[i].ID = policyCondID(p.ID, "e", i)
		}
		ps[strings.ToLower(p.ID)] = p
	}
	// -low (permissiongrantpolicy-get.md example, configure-user-consent.md):
	// verified publishers or apps registered in this tenant, and only
	// permissions classified low; no excludes.
	lowVerified := cond("delegated", "low", "", nil)
	lowVerified.ClientApplicationsFromVerifiedPublisherOnly = true
	lowOwn := cond("delegated", "low", "", nil)
	lowOwn.ClientApplicationTenantIDs = []string{tenantID}
	add(&grantPolicy{ID: entra.PolicyLow, DisplayName: "Default User Low Risk Policy",
		Description: "All low risk permissions consentable by member type users by default.",
		Includes:    []entra.PermissionGrantConditionSet{lowVerified, lowOwn}})
	// docs/entra.md A1: legacy "Allow user consent for apps": any user-consentable delegated permission.
	add(&grantPolicy{ID: entra.PolicyLegacy, DisplayName: "Default User Legacy Policy",
		Description: "All user consentable permissions consentable by member type users by default.",
		Includes:    []entra.PermissionGrantConditionSet{cond("delegatedUserConsentable", "", "", nil)}})
	// manage-app-consent-policies.md (ms.date 01/22/2026), "Microsoft recommended
	// current settings": any user-consentable delegated permission except the
	// documented list, one exclude condition set per resource; no publisher
	// condition. The list is assets/managed_policy.json.
	var excludes, mailIncludes []entra.PermissionGrantConditionSet
	var mailApps []string
	for _, a := range documented.MailClients.Apps {
		mailApps = append(mailApps, a.AppID)
	}
	for _, r := range documented.Excluded {
		ids := documentedIDs(r.ResourceAppID, r.Permissions)
		excludes = append(excludes, cond("delegated", "", r.ResourceAppID, ids))
		// "Mail client policy": the same permissions, for the listed apps only.
		mail := cond("delegated", "", r.ResourceAppID, ids)
		mail.ClientApplicationIDs = mailApps
		mailIncludes = append(mailIncludes, mail)
	}
	add(&grantPolicy{ID: documented.PolicyID, DisplayName: "Microsoft User Default Recommended Policy",
		Description: "Permissions consentable based on Microsoft's current recommendations.",
		Includes:    []entra.PermissionGrantConditionSet{cond("delegatedUserConsentable", "", "", nil)},
		Excludes:    excludes})
	// The built-in list spells the mail-client policy
	// microsoft-user-default-allow-consent-apps (docs/entra.md 0).
	add(&grantPolicy{ID: documented.MailClients.PolicyID, DisplayName: "Popular mail clients consentable for users",
		Description: "Popular mail clients consentable for users", Includes: mailIncludes})
	// docs/entra.md A2/A7: what Application/Cloud Application Administrators may grant:
	// everything except Microsoft Graph app roles.
	add(&grantPolicy{ID: "microsoft-application-admin", DisplayName: "Application Administrator",
		Description: "Permissions consentable by Application Administrators.",
		Includes:    []entra.PermissionGrantConditionSet{cond("delegated", "", "", nil), cond("application", "", "", nil)},
		Excludes:    []entra.PermissionGrantConditionSet{cond("application", "", entra.MicrosoftGraphAppID, nil)}})
	add(&grantPolicy{ID: "microsoft-company-admin", DisplayName: "Company Administrator",
		Description: "Permissions consentable by Company Administrators.",
		Includes:    []entra.PermissionGrantConditionSet{cond("delegated", "", "", nil), cond("application", "", "", nil)}})
	add(&grantPolicy{ID: "microsoft-all-application-permissions", DisplayName: "All application permissions",
		Description: "Includes all application permissions (app roles), for all APIs, for any client application.",
		Includes:    []entra.PermissionGrantConditionSet{cond("application", "", "", nil)}})
	for _, kind := range []string{"team", "chat"} {
		add(&grantPolicy{ID: "microsoft-dynamically-managed-permissions-for-" + kind,
			DisplayName: "Dynamically managed permissions for " + kind,
			Description: "Permissions consentable by " + kind + " owners (resource-specific consent)."})
	}
	return ps
}

// documentedIDs maps documented permission values of a resource to the
// permission ids the simulated resource exposes (values compare
// case-insensitively: the page writes MailBoxFolder.Read).
func documentedIDs(resourceAppID string, values []string) []string {
	var scopes []entra.PermissionScope
	switch {
	case strings.EqualFold(resourceAppID, entra.MicrosoftGraphAppID):
		scopes = graphScopes()
	case strings.EqualFold(resourceAppID, ExchangeOnlineAppID):
		scopes = exchangeOnlineScopes()
	}
	var ids []string
	for _, v := range values {
		for _, s := range scopes {
			if strings.EqualFold(s.Value, v) {
				ids = append(ids, s.ID)
			}
		}
	}
	return ids
}

func policyCondID(policy, kind string, i int) string {
	// Stable GUID-shaped ids derived from the policy id.
	h := 0
	for _, c := range policy + kind {
		h = h*31 + int(c)
	}
	if h < 0 {
		h = -h
	}
	return strings.ToLower(
		hex8(uint32(h)) + "-" + hex4(uint16(i)) + "-4000-8000-" + hex8(uint32(h>>3)) + hex4(uint16(len(policy))))
}

func hex8(v uint32) string { return hexN(uint64(v), 8) }
func hex4(v uint16) string { return hexN(uint64(v), 4) }
func hexN(v uint64, n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		b[i] = digits[v&0xf]
		v >>= 4
	}
	return string(b)
}

// permRef is one permission being consented to.
type permRef struct {
	resource    *entra.ServicePrincipal
	scope       *entra.PermissionScope // delegated
	role        *entra.AppRole         // application
	client      *App
	clientOwner string
}

func allOr(list []string, v string) bool {
	if len(list) == 0 || containsFold(list, "all") {
		return true
	}
	return containsFold(list, v)
}

// matches reports whether a condition set matches a permission (docs/entra.md A2 fields).
func (t *Tenant) condMatchesLocked(c entra.PermissionGrantConditionSet, p permRef) bool {
	switch strings.ToLower(c.PermissionType) {
	case "delegated":
		if p.scope == nil {
			return false
		}
	case "delegateduserconsentable":
		if p.scope == nil || !strings.EqualFold(p.scope.Type, "User") {
			return false
		}
	case "application":
		if p.role == nil {
			return false
		}
	default:
		return false
	}
	if c.ResourceApplication != "" && !strings.EqualFold(c.ResourceApplication, "any") &&
		!strings.EqualFold(c.ResourceApplication, p.resource.AppID) {
		return false
	}
	permID := ""
	if p.scope != nil {
		permID = p.scope.ID
	} else {
		permID = p.role.ID
	}
	if !allOr(c.Permissions, permID) {
		return false
	}
	if cl := strings.ToLower(c.PermissionClassification); cl != "" && cl != "all" {
		if p.scope == nil || !strings.EqualFold(t.classificationLocked(p.resource.ID, p.scope.ID), cl) {
			return false
		}
	}
	if !allOr(c.ClientApplicationIDs, p.client.AppID) || !allOr(c.ClientApplicationTenantIDs, p.client.OwnerTenantID) {
		return false
	}
	pubID := ""
	if p.client.VerifiedPublisher != nil {
		pubID = p.client.VerifiedPublisher.VerifiedPublisherID
	}
	if !allOr(c.ClientApplicationPublisherIDs, pubID) {
		return false
	}
	if c.ClientApplicationsFromVerifiedPublisherOnly && !p.client.verified() {
		return false
	}
	return true
}

func (t *Tenant) classificationLocked(resourceSPID, permID string) string {
	for _, c := range t.classifications[resourceSPID] {
		if strings.EqualFold(c.PermissionID, permID) {
			return c.Classification
		}
	}
	return ""
}

// policyApprovesLocked reports whether the policy approves the permission: it
// matches at least one include condition set and no exclude condition set
// (manage-app-consent-policies.md, "App consent policy segments").
func (t *Tenant) policyApprovesLocked(p *grantPolicy, pr permRef) bool {
	inc := slices.ContainsFunc(p.Includes, func(c entra.PermissionGrantConditionSet) bool { return t.condMatchesLocked(c, pr) })
	exc := slices.ContainsFunc(p.Excludes, func(c entra.PermissionGrantConditionSet) bool { return t.condMatchesLocked(c, pr) })
	return inc && !exc
}

// policiesApproveLocked reports whether the assigned policies let the user
// consent to every permission. "Each policy is evaluated separately (as in, an
// exclusion from one policy does not affect inclusions of another policy) and
// the user only needs one policy to approve" (manage-app-consent-policies.md,
// "Multiple policies"). The simulator applies that per permission: the
// reading under which the documented mail-client policy lets a listed mail app
// that also asks for offline_access be consented (Microsoft does not spell
// out the unit of evaluation).
func (t *Tenant) policiesApproveLocked(policyIDs []string, perms []permRef) bool {
	for _, pr := range perms {
		if !slices.ContainsFunc(policyIDs, func(id string) bool {
			p := t.policies[strings.ToLower(id)]
			return p != nil && t.policyApprovesLocked(p, pr)
		}) {
			return false
		}
	}
	return len(policyIDs) > 0
}

// selfConsentPolicyIDsLocked returns the user consent policy ids assigned to
// the default user role: entries with the managePermissionGrantsForSelf.
// prefix, matched case-insensitively (docs/entra.md A1: casing varies).
func (t *Tenant) selfConsentPolicyIDsLocked() []string {
	var ids []string
	for _, v := range t.authz.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned {
		if len(v) > len(entra.SelfConsentPrefix) && strings.EqualFold(v[:len(entra.SelfConsentPrefix)], entra.SelfConsentPrefix) {
			ids = append(ids, v[len(entra.SelfConsentPrefix):])
		}
	}
	return ids
}

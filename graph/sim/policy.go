package sim

import (
	"consentwiz/graph/entra"
	"slices"
	"strings"
)

// Permission grant policies are data: the Graph endpoints serve the same
// condition sets the end-user evaluation applies (ENTRA.md A2).

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
	// ENTRA.md B3: -low allows verified publishers or apps registered in this
	// tenant, and only permissions classified low.
	lowVerified := cond("delegated", "low", "", nil)
	lowVerified.ClientApplicationsFromVerifiedPublisherOnly = true
	lowOwn := cond("delegated", "low", "", nil)
	lowOwn.ClientApplicationTenantIDs = []string{tenantID}
	add(&grantPolicy{ID: entra.PolicyLow, DisplayName: "Default User Low Policy",
		Description: "All low risk permissions consentable by member type users by default.",
		Includes:    []entra.PermissionGrantConditionSet{lowVerified, lowOwn}})
	// ENTRA.md A1: legacy "Allow user consent for apps": any user-consentable delegated permission.
	add(&grantPolicy{ID: entra.PolicyLegacy, DisplayName: "Default User Legacy Policy",
		Description: "All user consentable permissions consentable by member type users by default.",
		Includes:    []entra.PermissionGrantConditionSet{cond("delegatedUserConsentable", "", "", nil)}})
	// ENTRA.md B4: the managed policy excludes the Graph mail/calendar/files scopes.
	var excluded []string
	for _, s := range graphScopes() {
		if containsFold(managedExcludedScopes, s.Value) {
			excluded = append(excluded, s.ID)
		}
	}
	add(&grantPolicy{ID: entra.PolicyManagedRecommended, DisplayName: "Microsoft User Default Recommended Policy",
		Description: "Permissions consentable based on Microsoft's current recommendations.",
		Includes:    []entra.PermissionGrantConditionSet{cond("delegatedUserConsentable", "", "", nil)},
		Excludes:    []entra.PermissionGrantConditionSet{cond("delegated", "", entra.MicrosoftGraphAppID, excluded)}})
	// ENTRA.md B4: the mail-client policy (spelling as seen in tenant data).
	mail := cond("delegatedUserConsentable", "", "", nil)
	mail.ClientApplicationIDs = append([]string(nil), mailClientAppIDs...)
	add(&grantPolicy{ID: "microsoft-user-default-allow-consent-apps", DisplayName: "Allow consent for popular mail clients",
		Description: "Mail clients users may consent to.", Includes: []entra.PermissionGrantConditionSet{mail}})
	// ENTRA.md A2/A7: what Application/Cloud Application Administrators may grant:
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

// matches reports whether a condition set matches a permission (ENTRA.md A2 fields).
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

// policyApprovesLocked reports whether the policy approves every permission:
// some include matches and no exclude matches (ENTRA.md A2).
func (t *Tenant) policyApprovesLocked(p *grantPolicy, perms []permRef) bool {
	for _, pr := range perms {
		inc := slices.ContainsFunc(p.Includes, func(c entra.PermissionGrantConditionSet) bool { return t.condMatchesLocked(c, pr) })
		exc := slices.ContainsFunc(p.Excludes, func(c entra.PermissionGrantConditionSet) bool { return t.condMatchesLocked(c, pr) })
		if !inc || exc {
			return false
		}
	}
	return true
}

// selfConsentPolicyIDsLocked returns the user consent policy ids assigned to
// the default user role: entries with the managePermissionGrantsForSelf.
// prefix, matched case-insensitively (ENTRA.md A1: casing varies).
func (t *Tenant) selfConsentPolicyIDsLocked() []string {
	var ids []string
	for _, v := range t.authz.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned {
		if len(v) > len(entra.SelfConsentPrefix) && strings.EqualFold(v[:len(entra.SelfConsentPrefix)], entra.SelfConsentPrefix) {
			ids = append(ids, v[len(entra.SelfConsentPrefix):])
		}
	}
	return ids
}

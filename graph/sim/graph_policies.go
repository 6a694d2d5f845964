package sim

import (
	"consentwiz/graph/entra"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// ---- policies ---------------------------------------------------------------------

type authzJSON struct {
	entra.AuthorizationPolicy
	Description string `json:"description"`
	// Beta only (docs/entra.md A1).
	PermissionGrantPolicyIdsAssignedToDefaultUserRole []string `json:"permissionGrantPolicyIdsAssignedToDefaultUserRole,omitempty"`
}

func (g *greq) authzView() authzJSON {
	v := authzJSON{AuthorizationPolicy: copyAuthz(g.t.authz), Description: "Used to manage authorization related settings across the company."}
	if g.version == "beta" {
		v.PermissionGrantPolicyIdsAssignedToDefaultUserRole = append([]string{}, g.t.authz.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned...)
	}
	return v
}

// authzPatchableFields are the authorizationPolicy properties a PATCH may
// carry that the simulator accepts and ignores.
var authzPatchableFields = []string{"displayName", "description", "allowUserConsentForRiskyApps", "defaultUserRolePermissions",
	"allowedToSignUpEmailBasedSubscriptions", "allowedToUseSSPR", "allowEmailVerifiedUsersToJoinOrganization",
	"blockMsolPowerShell", "guestUserRoleId", "allowInvitesFrom", "allowedToUseSspr"}

// getAuthz: v1.0 serves the object; beta serves /policies/authorizationPolicy
// as a collection and /authorizationPolicy/authorizationPolicy as the object.
func (g *greq) getAuthz(params) gresp {
	if g.version == "beta" {
		return g.collection([]item{{v: g.authzView()}}, "policies/authorizationPolicy")
	}
	return g.getAuthzObject(nil)
}

func (g *greq) getAuthzObject(params) gresp {
	return g.object(http.StatusOK, g.authzView(), "policies/authorizationPolicy/$entity")
}

func (g *greq) getACRP(params) gresp {
	return g.object(http.StatusOK, g.t.acrp, "policies/adminConsentRequestPolicy/$entity")
}

// patchAuthz merges the body into the authorization policy; 204 (docs/entra.md A1).
func (g *greq) patchAuthz(params) gresp {
	m, e := g.decodeBody()
	if e != nil {
		return *e
	}
	next := copyAuthz(g.t.authz)
	for k, raw := range m {
		if strings.HasPrefix(k, "@odata") || k == "id" {
			continue
		}
		switch {
		case k == "allowUserConsentForRiskyApps":
			var b bool
			if json.Unmarshal(raw, &b) != nil {
				return badRequest("Invalid value for property 'allowUserConsentForRiskyApps'.")
			}
			next.AllowUserConsentForRiskyApps = &b
		case k == "displayName":
			_ = json.Unmarshal(raw, &next.DisplayName)
		case k == "defaultUserRolePermissions":
			var d map[string]json.RawMessage
			if json.Unmarshal(raw, &d) != nil || d == nil {
				return badRequest("Invalid value for property 'defaultUserRolePermissions'.")
			}
			for dk, dv := range d {
				switch dk {
				case "permissionGrantPoliciesAssigned":
					var ids []string
					if string(dv) == "null" || json.Unmarshal(dv, &ids) != nil {
						return badRequest("Invalid value for property 'permissionGrantPoliciesAssigned'.")
					}
					// docs/entra.md A1: casing varies in the wild — stored exactly as sent.
					next.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned = append([]string{}, ids...)
				case "allowedToCreateApps":
					_ = json.Unmarshal(dv, &next.DefaultUserRolePermissions.AllowedToCreateApps)
				case "allowedToCreateSecurityGroups", "allowedToCreateTenants", "allowedToReadBitlockerKeysForOwnedDevice", "allowedToReadOtherUsers":
				default:
					return badRequest(fmt.Sprintf("Property '%s' does not exist as a declared property or extension property.", dk))
				}
			}
		case k == "permissionGrantPolicyIdsAssignedToDefaultUserRole" && g.version == "beta":
			var ids []string
			if json.Unmarshal(raw, &ids) != nil {
				return badRequest("Invalid value for property 'permissionGrantPolicyIdsAssignedToDefaultUserRole'.")
			}
			next.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned = append([]string{}, ids...)
		case containsFold(authzPatchableFields, k):
		default:
			return badRequest(fmt.Sprintf("Property '%s' does not exist as a declared property or extension property.", k))
		}
	}
	if g.t.ignoreAuthzWrites {
		// docs/entra.md A1 [UNVERIFIED]: "accepted, answered 204 and discarded".
		return noContent()
	}
	g.t.authz = next
	g.s.mu.Lock()
	concurrent := g.s.faults.ConcurrentChange
	g.s.faults.ConcurrentChange = false
	g.s.mu.Unlock()
	if concurrent {
		// Another admin changes the setting right after our write.
		other := entra.SelfConsentPrefix + entra.PolicyLow
		if containsFold(g.t.authz.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned, other) {
			other = entra.SelfConsentPrefix + entra.PolicyLegacy
		}
		var kept []string
		for _, v := range g.t.authz.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned {
			if len(v) >= len(entra.OwnedResourceConsentPrefix) && strings.EqualFold(v[:len(entra.OwnedResourceConsentPrefix)], entra.OwnedResourceConsentPrefix) {
				kept = append(kept, v)
			}
		}
		g.t.authz.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned = append([]string{other}, kept...)
	}
	return noContent()
}

// putACRP replaces the consent request policy (docs/entra.md A3: full object, GA, 204).
func (g *greq) putACRP(params) gresp {
	m, e := g.decodeBody()
	if e != nil {
		return *e
	}
	known := []string{"id", "isEnabled", "notifyReviewers", "remindersEnabled", "requestDurationInDays", "reviewers", "version"}
	for k := range m {
		if !strings.HasPrefix(k, "@odata") && !containsFold(known, k) {
			return badRequest(fmt.Sprintf("Property '%s' does not exist as a declared property or extension property.", k))
		}
	}
	var p entra.AdminConsentRequestPolicy
	if err := json.Unmarshal(g.body, &p); err != nil {
		return badRequest("Invalid adminConsentRequestPolicy: " + err.Error())
	}
	// An enabled workflow without reviewers is accepted: Microsoft documents no
	// such check, and a live tenant read back isEnabled true with reviewers []
	// (docs/entra.md 0; the diagnosis warns that nobody can approve).
	if p.RequestDurationInDays < 0 {
		return badRequest("requestDurationInDays must not be negative.")
	}
	for _, r := range p.Reviewers {
		if !strings.HasPrefix(r.Query, "/") || !strings.EqualFold(r.QueryType, "MicrosoftGraph") {
			return badRequest(fmt.Sprintf("Invalid reviewer scope query '%s' (queryType must be MicrosoftGraph).", r.Query))
		}
	}
	v := g.t.acrp.Version + 1
	p.ID, p.Version = "adminConsentRequestPolicy", v
	if p.IsEnabled && !g.t.acrp.IsEnabled {
		// "It can take up to an hour for the workflow to become enabled" (lag.go).
		f := g.s.CurrentFaults()
		if d, ok := g.t.newDelay(f.WorkflowDelayRequests, f.WorkflowDelayMs); ok {
			g.t.workflowDelay = &d
		}
	}
	if p.Reviewers == nil {
		p.Reviewers = []entra.ReviewerScope{}
	}
	g.t.acrp = p
	return noContent()
}

type policyJSON struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	Description string `json:"description"`
}

func (g *greq) listGrantPolicies(params) gresp {
	var items []item
	for _, id := range sortedKeys(g.t.policies) {
		p := g.t.policies[id]
		items = append(items, item{v: policyJSON{p.ID, p.DisplayName, p.Description}})
	}
	return g.collection(items, "policies/permissionGrantPolicies")
}

func (g *greq) getGrantPolicy(p params) gresp {
	pol := g.t.policies[strings.ToLower(p["policy"])]
	if pol == nil {
		return notFound(p["policy"])
	}
	return g.object(http.StatusOK, policyJSON{pol.ID, pol.DisplayName, pol.Description}, "policies/permissionGrantPolicies/$entity")
}

// grantPolicySets serves a policy's includes or excludes (the last path segment).
func (g *greq) grantPolicySets(p params) gresp {
	pol := g.t.policies[strings.ToLower(p["policy"])]
	if pol == nil {
		return notFound(p["policy"])
	}
	which := g.path[strings.LastIndex(g.path, "/")+1:]
	sets := pol.Includes
	if which == "excludes" {
		sets = pol.Excludes
	}
	items := make([]item, 0, len(sets))
	for _, c := range sets {
		items = append(items, item{v: c})
	}
	return g.collection(items, "policies/permissionGrantPolicies('"+pol.ID+"')/"+which)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

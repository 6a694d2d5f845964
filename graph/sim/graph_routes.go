package sim

import (
	"consentwiz/graph/entra"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// ---- what each call requires ------------------------------------------------------
//
// The scope and role sets are written from Microsoft's Graph permission tables
// and role docs (docs/entra.md A1–A7), independently of the client's endpoint
// table in graph/entra: the client's least-privilege claims are checked
// against this server, so the two must never share code.

var (
	rolesRead         = []string{entra.RoleGlobalAdmin, entra.RoleGlobalReader, entra.RoleCloudApplicationAdmin, entra.RoleApplicationAdmin, entra.RolePrivilegedRoleAdmin}
	rolesRequestsRead = []string{entra.RoleGlobalAdmin, entra.RoleGlobalReader, entra.RoleCloudApplicationAdmin, entra.RoleApplicationAdmin} // A4
	rolesAuthzWrite   = []string{entra.RolePrivilegedRoleAdmin, entra.RoleGlobalAdmin}                                                       // A1
	rolesGA           = []string{entra.RoleGlobalAdmin}                                                                                      // A3
	rolesAppWrite     = []string{entra.RoleCloudApplicationAdmin, entra.RoleApplicationAdmin, entra.RolePrivilegedRoleAdmin, entra.RoleGlobalAdmin}
	// rolesSPCreate may create a service principal for a multitenant app:
	// Cloud Application Administrator or Application Administrator
	// (create-service-principal-cross-tenant.md), or Global Administrator.
	rolesSPCreate = []string{entra.RoleCloudApplicationAdmin, entra.RoleApplicationAdmin, entra.RoleGlobalAdmin}
	// rolesGraphAppRoles may grant Microsoft Graph app roles (docs/entra.md A7).
	rolesGraphAppRoles = []string{entra.RolePrivilegedRoleAdmin, entra.RoleGlobalAdmin}
	rolesClassify      = []string{entra.RoleCloudApplicationAdmin, entra.RoleApplicationAdmin, entra.RoleGlobalAdmin} // A5
	scAuthzRead        = []string{"Policy.Read.All", "Policy.ReadWrite.Authorization"}
	scAuthzWrite       = []string{"Policy.ReadWrite.Authorization"}
	scACRPRead         = []string{"Policy.Read.All", "Policy.ReadWrite.ConsentRequest"}
	scACRPWrite        = []string{"Policy.ReadWrite.ConsentRequest", "Directory.ReadWrite.All"}
	scPGPRead          = []string{"Policy.Read.PermissionGrant", "Policy.ReadWrite.PermissionGrant", "Policy.Read.All"}
	scAppRead          = []string{"Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
	scAppWrite         = []string{"Application.ReadWrite.All", "Directory.ReadWrite.All"}
	scGrantRead        = []string{"DelegatedPermissionGrant.Read.All", "DelegatedPermissionGrant.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All", "Application.Read.All", "Application.ReadWrite.All"}
	scGrantWrite       = []string{"DelegatedPermissionGrant.ReadWrite.All", "Directory.ReadWrite.All"}
	scAssignRead       = []string{"Application.Read.All", "Application.ReadWrite.All", "AppRoleAssignment.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
	scAssignWrite      = []string{"AppRoleAssignment.ReadWrite.All", "Directory.ReadWrite.All"}
	scClassifyRead     = []string{"Policy.Read.PermissionGrant", "Policy.ReadWrite.PermissionGrant", "Application.Read.All", "Directory.Read.All"}
	scClassifyWrite    = []string{"Policy.ReadWrite.PermissionGrant"}
	scRequestsRead     = []string{"ConsentRequest.Read.All", "ConsentRequest.ReadWrite.All"}
	scMe               = []string{"User.Read", "User.ReadWrite", "User.ReadBasic.All", "User.Read.All", "Directory.Read.All"}
	scMemberOf         = []string{"User.Read", "GroupMember.Read.All", "Group.Read.All", "User.Read.All", "Directory.Read.All"}
	scOrg              = []string{"User.Read", "Organization.Read.All", "Directory.Read.All"}
	scUsers            = []string{"User.ReadBasic.All", "User.Read.All", "Directory.Read.All"}
	scGroups           = []string{"Group.Read.All", "GroupMember.Read.All", "Directory.Read.All"}
)

// route is one Graph operation the simulator serves. pattern segments in
// braces match any one segment ("{sp}" also matches the alternate key
// servicePrincipals(appId='…'), docs/entra.md A5). scopes: the token must hold
// one of them; roles: the signed-in user must hold one of them (nil: any
// user). A nil scopes means the handler checks (it says why).
type route struct {
	method  string
	pattern string
	version string // "" any, "beta" beta only
	scopes  []string
	roles   []string
	handle  func(g *greq, p params) gresp
	source  string
}

// params are the pattern's brace segments, by name.
type params map[string]string

var routes = []route{
	// Authorization policy: GET any reader role; PATCH Privileged Role Administrator.
	{"GET", "/policies/authorizationPolicy", "", scAuthzRead, rolesRead, (*greq).getAuthz, "docs/entra.md A1; beta serves a collection"},
	{"GET", "/policies/authorizationPolicy/authorizationPolicy", "beta", scAuthzRead, rolesRead, (*greq).getAuthzObject, "docs/entra.md A1 (beta object path)"},
	{"PATCH", "/policies/authorizationPolicy", "", scAuthzWrite, rolesAuthzWrite, (*greq).patchAuthz, "docs/entra.md A1"},
	{"PATCH", "/policies/authorizationPolicy/authorizationPolicy", "beta", scAuthzWrite, rolesAuthzWrite, (*greq).patchAuthz, "docs/entra.md A1 (beta object path)"},
	// Admin consent workflow: PUT the full object, Global Administrator only.
	{"GET", "/policies/adminConsentRequestPolicy", "", scACRPRead, rolesRead, (*greq).getACRP, "docs/entra.md A3"},
	{"PUT", "/policies/adminConsentRequestPolicy", "", scACRPWrite, rolesGA, (*greq).putACRP, "docs/entra.md A3 (PUT, not PATCH)"},
	// Permission grant (app consent) policies, read only.
	{"GET", "/policies/permissionGrantPolicies", "", scPGPRead, rolesRead, (*greq).listGrantPolicies, "docs/entra.md A2"},
	{"GET", "/policies/permissionGrantPolicies/{policy}", "", scPGPRead, rolesRead, (*greq).getGrantPolicy, "docs/entra.md A2"},
	{"GET", "/policies/permissionGrantPolicies/{policy}/includes", "", scPGPRead, rolesRead, (*greq).grantPolicySets, "docs/entra.md A2"},
	{"GET", "/policies/permissionGrantPolicies/{policy}/excludes", "", scPGPRead, rolesRead, (*greq).grantPolicySets, "docs/entra.md A2"},
	// Service principals.
	{"GET", "/servicePrincipals", "", scAppRead, rolesRead, (*greq).listServicePrincipals, "docs/entra.md A5"},
	{"POST", "/servicePrincipals", "", scAppWrite, rolesSPCreate, (*greq).createServicePrincipal, "create-service-principal-cross-tenant.md; docs/entra.md A5"},
	{"GET", "/servicePrincipals/{sp}", "", scAppRead, rolesRead, (*greq).getServicePrincipal, "docs/entra.md A5"},
	{"PATCH", "/servicePrincipals/{sp}", "", scAppWrite, rolesAppWrite, (*greq).patchSP, "docs/entra.md A5"},
	{"DELETE", "/servicePrincipals/{sp}", "", scAppWrite, rolesAppWrite, (*greq).deleteServicePrincipal, "docs/entra.md A5 (undo of grant-direct)"},
	{"GET", "/servicePrincipals/{sp}/oauth2PermissionGrants", "", scGrantRead, rolesRead, (*greq).spGrants, "docs/entra.md A6"},
	{"GET", "/servicePrincipals/{sp}/appRoleAssignments", "", scAssignRead, rolesRead, (*greq).spAssignments, "docs/entra.md A6"},
	{"GET", "/servicePrincipals/{sp}/appRoleAssignedTo", "", scAssignRead, rolesRead, (*greq).spAssignedTo, "docs/entra.md A6"},
	// Assignments to Microsoft Graph's app roles also need rolesGraphAppRoles (checked in the handler, docs/entra.md A7).
	{"POST", "/servicePrincipals/{sp}/appRoleAssignedTo", "", scAssignWrite, rolesAppWrite, (*greq).createAssignment, "docs/entra.md A6, A7"},
	{"DELETE", "/servicePrincipals/{sp}/appRoleAssignedTo/{id}", "", scAssignWrite, rolesAppWrite, (*greq).deleteAssignment, "docs/entra.md A6, A7"},
	{"GET", "/servicePrincipals/{sp}/delegatedPermissionClassifications", "", scClassifyRead, rolesRead, (*greq).listClassifications, "docs/entra.md A5"},
	{"POST", "/servicePrincipals/{sp}/delegatedPermissionClassifications", "", scClassifyWrite, rolesClassify, (*greq).createClassification, "docs/entra.md A5"},
	{"DELETE", "/servicePrincipals/{sp}/delegatedPermissionClassifications/{id}", "", scClassifyWrite, rolesClassify, (*greq).deleteClassification, "docs/entra.md A5"},
	// Delegated permission grants.
	{"GET", "/oauth2PermissionGrants", "", scGrantRead, rolesRead, (*greq).listGrants, "docs/entra.md A6"},
	{"POST", "/oauth2PermissionGrants", "", scGrantWrite, rolesAppWrite, (*greq).createGrant, "docs/entra.md A6"},
	{"GET", "/oauth2PermissionGrants/{id}", "", scGrantRead, rolesRead, (*greq).getGrant, "docs/entra.md A6"},
	{"PATCH", "/oauth2PermissionGrants/{id}", "", scGrantWrite, rolesAppWrite, (*greq).patchGrant, "docs/entra.md A6"},
	{"DELETE", "/oauth2PermissionGrants/{id}", "", scGrantWrite, rolesAppWrite, (*greq).deleteGrant, "docs/entra.md A6"},
	// Admin consent requests.
	{"GET", "/identityGovernance/appConsent/appConsentRequests", "", scRequestsRead, rolesRequestsRead, (*greq).listRequests, "docs/entra.md A4"},
	{"GET", "/identityGovernance/appConsent/appConsentRequests/{req}", "", scRequestsRead, rolesRequestsRead, (*greq).getRequest, "docs/entra.md A4"},
	{"GET", "/identityGovernance/appConsent/appConsentRequests/{req}/userConsentRequests", "", scRequestsRead, rolesRequestsRead, (*greq).listUserRequests, "docs/entra.md A4"},
	{"GET", "/identityGovernance/appConsent/appConsentRequests/{req}/userConsentRequests/{id}", "", scRequestsRead, rolesRequestsRead, (*greq).getUserRequest, "docs/entra.md A4"},
	// Sign-in logs. scopes nil: AuditLog.Read.All, the licence (Directory.Read.All
	// reads it) and a reports role are checked in the handler, in that order.
	{"GET", "/auditLogs/signIns", "", nil, nil, (*greq).listSignIns, "signin-list.md, signin.md; docs/entra.md H"},
	// Directory: any signed-in user with the scope.
	{"GET", "/me", "", scMe, nil, (*greq).getMe, "docs/entra.md A7"},
	{"GET", "/me/memberOf", "", scMemberOf, nil, (*greq).memberOf, "docs/entra.md A7"},
	{"GET", "/me/memberOf/{cast}", "", scMemberOf, nil, (*greq).memberOf, "docs/entra.md A7"},
	{"GET", "/me/transitiveMemberOf", "", scMemberOf, nil, (*greq).memberOf, "docs/entra.md A7"},
	{"GET", "/me/transitiveMemberOf/{cast}", "", scMemberOf, nil, (*greq).memberOf, "docs/entra.md A7"},
	{"GET", "/organization", "", scOrg, nil, (*greq).listOrganization, "docs/entra.md C2"},
	{"GET", "/organization/{id}", "", scOrg, nil, (*greq).getOrganization, "docs/entra.md C2"},
	{"GET", "/users", "", scUsers, nil, (*greq).listUsers, "docs/entra.md A3 (reviewer picker)"},
	// scopes nil: scUsers, or scMe when {user} is the signed-in user (checked in the handler).
	{"GET", "/users/{user}", "", nil, nil, (*greq).getUser, "docs/entra.md A3 (reviewer picker)"},
	{"GET", "/users/{user}/memberOf", "", scMemberOf, nil, (*greq).memberOf, "docs/entra.md A7"},
	{"GET", "/users/{user}/memberOf/{cast}", "", scMemberOf, nil, (*greq).memberOf, "docs/entra.md A7"},
	{"GET", "/users/{user}/transitiveMemberOf", "", scMemberOf, nil, (*greq).memberOf, "docs/entra.md A7"},
	{"GET", "/users/{user}/transitiveMemberOf/{cast}", "", scMemberOf, nil, (*greq).memberOf, "docs/entra.md A7"},
	{"GET", "/groups", "", scGroups, nil, (*greq).listGroups, "docs/entra.md A3 (reviewer picker)"},
	{"GET", "/groups/{id}", "", scGroups, nil, (*greq).getGroup, "docs/entra.md A3 (reviewer picker)"},
	{"GET", "/groups/{id}/members", "", scGroups, nil, (*greq).groupMembers, "group-list-members: GroupMember.Read.All (whether a reviewer group can approve, docs/entra.md A3)"},
}

// splitSegs splits a path into segments; the alternate key
// servicePrincipals(appId='…') becomes "servicePrincipals", "(appId='…')".
func splitSegs(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	var out []string
	for _, s := range strings.Split(p, "/") {
		if rest, ok := strings.CutPrefix(s, "servicePrincipals("); ok {
			out = append(out, "servicePrincipals", "("+rest)
			continue
		}
		out = append(out, s)
	}
	return out
}

// match reports whether segs fit the pattern, with the brace segments' values.
// depth is how many leading segments fit (for the error of an unknown segment).
func match(pattern string, segs []string) (params, int, bool) {
	pat := splitSegs(pattern)
	p := params{}
	n := 0
	for n < len(pat) && n < len(segs) {
		ps := pat[n]
		if strings.HasPrefix(ps, "{") {
			p[strings.Trim(ps, "{}")] = segs[n]
		} else if ps != segs[n] {
			break
		}
		n++
	}
	return p, n, n == len(pat) && n == len(segs)
}

func (g *greq) dispatch() gresp {
	segs := splitSegs(g.path)
	if len(segs) == 0 {
		return gerr(http.StatusBadRequest, "BadRequest", "Resource not found for the segment ''.")
	}
	pathFound, deepest := false, 0
	for _, r := range routes {
		if r.version != "" && r.version != g.version {
			continue
		}
		p, depth, ok := match(r.pattern, segs)
		deepest = max(deepest, depth)
		if !ok {
			continue
		}
		pathFound = true
		if r.method != g.method {
			continue
		}
		if r.scopes != nil {
			if e := g.need(r.scopes, r.roles); e != nil {
				return *e
			}
		}
		return r.handle(g, p)
	}
	if pathFound {
		return methodNotAllowed()
	}
	seg := segs[min(deepest, len(segs)-1)]
	return gerr(http.StatusBadRequest, "BadRequest", fmt.Sprintf("Resource not found for the segment '%s'.", seg))
}

func methodNotAllowed() gresp {
	return gerr(http.StatusMethodNotAllowed, "Request_BadRequest", "The requested HTTP method is not supported on this resource.")
}

func (g *greq) decodeBody() (map[string]json.RawMessage, *gresp) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(g.body, &m); err != nil || m == nil {
		r := badRequest("Invalid JSON body: " + fmt.Sprint(err))
		return nil, &r
	}
	return m, nil
}

package sim

import (
	"consentwiz/graph/entra"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// ---- service principals --------------------------------------------------------------

// spFields are the service principal properties $filter may name.
var spFields = fields[*entra.ServicePrincipal]{
	"appid":                func(s *entra.ServicePrincipal) string { return s.AppID },
	"displayname":          func(s *entra.ServicePrincipal) string { return s.DisplayName },
	"id":                   func(s *entra.ServicePrincipal) string { return s.ID },
	"serviceprincipaltype": func(s *entra.ServicePrincipal) string { return s.ServicePrincipalType },
}

func (g *greq) listServicePrincipals(params) gresp {
	cs, e := g.filterFor("eq:appId", "eq:displayName", "startswith:displayName", "eq:id", "eq:servicePrincipalType")
	if e != nil {
		return *e
	}
	sp, sv, e := g.search("displayName")
	if e != nil {
		return *e
	}
	var ids []string
	if appID, ok := clauseVal(cs, "eq", "appId"); ok {
		if id, ok := g.t.spByAppID[strings.ToLower(appID)]; ok {
			ids = []string{id}
		}
	} else {
		ids = g.t.spOrder
	}
	return g.pages(len(ids), func(i int) (item, bool) {
		s := g.t.sps[ids[i]]
		if s == nil || g.t.hiddenLocked(ids[i]) || !spFields.matches(s, cs) || (sp != "" && !matchText("search", s.DisplayName, sv)) {
			return item{}, false
		}
		return item{v: s}, true
	}, "servicePrincipals")
}

// resolveSP resolves "{id}" or "(appId='…')" (docs/entra.md A5 alternate key).
func (g *greq) resolveSP(key string) (*entra.ServicePrincipal, string) {
	if strings.HasPrefix(key, "(") {
		inner := strings.TrimSuffix(strings.TrimPrefix(key, "("), ")")
		k, v, ok := strings.Cut(inner, "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "appId") {
			return nil, key
		}
		v = strings.Trim(strings.TrimSpace(v), "'")
		return g.visibleSP(g.t.spByAppLocked(v)), "appId='" + v + "'"
	}
	return g.visibleSP(g.t.sps[key]), key
}

// visibleSP is sp, or nil while Graph does not see it yet (lag.go).
func (g *greq) visibleSP(sp *entra.ServicePrincipal) *entra.ServicePrincipal {
	if sp == nil || g.t.hiddenLocked(sp.ID) {
		return nil
	}
	return sp
}

func (g *greq) createServicePrincipal(params) gresp {
	var body struct {
		AppID string `json:"appId"`
	}
	if err := json.Unmarshal(g.body, &body); err != nil || body.AppID == "" {
		return badRequest("The request must specify the appId of the service principal.")
	}
	if g.t.spByAppLocked(body.AppID) != nil {
		// The app has its SP already: refused, nothing made (docs/entra.md A5).
		return gerr(http.StatusConflict, "Request_MultipleObjectsWithSameKeyValue",
			fmt.Sprintf("The service principal cannot be created, updated, or restored because the service principal name %s is already in use.", body.AppID))
	}
	if g.s.catalog.get(body.AppID) == nil {
		return badRequest(fmt.Sprintf("The appId '%s' of the service principal does not reference a valid application object.", body.AppID))
	}
	// docs/entra.md A5: create the SP of a multi-tenant app.
	sp := g.t.ensureSPLocked(body.AppID)
	g.created(sp.ID)
	r := g.object(http.StatusCreated, sp, "servicePrincipals/$entity")
	r.hdr = map[string]string{"Location": g.root + "/servicePrincipals/" + sp.ID}
	return r
}

// spParam resolves the {sp} segment; a nil service principal comes with a
// 404 answer naming the key.
func (g *greq) spParam(p params) (*entra.ServicePrincipal, *gresp) {
	sp, name := g.resolveSP(p["sp"])
	if sp == nil {
		r := notFound(name)
		return nil, &r
	}
	return sp, nil
}

func (g *greq) getServicePrincipal(p params) gresp {
	sp, e := g.spParam(p)
	if e != nil {
		return *e
	}
	return g.object(http.StatusOK, sp, "servicePrincipals/$entity")
}

// deleteServicePrincipal is the undo of grant-direct (docs/entra.md A5);
// Microsoft Graph's own service principal is not ours to delete.
func (g *greq) deleteServicePrincipal(p params) gresp {
	sp, e := g.spParam(p)
	if e != nil {
		return *e
	}
	if strings.EqualFold(sp.AppID, entra.MicrosoftGraphAppID) {
		return gerr(http.StatusBadRequest, "Request_BadRequest", "The service principal of a Microsoft first-party application cannot be deleted.")
	}
	g.t.deleteSPLocked(sp.ID)
	return noContent()
}

func (g *greq) spGrants(p params) gresp {
	sp, e := g.spParam(p)
	if e != nil {
		return *e
	}
	// The navigation takes the collection's documented $filter: clientId and
	// consentType, eq only (docs/entra.md A6); principalId and resourceId
	// are not documented as filterable.
	cs, e := g.filterFor("eq:clientId", "eq:consentType")
	if e != nil {
		return *e
	}
	ids := g.t.grantsByClient[sp.ID]
	if v, ok := clauseVal(cs, "eq", "consentType"); ok {
		ids = g.t.grantsByKind[grantKind(sp.ID, v)]
	}
	return g.grantItems(ids, cs)
}

func (g *greq) spAssignments(p params) gresp {
	sp, e := g.spParam(p)
	if e != nil {
		return *e
	}
	return g.assignItems(g.t.assignsByPrincipal[sp.ID], "servicePrincipals('"+sp.ID+"')/appRoleAssignments")
}

func (g *greq) spAssignedTo(p params) gresp {
	sp, e := g.spParam(p)
	if e != nil {
		return *e
	}
	return g.assignItems(g.t.assignsByResource[sp.ID], "servicePrincipals('"+sp.ID+"')/appRoleAssignedTo")
}

func (g *greq) patchSP(p params) gresp {
	sp, e := g.spParam(p)
	if e != nil {
		return *e
	}
	m, e := g.decodeBody()
	if e != nil {
		return *e
	}
	for k, v := range m {
		switch k {
		case "appRoleAssignmentRequired":
			if json.Unmarshal(v, &sp.AppRoleAssignmentRequired) != nil {
				return badRequest("Invalid value for property 'appRoleAssignmentRequired'.")
			}
		case "accountEnabled":
			var b bool
			if json.Unmarshal(v, &b) != nil {
				return badRequest("Invalid value for property 'accountEnabled'.")
			}
			sp.AccountEnabled = &b
		default:
			return badRequest(fmt.Sprintf("Property '%s' cannot be updated by the simulator.", k))
		}
	}
	return noContent()
}

func (g *greq) assignItems(ids []string, ctx string) gresp {
	return g.pages(len(ids), func(i int) (item, bool) {
		a := g.t.assigns[ids[i]]
		if a == nil || g.t.hiddenLocked(ids[i]) {
			return item{}, false
		}
		return item{v: a}, true
	}, ctx)
}

// assignmentResource resolves {sp}, the resource whose app roles are
// assigned: Microsoft Graph's app roles need Privileged Role Administrator or
// Global Administrator (docs/entra.md A7); other resources also allow Cloud
// Application and Application Administrators (the route's roles).
func (g *greq) assignmentResource(p params) (*entra.ServicePrincipal, *gresp) {
	res, name := g.resolveSP(p["sp"])
	if res == nil || strings.EqualFold(res.AppID, entra.MicrosoftGraphAppID) {
		if e := g.need(scAssignWrite, rolesGraphAppRoles); e != nil {
			return nil, e
		}
	}
	if res == nil {
		r := notFound(name)
		return nil, &r
	}
	return res, nil
}

// createAssignment: POST appRoleAssignedTo (docs/entra.md A6).
func (g *greq) createAssignment(p params) gresp {
	res, e := g.assignmentResource(p)
	if e != nil {
		return *e
	}
	var b entra.AppRoleAssignment
	if err := json.Unmarshal(g.body, &b); err != nil {
		return badRequest("Invalid appRoleAssignment: " + err.Error())
	}
	if !strings.EqualFold(b.ResourceID, res.ID) {
		return badRequest("The resourceId must be the service principal in the request URL.")
	}
	var ptype, pname string
	switch {
	case g.visibleSP(g.t.sps[b.PrincipalID]) != nil:
		ptype, pname = "ServicePrincipal", g.t.sps[b.PrincipalID].DisplayName
	case g.t.users[b.PrincipalID] != nil:
		ptype, pname = "User", g.t.users[b.PrincipalID].DisplayName
	case g.t.groups[b.PrincipalID] != nil:
		ptype, pname = "Group", g.t.groups[b.PrincipalID].DisplayName
	default:
		return notFound(b.PrincipalID)
	}
	if b.AppRoleID != DefaultAppRoleID && findAppRole(res, b.AppRoleID) == nil {
		return badRequest("Permission being assigned was not found on application")
	}
	for _, id := range g.t.assignsByPrincipal[b.PrincipalID] {
		if a := g.t.assigns[id]; a != nil && a.ResourceID == res.ID && strings.EqualFold(a.AppRoleID, b.AppRoleID) {
			return badRequest("Permission being assigned already exists on the object")
		}
	}
	a := g.t.addAssignmentLocked(b.AppRoleID, b.PrincipalID, ptype, pname, res)
	g.created(a.ID)
	return g.object(http.StatusCreated, a, "servicePrincipals('"+res.ID+"')/appRoleAssignedTo/$entity")
}

// deleteAssignment: DELETE servicePrincipals/{resource}/appRoleAssignedTo/{id}
// (undo of an app role grant), with the roles createAssignment needs.
func (g *greq) deleteAssignment(p params) gresp {
	res, e := g.assignmentResource(p)
	if e != nil {
		return *e
	}
	id := p["id"]
	a := g.t.assigns[id]
	if a == nil || a.ResourceID != res.ID || g.t.hiddenLocked(id) {
		return notFound(id)
	}
	g.t.deleteAssignmentLocked(id)
	return noContent()
}

func (g *greq) listClassifications(p params) gresp {
	sp, e := g.spParam(p)
	if e != nil {
		return *e
	}
	var items []item
	for _, c := range g.t.classifications[sp.ID] {
		if !g.t.hiddenLocked(c.ID) {
			items = append(items, item{v: c})
		}
	}
	return g.collection(items, "servicePrincipals('"+sp.ID+"')/delegatedPermissionClassifications")
}

func (g *greq) createClassification(p params) gresp {
	sp, e := g.spParam(p)
	if e != nil {
		return *e
	}
	var b entra.DelegatedPermissionClassification
	if err := json.Unmarshal(g.body, &b); err != nil {
		return badRequest("Invalid delegatedPermissionClassification: " + err.Error())
	}
	var ps *entra.PermissionScope
	for i := range sp.OAuth2PermissionScopes {
		s := &sp.OAuth2PermissionScopes[i]
		if (b.PermissionID != "" && strings.EqualFold(s.ID, b.PermissionID)) || (b.PermissionID == "" && strings.EqualFold(s.Value, b.PermissionName)) {
			ps = s
		}
	}
	if ps == nil {
		return badRequest("The permission was not found on the service principal.")
	}
	// docs/entra.md A5: only delegated permissions that do not require admin consent.
	if ps.Type != "User" {
		return badRequest(fmt.Sprintf("Permission '%s' requires admin consent and cannot be classified.", ps.Value))
	}
	if c := strings.ToLower(b.Classification); c != "low" && c != "medium" && c != "high" {
		return badRequest("classification must be low, medium or high.")
	}
	for _, c := range g.t.classifications[sp.ID] {
		if strings.EqualFold(c.PermissionID, ps.ID) {
			return badRequest(fmt.Sprintf("A classification for permission '%s' already exists.", ps.Value))
		}
	}
	c := entra.DelegatedPermissionClassification{ID: g.t.newGUID(), PermissionID: ps.ID, PermissionName: ps.Value, Classification: strings.ToLower(b.Classification)}
	g.t.classifications[sp.ID] = append(g.t.classifications[sp.ID], c)
	g.created(c.ID)
	return g.object(http.StatusCreated, c, "servicePrincipals('"+sp.ID+"')/delegatedPermissionClassifications/$entity")
}

func (g *greq) deleteClassification(p params) gresp {
	sp, e := g.spParam(p)
	if e != nil {
		return *e
	}
	list := g.t.classifications[sp.ID]
	for i, c := range list {
		if c.ID == p["id"] && !g.t.hiddenLocked(c.ID) {
			g.t.classifications[sp.ID] = append(list[:i:i], list[i+1:]...)
			return noContent()
		}
	}
	return notFound(p["id"])
}

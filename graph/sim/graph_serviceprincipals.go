package sim

import (
	"consentwiz/graph/entra"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// ---- service principals --------------------------------------------------------------

func (g *greq) listServicePrincipals() gresp {
	if e := g.need(scAppRead, rolesRead); e != nil {
		return *e
	}
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
	items := make([]item, 0, min(len(ids), 1024))
	for _, id := range ids {
		s := g.t.sps[id]
		if s == nil || !spMatches(s, cs) || (sp != "" && !matchText("search", s.DisplayName, sv)) {
			continue
		}
		items = append(items, item{v: s})
	}
	return g.collection(items, "servicePrincipals")
}

func spMatches(s *entra.ServicePrincipal, cs []clause) bool {
	for _, c := range cs {
		var have string
		switch strings.ToLower(c.prop) {
		case "appid":
			have = s.AppID
		case "displayname":
			have = s.DisplayName
		case "id":
			have = s.ID
		case "serviceprincipaltype":
			have = s.ServicePrincipalType
		}
		if !matchText(c.kind, have, c.val) {
			return false
		}
	}
	return true
}

// resolveSP resolves "{id}" or "(appId='…')" (ENTRA.md A5 alternate key).
func (g *greq) resolveSP(key string) (*entra.ServicePrincipal, string) {
	if strings.HasPrefix(key, "(") {
		inner := strings.TrimSuffix(strings.TrimPrefix(key, "("), ")")
		k, v, ok := strings.Cut(inner, "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "appId") {
			return nil, key
		}
		v = strings.Trim(strings.TrimSpace(v), "'")
		return g.t.spByAppLocked(v), "appId='" + v + "'"
	}
	return g.t.sps[key], key
}

func (g *greq) createServicePrincipal() gresp {
	if e := g.need(scAppWrite, rolesAppWrite); e != nil {
		return *e
	}
	var body struct {
		AppID string `json:"appId"`
	}
	if err := json.Unmarshal(g.body, &body); err != nil || body.AppID == "" {
		return badRequest("The request must specify the appId of the service principal.")
	}
	if g.t.spByAppLocked(body.AppID) != nil {
		return gerr(http.StatusConflict, "Request_MultipleObjectsWithSameKeyValue",
			fmt.Sprintf("The service principal cannot be created, updated, or restored because the service principal name %s is already in use.", body.AppID))
	}
	if g.s.catalog.get(body.AppID) == nil {
		return badRequest(fmt.Sprintf("The appId '%s' of the service principal does not reference a valid application object.", body.AppID))
	}
	// ENTRA.md A5: create the SP of a multi-tenant app.
	sp := g.t.ensureSPLocked(body.AppID)
	r := g.object(http.StatusCreated, sp, "servicePrincipals/$entity")
	r.hdr = map[string]string{"Location": g.root + "/servicePrincipals/" + sp.ID}
	return r
}

func (g *greq) servicePrincipal(key string, segs []string) gresp {
	sp, name := g.resolveSP(key)
	if len(segs) == 0 {
		switch g.method {
		case http.MethodGet:
			if e := g.need(scAppRead, rolesRead); e != nil {
				return *e
			}
			if sp == nil {
				return notFound(name)
			}
			return g.object(http.StatusOK, sp, "servicePrincipals/$entity")
		case http.MethodPatch:
			return g.patchSP(sp, name)
		case http.MethodDelete:
			// Undo of grant-direct (ENTRA.md A5); Microsoft Graph's own SP is not ours to delete.
			if e := g.need(scAppWrite, rolesAppWrite); e != nil {
				return *e
			}
			if sp == nil {
				return notFound(name)
			}
			if strings.EqualFold(sp.AppID, entra.MicrosoftGraphAppID) {
				return gerr(http.StatusBadRequest, "Request_BadRequest", "The service principal of a Microsoft first-party application cannot be deleted.")
			}
			g.t.deleteSPLocked(sp.ID)
			return noContent()
		}
		return methodNotAllowed()
	}
	nav := segs[0]
	switch {
	case nav == "oauth2PermissionGrants" && len(segs) == 1 && g.method == http.MethodGet:
		if e := g.need(scGrantRead, rolesRead); e != nil {
			return *e
		}
		if sp == nil {
			return notFound(name)
		}
		return g.grantItems(g.t.grantsByClient[sp.ID], nil)
	case nav == "appRoleAssignments" && len(segs) == 1 && g.method == http.MethodGet:
		if e := g.need(scAssignRead, rolesRead); e != nil {
			return *e
		}
		if sp == nil {
			return notFound(name)
		}
		return g.assignItems(g.t.assignsByPrincipal[sp.ID], "servicePrincipals('"+sp.ID+"')/appRoleAssignments")
	case nav == "appRoleAssignedTo" && len(segs) == 1:
		switch g.method {
		case http.MethodGet:
			if e := g.need(scAssignRead, rolesRead); e != nil {
				return *e
			}
			if sp == nil {
				return notFound(name)
			}
			return g.assignItems(g.t.assignsByResource[sp.ID], "servicePrincipals('"+sp.ID+"')/appRoleAssignedTo")
		case http.MethodPost:
			return g.createAssignment(sp, name)
		}
		return methodNotAllowed()
	case nav == "appRoleAssignedTo" && len(segs) == 2:
		if g.method != http.MethodDelete {
			return methodNotAllowed()
		}
		return g.deleteAssignment(sp, name, segs[1])
	case nav == "delegatedPermissionClassifications":
		return g.classifications(sp, name, segs[1:])
	}
	return gerr(http.StatusBadRequest, "BadRequest", fmt.Sprintf("Resource not found for the segment '%s'.", nav))
}

func (g *greq) patchSP(sp *entra.ServicePrincipal, name string) gresp {
	if e := g.need(scAppWrite, rolesAppWrite); e != nil {
		return *e
	}
	if sp == nil {
		return notFound(name)
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
	items := make([]item, 0, len(ids))
	for _, id := range ids {
		if a := g.t.assigns[id]; a != nil {
			items = append(items, item{v: a})
		}
	}
	return g.collection(items, ctx)
}

// createAssignment: POST appRoleAssignedTo (ENTRA.md A6). Microsoft Graph app
// roles need PRA/GA (A7); other resources also allow CAA/AA.
func (g *greq) createAssignment(res *entra.ServicePrincipal, name string) gresp {
	roles := rolesAuthzWrite
	if res != nil && !strings.EqualFold(res.AppID, entra.MicrosoftGraphAppID) {
		roles = rolesAppWrite
	}
	if e := g.need(scAssignWrite, roles); e != nil {
		return *e
	}
	if res == nil {
		return notFound(name)
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
	case g.t.sps[b.PrincipalID] != nil:
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
	return g.object(http.StatusCreated, a, "servicePrincipals('"+res.ID+"')/appRoleAssignedTo/$entity")
}

// deleteAssignment: DELETE servicePrincipals/{resource}/appRoleAssignedTo/{id}
// (undo of an app role grant), with the roles createAssignment needs.
func (g *greq) deleteAssignment(res *entra.ServicePrincipal, name, id string) gresp {
	roles := rolesAuthzWrite
	if res != nil && !strings.EqualFold(res.AppID, entra.MicrosoftGraphAppID) {
		roles = rolesAppWrite
	}
	if e := g.need(scAssignWrite, roles); e != nil {
		return *e
	}
	if res == nil {
		return notFound(name)
	}
	a := g.t.assigns[id]
	if a == nil || a.ResourceID != res.ID {
		return notFound(id)
	}
	g.t.deleteAssignmentLocked(id)
	return noContent()
}

func (g *greq) classifications(sp *entra.ServicePrincipal, name string, segs []string) gresp {
	switch {
	case len(segs) == 0 && g.method == http.MethodGet:
		if e := g.need(scClassifyRead, rolesRead); e != nil {
			return *e
		}
		if sp == nil {
			return notFound(name)
		}
		var items []item
		for _, c := range g.t.classifications[sp.ID] {
			items = append(items, item{v: c})
		}
		return g.collection(items, "servicePrincipals('"+sp.ID+"')/delegatedPermissionClassifications")
	case len(segs) == 0 && g.method == http.MethodPost:
		if e := g.need(scClassifyWrite, rolesClassify); e != nil {
			return *e
		}
		if sp == nil {
			return notFound(name)
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
		// ENTRA.md A5: only delegated permissions that do not require admin consent.
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
		return g.object(http.StatusCreated, c, "servicePrincipals('"+sp.ID+"')/delegatedPermissionClassifications/$entity")
	case len(segs) == 1 && g.method == http.MethodDelete:
		if e := g.need(scClassifyWrite, rolesClassify); e != nil {
			return *e
		}
		if sp == nil {
			return notFound(name)
		}
		list := g.t.classifications[sp.ID]
		for i, c := range list {
			if c.ID == segs[0] {
				g.t.classifications[sp.ID] = append(list[:i:i], list[i+1:]...)
				return noContent()
			}
		}
		return notFound(segs[0])
	}
	return methodNotAllowed()
}

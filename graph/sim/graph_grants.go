package sim

import (
	"consentwiz/graph/entra"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// ---- oauth2PermissionGrants -------------------------------------------------------------

func (g *greq) grantItems(ids []string, cs []clause) gresp {
	items := make([]item, 0, min(len(ids), 1024))
	for _, id := range ids {
		gr := g.t.grants[id]
		if gr == nil || !grantMatches(gr, cs) {
			continue
		}
		items = append(items, item{v: gr})
	}
	return g.collection(items, "oauth2PermissionGrants")
}

func grantMatches(gr *entra.OAuth2PermissionGrant, cs []clause) bool {
	for _, c := range cs {
		var have string
		switch strings.ToLower(c.prop) {
		case "clientid":
			have = gr.ClientID
		case "consenttype":
			have = gr.ConsentType
		case "principalid":
			have = gr.PrincipalID
		case "resourceid":
			have = gr.ResourceID
		}
		if !strings.EqualFold(have, c.val) {
			return false
		}
	}
	return true
}

func (g *greq) grantsRoute(segs []string) gresp {
	if len(segs) == 0 {
		switch g.method {
		case http.MethodGet:
			if e := g.need(scGrantRead, rolesRead); e != nil {
				return *e
			}
			// ENTRA.md A6: clientId and consentType support $filter (eq).
			cs, e := g.filterFor("eq:clientId", "eq:consentType", "eq:principalId", "eq:resourceId")
			if e != nil {
				return *e
			}
			ids := g.t.grantOrder
			if v, ok := clauseVal(cs, "eq", "clientId"); ok {
				ids = g.t.grantsByClient[v]
			} else if v, ok := clauseVal(cs, "eq", "resourceId"); ok {
				ids = g.t.grantsByResource[v]
			}
			return g.grantItems(ids, cs)
		case http.MethodPost:
			return g.createGrant()
		}
		return methodNotAllowed()
	}
	if len(segs) != 1 {
		return notFound(strings.Join(segs, "/"))
	}
	gr := g.t.grants[segs[0]]
	switch g.method {
	case http.MethodGet:
		if e := g.need(scGrantRead, rolesRead); e != nil {
			return *e
		}
		if gr == nil {
			return notFound(segs[0])
		}
		return g.object(http.StatusOK, gr, "oauth2PermissionGrants/$entity")
	case http.MethodPatch:
		if e := g.need(scGrantWrite, rolesAppWrite); e != nil {
			return *e
		}
		if gr == nil {
			return notFound(segs[0])
		}
		m, e := g.decodeBody()
		if e != nil {
			return *e
		}
		for k, v := range m {
			if k != "scope" {
				return badRequest(fmt.Sprintf("Property '%s' is read-only or does not exist.", k))
			}
			var sc string
			if json.Unmarshal(v, &sc) != nil {
				return badRequest("Invalid value for property 'scope'.")
			}
			if r := g.checkScopes(g.t.sps[gr.ResourceID], sc); r != nil {
				return *r
			}
			gr.Scope = sc
		}
		return noContent()
	case http.MethodDelete:
		if e := g.need(scGrantWrite, rolesAppWrite); e != nil {
			return *e
		}
		if gr == nil {
			return notFound(segs[0])
		}
		g.t.deleteGrantLocked(gr.ID)
		return noContent()
	}
	return methodNotAllowed()
}

func (g *greq) checkScopes(res *entra.ServicePrincipal, scope string) *gresp {
	for _, sc := range strings.Fields(scope) {
		if res == nil || findScope(res, sc) == nil {
			r := badRequest(fmt.Sprintf("Invalid value specified for property 'scope' of resource 'OAuth2PermissionGrant': '%s' is not a delegated permission of the resource.", sc))
			return &r
		}
	}
	return nil
}

// createGrant: POST /oauth2PermissionGrants (ENTRA.md A6).
func (g *greq) createGrant() gresp {
	if e := g.need(scGrantWrite, rolesAppWrite); e != nil {
		return *e
	}
	var b entra.OAuth2PermissionGrant
	if err := json.Unmarshal(g.body, &b); err != nil {
		return badRequest("Invalid oauth2PermissionGrant: " + err.Error())
	}
	client, res := g.t.sps[b.ClientID], g.t.sps[b.ResourceID]
	if client == nil {
		return badRequest(fmt.Sprintf("Invalid value specified for property 'clientId' of resource 'OAuth2PermissionGrant': no service principal '%s'.", b.ClientID))
	}
	if res == nil {
		return badRequest(fmt.Sprintf("Invalid value specified for property 'resourceId' of resource 'OAuth2PermissionGrant': no service principal '%s'.", b.ResourceID))
	}
	switch b.ConsentType {
	case "AllPrincipals":
		if b.PrincipalID != "" {
			return badRequest("principalId must be empty when consentType is AllPrincipals.")
		}
	case "Principal":
		if g.t.users[b.PrincipalID] == nil {
			return badRequest(fmt.Sprintf("Invalid value specified for property 'principalId': no user '%s'.", b.PrincipalID))
		}
	default:
		return badRequest("consentType must be AllPrincipals or Principal.")
	}
	if r := g.checkScopes(res, b.Scope); r != nil {
		return *r
	}
	if g.t.findGrantLocked(b.ClientID, b.ResourceID, b.ConsentType, b.PrincipalID) != nil {
		return gerr(http.StatusConflict, "Request_MultipleObjectsWithSameKeyValue", "Permission entry already exists.")
	}
	gr := g.t.addGrantLocked(&entra.OAuth2PermissionGrant{ClientID: b.ClientID, ConsentType: b.ConsentType, PrincipalID: b.PrincipalID, ResourceID: b.ResourceID, Scope: b.Scope})
	r := g.object(http.StatusCreated, gr, "oauth2PermissionGrants/$entity")
	r.hdr = map[string]string{"Location": g.root + "/oauth2PermissionGrants/" + gr.ID}
	return r
}

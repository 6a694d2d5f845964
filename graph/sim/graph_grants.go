package sim

import (
	"consentwiz/graph/entra"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// ---- oauth2PermissionGrants -------------------------------------------------------------

// grantItems pages the grants of ids that satisfy cs, in linear time over
// every page (pages).
func (g *greq) grantItems(ids []string, cs []clause) gresp {
	return g.pages(len(ids), func(i int) (item, bool) {
		gr := g.t.grants[ids[i]]
		if gr == nil || g.t.hiddenLocked(ids[i]) || !grantFields.matches(gr, cs) {
			return item{}, false
		}
		return item{v: gr}, true
	}, "oauth2PermissionGrants")
}

// grantFields are the oauth2PermissionGrant properties $filter may name (eq).
var grantFields = fields[*entra.OAuth2PermissionGrant]{
	"clientid":    func(gr *entra.OAuth2PermissionGrant) string { return gr.ClientID },
	"consenttype": func(gr *entra.OAuth2PermissionGrant) string { return gr.ConsentType },
	"principalid": func(gr *entra.OAuth2PermissionGrant) string { return gr.PrincipalID },
	"resourceid":  func(gr *entra.OAuth2PermissionGrant) string { return gr.ResourceID },
}

func (g *greq) listGrants(params) gresp {
	// docs/entra.md A6: clientId and consentType support $filter (eq).
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
}

// grantParam resolves the {id} segment (404 when unknown).
func (g *greq) grantParam(p params) (*entra.OAuth2PermissionGrant, *gresp) {
	gr := g.t.grants[p["id"]]
	if gr == nil || g.t.hiddenLocked(gr.ID) {
		r := notFound(p["id"])
		return nil, &r
	}
	return gr, nil
}

func (g *greq) getGrant(p params) gresp {
	gr, e := g.grantParam(p)
	if e != nil {
		return *e
	}
	return g.object(http.StatusOK, gr, "oauth2PermissionGrants/$entity")
}

// patchGrant updates a grant's scope, the only writable property (docs/entra.md A6).
func (g *greq) patchGrant(p params) gresp {
	gr, e := g.grantParam(p)
	if e != nil {
		return *e
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
}

func (g *greq) deleteGrant(p params) gresp {
	gr, e := g.grantParam(p)
	if e != nil {
		return *e
	}
	g.t.deleteGrantLocked(gr.ID)
	return noContent()
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

// createGrant: POST /oauth2PermissionGrants (docs/entra.md A6).
func (g *greq) createGrant(params) gresp {
	var b entra.OAuth2PermissionGrant
	if err := json.Unmarshal(g.body, &b); err != nil {
		return badRequest("Invalid oauth2PermissionGrant: " + err.Error())
	}
	client, res := g.visibleSP(g.t.sps[b.ClientID]), g.visibleSP(g.t.sps[b.ResourceID])
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
		// One grant per client, resource, consent type and principal: a
		// second is refused and makes nothing (docs/entra.md A6).
		return gerr(http.StatusConflict, "Request_MultipleObjectsWithSameKeyValue", "Permission entry already exists.")
	}
	gr := g.t.addGrantLocked(&entra.OAuth2PermissionGrant{ClientID: b.ClientID, ConsentType: b.ConsentType, PrincipalID: b.PrincipalID, ResourceID: b.ResourceID, Scope: b.Scope})
	g.created(gr.ID)
	r := g.object(http.StatusCreated, gr, "oauth2PermissionGrants/$entity")
	r.hdr = map[string]string{"Location": g.root + "/oauth2PermissionGrants/" + gr.ID}
	return r
}

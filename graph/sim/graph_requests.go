package sim

import (
	"consentwiz/graph/entra"
	"net/http"
	"strings"
)

// ---- consent requests (docs/entra.md A4) -----------------------------------------------------

func (g *greq) expandUsers() bool {
	return strings.EqualFold(strings.TrimSpace(g.q.Get("$expand")), "userConsentRequests")
}

func (g *greq) listRequests(params) gresp {
	cs, e := g.filterFor("eq:appId", "any:userConsentRequests/status")
	if e != nil {
		return *e
	}
	ids := g.t.requestOrder
	if v, ok := clauseVal(cs, "eq", "appId"); ok {
		ids = nil
		if id, ok := g.t.requestByAppID[strings.ToLower(v)]; ok {
			ids = []string{id}
		}
	}
	status, byStatus := clauseVal(cs, "any", "userConsentRequests/status")
	var items []item
	for _, id := range ids {
		r := g.t.requests[id]
		if byStatus && !hasUserRequestStatus(r, status) {
			continue
		}
		items = append(items, item{v: copyRequest(r, g.expandUsers())})
	}
	return g.collection(items, "identityGovernance/appConsent/appConsentRequests")
}

// requestParam resolves the {req} segment (404 when unknown).
func (g *greq) requestParam(p params) (*entra.AppConsentRequest, *gresp) {
	r := g.t.requests[p["req"]]
	if r == nil {
		e := notFound(p["req"])
		return nil, &e
	}
	return r, nil
}

func (g *greq) getRequest(p params) gresp {
	r, e := g.requestParam(p)
	if e != nil {
		return *e
	}
	return g.object(http.StatusOK, copyRequest(r, g.expandUsers()), "identityGovernance/appConsent/appConsentRequests/$entity")
}

func (g *greq) listUserRequests(p params) gresp {
	r, e := g.requestParam(p)
	if e != nil {
		return *e
	}
	cs, e := g.filterFor("eq:status")
	if e != nil {
		return *e
	}
	status, byStatus := clauseVal(cs, "eq", "status")
	var items []item
	for _, u := range r.UserConsentRequests {
		if byStatus && !strings.EqualFold(u.Status, status) {
			continue
		}
		items = append(items, item{v: copyUserRequest(u)})
	}
	return g.collection(items, "identityGovernance/appConsent/appConsentRequests('"+r.ID+"')/userConsentRequests")
}

func (g *greq) getUserRequest(p params) gresp {
	r, e := g.requestParam(p)
	if e != nil {
		return *e
	}
	for _, u := range r.UserConsentRequests {
		if u.ID == p["id"] {
			return g.object(http.StatusOK, copyUserRequest(u), "identityGovernance/appConsent/appConsentRequests('"+r.ID+"')/userConsentRequests/$entity")
		}
	}
	return notFound(p["id"])
}

func hasUserRequestStatus(r *entra.AppConsentRequest, status string) bool {
	for _, u := range r.UserConsentRequests {
		if strings.EqualFold(u.Status, status) {
			return true
		}
	}
	return false
}

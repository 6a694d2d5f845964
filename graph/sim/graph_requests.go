package sim

import (
	"consentwiz/graph/entra"
	"net/http"
	"strings"
)

// ---- consent requests (ENTRA.md A4) -----------------------------------------------------

func (g *greq) requestsRoute(segs []string) gresp {
	if g.method != http.MethodGet {
		return methodNotAllowed()
	}
	if e := g.need(scRequestsRead, rolesRequestsRead); e != nil {
		return *e
	}
	expand := strings.EqualFold(strings.TrimSpace(g.q.Get("$expand")), "userConsentRequests")
	if len(segs) == 0 {
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
			items = append(items, item{v: copyRequest(r, expand)})
		}
		return g.collection(items, "identityGovernance/appConsent/appConsentRequests")
	}
	r := g.t.requests[segs[0]]
	if r == nil {
		return notFound(segs[0])
	}
	if len(segs) == 1 {
		return g.object(http.StatusOK, copyRequest(r, expand), "identityGovernance/appConsent/appConsentRequests/$entity")
	}
	if segs[1] != "userConsentRequests" || len(segs) > 3 {
		return notFound(strings.Join(segs, "/"))
	}
	if len(segs) == 3 {
		for _, u := range r.UserConsentRequests {
			if u.ID == segs[2] {
				return g.object(http.StatusOK, copyUserRequest(u), "identityGovernance/appConsent/appConsentRequests('"+r.ID+"')/userConsentRequests/$entity")
			}
		}
		return notFound(segs[2])
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

func hasUserRequestStatus(r *entra.AppConsentRequest, status string) bool {
	for _, u := range r.UserConsentRequests {
		if strings.EqualFold(u.Status, status) {
			return true
		}
	}
	return false
}

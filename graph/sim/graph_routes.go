package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// ---- routing ----------------------------------------------------------------------

func splitSegs(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

func (g *greq) dispatch() gresp {
	segs := splitSegs(g.path)
	if len(segs) == 0 {
		return gerr(http.StatusBadRequest, "BadRequest", "Resource not found for the segment ''.")
	}
	m := g.method
	switch {
	case segs[0] == "policies" && len(segs) >= 2:
		return g.policies(segs[1:])
	case segs[0] == "servicePrincipals":
		if len(segs) == 1 {
			switch m {
			case http.MethodGet:
				return g.listServicePrincipals()
			case http.MethodPost:
				return g.createServicePrincipal()
			}
			return methodNotAllowed()
		}
		return g.servicePrincipal(segs[1], segs[2:])
	case strings.HasPrefix(segs[0], "servicePrincipals("):
		return g.servicePrincipal(segs[0][len("servicePrincipals"):], segs[1:])
	case segs[0] == "oauth2PermissionGrants":
		return g.grantsRoute(segs[1:])
	case segs[0] == "identityGovernance" && len(segs) >= 3 && segs[1] == "appConsent" && segs[2] == "appConsentRequests":
		return g.requestsRoute(segs[3:])
	case segs[0] == "me":
		return g.meRoute(segs[1:])
	case segs[0] == "organization":
		return g.organization(segs[1:])
	case segs[0] == "users":
		return g.usersRoute(segs[1:])
	case segs[0] == "groups":
		return g.groupsRoute(segs[1:])
	}
	return gerr(http.StatusBadRequest, "BadRequest", fmt.Sprintf("Resource not found for the segment '%s'.", segs[0]))
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

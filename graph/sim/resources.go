package sim

import (
	"consentwiz/graph/entra"
	"strings"
)

// Delegated permissions of several resources. A requested scope names its
// resource by an identifier URI ("https://outlook.office.com/IMAP.AccessAsUser.All")
// or not at all (Microsoft Graph). Inside the simulator a permission has one
// canonical key: Graph's bare value ("Mail.Send"), another resource's first
// identifier URI and value ("https://outlook.office.com/IMAP.AccessAsUser.All").
// Grants store bare values on the resource's service principal (docs/entra.md A6).

// uriHost is the host of an identifier URI (or the bare appId).
func uriHost(u string) string {
	if j := strings.Index(u, "://"); j >= 0 {
		u = u[j+3:]
	}
	return strings.SplitN(strings.TrimSuffix(u, "/"), "/", 2)[0]
}

// resourceFor returns the resource app a scope's prefix names ("" is
// Microsoft Graph; so is this server's own Graph host), or nil.
func (s *Server) resourceFor(prefix string) *App {
	if prefix == "" {
		return s.catalog.get(entra.MicrosoftGraphAppID)
	}
	host := uriHost(prefix)
	if gh := s.graphHost(); gh != "" && strings.EqualFold(host, gh) {
		return s.catalog.get(entra.MicrosoftGraphAppID)
	}
	for _, r := range s.catalog.resources() {
		for _, u := range r.IdentifierURIs {
			if strings.EqualFold(uriHost(u), host) {
				return r
			}
		}
	}
	return nil
}

// scopeKey is the canonical key of a resource's delegated permission.
func scopeKey(res *App, value string) string {
	if strings.EqualFold(res.AppID, entra.MicrosoftGraphAppID) {
		return value
	}
	return strings.TrimSuffix(res.IdentifierURIs[0], "/") + "/" + value
}

// splitScope splits a scope string into its resource prefix and value.
func splitScope(sc string) (prefix, value string) {
	i := strings.LastIndex(sc, "/")
	if i < 0 {
		return "", sc
	}
	return strings.TrimSuffix(sc[:i], "/"), sc[i+1:]
}

// normalizeScopes turns requested scope strings into canonical keys:
// "https://graph.microsoft.com/Mail.Send" → "Mail.Send",
// "https://outlook.office365.com/IMAP.AccessAsUser.All" →
// "https://outlook.office.com/IMAP.AccessAsUser.All"; ".default" → the given
// default list. It reports the first scope naming an unknown resource.
func (s *Server) normalizeScopes(requested []string, dflt []string) (out []string, badResource string) {
	for _, sc := range requested {
		if sc == "" {
			continue
		}
		prefix, name := splitScope(sc)
		res := s.resourceFor(prefix)
		if res == nil {
			return nil, prefix
		}
		if strings.EqualFold(name, ".default") {
			d, bad := s.normalizeScopes(dflt, nil)
			if bad != "" {
				return nil, bad
			}
			out = unionFold(out, d)
			continue
		}
		out = unionFold(out, []string{scopeKey(res, name)})
	}
	return out, ""
}

// resolveScopeLocked finds the resource service principal and permission of a
// canonical key (nil permission: the resource does not expose it).
func (t *Tenant) resolveScopeLocked(key string) (*entra.ServicePrincipal, *entra.PermissionScope) {
	prefix, value := splitScope(key)
	res := t.srv.resourceFor(prefix)
	if res == nil {
		return nil, nil
	}
	sp := t.ensureSPLocked(res.AppID)
	return sp, findScope(sp, value)
}

// resourceKey is the canonical key of value on the resource service principal.
func (t *Tenant) resourceKey(resource *entra.ServicePrincipal, value string) string {
	if a := t.srv.catalog.get(resource.AppID); a != nil && len(a.IdentifierURIs) > 0 {
		return scopeKey(a, value)
	}
	return value
}

// grantedLocked returns the canonical keys the user holds through the client,
// on every resource: the AllPrincipals grants plus the user's own Principal
// grants ("" userID: tenant-wide only).
func (t *Tenant) grantedLocked(client *entra.ServicePrincipal, userID string) []string {
	var out []string
	for _, id := range t.grantsByClient[client.ID] {
		g := t.grants[id]
		if g == nil || t.sps[g.ResourceID] == nil {
			continue
		}
		res := t.sps[g.ResourceID]
		if strings.EqualFold(g.ConsentType, "AllPrincipals") || (userID != "" && g.PrincipalID == userID) {
			for _, v := range strings.Fields(g.Scope) {
				out = unionFold(out, []string{t.resourceKey(res, v)})
			}
		}
	}
	return out
}

// byResourceLocked groups canonical keys by their resource service principal
// (in first-seen order), keeping bare values; unknown keys are dropped.
func (t *Tenant) byResourceLocked(keys []string) ([]*entra.ServicePrincipal, map[string][]string) {
	var order []*entra.ServicePrincipal
	vals := map[string][]string{}
	for _, k := range keys {
		sp, ps := t.resolveScopeLocked(k)
		if ps == nil {
			continue
		}
		if _, ok := vals[sp.ID]; !ok {
			order = append(order, sp)
		}
		vals[sp.ID] = unionFold(vals[sp.ID], []string{ps.Value})
	}
	return order, vals
}

// grantKeysLocked records the client's consent to the keys, one grant per
// resource: merged into an existing grant, or replacing its scope when
// replace (admin consent, docs/entra.md 0).
func (t *Tenant) grantKeysLocked(client *entra.ServicePrincipal, consentType, principalID string, keys []string, replace bool) {
	order, vals := t.byResourceLocked(keys)
	for _, res := range order {
		g := t.mergeGrantLocked(client, res, consentType, principalID, vals[res.ID])
		if replace {
			g.Scope = strings.Join(vals[res.ID], " ")
		}
	}
}

package sim

import (
	"consentwiz/graph/entra"
	"fmt"
	"net/http"
	"strings"
)

// ---- directory: me, organization, users, groups ------------------------------------------

func (g *greq) meRoute(segs []string) gresp {
	if g.method != http.MethodGet {
		return methodNotAllowed()
	}
	if len(segs) == 0 {
		if e := g.need(scMe, nil); e != nil {
			return *e
		}
		return g.object(http.StatusOK, g.u.User, "users/$entity")
	}
	return g.memberOf(g.u, segs)
}

func (g *greq) memberOf(u *simUser, segs []string) gresp {
	if (segs[0] != "memberOf" && segs[0] != "transitiveMemberOf") || len(segs) > 2 {
		return notFound(strings.Join(segs, "/"))
	}
	cast := ""
	if len(segs) == 2 {
		cast = strings.TrimPrefix(segs[1], "microsoft.graph.")
		if cast != "directoryRole" && cast != "group" {
			return badRequest(fmt.Sprintf("Invalid type cast '%s'.", segs[1]))
		}
	}
	if e := g.need(scMemberOf, nil); e != nil {
		return *e
	}
	var items []item
	if cast == "" || cast == "directoryRole" {
		for _, r := range u.roles {
			// ENTRA.md A7: activated directory roles carry roleTemplateId.
			items = append(items, item{v: entra.DirectoryRole{ID: g.t.roleObjIDs[r], DisplayName: entra.RoleNames[r], RoleTemplateID: r},
				odataType: "#microsoft.graph.directoryRole"})
		}
	}
	if cast == "" || cast == "group" {
		for _, id := range u.groups {
			items = append(items, item{v: g.t.groups[id].Group, odataType: "#microsoft.graph.group"})
		}
	}
	return g.collection(items, "directoryObjects")
}

func (g *greq) organization(segs []string) gresp {
	if g.method != http.MethodGet {
		return methodNotAllowed()
	}
	if e := g.need(scOrg, nil); e != nil {
		return *e
	}
	org := entra.Organization{ID: g.t.id, DisplayName: g.t.name, VerifiedDomains: append([]entra.VerifiedDomain(nil), g.t.domains...)}
	if len(segs) == 1 {
		if segs[0] != g.t.id {
			return notFound(segs[0])
		}
		return g.object(http.StatusOK, org, "organization/$entity")
	}
	return g.collection([]item{{v: org}}, "organization")
}

func (g *greq) usersRoute(segs []string) gresp {
	if g.method != http.MethodGet {
		return methodNotAllowed()
	}
	if len(segs) == 0 {
		if e := g.need(scUsers, nil); e != nil {
			return *e
		}
		cs, e := g.filterFor("startswith:displayName", "startswith:userPrincipalName", "startswith:mail", "eq:userPrincipalName", "eq:id", "eq:mail", "eq:displayName")
		if e != nil {
			return *e
		}
		sp, sv, e := g.search("displayName", "userPrincipalName", "mail")
		if e != nil {
			return *e
		}
		var items []item
		for _, id := range g.t.userOrder {
			u := g.t.users[id]
			if !userMatches(u.User, cs) || (sp != "" && !matchText("search", userField(u.User, sp), sv)) {
				continue
			}
			items = append(items, item{v: u.User})
		}
		return g.collection(items, "users")
	}
	u := g.t.users[segs[0]]
	if u == nil {
		u = g.t.userByUPNLocked(segs[0])
	}
	self := u != nil && u.ID == g.u.ID
	if len(segs) == 1 {
		sc := scUsers
		if self {
			sc = scMe
		}
		if e := g.need(sc, nil); e != nil {
			return *e
		}
		if u == nil {
			return notFound(segs[0])
		}
		return g.object(http.StatusOK, u.User, "users/$entity")
	}
	if u == nil {
		return notFound(segs[0])
	}
	return g.memberOf(u, segs[1:])
}

func userField(u entra.User, prop string) string {
	switch strings.ToLower(prop) {
	case "userprincipalname":
		return u.UserPrincipalName
	case "mail":
		return u.Mail
	case "id":
		return u.ID
	}
	return u.DisplayName
}

func userMatches(u entra.User, cs []clause) bool {
	for _, c := range cs {
		if !matchText(c.kind, userField(u, c.prop), c.val) {
			return false
		}
	}
	return true
}

func (g *greq) groupsRoute(segs []string) gresp {
	if g.method != http.MethodGet {
		return methodNotAllowed()
	}
	if e := g.need(scGroups, nil); e != nil {
		return *e
	}
	if len(segs) == 1 {
		gr := g.t.groups[segs[0]]
		if gr == nil {
			return notFound(segs[0])
		}
		return g.object(http.StatusOK, gr.Group, "groups/$entity")
	}
	if len(segs) > 1 {
		return notFound(strings.Join(segs, "/"))
	}
	cs, e := g.filterFor("startswith:displayName", "eq:displayName", "eq:id")
	if e != nil {
		return *e
	}
	sp, sv, e := g.search("displayName")
	if e != nil {
		return *e
	}
	var items []item
	for _, id := range g.t.groupOrder {
		gr := g.t.groups[id]
		ok := true
		for _, c := range cs {
			have := gr.DisplayName
			if strings.EqualFold(c.prop, "id") {
				have = gr.ID
			}
			ok = ok && matchText(c.kind, have, c.val)
		}
		if !ok || (sp != "" && !matchText("search", gr.DisplayName, sv)) {
			continue
		}
		items = append(items, item{v: gr.Group})
	}
	return g.collection(items, "groups")
}

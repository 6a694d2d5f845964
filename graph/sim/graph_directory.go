package sim

import (
	"consentwiz/graph/entra"
	"fmt"
	"net/http"
	"strings"
)

// ---- directory: me, organization, users, groups ------------------------------------------

func (g *greq) getMe(params) gresp {
	if g.tok.foreign != nil {
		return foreignMe(g.u)
	}
	return g.object(http.StatusOK, g.u.User, "users/$entity")
}

// userParam resolves the {user} segment by id or UPN; without one it is the
// signed-in user (/me).
func (g *greq) userParam(p params) (*simUser, *gresp) {
	key, ok := p["user"]
	if !ok {
		if g.tok.foreign != nil {
			r := foreignMe(g.u)
			return nil, &r
		}
		return g.u, nil
	}
	u := g.t.users[key]
	if u == nil {
		u = g.t.userByUPNLocked(key)
	}
	if u == nil {
		r := notFound(key)
		return nil, &r
	}
	return u, nil
}

// memberOf serves memberOf and transitiveMemberOf (the same here: groups do
// not nest), optionally cast to directoryRole or group.
func (g *greq) memberOf(p params) gresp {
	u, e := g.userParam(p)
	if e != nil {
		return *e
	}
	cast := ""
	if c, ok := p["cast"]; ok {
		cast = strings.TrimPrefix(c, "microsoft.graph.")
		if cast != "directoryRole" && cast != "group" {
			return badRequest(fmt.Sprintf("Invalid type cast '%s'.", c))
		}
	}
	var items []item
	if cast == "" || cast == "directoryRole" {
		for _, r := range u.roles {
			// docs/entra.md A7: activated directory roles carry roleTemplateId.
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

func (g *greq) org() entra.Organization {
	return entra.Organization{ID: g.t.id, DisplayName: g.t.name, VerifiedDomains: append([]entra.VerifiedDomain(nil), g.t.domains...)}
}

func (g *greq) listOrganization(params) gresp {
	return g.collection([]item{{v: g.org()}}, "organization")
}

func (g *greq) getOrganization(p params) gresp {
	if p["id"] != g.t.id {
		return notFound(p["id"])
	}
	return g.object(http.StatusOK, g.org(), "organization/$entity")
}

// userFields are the user properties $filter and $search may name.
var userFields = fields[entra.User]{
	"displayname":       func(u entra.User) string { return u.DisplayName },
	"userprincipalname": func(u entra.User) string { return u.UserPrincipalName },
	"mail":              func(u entra.User) string { return u.Mail },
	"id":                func(u entra.User) string { return u.ID },
}

func (g *greq) listUsers(params) gresp {
	cs, e := g.filterAnyFor("startswith:displayName", "startswith:userPrincipalName", "startswith:mail", "eq:userPrincipalName", "eq:id", "eq:mail", "eq:displayName")
	if e != nil {
		return *e
	}
	sp, sv, e := g.search("displayName", "userPrincipalName", "mail")
	if e != nil {
		return *e
	}
	ids := g.t.userOrder
	return g.pages(len(ids), func(i int) (item, bool) {
		u := g.t.users[ids[i]]
		if !userFields.matchesAny(u.User, cs) || (sp != "" && !matchText("search", userFields.value(u.User, sp), sv)) {
			return item{}, false
		}
		return item{v: u.User}, true
	}, "users")
}

// getUser needs scUsers, or scMe when {user} is the signed-in user.
func (g *greq) getUser(p params) gresp {
	u := g.t.users[p["user"]]
	if u == nil {
		u = g.t.userByUPNLocked(p["user"])
	}
	sc := scUsers
	if u != nil && u.ID == g.u.ID {
		sc = scMe
	}
	if e := g.need(sc, nil); e != nil {
		return *e
	}
	if u == nil {
		return notFound(p["user"])
	}
	return g.object(http.StatusOK, u.User, "users/$entity")
}

// groupFields are the group properties $filter and $search may name.
var groupFields = fields[*simGroup]{
	"displayname": func(gr *simGroup) string { return gr.DisplayName },
	"mail":        func(gr *simGroup) string { return gr.Mail },
	"id":          func(gr *simGroup) string { return gr.ID },
}

func (g *greq) getGroup(p params) gresp {
	gr := g.t.groups[p["id"]]
	if gr == nil {
		return notFound(p["id"])
	}
	return g.object(http.StatusOK, gr.Group, "groups/$entity")
}

// groupMembers lists a group's direct members (users here).
func (g *greq) groupMembers(p params) gresp {
	gr := g.t.groups[p["id"]]
	if gr == nil {
		return notFound(p["id"])
	}
	var items []item
	for _, id := range gr.members {
		if u := g.t.users[id]; u != nil {
			items = append(items, item{v: u.User, odataType: "#microsoft.graph.user"})
		}
	}
	return g.collection(items, "directoryObjects")
}

func (g *greq) listGroups(params) gresp {
	cs, e := g.filterAnyFor("startswith:displayName", "startswith:mail", "eq:displayName", "eq:mail", "eq:id")
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
		if !groupFields.matchesAny(gr, cs) || (sp != "" && !matchText("search", gr.DisplayName, sv)) {
			continue
		}
		items = append(items, item{v: gr.Group})
	}
	return g.collection(items, "groups")
}

package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"consentwiz/flows"
	"consentwiz/graph/entra"
)

// TenantsOptions are the options of `tenants`.
type TenantsOptions struct {
	HomeTenant string // the partner's tenant to sign in to ("": organizations)
	JSON       bool   // one JSON object a customer
}

// RunTenants runs `consentwiz tenants`: a partner (MSP) signs in to its own
// tenant with DelegatedAdminRelationship.Read.All — asked for by this
// command only — and lists the customer tenants it can reach through GDAP,
// with the roles it holds in each (docs/entra.md I). The output, text or
// JSON lines, is what `check --tenants -` reads.
func RunTenants(ctx context.Context, cfg Config, o TenantsOptions, stdio IO) int {
	errw := &lineWriter{w: stdio.Err}
	fail := func(code int, format string, a ...any) int {
		errw.println("consentwiz tenants: " + fmt.Sprintf(format, a...))
		return code
	}
	home := flows.TenantRef{ID: firstNonEmpty(strings.TrimSpace(o.HomeTenant), "organizations")}
	r, err := NewRunner(cfg, NewJournal(cfg.ConfigDir), RunnerOptions{})
	if err != nil {
		return fail(ExitError, "%v", err)
	}
	ev := headlessSignIn(ctx, r, flows.SignIn{Tenant: home, Scopes: entra.TenantsScopes}, errw.println)
	si, _ := ev.(flows.SignedIn)
	if si.Err != nil {
		if ctx.Err() != nil {
			return ExitCancelled
		}
		return fail(ExitSignIn, "signing in at %s: %s", flows.Sanitize(home.ID, 256), flows.Sanitize(si.Err.Error(), 1000))
	}
	sess, err := r.session(ctx, home)
	if err != nil {
		return fail(ExitError, "%v", err)
	}
	ps, err := sess.client.PartnerSnapshot(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return ExitCancelled
		}
		if entra.IsForbidden(err) {
			return fail(ExitError, "%s cannot read the GDAP relationships of its tenant: that needs a partner role "+
				"with DelegatedAdminRelationship.Read.All (for example Admin Agent) (%s)",
				flows.Sanitize(si.Account, 120), flows.Sanitize(err.Error(), 300))
		}
		return fail(ExitError, "reading the GDAP relationships: %s", flows.Sanitize(err.Error(), 1000))
	}
	for _, part := range sortedKeys(ps.Errors) {
		errw.println(fmt.Sprintf("consentwiz tenants: could not read %s: %s", flows.Sanitize(part, 200), flows.Sanitize(ps.Errors[part].Error(), 300)))
	}
	list := flows.ListTenants(*ps)
	if o.JSON {
		enc := json.NewEncoder(stdio.Out)
		enc.SetEscapeHTML(false)
		for _, t := range list {
			if err := enc.Encode(t); err != nil {
				return ExitError
			}
		}
	} else {
		fmt.Fprint(stdio.Out, tenantsText(list, flows.Sanitize(si.Account, 120)))
	}
	reachable := 0
	for _, t := range list {
		if t.Status == flows.CustomerReachable {
			reachable++
		}
	}
	errw.println(fmt.Sprintf("consentwiz tenants: %d customer tenants, %d where you hold a role", len(list), reachable))
	return ExitOK
}

// tenantsText is the text of `consentwiz tenants`: a tenant id a line, the
// rest after # (a comment to `check --tenants`, which reads the list as is).
func tenantsText(list []flows.TenantListing, account string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %d customer tenants (GDAP) of %s; 'consentwiz check --tenants -' reads this list\n", len(list), account)
	for _, t := range list {
		var what string
		switch t.Status {
		case flows.CustomerReachable:
			var names []string
			for _, r := range t.RolesHeld {
				names = append(names, firstNonEmpty(r.Name, r.ID))
			}
			what = "reachable, roles: " + strings.Join(names, ", ")
		case flows.CustomerNoRole:
			what = "no role: no active access assignment gives a group of yours a role there"
		default:
			what = "unknown: the access assignments or your groups could not be read"
		}
		fmt.Fprintf(&b, "%-36s  # %s — %s\n", t.TenantID, firstNonEmpty(t.DisplayName, "(no name)"), what)
	}
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

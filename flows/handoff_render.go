package flows

import (
	"fmt"
	"strings"
)

// The hand-off rendered as a document (handoff_doc.go): Markdown for a ticket,
// plain text for an email or a chat.

// Markdown renders the hand-off as Markdown for a ticket or an email.
func (h Handoff) Markdown() string { return h.doc().markdown() }

// Text renders the hand-off as plain text, without colour; every link is on
// its own line.
func (h Handoff) Text() string { return h.doc().text() }

func (h Handoff) appLabel() []span {
	if h.ClientID == "" {
		return spans(bold(h.AppName))
	}
	return spans(bold(h.AppName), " (client id ", code(h.ClientID), ")")
}

func (h Handoff) doc() *doc {
	d := &doc{title: h.Title}
	meta := d.section(2, "Summary")
	byline := "Prepared with consentwiz"
	if h.Version != "" {
		byline += " " + h.Version
	}
	if !h.GeneratedAt.IsZero() {
		byline += " on " + h.GeneratedAt.UTC().Format(timeLayout)
	}
	meta.para(byline + " for an administrator of the tenant.")
	var facts [][]span
	facts = append(facts, spans("App: ", h.appLabel()))
	if h.TenantLabel != "" {
		facts = append(facts, spans("Tenant: ", code(h.TenantLabel), iff(h.Cloud != "" && h.Cloud != "global", ", cloud "+h.Cloud, "")))
	} else {
		facts = append(facts, spans("Tenant: not given (the links use the admin's own tenant)"))
	}
	if rec := h.recommended(); rec != nil {
		facts = append(facts, spans("To do: ", bold(rec.Title), " (needs "+rec.Role+")"))
	}
	meta.bullets(facts...)

	// What is wrong.
	p := h.Problem
	w := d.section(2, "What is wrong")
	if h.Live != nil && !h.Live.Blocked && h.Live.Verdict != VerdictUnknown {
		w.para("Users who connect ", h.appLabel(), " now get ", strings.TrimRight(p.UserSaw, "."), ".")
	} else {
		w.para("Users who try to connect ", h.appLabel(), " are stopped by Microsoft Entra ID. They see ", strings.TrimRight(p.UserSaw, "."), ".")
	}
	var items [][]span
	if p.Code != 0 {
		name := fmt.Sprintf("AADSTS%d", p.Code)
		if p.Name != "" {
			name += " " + p.Name
		}
		items = append(items, spans("Error: ", code(name), ": ", p.Meaning))
	}
	if p.Cause != "" {
		items = append(items, spans("Usual cause: ", p.Cause))
	}
	if p.CorrelationID != "" {
		items = append(items, spans("Correlation ID: ", code(p.CorrelationID)))
	}
	if p.TraceID != "" {
		items = append(items, spans("Trace ID: ", code(p.TraceID)))
	}
	if p.Source != "" && p.Meaning != "" && strings.Contains(p.Meaning, "not in consentwiz's catalogue") {
		items = append(items, spans("Look it up: ", p.Source))
	}
	if len(items) == 0 && h.Live == nil {
		items = append(items, spans("An administrator has to approve the permissions the app asks for, for the whole organization."))
	}
	w.bullets(items...)

	// Live findings.
	if l := h.Live; l != nil {
		s := d.section(2, "What consentwiz found in the tenant")
		by := "A read-only check"
		if l.CheckedBy != "" {
			by += " by " + l.CheckedBy
			if len(l.Roles) > 0 {
				by += " (" + strings.Join(l.Roles, ", ") + ")"
			}
		}
		state := "users are blocked"
		switch {
		case l.Verdict == VerdictUnknown:
			state = "it could not tell whether users are blocked"
		case !l.Blocked:
			state = "users are not blocked"
		}
		s.para(by+" found: ", bold(state), ".")
		if l.Verdict == VerdictUnknown && l.VerdictWhy != "" {
			s.para(l.VerdictWhy)
		}
		var fs [][]span
		for _, f := range l.Findings {
			it := spans(SeverityLabel(f.Severity)+": ", f.Title)
			if f.Detail != "" {
				it = append(it, spans(" — ", f.Detail)...)
			}
			fs = append(fs, it)
		}
		s.bullets(fs...)
		if l.RecommendedWhy != "" {
			s.para(bold("Recommended:"), " ", l.RecommendedWhy)
		}
		if len(l.Unreadable) > 0 {
			s.para("Not readable with that account: ", strings.Join(l.Unreadable, ", "), ".")
		}
	}

	// The recommended fix in full.
	rec := h.recommended()
	if rec != nil {
		s := d.section(2, "The fix: "+rec.Title)
		h.renderFix(s, *rec, true)
	} else if h.Live == nil || h.Live.Blocked || h.Live.Verdict == VerdictUnknown {
		s := d.section(2, "The fix")
		s.para("No single fix is certain from what is known; the vendor may have to change the app (see the error above). The options below may still help.")
	}

	// Consent links not already shown.
	if len(h.ConsentLinks) > 1 || len(h.ConsentLinks) == 1 && (rec == nil || rec.Key != HandoffConsentLink) {
		if rec != nil && rec.Key == HandoffConsentLink {
			s := d.section(2, "Other forms of the admin consent link")
			s.para("If the link above does not work (a v2.0 link also needs the app's exact redirect URI):")
			for _, l := range h.ConsentLinks[1:] {
				s.link(l.URL, l.Label+":")
			}
		} else {
			s := d.section(2, "Admin consent link")
			s.para("An administrator can grant consent for the whole organization by opening this link and accepting:")
			for _, l := range h.ConsentLinks {
				s.link(l.URL, l.Label+":")
			}
		}
	}

	// Permissions.
	ps := d.section(2, "What "+h.AppName+" asks for")
	if len(h.Permissions) == 0 {
		ps.para("The permissions are not known from what was given. The consent page lists them before the administrator accepts; compare them with what the vendor documents.")
	} else {
		var rows [][]string
		live := false
		for _, p := range h.Permissions {
			var notes []string
			if p.Kind == "application" {
				notes = append(notes, "admin only (application permission)")
			} else if p.AdminOnly {
				notes = append(notes, "admin only")
			}
			if p.Granted && p.Known {
				notes = append(notes, "already granted")
			}
			if p.ManagedBlocked {
				if p.Known {
					notes = append(notes, "excluded from Microsoft-managed user consent")
				} else {
					notes = append(notes, "likely excluded from Microsoft-managed user consent")
				}
			}
			live = live || p.Known && p.Kind == "delegated"
			rows = append(rows, []string{p.Name, p.Kind, strings.Join(notes, "; ")})
		}
		ps.table([]string{"Permission", "Type", "Note"}, rows)
		if !live {
			ps.para("Which delegated permissions are admin-only is checked live (", code("consentwiz check"), "); the consent page shows the rest.")
		}
	}

	// Other fixes.
	var others []HandoffFix
	for _, f := range h.Fixes {
		if rec == nil || f.Key != rec.Key {
			others = append(others, f)
		}
	}
	if len(others) > 0 {
		d.section(2, "Other ways to fix it")
		for i, f := range others {
			s := d.section(3, fmt.Sprintf("%d. %s", i+1, f.Title))
			h.renderFix(s, f, false)
		}
	}

	// Check.
	c := d.section(2, "Check the result")
	c.link(h.Verify.Link.URL, h.Verify.Link.Label+":")
	var vs [][]span
	for _, st := range h.Verify.Steps {
		vs = append(vs, spans(st))
	}
	c.bullets(vs...)
	if h.Verify.Command != "" {
		c.command(h.Verify.Command)
	}

	if len(h.Notes) > 0 {
		n := d.section(2, "Notes")
		var ns [][]span
		for _, x := range h.Notes {
			ns = append(ns, spans(x))
		}
		n.bullets(ns...)
	}
	end := d.section(2, "Guided help")
	end.para("Run ", code("consentwiz"), " to be guided through the fix step by step, with every change previewed and verified.")
	return d
}

func (h Handoff) recommended() *HandoffFix {
	for i := range h.Fixes {
		if h.Fixes[i].Recommended {
			return &h.Fixes[i]
		}
	}
	return nil
}

func (h Handoff) renderFix(s *section, f HandoffFix, main bool) {
	if f.Checked && !f.Viable {
		s.para(bold("Will not work here:"), " ", f.Reason, ".")
		s.para(f.Summary)
		return
	}
	s.para(f.Summary)
	if f.Checked && f.Reason != "" && !main {
		s.para("In this tenant: ", f.Reason, ".")
	}
	s.para(bold("Who can do it:"), " ", f.Role, ".")
	if f.Link.URL != "" {
		s.link(f.Link.URL, f.Link.Label+":")
	}
	var st [][]span
	for _, x := range f.Steps {
		st = append(st, spans(x))
	}
	s.steps(st...)
	if f.Command != "" {
		s.command(f.Command)
	}
	if f.Caution != "" {
		s.para(bold("Caution:"), " ", f.Caution)
	}
	if f.Message != "" {
		s.pre(f.Message)
	}
}

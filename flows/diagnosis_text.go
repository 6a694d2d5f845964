package flows

import (
	"fmt"
	"slices"
	"strings"
)

// The diagnosis in words: severity labels, the users' screen, and the plain
// text report of `consentwiz check`.

// "✓ OK", "i Info", "! Warning", "✗ Blocks".
func SeverityLabel(s Severity) string {
	switch s {
	case SeverityOK:
		return "✓ OK"
	case SeverityInfo:
		return "i Info"
	case SeverityWarning:
		return "! Warning"
	case SeverityBlocker:
		return "✗ Blocks"
	}
	return "? " + string(s)
}

// ScreenTitle names a user screen as users see it.
func ScreenTitle(screen string) string {
	switch screen {
	case ScreenNone:
		return "no prompt: the app connects"
	case ScreenConsentPrompt:
		return "a consent prompt the user can accept"
	case ScreenNeedAdminApproval:
		return "\"Need admin approval\" (AADSTS90094)"
	case ScreenApprovalRequired:
		return "\"Approval required\": a form to request approval (AADSTS90095)"
	case ScreenNotAssigned:
		return "not assigned to the app (AADSTS50105)"
	}
	return screen
}

// Text renders the diagnosis as the plain-text report of `consentwiz check`:
// a checklist with a glyph and a word per severity, the fixes, and the
// recommendation. No colour.
func (d Diagnosis) Text() string {
	var b strings.Builder
	tenant := d.Tenant.Domain
	if tenant == "" {
		tenant = d.Tenant.ID
	} else if d.Tenant.ID != "" {
		tenant += " (" + d.Tenant.ID + ")"
	}
	app := d.App.DisplayName
	if app == "" {
		app = d.App.ClientID
	} else if d.App.ClientID != "" {
		app += " (" + d.App.ClientID + ")"
	}
	fmt.Fprintf(&b, "Tenant:  %s, cloud %s\n", orDash(tenant), orDash(d.Tenant.Cloud.Name))
	fmt.Fprintf(&b, "App:     %s\n", orDash(app))
	if d.SignedInAs != "" {
		fmt.Fprintf(&b, "Checked by: %s\n", d.SignedInAs)
	}
	status := "users are not blocked"
	if d.Blocked {
		status = "users are BLOCKED"
	}
	fmt.Fprintf(&b, "Users see: %s — %s\n\n", ScreenTitle(d.UserScreen), status)

	b.WriteString("Checklist\n")
	// Blockers first, as on the wizard's screen.
	findings := slices.Clone(d.Findings)
	slices.SortStableFunc(findings, func(a, b Finding) int { return b.Severity.Rank() - a.Severity.Rank() })
	for _, f := range findings {
		fmt.Fprintf(&b, "  %-10s %s\n", SeverityLabel(f.Severity), f.Title)
		if f.Detail != "" {
			fmt.Fprintf(&b, "  %-10s   %s\n", "", f.Detail)
		}
	}
	b.WriteString("\nFixes\n")
	for _, f := range d.Fixes {
		state := "viable"
		if !f.Viable {
			state = "not possible"
		}
		mark := ""
		if f.ID == d.Recommended && d.Recommended != "" {
			mark = " (recommended)"
		}
		fmt.Fprintf(&b, "  %-19s %s%s: %s\n", f.ID, state, mark, f.Reason)
		if f.NeedsRole != "" {
			has := "you do not have it"
			if f.HasRole {
				has = "you have it"
			}
			fmt.Fprintf(&b, "  %-19s needs %s (%s)\n", "", f.NeedsRole, has)
		}
	}
	b.WriteString("\n")
	if d.Recommended != "" {
		fmt.Fprintf(&b, "Recommended: %s. %s\n", d.Recommended, d.RecommendedWhy)
	} else {
		fmt.Fprintf(&b, "Recommended: none. %s\n", d.RecommendedWhy)
	}
	return b.String()
}

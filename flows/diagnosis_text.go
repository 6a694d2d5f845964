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

// ScreenTitle names a user screen as users see it ("Need admin approval"
// with AADSTS90094; see ScreenTitleCode for the code the diagnosis found).
func ScreenTitle(screen string) string { return ScreenTitleCode(screen, 0) }

// ScreenTitleCode names a user screen with the AADSTS code users see (0: the
// screen's usual one). "Need admin approval" is AADSTS90093 when an
// administrator's policy stops users from consenting (user consent off), and
// AADSTS90094 when the app needs what only an admin can grant
// (docs/entra.md B1).
func ScreenTitleCode(screen string, code int) string {
	switch screen {
	case ScreenNone:
		return "no prompt: the app connects"
	case ScreenConsentPrompt:
		return "a consent prompt the user can accept"
	case ScreenNeedAdminApproval:
		if code == 90093 {
			return "\"Need admin approval\" (AADSTS90093)"
		}
		return "\"Need admin approval\" (AADSTS90094)"
	case ScreenApprovalRequired:
		return "\"Approval required\": a form to request approval (AADSTS90095)"
	case ScreenNotAssigned:
		return "not assigned to the app (AADSTS50105)"
	case ScreenUnknown:
		return "(could not tell: the settings it depends on could not be read)"
	}
	return screen
}

// ScreenText names the screen users see, with the code the diagnosis found.
func (d Diagnosis) ScreenText() string { return ScreenTitleCode(d.UserScreen, d.UserCode) }

// Headline is the checklist's first line: the app, the tenant and what
// users see, or that it could not be told and why.
func (d Diagnosis) Headline(app, tenant string) string {
	if strings.HasPrefix(app, "the app ") { // an app known by its id only starts the sentence
		app = "The" + strings.TrimPrefix(app, "the")
	}
	h := app + " in " + tenant + ": " + d.UsersSee() + "."
	if d.Verdict == VerdictUnknown && d.VerdictWhy != "" {
		h += " " + d.VerdictWhy
	}
	return h
}

// UsersSee says in a sentence what users get, or that it could not be told.
func (d Diagnosis) UsersSee() string {
	switch d.UserScreen {
	case ScreenNone:
		return "users connect without a prompt"
	case ScreenConsentPrompt:
		return "users see a consent prompt they can accept themselves"
	case ScreenNotAssigned:
		return "users are refused because they are not assigned to the app (AADSTS50105)"
	case ScreenUnknown:
		return "consentwiz could not tell what users see"
	}
	return "users see " + d.ScreenText()
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
	switch {
	case d.Verdict == VerdictUnknown:
		fmt.Fprintf(&b, "Users see: could not tell — %s\n\n", d.VerdictWhy)
	case d.Blocked:
		fmt.Fprintf(&b, "Users see: %s — users are BLOCKED\n\n", d.ScreenText())
	default:
		fmt.Fprintf(&b, "Users see: %s — users are not blocked\n\n", d.ScreenText())
	}
	for _, c := range d.OpenChanges {
		// First, before the settings it explains: they may be consentwiz's.
		fmt.Fprintf(&b, "Still open: %s.\n", c.Sentence())
	}
	if len(d.OpenChanges) > 0 {
		fmt.Fprintf(&b, "%s.\n\n", upperFirst(RestoreAdvice))
	}

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
			switch {
			case f.HasRole:
				has = "you have it"
			case f.RoleUnknown:
				has = "whether you have it is unknown: your roles could not be read"
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

package ui

import (
	"strings"

	"consentwiz/flows"
)

// finishedContent is the final screen: the summary and the change log,
// from the machine's Done prompt.
func (m *Model) finishedContent(w int) []string {
	st := m.styles
	var out []string
	if body := m.body(); body != "" {
		out = append(out, m.bodyLines(body, w, st.Body)...)
	}
	// What is left for an admin, and a dry run's requests, whole.
	if len(m.state.Prompt.Links) > 0 {
		out = append(out, "")
		out = append(out, m.linkLines(w)...)
	}
	if len(m.state.Prompt.Snippets) > 0 {
		out = append(out, "")
		out = append(out, m.snippetLines()...)
	}
	if o := m.outcome; o != nil && o.Kind != "" && !strings.EqualFold(m.state.Prompt.Title, outcomeWord(o.Kind)) {
		// The result line, unless the title above already says it.
		glyph, style := m.statusGlyph()
		out = append(out, "")
		out = append(out, style.Render(glyph+" Result: "+outcomeWord(o.Kind)))
	}
	if m.note != "" {
		// The last action here: a support report saved (or not).
		glyph, ns := "✓ ", st.OK
		if m.noteBad {
			glyph, ns = "! ", st.Warning
		}
		out = append(out, "")
		out = append(out, wrapStyled(glyph+m.clean(m.note, 600), w, "  ", ns)...)
	}
	return out
}

// outcomeWord names an outcome in plain words.
func outcomeWord(k flows.OutcomeKind) string {
	switch k {
	case flows.OutcomeVerified:
		return "fixed and verified"
	case flows.OutcomeNothingToFix:
		return "nothing to fix"
	case flows.OutcomeHandedOff:
		return "ready for an admin; users stay blocked until one acts"
	case flows.OutcomeRestored:
		return "setting restored"
	case flows.OutcomeCancelled:
		return "cancelled"
	case flows.OutcomeFailed:
		return "failed"
	case flows.OutcomeSignInFailed:
		return "sign-in failed"
	case flows.OutcomeDryRun:
		return "dry run, nothing changed"
	case flows.OutcomeNotApplied:
		return "not applied by the service"
	case flows.OutcomeRestoreNeeded:
		return "a restore is still needed"
	case flows.OutcomeBlocked:
		return "users are still blocked"
	case flows.OutcomeUnknown:
		return "could not tell"
	case flows.OutcomeNothingToRestore:
		return "nothing to restore"
	case flows.OutcomeNotFixed:
		return "not fixed, the change was put back"
	}
	return string(k)
}

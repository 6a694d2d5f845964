package ui

import (
	"sort"
	"strings"

	"consentwiz/flows"
)

// checklistLines renders the diagnosis above the fix choices: what users see,
// each finding with its severity glyph and word, and why a fix is
// recommended. Blockers come first; keep is how many lines go through the
// last one (what the first screen must show). Compact, for small
// terminals, leaves out the heading and the details of info and OK rows:
// each is one line, its title (every title is a fact; a detail explains it).
func (m *Model) checklistLines(w int, compact bool) (out []string, keep int) {
	st := m.styles
	d := m.state.Diagnosis
	// The first line of the machine's body says who is blocked and how.
	if first, _, _ := strings.Cut(strings.TrimSpace(m.state.Prompt.Body), "\n"); first != "" {
		out = append(out, wrapStyled(m.clean(first, 600), w, "", st.Body)...)
		out = append(out, "")
	}
	if !compact {
		out = append(out, st.Section.Render("Checklist"))
	}
	findings := append([]flows.Finding{}, d.Findings...)
	sort.SliceStable(findings, func(i, j int) bool { return findings[i].Severity.Rank() > findings[j].Severity.Rank() })
	for _, f := range findings {
		label := flows.SeverityLabel(f.Severity)
		sev := st.severity(f.Severity)
		pad := strings.Repeat(" ", max(1, 10-len([]rune(label))))
		title := m.clean(f.Title, 300)
		lines := wrapIndent(title, w-12, "")
		for j, l := range lines {
			if j == 0 {
				out = append(out, "  "+sev.Render(label)+pad+st.Body.Render(l))
				continue
			}
			out = append(out, strings.Repeat(" ", 12)+st.Body.Render(l))
		}
		if det := m.clean(f.Detail, 800); det != "" && !(compact && f.Severity.Rank() <= flows.SeverityInfo.Rank()) {
			for _, l := range wrapIndent(det, w-12, "") {
				out = append(out, strings.Repeat(" ", 12)+st.Dim.Render(l))
			}
		}
		if f.Severity == flows.SeverityBlocker {
			keep = len(out)
		}
	}
	if why := m.clean(d.RecommendedWhy, 800); why != "" {
		out = append(out, "")
		head := "★ Recommended: "
		if d.Recommended == "" {
			head = "→ " + flows.RecommendationLabel(*d) + ": "
		}
		out = append(out, wrapStyled(head+why, w, "  ", st.Recommended)...)
	}
	return out, keep
}

package ui

import (
	"strings"

	"consentwiz/flows"
)

// promptContent is the scrollable part of a generic prompt: the body (or the
// diagnosis checklist, compact on small terminals), links, the before →
// after preview and snippets.
func (m *Model) promptContent(w int, compact bool) body {
	st := m.styles
	s := m.state
	p := s.Prompt
	var out []string
	add := func(lines ...string) {
		if len(out) > 0 && len(lines) > 0 {
			out = append(out, "")
		}
		out = append(out, lines...)
	}
	// Links first: they are what the user acts on, and must not scroll away;
	// then what was just saved.
	if len(p.Links) > 0 {
		add(m.linkLines(w)...)
	}
	if len(p.Snippets) > 0 {
		add(m.snippetLines()...)
	}
	// The browser sign-in page, for when no browser appeared: like a link, it
	// comes before the explanation so it never scrolls out of sight.
	if d := m.device; d != nil && d.browser {
		lines := wrapStyled("A browser window was opened to sign in. If it did not open, open this page yourself:", w, "", st.Body)
		lines = append(lines, m.wholeLines(m.clean(d.url, 0), st.Link, d.url)...)
		add(lines...)
	}
	keep := 0
	if s.Step == flows.StepChooseFix && s.Diagnosis != nil {
		lines, k := m.checklistLines(w, compact)
		add(lines...)
		if k > 0 {
			keep = len(out) - len(lines) + k
		}
	} else if b := m.body(); b != "" {
		add(m.bodyLines(b, w, st.Body)...)
	}
	if len(p.Preview) > 0 {
		add(m.previewLines(w)...)
	}
	return body{lines: out, keep: keep}
}

// snippetLines shows each snippet (a saved file's path, a request body)
// under its label, whole (tui_whole.go).
func (m *Model) snippetLines() []string {
	st := m.styles
	var out []string
	for i, sn := range m.state.Prompt.Snippets {
		if i > 0 {
			out = append(out, "")
		}
		if label := m.clean(sn.Label, 300); label != "" {
			out = append(out, wrapStyled(label+":", m.innerWidth(), "", st.LinkLabel)...)
		}
		out = append(out, m.wholeLines(m.clean(sn.Text, 0), st.Body, "")...)
	}
	return out
}

// body is the prompt's body, cleaned, without the input error the machine
// appends (the TUI shows that one in red below the answer).
func (m *Model) body() string {
	b := strings.TrimSpace(m.state.Prompt.Body)
	if e := strings.TrimSpace(m.state.InputErr); e != "" {
		b = strings.TrimSpace(strings.TrimSuffix(b, e))
	}
	return m.cleanBlock(b)
}

// linkLines shows every link whole (tui_whole.go): one string the terminal
// wraps, never broken by the program, an OSC 8 hyperlink where it can be.
func (m *Model) linkLines(w int) []string {
	st := m.styles
	p := m.state.Prompt
	var out []string
	for i, l := range p.Links {
		if i > 0 {
			out = append(out, "")
		}
		label := m.clean(l.Label, 120)
		if label == "" {
			label = "Link"
		}
		marker := ""
		if len(p.Links) > 1 && i == m.linkSel {
			marker = "▸ "
		}
		// A long label wraps like text; it was cut at the screen's edge
		// ("…Review perm" at 80 columns).
		out = append(out, wrapStyled(marker+label+":", w, "", st.LinkLabel)...)
		ls := st.Link
		if len(p.Links) > 1 && i == m.linkSel {
			ls = st.LinkSel
		}
		out = append(out, m.wholeLines(m.clean(l.URL, 0), ls, l.URL)...)
	}
	if m.deps.Present {
		out = append(out, st.Dim.Render("(ids are masked on screen; c copies the full link)"))
	}
	return out
}

// previewLines renders each change as a before → after block.
func (m *Model) previewLines(w int) []string {
	st := m.styles
	var out []string
	for i, d := range m.state.Prompt.Preview {
		if i > 0 {
			out = append(out, "")
		}
		out = append(out, wrapStyled(m.clean(d.Label, 200), w, "  ", st.DiffLabel)...)
		before, after := m.clean(d.Before, 1000), m.clean(d.After, 1000)
		if before == "" && after != "" {
			out = append(out, wrapStyled("  "+after, w, "    ", st.Body)...)
			continue
		}
		// Policy ids are long: break them after a "." rather than anywhere.
		out = append(out, wrapStyledAt("  before   "+before, w, "           ", ".", st.Before)...)
		out = append(out, wrapStyledAt("  after  → "+after, w, "           ", ".", st.After)...)
	}
	return out
}

// bottomLines are the parts that always show: options, the text input, the
// input error and the last action's note; options compact or windowed to
// fit maxLines.
func (m *Model) bottomLines(w, maxLines int, level optLevel) []string {
	st := m.styles
	p := m.state.Prompt
	var tail []string
	if m.screen() == screenDeviceCode {
		tail = append(tail, wrapStyled(m.progressLine("Waiting for you to sign in"), w, "  ", st.Dim)...)
	} else if p.Kind == flows.PromptInput {
		tail = append(tail, m.input.View())
	}
	if e := strings.TrimSpace(m.state.InputErr); e != "" && m.screen() != screenDeviceCode {
		tail = append(tail, wrapStyled("✗ "+m.clean(e, 600), w, "  ", st.Error)...)
	}
	if n := strings.TrimSpace(p.Note); n != "" && m.screen() == screenPrompt {
		// How the wait stands and what the last action did: in sight.
		tail = append(tail, wrapStyled("• "+m.clean(n, 600), w, "  ", st.Dim)...)
	}
	if m.note != "" {
		glyph, ns := "✓ ", st.OK
		if m.noteBad {
			glyph, ns = "! ", st.Warning
		}
		tail = append(tail, wrapStyled(glyph+m.clean(m.note, 600), w, "  ", ns)...)
	}
	var opts []string
	if len(p.Options) > 0 && m.screen() == screenPrompt {
		// At least the selected option and the "more" lines around it.
		opts = m.optionLines(w, max(3, maxLines-len(tail)), level)
	}
	return append(opts, tail...)
}

package ui

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"
)

// deviceContent shows a device code sign-in: where to go, and the code in
// large spaced letters in a box, readable across a screen share.
func (m *Model) deviceContent(w int) []string {
	st := m.styles
	d := m.device
	var out []string
	out = append(out, st.Body.Render("1. Open this page in a browser:"))
	out = append(out, m.wholeLines(m.clean(d.code.VerificationURL, 0), st.Link, d.code.VerificationURL)...)
	out = append(out, st.Body.Render("2. Enter this code:"))
	code := spaced(m.clean(d.code.UserCode, 40))
	boxW := min(w-3, lipgloss.Width(code)+st.CodeBox.GetHorizontalFrameSize())
	cb := st.CodeBox
	if m.height < 30 {
		cb = cb.PaddingTop(0).PaddingBottom(0)
	}
	box := cb.Width(boxW).Align(lipgloss.Center).Render(st.Code.Render(code))
	for _, l := range strings.Split(box, "\n") {
		out = append(out, "   "+l)
	}
	who := "an administrator"
	if m.state.Helpdesk {
		who = "a Global Reader (or an administrator)" // the helpdesk's read-only sign-in
	}
	out = append(out, wrapStyled("3. Sign in as "+who+" of the tenant and accept.", w, "   ", st.Body)...)
	if !d.code.ExpiresOn.IsZero() {
		left := d.code.ExpiresOn.Sub(m.clock)
		var s string
		switch {
		case left <= 0:
			s = "The code has expired: press esc and sign in again."
		case left < 2*60e9:
			s = fmt.Sprintf("The code expires in %d seconds.", int(left.Seconds()))
		default:
			s = fmt.Sprintf("The code expires in %d minutes.", int(left.Minutes()))
		}
		out = append(out, st.Dim.Render(s))
	}
	if body := m.body(); body != "" {
		out = append(out, "")
		out = append(out, m.bodyLines(body, w, st.Dim)...)
	}
	return out
}

// spaced puts a space between the letters of a code: "ABCD-EFGH" → "A B C D - E F G H".
func spaced(code string) string {
	rs := []rune(code)
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = string(r)
	}
	return strings.Join(parts, " ")
}

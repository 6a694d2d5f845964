package ui

import (
	"regexp"
	"strings"

	"consentwiz/flows"
)

var (
	guidRE  = regexp.MustCompile(`(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{8}([0-9a-f]{4})\b`)
	emailRE = regexp.MustCompile(`(?i)\b([a-z0-9])[a-z0-9._%+'-]*@([a-z0-9-]+(?:\.[a-z0-9-]+)+)\b`)
)

// mask hides what must not show on a shared screen: GUIDs keep their last
// four digits (xxxxxxxx-…-1234), email addresses and UPNs keep their first
// letter and domain (m•••@contoso.com). The GUIDs in keep stay whole: an
// app's client id is public, and a vendor on the call must recognize it.
func mask(s string, keep ...string) string {
	s = guidRE.ReplaceAllStringFunc(s, func(g string) string {
		for _, k := range keep {
			if k != "" && strings.EqualFold(g, k) {
				return g
			}
		}
		return guidRE.ReplaceAllString(g, "xxxxxxxx-…-$1")
	})
	s = emailRE.ReplaceAllString(s, "$1•••@$2")
	return s
}

// publicIDs are the ids presenter mode leaves whole: the app's client id.
func publicIDs(s flows.State) []string {
	ids := []string{s.App.ClientID}
	if s.Diagnosis != nil {
		ids = append(ids, s.Diagnosis.App.ClientID)
	}
	return ids
}

// secretTexts are strings from the state that presenter mode hides wherever
// they appear: the reasons users gave in consent requests.
func secretTexts(s flows.State) []string {
	var out []string
	add := func(t string) {
		t = flows.Sanitize(t, 0)
		if len([]rune(t)) >= 3 {
			out = append(out, t)
		}
	}
	if s.Run != nil && s.Run.Workflow.Request != nil {
		for _, u := range s.Run.Workflow.Request.UserConsentRequests {
			add(u.Reason)
		}
	}
	if s.Diagnosis != nil {
		for _, r := range s.Diagnosis.PendingRequests {
			add(r.Reason)
		}
	}
	if s.Snap != nil {
		for _, r := range s.Snap.PendingRequests {
			for _, u := range r.UserConsentRequests {
				add(u.Reason)
			}
		}
	}
	return out
}

// cleanLines sanitizes multi-line text from the state line by line, keeping
// line breaks and leading indentation (flows.Sanitize alone would fold them).
// Each line is cut to max runes when max > 0.
func cleanLines(s string, max int) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		indent := len(l) - len(strings.TrimLeft(l, " "))
		lines[i] = strings.Repeat(" ", min(indent, 8)) + flows.Sanitize(l, max)
	}
	return strings.Join(lines, "\n")
}

package flows

import (
	"regexp"
	"sort"
	"strings"

	"consentwiz/graph/entra"
)

// Redaction: a support report without personal data and tenant identifiers.

var (
	reportGUIDRE  = regexp.MustCompile(`(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{8}([0-9a-f]{4})\b`)
	reportEmailRE = regexp.MustCompile(`(?i)\b([a-z0-9])[a-z0-9._%+'-]*@([a-z0-9-]+(?:\.[a-z0-9-]+)+)\b`)
)

// MaskGUID keeps a GUID's last four digits: xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxx1234.
func MaskGUID(id string) string {
	id = strings.TrimSpace(id)
	if len(id) < 4 {
		return "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
	}
	return "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxx" + strings.ToLower(id[len(id)-4:])
}

// MaskEmail keeps an address's first letter and its domain: m•••@contoso.com.
func MaskEmail(s string) string {
	return reportEmailRE.ReplaceAllString(s, "$1•••@$2")
}

// Initials reduces a person's name to initials ("Alice Smith" → "A. S.").
// Email addresses are masked instead, GUIDs masked.
func Initials(name string) string {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return ""
	case reportEmailRE.MatchString(name):
		return MaskEmail(name)
	case IsGUID(name):
		return MaskGUID(NormalizeGUID(name))
	}
	var parts []string
	for _, w := range strings.Fields(name) {
		r := []rune(w)
		if len(r) == 0 {
			continue
		}
		parts = append(parts, strings.ToUpper(string(r[0]))+".")
		if len(parts) == 4 {
			break
		}
	}
	return strings.Join(parts, " ")
}

// keptGUIDs are identifiers that stay in a redacted report: they are public
// (the vendor's client id, Microsoft Graph's app id, built-in role template
// ids) or exist for support (Graph request ids, the sign-in correlation and
// trace ids).
func (r Report) keptGUIDs() map[string]bool {
	keep := map[string]bool{strings.ToLower(entra.MicrosoftGraphAppID): true}
	for id := range entra.RoleNames {
		keep[strings.ToLower(id)] = true
	}
	add := func(s string) {
		if id := NormalizeGUID(s); id != "" {
			keep[id] = true
		}
	}
	add(r.App.ClientID)
	add(r.App.CorrelationID)
	add(r.App.TraceID)
	if r.Diagnosis != nil {
		add(r.Diagnosis.App.ClientID)
	}
	for _, c := range r.FailedCalls {
		add(c.RequestID)
	}
	return keep
}

// Redact returns a copy with personal data and identifiers masked: the tenant
// id and every other directory object id keep only their last four digits;
// email addresses and UPNs keep their first letter and domain; the reasons
// users gave in consent requests become "[redacted]"; requester names become
// initials. The app's client id, Graph request ids and sign-in correlation ids
// stay, because support needs them. Token-like strings are scrubbed again.
func (r Report) Redact() Report {
	if r.Redacted {
		return r
	}
	c := deepCopy(r)
	c.Redacted = true
	// Strings replaced wherever they appear (a name quoted in a finding, a reason in a summary).
	replace := map[string]string{}
	person := func(s string) string {
		if s == "" {
			return s
		}
		m := Initials(s)
		if len([]rune(s)) >= 3 {
			replace[s] = m
		}
		return m
	}
	for _, p := range r.people {
		person(p)
	}
	for _, x := range r.reasons {
		if len([]rune(x)) >= 3 {
			replace[x] = "[redacted]"
		}
	}
	c.SignedInAs = person(c.SignedInAs)
	if d := c.Diagnosis; d != nil {
		d.SignedInAs = person(d.SignedInAs)
		for i := range d.PendingRequests {
			p := &d.PendingRequests[i]
			if p.Reason != "" {
				if len([]rune(p.Reason)) >= 3 {
					replace[p.Reason] = "[redacted]"
				}
				p.Reason = "[redacted]"
			}
			p.Requester = person(p.Requester)
		}
		// The pending-requests finding quotes names and reasons: say it again from the redacted requests.
		for i := range d.Findings {
			if d.Findings[i].ID == FindingPendingRequests && len(d.PendingRequests) > 0 {
				var who []string
				for _, p := range d.PendingRequests {
					w := firstNonEmpty(p.Requester, "a user")
					if p.Reason != "" {
						w += " (\"" + p.Reason + "\")"
					}
					if p.Created != "" {
						w += " on " + requestTime(p.Created)
					}
					who = append(who, w)
				}
				d.Findings[i].Detail = strings.Join(who, "; ")
			}
		}
	}
	keep := c.keptGUIDs()
	// Longest first, so a name inside a longer string is replaced whole.
	keys := make([]string, 0, len(replace))
	for k := range replace {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) })
	walkStrings(&c, func(s string) string {
		for _, k := range keys {
			if strings.Contains(s, k) && s != replace[k] {
				s = strings.ReplaceAll(s, k, replace[k])
			}
		}
		s = ScrubSecrets(s)
		s = MaskEmail(s)
		return reportGUIDRE.ReplaceAllStringFunc(s, func(g string) string {
			if keep[strings.ToLower(g)] {
				return g
			}
			return MaskGUID(g)
		})
	})
	return c
}

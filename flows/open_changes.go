package flows

import (
	"fmt"
	"strings"
	"time"
)

// A change consentwiz made that the journal still holds — a wizard killed
// while user consent was relaxed, a laptop closed during a temporary request
// workflow — is part of the tenant's state as `check` and `scan` report it:
// the relaxed setting is consentwiz's, not the tenant's own choice, and the
// way back is `consentwiz restore` (docs/safety.md).

// FindingOpenChange is the finding that a temporary change is still open.
const FindingOpenChange = "open-change"

// OpenChange is a change by consentwiz in the tenant that was not put back:
// one journal entry.
type OpenChange struct {
	EntryID string    `json:"entryId"`
	Fix     FixID     `json:"fix"`
	At      time.Time `json:"at"`
	By      string    `json:"by,omitempty"`
	// What is changed: "user consent setting", "consent request setting",
	// or "objects created" (an unfinished grant-direct, assign-users, …).
	What string `json:"what"`
	// Original is the tenant's own value, put back by a restore, and Set
	// the value consentwiz wrote (settings only).
	Original string `json:"original,omitempty"`
	Set      string `json:"set,omitempty"`
}

// RestoreAdvice is what to do about open changes.
const RestoreAdvice = "if no consentwiz is still working on it, run 'consentwiz restore' to put it back"

// OpenChangesOf lists the journal entries as open changes (sanitized: the
// journal is a file another process wrote).
func OpenChangesOf(entries []JournalEntry) []OpenChange {
	var out []OpenChange
	for _, j := range entries {
		c := OpenChange{EntryID: Sanitize(j.ID, 200), Fix: FixID(Sanitize(string(j.Fix), 60)), At: j.At.UTC(), By: Sanitize(j.By, 200)}
		switch {
		case j.IsRequestPolicy():
			c.What = restoreSetting(&j)
			c.Original, c.Set = requestPolicyText(*j.OriginalRequestPolicy), requestPolicyText(*j.SetRequestPolicy)
		case j.HasSetting():
			c.What = restoreSetting(&j)
			c.Original, c.Set = portalName(j.Original), portalName(j.Set)
		default:
			c.What = "objects created"
		}
		out = append(out, c)
	}
	return out
}

// Sentence says what c is: a sentence in lower case, without its full stop.
func (c OpenChange) Sentence() string {
	who := firstNonEmpty(c.By, "consentwiz")
	when := c.At.Format(timeLayout)
	if c.Set == "" {
		return fmt.Sprintf("on %s %s started %s and it did not finish: what it created is still there", when, who, c.Fix)
	}
	return fmt.Sprintf("on %s %s set the %s to %q (%s) and it was not put back; the tenant's own setting is %q",
		when, who, c.What, c.Set, c.Fix, c.Original)
}

// NoteOpenChanges adds to d the tenant's open changes: OpenChanges (JSON
// openChanges), a warning finding, and on the settings consentwiz set a word
// that the value is consentwiz's temporary one, not the tenant's own.
func (d *Diagnosis) NoteOpenChanges(entries []JournalEntry) {
	changes := OpenChangesOf(entries)
	if len(changes) == 0 {
		return
	}
	d.OpenChanges = changes
	var parts []string
	for _, c := range changes {
		parts = append(parts, c.Sentence())
	}
	title := "A temporary change by consentwiz is still open"
	if len(changes) > 1 {
		title = fmt.Sprintf("%d temporary changes by consentwiz are still open", len(changes))
	}
	d.Findings = append([]Finding{{ID: FindingOpenChange, Severity: SeverityWarning, Title: title,
		Detail: strings.Join(parts, "; ") + ": " + RestoreAdvice}}, d.Findings...)
	temporary := false
	for _, j := range entries {
		switch {
		case j.IsRequestPolicy():
			if d.RequestWorkflow.Enabled == j.SetRequestPolicy.IsEnabled && j.SetRequestPolicy.IsEnabled != j.OriginalRequestPolicy.IsEnabled {
				d.markTemporary(FindingRequestWorkflow, "", j.Fix, requestPolicyText(*j.OriginalRequestPolicy))
				temporary = true
			}
		case j.HasSetting():
			if samePolicies(d.UserConsent.PolicyIDs, j.Set) && !samePolicies(j.Set, j.Original) {
				d.markTemporary(FindingUserConsent, FixRelaxUserConsent, j.Fix, portalName(j.Original))
				temporary = true
			}
		}
	}
	if temporary && d.Verdict == VerdictOK {
		// "Not blocked" would rest on consentwiz's temporary setting, which
		// the restore takes away: an all-clear here would be false (a script
		// or a --tenants run counts it as fixed). Unknown until it is back.
		d.Verdict, d.Blocked = VerdictUnknown, false
		d.VerdictWhy = "Users get in now only through a temporary setting consentwiz left in place; once it is put back, the tenant's own setting decides."
		d.Undecided = append(d.Undecided, "the tenant's own setting (a temporary change is open)")
		d.Recommended = ""
		d.RecommendedWhy = "Could not tell whether users are blocked: " + RestoreAdvice + ", then check again."
	}
}

// markTemporary says, on the finding id (and on the fix whose reason rests on
// that setting), that its value is consentwiz's temporary one.
func (d *Diagnosis) markTemporary(id string, fix, by FixID, original string) {
	word := fmt.Sprintf("the current setting was set temporarily by consentwiz's %s and not put back; the tenant's own setting is %q", Sanitize(string(by), 60), original)
	for i, f := range d.Findings {
		if f.ID == id {
			d.Findings[i].Detail = strings.TrimPrefix(f.Detail+"; ", "; ") + word
		}
	}
	for i, f := range d.Fixes {
		if f.ID == fix && fix != "" && !f.Viable {
			d.Fixes[i].Reason += " — " + word
		}
	}
}

// NoteOpenChanges adds the tenant's open changes to the scan: OpenChanges
// (JSON openChanges) and the first note.
func (r *ScanResult) NoteOpenChanges(entries []JournalEntry) {
	changes := OpenChangesOf(entries)
	if len(changes) == 0 {
		return
	}
	r.OpenChanges = changes
	var parts []string
	for _, c := range changes {
		parts = append(parts, c.Sentence())
	}
	note := "A temporary change by consentwiz is still open in this tenant: " + strings.Join(parts, "; ") + ": " + RestoreAdvice + "."
	r.Notes = append([]string{note}, r.Notes...)
}

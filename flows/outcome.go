package flows

import "time"

// OutcomeKind is how the wizard ended.
type OutcomeKind string

// Outcome kinds.
const (
	OutcomeVerified      OutcomeKind = "verified"       // the fix worked and was verified
	OutcomeNothingToFix  OutcomeKind = "nothing-to-fix" // users are not blocked
	OutcomeBlocked       OutcomeKind = "blocked"        // a check (WizardInput.CheckOnly) found users blocked, or a fix left them blocked
	OutcomeUnknown       OutcomeKind = "unknown"        // a check could not tell: what it needs could not be read
	OutcomeHandedOff     OutcomeKind = "handed-off"     // a link or hand-off is ready for an admin; users stay blocked until one acts
	OutcomeRestored      OutcomeKind = "restored"       // a journaled setting was put back
	OutcomeCancelled     OutcomeKind = "cancelled"      // the user stopped; anything written was undone
	OutcomeFailed        OutcomeKind = "failed"         // an error; see Err
	OutcomeSignInFailed  OutcomeKind = "sign-in-failed" // sign-in did not succeed
	OutcomeDryRun        OutcomeKind = "dry-run"        // stopped before writing; Requests holds what would be sent
	OutcomeNotApplied    OutcomeKind = "not-applied"    // the service accepted a write but did not apply it
	OutcomeRestoreNeeded OutcomeKind = "restore-needed" // a journal entry is left for a later restore
	// OutcomeNothingToRestore: `consentwiz restore` found no journal entry.
	OutcomeNothingToRestore OutcomeKind = "nothing-to-restore"
	// OutcomeNotFixed: the temporary change was made and put back, but what it
	// was for did not happen (no user consented while user consent was relaxed).
	OutcomeNotFixed OutcomeKind = "not-fixed"
)

// Outcome is the result the driver reports (exit code, JSON, report).
type Outcome struct {
	Kind    OutcomeKind `json:"kind"`
	Fix     FixID       `json:"fix,omitempty"`
	Summary string      `json:"summary"`
	Err     string      `json:"error,omitempty"`
	Changes []Change    `json:"changes"`
	// Requests are the exact Graph requests a dry run would have sent.
	Requests []RequestPreview `json:"requests,omitempty"`
	// Link is what is left for an admin (an admin consent or approval link), and
	// SavedTo the hand-off file saved for it, so that the result screen and
	// the text printed after it show them.
	Link    string `json:"link,omitempty"`
	SavedTo string `json:"savedTo,omitempty"`
	// JournalKept reports whether a journal entry remains for a later restore.
	JournalKept bool `json:"journalKept,omitempty"`
	// ClientNotConsented reports a sign-in stopped because consentwiz's own
	// sign-in client has no consent in the tenant: a hand-off needs no sign-in.
	ClientNotConsented bool `json:"clientNotConsented,omitempty"`
	// Diagnosis is the diagnosis a check (WizardInput.CheckOnly) ends with.
	Diagnosis *Diagnosis `json:"-"`
}

// ExitCode maps the outcome to the exit codes of docs/architecture.md: 0 ok,
// 1 error, 2 cancelled, 3 users blocked, 4 sign-in failed, 5 could not tell.
func (o Outcome) ExitCode() int {
	switch o.Kind {
	case OutcomeVerified, OutcomeNothingToFix, OutcomeHandedOff, OutcomeRestored, OutcomeDryRun, OutcomeNothingToRestore:
		return 0
	case OutcomeCancelled:
		return 2
	case OutcomeBlocked, OutcomeNotFixed:
		return 3
	case OutcomeSignInFailed:
		return 4
	case OutcomeUnknown:
		return 5
	}
	return 1
}

// Stopped is the outcome when the driver ends before the machine finished
// (the program was quit, the input ended): cancelled, or restore-needed when
// a change of the fix in progress is still in place (its journal entry is
// kept). why says what stopped it; "" means the user quit.
func Stopped(s State, why string) Outcome {
	o := Outcome{Kind: OutcomeCancelled, Summary: "Stopped before the wizard finished.", Changes: append([]Change{}, s.Changes...)}
	if s.Run != nil {
		o.Fix = s.Run.Fix
	}
	inPlace := s.Run != nil && s.Run.Writes.Journal != nil || s.restoring() && !s.Restore.mem
	if inPlace {
		o.Kind, o.JournalKept = OutcomeRestoreNeeded, true
		o.Summary = "Stopped while a change was in place; the original setting is kept in the journal."
	}
	if why != "" {
		o.Summary = "Stopped: " + why
	}
	return o
}

// Change is one line of the change log: what the wizard changed in the tenant.
type Change struct {
	What     string    `json:"what"`
	Before   string    `json:"before"`
	After    string    `json:"after"`
	Verified bool      `json:"verified"`
	At       time.Time `json:"at"`

	// key names what the line changed (a setting, an object by its id), so
	// that putting it back marks it; back says the line's change is not in
	// place any more: it was put back (or never applied), or the line is
	// the putting back itself (changes.go).
	key  string
	back bool
}

// RequestPreview is one Graph request as it would be sent (dry run, previews).
type RequestPreview struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Body   string `json:"body,omitempty"`
}

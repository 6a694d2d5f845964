package flows

import (
	"consentwiz/graph/entra"
	"time"
)

// The events of the wizard's contract (protocol.go): a user's answer, or the
// answer of one I/O effect.

// Event is an input to Next: a user answer or an I/O result. Closed set.
type Event interface{ isEvent() }

// User answers.
type (
	// Chose picks an option by key.
	Chose struct{ Key OptionKey }
	// Entered is a line of text.
	Entered struct{ Text string }
	// Confirmed answers yes (or continue).
	Confirmed struct{}
	// Back goes to the previous question.
	Back struct{}
	// Cancel stops the wizard, undoing anything half-made.
	Cancel struct{}
	// DoneKey: "I've done it" (approved in the browser, the user connected).
	DoneKey struct{}
	// Interrupted: the driver is going away (a signal, the end of the input)
	// and can ask nothing more. The machine stops as Cancel does — it puts
	// back a temporary change and undoes a half-made one, and never asks —
	// then finishes; Why ("SIGTERM", "the input ended") is in the outcome.
	Interrupted struct{ Why string }
	// Clock is the driver's clock, sent about once a second while a
	// temporary change's countdown is on the screen (State.TemporaryChange):
	// it moves Now and re-renders the prompt, nothing else, so the countdown
	// is current between the polls (every 5 s). The window's end still comes
	// with its own Tick (window.go). A line-mode driver, which prints each
	// prompt once, does not send it.
	Clock struct{ Now time.Time }
)

// I/O results.
type (
	// TenantResolved answers ResolveTenant. Info.Cloud is the cloud the tenant
	// lives in, with the hosts of the links a person opens.
	TenantResolved struct {
		Info TenantInfo
		Err  error
		// Note is a sentence for the admin about the cloud chosen: the
		// cloud of a pasted link against the one configured (--cloud).
		Note string
	}
	// SignedIn answers SignIn.
	SignedIn struct {
		Account string
		// AccountTenant is the id of the tenant the account lives in (its
		// home), when known: another tenant's for a partner's delegated
		// admin or a guest.
		AccountTenant string
		Scopes        []string
		Err           error
	}
	// SnapshotLoaded answers FetchSnapshot. Diagnosis is flows.Diagnose(Snap, app) when the effect asked for it.
	SnapshotLoaded struct {
		Snap      *entra.TenantSnapshot
		Diagnosis *Diagnosis
		Err       error
	}
	// PolicyRead answers ReadAuthorizationPolicy.
	PolicyRead struct {
		Policy entra.AuthorizationPolicy
		Err    error
	}
	// ConsentPolicyRead answers ReadConsentRequestPolicy.
	ConsentPolicyRead struct {
		Policy entra.AdminConsentRequestPolicy
		Err    error
	}
	// WriteDone answers a WriteEffect. ID is the created object's id (create effects).
	WriteDone struct {
		Op  WriteOp
		ID  string
		Err error
		// Lost says Err is a lost answer: none came (the connection
		// dropped, no answer in time, a gateway's 502 or 504), so a create
		// may have made its object all the same. Any other Err is a definite
		// refusal (the service's answer, or a failure before the request
		// went out): a create answered so made nothing, and what it would
		// have made is never looked for nor removed as consentwiz's
		// (docs/safety.md, "Only what consentwiz made").
		Lost bool
	}
	// ReviewersFound answers SearchReviewers.
	ReviewersFound struct {
		Reviewers []Reviewer
		Err       error
	}
	// ReviewerChecked answers CheckReviewer: the consent-granting directory
	// roles (template ids) the reviewer holds, or, for a group, that its
	// members hold; Members is how many users the group has (-1 for a user).
	ReviewerChecked struct {
		ID      string
		Roles   []string
		Members int
		Err     error
	}
	// AssignmentsRead answers ReadAssignments: the users, groups and
	// service principals assigned to the app (its appRoleAssignedTo).
	AssignmentsRead struct {
		Assignments []entra.AppRoleAssignment
		Err         error
	}
	// UsersRead answers ReadUsers: the users found (one not found is left
	// out). Err is set only when none could be read.
	UsersRead struct {
		Users []entra.User
		Err   error
	}
	// Polled answers PollGrant and PollRequests: a snapshot holding at least App, AppGrants,
	// AppRoleAssignments (PollGrant) or PendingRequests (PollRequests).
	Polled struct {
		Snap *entra.TenantSnapshot
		Err  error
		Now  time.Time
	}
	// JournalWritten answers WriteJournal (the entry is on disk, fsynced).
	JournalWritten struct{ Err error }
	// JournalCleared answers ClearJournal.
	JournalCleared struct{ Err error }
	// Opened answers OpenURL.
	Opened struct{ Err error }
	// Copied answers CopyText. Terminal reports that the text was only sent
	// to the terminal's clipboard (OSC 52), which no terminal confirms: the
	// screen must not claim it was copied.
	Copied struct {
		Err      error
		Terminal bool
	}
	// Saved answers SaveFile.
	Saved struct {
		Path string
		Err  error
	}
	// Tick answers Wait.
	Tick struct {
		Seq int
		Now time.Time
	}
	// UserSimulated answers SimulateUser (demo): what the end user saw.
	UserSimulated struct {
		Screen string // one of the Screen* constants
		Detail string
		Err    error
	}
	// Scanned answers Scan: what the scan read, grouped per app
	// (flows.BuildScan). Err is set only when nothing was read at all
	// (the context ended); what Graph refused is in Result's notes.
	Scanned struct {
		Result ScanResult
		Err    error
	}
	// AppsFound answers SearchApps: the tenant's apps whose name starts with
	// the prefix.
	AppsFound struct {
		Apps []AppCandidate
		Err  error
	}
)

func (Chose) isEvent()             {}
func (Entered) isEvent()           {}
func (Confirmed) isEvent()         {}
func (Back) isEvent()              {}
func (Cancel) isEvent()            {}
func (DoneKey) isEvent()           {}
func (Interrupted) isEvent()       {}
func (Clock) isEvent()             {}
func (TenantResolved) isEvent()    {}
func (SignedIn) isEvent()          {}
func (SnapshotLoaded) isEvent()    {}
func (PolicyRead) isEvent()        {}
func (ConsentPolicyRead) isEvent() {}
func (WriteDone) isEvent()         {}
func (ReviewersFound) isEvent()    {}
func (AssignmentsRead) isEvent()   {}
func (UsersRead) isEvent()         {}
func (ReviewerChecked) isEvent()   {}
func (Polled) isEvent()            {}
func (JournalWritten) isEvent()    {}
func (JournalCleared) isEvent()    {}
func (Opened) isEvent()            {}
func (Copied) isEvent()            {}
func (Saved) isEvent()             {}
func (Tick) isEvent()              {}
func (UserSimulated) isEvent()     {}
func (Scanned) isEvent()           {}
func (AppsFound) isEvent()         {}

package flows

// This file is the wizard's contract with its drivers (the Bubble Tea TUI, the
// plain line mode and the headless commands): the state, the prompt the UI
// renders generically, the events a driver feeds in and the effects it runs.
// The machine itself is Start and Next in wizard.go.
//
// Driving loop:
//
//	s, effs := flows.Start(in)
//	for { run effs (each I/O effect answers with exactly one event); render s.Prompt;
//	      s, effs = flows.Next(s, ev) }
//
// Effect → event pairs (every I/O effect is answered by one event):
//
//	ResolveTenant            → TenantResolved
//	SignIn                   → SignedIn
//	FetchSnapshot            → SnapshotLoaded (with Diagnosis filled by flows.Diagnose when Diagnose is set)
//	ReadAuthorizationPolicy  → PolicyRead
//	ReadConsentRequestPolicy → ConsentPolicyRead
//	any WriteEffect          → WriteDone{Op: eff.Op(), ID: id of a created object, Err}
//	SearchReviewers          → ReviewersFound
//	OpenURL                  → Opened
//	CopyText                 → Copied
//	SaveFile                 → Saved
//	WriteJournal             → JournalWritten
//	ClearJournal             → JournalCleared
//	Wait                     → Tick{Seq: the Wait's Seq, Now}
//	PollGrant, PollRequests  → Polled
//	SimulateUser             → UserSimulated
//	Finish                   → nothing; the driver ends (after showing s.Prompt)
//
// User answers (Chose, Entered, Confirmed, Back, Cancel, DoneKey) may arrive at
// any time; events that do not fit the current step are ignored (the state is
// returned unchanged with no effects), so stale results are harmless.

import (
	"consentwiz/graph/entra"
	"time"
)

// StepID names where the wizard is.
type StepID int

// The wizard's steps.
const (
	StepRestoreOffer     StepID = iota // a journal is pending: offer to put the setting back
	StepRestoreReading                 // reading the current user-consent setting
	StepRestoreConflict                // someone else changed it: show the three values, ask
	StepRestoreWriting                 // writing the original value back
	StepRestoreVerifying               // reading back the restored value
	StepRestoreClearing                // removing the journal entry
	StepAppChoose                      // choose a profile, type a client id, paste a URL or error
	StepAppInput                       // text input for the app
	StepTenantInput                    // text input: tenant domain or id
	StepTenantResolving                // tenant discovery
	StepSigningIn                      // sign-in with read scopes
	StepDiagnosing                     // reading the tenant
	StepChooseFix                      // the checklist and the fixes
	StepLinkShow                       // admin-link: the URL, open/copy/save, polling for the grant
	StepWriteSignIn                    // asking for the chosen fix's write scope
	StepReadingPolicy                  // reading the current user-consent setting before a change
	StepReviewers                      // request-workflow: who reviews requests
	StepReviewerSearch                 // text input: search users or groups
	StepReviewerPick                   // choose from the search results
	StepWorkflowOptions                // notify / reminders / duration
	StepWorkflowDuration               // text input: request duration in days
	StepPreview                        // before → after of every write; confirm
	StepJournaling                     // saving the original value to the journal
	StepWriting                        // writes in progress, one at a time
	StepVerifying                      // reading back what was written
	StepRelaxConnect                   // relax-user-consent: the user connects now
	StepRequestWait                    // request-workflow: waiting for the user's request
	StepRequestShow                    // request-workflow: the request, approve it
	StepRequestApprove                 // request-workflow: approving in the browser, polling for the grant
	StepUndoing                        // undoing writes after a cancel or a failure
	StepFailed                         // something went wrong: why, and what can still work
	StepDone                           // finished; s.Outcome holds the result
	StepDemoUser                       // demo: the simulated user tries the app again after the fix
	StepHandoff                        // a hand-off for an admin: copy, save, or sign in as a reader to add the diagnosis
	stepEnd
)

var stepNames = [...]string{
	"restore-offer", "restore-reading", "restore-conflict", "restore-writing", "restore-verifying", "restore-clearing",
	"app-choose", "app-input", "tenant-input", "tenant-resolving", "signing-in", "diagnosing", "choose-fix",
	"link-show", "write-sign-in", "reading-policy", "reviewers", "reviewer-search", "reviewer-pick",
	"workflow-options", "workflow-duration", "preview", "journaling", "writing", "verifying",
	"relax-connect", "request-wait", "request-show", "request-approve", "undoing", "failed", "done",
	"demo-user", "handoff",
}

func (s StepID) String() string {
	if s >= 0 && s < stepEnd {
		return stepNames[s]
	}
	return "step(?)"
}

// PromptKind says how the UI renders a prompt.
type PromptKind int

// Prompt kinds.
const (
	PromptInfo     PromptKind = iota // text; any key continues (Confirmed)
	PromptChoice                     // pick one Option (Chose{Key})
	PromptConfirm                    // yes (Confirmed) / back (Back)
	PromptInput                      // a line of text (Entered{Text})
	PromptProgress                   // waiting for I/O; a spinner; Cancel and, if offered, Options
	PromptDone                       // finished well
	PromptFailed                     // finished or stopped with an error; Options may offer a way on
)

func (k PromptKind) String() string {
	switch k {
	case PromptInfo:
		return "info"
	case PromptChoice:
		return "choice"
	case PromptConfirm:
		return "confirm"
	case PromptInput:
		return "input"
	case PromptProgress:
		return "progress"
	case PromptDone:
		return "done"
	case PromptFailed:
		return "failed"
	}
	return "prompt(?)"
}

// Prompt is everything the UI needs to render the current step, without knowing
// any fix logic. Strings may contain tenant data: the UI sanitizes before display.
type Prompt struct {
	Kind  PromptKind
	Title string
	Body  string
	// Options are the choices (PromptChoice, and extra actions on Progress/Failed/Done).
	Options []Option
	Links   []Link
	// Preview is the before → after of each write (PromptConfirm on StepPreview, restore conflict).
	Preview []Diff
	// Placeholder and Default help PromptInput.
	Placeholder string
	Default     string
	// StepNo/StepCount number the journey for presenter mode ("Step 3 of 6"); 0 when not numbered.
	StepNo, StepCount int
	// StepTitle is the plain-words name of the numbered step ("Enable consent requests").
	StepTitle string
	CanBack   bool
	// CanDone says the DoneKey event means something here ("I have approved it", "the user connected").
	CanDone   bool
	DoneLabel string
}

// Option is one answer of a choice.
type Option struct {
	Key      string
	Label    string
	Detail   string
	Disabled bool
	Reason   string // why it is disabled
}

// Link is a URL shown on screen (and openable/copyable).
type Link struct {
	Label string
	URL   string
}

// Diff is one before → after line of a preview.
type Diff struct {
	Label  string
	Before string
	After  string
}

// Change is one line of the change log: what the wizard changed in the tenant.
type Change struct {
	What     string    `json:"what"`
	Before   string    `json:"before"`
	After    string    `json:"after"`
	Verified bool      `json:"verified"`
	At       time.Time `json:"at"`
}

// JournalEntry records a change before it is written, so it can be undone after
// a crash: the user-consent setting (What == JournalWhat, Original/Set) or, for a
// temporary request workflow, the admin consent request policy (What ==
// JournalWhatRequestPolicy, OriginalRequestPolicy/SetRequestPolicy). Entries
// written before the request policy could be journaled have neither field and
// are user-consent entries. It never holds a token.
type JournalEntry struct {
	// ID names the entry; deterministic: "<tenant id>-<unix seconds>".
	ID           string `json:"id"`
	TenantID     string `json:"tenantId"`
	TenantDomain string `json:"tenantDomain,omitempty"`
	Cloud        string `json:"cloud"`
	Fix          FixID  `json:"fix"`
	AppID        string `json:"appId,omitempty"`
	// What is the setting changed.
	What string `json:"what"`
	// Original is the full permissionGrantPoliciesAssigned before the change,
	// including every ManagePermissionGrantsForOwnedResource.* entry.
	Original []string `json:"original"`
	// Set is the value the wizard wrote.
	Set []string `json:"set"`
	// OriginalRequestPolicy is the full adminConsentRequestPolicy before the
	// change (What == JournalWhatRequestPolicy).
	OriginalRequestPolicy *entra.AdminConsentRequestPolicy `json:"originalRequestPolicy,omitempty"`
	// SetRequestPolicy is the adminConsentRequestPolicy the wizard wrote.
	SetRequestPolicy *entra.AdminConsentRequestPolicy `json:"setRequestPolicy,omitempty"`
	At               time.Time                        `json:"at"`
	By               string                           `json:"by"`
}

// IsRequestPolicy reports whether the entry is for the admin consent request
// policy (a temporary request workflow) rather than the user-consent setting.
func (j JournalEntry) IsRequestPolicy() bool {
	return j.What == JournalWhatRequestPolicy && j.OriginalRequestPolicy != nil && j.SetRequestPolicy != nil
}

// JournalWhat is JournalEntry.What for the user-consent setting.
const JournalWhat = "authorizationPolicy.defaultUserRolePermissions.permissionGrantPoliciesAssigned"

// JournalWhatRequestPolicy is JournalEntry.What for the admin consent request policy.
const JournalWhatRequestPolicy = "adminConsentRequestPolicy"

// Reviewer is a reviewer of admin consent requests.
type Reviewer struct {
	Kind string // ReviewerUser, ReviewerGroup or ReviewerRole
	ID   string // object id, or role template id
	Name string
	// Detail is e.g. the user principal name.
	Detail string
}

// Reviewer kinds.
const (
	ReviewerUser  = "user"
	ReviewerGroup = "group"
	ReviewerRole  = "role"
)

// OutcomeKind is how the wizard ended.
type OutcomeKind string

// Outcome kinds.
const (
	OutcomeVerified      OutcomeKind = "verified"       // the fix worked and was verified
	OutcomeNothingToFix  OutcomeKind = "nothing-to-fix" // users are not blocked
	OutcomeHandedOff     OutcomeKind = "handed-off"     // a link or hand-off was given to another admin
	OutcomeRestored      OutcomeKind = "restored"       // a journaled setting was put back
	OutcomeCancelled     OutcomeKind = "cancelled"      // the user stopped; anything written was undone
	OutcomeFailed        OutcomeKind = "failed"         // an error; see Err
	OutcomeSignInFailed  OutcomeKind = "sign-in-failed" // sign-in did not succeed
	OutcomeDryRun        OutcomeKind = "dry-run"        // stopped before writing; Requests holds what would be sent
	OutcomeNotApplied    OutcomeKind = "not-applied"    // the service accepted a write but did not apply it
	OutcomeRestoreNeeded OutcomeKind = "restore-needed" // a journal entry is left for a later restore
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
	// JournalKept reports whether a journal entry remains for a later restore.
	JournalKept bool `json:"journalKept,omitempty"`
}

// ExitCode maps the outcome to DESIGN.md's exit codes: 0 ok, 1 error, 2 cancelled, 4 sign-in failed.
func (o Outcome) ExitCode() int {
	switch o.Kind {
	case OutcomeVerified, OutcomeNothingToFix, OutcomeHandedOff, OutcomeRestored, OutcomeDryRun:
		return 0
	case OutcomeCancelled:
		return 2
	case OutcomeSignInFailed:
		return 4
	}
	return 1
}

// RequestPreview is one Graph request as it would be sent (dry run, previews).
type RequestPreview struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Body   string `json:"body,omitempty"`
}

// Failure explains why the wizard stopped and what may still work.
type Failure struct {
	Title  string
	Reason string
	// Remedy says what to do: the role or scope needed, or another fix.
	Remedy string
	// Role and Scope name what was missing for a 403, when known.
	Role  string
	Scope string
	// Retryable: a throttled (429) or transient error; Retry re-issues RetryEffect.
	Retryable bool
	// AltFix is another fix that may still work.
	AltFix FixID
	// Outcome is the outcome kind when the wizard ends here (default OutcomeFailed).
	Outcome OutcomeKind

	canUndo   bool // writes of this fix remain: offer undo / keep
	canVerify bool // offer "check again"
}

// WizardInput starts the wizard.
type WizardInput struct {
	// App is the app from the command line; empty ClientID means ask.
	App AppRef
	// AppText is raw command-line text (client id, URL, error text) parsed with ParseApp when App is empty.
	AppText string
	// Profiles are the app profiles offered on the first screen.
	Profiles []AppRef
	// Tenant is a domain or tenant id from the command line; empty means ask.
	Tenant string
	Cloud  entra.Cloud
	// Journal holds pending journal entries; restore is offered first.
	Journal []JournalEntry
	// RestoreOnly runs only the restore (consentwiz restore).
	RestoreOnly bool
	Now         time.Time
	Demo        bool
	DryRun      bool
	// Nonce is the state parameter for consent URLs (the driver makes it; the machine has no randomness).
	Nonce string
	// Version is consentwiz's version, printed in hand-offs.
	Version string
}

// CreatedObject is something a fix created, with how to delete it on undo.
type CreatedObject struct {
	Kind     ObjectKind
	ID       string
	ParentID string // e.g. the resource service principal of an app role assignment or classification
	Label    string

	step int // index of the plan item that created it
}

// ObjectKind names a created directory object.
type ObjectKind string

// Object kinds.
const (
	ObjectServicePrincipal  ObjectKind = "servicePrincipal"
	ObjectGrant             ObjectKind = "oauth2PermissionGrant"
	ObjectAppRoleAssignment ObjectKind = "appRoleAssignment"
	ObjectClassification    ObjectKind = "delegatedPermissionClassification"
)

// State is the wizard's whole state. It is a value: Next returns a new one.
type State struct {
	Step   StepID
	Prompt Prompt

	App       AppRef
	Tenant    TenantInfo
	Cloud     entra.Cloud
	SignedIn  string
	Scopes    []string // scopes consented so far
	Snap      *entra.TenantSnapshot
	Diagnosis *Diagnosis
	Fix       FixID

	Demo, DryRun, RestoreOnly bool
	Profiles                  []AppRef
	Nonce                     string
	Now                       time.Time
	Version                   string

	// User consent (relax-user-consent, classify-low).
	OriginalPolicy []string // full permissionGrantPoliciesAssigned as read before the change
	TargetPolicy   []string

	// Request workflow.
	OriginalRequestPolicy *entra.AdminConsentRequestPolicy
	RequestPolicy         entra.AdminConsentRequestPolicy
	Reviewers             []Reviewer
	Candidates            []Reviewer
	Request               *entra.AppConsentRequest // the request shown / approved
	// RequestTemporary: turn requests off again (put the original policy back) after the approval.
	RequestTemporary bool

	// Writes: the plan (write effects, in order), how many are done, what was created.
	Plan    []Effect
	Done    int
	Created []CreatedObject
	Undo    []Effect // undo effects still to run
	Changes []Change

	// Journal is the entry for the change in progress; Pending are entries from earlier runs.
	Journal *JournalEntry
	Pending []JournalEntry
	// Restore is the current restore's entry and Current the value read before it.
	Restore        *JournalEntry
	RestoreCurrent []string
	// RestoreCurrentRequest is the request policy read before restoring a request-policy entry.
	RestoreCurrentRequest *entra.AdminConsentRequestPolicy

	// Polling.
	PollSeq      int
	PollInFlight bool
	PollStarted  time.Time
	PollCheck    bool // the user said "done": the next poll result is final
	Missing      []string
	Simulated    string // demo: what the end user saw

	PollErr     string // the last poll's error, shown while polling goes on
	VerifyTries int

	// Inputs being asked for.
	TenantText string // the tenant as typed or given on the command line
	InputErr   string // why the last answer was not accepted

	Link        string // the admin consent URL shown
	UseV2       bool
	LinkOpened  bool
	LinkCopied  bool
	LinkSaved   string
	Failure     *Failure
	RetryEffect Effect
	RetryStep   StepID
	CancelAsked bool // a cancel arrived while a write was in flight
	Outcome     *Outcome

	// Bookkeeping private to the machine.
	afterRestore  afterRestore
	signInFor     signInFor
	undoWhy       undoFor
	undoFailure   *Failure
	undoErrs      []string
	cmdTenant     string
	appMode       string
	committed     bool // the fix's writes are complete and verified (no undo on cancel)
	directRequest bool // request-workflow started from a pending request
	grantSeen     bool
	journalKept   bool
	restored      int
	restoredReq   int // restored entries that were request-policy entries
	skipped       int
	keptOther     int // restores where the admin kept someone else's later change
	pollEvery     time.Duration
	ioNote        string
	demoAfter     *Outcome // demo: the verified outcome, held while the user tries again
	policyFresh   bool     // the user-consent setting was re-read right before journaling
	searchQuery   string
	searching     bool
	helpdesk      bool // the user cannot sign in as an admin: the journey ends with a hand-off
}

type afterRestore int

const (
	afterRestoreContinue afterRestore = iota // startup restore: go on to the journey
	afterRestoreDone                         // the fix is finished: summary
	afterRestoreUndo                         // continue with the remaining undo effects
)

// Event is an input to Next: a user answer or an I/O result. Closed set.
type Event interface{ isEvent() }

// User answers.
type (
	// Chose picks an option by key.
	Chose struct{ Key string }
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
)

// I/O results.
type (
	// TenantResolved answers ResolveTenant.
	TenantResolved struct {
		Info TenantInfo
		Err  error
	}
	// SignedIn answers SignIn.
	SignedIn struct {
		Account string
		Scopes  []string
		Err     error
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
	}
	// ReviewersFound answers SearchReviewers.
	ReviewersFound struct {
		Reviewers []Reviewer
		Err       error
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
	// Copied answers CopyText.
	Copied struct{ Err error }
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
)

func (Chose) isEvent()             {}
func (Entered) isEvent()           {}
func (Confirmed) isEvent()         {}
func (Back) isEvent()              {}
func (Cancel) isEvent()            {}
func (DoneKey) isEvent()           {}
func (TenantResolved) isEvent()    {}
func (SignedIn) isEvent()          {}
func (SnapshotLoaded) isEvent()    {}
func (PolicyRead) isEvent()        {}
func (ConsentPolicyRead) isEvent() {}
func (WriteDone) isEvent()         {}
func (ReviewersFound) isEvent()    {}
func (Polled) isEvent()            {}
func (JournalWritten) isEvent()    {}
func (JournalCleared) isEvent()    {}
func (Opened) isEvent()            {}
func (Copied) isEvent()            {}
func (Saved) isEvent()             {}
func (Tick) isEvent()              {}
func (UserSimulated) isEvent()     {}

// Effect is work for the driver: data, never behaviour. Closed set.
type Effect interface{ isEffect() }

// WriteEffect is an effect that changes the tenant. The driver answers with WriteDone{Op: e.Op()}.
// A dry run never emits one.
type WriteEffect interface {
	Effect
	Op() WriteOp
}

// WriteOp names a write.
type WriteOp string

// Write operations.
const (
	OpPatchUserConsent        WriteOp = "patch-user-consent"
	OpPutConsentRequestPolicy WriteOp = "put-consent-request-policy"
	OpCreateServicePrincipal  WriteOp = "create-service-principal"
	OpCreateGrant             WriteOp = "create-grant"
	OpUpdateGrantScope        WriteOp = "update-grant-scope"
	OpCreateAppRoleAssignment WriteOp = "create-app-role-assignment"
	OpCreateClassification    WriteOp = "create-classification"
	OpDeleteObject            WriteOp = "delete-object"
)

// Effects.
type (
	// ResolveTenant discovers a tenant's id and cloud from a domain or id (no sign-in).
	ResolveTenant struct{ Input string }
	// SignIn signs in (or asks incrementally) for Scopes (short Graph names; qualify with Cloud.GraphScope).
	SignIn struct {
		Scopes []string
		Tenant string
	}
	// FetchSnapshot reads the tenant for the app; when Diagnose is set the driver also runs
	// flows.Diagnose(snap, App) and puts the result in SnapshotLoaded.Diagnosis.
	FetchSnapshot struct {
		AppID    string
		App      AppRef
		Diagnose bool
	}
	// ReadAuthorizationPolicy is GET /policies/authorizationPolicy.
	ReadAuthorizationPolicy struct{}
	// ReadConsentRequestPolicy is GET /policies/adminConsentRequestPolicy.
	ReadConsentRequestPolicy struct{}
	// PatchUserConsent sets permissionGrantPoliciesAssigned to exactly Policies.
	PatchUserConsent struct{ Policies []string }
	// PutConsentRequestPolicy PUTs the whole admin consent request policy.
	PutConsentRequestPolicy struct {
		Policy entra.AdminConsentRequestPolicy
	}
	// CreateServicePrincipal creates the app's service principal (WriteDone.ID = its object id).
	CreateServicePrincipal struct{ AppID string }
	// CreateGrant creates an oauth2PermissionGrant. Grant.ClientID empty means "the service
	// principal created just before" — the machine always fills it before emitting.
	CreateGrant struct{ Grant entra.OAuth2PermissionGrant }
	// UpdateGrantScope PATCHes an existing grant's scope.
	UpdateGrantScope struct {
		GrantID string
		Scope   string
		// Before is the scope it replaces (for preview and undo).
		Before string
	}
	// CreateAppRoleAssignment POSTs to /servicePrincipals/{ResourceID}/appRoleAssignedTo.
	CreateAppRoleAssignment struct {
		Assignment entra.AppRoleAssignment
		RoleName   string
	}
	// CreateClassification POSTs to /servicePrincipals/{ResourceID}/delegatedPermissionClassifications.
	CreateClassification struct {
		ResourceID     string
		Classification entra.DelegatedPermissionClassification
	}
	// DeleteObject deletes something a fix created (undo).
	DeleteObject struct{ Object CreatedObject }
	// SearchReviewers searches users and groups by display name, mail or UPN prefix.
	SearchReviewers struct{ Query string }
	// OpenURL opens a URL in the browser (only https or loopback).
	OpenURL struct{ URL string }
	// CopyText copies to the clipboard (OSC 52 and/or system clipboard).
	CopyText struct{ Text string }
	// SaveFile writes a hand-off file.
	SaveFile struct{ Name, Text string }
	// WriteJournal writes (0600, fsync) a journal entry before a change.
	WriteJournal struct{ Entry JournalEntry }
	// ClearJournal removes a journal entry.
	ClearJournal struct{ ID string }
	// Wait asks for a Tick{Seq} after D.
	Wait struct {
		D   time.Duration
		Seq int
	}
	// PollGrant reads the app's service principal, grants and app role assignments.
	PollGrant struct{ AppID string }
	// PollRequests reads the app's pending consent requests.
	PollRequests struct{ AppID string }
	// SimulateUser (demo only) has the simulated end user try to connect the app.
	SimulateUser struct {
		AppID  string
		Scopes []string
	}
	// Finish ends the wizard.
	Finish struct{ Outcome Outcome }
)

func (ResolveTenant) isEffect()            {}
func (SignIn) isEffect()                   {}
func (FetchSnapshot) isEffect()            {}
func (ReadAuthorizationPolicy) isEffect()  {}
func (ReadConsentRequestPolicy) isEffect() {}
func (PatchUserConsent) isEffect()         {}
func (PutConsentRequestPolicy) isEffect()  {}
func (CreateServicePrincipal) isEffect()   {}
func (CreateGrant) isEffect()              {}
func (UpdateGrantScope) isEffect()         {}
func (CreateAppRoleAssignment) isEffect()  {}
func (CreateClassification) isEffect()     {}
func (DeleteObject) isEffect()             {}
func (SearchReviewers) isEffect()          {}
func (OpenURL) isEffect()                  {}
func (CopyText) isEffect()                 {}
func (SaveFile) isEffect()                 {}
func (WriteJournal) isEffect()             {}
func (ClearJournal) isEffect()             {}
func (Wait) isEffect()                     {}
func (PollGrant) isEffect()                {}
func (PollRequests) isEffect()             {}
func (SimulateUser) isEffect()             {}
func (Finish) isEffect()                   {}

// Op implements WriteEffect.
func (PatchUserConsent) Op() WriteOp { return OpPatchUserConsent }

// Op implements WriteEffect.
func (PutConsentRequestPolicy) Op() WriteOp { return OpPutConsentRequestPolicy }

// Op implements WriteEffect.
func (CreateServicePrincipal) Op() WriteOp { return OpCreateServicePrincipal }

// Op implements WriteEffect.
func (CreateGrant) Op() WriteOp { return OpCreateGrant }

// Op implements WriteEffect.
func (UpdateGrantScope) Op() WriteOp { return OpUpdateGrantScope }

// Op implements WriteEffect.
func (CreateAppRoleAssignment) Op() WriteOp { return OpCreateAppRoleAssignment }

// Op implements WriteEffect.
func (CreateClassification) Op() WriteOp { return OpCreateClassification }

// Op implements WriteEffect.
func (DeleteObject) Op() WriteOp { return OpDeleteObject }

// IsWrite reports whether e changes the tenant.
func IsWrite(e Effect) bool {
	_, ok := e.(WriteEffect)
	return ok
}

// Scopes the wizard asks for (short Graph names).
var (
	// ReadScopes are asked at sign-in, for the diagnosis: exactly what the
	// client's Snapshot reads need (entra.ReadScopes).
	ReadScopes = append([]string(nil), entra.ReadScopes...)
	// ScopeUserConsentWrite changes the user-consent setting.
	ScopeUserConsentWrite = entra.ScopePolicyReadWriteAuthorization
	// ScopeConsentRequestWrite changes the admin consent request policy.
	ScopeConsentRequestWrite = entra.ScopePolicyReadWriteConsentRequest
)

// WriteScopes returns the scopes a fix asks for when it is chosen (incremental
// consent): its writes, and the reads only that fix needs (reviewer search).
func WriteScopes(fix FixID) []string {
	switch fix {
	case FixRelaxUserConsent:
		return []string{ScopeUserConsentWrite}
	case FixRequestWorkflow:
		return []string{ScopeConsentRequestWrite, entra.ScopeUserReadBasicAll, entra.ScopeGroupMemberReadAll}
	case FixGrantDirect:
		return []string{entra.ScopeApplicationReadWriteAll, entra.ScopeDelegatedPermissionGrantReadWriteAll, entra.ScopeAppRoleAssignmentReadWriteAll}
	case FixClassifyLow:
		return []string{entra.ScopePolicyReadWritePermissionGrant, ScopeUserConsentWrite}
	}
	return nil
}

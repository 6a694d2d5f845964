package flows

// This file is the wizard's contract with its drivers (the Bubble Tea TUI, the
// plain line mode and the headless commands): the prompt the UI renders
// generically, the events a driver feeds in (protocol_events.go) and the effects it runs. The state
// is in state.go; the machine itself is Start and Next in machine.go.
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
//	any WriteEffect          → WriteDone{Op: eff.Op(), ID: id of a created object, Err, Lost}
//	SearchReviewers          → ReviewersFound
//	ReadAssignments          → AssignmentsRead
//	ReadUsers                → UsersRead
//	CheckReviewer            → ReviewerChecked
//	OpenURL                  → Opened
//	CopyText                 → Copied
//	SaveFile                 → Saved
//	WriteJournal             → JournalWritten
//	ClearJournal             → JournalCleared
//	Wait                     → Tick{Seq: the Wait's Seq, Now}
//	PollGrant, PollRequests  → Polled
//	SimulateUser             → UserSimulated
//	Scan                     → Scanned (with Result filled by flows.BuildScan)
//	SearchApps               → AppsFound
//	Finish                   → nothing; the driver ends (after showing s.Prompt)
//
// Every effect that acts on a tenant (a TenantEffect) names it: the driver
// uses that tenant and cloud, never one it remembers from an earlier effect.
//
// User answers (Chose, Entered, Confirmed, Back, Cancel, DoneKey),
// Interrupted and Clock may arrive at any time; events that do not fit the current step are ignored (the state is
// returned unchanged with no effects), so stale results are harmless.

import (
	"consentwiz/graph/entra"
	"strconv"
	"time"
)

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

var promptKindNames = [...]string{"info", "choice", "confirm", "input", "progress", "done", "failed"}

func (k PromptKind) String() string {
	if k >= 0 && int(k) < len(promptKindNames) {
		return promptKindNames[k]
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
	// Multiline: the PromptInput's answer may span lines (a pasted block,
	// read field by field); a line-by-line driver reads up to an empty line.
	Multiline bool
	// Note says how a wait stands and what the last action did (a copy, an
	// open, a save, "not there yet"): drivers keep it in sight, apart from
	// the body, which may scroll.
	Note string
	// Snippets are texts shown whole, each on its own lines and never broken
	// inside (a saved file's path, a request's JSON body): they must survive
	// being selected and copied.
	Snippets []Snippet
	// Placeholder and Default help PromptInput; on a PromptChoice, Default
	// is the key of the option a cursor starts on.
	Placeholder string
	Default     string
	// StepNo/StepCount number the journey ("Step 3 of 6"). StepNo is 0 when
	// the step is not numbered; StepCount is 0 while the path is not known
	// yet (before a fix is chosen): then only the step's name is shown.
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
	Key      OptionKey
	Label    string
	Detail   string
	Disabled bool
	Reason   string // why it is disabled
	// Warn is shown with the option at every screen size, before it is
	// chosen: e.g. the role the fix needs and the account does not hold.
	Warn string
}

// OptionKey names an answer; drivers send it back in Chose. The keys are
// stable: drivers and tests may match them (the TUI's o and y keys pick
// KeyOpen and KeyCopy when offered).
type OptionKey string

// Option keys.
const (
	KeyOpen         OptionKey = "open"      // open the link in the browser
	KeyCopy         OptionKey = "copy"      // copy the link or the hand-off
	KeySave         OptionKey = "save"      // save a hand-off file
	KeyHandoff      OptionKey = "handoff"   // make (or, on the admin consent link, end with) a hand-off for an admin
	KeyHelpdesk     OptionKey = "helpdesk"  // first screen: "I can't sign in as an admin"
	KeyAdmin        OptionKey = "admin"     // helpdesk's first screen: back to the admin journey
	KeyReaderSignIn OptionKey = "signin"    // hand-off: sign in read-only to add the diagnosis
	KeyDone         OptionKey = "done"      // hand-off: end here
	KeyKeep         OptionKey = "keep"      // keep the app / keep someone else's value / keep the change unverified
	KeyAppID        OptionKey = "id"        // type the app's client id
	KeyAppPaste     OptionKey = "paste"     // paste a sign-in URL or error text
	KeyRecheck      OptionKey = "recheck"   // read the tenant again
	KeyRestore      OptionKey = "restore"   // put a saved setting back
	KeyLater        OptionKey = "later"     // leave a saved setting for later
	KeyOriginal     OptionKey = "original"  // restore conflict: write the original back
	KeyComplete     OptionKey = "complete"  // restore of a grant-direct entry: finish the grant instead of removing it
	KeyContinue     OptionKey = "continue"  // request workflow: go on to the next question
	KeyMe           OptionKey = "me"        // request workflow: the signed-in account reviews
	KeySearch       OptionKey = "search"    // request workflow: search for a reviewer
	KeyClear        OptionKey = "clear"     // request workflow: start the reviewer list over
	KeyNotify       OptionKey = "notify"    // request workflow: toggle email to reviewers
	KeyReminders    OptionKey = "reminders" // request workflow: toggle reminders
	KeyDuration     OptionKey = "duration"  // request workflow: how long requests stay open
	KeyTemporary    OptionKey = "temporary" // request workflow: turn requests off again after the approval
	KeyApprove      OptionKey = "approve"   // approve a pending request in the browser
	KeyGrant        OptionKey = "grant"     // grant a pending request through Graph instead
	KeyStop         OptionKey = "stop"      // stop waiting; approve later
	KeySimulate     OptionKey = "simulate"  // demo: the simulated user tries again
	KeyRetry        OptionKey = "retry"     // failure: try the failed step again
	KeyVerify       OptionKey = "verify"    // failure: read the change back again
	KeyUndo         OptionKey = "undo"      // failure: undo the change and stop
	KeyFix          OptionKey = "fix"       // failure: choose another fix
	KeyQuit         OptionKey = "quit"      // failure: stop here
	KeyScan         OptionKey = "scan"      // first screen: find what users are blocked on (sign-in logs, pending requests)
	KeyAppName      OptionKey = "name"      // first screen: find the app by the name users see
)

// Prefixes of the keys that carry a value.
const (
	keyProfilePrefix = "profile:"
	keyPickPrefix    = "pick:"
	keyRolePrefix    = "role:"
	keyAppPrefix     = "app:"
)

// FixKey is the checklist's key for a fix.
func FixKey(id FixID) OptionKey { return OptionKey(id) }

// ProfileKey is the key of the i-th app profile on the first screen.
func ProfileKey(i int) OptionKey { return OptionKey(keyProfilePrefix + strconv.Itoa(i)) }

// PickKey is the key of the i-th reviewer found by a search.
func PickKey(i int) OptionKey { return OptionKey(keyPickPrefix + strconv.Itoa(i)) }

// AppKey is the key of the i-th app of a list (the scan's, or a name's matches).
func AppKey(i int) OptionKey { return OptionKey(keyAppPrefix + strconv.Itoa(i)) }

// RoleKey is the key of a directory role (template id) offered as reviewers.
func RoleKey(id string) OptionKey { return OptionKey(keyRolePrefix + id) }

// Link is a URL shown on screen (and openable/copyable).
type Link struct {
	Label string
	URL   string
}

// Snippet is a text shown whole under its label (see Prompt.Snippets).
type Snippet struct {
	Label string
	Text  string
}

// Diff is one before → after line of a preview.
type Diff struct {
	Label  string
	Before string
	After  string
}

// Effect is work for the driver: data, never behaviour. Closed set.
type Effect interface{ isEffect() }

// TenantRef names the tenant an effect acts on: its id and the name of its
// cloud (global, usgov, usgov-dod, china; "" for the driver's configured one).
type TenantRef struct {
	ID    string
	Cloud string
}

// TenantEffect is an effect that acts on a tenant. The driver signs in to,
// reads and writes Target, whatever tenant an earlier effect named.
type TenantEffect interface {
	Effect
	Target() TenantRef
}

// WriteEffect is an effect that changes the tenant. The driver answers with WriteDone{Op: e.Op()}.
// A dry run never emits one.
type WriteEffect interface {
	TenantEffect
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
	OpAssignPrincipal         WriteOp = "assign-principal"
	OpDeleteObject            WriteOp = "delete-object"
)

// Effects.
type (
	// ResolveTenant discovers a tenant's id and cloud from a domain or id (no
	// sign-in). Cloud is the cloud of the link the app came from (AppRef.CloudHint),
	// a hint: the driver looks the tenant up there unless the cloud was configured.
	ResolveTenant struct {
		Input string
		Cloud string
	}
	// SignIn signs in to Tenant (or asks incrementally) for Scopes (short Graph
	// names; qualify with the cloud's Cloud.GraphScope).
	SignIn struct {
		Tenant TenantRef
		Scopes []string
		// LoginHint is the account to sign in as, when known: a restore signs
		// in as the account that wrote the journal entry.
		LoginHint string
		// Home is the tenant that account lives in when it is not Tenant (a
		// partner's delegated admin, a guest): the driver signs in there and
		// gets Tenant's token with the same account (docs/entra.md I).
		Home string
	}
	// FetchSnapshot reads the tenant for the app; when Diagnose is set the driver also runs
	// flows.Diagnose(snap, App) and puts the result in SnapshotLoaded.Diagnosis.
	FetchSnapshot struct {
		Tenant   TenantRef
		AppID    string
		App      AppRef
		Diagnose bool
		// Assignments: also read who is assigned to the app's own roles
		// (TenantSnapshot.AppAssignedTo).
		Assignments bool
	}
	// ReadAuthorizationPolicy is GET /policies/authorizationPolicy.
	ReadAuthorizationPolicy struct{ Tenant TenantRef }
	// ReadConsentRequestPolicy is GET /policies/adminConsentRequestPolicy.
	ReadConsentRequestPolicy struct{ Tenant TenantRef }
	// PatchUserConsent sets permissionGrantPoliciesAssigned to exactly Policies.
	PatchUserConsent struct {
		Tenant   TenantRef
		Policies []string
	}
	// PutConsentRequestPolicy PUTs the whole admin consent request policy.
	PutConsentRequestPolicy struct {
		Tenant TenantRef
		Policy entra.AdminConsentRequestPolicy
	}
	// CreateServicePrincipal creates the app's service principal (WriteDone.ID = its object id).
	CreateServicePrincipal struct {
		Tenant TenantRef
		AppID  string
	}
	// CreateGrant creates an oauth2PermissionGrant. Grant.ClientID empty means "the service
	// principal created just before" — the machine always fills it before emitting.
	CreateGrant struct {
		Tenant TenantRef
		Grant  entra.OAuth2PermissionGrant
	}
	// UpdateGrantScope PATCHes an existing grant's scope.
	UpdateGrantScope struct {
		Tenant  TenantRef
		GrantID string
		Scope   string
		// Before is the scope it replaces (for preview and undo).
		Before string
	}
	// CreateAppRoleAssignment POSTs to /servicePrincipals/{ResourceID}/appRoleAssignedTo.
	CreateAppRoleAssignment struct {
		Tenant     TenantRef
		Assignment entra.AppRoleAssignment
		RoleName   string
	}
	// CreateClassification POSTs to /servicePrincipals/{ResourceID}/delegatedPermissionClassifications.
	CreateClassification struct {
		Tenant         TenantRef
		ResourceID     string
		Classification entra.DelegatedPermissionClassification
	}
	// AssignPrincipal assigns a user or a group to the app: POST
	// /servicePrincipals/{Assignment.ResourceID}/appRoleAssignedTo with the
	// app's service principal as the resource (docs/entra.md A6, B1 50105).
	AssignPrincipal struct {
		Tenant     TenantRef
		Assignment entra.AppRoleAssignment
		// Principal names who is assigned (a Reviewer of kind user or group).
		Principal Reviewer
		// RoleName names the app role (the default access when the app has none).
		RoleName string
	}
	// CheckReviewer reads whether a reviewer (a user, or the members of a
	// group) holds a role that may approve requests (docs/entra.md A3, A7).
	CheckReviewer struct {
		Tenant   TenantRef
		Reviewer Reviewer
	}
	// ReadAssignments reads who is assigned to the app: GET
	// /servicePrincipals/{ResourceID}/appRoleAssignedTo.
	ReadAssignments struct {
		Tenant     TenantRef
		ResourceID string
	}
	// ReadUsers reads the names of the users with object ids IDs (GET
	// /users/{id}; the driver reads the first 20 only): who consented while
	// user consent was relaxed.
	ReadUsers struct {
		Tenant TenantRef
		IDs    []string
	}
	// DeleteObject deletes something a fix created (undo).
	DeleteObject struct {
		Tenant TenantRef
		Object CreatedObject
	}
	// SearchReviewers searches users and groups by display name, mail or UPN prefix.
	SearchReviewers struct {
		Tenant TenantRef
		Query  string
	}
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
	PollGrant struct {
		Tenant TenantRef
		AppID  string
	}
	// PollRequests reads the app's pending consent requests.
	PollRequests struct {
		Tenant TenantRef
		AppID  string
	}
	// SimulateUser (demo only) has the simulated end user of Tenant try to connect the app.
	SimulateUser struct {
		Tenant TenantRef
		AppID  string
		Scopes []string
	}
	// Scan reads Tenant's sign-in logs since Since (the consent failures,
	// docs/entra.md H) and its pending admin consent requests; the driver
	// groups them with flows.BuildScan. Name is how the tenant is shown.
	Scan struct {
		Tenant TenantRef
		Name   string
		Since  time.Time
	}
	// SearchApps lists Tenant's service principals whose display name starts
	// with Prefix (docs/entra.md A5).
	SearchApps struct {
		Tenant TenantRef
		Prefix string
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
func (AssignPrincipal) isEffect()          {}
func (ReadAssignments) isEffect()          {}
func (ReadUsers) isEffect()                {}
func (CheckReviewer) isEffect()            {}
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
func (Scan) isEffect()                     {}
func (SearchApps) isEffect()               {}
func (Finish) isEffect()                   {}

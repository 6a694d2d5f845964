package flows

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
	StepRelaxNext                      // relax-user-consent: who connected; grant for everyone next?
	StepRequestWait                    // request-workflow: waiting for the user's request
	StepRequestShow                    // request-workflow: the request, approve it
	StepRequestApprove                 // request-workflow: approving in the browser, polling for the grant
	StepUndoing                        // undoing writes after a cancel or a failure
	StepFailed                         // something went wrong: why, and what can still work
	StepDone                           // finished; s.Outcome holds the result
	StepDemoUser                       // demo: the simulated user tries the app again after the fix
	StepHandoff                        // a hand-off for an admin: copy, save, or sign in as a reader to add the diagnosis
	StepScanning                       // reading the sign-in logs and pending requests: what users are blocked on
	StepScanPick                       // the apps users were blocked on: pick one, or search by name
	StepAppSearch                      // text input: the app's name
	StepAppSearching                   // looking for the name among the tenant's apps
	StepAppPick                        // several apps answer to the name: pick one
	StepAssignReading                  // assign-users: reading who is assigned to the app
	StepAssignChoose                   // assign-users: who is assigned, and who to add
	StepAssignSearch                   // assign-users: text input: search users or groups
	StepAssignPick                     // assign-users: choose from the search results
	StepReadingApp                     // reading the app's objects again right before the preview (grant-direct)
	stepEnd
)

var stepNames = [...]string{
	"restore-offer", "restore-reading", "restore-conflict", "restore-writing", "restore-verifying", "restore-clearing",
	"app-choose", "app-input", "tenant-input", "tenant-resolving", "signing-in", "diagnosing", "choose-fix",
	"link-show", "write-sign-in", "reading-policy", "reviewers", "reviewer-search", "reviewer-pick",
	"workflow-options", "workflow-duration", "preview", "journaling", "writing", "verifying",
	"relax-connect", "relax-next", "request-wait", "request-show", "request-approve", "undoing", "failed", "done",
	"demo-user", "handoff", "scanning", "scan-pick", "app-search", "app-searching", "app-pick",
	"assign-reading", "assign-choose", "assign-search", "assign-pick", "reading-app",
}

func (s StepID) String() string {
	if s >= 0 && s < stepEnd {
		return stepNames[s]
	}
	return "step(?)"
}

// isRestoreStep reports whether st is a step of the restore sub-machine.
func isRestoreStep(st StepID) bool { return st >= StepRestoreOffer && st <= StepRestoreClearing }

// State is the wizard's whole state. It is a value: Next returns a new one.
//
// It is split by lifetime: Journey is the session (who, where, what was
// found); Run is one attempt at a fix, dropped as a whole when the admin goes
// back to the checklist; Restore is the journal restore in progress (the
// entries offered at start, or the put-back at the end of a fix); Changes is
// the change log of the whole session.
type State struct {
	Step   StepID
	Prompt Prompt
	// InputErr says why the last answer was not accepted (shown with the prompt).
	InputErr string

	Journey
	Run     *FixRun
	Restore *RestoreRun

	// Changes lists what the wizard changed in the tenant, in order.
	Changes []Change
	Failure *Failure
	Outcome *Outcome
}

// Journey is what the session knows: the app, the tenant (with its cloud),
// the signed-in account, what was read and diagnosed, the modes, and the clock.
type Journey struct {
	App AppRef
	// Tenant is the tenant being worked on. Its Cloud is the cloud it lives
	// in, with the hosts of the links a person opens; every effect names it.
	Tenant TenantInfo
	// TenantText is the tenant as typed or given on the command line.
	TenantText string
	SignedIn   string // the signed-in account
	// SignedInTenant is the id of the tenant the signed-in account lives in,
	// when the driver knows it (SignedIn.AccountTenant).
	SignedInTenant string
	Scopes         []string // scopes consented so far
	Snap           *entra.TenantSnapshot
	Diagnosis      *Diagnosis

	Demo, DryRun, RestoreOnly bool
	// CheckOnly ends the journey with the diagnosis (consentwiz check).
	CheckOnly bool
	// Helpdesk: the user cannot sign in as an admin, so the journey ends with a
	// hand-off and any sign-in is read-only (Global Reader).
	Helpdesk bool
	Profiles []AppRef

	// FindBlocked: the admin chose "Find what users are blocked on": after
	// the tenant and the sign-in (with the scan's scopes too), the app is
	// picked from the scan of the sign-in logs and pending requests.
	FindBlocked bool
	// FindName is an app's name to find in the tenant after sign-in
	// (--app-name, a name typed, or the name a consent screen showed).
	FindName string
	// ScanDays is how far back the scan reads (DefaultScanDays when 0).
	ScanDays int
	// Scan is what the scan found (nil until it ran).
	Scan *ScanResult
	// Found are the apps a name matched, when it matched several.
	Found []AppCandidate

	Nonce string
	// RunID makes this process's journal entry ids unique (WizardInput.RunID);
	// journalSeq numbers the entries of the session.
	RunID      string
	journalSeq int
	// RelaxWindow and RequestWindow bound how long a temporary change stays
	// in place while the wizard waits for a person (WizardInput).
	RelaxWindow, RequestWindow time.Duration
	Now                        time.Time
	Version                    string
	// stopWhy says why the wizard was stopped from outside (Interrupted) or
	// a temporary change's window ran out, for the outcome; interrupted: the
	// driver can ask nothing more.
	stopWhy     string
	interrupted bool

	// PollSeq numbers the Waits of the whole session: a Tick whose Seq is not
	// the current one is stale and ignored.
	PollSeq int
	// CancelAsked: a cancel arrived while a write was in flight; the wizard
	// stops (and undoes) once it is answered.
	CancelAsked bool

	// staleDiag: the tenant changed since Diagnosis was read (a line was
	// added to the change log): the checklist and the next choices read it
	// again before they are shown.
	staleDiag bool

	resolveGiven bool // TenantText came from the command line and is not tried yet
	// tenantFailed is the tenant text whose lookup just failed: the tenant
	// prompt does not offer it again as the answer Enter keeps.
	tenantFailed string
	// clientRefused is the AADSTS code of a sign-in to Tenant that was
	// stopped because consentwiz's own sign-in client has no consent there
	// (clientNotConsented), 0 otherwise: a read-only sign-in would be
	// stopped the same way, so the hand-off does not offer one.
	clientRefused int
	appPaste      bool // StepAppInput asks for a pasted URL or error text (not a client id)
	journalLeft   bool // a journal entry from an earlier run was left for later
	// restoredNote says what the restore at start put back; it shows on the
	// journey's first screen, until the journey moves on.
	restoredNote string
	// leftRequest is a temporary request workflow's entry from an earlier
	// run, left for later: once this run approves the app's request, it is
	// put back (that was its purpose).
	leftRequest *JournalEntry
	leftOther   bool   // another entry was left for later
	handoff     linkIO // what the hand-off screen did
	handoffText docText

	appFound   bool   // the app was picked from the scan or found by name: Back returns to the list
	findBack   StepID // the list (or the name) the app was found from
	findFrom   AppRef // what the input said about the app before it was found by name (hints kept)
	nameNote   string // why the app is asked for by name (the pasted text had no app id)
	tenantNote string // how the tenant's cloud was chosen (the link's cloud against --cloud)
	// placeholderTenant is the placeholder a pasted link had for the tenant ({tenant-id}).
	placeholderTenant string
}

// docText is a rendered document kept while it is on screen: the hand-off
// is built once when its screen opens, and again only when the clock it is
// stamped with moves (not on every event the screen gets).
type docText struct {
	built  bool
	at     time.Time
	text   string // as copied: docWidth columns
	screen string // as shown: screenDocWidth columns (handoff_doc.go)
}

// linkIO is what happened to something offered to open, copy or save.
type linkIO struct {
	copied bool
	saved  string // the path of the saved file
	note   string // why opening, copying or saving failed
}

// ShownLink is the link a fix shows for a person to open (admin-link's
// admin consent URL, request-workflow's approval URL), and what became of it;
// linkIO is the hand-off screen's counterpart.
type ShownLink struct {
	URL   string
	Saved string // the path of the hand-off file it was saved in
	// copied: the link was copied to the system clipboard (a copy the
	// terminal may have refused, OSC 52, does not count).
	copied bool
	// note says what opening, copying or saving it did, when that needs a
	// word (a failure, a copy); it shows with the wait's note (pollNote).
	note string
}

// FixRun is one attempt at a fix: everything it gathered, from the choice to
// the end. Going back to the checklist drops it (s.Run = nil).
//
// Its parts are values, not pointers: own (machine.go) copies a run with all
// its parts, so the state Next was given stays as it was. Each part is
// declared beside the code that owns it, in the file named on its line
// (ShownLink here).
type FixRun struct {
	Fix FixID

	// What the fix works on; each part is used by the fixes named.
	UserConsent UserConsentChange // relax-user-consent, classify-low: the setting before and after (pipeline.go)
	Workflow    RequestWorkflow   // request-workflow: the request policy, its reviewers, the request (fix_request_workflow.go)
	assign      assignRun         // assign-users: who is assigned, and who is added (fix_assign_users.go)
	relax       relaxRun          // relax-user-consent: who connected (fix_relax_user_consent.go)
	Search      DirectorySearch   // request-workflow's reviewers, assign-users' users and groups (directory_search.go)

	// How the fix goes: its writes, the link it shows, its waits, its undo.
	Writes WritePipeline // the plan, how far it got, its journal entry (pipeline.go)
	Link   ShownLink     // the admin consent (or approval) link shown
	Poll   Polling       // the wait for something outside the wizard (poll.go)
	window window        // a temporary change's time limit (window.go)
	undo   undoRun       // the undo after a cancel or a failure (undo.go)

	demoAfter *Outcome // demo: the verified outcome, held while the simulated user tries again

	// after names the numbered steps of the fix this run follows on from
	// (relax-user-consent, then "grant for everyone"): they are counted
	// before this fix's own (prompt.go, render).
	after []string
}

// RestoreRun is the journal restore: the entries from earlier runs still to
// offer (at start), the entry being put back, the value read before writing
// it, and what comes after.
type RestoreRun struct {
	// Pending are entries from earlier runs; the first is offered.
	Pending []JournalEntry
	// Entry is the entry being put back (nil while offering).
	Entry *JournalEntry
	// Current is the user-consent value read before the restore;
	// CurrentRequest the request policy (request-policy entries).
	Current        []string
	CurrentRequest *entra.AdminConsentRequestPolicy

	then        afterRestore
	verifyTries int
	restored    int // entries put back (or cleared) at start
	restoredReq int // of which request-policy entries
	completed   int // of which grant-direct entries completed instead of removed
	restoredObj int // of which entries of objects only, removed
	skipped     int // entries left for later
	keptOther   int // restores where the admin kept someone else's later change

	// mem: the entry was never saved (the undo of a permanent request
	// workflow): nothing to clear. skipSetting: the entry's setting was saved
	// but its write never sent, so only its objects (if any) are dealt with.
	mem, skipSetting bool
	// clearWhy says why the entry is removed without a restore (the prompt).
	clearWhy clearReason
	// The entry's objects (restore_objects.go): objPhase once the setting is
	// dealt with; complete finishes the fix instead of removing what it
	// created; objTodo are the writes still to send; objSP the app's service
	// principal; conflict a grant scope someone else changed since; keepScope
	// keeps their value.
	objPhase  bool
	complete  bool
	objTodo   []objWrite
	objSP     string
	conflict  *JournalObject
	conflictV string
	decided   bool // the question about conflict was answered
	keepScope bool
	objWrote  int // writes sent for the objects (their change log lines)
}

// clearReason says why a journal entry is removed.
type clearReason int

const (
	clearRestored   clearReason = iota // the setting is back (or was already)
	clearNotWritten                    // the change was never made
	clearKept                          // the change is verified and meant to stay
)

type afterRestore int

const (
	afterRestoreContinue afterRestore = iota // startup restore: go on to the journey
	afterRestoreDone                         // the fix is finished: summary
	afterRestoreUndo                         // continue with the remaining undo effects
)

// WizardInput starts the wizard.
type WizardInput struct {
	// App is the app from the command line; empty ClientID means ask.
	App AppRef
	// AppText is raw command-line text (client id, URL, error text) parsed with ParseApp when App is empty.
	AppText string
	// Profiles are the app profiles offered on the first screen.
	Profiles []AppRef
	// Tenant is a domain or tenant id from the command line; empty means ask.
	// Its cloud comes with TenantResolved.
	Tenant string
	// Journal holds pending journal entries; restore is offered first.
	Journal []JournalEntry
	// RestoreOnly runs only the restore (consentwiz restore).
	RestoreOnly bool
	// CheckOnly diagnoses and ends (consentwiz check): the outcome carries the
	// diagnosis, and any failure ends the run instead of asking.
	CheckOnly bool
	Now       time.Time
	Demo      bool
	DryRun    bool
	// Nonce is the state parameter for consent URLs (the driver makes it; the machine has no randomness).
	Nonce string
	// RunID is a random id of this run (the driver makes it), so that journal
	// entries of two processes never share an id. Empty: the Nonce.
	RunID string
	// RelaxWindow is the longest relax-user-consent keeps user consent
	// relaxed while it waits for the user (0: DefaultRelaxWindow);
	// RequestWindow the longest a temporary request workflow keeps requests
	// on while it waits for the request and its approval (0: DefaultRequestWindow).
	RelaxWindow, RequestWindow time.Duration
	// Version is consentwiz's version, printed in hand-offs.
	Version string
	// AppName is an app's display name (--app-name) to find in the tenant
	// after sign-in, when App and AppText are empty.
	AppName string
	// ScanDays is how far back "Find what users are blocked on" reads the
	// sign-in logs (DefaultScanDays when 0).
	ScanDays int
}

// Reviewer is a reviewer of admin consent requests.
type Reviewer struct {
	Kind string // ReviewerUser, ReviewerGroup or ReviewerRole
	ID   string // object id, or role template id
	Name string
	// Detail is e.g. the user principal name.
	Detail string
	// Warn says why this reviewer cannot approve requests (no role that may
	// grant consent; the user asking; a group without such a member), once
	// checked; "" when they can, or while unknown.
	Warn string
}

// Reviewer kinds.
const (
	ReviewerUser  = "user"
	ReviewerGroup = "group"
	ReviewerRole  = "role"
)

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

// target names the session's tenant for an effect.
func (s State) target() TenantRef {
	return TenantRef{ID: s.Tenant.ID, Cloud: s.Tenant.Cloud.Name}
}

// fix is the chosen fix's descriptor, or nil when no fix is in progress.
func (s State) fix() *fix {
	if s.Run == nil {
		return nil
	}
	return lookup(s.Run.Fix)
}

// written reports whether this fix has changed the tenant and not yet finished (committed or undone).
func (s State) written() bool {
	r := s.Run
	return r != nil && !r.Writes.committed && (r.Writes.Done > 0 || r.Writes.Journal != nil)
}

// journalRemains reports whether a journal entry stays for a later restore.
func (s State) journalRemains() bool {
	return s.journalLeft ||
		s.Run != nil && (s.Run.Writes.Journal != nil || s.Run.Writes.journalKept) ||
		s.Restore != nil && (len(s.Restore.Pending) > 0 || s.Restore.skipped > 0)
}

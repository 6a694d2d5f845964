package flows

import (
	"consentwiz/graph/entra"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Polling and verification timing.
const (
	PollGrantEvery    = 5 * time.Second
	PollRequestsEvery = 30 * time.Second
	VerifyRetryAfter  = 2 * time.Second
	// MaxVerifyTries is how many reads a verification makes before it reports a
	// mismatch (Graph reads may lag a write by a few seconds).
	MaxVerifyTries = 3
)

// Internal bookkeeping not part of the driver contract.
type signInFor int

const (
	signInRead signInFor = iota
	signInRestore
)

type undoFor int

const (
	undoCancel undoFor = iota
	undoFail
)

// Start begins the wizard: the restore offer when a journal is pending, else the journey.
func Start(in WizardInput) (State, []Effect) {
	s := State{
		Cloud:       in.Cloud,
		Demo:        in.Demo,
		DryRun:      in.DryRun,
		RestoreOnly: in.RestoreOnly,
		Profiles:    clone(in.Profiles),
		Nonce:       in.Nonce,
		Now:         in.Now,
		Version:     in.Version,
		Pending:     clone(in.Journal),
		TenantText:  strings.TrimSpace(in.Tenant),
	}
	s.cmdTenant = s.TenantText
	switch {
	case in.App.ClientID != "":
		s.App = in.App
	case strings.TrimSpace(in.AppText) != "":
		ref, err := ParseApp(in.AppText)
		if err != nil {
			s.InputErr = err.Error()
		} else {
			s.App = ref
		}
	}
	var effs []Effect
	switch {
	case len(s.Pending) > 0:
		s.Step = StepRestoreOffer
	case s.RestoreOnly:
		s, effs = finish(s, Outcome{Kind: OutcomeRestored, Summary: "Nothing to restore: no change made by consentwiz is waiting to be put back."})
	default:
		s, effs = proceed(s)
	}
	s.Prompt = render(s)
	return s, effs
}

// Next is the wizard's transition function: total, deterministic, no I/O.
func Next(s State, ev Event) (State, []Effect) {
	if s.Step == StepDone {
		return s, nil
	}
	switch e := ev.(type) {
	case Tick:
		if !e.Now.IsZero() {
			s.Now = e.Now
		}
	case Polled:
		if !e.Now.IsZero() {
			s.Now = e.Now
		}
	}
	var effs []Effect
	if _, ok := ev.(Cancel); ok {
		s, effs = cancel(s)
	} else {
		s, effs = step(s, ev)
	}
	s.Prompt = render(s)
	return s, effs
}

func step(s State, ev Event) (State, []Effect) {
	switch s.Step {
	case StepRestoreOffer, StepRestoreReading, StepRestoreConflict, StepRestoreWriting, StepRestoreVerifying, StepRestoreClearing:
		return restoreStep(s, ev)
	case StepAppChoose:
		return appChoose(s, ev)
	case StepAppInput:
		return appInput(s, ev)
	case StepTenantInput:
		return tenantInput(s, ev)
	case StepTenantResolving:
		return tenantResolving(s, ev)
	case StepSigningIn:
		return signingIn(s, ev)
	case StepDiagnosing:
		return diagnosing(s, ev)
	case StepDemoUser:
		return demoUser(s, ev)
	case StepChooseFix:
		return chooseFix(s, ev)
	case StepLinkShow:
		return linkShow(s, ev)
	case StepWriteSignIn:
		return writeSignIn(s, ev)
	case StepReadingPolicy:
		return readingPolicy(s, ev)
	case StepReviewers:
		return reviewers(s, ev)
	case StepReviewerSearch:
		return reviewerSearch(s, ev)
	case StepReviewerPick:
		return reviewerPick(s, ev)
	case StepWorkflowOptions:
		return workflowOptions(s, ev)
	case StepWorkflowDuration:
		return workflowDuration(s, ev)
	case StepPreview:
		return preview(s, ev)
	case StepJournaling:
		return journaling(s, ev)
	case StepWriting:
		return writing(s, ev)
	case StepVerifying:
		return verifying(s, ev)
	case StepRelaxConnect:
		return relaxConnect(s, ev)
	case StepRequestWait:
		return requestWait(s, ev)
	case StepRequestShow:
		return requestShow(s, ev)
	case StepRequestApprove:
		return requestApprove(s, ev)
	case StepUndoing:
		return undoing(s, ev)
	case StepFailed:
		if c, ok := ev.(Chose); ok && c.Key == KeyHandoff && canHandoff(s) && s.Diagnosis == nil {
			return showHandoff(s)
		}
		return failed(s, ev)
	case StepHandoff:
		return handoffStep(s, ev)
	}
	return s, nil
}

// proceed goes to the first question of the journey that is not answered yet.
func proceed(s State) (State, []Effect) {
	if s.App.ClientID == "" {
		s.Step = StepAppChoose
		return s, nil
	}
	if s.Tenant.ID == "" {
		if s.TenantText != "" && s.InputErr == "" && s.cmdTenant != "" {
			// From the command line: resolve without asking.
			s.cmdTenant = ""
			return resolveTenant(s, s.TenantText)
		}
		s.Step = StepTenantInput
		return s, nil
	}
	if s.helpdesk {
		return showHandoff(s)
	}
	return signIn(s)
}

func finish(s State, o Outcome) (State, []Effect) {
	if o.Fix == "" {
		o.Fix = s.Fix
	}
	o.Changes = clone(s.Changes)
	if o.Changes == nil {
		o.Changes = []Change{}
	}
	o.JournalKept = o.JournalKept || s.Journal != nil || s.journalKept || s.skipped > 0 || len(s.Pending) > 0
	s.Outcome = &o
	s.Step = StepDone
	s.PollSeq++
	return s, []Effect{Finish{Outcome: o}}
}

func fail(s State, f Failure) (State, []Effect) {
	if f.Outcome == "" {
		f.Outcome = OutcomeFailed
	}
	s.Failure = &f
	s.Step = StepFailed
	s.PollSeq++
	s.PollInFlight = false
	return s, nil
}

// --- identify the app -------------------------------------------------------

func appChoose(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case Chose:
		switch {
		case strings.HasPrefix(e.Key, "profile:"):
			i, err := strconv.Atoi(strings.TrimPrefix(e.Key, "profile:"))
			if err != nil || i < 0 || i >= len(s.Profiles) {
				return s, nil
			}
			s.App = s.Profiles[i]
			s.InputErr = ""
			return proceed(s)
		case e.Key == "id" || e.Key == "paste":
			s.appMode = e.Key
			s.InputErr = ""
			s.Step = StepAppInput
		case e.Key == "keep" && s.App.ClientID != "":
			s.InputErr = ""
			return proceed(s)
		case e.Key == KeyHelpdesk && !s.helpdesk:
			s.helpdesk = true
			s.InputErr = ""
		case e.Key == KeyAdmin && s.helpdesk:
			s.helpdesk = false
			s.InputErr = ""
		}
	}
	return s, nil
}

func appInput(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case Entered:
		ref, err := ParseApp(e.Text)
		if err != nil {
			s.InputErr = err.Error()
			return s, nil
		}
		s.InputErr = ""
		s.App = ref
		if s.TenantText == "" && ref.TenantHint != "" {
			s.TenantText = ref.TenantHint
		}
		return proceed(s)
	case Back:
		s.InputErr = ""
		s.Step = StepAppChoose
	}
	return s, nil
}

// --- identify the tenant ----------------------------------------------------

func tenantInput(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case Entered:
		text := strings.TrimSpace(e.Text)
		if text == "" {
			text = s.TenantText
			if text == "" {
				text = s.App.TenantHint
			}
		}
		if _, _, err := ParseTenant(text); err != nil {
			s.InputErr = err.Error()
			return s, nil
		}
		s.TenantText = text
		return resolveTenant(s, text)
	case Back:
		s.InputErr = ""
		s.Step = StepAppChoose
	}
	return s, nil
}

func resolveTenant(s State, text string) (State, []Effect) {
	s.InputErr = ""
	s.Step = StepTenantResolving
	return s, []Effect{ResolveTenant{Input: text}}
}

func tenantResolving(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case TenantResolved:
		if e.Err != nil || e.Info.ID == "" {
			msg := "no such tenant"
			if e.Err != nil {
				msg = e.Err.Error()
			}
			s.InputErr = fmt.Sprintf("Could not look up the tenant %q: %s", s.TenantText, msg)
			s.Step = StepTenantInput
			return s, nil
		}
		s.Tenant = e.Info
		if s.helpdesk {
			return showHandoff(s)
		}
		return signIn(s)
	case Back:
		s.Step = StepTenantInput
	}
	return s, nil
}

// --- sign in and diagnose ---------------------------------------------------

func signIn(s State) (State, []Effect) {
	s.Step = StepSigningIn
	s.signInFor = signInRead
	return s, []Effect{SignIn{Scopes: clone(ReadScopes), Tenant: s.Tenant.ID}}
}

func signingIn(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case SignedIn:
		if e.Err != nil {
			s, _ = fail(s, Failure{
				Title:     "Sign-in did not succeed",
				Reason:    e.Err.Error(),
				Remedy:    "Sign in with an account of this tenant. Reading the consent settings needs Global Reader or an administrator role.",
				Retryable: true,
				Outcome:   OutcomeSignInFailed,
			})
			s.RetryStep, s.RetryEffect = StepSigningIn, lastSignIn(s)
			return s, nil
		}
		s.SignedIn = e.Account
		s.Scopes = mergeScopes(s.Scopes, e.Scopes)
		if s.signInFor == signInRestore {
			return restoreRead(s)
		}
		return diagnose(s)
	case Chose:
		if e.Key == KeyHandoff && s.signInFor == signInRead && !s.helpdesk && canHandoff(s) {
			return showHandoff(s)
		}
	case Back:
		if s.signInFor == signInRestore {
			s.Restore = nil
			s.Step = StepRestoreOffer
			return s, nil
		}
		if s.helpdesk {
			return showHandoff(s)
		}
		s.Step = StepTenantInput
		s.Tenant = TenantInfo{}
	}
	return s, nil
}

func lastSignIn(s State) Effect {
	scopes := clone(ReadScopes)
	if s.signInFor == signInRestore && !s.DryRun {
		if restoreIsRequest(s) {
			scopes = append(scopes, ScopeConsentRequestWrite)
		} else {
			scopes = append(scopes, ScopeUserConsentWrite)
		}
	}
	return SignIn{Scopes: scopes, Tenant: s.Tenant.ID}
}

func diagnose(s State) (State, []Effect) {
	s.Step = StepDiagnosing
	return s, []Effect{FetchSnapshot{AppID: s.App.ClientID, App: s.App, Diagnose: true}}
}

func diagnosing(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case SnapshotLoaded:
		if e.Err != nil || e.Snap == nil || e.Diagnosis == nil {
			f := readFailure("Could not read the tenant's consent settings", e.Err)
			if e.Err == nil {
				f.Reason = "The tenant was read but no diagnosis came back."
			}
			s, _ = fail(s, f)
			s.RetryStep, s.RetryEffect = StepDiagnosing, FetchSnapshot{AppID: s.App.ClientID, App: s.App, Diagnose: true}
			return s, nil
		}
		d := *e.Diagnosis
		s.Snap = e.Snap
		s.Diagnosis = &d
		if s.Tenant.ID == "" {
			s.Tenant = d.Tenant
		}
		if !d.Blocked {
			return finish(s, Outcome{Kind: OutcomeNothingToFix, Summary: "Nothing blocks users from connecting " + appName(s) + ": " + usersSee(d.UserScreen) + "."})
		}
		if s.helpdesk {
			return showHandoff(s)
		}
		s.Step = StepChooseFix
	case Back:
		if s.helpdesk {
			return showHandoff(s)
		}
		s.Step = StepTenantInput
		s.Tenant = TenantInfo{}
	}
	return s, nil
}

// --- choose a fix -------------------------------------------------------------

// fixOrder lists the diagnosis's fixes, recommended first.
func fixOrder(d *Diagnosis) []FixOption {
	if d == nil {
		return nil
	}
	var out []FixOption
	if f, ok := d.Fix(d.Recommended); ok {
		out = append(out, f)
	}
	for _, id := range AllFixes {
		if id == d.Recommended {
			continue
		}
		if f, ok := d.Fix(id); ok {
			out = append(out, f)
		}
	}
	return out
}

func chooseFix(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case Chose:
		if e.Key == "recheck" {
			s = resetFix(s)
			return diagnose(s)
		}
		if e.Key == KeyHandoff {
			if _, ok := handoffOption(s); ok {
				s = resetFix(s)
				return showHandoff(s)
			}
			return s, nil
		}
		f, ok := s.Diagnosis.Fix(FixID(e.Key))
		if !ok {
			return s, nil
		}
		if !f.Viable {
			s.InputErr = f.Title + " cannot work here: " + f.Reason
			return s, nil
		}
		s = resetFix(s)
		s.Fix = f.ID
		return startFix(s)
	case Back:
		s = resetFix(s)
		s.Step = StepTenantInput
		s.Tenant = TenantInfo{}
	}
	return s, nil
}

// resetFix forgets everything a fix gathered (used when going back to the fix choice).
func resetFix(s State) State {
	s.Fix = ""
	s.InputErr = ""
	s.OriginalPolicy, s.TargetPolicy = nil, nil
	s.OriginalRequestPolicy = nil
	s.RequestPolicy = entra.AdminConsentRequestPolicy{}
	s.Reviewers, s.Candidates = nil, nil
	s.Request = nil
	s.RequestTemporary = false
	s.Plan, s.Done, s.Created, s.Undo = nil, 0, nil, nil
	s.Journal = nil
	s.PollSeq++
	s.PollInFlight, s.PollCheck = false, false
	s.Missing = nil
	s.Simulated = ""
	s.Link = ""
	s.LinkOpened, s.LinkCopied, s.LinkSaved = false, false, ""
	s.Failure, s.RetryEffect = nil, nil
	s.CancelAsked = false
	s.VerifyTries = 0
	s.committed = false
	s.directRequest = false
	s.grantSeen = false
	s.policyFresh = false
	return s
}

func startFix(s State) (State, []Effect) {
	switch s.Fix {
	case FixAdminLink:
		s.Link = adminLink(s)
		s.UseV2 = strings.Contains(s.Link, "/v2.0/")
		s.Step = StepLinkShow
		return startPolling(s, PollGrantEvery)
	case FixRequestWorkflow:
		if req := pendingRequest(s.Snap, s.App.ClientID); req != nil {
			s.Request = req
			s.directRequest = true
			s.Step = StepRequestShow
			return s, nil
		}
	}
	if s.DryRun {
		return afterWriteSignIn(s)
	}
	s.Step = StepWriteSignIn
	return s, []Effect{SignIn{Scopes: WriteScopes(s.Fix), Tenant: s.Tenant.ID}}
}

func writeSignIn(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case SignedIn:
		if e.Err != nil {
			f := Failure{
				Title:     "Could not get permission to make this change",
				Reason:    e.Err.Error(),
				Scope:     strings.Join(WriteScopes(s.Fix), ", "),
				Role:      fixRole(s.Fix),
				Retryable: true,
			}
			f.AltFix = altFix(s)
			f.Remedy = remedyFor(f)
			s, _ = fail(s, f)
			s.RetryStep, s.RetryEffect = StepWriteSignIn, SignIn{Scopes: WriteScopes(s.Fix), Tenant: s.Tenant.ID}
			return s, nil
		}
		s.Scopes = mergeScopes(s.Scopes, e.Scopes)
		return afterWriteSignIn(s)
	case Back:
		s = resetFix(s)
		s.Step = StepChooseFix
	}
	return s, nil
}

func afterWriteSignIn(s State) (State, []Effect) {
	switch s.Fix {
	case FixRelaxUserConsent, FixClassifyLow:
		s.Step = StepReadingPolicy
		return s, []Effect{ReadAuthorizationPolicy{}}
	case FixRequestWorkflow:
		s = initRequestPolicy(s)
		s.Step = StepReviewers
		return s, nil
	case FixGrantDirect:
		s.Plan = grantPlan(s)
		if len(s.Plan) == 0 {
			return fail(s, Failure{Title: "Nothing to grant", Reason: "The app already has every permission it asks for.", AltFix: altFix(s)})
		}
		s.Step = StepPreview
		return s, nil
	}
	return s, nil
}

func readingPolicy(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case PolicyRead:
		if e.Err != nil {
			s, _ = fail(s, readFailure("Could not read the user consent setting", e.Err))
			s.RetryStep, s.RetryEffect = StepReadingPolicy, ReadAuthorizationPolicy{}
			return s, nil
		}
		s.OriginalPolicy = cloneNonNil(e.Policy.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned)
		s.TargetPolicy = withSelfPolicy(s.OriginalPolicy, selfTarget(s))
		var plan []Effect
		if s.Fix == FixClassifyLow {
			plan = classifyPlan(s)
		}
		if !samePolicies(s.OriginalPolicy, s.TargetPolicy) {
			plan = append(plan, PatchUserConsent{Policies: clone(s.TargetPolicy)})
		} else if s.Fix == FixRelaxUserConsent {
			return fail(s, Failure{
				Title:  "User consent is already set this way",
				Reason: "The setting is already \"" + portalName(s.OriginalPolicy) + "\", so changing it cannot help.",
				AltFix: altFix(s),
			})
		}
		if len(plan) == 0 {
			return fail(s, Failure{Title: "Nothing to change", Reason: "The permissions are already classified low and user consent is already set.", AltFix: altFix(s)})
		}
		s.Plan = plan
		s.Step = StepPreview
	case Back:
		s = resetFix(s)
		s.Step = StepChooseFix
	}
	return s, nil
}

// selfTarget is the self-consent policy the chosen fix sets.
func selfTarget(s State) string {
	if s.Fix == FixClassifyLow {
		return entra.PolicyLow
	}
	return entra.PolicyManagedRecommended
}

// --- preview, journal, write, verify -----------------------------------------

func preview(s State, ev Event) (State, []Effect) {
	switch ev.(type) {
	case Confirmed:
		if s.DryRun {
			reqs := make([]RequestPreview, 0, len(s.Plan))
			for _, e := range s.Plan {
				if r, ok := RequestFor(bind(s, e)); ok {
					reqs = append(reqs, r)
				}
			}
			return finish(s, Outcome{Kind: OutcomeDryRun, Summary: "Dry run: nothing was changed. These are the requests the fix would send.", Requests: reqs})
		}
		return runPlan(s)
	case Back:
		switch s.Fix {
		case FixRequestWorkflow:
			s.Plan = nil
			s.Step = StepWorkflowOptions
		default:
			s = resetFix(s)
			s.Step = StepChooseFix
		}
	}
	return s, nil
}

// runPlan emits the next write of the plan (journaling a user-consent change first),
// or starts verification when all are done.
func runPlan(s State) (State, []Effect) {
	if s.CancelAsked {
		s.CancelAsked = false
		return startUndo(s, undoCancel, nil)
	}
	if s.Done >= len(s.Plan) {
		s.VerifyTries = 0
		return verify(s)
	}
	e := bind(s, s.Plan[s.Done])
	if _, ok := e.(PatchUserConsent); ok && s.Journal == nil && !s.policyFresh {
		// Read the setting again right before saving it: another admin may have
		// changed it while the preview was on screen, and the journal must hold
		// the value that is really replaced.
		s.Step = StepJournaling
		return s, []Effect{ReadAuthorizationPolicy{}}
	}
	if p, ok := e.(PutConsentRequestPolicy); ok && s.RequestTemporary && s.Journal == nil {
		if !s.policyFresh {
			// As for user consent: read the policy again right before saving it,
			// so the journal holds the value that is really replaced.
			s.Step = StepJournaling
			return s, []Effect{ReadConsentRequestPolicy{}}
		}
		orig := cloneRequestPolicy(*s.OriginalRequestPolicy)
		set := cloneRequestPolicy(p.Policy)
		j := JournalEntry{
			ID:                    journalID(s),
			TenantID:              s.Tenant.ID,
			TenantDomain:          s.Tenant.Domain,
			Cloud:                 s.Cloud.Name,
			Fix:                   s.Fix,
			AppID:                 s.App.ClientID,
			What:                  JournalWhatRequestPolicy,
			Original:              []string{},
			Set:                   []string{},
			OriginalRequestPolicy: &orig,
			SetRequestPolicy:      &set,
			At:                    s.Now,
			By:                    s.SignedIn,
		}
		s.Journal = &j
		s.Step = StepJournaling
		return s, []Effect{WriteJournal{Entry: j}}
	}
	if p, ok := e.(PatchUserConsent); ok && s.Journal == nil {
		j := JournalEntry{
			ID:           journalID(s),
			TenantID:     s.Tenant.ID,
			TenantDomain: s.Tenant.Domain,
			Cloud:        s.Cloud.Name,
			Fix:          s.Fix,
			AppID:        s.App.ClientID,
			What:         JournalWhat,
			Original:     cloneNonNil(s.OriginalPolicy),
			Set:          cloneNonNil(p.Policies),
			At:           s.Now,
			By:           s.SignedIn,
		}
		s.Journal = &j
		s.Step = StepJournaling
		return s, []Effect{WriteJournal{Entry: j}}
	}
	s.Step = StepWriting
	return s, []Effect{e}
}

func journalID(s State) string {
	t := s.Tenant.ID
	if t == "" {
		t = "tenant"
	}
	return t + "-" + strconv.FormatInt(s.Now.Unix(), 10)
}

func journaling(s State, ev Event) (State, []Effect) {
	if r, ok := ev.(PolicyRead); ok && s.Journal == nil && s.Fix != FixRequestWorkflow {
		return journalRecheck(s, r)
	}
	if r, ok := ev.(ConsentPolicyRead); ok && s.Journal == nil && s.Fix == FixRequestWorkflow {
		return journalRecheckRequest(s, r)
	}
	e, ok := ev.(JournalWritten)
	if !ok {
		return s, nil
	}
	if e.Err != nil {
		// Nothing of the user-consent change was written; the entry may or may not exist.
		j := s.Journal
		s.Journal = nil
		f := Failure{Title: "Could not save the journal, so nothing was changed", Reason: e.Err.Error(),
			Remedy:    "consentwiz saves the current setting before changing it. Check that the config directory is writable, then try again.",
			Retryable: true}
		if s.CancelAsked {
			s.CancelAsked = false
			return startUndoClearing(s, undoCancel, nil, j)
		}
		return startUndoClearing(s, undoFail, &f, j)
	}
	if s.CancelAsked {
		// The journal is on disk but nothing in the tenant changed: remove it and stop.
		s.CancelAsked = false
		j := s.Journal
		s.Journal = nil
		return startUndoClearing(s, undoCancel, nil, j)
	}
	s.Step = StepWriting
	return s, []Effect{bind(s, s.Plan[s.Done])}
}

// journalRecheck compares the fresh read with the value the preview showed: the
// same → journal it and write; changed → show the preview again with the new
// value (nothing is written on a stale view of the tenant).
func journalRecheck(s State, r PolicyRead) (State, []Effect) {
	if r.Err != nil {
		if s.CancelAsked {
			s.CancelAsked = false
			return startUndo(s, undoCancel, nil)
		}
		f := readFailure("Could not read the user consent setting before changing it", r.Err)
		f.Remedy = "Nothing was changed. " + f.Remedy
		s, effs := fail(s, f)
		s.RetryStep, s.RetryEffect = StepJournaling, ReadAuthorizationPolicy{}
		return s, effs
	}
	if s.CancelAsked {
		s.CancelAsked = false
		return startUndo(s, undoCancel, nil)
	}
	cur := cloneNonNil(r.Policy.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned)
	if samePolicies(cur, s.OriginalPolicy) {
		s.policyFresh = true
		return runPlan(s)
	}
	s.OriginalPolicy = cur
	s.TargetPolicy = withSelfPolicy(cur, selfTarget(s))
	for i, e := range s.Plan {
		if _, ok := e.(PatchUserConsent); ok {
			s.Plan[i] = PatchUserConsent{Policies: clone(s.TargetPolicy)}
		}
	}
	s.Step = StepPreview
	s.InputErr = "The setting changed since consentwiz read it (another admin?). Review the change again: it now starts from the current value."
	return s, nil
}

// journalRecheckRequest is journalRecheck for a temporary request workflow: the
// request policy read right before journaling must be the one the preview showed.
func journalRecheckRequest(s State, r ConsentPolicyRead) (State, []Effect) {
	if s.CancelAsked {
		s.CancelAsked = false
		return startUndo(s, undoCancel, nil)
	}
	if r.Err != nil {
		f := readFailure("Could not read the consent request setting before changing it", r.Err)
		f.Remedy = "Nothing was changed. " + f.Remedy
		s, effs := fail(s, f)
		s.RetryStep, s.RetryEffect = StepJournaling, ReadConsentRequestPolicy{}
		return s, effs
	}
	cur := cloneRequestPolicy(r.Policy)
	if s.OriginalRequestPolicy == nil || sameRequestPolicy(cur, *s.OriginalRequestPolicy) {
		if s.OriginalRequestPolicy == nil {
			s.OriginalRequestPolicy = &cur
		}
		s.policyFresh = true
		return runPlan(s)
	}
	s.OriginalRequestPolicy = &cur
	s.RequestPolicy = finalRequestPolicy(s)
	s.Plan = []Effect{PutConsentRequestPolicy{Policy: s.RequestPolicy}}
	s.Step = StepPreview
	s.InputErr = "The consent request setting changed since consentwiz read it (another admin?). Review the change again: it now starts from the current value."
	return s, nil
}

func writing(s State, ev Event) (State, []Effect) {
	e, ok := ev.(WriteDone)
	if !ok || s.Done >= len(s.Plan) {
		return s, nil
	}
	cur := bind(s, s.Plan[s.Done])
	if w, ok := cur.(WriteEffect); !ok || (e.Op != "" && e.Op != w.Op()) {
		return s, nil
	}
	if e.Err != nil {
		f := writeFailure(s, cur, e.Err)
		if entra.IsThrottled(e.Err) && !s.CancelAsked {
			s, _ = fail(s, f)
			s.RetryStep, s.RetryEffect = StepWriting, cur
			s.Failure.canUndo = s.written()
			return s, nil
		}
		why := undoFail
		if s.CancelAsked {
			why = undoCancel
		}
		s.CancelAsked = false
		return startUndo(s, why, &f)
	}
	s = recordWrite(s, cur, e.ID)
	s.Done++
	return runPlan(s)
}

// recordWrite notes a successful write: what was created, and the change log line.
func recordWrite(s State, e Effect, id string) State {
	add := func(kind ObjectKind, parent, label string) {
		s.Created = append(clone(s.Created), CreatedObject{Kind: kind, ID: id, ParentID: parent, Label: label, step: s.Done})
	}
	c := describe(s, e)
	switch w := e.(type) {
	case CreateServicePrincipal:
		add(ObjectServicePrincipal, "", c.Label)
	case CreateGrant:
		add(ObjectGrant, "", c.Label)
	case CreateAppRoleAssignment:
		add(ObjectAppRoleAssignment, w.Assignment.ResourceID, c.Label)
	case CreateClassification:
		add(ObjectClassification, w.ResourceID, c.Label)
	}
	ch := Change{What: c.Label, Before: c.Before, After: c.After, At: s.Now}
	if p, ok := e.(PatchUserConsent); ok {
		ch.Before, ch.After = policySummary(s.OriginalPolicy), policySummary(p.Policies)
	}
	s = addChange(s, ch)
	return s
}

func addChange(s State, c Change) State {
	s.Changes = append(clone(s.Changes), c)
	return s
}

// markVerified marks the change log lines of this fix's writes as verified.
func markVerified(s State) State {
	n := len(s.Plan)
	if n > len(s.Changes) {
		n = len(s.Changes)
	}
	s.Changes = clone(s.Changes)
	for i := len(s.Changes) - n; i < len(s.Changes); i++ {
		s.Changes[i].Verified = true
	}
	return s
}

// written reports whether this fix has changed the tenant and not yet finished (committed or undone).
func (s State) written() bool {
	return !s.committed && (s.Done > 0 || s.Journal != nil)
}

func verify(s State) (State, []Effect) {
	s.Step = StepVerifying
	return s, []Effect{verifyEffect(s)}
}

func verifyEffect(s State) Effect {
	switch s.Fix {
	case FixRelaxUserConsent:
		return ReadAuthorizationPolicy{}
	case FixRequestWorkflow:
		return ReadConsentRequestPolicy{}
	}
	return FetchSnapshot{AppID: s.App.ClientID, App: s.App}
}

func verifying(s State, ev Event) (State, []Effect) {
	var ok bool
	var problem string
	switch e := ev.(type) {
	case Tick:
		if e.Seq != s.PollSeq {
			return s, nil
		}
		return s, []Effect{verifyEffect(s)}
	case PolicyRead:
		if s.Fix != FixRelaxUserConsent {
			return s, nil
		}
		if e.Err != nil {
			return verifyReadFailed(s, e.Err)
		}
		cur := e.Policy.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned
		ok = samePolicies(cur, s.TargetPolicy)
		if !ok && samePolicies(cur, s.OriginalPolicy) && s.VerifyTries+1 >= MaxVerifyTries {
			// ENTRA.md A1: a 204 that changed nothing.
			s = markUnverified(s)
			f := Failure{
				Title:   "The service accepted the change but did not apply it",
				Reason:  "Microsoft Graph answered the change with success, but the setting still reads \"" + portalName(cur) + "\". This happens in tenants where Microsoft manages consent settings. Nothing was changed.",
				AltFix:  altFix(s),
				Outcome: OutcomeNotApplied,
			}
			f.Remedy = remedyFor(f)
			j := s.Journal
			s.Journal = nil
			return startUndoClearing(s, undoFail, &f, j)
		}
		problem = "the setting reads \"" + strings.Join(cur, ", ") + "\""
	case ConsentPolicyRead:
		if s.Fix != FixRequestWorkflow {
			return s, nil
		}
		if e.Err != nil {
			return verifyReadFailed(s, e.Err)
		}
		problem = workflowMismatch(e.Policy, s.RequestPolicy)
		ok = problem == ""
	case SnapshotLoaded:
		if s.Fix != FixGrantDirect && s.Fix != FixClassifyLow {
			return s, nil
		}
		if e.Err != nil || e.Snap == nil {
			return verifyReadFailed(s, e.Err)
		}
		if s.Fix == FixGrantDirect {
			problem = grantMismatch(s, e.Snap)
		} else {
			problem = classifyMismatch(s, e.Snap)
		}
		ok = problem == ""
		if ok {
			s.Snap = e.Snap
		}
	default:
		return s, nil
	}
	if !ok {
		s.VerifyTries++
		if s.VerifyTries < MaxVerifyTries {
			s.PollSeq++
			return s, []Effect{Wait{D: VerifyRetryAfter, Seq: s.PollSeq}}
		}
		s, _ = fail(s, Failure{
			Title:  "The change could not be verified",
			Reason: "After the write, " + problem + ".",
			Remedy: "Check again in a moment, undo the change, or keep it and check it in the Entra admin center.",
		})
		s.Failure.canUndo = true
		s.Failure.canVerify = true
		return s, nil
	}
	s = markVerified(s)
	s.VerifyTries = 0
	return verified(s)
}

func markUnverified(s State) State {
	// The write did not apply: its change log line says so.
	if n := len(s.Changes); n > 0 {
		s.Changes = clone(s.Changes)
		s.Changes[n-1].After = s.Changes[n-1].Before + " (not applied by the service)"
	}
	return s
}

func verifyReadFailed(s State, err error) (State, []Effect) {
	f := readFailure("Could not read back the change", err)
	f.Remedy = "The change was made but could not be checked. " + f.Remedy
	s, _ = fail(s, f)
	s.Failure.canUndo = true
	s.Failure.canVerify = true
	return s, nil
}

// verified continues each fix after its writes were read back.
func verified(s State) (State, []Effect) {
	switch s.Fix {
	case FixRelaxUserConsent:
		s.Step = StepRelaxConnect
		s.grantSeen = false
		s, effs := startPolling(s, PollGrantEvery)
		if s.Demo {
			effs = append([]Effect{SimulateUser{AppID: s.App.ClientID, Scopes: requestedScopes(s)}}, effs...)
		}
		return s, effs
	case FixRequestWorkflow:
		// Temporary: the journal stays until the request is approved, so a
		// cancel meanwhile puts the original policy back.
		s.committed = s.Journal == nil
		s.Step = StepRequestWait
		s, effs := startPolling(s, PollRequestsEvery)
		if s.Demo {
			// Demo: the simulated user asks at once, so the wait ends.
			effs = append([]Effect{SimulateUser{AppID: s.App.ClientID, Scopes: requestedScopes(s)}}, effs...)
		}
		return s, effs
	case FixClassifyLow:
		s.committed = true
		if s.Journal != nil {
			// The consent change is meant to stay: the journal has done its job.
			j := s.Journal
			s.Journal = nil
			s.Restore = j
			s.afterRestore = afterRestoreDone
			s.Step = StepRestoreClearing
			return s, []Effect{ClearJournal{ID: j.ID}}
		}
		return finishVerified(s)
	}
	s.committed = true
	return finishVerified(s)
}

func finishVerified(s State) (State, []Effect) {
	summary := map[FixID]string{
		FixAdminLink:        "An administrator approved " + appName(s) + " for everyone in the organization.",
		FixRelaxUserConsent: "Users could consent to " + appName(s) + "; the user consent setting is back to what it was.",
		FixRequestWorkflow:  "The consent request for " + appName(s) + " was approved.",
		FixGrantDirect:      appName(s) + " now has admin consent for everyone in the organization.",
		FixClassifyLow:      "Users can now consent to " + appName(s) + "'s low-impact permissions themselves.",
	}[s.Fix]
	if s.Fix == FixRequestWorkflow && s.RequestTemporary {
		switch {
		case s.journalKept:
			summary += " Consent requests are NOT turned off again yet: the saved setting stays in the journal; run `consentwiz restore`."
		case s.keptOther > 0:
			summary += " Someone else changed the consent request setting meanwhile; it was kept as they set it."
		default:
			summary += " The consent request setting is back to what it was."
		}
	}
	if s.Fix == FixRelaxUserConsent {
		// The end-of-fix restore may not have put the original back: say so.
		switch {
		case s.journalKept:
			summary = "Users could consent to " + appName(s) + ". The user consent setting was NOT put back yet: the saved value stays in the journal; run `consentwiz restore`."
		case s.keptOther > 0:
			summary = "Users could consent to " + appName(s) + ". Someone else changed the user consent setting meanwhile; it was kept as they set it, not put back to the original."
		}
	}
	o := Outcome{Kind: OutcomeVerified, Summary: summary}
	if s.Demo && s.demoAfter == nil && s.App.ClientID != "" {
		// The demo shows the end user's side: the user tries the app again and
		// the summary says what they got, before the wizard ends.
		s.demoAfter = &o
		s.Step = StepDemoUser
		return s, []Effect{SimulateUser{AppID: s.App.ClientID, Scopes: requestedScopes(s)}}
	}
	return finish(s, o)
}

// demoUser waits for the simulated user's second try (demo only).
func demoUser(s State, ev Event) (State, []Effect) {
	o := *s.demoAfter
	switch e := ev.(type) {
	case UserSimulated:
		if e.Err != nil {
			o.Summary += "\n\nThe simulated user could not try again: " + e.Err.Error()
		} else {
			o.Summary += "\n\nThe user tries the app again and gets " + screenName(e.Screen) + "."
			if e.Detail != "" {
				o.Summary += " " + e.Detail
			}
		}
		return finish(s, o)
	case Confirmed, DoneKey:
		return finish(s, o)
	}
	return s, nil
}

// --- polling ---------------------------------------------------------------------

func startPolling(s State, every time.Duration) (State, []Effect) {
	s.PollSeq++
	s.PollInFlight = false
	s.PollCheck = false
	s.PollStarted = s.Now
	s.pollEvery = every
	return s, []Effect{Wait{D: every, Seq: s.PollSeq}}
}

func pollEffect(s State) Effect {
	if s.Step == StepRequestWait {
		return PollRequests{AppID: s.App.ClientID}
	}
	return PollGrant{AppID: s.App.ClientID}
}

// pollEvent handles Tick, Polled and DoneKey in a polling step. done reports whether the
// polled result satisfied check (which returns what is still missing).
func pollEvent(s State, ev Event, check func(State, *entra.TenantSnapshot) []string) (State, []Effect, bool, *entra.TenantSnapshot) {
	switch e := ev.(type) {
	case Tick:
		if e.Seq != s.PollSeq || s.PollInFlight {
			return s, nil, false, nil
		}
		s.PollInFlight = true
		return s, []Effect{pollEffect(s)}, false, nil
	case DoneKey:
		s.PollCheck = true
		if s.PollInFlight {
			return s, nil, false, nil
		}
		s.PollSeq++ // the pending Wait's Tick is now stale
		s.PollInFlight = true
		return s, []Effect{pollEffect(s)}, false, nil
	case Polled:
		if !s.PollInFlight {
			return s, nil, false, nil
		}
		s.PollInFlight = false
		if e.Err != nil || e.Snap == nil {
			s.PollErr = "Could not check: " + errText(e.Err)
			s.PollSeq++
			d := s.pollEvery
			if entra.IsThrottled(e.Err) {
				d *= 2
			}
			return s, []Effect{Wait{D: d, Seq: s.PollSeq}}, false, nil
		}
		s.PollErr = ""
		missing := check(s, e.Snap)
		if missing == nil {
			s.PollCheck = false
			s.Missing = nil
			return s, nil, true, e.Snap
		}
		if s.PollCheck {
			s.Missing = missing
			s.PollCheck = false
		}
		s.PollSeq++
		return s, []Effect{Wait{D: s.pollEvery, Seq: s.PollSeq}}, false, nil
	}
	return s, nil, false, nil
}

// --- admin-link ---------------------------------------------------------------

func adminLink(s State) string {
	tenant := s.Tenant.ID
	if tenant == "" {
		tenant = s.Tenant.Domain
	}
	if s.App.ConsentVersion == "v2" && len(s.App.RedirectURIs) > 0 {
		if u, err := AdminConsentURLv2(s.Cloud, tenant, s.App.ClientID, v2Scopes(s), s.App.RedirectURIs[0], s.Nonce); err == nil {
			return u
		}
	}
	// v1 without redirect_uri returns to the app's own registered reply URL
	// (ENTRA.md C1, G): right for every region of a multi-region vendor, where
	// picking one of the profile's URIs could send a US customer to the UK site.
	redirect := ""
	if len(s.App.RedirectURIs) == 1 {
		redirect = s.App.RedirectURIs[0]
	}
	return AdminConsentURLv1(s.Cloud, tenant, s.App.ClientID, redirect, s.Nonce)
}

func v2Scopes(s State) []string {
	sc := requestedScopes(s)
	if len(sc) == 0 || len(s.App.AppRoles) > 0 {
		return []string{".default"}
	}
	return sc
}

func linkShow(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case Chose:
		switch e.Key {
		case "open":
			return s, []Effect{OpenURL{URL: s.Link}}
		case "copy":
			return s, []Effect{CopyText{Text: s.Link}}
		case "save":
			return s, []Effect{SaveFile{Name: handoffName(s), Text: handoffText(s)}}
		case "handoff":
			return finish(s, Outcome{Kind: OutcomeHandedOff, Summary: "The admin consent link for " + appName(s) + " was handed over; nothing was changed yet."})
		}
		return s, nil
	case Opened:
		s.LinkOpened = e.Err == nil
		s.ioNote = ""
		if e.Err != nil {
			s.ioNote = "Could not open the browser (" + e.Err.Error() + "). Copy the link instead."
		}
		return s, nil
	case Copied:
		s.LinkCopied = e.Err == nil
		s.ioNote = ""
		if e.Err != nil {
			s.ioNote = "Could not copy (" + e.Err.Error() + "). Select the link on screen instead."
		}
		return s, nil
	case Saved:
		s.ioNote = ""
		if e.Err != nil {
			s.ioNote = "Could not save the file: " + e.Err.Error()
		} else {
			s.LinkSaved = e.Path
		}
		return s, nil
	case Back:
		s = resetFix(s)
		s.Step = StepChooseFix
		return s, nil
	}
	s, effs, done, snap := pollEvent(s, ev, grantMissing)
	if done {
		s.Snap = snap
		s = addChange(s, Change{What: "Admin consent for " + appName(s), Before: "not granted", After: "granted for everyone: " + strings.Join(requestedScopes(s), " "), Verified: true, At: s.Now})
		s.committed = true
		return finishVerified(s)
	}
	return s, effs
}

func handoffName(s State) string {
	return "consentwiz-handoff-" + safeName(appName(s)) + ".txt"
}

func safeName(n string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(n) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	out := strings.Trim(b.String(), "-")
	if out == "" {
		return "app"
	}
	if len(out) > 40 {
		out = out[:40]
	}
	return out
}

func handoffText(s State) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Admin consent needed for %s (client id %s)\n\n", appName(s), s.App.ClientID)
	fmt.Fprintf(&b, "Tenant: %s\n", tenantName(s))
	if s.Diagnosis != nil && s.Diagnosis.RecommendedWhy != "" {
		fmt.Fprintf(&b, "Why: %s\n", s.Diagnosis.RecommendedWhy)
	}
	if sc := requestedScopes(s); len(sc) > 0 {
		fmt.Fprintf(&b, "Permissions: %s\n", strings.Join(sc, ", "))
	}
	b.WriteString("\nWhat to do: sign in with a Global Administrator, Privileged Role Administrator or Cloud Application Administrator account, open this link and accept:\n\n")
	b.WriteString(s.Link + "\n\n")
	b.WriteString("Afterwards users can connect the app without the \"Need admin approval\" screen.\n")
	return b.String()
}

// --- helpers ------------------------------------------------------------------------

func clone[T any](s []T) []T {
	if s == nil {
		return nil
	}
	return append([]T(nil), s...)
}

func cloneNonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return clone(s)
}

func mergeScopes(have, add []string) []string {
	out := clone(have)
	for _, a := range add {
		if !containsFold(out, a) {
			out = append(out, a)
		}
	}
	return out
}

func containsFold(list []string, v string) bool {
	for _, x := range list {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}

// samePolicies compares two permissionGrantPoliciesAssigned values as sets, ignoring case.
func samePolicies(a, b []string) bool {
	norm := func(l []string) []string {
		out := make([]string, 0, len(l))
		for _, x := range l {
			x = strings.ToLower(strings.TrimSpace(x))
			if x != "" && !containsFold(out, x) {
				out = append(out, x)
			}
		}
		sort.Strings(out)
		return out
	}
	na, nb := norm(a), norm(b)
	if len(na) != len(nb) {
		return false
	}
	for i := range na {
		if na[i] != nb[i] {
			return false
		}
	}
	return true
}

// withSelfPolicy keeps every entry that is not a ManagePermissionGrantsForSelf.* entry
// (so ManagePermissionGrantsForOwnedResource.* stay) and sets the self-consent policy.
func withSelfPolicy(orig []string, policyID string) []string {
	out := []string{}
	for _, p := range orig {
		if !hasPrefixFold(p, entra.SelfConsentPrefix) {
			out = append(out, p)
		}
	}
	return append(out, entra.SelfConsentPrefix+policyID)
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// portalName names a permissionGrantPoliciesAssigned value as the admin center does.
func portalName(p []string) string {
	_, name, _ := ConsentSetting(p)
	return name
}

func policyText(p []string) string {
	if len(p) == 0 {
		return portalName(p) + " (no policies assigned)"
	}
	return portalName(p) + " (" + strings.Join(p, ", ") + ")"
}

// policySummary names a user-consent value for the change log: the portal's
// name and the self-consent policies, with group/team/developer entries
// (kept unchanged) only counted. The preview and the journal show every entry.
func policySummary(p []string) string {
	var self []string
	kept := 0
	for _, v := range p {
		if strings.HasPrefix(strings.ToLower(v), strings.ToLower(entra.OwnedResourceConsentPrefix)) {
			kept++
			continue
		}
		self = append(self, v)
	}
	out := portalName(p)
	if len(self) > 0 {
		out += " (" + strings.Join(self, ", ") + ")"
	}
	if kept > 0 {
		out += fmt.Sprintf(" + %d group/team consent entries", kept)
	}
	return out
}

func appName(s State) string {
	switch {
	case s.App.DisplayName != "":
		return s.App.DisplayName
	case s.Diagnosis != nil && s.Diagnosis.App.DisplayName != "":
		return s.Diagnosis.App.DisplayName
	case s.Snap != nil && s.Snap.App != nil && s.Snap.App.DisplayName != "":
		return s.Snap.App.DisplayName
	case s.App.ClientID != "":
		return "the app " + s.App.ClientID
	}
	return "the app"
}

func tenantName(s State) string {
	switch {
	case s.Tenant.Domain != "" && s.Tenant.ID != "":
		return s.Tenant.Domain + " (" + s.Tenant.ID + ")"
	case s.Tenant.Domain != "":
		return s.Tenant.Domain
	}
	return s.Tenant.ID
}

// requestedScopes are the delegated scopes the app needs.
func requestedScopes(s State) []string {
	if s.Diagnosis != nil && len(s.Diagnosis.Scopes.Requested) > 0 {
		return clone(s.Diagnosis.Scopes.Requested)
	}
	return clone(s.App.Scopes)
}

func errText(err error) string {
	if err == nil {
		return "no data"
	}
	return err.Error()
}

package flows

import (
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

// Start begins the wizard: the restore offer when a journal is pending, else the journey.
func Start(in WizardInput) (State, []Effect) {
	s := State{Journey: Journey{
		Demo:          in.Demo,
		DryRun:        in.DryRun,
		RestoreOnly:   in.RestoreOnly,
		CheckOnly:     in.CheckOnly,
		Profiles:      clone(in.Profiles),
		Nonce:         in.Nonce,
		RunID:         firstNonEmpty(in.RunID, in.Nonce),
		RelaxWindow:   in.RelaxWindow,
		RequestWindow: in.RequestWindow,
		Now:           in.Now,
		Version:       in.Version,
		TenantText:    strings.TrimSpace(in.Tenant),
		ScanDays:      in.ScanDays,
	}}
	s.resolveGiven = s.TenantText != ""
	byName := false
	switch {
	case in.App.ClientID != "":
		s.App = in.App
	case strings.TrimSpace(in.AppText) != "":
		r, err := Read(in.AppText)
		var ref AppRef
		if err == nil {
			ref, err = r.AppRef()
		}
		switch m, ok := canFindByName(s, err); {
		case err == nil:
			s.App, s.placeholderTenant = ref, r.PlaceholderTenant
		case ok:
			s, byName = askByName(s, m), true
		default:
			s.InputErr = err.Error()
		}
	case strings.TrimSpace(in.AppName) != "":
		s.FindName = strings.Join(strings.Fields(Sanitize(in.AppName, 0)), " ")
	}
	var effs []Effect
	switch {
	case len(in.Journal) > 0 && !s.CheckOnly:
		s.Restore = &RestoreRun{Pending: clone(in.Journal), then: afterRestoreContinue}
		s.Step = StepRestoreOffer
	case s.RestoreOnly:
		s, effs = finish(s, Outcome{Kind: OutcomeNothingToRestore, Summary: "Nothing to restore: no change made by consentwiz is waiting to be put back."})
	case s.CheckOnly && (s.App.ClientID == "" && (s.FindName == "" || byName) || s.TenantText == ""):
		why := firstNonEmpty(s.InputErr, s.nameNote, "name the app (client id, URL, error text, profile or name) and the tenant")
		s, effs = finish(s, Outcome{Kind: OutcomeFailed, Summary: "Nothing to check", Err: why})
	case byName:
		// The text names the app without its id: StepAppSearch says where
		// the id is and offers to find the app by that name.
	default:
		s, effs = proceed(s)
	}
	s = s.withHandoffText()
	s.Prompt = render(s)
	return s, effs
}

// Next is the wizard's transition function: total, deterministic, no I/O.
func Next(s State, ev Event) (State, []Effect) {
	if s.Step == StepDone {
		return s, nil
	}
	if c, ok := ev.(Clock); ok {
		// Only the time moves: the countdown in the prompt (window.go).
		if c.Now.After(s.Now) {
			s.Now = c.Now
			s.Prompt = render(s)
		}
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
	s = s.own()
	noted := s.restoredNote != ""
	var effs []Effect
	switch e := ev.(type) {
	case Cancel:
		s, effs = cancel(s)
	case Interrupted:
		s, effs = interrupted(s, e)
	default:
		s, effs = step(s, ev)
	}
	if noted && answered(ev) {
		s.restoredNote = "" // shown until the admin answers the first question after it
	}
	s = s.withHandoffText()
	s.Prompt = render(s)
	return s, effs
}

// answered reports whether ev is the admin's answer to a prompt.
func answered(ev Event) bool {
	switch ev.(type) {
	case Chose, Entered, Confirmed, Back, DoneKey:
		return true
	}
	return false
}

// step hands an event to the step it is for.
func step(s State, ev Event) (State, []Effect) {
	if e, ok := ev.(ReviewerChecked); ok {
		// A reviewer check may answer after the admin moved on (to the
		// options or the preview): its warning is kept wherever it lands.
		return reviewerChecked(s, e), nil
	}
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
	case StepChooseFix:
		return chooseFix(s, ev)
	case StepWriteSignIn:
		return writeSignIn(s, ev)
	case StepReadingPolicy:
		return readingPolicy(s, ev)
	case StepReadingApp:
		return readingApp(s, ev)
	case StepPreview:
		return preview(s, ev)
	case StepJournaling:
		return journaling(s, ev)
	case StepWriting:
		return writing(s, ev)
	case StepVerifying:
		return verifying(s, ev)
	case StepDemoUser:
		return demoUser(s, ev)
	case StepFailed:
		return failed(s, ev)
	case StepHandoff:
		return handoffStep(s, ev)
	case StepScanning:
		return scanning(s, ev)
	case StepScanPick:
		return scanPick(s, ev)
	case StepAppSearch:
		return appSearch(s, ev)
	case StepAppSearching:
		return appSearching(s, ev)
	case StepAppPick:
		return appPick(s, ev)
	}
	if f := s.fix(); f.owns(s.Step) {
		return f.step(s, ev)
	}
	return s, nil
}

// proceed goes to the first question of the journey that is not answered yet.
func proceed(s State) (State, []Effect) {
	if s.App.ClientID == "" && !s.findingApp() {
		s.Step = StepAppChoose
		return s, nil
	}
	if s.Tenant.ID == "" {
		if s.TenantText != "" && s.InputErr == "" && s.resolveGiven {
			// From the command line: resolve without asking — once it reads
			// as a domain or a tenant id.
			s.resolveGiven = false
			if _, _, err := ParseTenant(s.TenantText); err != nil {
				if s.CheckOnly {
					return finish(s, Outcome{Kind: OutcomeFailed, Summary: "Nothing to check", Err: err.Error() + " (--tenant takes the organization's domain, like contoso.com, or its tenant id)"})
				}
				s.InputErr, s.TenantText = err.Error(), ""
				s.Step = StepTenantInput
				return s, nil
			}
			return resolveTenant(s, s.TenantText)
		}
		s.Step = StepTenantInput
		return s, nil
	}
	if s.Helpdesk {
		return showHandoff(s)
	}
	return signIn(s)
}

// finish ends the wizard with o.
func finish(s State, o Outcome) (State, []Effect) {
	if o.Fix == "" && s.Run != nil {
		o.Fix = s.Run.Fix
	}
	o.Changes = clone(s.Changes)
	if o.Changes == nil {
		o.Changes = []Change{}
	}
	o.JournalKept = o.JournalKept || s.journalRemains()
	if s.stopWhy != "" && !strings.Contains(o.Summary, s.stopWhy) {
		o.Summary = "Stopped: " + s.stopWhy + ". " + strings.TrimPrefix(o.Summary, "Stopped. ")
	}
	s.Outcome = &o
	s.Step = StepDone
	s.PollSeq++
	return s, []Effect{Finish{Outcome: o}}
}

// fail stops at f: why, and what can still work. A check ends instead.
func fail(s State, f Failure) (State, []Effect) {
	if f.Outcome == "" {
		f.Outcome = OutcomeFailed
	}
	if s.CheckOnly {
		return finish(s, Outcome{Kind: f.Outcome, Summary: f.Title, Err: f.Reason, ClientNotConsented: f.clientConsent})
	}
	if s.interrupted {
		// Nobody is there to answer: end with the failure.
		return finish(s, Outcome{Kind: f.Outcome, Summary: f.Title, Err: strings.TrimSpace(f.Reason + " " + f.Remedy), JournalKept: f.journalKept})
	}
	s.Failure = &f
	s.Step = StepFailed
	s.PollSeq++
	if s.Run != nil {
		s.Run.Poll.InFlight = false
	}
	return s, nil
}

// toChecklist drops the fix run and shows the checklist again.
func toChecklist(s State) State {
	if s.Run != nil && (s.Run.Writes.journalKept || s.Failure != nil && s.Failure.journalKept) {
		s.journalLeft = true // an entry of the dropped run waits for `consentwiz restore`
	}
	s.Run = nil
	s.InputErr = ""
	s.Failure = nil
	s.CancelAsked = false
	s.PollSeq++
	s.Step = StepChooseFix
	return s
}

// backToChecklist drops the fix run and shows the checklist again; when the
// tenant changed since it was diagnosed (a fix wrote, a user consented), the
// diagnosis is read again first, so the checklist and its fixes say what is
// true now.
func backToChecklist(s State) (State, []Effect) {
	s = toChecklist(s)
	if s.staleDiag && s.Diagnosis != nil {
		return diagnose(s)
	}
	return s, nil
}

// own copies the sub-states a transition may change: the state is a value,
// and the state Next was given must stay as it was (drivers and tests keep
// it). Slices inside them are never changed in place, only replaced.
func (s State) own() State {
	if s.Run != nil {
		r := *s.Run
		s.Run = &r
	}
	if s.Restore != nil {
		r := *s.Restore
		s.Restore = &r
	}
	return s
}

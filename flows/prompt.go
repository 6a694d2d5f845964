package flows

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// The prompt for each step, computed from the state alone. A fix renders its
// own steps (fix.prompt); the core renders the rest.

var commonPhases = []string{"Identify the app", "Find your tenant", "Sign in", "Check the tenant and choose a fix"}

// helpdeskPhases number the helpdesk journey; signing in as a reader is part
// of making the hand-off.
var helpdeskPhases = []string{"Identify the app", "Find the tenant", "Make the hand-off for an admin"}

// findPhases number the journey that starts from the symptom: the app is
// found after the tenant and the sign-in (FindBlocked).
var findPhases = []string{"Find your tenant", "Sign in", "Find what users are blocked on", "Check the tenant and choose a fix"}

// appStep reports whether st identifies the app.
func appStep(st StepID) bool {
	switch st {
	case StepAppChoose, StepAppInput, StepAppSearch, StepAppSearching, StepAppPick, StepScanning, StepScanPick:
		return true
	}
	return false
}

// tenantFirst reports whether the journey found the tenant and signed in
// before the app: the find journey, or back at the app's screens once the
// tenant is known. It is numbered by findPhases then.
func tenantFirst(s State) bool {
	if s.Helpdesk {
		return false
	}
	if appStep(s.Step) {
		return s.Tenant.ID != ""
	}
	return s.FindBlocked
}

// stepNumber returns the step's number (1-based) or 0. The common steps
// are 1 to 4; a fix numbers its own from 5: by default its preparation (the
// write sign-in, the read of the setting, the preview) is step 5 and the
// change with its check is step 6. Steps that may pass by without a screen
// share a number with a step that has one, so the counter never skips.
func stepNumber(s State) int {
	if s.Helpdesk && appStep(s.Step) && s.Tenant.ID != "" {
		// Back at the app in the helpdesk journey with the tenant known:
		// its next step is the hand-off; this one goes unnumbered.
		return 0
	}
	if tenantFirst(s) {
		switch {
		case s.Step == StepTenantInput, s.Step == StepTenantResolving:
			return 1
		case s.Step == StepSigningIn && s.restoring():
			return 0
		case s.Step == StepSigningIn && s.App.ClientID == "":
			return 2
		case s.Step == StepSigningIn, appStep(s.Step):
			// An app picked after the sign-in: the app's step, and a sign-in
			// for it that passes by without a screen, share a number.
			return 3
		}
	}
	switch s.Step {
	case StepAppChoose, StepAppInput, StepAppSearch:
		return 1
	case StepTenantInput, StepTenantResolving:
		return 2
	case StepSigningIn:
		if s.restoring() {
			return 0
		}
		return 3
	case StepAppSearching, StepAppPick:
		return 4
	case StepDiagnosing, StepChooseFix:
		return 4
	case StepHandoff:
		return 5
	}
	f := s.fix()
	if f == nil {
		return 0
	}
	if f.stepNo != nil {
		if n := f.stepNo(s); n > 0 {
			return n
		}
	}
	switch s.Step {
	case StepWriteSignIn, StepReadingPolicy, StepReadingApp, StepPreview:
		return 5
	case StepJournaling, StepWriting, StepVerifying:
		return 6
	}
	return 0
}

// render is the prompt of s, numbered. The total is given once the path is
// known: a fix chosen, the hand-off chosen, or the helpdesk journey; before
// that only the step's name is.
func render(s State) Prompt {
	p := renderStep(s)
	if s.restoredNote != "" && p.Kind != PromptProgress {
		p.Note = strings.TrimSpace(s.restoredNote + " " + p.Note)
	}
	n := stepNumber(s)
	if n == 0 {
		return p
	}
	phases := clone(commonPhases)
	if tenantFirst(s) {
		phases = clone(findPhases)
	}
	known := false
	switch {
	case s.Helpdesk, s.Step == StepHandoff && s.Diagnosis == nil:
		phases, known = helpdeskPhases, true
		n = min(n, 3)
	case s.Step == StepHandoff:
		phases, known = append(phases, "Hand the fix to an admin"), true
	case s.Run != nil:
		if f := lookup(s.Run.Fix); f != nil {
			if n > len(phases) {
				// A fix that follows on from another counts on after it.
				n += len(s.Run.after)
			}
			phases, known = append(append(phases, s.Run.after...), f.phases(s)...), true
		}
	}
	p.StepNo = n
	if known {
		p.StepCount = len(phases)
	}
	if n <= len(phases) {
		p.StepTitle = phases[n-1]
	}
	if s.Step == StepWriteSignIn {
		// The write sign-in shares its number with the fix's first step (it
		// may pass by without a screen), but it is not that step yet.
		p.StepTitle = writeSignInTitle
	}
	return p
}

// writeSignInTitle names the write sign-in in the step counter.
const writeSignInTitle = "Sign in to make the change"

func renderStep(s State) Prompt {
	switch s.Step {
	case StepRestoreOffer, StepRestoreReading, StepRestoreConflict, StepRestoreWriting, StepRestoreVerifying, StepRestoreClearing:
		return restorePrompt(s)
	case StepDemoUser:
		return Prompt{Kind: PromptProgress, Title: "Fixed and verified — the user tries again", Body: "Demo: the simulated user connects " + appName(s) + " again, to show what they get now. This takes a few seconds."}
	case StepAppChoose:
		if s.Helpdesk {
			return helpdeskAppChoosePrompt(s)
		}
		return appChoosePrompt(s)
	case StepHandoff:
		return handoffPrompt(s)
	case StepAppInput:
		p := Prompt{Kind: PromptInput, Title: "Type the app's client id", Placeholder: "00000000-0000-0000-0000-000000000000", Body: "The application (client) id is a GUID, shown in the vendor's setup guide or in the sign-in URL as client_id.", CanBack: true}
		if s.appPaste {
			p.Title = "Paste the sign-in URL or the error text"
			p.Placeholder = "https://login.microsoftonline.com/…  or  AADSTS90094 …"
			p.Body = "Paste the address of the page where the user got stuck, or the text of the error message (it contains the app's id)."
			p.Multiline = true
		}
		p.Body = note(p.Body, s.InputErr)
		return p
	case StepTenantInput:
		body := "Type the organization's domain (contoso.com) or its tenant id."
		if s.placeholderTenant != "" && s.TenantText == "" {
			body = note("The pasted link has a placeholder ("+s.placeholderTenant+") where the tenant goes, so it names no tenant.", body)
		}
		if s.FindBlocked && s.App.ClientID == "" {
			body = note(body, "consentwiz then signs in and reads the tenant's sign-in logs and pending admin consent requests, to list the apps users were blocked on.")
		}
		return Prompt{Kind: PromptInput, Title: "Which Microsoft 365 tenant?", Body: note(body, s.InputErr), Placeholder: "e.g. contoso.com", Default: tenantDefault(s), CanBack: true}
	case StepTenantResolving:
		return Prompt{Kind: PromptProgress, Title: "Finding the tenant", Body: "Asking Microsoft which organization \"" + s.TenantText + "\" is. No sign-in is needed for this; it takes a second or two.", CanBack: true}
	case StepSigningIn:
		return signInPrompt(s)
	case StepDiagnosing:
		return Prompt{Kind: PromptProgress, Title: "Checking why users are blocked", Body: "Reading the consent settings of " + tenantName(s) + " for " + appName(s) + ". This is read-only and usually takes a few seconds.", CanBack: true}
	case StepChooseFix:
		return chooseFixPrompt(s)
	case StepWriteSignIn:
		return Prompt{Kind: PromptProgress, Title: "Sign in for permission to change it", Body: "This fix needs " + strings.Join(s.fix().scopes, ", ") + ". Nothing is changed until you confirm the preview. consentwiz waits until you finish signing in and accept (a device code is valid for about 15 minutes).", CanBack: true}
	case StepReadingPolicy:
		return Prompt{Kind: PromptProgress, Title: "Reading the user consent setting", Body: "Reading the current value, to show it next to the change before anything is written. This takes a few seconds.", CanBack: true}
	case StepReadingApp:
		return Prompt{Kind: PromptProgress, Title: "Reading " + appName(s) + " in the tenant", Body: "Reading its enterprise application, grants and app role assignments as they are now, so the preview shows what is there before anything is written. This takes a few seconds.", CanBack: true}
	case StepPreview:
		return previewPrompt(s)
	case StepJournaling:
		return journalingPrompt(s)
	case StepWriting:
		w := &s.Run.Writes
		p := Prompt{Kind: PromptProgress, Title: "Making the change"}
		switch {
		case w.refused != nil:
			d := describe(s, w.refused.write)
			p.Body = d.Label + " exists already: someone else made it meanwhile. Reading " + appName(s) + " again, to go on with what is there."
		case w.Done < len(w.Plan):
			d := describe(s, bind(s, w.Plan[w.Done]))
			p.Body = fmt.Sprintf("%d of %d: %s", w.Done+1, len(w.Plan), d.Label)
		}
		p.Body = note(p.Body, "Each change takes a few seconds; a throttled request is retried.")
		if s.CancelAsked {
			p.Body = note(p.Body, "Stopping: waiting for this change to finish, then undoing it.")
		}
		return p
	case StepVerifying:
		return Prompt{Kind: PromptProgress, Title: "Checking the change took effect", Body: "Reading it back from Microsoft Graph. Graph can lag a few seconds after a change; consentwiz tries up to " + strconv.Itoa(MaxVerifyTries) + " times."}
	case StepUndoing:
		return Prompt{Kind: PromptProgress, Title: "Undoing the changes", Body: "Each undo takes a few seconds; consentwiz checks the result."}
	case StepFailed:
		return failedPrompt(s)
	case StepDone:
		return donePrompt(s)
	case StepScanning:
		return scanningPrompt(s)
	case StepScanPick:
		return scanPickPrompt(s)
	case StepAppSearch:
		return appSearchPrompt(s)
	case StepAppSearching:
		return appSearchingPrompt(s)
	case StepAppPick:
		return appPickPrompt(s)
	}
	if f := s.fix(); f.owns(s.Step) {
		return f.prompt(s)
	}
	return Prompt{Kind: PromptInfo, Title: s.Step.String()}
}

func signInPrompt(s State) Prompt {
	switch {
	case s.restoring():
		return restoreSignInPrompt(s)
	case s.Helpdesk:
		return Prompt{Kind: PromptProgress, Title: "Sign in to read the settings", Body: "Sign in with an account of " + tenantName(s) + " that may read settings: Global Reader is enough. consentwiz only reads (" + strings.Join(ReadScopes, ", ") + ") and then adds what it found to the hand-off.", CanBack: true}
	}
	p := Prompt{Kind: PromptProgress, Title: "Sign in", Body: "Sign in as an administrator of " + tenantName(s) + ". consentwiz only reads settings now (" + strings.Join(ReadScopes, ", ") + "); it asks for more only when you choose a fix that changes something.", CanBack: true}
	if e := signInEffect(s); len(e.Scopes) > len(ReadScopes) {
		p.Body = "Sign in as an administrator of " + tenantName(s) + ". consentwiz only reads: the consent settings, and the sign-in logs and pending requests (" +
			strings.Join(ScanScopes, ", ") + "), which need Global Reader, Reports Reader, a Security role or Global Administrator."
	}
	p.Body = note(p.Body, s.tenantNote)
	if canHandoff(s) {
		p.Options = []Option{{Key: KeyHandoff, Label: "I can't sign in as an admin — make a hand-off instead", Detail: "no sign-in needed"}}
	}
	return p
}

func appChoosePrompt(s State) Prompt {
	p := appChooseOptions(s, Prompt{Kind: PromptChoice, Title: "Which app are users trying to connect?"})
	p.Options = append(p.Options, Option{Key: KeyHelpdesk, Label: "I can't sign in as an admin — make a hand-off for the admin", Detail: "no sign-in: the reason, the link and the steps, to send on"})
	p.Body = s.InputErr
	if s.App.ClientID == "" {
		// Nothing named yet: start from the symptom (the TUI's cursor starts here).
		p.Default = string(KeyScan)
	}
	return p
}

// appChooseOptions adds the ways to name the app to p: the profiles, then
// (for an admin, who signs in) finding what users are blocked on and
// finding the app by name, then the client id and a paste.
func appChooseOptions(s State, p Prompt) Prompt {
	if s.App.ClientID != "" {
		p.Options = append(p.Options, Option{Key: KeyKeep, Label: "Keep " + appName(s), Detail: s.App.ClientID})
	}
	for i, a := range s.Profiles {
		p.Options = append(p.Options, Option{Key: ProfileKey(i), Label: firstNonEmpty(a.DisplayName, a.Profile), Detail: strings.Join(a.Scopes, ", ")})
	}
	if !s.Helpdesk {
		p.Options = append(p.Options,
			Option{Key: KeyScan, Label: "Find what users are blocked on", Detail: "sign in, then pick from the apps the sign-in logs show"},
			Option{Key: KeyAppName, Label: "Type the app's name", Detail: "found among your tenant's apps after you sign in"})
	}
	p.Options = append(p.Options,
		Option{Key: KeyAppID, Label: "Type the app's client id"},
		Option{Key: KeyAppPaste, Label: "Paste the sign-in URL or the error text"})
	return p
}

func chooseFixPrompt(s State) Prompt {
	d := s.Diagnosis
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", d.Headline(appName(s), tenantName(s)))
	// Blockers first, as on the TUI's checklist.
	findings := append([]Finding(nil), d.Findings...)
	sort.SliceStable(findings, func(i, j int) bool { return findings[i].Severity.Rank() > findings[j].Severity.Rank() })
	for _, f := range findings {
		fmt.Fprintf(&b, "\n%s %s", SeverityLabel(f.Severity), f.Title)
		if f.Detail != "" {
			fmt.Fprintf(&b, " — %s", f.Detail)
		}
	}
	if d.RecommendedWhy != "" {
		fmt.Fprintf(&b, "\n\n%s: %s", RecommendationLabel(*d), d.RecommendedWhy)
	}
	if !d.Blocked && d.Verdict != VerdictUnknown {
		return nothingToFixPrompt(s, b.String())
	}
	title := "Why users are blocked, and how to fix it"
	if d.Verdict == VerdictUnknown {
		title = "Could not tell whether users are blocked"
	}
	p := Prompt{Kind: PromptChoice, Title: title, Body: note(b.String(), s.InputErr), CanBack: true}
	if f, _ := d.Fix(FixAssignUsers); d.UserScreen == ScreenNotAssigned && d.App.ServicePrincipalID != "" && !f.Viable {
		// No consent fix helps here: the way on is assigning users (docs/entra.md B1, 50105).
		p.Links = append(p.Links, Link{Label: "Assign users or groups to " + appName(s) + " (Entra admin center)",
			URL: PortalLink(s.Tenant.Cloud, s.Tenant.segment(), LinkAppUsers, d.App.ServicePrincipalID, d.App.ClientID)})
	}
	for _, f := range fixOrder(d) {
		if fx := lookup(f.ID); fx != nil && fx.onlyWhenViable && !f.Viable {
			continue
		}
		o := fixChoice(s, f)
		if f.ID == d.Recommended {
			o.Label += " (recommended)"
		}
		p.Options = append(p.Options, o)
	}
	if o, ok := handoffOption(s); ok {
		p.Options = append(p.Options, o)
	}
	p.Options = append(p.Options, Option{Key: KeyRecheck, Label: "Check the tenant again"})
	return p
}

// fixChoice is a fix as an option of the checklist: a fix that cannot work
// is greyed with why; one the signed-in account lacks the role for says so
// before it is chosen, not after Microsoft Graph refuses the change.
func fixChoice(s State, f FixOption) Option {
	o := Option{Key: FixKey(f.ID), Label: f.Title, Detail: f.Reason, Disabled: !f.Viable}
	if !f.Viable {
		o.Reason = f.Reason
	} else if w := roleWarning(f); w != "" {
		o.Warn = w
	}
	if fx := lookup(f.ID); fx != nil && fx.optionDetail != nil {
		if detail, ok := fx.optionDetail(s); ok {
			o.Detail = detail
		}
	}
	return o
}

// roleWarning says that the signed-in account lacks the role a fix needs,
// or "": also when its roles could not be read, which the checklist says
// once (the roles finding) and the preview notes (roleUnknownNote).
func roleWarning(f FixOption) string {
	if f.NeedsRole == "" || f.HasRole || f.RoleUnknown {
		return ""
	}
	return "needs " + f.NeedsRole + ", which the signed-in account does not hold"
}

// nothingToFixPrompt is the checklist when nothing blocks users: what was
// checked, and, for vendors that require consent for the whole
// organization, a way to grant it anyway.
func nothingToFixPrompt(s State, checklist string) Prompt {
	d := s.Diagnosis
	p := Prompt{Kind: PromptChoice, Title: "Nothing blocks users from connecting " + appName(s), Body: note(checklist, s.InputErr), CanBack: true}
	p.Options = append(p.Options, Option{Key: KeyDone, Label: "Done: nothing needs changing", Detail: "if a user still gets an error, run consentwiz again with the error text"})
	for _, f := range fixOrder(d) {
		fx := lookup(f.ID)
		if fx == nil || !fx.grantsEveryone || !f.Viable {
			continue
		}
		o := fixChoice(s, f)
		o.Label = "Grant for everyone anyway: " + lowerFirst(f.Title)
		o.Detail = "some vendors require consent for the whole organization even where users may consent themselves; " + f.Reason
		p.Options = append(p.Options, o)
	}
	p.Options = append(p.Options, Option{Key: KeyRecheck, Label: "Check the tenant again"})
	return p
}

func lowerFirst(t string) string {
	if t == "" {
		return t
	}
	return strings.ToLower(t[:1]) + t[1:]
}

// previewPrompt shows every write of the plan, before → after, for a confirm.
func previewPrompt(s State) Prompt {
	p := Prompt{Kind: PromptConfirm, Title: "Review the change", CanBack: true}
	for _, e := range s.Run.Writes.Plan {
		e = bind(s, e)
		if w, ok := e.(PutConsentRequestPolicy); ok {
			p.Preview = append(p.Preview, requestPolicyDiffs(s, w.Policy)...)
			continue
		}
		p.Preview = append(p.Preview, describe(s, e))
	}
	if f := s.fix(); f.preview != nil {
		p.Title, p.Body = f.preview(s)
	}
	if d := s.Diagnosis; d != nil && s.Run != nil {
		if f, ok := d.Fix(s.Run.Fix); ok && roleWarning(f) != "" {
			p.Body = note(p.Body, "Warning: this change "+roleWarning(f)+": Microsoft Graph will probably refuse it. Sign in with an account that holds it, or hand the fix to an admin.")
		} else if ok && f.RoleUnknown {
			p.Body = note(p.Body, "Note: this change needs "+f.NeedsRole+". Your roles could not be read, so whether the signed-in account holds it is unknown; without it Microsoft Graph refuses the change.")
		}
	}
	if s.DryRun {
		p.Body = note(p.Body, "Dry run: nothing will be written. Confirm to see the exact requests.")
	}
	p.Body = note(p.Body, s.InputErr)
	return p
}

func donePrompt(s State) Prompt {
	o := s.Outcome
	p := Prompt{Kind: PromptDone, Title: "Done"}
	if o == nil {
		return p
	}
	switch o.Kind {
	case OutcomeVerified:
		p.Title = "Fixed and verified"
	case OutcomeNothingToFix:
		p.Title = "Nothing to fix"
	case OutcomeHandedOff:
		// consentwiz prepared a link or a hand-off; nobody has acted on it.
		p.Title = "Ready for an admin"
	case OutcomeRestored:
		p.Title = "Setting restored"
	case OutcomeNothingToRestore:
		p.Title = "Nothing to restore"
	case OutcomeDryRun:
		p.Title = "Dry run: nothing was changed"
	case OutcomeCancelled:
		p.Title = "Stopped"
	case OutcomeBlocked:
		p.Kind = PromptFailed
		p.Title = "Users are still blocked"
	case OutcomeNotFixed:
		p.Kind = PromptFailed
		p.Title = "Not fixed: users are still blocked"
	default:
		p.Kind = PromptFailed
		p.Title = "Stopped with a problem"
	}
	var b strings.Builder
	b.WriteString(o.Summary)
	if o.Err != "" {
		b.WriteString("\n\n" + o.Err)
	}
	// The change log; when some of it was put back and some stays, the two
	// are listed apart, so that neither reads as the other.
	kept, back := inPlace(o.Changes)
	switch {
	case len(kept) > 0 && len(back) > 0:
		writeChanges(&b, "Still in place:", kept)
		writeChanges(&b, "Put back:", back)
	case len(o.Changes) > 0:
		writeChanges(&b, "Changes:", o.Changes)
	}
	// What is left for an admin, and the requests of a dry run, are shown whole
	// (links and snippets), never wrapped inside: they are meant to be copied.
	if o.Link != "" {
		label := "The link to send"
		if o.Kind == OutcomeVerified {
			label = "The link"
		}
		p.Links = []Link{{Label: label, URL: o.Link}}
	}
	if o.SavedTo != "" {
		p.Snippets = append(p.Snippets, Snippet{Label: "Hand-off file", Text: o.SavedTo})
	}
	for _, r := range o.Requests {
		text := r.Body
		if text == "" {
			text = "(no body)"
		}
		p.Snippets = append(p.Snippets, Snippet{Label: r.Method + " " + r.Path, Text: text})
	}
	if o.JournalKept {
		b.WriteString("\n\nA saved setting is still in the journal: run `consentwiz restore` to put it back.")
	}
	p.Body = b.String()
	return p
}

// writeChanges writes change log lines under a heading.
func writeChanges(b *strings.Builder, heading string, changes []Change) {
	b.WriteString("\n\n" + heading)
	for _, c := range changes {
		v := "not verified"
		if c.Verified {
			v = "verified"
		}
		fmt.Fprintf(b, "\n  • %s: %s → %s (%s)", c.What, c.Before, c.After, v)
	}
}

// RecommendationLabel heads the diagnosis's advice: "Recommended" when it
// names a fix, "What to do" when no consentwiz fix applies.
func RecommendationLabel(d Diagnosis) string {
	if d.Recommended == "" {
		return "What to do"
	}
	return "Recommended"
}

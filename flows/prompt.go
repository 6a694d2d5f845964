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

// stepNumber returns the presenter-mode step number (1-based) or 0.
func stepNumber(s State) int {
	switch s.Step {
	case StepAppChoose, StepAppInput:
		return 1
	case StepTenantInput, StepTenantResolving:
		return 2
	case StepSigningIn:
		if s.restoring() {
			return 0
		}
		return 3
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
	case StepWriteSignIn, StepReadingPolicy:
		return 5
	case StepPreview:
		return 6
	case StepJournaling, StepWriting, StepVerifying:
		return 7
	}
	return 0
}

func render(s State) Prompt {
	p := renderStep(s)
	n := stepNumber(s)
	if n == 0 {
		return p
	}
	id := defaultFix
	switch {
	case s.Run != nil:
		id = s.Run.Fix
	case s.Diagnosis != nil && s.Diagnosis.Recommended != "":
		id = s.Diagnosis.Recommended
	}
	phases := clone(commonPhases)
	if f := lookup(id); f != nil {
		phases = append(phases, f.phases(s)...)
	}
	switch {
	case s.Helpdesk, s.Step == StepHandoff && s.Diagnosis == nil:
		phases = helpdeskPhases
		n = min(n, 3)
	case s.Step == StepHandoff:
		phases = append(clone(commonPhases), "Hand the fix to an admin")
	}
	p.StepNo, p.StepCount = n, len(phases)
	if n <= len(phases) {
		p.StepTitle = phases[n-1]
	}
	return p
}

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
		}
		p.Body = note(p.Body, s.InputErr)
		return p
	case StepTenantInput:
		return Prompt{Kind: PromptInput, Title: "Which Microsoft 365 tenant?", Body: note("Type the organization's domain (contoso.com) or its tenant id.", s.InputErr), Placeholder: "contoso.com", Default: firstNonEmpty(s.TenantText, s.App.TenantHint), CanBack: true}
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
	case StepPreview:
		return previewPrompt(s)
	case StepJournaling:
		return Prompt{Kind: PromptProgress, Title: "Saving the current setting", Body: "The current value is read once more and saved to the journal on this computer first, so it can be put back even after a crash. This takes a moment."}
	case StepWriting:
		r := s.Run
		p := Prompt{Kind: PromptProgress, Title: "Making the change"}
		if r.Done < len(r.Plan) {
			d := describe(s, bind(s, r.Plan[r.Done]))
			p.Body = fmt.Sprintf("%d of %d: %s", r.Done+1, len(r.Plan), d.Label)
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
	if canHandoff(s) {
		p.Options = []Option{{Key: KeyHandoff, Label: "I can't sign in as an admin — make a hand-off instead", Detail: "no sign-in needed"}}
	}
	return p
}

func appChoosePrompt(s State) Prompt {
	p := appChooseOptions(s, Prompt{Kind: PromptChoice, Title: "Which app are users trying to connect?"})
	p.Options = append(p.Options, Option{Key: KeyHelpdesk, Label: "I can't sign in as an admin — make a hand-off for the admin", Detail: "no sign-in: the reason, the link and the steps, to send on"})
	p.Body = s.InputErr
	return p
}

// appChooseOptions adds the ways to name the app to p.
func appChooseOptions(s State, p Prompt) Prompt {
	if s.App.ClientID != "" {
		p.Options = append(p.Options, Option{Key: KeyKeep, Label: "Keep " + appName(s), Detail: s.App.ClientID})
	}
	for i, a := range s.Profiles {
		p.Options = append(p.Options, Option{Key: ProfileKey(i), Label: firstNonEmpty(a.DisplayName, a.Profile), Detail: strings.Join(a.Scopes, ", ")})
	}
	p.Options = append(p.Options,
		Option{Key: KeyAppID, Label: "Type the app's client id"},
		Option{Key: KeyAppPaste, Label: "Paste the sign-in URL or the error text"})
	return p
}

func chooseFixPrompt(s State) Prompt {
	d := s.Diagnosis
	var b strings.Builder
	fmt.Fprintf(&b, "%s in %s: %s.\n", appName(s), tenantName(s), usersSee(d.UserScreen))
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
	p := Prompt{Kind: PromptChoice, Title: "Why users are blocked, and how to fix it", Body: note(b.String(), s.InputErr), CanBack: true}
	if d.UserScreen == ScreenNotAssigned && d.App.ServicePrincipalID != "" {
		// No consent fix helps here: the way on is assigning users (docs/entra.md B1, 50105).
		p.Links = append(p.Links, Link{Label: "Assign users or groups to " + appName(s) + " (Entra admin center)",
			URL: PortalLink(s.Tenant.Cloud, s.Tenant.segment(), LinkAppUsers, d.App.ServicePrincipalID, d.App.ClientID)})
	}
	for _, f := range fixOrder(d) {
		o := Option{Key: FixKey(f.ID), Label: f.Title, Detail: f.Reason, Disabled: !f.Viable}
		if !f.Viable {
			o.Reason = f.Reason
		} else if f.NeedsRole != "" && !f.HasRole {
			o.Detail = strings.TrimSpace(o.Detail + " (needs " + f.NeedsRole + ", which the signed-in account does not hold)")
		}
		if f.ID == d.Recommended {
			o.Label += " (recommended)"
		}
		if fx := lookup(f.ID); fx != nil && fx.optionDetail != nil {
			if detail, ok := fx.optionDetail(s); ok {
				o.Detail = detail
			}
		}
		p.Options = append(p.Options, o)
	}
	if o, ok := handoffOption(s); ok {
		p.Options = append(p.Options, o)
	}
	p.Options = append(p.Options, Option{Key: KeyRecheck, Label: "Check the tenant again"})
	return p
}

// previewPrompt shows every write of the plan, before → after, for a confirm.
func previewPrompt(s State) Prompt {
	p := Prompt{Kind: PromptConfirm, Title: "Review the change", CanBack: true}
	for _, e := range s.Run.Plan {
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
		p.Title = "Handed over"
	case OutcomeRestored:
		p.Title = "Setting restored"
	case OutcomeNothingToRestore:
		p.Title = "Nothing to restore"
	case OutcomeDryRun:
		p.Title = "Dry run: nothing was changed"
	case OutcomeCancelled:
		p.Title = "Stopped"
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
	if len(o.Changes) > 0 {
		b.WriteString("\n\nChanges:")
		for _, c := range o.Changes {
			v := "not verified"
			if c.Verified {
				v = "verified"
			}
			fmt.Fprintf(&b, "\n  • %s: %s → %s (%s)", c.What, c.Before, c.After, v)
		}
	}
	for _, r := range o.Requests {
		fmt.Fprintf(&b, "\n\n%s %s", r.Method, r.Path)
		if r.Body != "" {
			b.WriteString("\n" + r.Body)
		}
	}
	if o.JournalKept {
		b.WriteString("\n\nA saved setting is still in the journal: run `consentwiz restore` to put it back.")
	}
	p.Body = b.String()
	return p
}

// usersSee says in a sentence what blocked users get.
func usersSee(screen string) string {
	switch screen {
	case ScreenNone:
		return "users connect without a prompt"
	case ScreenConsentPrompt:
		return "users see a consent prompt they can accept themselves"
	case ScreenNotAssigned:
		return "users are refused because they are not assigned to the app (AADSTS50105)"
	}
	return "users see " + ScreenTitle(screen)
}

// RecommendationLabel heads the diagnosis's advice: "Recommended" when it
// names a fix, "What to do" when no consentwiz fix applies.
func RecommendationLabel(d Diagnosis) string {
	if d.Recommended == "" {
		return "What to do"
	}
	return "Recommended"
}

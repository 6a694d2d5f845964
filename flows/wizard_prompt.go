package flows

import (
	"consentwiz/graph/entra"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The prompt for each step, computed from the state alone.

var commonPhases = []string{"Identify the app", "Find your tenant", "Sign in", "Check the tenant and choose a fix"}

func fixPhases(s State, fix FixID) []string {
	switch fix {
	case FixAdminLink:
		return []string{"Approve the app for your organization"}
	case FixRelaxUserConsent:
		return []string{"Get permission to change the setting", "Review the temporary change", "Let users consent for now", "Connect the app", "Put the setting back"}
	case FixRequestWorkflow:
		// A pending request is approved directly (see startFix); count it the
		// same way on the fix choice, so the total does not jump from 8 to 5.
		if s.directRequest || (s.Fix == "" && pendingRequest(s.Snap, s.App.ClientID) != nil) {
			return []string{"Approve the request"}
		}
		return []string{"Choose who approves requests", "Enable consent requests", "Wait for the user's request", "Approve the request"}
	case FixGrantDirect:
		return []string{"Get permission to grant", "Review what will be granted", "Grant and check"}
	case FixClassifyLow:
		return []string{"Get permission to change the setting", "Review the change", "Apply and check"}
	}
	return nil
}

// stepNumber returns the presenter-mode step number (1-based) or 0.
func stepNumber(s State) int {
	switch s.Step {
	case StepAppChoose, StepAppInput:
		return 1
	case StepTenantInput, StepTenantResolving:
		return 2
	case StepSigningIn:
		if s.signInFor == signInRestore {
			return 0
		}
		return 3
	case StepDiagnosing, StepChooseFix:
		return 4
	case StepHandoff:
		return 5
	case StepLinkShow, StepWriteSignIn, StepReadingPolicy, StepReviewers, StepReviewerSearch, StepReviewerPick, StepWorkflowOptions, StepWorkflowDuration:
		return 5
	case StepPreview:
		return 6
	case StepJournaling, StepWriting, StepVerifying:
		if s.Fix == FixRequestWorkflow {
			return 6
		}
		return 7
	case StepRelaxConnect:
		return 8
	case StepRequestWait:
		return 7
	case StepRequestShow, StepRequestApprove:
		if s.directRequest {
			return 5
		}
		return 8
	case StepRestoreReading, StepRestoreConflict, StepRestoreWriting, StepRestoreVerifying, StepRestoreClearing:
		if s.afterRestore == afterRestoreDone {
			if s.Fix == FixRelaxUserConsent {
				return 9
			}
			if s.Fix == FixClassifyLow {
				return 7
			}
		}
	}
	return 0
}

// helpdeskPhases number the helpdesk journey; signing in as a reader is part
// of making the hand-off.
var helpdeskPhases = []string{"Identify the app", "Find the tenant", "Make the hand-off for an admin"}

func render(s State) Prompt {
	p := renderStep(s)
	if n := stepNumber(s); n > 0 {
		fix := s.Fix
		if fix == "" && s.Diagnosis != nil {
			fix = s.Diagnosis.Recommended
		}
		if fix == "" {
			fix = FixAdminLink
		}
		phases := append(clone(commonPhases), fixPhases(s, fix)...)
		switch {
		case s.helpdesk, s.Step == StepHandoff && s.Diagnosis == nil:
			phases = helpdeskPhases
			if n > 3 {
				n = 3
			}
		case s.Step == StepHandoff:
			phases = append(clone(commonPhases), "Hand the fix to an admin")
		}
		p.StepNo, p.StepCount = n, len(phases)
		if n <= len(phases) {
			p.StepTitle = phases[n-1]
		}
	}
	return p
}

func note(body, extra string) string {
	if extra == "" {
		return body
	}
	if body == "" {
		return extra
	}
	return body + "\n\n" + extra
}

func renderStep(s State) Prompt {
	switch s.Step {
	case StepDemoUser:
		return Prompt{Kind: PromptProgress, Title: "Fixed and verified — the user tries again", Body: "Demo: the simulated user connects " + appName(s) + " again, to show what they get now. This takes a few seconds."}
	case StepRestoreOffer:
		return restoreOfferPrompt(s)
	case StepRestoreReading:
		return Prompt{Kind: PromptProgress, Title: "Reading the " + restoreSetting(s.Restore), Body: "Checking the setting before putting it back, so nothing someone else changed is overwritten. This takes a few seconds.", CanBack: s.afterRestore == afterRestoreContinue}
	case StepRestoreConflict:
		orig, set, cur := restoreValues(s)
		return Prompt{
			Kind:  PromptChoice,
			Title: "Someone else changed the " + restoreSetting(s.Restore),
			Body:  "Since consentwiz changed it, the setting was changed again. consentwiz will not overwrite it without asking.",
			Preview: []Diff{
				{Label: "Before consentwiz (original)", After: orig},
				{Label: "What consentwiz set", After: set},
				{Label: "What it is now", After: cur},
			},
			Options: []Option{
				{Key: "original", Label: "Put the original back", Detail: orig},
				{Key: "keep", Label: "Keep the current value", Detail: "and forget the saved one"},
				{Key: "later", Label: "Decide later", Detail: "the saved value stays in the journal"},
			},
			CanBack: s.afterRestore == afterRestoreContinue,
		}
	case StepRestoreWriting:
		orig, _, _ := restoreValues(s)
		return Prompt{Kind: PromptProgress, Title: "Putting the " + restoreSetting(s.Restore) + " back", Body: "Writing back the original value: " + orig + ". This takes a few seconds."}
	case StepRestoreVerifying:
		orig, _, _ := restoreValues(s)
		return Prompt{Kind: PromptProgress, Title: "Checking the setting is back", Body: "Reading the setting again to make sure it is " + orig + ". Microsoft Graph can lag a few seconds; consentwiz tries up to " + strconv.Itoa(MaxVerifyTries) + " times."}
	case StepRestoreClearing:
		return Prompt{Kind: PromptProgress, Title: "Removing the journal entry", Body: "The setting is back, so the saved copy on this computer is no longer needed. This takes a moment."}
	case StepAppChoose:
		if s.helpdesk {
			return helpdeskAppChoosePrompt(s)
		}
		return appChoosePrompt(s)
	case StepHandoff:
		return handoffPrompt(s)
	case StepAppInput:
		p := Prompt{Kind: PromptInput, Title: "Type the app's client id", Placeholder: "00000000-0000-0000-0000-000000000000", Body: "The application (client) id is a GUID, shown in the vendor's setup guide or in the sign-in URL as client_id.", CanBack: true}
		if s.appMode == "paste" {
			p.Title = "Paste the sign-in URL or the error text"
			p.Placeholder = "https://login.microsoftonline.com/…  or  AADSTS90094 …"
			p.Body = "Paste the address of the page where the user got stuck, or the text of the error message (it contains the app's id)."
		}
		p.Body = note(p.Body, s.InputErr)
		return p
	case StepTenantInput:
		def := s.TenantText
		if def == "" {
			def = s.App.TenantHint
		}
		return Prompt{Kind: PromptInput, Title: "Which Microsoft 365 tenant?", Body: note("Type the organization's domain (contoso.com) or its tenant id.", s.InputErr), Placeholder: "contoso.com", Default: def, CanBack: true}
	case StepTenantResolving:
		return Prompt{Kind: PromptProgress, Title: "Finding the tenant", Body: "Asking Microsoft which organization \"" + s.TenantText + "\" is. No sign-in is needed for this; it takes a second or two.", CanBack: true}
	case StepSigningIn:
		if s.signInFor == signInRestore {
			role := "Privileged Role Administrator or Global Administrator"
			if restoreIsRequest(s) {
				role = "Global Administrator"
			}
			return Prompt{Kind: PromptProgress, Title: "Sign in to put the setting back", Body: "Sign in as an administrator of " + tenantName(s) + " (" + role + "). consentwiz waits until you finish signing in (a device code is valid for about 15 minutes).", CanBack: true}
		}
		if s.helpdesk {
			return Prompt{Kind: PromptProgress, Title: "Sign in to read the settings", Body: "Sign in with an account of " + tenantName(s) + " that may read settings: Global Reader is enough. consentwiz only reads (" + strings.Join(ReadScopes, ", ") + ") and then adds what it found to the hand-off.", CanBack: true}
		}
		p := Prompt{Kind: PromptProgress, Title: "Sign in", Body: "Sign in as an administrator of " + tenantName(s) + ". consentwiz only reads settings now (" + strings.Join(ReadScopes, ", ") + "); it asks for more only when you choose a fix that changes something.", CanBack: true}
		if canHandoff(s) {
			p.Options = []Option{{Key: KeyHandoff, Label: "I can't sign in as an admin — make a hand-off instead", Detail: "no sign-in needed"}}
		}
		return p
	case StepDiagnosing:
		return Prompt{Kind: PromptProgress, Title: "Checking why users are blocked", Body: "Reading the consent settings of " + tenantName(s) + " for " + appName(s) + ". This is read-only and usually takes a few seconds.", CanBack: true}
	case StepChooseFix:
		return chooseFixPrompt(s)
	case StepLinkShow:
		return linkPrompt(s)
	case StepWriteSignIn:
		return Prompt{Kind: PromptProgress, Title: "Sign in for permission to change it", Body: "This fix needs " + strings.Join(WriteScopes(s.Fix), ", ") + ". Nothing is changed until you confirm the preview. consentwiz waits until you finish signing in and accept (a device code is valid for about 15 minutes).", CanBack: true}
	case StepReadingPolicy:
		return Prompt{Kind: PromptProgress, Title: "Reading the user consent setting", Body: "Reading the current value, to show it next to the change before anything is written. This takes a few seconds.", CanBack: true}
	case StepReviewers:
		return reviewersPrompt(s)
	case StepReviewerSearch:
		body := "Type part of a name, an email address or a group name."
		if s.searching {
			body = "Searching for \"" + s.searchQuery + "\"…"
		}
		return Prompt{Kind: PromptInput, Title: "Search for a reviewer", Body: note(body, s.InputErr), Placeholder: "name, email or group", CanBack: true}
	case StepReviewerPick:
		p := Prompt{Kind: PromptChoice, Title: "Choose a reviewer", CanBack: true}
		for i, c := range s.Candidates {
			p.Options = append(p.Options, Option{Key: "pick:" + strconv.Itoa(i), Label: c.Name, Detail: strings.TrimSpace(c.Kind + " " + c.Detail)})
		}
		p.Options = append(p.Options, Option{Key: "search", Label: "Search again"})
		return p
	case StepWorkflowOptions:
		rp := s.RequestPolicy
		return Prompt{Kind: PromptChoice, Title: "How should requests work?", CanBack: true, Options: []Option{
			{Key: "continue", Label: "Continue", Detail: "review the change"},
			{Key: "notify", Label: "Email reviewers about new requests: " + onOff(rp.NotifyReviewers)},
			{Key: "reminders", Label: "Remind reviewers: " + onOff(rp.RemindersEnabled)},
			{Key: "duration", Label: "Requests expire after " + strconv.Itoa(rp.RequestDurationInDays) + " days"},
			{Key: "temporary", Label: "Turn requests off again after this approval (temporary): " + onOff(s.RequestTemporary), Detail: "off: requests stay on (permanent)"},
		}}
	case StepWorkflowDuration:
		return Prompt{Kind: PromptInput, Title: "Requests expire after how many days?", Body: note("From 1 to 30.", s.InputErr), Default: strconv.Itoa(s.RequestPolicy.RequestDurationInDays), CanBack: true}
	case StepPreview:
		return previewPrompt(s)
	case StepJournaling:
		return Prompt{Kind: PromptProgress, Title: "Saving the current setting", Body: "The current value is read once more and saved to the journal on this computer first, so it can be put back even after a crash. This takes a moment."}
	case StepWriting:
		p := Prompt{Kind: PromptProgress, Title: "Making the change"}
		if s.Done < len(s.Plan) {
			d := describe(s, bind(s, s.Plan[s.Done]))
			p.Body = fmt.Sprintf("%d of %d: %s", s.Done+1, len(s.Plan), d.Label)
		}
		p.Body = note(p.Body, "Each change takes a few seconds; a throttled request is retried.")
		if s.CancelAsked {
			p.Body = note(p.Body, "Stopping: waiting for this change to finish, then undoing it.")
		}
		return p
	case StepVerifying:
		return Prompt{Kind: PromptProgress, Title: "Checking the change took effect", Body: "Reading it back from Microsoft Graph. Graph can lag a few seconds after a change; consentwiz tries up to " + strconv.Itoa(MaxVerifyTries) + " times."}
	case StepRelaxConnect:
		return relaxPrompt(s)
	case StepRequestWait:
		return requestWaitPrompt(s)
	case StepRequestShow:
		return requestShowPrompt(s)
	case StepRequestApprove:
		p := Prompt{Kind: PromptProgress, Title: "Approve the request in the browser", CanBack: true, CanDone: true, DoneLabel: "I approved it — check now",
			Body:    note("Sign in with an account that may grant the consent (Global Administrator, Privileged Role Administrator or Cloud Application Administrator) and accept. consentwiz checks every few seconds.", pollNote(s)),
			Links:   []Link{{Label: "Approve the request", URL: s.Link}},
			Options: []Option{{Key: "open", Label: "Open the link again"}, {Key: "copy", Label: "Copy the link"}}}
		return p
	case StepUndoing:
		p := Prompt{Kind: PromptProgress, Title: "Undoing the changes"}
		if len(s.Undo) > 0 {
			p.Body = describeUndo(s.Undo[0]).Label
		}
		p.Body = note(p.Body, "Each undo takes a few seconds; consentwiz checks the result.")
		return p
	case StepFailed:
		return failedPrompt(s)
	case StepDone:
		return donePrompt(s)
	}
	return Prompt{Kind: PromptInfo, Title: s.Step.String()}
}

func restoreOfferPrompt(s State) Prompt {
	j := s.Pending[0]
	body := fmt.Sprintf("On %s, %s changed the %s of %s while fixing %s, and the original was not put back yet.",
		j.At.UTC().Format("2 Jan 2006 15:04 MST"), orDefault(j.By, "consentwiz"), restoreSetting(&j), orDefault(j.TenantDomain, j.TenantID), orDefault(j.AppID, "an app"))
	diff := Diff{Label: "User consent for apps", Before: policyText(j.Original), After: policyText(j.Set)}
	if j.IsRequestPolicy() {
		diff = Diff{Label: "Users can request admin consent", Before: requestPolicyText(*j.OriginalRequestPolicy), After: requestPolicyText(*j.SetRequestPolicy)}
	}
	if len(s.Pending) > 1 {
		body += fmt.Sprintf(" (%d entries are waiting.)", len(s.Pending))
	}
	return Prompt{
		Kind:    PromptChoice,
		Title:   "Put back a setting consentwiz changed?",
		Body:    body,
		Preview: []Diff{diff},
		Options: []Option{
			{Key: "restore", Label: "Put the original back", Detail: "signs in, checks the current value, writes the original and verifies it"},
			{Key: "later", Label: "Not now", Detail: "the entry stays; `consentwiz restore` offers it again"},
		},
	}
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
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
		p.Options = append(p.Options, Option{Key: "keep", Label: "Keep " + appName(s), Detail: s.App.ClientID})
	}
	for i, a := range s.Profiles {
		p.Options = append(p.Options, Option{Key: "profile:" + strconv.Itoa(i), Label: orDefault(a.DisplayName, a.Profile), Detail: strings.Join(a.Scopes, ", ")})
	}
	p.Options = append(p.Options,
		Option{Key: "id", Label: "Type the app's client id"},
		Option{Key: "paste", Label: "Paste the sign-in URL or the error text"})
	return p
}

func chooseFixPrompt(s State) Prompt {
	d := s.Diagnosis
	var b strings.Builder
	fmt.Fprintf(&b, "%s in %s: %s.\n", appName(s), tenantName(s), usersSee(d.UserScreen))
	// Blockers first, as on the TUI's checklist.
	findings := append([]Finding(nil), d.Findings...)
	sort.SliceStable(findings, func(i, j int) bool { return severityRank(findings[i].Severity) > severityRank(findings[j].Severity) })
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
		// No consent fix helps here: the way on is assigning users (ENTRA.md B1, 50105).
		tenant := s.Tenant.ID
		if tenant == "" {
			tenant = s.Tenant.Domain
		}
		p.Links = append(p.Links, Link{Label: "Assign users or groups to " + appName(s) + " (Entra admin center)",
			URL: PortalLink(s.Cloud, tenant, LinkAppUsers, d.App.ServicePrincipalID, d.App.ClientID)})
	}
	for _, f := range fixOrder(d) {
		o := Option{Key: string(f.ID), Label: f.Title, Detail: f.Reason, Disabled: !f.Viable}
		if !f.Viable {
			o.Reason = f.Reason
		} else if f.NeedsRole != "" && !f.HasRole {
			o.Detail = strings.TrimSpace(o.Detail + " (needs " + f.NeedsRole + ", which the signed-in account does not hold)")
		}
		if f.ID == d.Recommended {
			o.Label += " (recommended)"
		}
		if f.ID == FixRequestWorkflow && pendingRequest(s.Snap, s.App.ClientID) != nil {
			o.Detail = "A request from " + requesterName(pendingRequest(s.Snap, s.App.ClientID)) + " is waiting: show it and approve it."
		}
		p.Options = append(p.Options, o)
	}
	if o, ok := handoffOption(s); ok {
		p.Options = append(p.Options, o)
	}
	p.Options = append(p.Options, Option{Key: "recheck", Label: "Check the tenant again"})
	return p
}

func pollNote(s State) string {
	// The elapsed time is the driver's to show (the spinner counts it live).
	var parts []string
	if len(s.Missing) > 0 {
		parts = append(parts, "Not there yet: "+strings.Join(s.Missing, ", ")+".")
	}
	if s.PollErr != "" {
		parts = append(parts, s.PollErr)
	}
	if s.ioNote != "" {
		parts = append(parts, s.ioNote)
	}
	return strings.Join(parts, " ")
}

func linkPrompt(s State) Prompt {
	body := "An administrator who may grant consent for the organization (Global Administrator, Privileged Role Administrator or Cloud Application Administrator) opens this link, signs in and accepts. consentwiz checks the tenant every few seconds and says when it worked."
	if s.UseV2 {
		body += " This is the v2.0 link with the app's permissions listed."
	}
	if s.LinkSaved != "" {
		body = note(body, "Saved to "+s.LinkSaved+".")
	}
	return Prompt{
		Kind:      PromptProgress,
		Title:     "Approve " + appName(s) + " for everyone",
		Body:      note(body, pollNote(s)),
		Links:     []Link{{Label: "Admin consent link", URL: s.Link}},
		CanBack:   true,
		CanDone:   true,
		DoneLabel: "I approved it — check now",
		Options: []Option{
			{Key: "open", Label: "Open in the browser"},
			{Key: "copy", Label: "Copy the link"},
			{Key: "save", Label: "Save a hand-off file for another admin"},
			{Key: "handoff", Label: "Stop here: another admin will approve"},
		},
	}
}

func reviewersPrompt(s State) Prompt {
	var b strings.Builder
	b.WriteString("Reviewers get the users' requests and approve them. Approving needs a role that may grant consent.")
	if s.OriginalRequestPolicy != nil && len(s.OriginalRequestPolicy.Reviewers) > 0 {
		b.WriteString("\n\nAlready reviewers (kept):")
		for _, r := range s.OriginalRequestPolicy.Reviewers {
			b.WriteString("\n  • " + DescribeReviewer(r.Query))
		}
	}
	if len(s.Reviewers) > 0 {
		b.WriteString("\n\nChosen:")
		for _, r := range s.Reviewers {
			b.WriteString("\n  • " + r.Name + " — " + r.Kind)
		}
	}
	p := Prompt{Kind: PromptChoice, Title: "Who approves requests?", Body: note(b.String(), s.InputErr), CanBack: true}
	n := len(s.Reviewers)
	if s.OriginalRequestPolicy != nil {
		n += len(s.OriginalRequestPolicy.Reviewers)
	}
	cont := Option{Key: "continue", Label: fmt.Sprintf("Continue with %d reviewers", n)}
	switch n {
	case 0:
		cont.Label = "Continue"
		cont.Disabled, cont.Reason = true, "choose at least one reviewer"
	case 1:
		cont.Label = "Continue with 1 reviewer"
	}
	p.Options = append(p.Options, cont)
	me := meReviewer(s)
	meOpt := Option{Key: "me", Label: "Me", Detail: strings.TrimSpace(me.Name + " " + me.Detail)}
	if me.ID == "" {
		meOpt.Disabled, meOpt.Reason = true, "the signed-in account is not known"
	} else if hasReviewer(s.Reviewers, me) {
		meOpt.Disabled, meOpt.Reason = true, "already chosen"
	}
	p.Options = append(p.Options, meOpt, Option{Key: "search", Label: "Search for a user or group"})
	for _, id := range reviewerRoles {
		o := Option{Key: "role:" + id, Label: "Everyone with the " + entra.RoleNames[id] + " role"}
		if hasReviewer(s.Reviewers, Reviewer{Kind: ReviewerRole, ID: id}) {
			o.Disabled, o.Reason = true, "already chosen"
		}
		p.Options = append(p.Options, o)
	}
	if len(s.Reviewers) > 0 {
		p.Options = append(p.Options, Option{Key: "clear", Label: "Start the list over"})
	}
	return p
}

func previewPrompt(s State) Prompt {
	p := Prompt{Kind: PromptConfirm, Title: "Review the change", CanBack: true}
	for _, e := range s.Plan {
		e = bind(s, e)
		if w, ok := e.(PutConsentRequestPolicy); ok {
			o := entra.AdminConsentRequestPolicy{}
			if s.OriginalRequestPolicy != nil {
				o = *s.OriginalRequestPolicy
			}
			n := w.Policy
			p.Preview = append(p.Preview,
				Diff{Label: "Users can request admin consent", Before: onOff(o.IsEnabled), After: onOff(n.IsEnabled)},
				Diff{Label: "Reviewers", Before: reviewerList(s, o.Reviewers), After: reviewerList(s, n.Reviewers)},
				Diff{Label: "Email reviewers", Before: onOff(o.NotifyReviewers), After: onOff(n.NotifyReviewers)},
				Diff{Label: "Reminders", Before: onOff(o.RemindersEnabled), After: onOff(n.RemindersEnabled)},
				Diff{Label: "Requests expire after (days)", Before: strconv.Itoa(o.RequestDurationInDays), After: strconv.Itoa(n.RequestDurationInDays)})
			continue
		}
		p.Preview = append(p.Preview, describe(s, e))
	}
	switch s.Fix {
	case FixRelaxUserConsent:
		p.Title = "Review the temporary change"
		p.Body = "User consent is set to \"Let Microsoft manage your consent settings\" only while the user connects; then consentwiz writes back exactly the original value (kept in a journal first) and checks it. Other entries (group, team and developer consent) stay as they are."
	case FixRequestWorkflow:
		p.Title = "Review: enable consent requests"
		p.Body = "Users who are blocked can then send a request with a reason; the reviewers approve it. User consent stays as it is."
	case FixGrantDirect:
		p.Title = "Review what will be granted"
		p.Body = "These permissions are granted for everyone in the organization at once, without further review. They take effect immediately."
	case FixClassifyLow:
		p.Title = "Review the change"
		p.Body = "Only permissions that users may consent to are classified; then user consent is set to \"verified publishers, selected permissions\". This change stays."
	}
	if s.DryRun {
		p.Body = note(p.Body, "Dry run: nothing will be written. Confirm to see the exact requests.")
	}
	p.Body = note(p.Body, s.InputErr)
	return p
}

func reviewerList(s State, r []entra.ReviewerScope) string {
	if len(r) == 0 {
		return "none"
	}
	out := make([]string, 0, len(r))
	for _, x := range r {
		d := DescribeReviewer(x.Query)
		// A user or group chosen here is shown by name, not only by its id.
		for _, c := range s.Reviewers {
			if c.Kind != ReviewerRole && c.ID != "" && c.Name != "" && strings.Contains(strings.ToLower(x.Query), strings.ToLower(c.ID)) {
				d = c.Name + " (" + d + ")"
				break
			}
		}
		out = append(out, d)
	}
	return strings.Join(out, "; ")
}

func relaxPrompt(s State) Prompt {
	body := "Ask the user to connect " + appName(s) + " now (sign in again and accept the consent prompt). consentwiz checks every few seconds for their consent and puts the setting back as soon as it appears."
	if s.Demo {
		body += "\n\nDemo: the simulated user tries to connect."
	}
	body = note(body, s.Simulated)
	p := Prompt{Kind: PromptProgress, Title: "The user connects now", Body: note(body, pollNote(s)), CanDone: true, DoneLabel: "The user connected — put the setting back",
		Options: []Option{{Key: "restore", Label: "Put the setting back now"}}}
	if s.Demo {
		p.Options = append(p.Options, Option{Key: "simulate", Label: "Have the simulated user try again"})
	}
	return p
}

func requestWaitPrompt(s State) Prompt {
	body := "Consent requests are on. It can take up to an hour before users see \"Request approval\". The user must ask again now: reviewers added today cannot act on older requests. consentwiz checks for the request every 30 seconds."
	if s.Demo {
		body += "\n\nDemo: the simulated user asks for approval."
	}
	body = note(body, s.Simulated)
	if temporaryPending(s) {
		body += "\n\nTemporary: after the approval, consentwiz puts the consent request setting back as it was."
	}
	p := Prompt{Kind: PromptProgress, Title: "Waiting for the user's request", Body: note(body, pollNote(s)), CanBack: !temporaryPending(s), CanDone: true, DoneLabel: "the user has asked — check now",
		Options: []Option{{Key: "stop", Label: "Stop here; approve later in the admin center"}}}
	if s.Demo {
		p.Options = append(p.Options, Option{Key: "simulate", Label: "Have the simulated user ask again"})
	}
	return p
}

func requestShowPrompt(s State) Prompt {
	r := s.Request
	var b strings.Builder
	if r != nil {
		for _, u := range r.UserConsentRequests {
			// Tenant strings: bounded here, so that a 5,000-character name or
			// reason cannot flood the screen (the UI also strips controls).
			who := "a user"
			if u.CreatedBy.User != nil {
				who = Sanitize(orDefault(u.CreatedBy.User.DisplayName, u.CreatedBy.User.ID), 120)
			}
			fmt.Fprintf(&b, "From %s", who)
			if u.CreatedDateTime != "" {
				fmt.Fprintf(&b, " on %s", requestTime(u.CreatedDateTime))
			}
			if u.Reason != "" {
				fmt.Fprintf(&b, ": \"%s\"", Sanitize(u.Reason, 500))
			}
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "Permissions asked for: %s", strings.Join(requestScopes(s), ", "))
	}
	p := Prompt{Kind: PromptChoice, Title: "A request to use " + appName(s), Body: b.String(), CanBack: !temporaryPending(s),
		Links: []Link{{Label: "Approve the request", URL: requestURL(s)}},
		Options: []Option{
			{Key: "approve", Label: "Approve it in the browser", Detail: "opens the consent page built from the request"},
			{Key: "copy", Label: "Copy the approval link"},
		}}
	g := Option{Key: "grant", Label: "Grant it through Microsoft Graph instead"}
	if f, ok := s.Diagnosis.Fix(FixGrantDirect); !ok || !f.Viable {
		g.Disabled = true
		g.Reason = "not possible here"
		if ok {
			g.Reason = f.Reason
		}
	} else if temporaryPending(s) {
		g.Disabled = true
		g.Reason = "requests are on temporarily: approve it, or cancel to put the setting back"
	}
	p.Options = append(p.Options, g, Option{Key: "stop", Label: "Leave it for a reviewer"})
	return p
}

func failedPrompt(s State) Prompt {
	f := s.Failure
	p := Prompt{Kind: PromptFailed, Title: f.Title, Body: note(f.Reason, f.Remedy)}
	if f.Retryable && s.RetryEffect != nil {
		p.Options = append(p.Options, Option{Key: "retry", Label: "Try again"})
	}
	if f.canVerify {
		p.Options = append(p.Options, Option{Key: "verify", Label: "Check again"})
	}
	if f.canUndo && s.written() {
		p.Options = append(p.Options, Option{Key: "undo", Label: "Undo the change and stop"}, Option{Key: "keep", Label: "Keep the change and stop"})
	}
	if s.Diagnosis != nil && !s.written() {
		label := "Choose another fix"
		if f.AltFix != "" {
			if o, ok := s.Diagnosis.Fix(f.AltFix); ok {
				label += " (" + o.Title + " may work)"
			}
		}
		p.Options = append(p.Options, Option{Key: "fix", Label: label})
		p.CanBack = true
	}
	if canHandoff(s) && s.Diagnosis == nil {
		p.Options = append(p.Options, Option{Key: KeyHandoff, Label: "Make a hand-off for an admin instead", Detail: "without the live diagnosis"})
	}
	if !s.written() {
		p.Options = append(p.Options, Option{Key: "quit", Label: "Quit"})
	}
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
	case OutcomeDryRun:
		p.Title = "Dry run: nothing was changed"
	case OutcomeCancelled:
		p.Title = "Stopped"
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

func severityRank(s Severity) int {
	switch s {
	case SeverityBlocker:
		return 3
	case SeverityWarning:
		return 2
	case SeverityInfo:
		return 1
	}
	return 0
}

// requestTime shows a request's RFC 3339 time as "2026-11-24 02:58 UTC";
// anything else is shown as it came, sanitized.
func requestTime(v string) string {
	if t, err := time.Parse(time.RFC3339, strings.TrimSpace(v)); err == nil {
		return t.UTC().Format("2006-01-02 15:04 UTC")
	}
	return Sanitize(v, 40)
}

package flows

import (
	"consentwiz/graph/entra"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// request-workflow's prompts and its part of the hand-off (the machine is in
// fix_request_workflow.go).

func requestWorkflowPrompt(s State) Prompt {
	r := s.Run
	switch s.Step {
	case StepReviewers:
		return reviewersPrompt(s)
	case StepReviewerSearch:
		body := "Type part of a name, an email address or a group name."
		if r.searching {
			body = "Searching for \"" + r.searchQuery + "\"…"
		}
		return Prompt{Kind: PromptInput, Title: "Search for a reviewer", Body: note(body, s.InputErr), Placeholder: "name, email or group", CanBack: true}
	case StepReviewerPick:
		p := Prompt{Kind: PromptChoice, Title: "Choose a reviewer", CanBack: true}
		for i, c := range r.Candidates {
			p.Options = append(p.Options, Option{Key: PickKey(i), Label: c.Name, Detail: strings.TrimSpace(c.Kind + " " + c.Detail)})
		}
		p.Options = append(p.Options, Option{Key: KeySearch, Label: "Search again"})
		return p
	case StepWorkflowOptions:
		rp := r.RequestPolicy
		return Prompt{Kind: PromptChoice, Title: "How should requests work?", CanBack: true, Options: []Option{
			{Key: KeyContinue, Label: "Continue", Detail: "review the change"},
			{Key: KeyNotify, Label: "Email reviewers about new requests: " + onOff(rp.NotifyReviewers)},
			{Key: KeyReminders, Label: "Remind reviewers: " + onOff(rp.RemindersEnabled)},
			{Key: KeyDuration, Label: "Requests expire after " + strconv.Itoa(rp.RequestDurationInDays) + " days"},
			{Key: KeyTemporary, Label: "Turn requests off again after this approval (temporary): " + onOff(r.RequestTemporary), Detail: "off: requests stay on (permanent)"},
		}}
	case StepWorkflowDuration:
		return Prompt{Kind: PromptInput, Title: "Requests expire after how many days?", Body: note("From 1 to 30.", s.InputErr), Default: strconv.Itoa(r.RequestPolicy.RequestDurationInDays), CanBack: true}
	case StepRequestWait:
		return requestWaitPrompt(s)
	case StepRequestShow:
		return requestShowPrompt(s)
	}
	return Prompt{Kind: PromptProgress, Title: "Approve the request in the browser", CanBack: true, CanDone: true, DoneLabel: "I approved it — check now",
		Body:    note("Sign in with an account that may grant the consent (Global Administrator, Privileged Role Administrator or Cloud Application Administrator) and accept. consentwiz checks every few seconds.", pollNote(s)),
		Links:   []Link{{Label: "Approve the request", URL: r.Link}},
		Options: []Option{{Key: KeyOpen, Label: "Open the link again"}, {Key: KeyCopy, Label: "Copy the link"}}}
}

func reviewersPrompt(s State) Prompt {
	r := s.Run
	var b strings.Builder
	b.WriteString("Reviewers get the users' requests and approve them. Approving needs a role that may grant consent.")
	if r.OriginalRequestPolicy != nil && len(r.OriginalRequestPolicy.Reviewers) > 0 {
		b.WriteString("\n\nAlready reviewers (kept):")
		for _, x := range r.OriginalRequestPolicy.Reviewers {
			b.WriteString("\n  • " + DescribeReviewer(x.Query))
		}
	}
	if len(r.Reviewers) > 0 {
		b.WriteString("\n\nChosen:")
		for _, x := range r.Reviewers {
			b.WriteString("\n  • " + x.Name + " — " + x.Kind)
		}
	}
	p := Prompt{Kind: PromptChoice, Title: "Who approves requests?", Body: note(b.String(), s.InputErr), CanBack: true}
	n := len(r.Reviewers)
	if r.OriginalRequestPolicy != nil {
		n += len(r.OriginalRequestPolicy.Reviewers)
	}
	cont := Option{Key: KeyContinue, Label: fmt.Sprintf("Continue with %d reviewers", n)}
	switch n {
	case 0:
		cont.Label = "Continue"
		cont.Disabled, cont.Reason = true, "choose at least one reviewer"
	case 1:
		cont.Label = "Continue with 1 reviewer"
	}
	p.Options = append(p.Options, cont)
	me := meReviewer(s)
	meOpt := Option{Key: KeyMe, Label: "Me", Detail: strings.TrimSpace(me.Name + " " + me.Detail)}
	if me.ID == "" {
		meOpt.Disabled, meOpt.Reason = true, "the signed-in account is not known"
	} else if hasReviewer(r.Reviewers, me) {
		meOpt.Disabled, meOpt.Reason = true, "already chosen"
	}
	p.Options = append(p.Options, meOpt, Option{Key: KeySearch, Label: "Search for a user or group"})
	for _, id := range reviewerRoles {
		o := Option{Key: RoleKey(id), Label: "Everyone with the " + entra.RoleNames[id] + " role"}
		if hasReviewer(r.Reviewers, Reviewer{Kind: ReviewerRole, ID: id}) {
			o.Disabled, o.Reason = true, "already chosen"
		}
		p.Options = append(p.Options, o)
	}
	if len(r.Reviewers) > 0 {
		p.Options = append(p.Options, Option{Key: KeyClear, Label: "Start the list over"})
	}
	return p
}

func requestWaitPrompt(s State) Prompt {
	body := "Consent requests are on. It can take up to an hour before users see \"Request approval\". The user must ask again now: reviewers added today cannot act on older requests. consentwiz checks for the request every 30 seconds."
	if s.Demo {
		body += "\n\nDemo: the simulated user asks for approval."
	}
	body = note(body, s.Run.Simulated)
	if temporaryPending(s) {
		body += "\n\nTemporary: after the approval, consentwiz puts the consent request setting back as it was."
	}
	p := Prompt{Kind: PromptProgress, Title: "Waiting for the user's request", Body: note(body, pollNote(s)), CanBack: !temporaryPending(s), CanDone: true, DoneLabel: "the user has asked — check now",
		Options: []Option{{Key: KeyStop, Label: "Stop here; approve later in the admin center"}}}
	if s.Demo {
		p.Options = append(p.Options, Option{Key: KeySimulate, Label: "Have the simulated user ask again"})
	}
	return p
}

func requestShowPrompt(s State) Prompt {
	r := s.Run.Request
	var b strings.Builder
	if r != nil {
		for _, u := range r.UserConsentRequests {
			// Tenant strings: bounded here, so that a 5,000-character name or
			// reason cannot flood the screen (the UI also strips controls).
			who := "a user"
			if u.CreatedBy.User != nil {
				who = Sanitize(firstNonEmpty(u.CreatedBy.User.DisplayName, u.CreatedBy.User.ID), 120)
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
			{Key: KeyApprove, Label: "Approve it in the browser", Detail: "opens the consent page built from the request"},
			{Key: KeyCopy, Label: "Copy the approval link"},
		}}
	g := Option{Key: KeyGrant, Label: "Grant it through Microsoft Graph instead"}
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
	p.Options = append(p.Options, g, Option{Key: KeyStop, Label: "Leave it for a reviewer"})
	return p
}

// requestTime shows a request's RFC 3339 time as "2026-11-24 02:58 UTC";
// anything else is shown as it came, sanitized.
func requestTime(v string) string {
	if t, err := time.Parse(time.RFC3339, strings.TrimSpace(v)); err == nil {
		return t.UTC().Format("2006-01-02 15:04 UTC")
	}
	return Sanitize(v, 40)
}

// --- hand-off -------------------------------------------------------------------

// requestWorkflowHandoff: approve the user's request, or turn the request
// workflow on; which comes first depends on what is known.
func requestWorkflowHandoff(b *handoffBuilder) []HandoffFix {
	app := b.h.AppName
	d := b.d
	approve := HandoffFix{Key: HandoffApproveRequest, Fix: FixRequestWorkflow, Title: "Approve the user's request",
		Summary: "The user sent a request from the \"Approval required\" screen; a reviewer approves it, which grants consent for everyone.",
		Role:    b.consentRole(FixAdminLink) + ", and listed as a reviewer",
		Link:    HandoffLink{Label: "Admin consent requests", URL: b.portal(LinkConsentRequests)},
		Steps: []string{
			"Open the link (" + navRequests + ").",
			"On the My Pending tab, select " + app + ".",
			"Select \"Review permissions and consent\", sign in, review the permissions and select Accept.",
		}}
	workflow := HandoffFix{Key: HandoffRequestWorkflow, Fix: FixRequestWorkflow, Title: "Let users request admin consent, then approve",
		Summary: "Turns on the admin consent workflow: blocked users can ask for approval, and reviewers approve in the portal.",
		Role:    NeedsGlobalAdmin,
		Link:    HandoffLink{Label: "Admin consent settings", URL: b.portal(LinkAdminConsentSettings)},
		Steps: []string{
			"Open the link (" + navAdminConsent + ").",
			"Set \"Users can request admin consent to apps they are unable to consent to\" to Yes.",
			"Add reviewers (users, groups or roles) who may grant consent, e.g. your Cloud Application Administrators.",
			"Keep email notifications and reminders on, set how long requests stay open (30 days is common), and select Save.",
			"Wait: it can take up to an hour before users see the request form.",
			"Ask the user to connect " + app + " again and send the request (reviewers added later cannot act on older requests).",
			"Approve the request under " + navRequests + " > My Pending.",
		}}
	switch {
	case d != nil && len(d.PendingRequests) > 0:
		return []HandoffFix{approve}
	case d != nil:
		return []HandoffFix{workflow}
	case b.route == string(FixRequestWorkflow):
		return []HandoffFix{approve, workflow}
	}
	return []HandoffFix{workflow, approve}
}

func requestWorkflowHandoffKey(b *handoffBuilder) string {
	if b.d != nil && len(b.d.PendingRequests) > 0 {
		return HandoffApproveRequest
	}
	return HandoffRequestWorkflow
}

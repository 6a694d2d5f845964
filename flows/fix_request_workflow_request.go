package flows

import (
	"consentwiz/graph/entra"
	"fmt"
	"strings"
	"time"
)

// request-workflow, the request: wait for the user's request, show it,
// approve it in the browser and poll for the grant; the fix's part of the
// hand-off (see fix_request_workflow.go for the rest).

// pendingRequest returns the app's pending consent request in snap, if any.
func pendingRequest(snap *entra.TenantSnapshot, appID string) *entra.AppConsentRequest {
	if snap == nil {
		return nil
	}
	for _, r := range snap.PendingRequests {
		if !strings.EqualFold(r.AppID, appID) {
			continue
		}
		pending := len(r.UserConsentRequests) == 0
		for _, u := range r.UserConsentRequests {
			if strings.EqualFold(u.Status, "InProgress") {
				pending = true
			}
		}
		if pending {
			rr := r
			rr.PendingScopes = clone(r.PendingScopes)
			rr.UserConsentRequests = clone(r.UserConsentRequests)
			return &rr
		}
	}
	return nil
}

func requestMissing(s State, snap *entra.TenantSnapshot) []string {
	if pendingRequest(snap, s.App.ClientID) != nil {
		return nil
	}
	return []string{"a request from the user"}
}

func requestWait(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case Chose:
		switch {
		case e.Key == KeyStop:
			// Requests are on (verified, in the changes), but the user is
			// not in yet: the approval is handed over, not fixed.
			if temporaryPending(s) {
				return stopTemporary(s)
			}
			return finish(s, Outcome{Kind: OutcomeHandedOff, Summary: "Consent requests are on. When the user requests " + appName(s) + ", approve it in the Entra admin center (Enterprise applications → Admin consent requests)."})
		case e.Key == KeySimulate && s.Demo:
			return s, []Effect{simulateUser(s)}
		}
		return s, nil
	case UserSimulated:
		return userSimulated(s, e, "ask")
	case Back:
		if temporaryPending(s) {
			return s, nil // the original request setting must be put back first: cancel does
		}
		return toChecklist(s), nil
	}
	s, effs, done, snap := pollEvent(s, ev, requestMissing)
	if done {
		s.Run.Request = pendingRequest(snap, s.App.ClientID)
		s.Step = StepRequestShow
		return s, nil
	}
	return s, effs
}

// requestURL approves the request: the consent URL built from it, in the tenant's cloud.
func requestURL(s State) string {
	r := s.Run.Request
	if r == nil {
		return ""
	}
	return RequestApprovalURL(s.Tenant.Cloud, s.Tenant.segment(), *r, len(r.PendingScopes) == 0)
}

func requestShow(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case Chose:
		switch e.Key {
		case KeyApprove:
			s.Run.Link = requestURL(s)
			s.Step = StepRequestApprove
			s, effs := startPolling(s, PollGrantEvery, pollGrant(s))
			return s, append([]Effect{OpenURL{URL: s.Run.Link}}, effs...)
		case KeyCopy:
			return s, []Effect{CopyText{Text: requestURL(s)}}
		case KeyGrant:
			if f, ok := s.Diagnosis.Fix(FixGrantDirect); !ok || !f.Viable || temporaryPending(s) {
				return s, nil
			}
			return startFix(toChecklist(s), FixGrantDirect)
		case KeyStop:
			if temporaryPending(s) {
				return stopTemporary(s)
			}
			return finish(s, Outcome{Kind: OutcomeHandedOff, Summary: "The request is waiting for approval in the Entra admin center (Enterprise applications → Admin consent requests)."})
		}
	case Back:
		if temporaryPending(s) {
			return s, nil
		}
		return toChecklist(s), nil
	}
	return s, nil
}

// requestScopes are the scopes the request asks for (else the app's).
func requestScopes(s State) []string {
	if r := s.Run.Request; r != nil && len(r.PendingScopes) > 0 {
		out := make([]string, 0, len(r.PendingScopes))
		for _, p := range r.PendingScopes {
			out = append(out, p.DisplayName)
		}
		return out
	}
	return requestedScopes(s)
}

func requestApprove(s State, ev Event) (State, []Effect) {
	r := s.Run
	switch e := ev.(type) {
	case Chose:
		switch e.Key {
		case KeyOpen:
			return s, []Effect{OpenURL{URL: r.Link}}
		case KeyCopy:
			return s, []Effect{CopyText{Text: r.Link}}
		}
		return s, nil
	case Opened:
		r.ioNote, _ = linkNote(e)
		return s, nil
	case Copied:
		return s, nil
	case Back:
		s = stopPolling(s)
		s.Step = StepRequestShow
		return s, nil
	}
	check := func(s State, snap *entra.TenantSnapshot) []string {
		return coverage(s, snap, requestScopes(s), true, nil)
	}
	s, effs, done, snap := pollEvent(s, ev, check)
	if !done {
		return s, effs
	}
	s.Snap = snap
	who := requesterName(r.Request)
	s = addChange(s, Change{What: "Admin consent for " + appName(s) + " (request from " + who + ")", Before: "requested", After: "approved: " + strings.Join(requestScopes(s), " "), Verified: true, At: s.Now})
	if temporaryPending(s) {
		// Temporary: turn requests off again (the restore sub-machine: read,
		// compare, put the original back, verify, clear the journal).
		j := *r.Journal
		s.Restore = &RestoreRun{Entry: &j, then: afterRestoreDone}
		return restoreRead(stopPolling(closeWindow(s)))
	}
	r.committed = true
	return finishVerified(s)
}

// temporaryPending reports whether a temporary request workflow has turned requests
// on and the journaled original is still to be put back.
func temporaryPending(s State) bool {
	r := s.Run
	return !r.committed && r.Journal != nil && r.Journal.IsRequestPolicy()
}

// stopTemporary ends a temporary request workflow before the approval: requests
// stay on for the reviewers, and the journal keeps the original for `consentwiz restore`.
func stopTemporary(s State) (State, []Effect) {
	s.Run.committed = true
	s.Run.journalKept = true
	s = stopPolling(s)
	return finish(s, Outcome{Kind: OutcomeHandedOff, Summary: "Consent requests stay on until the request for " + appName(s) + " is approved in the Entra admin center (Enterprise applications → Admin consent requests). Then run `consentwiz restore` to turn them off again: the original setting is saved in the journal.", JournalKept: true})
}

func requesterName(r *entra.AppConsentRequest) string {
	if r == nil {
		return "a user"
	}
	for _, u := range r.UserConsentRequests {
		if u.CreatedBy.User != nil && u.CreatedBy.User.DisplayName != "" {
			return u.CreatedBy.User.DisplayName
		}
	}
	return "a user"
}

func requestWaitPrompt(s State) Prompt {
	body := "Consent requests are on. It can take up to an hour before users see \"Request approval\". The user must ask again now: reviewers added today cannot act on older requests. consentwiz checks for the request every 30 seconds."
	if s.Demo {
		body += "\n\nDemo: the simulated user asks for approval."
	}
	body = note(body, s.Run.Simulated)
	if temporaryPending(s) {
		body += "\n\nTemporary: after the approval, consentwiz puts the consent request setting back as it was."
		body = note(body, windowNote(s, "puts the consent request setting back"))
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

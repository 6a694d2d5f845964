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
	if pendingRequest(snap, s.App.ClientID) != nil || grantMissing(s, snap) == nil {
		return nil
	}
	return []string{"a request from the user"}
}

func requestWait(s State, ev Event) (State, []Effect) {
	switch e := ev.(type) {
	case Chose:
		switch {
		case e.Key == KeyStop:
			if s.Run.Poll.stop != nil {
				return s, nil
			}
			// Requests are on (verified, in the changes), but the user is
			// not in yet: the approval is left for an admin, not fixed.
			return stopAfterCheck(s, stopRequest{temporary: temporaryPending(s), outcome: Outcome{Kind: OutcomeHandedOff,
				Summary: "Consent requests are on. When the user requests " + appName(s) + ", approve it in the Entra admin center (Enterprise applications → Admin consent requests); users stay blocked until then.",
				Link:    PortalLink(s.Tenant.Cloud, s.Tenant.segment(), LinkConsentRequests)}})
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
		return backToChecklist(s)
	}
	s, effs, done, snap := pollEvent(s, ev, requestMissing)
	if !done {
		return s, effs
	}
	if grantMissing(s, snap) == nil {
		// Consent was granted meanwhile, another way (another admin, the
		// admin consent link): the wait is over.
		s.Run.Workflow.grantedElsewhere = true
		return requestApproved(stopPolling(s), snap)
	}
	s.Snap = snap
	s.Run.Workflow.Request = pendingRequest(snap, s.App.ClientID)
	return showRequest(stopPolling(s))
}

// showRequest shows the request, and watches the tenant meanwhile: consent
// granted elsewhere (another reviewer, a copied link) ends the wait.
func showRequest(s State) (State, []Effect) {
	s.Step = StepRequestShow
	s.Run.Link.URL = requestURL(s)
	return startPolling(s, PollGrantEvery, pollGrant(s))
}

// requestURL approves the request: the app's admin consent link, in the
// tenant's cloud; the v2.0 one with the request's permissions when a
// redirect URI registered on the app is known (docs/entra.md A4, C1).
func requestURL(s State) string {
	r := s.Run.Workflow.Request
	if r == nil {
		return ""
	}
	redirect := ""
	if len(s.App.RedirectURIs) > 0 {
		redirect = s.App.RedirectURIs[0]
	}
	return RequestApprovalURL(s.Tenant.Cloud, s.Tenant.segment(), *r, redirect)
}

// reviewLink is the admin center's list of requests, where a reviewer opens
// the app and selects "Review permissions and consent" (docs/entra.md A4).
func reviewLink(s State) Link {
	return Link{Label: "Or in the Entra admin center: Admin consent requests > " + appName(s) + " > Review permissions and consent",
		URL: PortalLink(s.Tenant.Cloud, s.Tenant.segment(), LinkConsentRequests)}
}

// approvalMissing is what the request's approval (tenant-wide consent to
// what it asks for) still lacks.
func approvalMissing(s State, snap *entra.TenantSnapshot) []string {
	return coverage(s, snap, requestScopes(s), true, nil)
}

// requestLinkIO answers the open, copy and save of the approval link.
func requestLinkIO(s State, ev Event) (State, bool) {
	r := s.Run
	switch e := ev.(type) {
	case Opened, Copied:
		r.Link.note, _ = linkNote(ev)
	case Saved:
		r.Link.note = ""
		if e.Err != nil {
			r.Link.note = "Could not save the file: " + e.Err.Error()
		} else {
			r.Link.Saved = e.Path
		}
	default:
		return s, false
	}
	return s, true
}

// stopForReviewer ends the request screens with the request left for a
// reviewer, after one more look (it may have been approved meanwhile).
func stopForReviewer(s State) (State, []Effect) {
	if s.Run.Poll.stop != nil {
		return s, nil
	}
	r := s.Run
	return stopAfterCheck(s, stopRequest{temporary: temporaryPending(s), outcome: Outcome{Kind: OutcomeHandedOff,
		Summary: "The request is waiting for approval in the Entra admin center (Enterprise applications → Admin consent requests). A reviewer who holds " +
			consentRoles(s) + " approves it there, or opens the approval link; users stay blocked until then.",
		Link: r.Link.URL, SavedTo: r.Link.Saved}})
}

func requestShow(s State, ev Event) (State, []Effect) {
	r := s.Run
	switch e := ev.(type) {
	case Chose:
		switch e.Key {
		case KeyApprove:
			r.Link.URL = requestURL(s)
			s.Step = StepRequestApprove
			s, effs := startPolling(s, PollGrantEvery, pollGrant(s))
			return s, append([]Effect{OpenURL{URL: s.Run.Link.URL}}, effs...)
		case KeyCopy:
			return s, []Effect{CopyText{Text: r.Link.URL}}
		case KeySave:
			return s, []Effect{SaveFile{Name: linkFileName(s), Text: requestFileText(s)}}
		case KeyGrant:
			if f, ok := s.Diagnosis.Fix(FixGrantDirect); !ok || !f.Viable || temporaryPending(s) {
				return s, nil
			}
			return startFix(toChecklist(s), FixGrantDirect)
		case KeyStop:
			return stopForReviewer(s)
		}
		return s, nil
	case Back:
		if temporaryPending(s) {
			return s, nil
		}
		return backToChecklist(s)
	}
	if s, ok := requestLinkIO(s, ev); ok {
		return s, nil
	}
	s, effs, done, snap := pollEvent(s, ev, approvalMissing)
	if done {
		return requestApproved(stopPolling(s), snap)
	}
	return s, effs
}

// requestScopes are the scopes the request asks for (else the app's).
func requestScopes(s State) []string {
	if r := s.Run.Workflow.Request; r != nil && len(r.PendingScopes) > 0 {
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
			return s, []Effect{OpenURL{URL: r.Link.URL}}
		case KeyCopy:
			return s, []Effect{CopyText{Text: r.Link.URL}}
		case KeySave:
			return s, []Effect{SaveFile{Name: linkFileName(s), Text: requestFileText(s)}}
		case KeyStop:
			return stopForReviewer(s)
		}
		return s, nil
	case Back:
		return showRequest(stopPolling(s))
	}
	if s, ok := requestLinkIO(s, ev); ok {
		return s, nil
	}
	s, effs, done, snap := pollEvent(s, ev, approvalMissing)
	if !done {
		return s, effs
	}
	return requestApproved(stopPolling(s), snap)
}

// requestApproved ends the fix once consent is there: the request was
// approved (here, in the browser, or by another reviewer), or consent was
// granted another way while consentwiz waited.
func requestApproved(s State, snap *entra.TenantSnapshot) (State, []Effect) {
	r := s.Run
	s.Snap = snap
	if r.Workflow.grantedElsewhere {
		s = addChange(s, Change{What: "Admin consent for " + appName(s) + " (granted outside consentwiz)", Before: "not granted", After: "granted for everyone: " + strings.Join(requestedScopes(s), " "), Verified: true, At: s.Now})
	} else {
		who := requesterName(r.Workflow.Request)
		s = addChange(s, Change{What: "Admin consent for " + appName(s) + " (request from " + who + ")", Before: "requested", After: "approved: " + strings.Join(requestScopes(s), " "), Verified: true, At: s.Now})
	}
	if temporaryPending(s) {
		// Temporary: turn requests off again (the restore sub-machine: read,
		// compare, put the original back, verify, clear the journal).
		j := *r.Writes.Journal
		s.Restore = &RestoreRun{Entry: &j, then: afterRestoreDone}
		return restoreRead(stopPolling(closeWindow(s)))
	}
	r.Writes.committed = true
	if s, effs, ok := adoptLeftRequest(s); ok {
		return s, effs
	}
	return finishVerified(s)
}

// temporaryPending reports whether a temporary request workflow has turned requests
// on and the journaled original is still to be put back.
func temporaryPending(s State) bool {
	w := &s.Run.Writes
	return !w.committed && w.Journal != nil && w.Journal.IsRequestPolicy()
}

// stopTemporary ends a temporary request workflow before the approval: requests
// stay on for the reviewers, and the journal keeps the original for `consentwiz restore`.
func stopTemporary(s State) (State, []Effect) {
	s.Run.Writes.committed = true
	s.Run.Writes.journalKept = true
	s = stopPolling(s)
	return finish(s, Outcome{Kind: OutcomeHandedOff, Summary: "Consent requests stay on until the request for " + appName(s) + " is approved in the Entra admin center (Enterprise applications → Admin consent requests); users stay blocked until then. Then run `consentwiz restore` to turn them off again: the original setting is saved in the journal.",
		JournalKept: true, Link: s.Run.Link.URL, SavedTo: s.Run.Link.Saved})
}

// requestFileText is the saved approval file: the request, the link and
// what to do with it, for a reviewer.
func requestFileText(s State) string {
	var b strings.Builder
	fmt.Fprintf(&b, "A user asks for admin approval of %s (client id %s)\n\n", appName(s), s.App.ClientID)
	fmt.Fprintf(&b, "Tenant: %s\n", tenantName(s))
	fmt.Fprintf(&b, "Requested by: %s\n", Sanitize(requesterName(s.Run.Workflow.Request), 120))
	if sc := requestScopes(s); len(sc) > 0 {
		fmt.Fprintf(&b, "Permissions: %s\n", strings.Join(sc, ", "))
	}
	fmt.Fprintf(&b, "\nWhat to do: sign in with an account that holds %s and approve the request:\n", consentRoles(s))
	b.WriteString("- in the Entra admin center: Enterprise applications > Admin consent requests > " + appName(s) + " > Review permissions and consent, or\n")
	b.WriteString("- with this link:\n\n" + s.Run.Link.URL + "\n\n")
	b.WriteString("Approving grants the app these permissions for everyone in the organization.\n")
	return b.String()
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
	body := "Consent requests are on. It can take up to an hour before users see \"Request approval\". The user must ask again now: reviewers added today cannot act on older requests. consentwiz checks for the request every 30 seconds, and notices consent granted another way too."
	if s.Demo {
		body += "\n\nDemo: the simulated user asks for approval."
	}
	body = note(body, s.Run.Poll.Simulated)
	if temporaryPending(s) {
		body += "\n\nTemporary: after the approval, consentwiz puts the consent request setting back as it was."
		body = note(body, windowNote(s, "puts the consent request setting back"))
	}
	p := Prompt{Kind: PromptProgress, Title: "Waiting for the user's request", Body: body, Note: pollNote(s), CanBack: !temporaryPending(s), CanDone: true, DoneLabel: "the user has asked — check now",
		Options: []Option{{Key: KeyStop, Label: "Stop here; approve later in the admin center", Detail: "checks once more first"}}}
	if s.Demo {
		p.Options = append(p.Options, Option{Key: KeySimulate, Label: "Have the simulated user ask again"})
	}
	return p
}

func requestShowPrompt(s State) Prompt {
	req := s.Run.Workflow.Request
	var b strings.Builder
	if req != nil {
		for _, u := range req.UserConsentRequests {
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
	body := note(b.String(), "Approving is granting admin consent for everyone, and needs "+consentRoles(s)+". consentwiz checks the tenant every few seconds: an approval elsewhere (another reviewer, the copied link) ends this as done.")
	if s.Demo {
		body += "\n\nDemo: no browser is needed; the simulated administrator can accept the approval page from here."
	}
	p := Prompt{Kind: PromptChoice, Title: "A request to use " + appName(s), Body: body, Note: pollNote(s), CanBack: !temporaryPending(s),
		CanDone: true, DoneLabel: "I approved it — check now",
		Links: []Link{{Label: "Approve the request (admin consent for " + appName(s) + ")", URL: s.Run.Link.URL}, reviewLink(s)},
		Options: []Option{
			{Key: KeyApprove, Label: "Approve it in a browser on this computer", Detail: "opens the app's admin consent link: approving is granting admin consent for everyone"},
			{Key: KeyCopy, Label: "Copy the approval link"},
			{Key: KeySave, Label: "Save the request and the link to a file", Detail: linkFileName(s) + ", for a reviewer"},
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
	} else if w := roleWarning(f); w != "" {
		g.Warn = w
	}
	p.Options = append(p.Options, g, Option{Key: KeyStop, Label: "Leave it for a reviewer", Detail: "checks once more, then ends with the link to send"})
	if s.Run.Link.Saved != "" {
		p.Snippets = []Snippet{{Label: "Saved to", Text: s.Run.Link.Saved}}
	}
	return p
}

// requestApprovePrompt is the approval in the browser, watched.
func requestApprovePrompt(s State) Prompt {
	r := s.Run
	body := "Sign in with an account that holds " + consentRoles(s) + " and accept. consentwiz checks every few seconds."
	if s.Demo {
		body += "\n\nDemo: no browser is needed; the simulated administrator can accept the approval page from here."
	}
	p := Prompt{Kind: PromptProgress, Title: "Approve the request in the browser", CanBack: true, CanDone: true, DoneLabel: "I approved it — check now",
		Body:  body,
		Note:  pollNote(s),
		Links: []Link{{Label: "Approve the request (admin consent for " + appName(s) + ")", URL: r.Link.URL}, reviewLink(s)},
		Options: []Option{{Key: KeyOpen, Label: "Open the link again"}, {Key: KeyCopy, Label: "Copy the link"},
			{Key: KeySave, Label: "Save the request and the link to a file", Detail: linkFileName(s) + ", for a reviewer"},
			{Key: KeyStop, Label: "Leave it for a reviewer", Detail: "checks once more, then ends with the link to send"}}}
	if r.Link.Saved != "" {
		p.Snippets = []Snippet{{Label: "Saved to", Text: r.Link.Saved}}
	}
	return p
}

// requestTime shows a request's RFC 3339 time as "2026-11-24 02:58 UTC";
// anything else is shown as it came, sanitized.
func requestTime(v string) string {
	if t, err := time.Parse(time.RFC3339, strings.TrimSpace(v)); err == nil {
		return t.UTC().Format(timeLayout)
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

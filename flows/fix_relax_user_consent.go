package flows

import (
	"consentwiz/graph/entra"
	"strconv"
	"strings"
)

// relax-user-consent: save the user-consent setting, temporarily set "Let
// Microsoft manage your consent settings" (microsoft-user-default-recommended),
// let the user connect, then restore the saved value exactly and verify it.

// FixRelaxUserConsent relaxes user consent while the user connects.
const FixRelaxUserConsent FixID = "relax-user-consent"

var relaxUserConsentFix = &fix{
	id:     FixRelaxUserConsent,
	role:   NeedsPRA,
	scopes: []string{ScopeUserConsentWrite},
	viable: relaxViable,
	rank:   4,
	recommendWhy: func(*Diagnosis) string {
		return "A temporary change to user consent lets the user connect; the setting is restored afterwards."
	},
	phases: func(State) []string {
		return []string{"Review the temporary change", "Let the user connect", "Put the setting back", "Who connected, and what next"}
	},
	stepNo: func(s State) int {
		switch {
		case s.Step == StepRelaxConnect:
			return 6
		case s.Step == StepRelaxNext:
			return 8
		case isRestoreStep(s.Step) && s.Restore != nil && s.Restore.then == afterRestoreDone:
			return 7
		}
		return 0
	},
	begin:      readUserConsent,
	selfPolicy: entra.PolicyManagedRecommended,
	restoreAfter: func(s State) []Effect {
		return []Effect{PatchUserConsent{Tenant: s.target(), Policies: cloneNonNil(s.Run.UserConsent.Original)}}
	},
	plan: func(s State) ([]Effect, *Failure) {
		r := s.Run
		if samePolicies(r.UserConsent.Original, r.UserConsent.Target) {
			return nil, &Failure{
				Title:  "User consent is already set this way",
				Reason: "The setting is already \"" + portalName(r.UserConsent.Original) + "\", so changing it cannot help.",
				AltFix: altFix(s),
			}
		}
		return []Effect{patchUserConsent(s)}, nil
	},
	preview: func(s State) (string, string) {
		return "Review the temporary change", "User consent is set to \"Let Microsoft manage your consent settings\" only while the user connects; then consentwiz writes back exactly the original value (kept in a journal first) and checks it. " + keptEntriesText(s.Run.UserConsent.Original)
	},
	verifyRead: func(s State) Effect { return ReadAuthorizationPolicy{Tenant: s.target()} },
	verify:     relaxVerify,
	then: func(s State) (State, []Effect) {
		s.Step = StepRelaxConnect
		s, win := openWindow(s, firstDuration(s.RelaxWindow, DefaultRelaxWindow))
		s, effs := startPolling(s, PollGrantEvery, pollGrant(s))
		effs = append(win, effs...)
		if s.Demo {
			effs = append([]Effect{simulateUser(s)}, effs...)
		}
		return s, effs
	},
	summary: relaxSummary,
	done:    relaxDone,
	notFixed: func(s State) string {
		r := s.Run
		if r.relax.connected != "" {
			return ""
		}
		return relaxSummary(s)
	},
	steps: []StepID{StepRelaxConnect, StepRelaxNext},
	step: func(s State, ev Event) (State, []Effect) {
		if s.Step == StepRelaxNext {
			return relaxNext(s, ev)
		}
		return inWindow(s, ev, relaxConnect, func(s State, _ Event) (State, []Effect) { return finalCheck(s) })
	},
	prompt:       relaxPrompt,
	handoffRank:  4,
	handoff:      func(b *handoffBuilder) []HandoffFix { return []HandoffFix{userConsentHandoff(b)} },
	handoffKey:   func(*handoffBuilder) string { return HandoffUserConsent },
	handoffCheck: userConsentHandoffCheck,
}

// relaxRun is relax-user-consent's part of a fix run: who connected while
// user consent was relaxed, and what was offered after.
type relaxRun struct {
	// connected names who consented while user consent was relaxed ("":
	// nobody); connectedAll: that consent was for everyone; nextOffered: the
	// next step (grant for everyone) was offered.
	connected    string
	connectedAll bool
	nextOffered  bool
	// connectedIDs are the object ids of the users who consented (to name
	// them once the setting is back); connectedLog is the change log line
	// that says who connected (its index + 1).
	connectedIDs []string
	connectedLog int
	// finalCheck: one last look for the user's consent before the setting
	// is put back.
	finalCheck bool
	// rereading: the tenant is read again before the next choices are shown
	// (the user's consent may have added the app to it); rereadErr says why
	// that read failed, when it did.
	rereading bool
	rereadErr string
}

// relaxViable: relaxing helps only when the Microsoft-managed policy lets
// users consent to everything the app asks for, and the setting can be put
// back exactly.
func relaxViable(g *diag) FixOption {
	f := FixOption{ID: FixRelaxUserConsent, Title: "Temporarily let Microsoft manage user consent", NeedsRole: NeedsPRA,
		HasRole: g.hasRole(entra.RolePrivilegedRoleAdmin), Writes: true, Viable: true}
	const cannot = "relaxing user consent cannot help: "
	if r := g.selfConsentBlocker(cannot, func(roles string) string {
		return "the app needs application permissions (" + roles + "), which only an admin can grant"
	}, ""); r != "" {
		return notViable(f, r)
	}
	switch {
	case !g.authzKnown:
		return notViable(f, "the current user-consent setting could not be read, so it could not be restored exactly")
	case g.d.UserConsent.Setting == ConsentLegacy:
		return notViable(f, "user consent is already '"+PortalNameLegacy+"', which allows more")
	case !g.scopesKnown:
		return notViable(f, "the app's permissions are unknown, so they cannot be checked against the Microsoft-managed policy")
	case !g.excludesKnown:
		return notViable(f, "the Microsoft-managed policy's excludes could not be read")
	case !g.graphKnown && len(g.considered) > 0:
		return notViable(f, "Microsoft Graph's permissions could not be read, so admin-only scopes cannot be ruled out")
	}
	// "Let Microsoft manage" excludes permissions on every resource, Office
	// 365 Exchange Online's included (docs/entra.md B4, B5).
	excluded, unknown := g.managedVerdict()
	switch {
	case len(excluded) > 0:
		return notViable(f, cannot+strings.Join(names(excluded), ", ")+" "+isAre(len(excluded))+" excluded by the Microsoft-managed policy")
	case len(unknown) > 0:
		return notViable(f, "whether the Microsoft-managed policy allows "+strings.Join(names(unknown), ", ")+" is unknown: "+g.unknownReason(unknown))
	case g.d.UserConsent.Setting == ConsentMicrosoftManaged:
		return notViable(f, "user consent is already '"+PortalNameManaged+"'")
	}
	f.Reason = "switch user consent to '" + PortalNameManaged + "' while the user connects, then restore '" + g.d.UserConsent.PortalName + "' exactly"
	switch {
	case g.sp == nil:
		// Unknown, not unverified: the checklist says "Publisher
		// verification is unknown" for an app new to the tenant.
		f.Reason += " (whether the publisher is verified shows once the app is in the tenant; if it is not, risk-based step-up may still ask for approval)"
	case !g.verified && !g.ownTenant:
		f.Reason += " (the publisher is not verified: risk-based step-up may still ask for approval)"
	}
	return f
}

// relaxVerify reads the setting back. A success answer that changed nothing
// (the setting still reads as the original after every try) is not applied.
func relaxVerify(s State, ev Event) verdict {
	e, ok := ev.(PolicyRead)
	if !ok {
		return verdict{}
	}
	if e.Err != nil {
		return verdict{handled: true, readFailed: true, err: e.Err}
	}
	r := s.Run
	cur := e.Policy.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned
	if samePolicies(cur, r.UserConsent.Target) {
		return verdict{handled: true}
	}
	if samePolicies(cur, r.UserConsent.Original) && r.Writes.VerifyTries+1 >= MaxVerifyTries {
		return verdict{handled: true, notApplied: "Microsoft Graph answered the change with success, but the setting still reads \"" + portalName(cur) + "\". This happens in tenants where Microsoft manages consent settings. Nothing was changed."}
	}
	return verdict{handled: true, problem: "the setting reads \"" + strings.Join(cur, ", ") + "\""}
}

// relaxConnect: the user connects while user consent is relaxed; as soon as
// their consent appears (or the admin says so, or the window runs out), the
// setting is put back; "the user connected" looks once more first.
func relaxConnect(s State, ev Event) (State, []Effect) {
	if s.Run.relax.finalCheck {
		return finalChecked(s, ev)
	}
	switch e := ev.(type) {
	case DoneKey:
		return finalCheck(s)
	case Chose:
		switch {
		case e.Key == KeyRestore:
			return finalCheck(s)
		case e.Key == KeySimulate && s.Demo:
			return s, []Effect{simulateUser(s)}
		}
		return s, nil
	case UserSimulated:
		return userSimulated(s, e, "connect")
	case Back:
		return s, nil // going back would leave the setting relaxed; restore or cancel instead
	}
	s, effs, done, snap := pollEvent(s, ev, userGrantMissing)
	if done {
		s = userConnected(s, snap)
		return restoreAfterRelax(s)
	}
	return s, effs
}

// consented lists who consented while user consent was relaxed: the users
// of the app's new grants (by object id: Graph's grants name no more), and
// whether one was for the whole organization.
func consented(s State, snap *entra.TenantSnapshot) ([]string, bool) {
	old := map[string]bool{}
	if s.Snap != nil {
		for _, g := range s.Snap.AppGrants {
			old[strings.ToLower(g.ID)] = true
		}
	}
	var users []string
	all := false
	if snap != nil {
		for _, g := range snap.AppGrants {
			switch {
			case old[strings.ToLower(g.ID)]:
			case strings.EqualFold(g.ConsentType, "AllPrincipals"):
				all = true
			case g.PrincipalID != "" && !containsFold(users, g.PrincipalID):
				users = append(users, g.PrincipalID)
			}
		}
	}
	return users, all
}

// maxNamed is how many users whoConsented names before "and N more".
const maxNamed = 3

// whoConsented says who consented, at the start of a sentence: the users
// by name where users (read after the setting was put back: ReadUsers)
// holds them, the others by object id.
func whoConsented(ids []string, all bool, users []entra.User) string {
	if all {
		return "An administrator, for the whole organization,"
	}
	var named, unnamed []string
	for _, id := range ids {
		if n := userLabel(users, id); n != "" {
			named = append(named, n)
		} else {
			unnamed = append(unnamed, Sanitize(id, 64))
		}
	}
	byID := func(ids []string, first string) string {
		switch len(ids) {
		case 0:
			return "A user"
		case 1:
			return first + " user (object id " + ids[0] + ")"
		}
		return countNoun(len(ids), "user", "users") + " (object ids " + strings.Join(ids, ", ") + ")"
	}
	if len(named) == 0 {
		return byID(unnamed, "One")
	}
	parts := named[:min(len(named), maxNamed)]
	switch {
	case len(named) > maxNamed:
		parts = append(parts, strconv.Itoa(len(ids)-maxNamed)+" more")
	case len(unnamed) > 0:
		parts = append(parts, byID(unnamed, "one"))
	}
	return joinAnd(parts)
}

// userLabel names the user with object id id, "Megan Bowen (megan@contoso.com)",
// or is "" when users does not hold them.
func userLabel(users []entra.User, id string) string {
	for _, u := range users {
		if !strings.EqualFold(u.ID, id) {
			continue
		}
		name := strings.TrimSpace(Sanitize(u.DisplayName, 64))
		upn := strings.TrimSpace(Sanitize(u.UserPrincipalName, 120))
		switch {
		case name != "" && upn != "":
			return name + " (" + upn + ")"
		case name != "":
			return name
		}
		return upn
	}
	return ""
}

// relaxDone: relaxing helps only the users who consented while it lasted
// (review ux H1). Someone did: say who, and offer to grant for everyone.
// (Nobody did: notFixed ends the fix, users are still blocked.)
func relaxDone(s State) (State, []Effect, bool) {
	r := s.Run
	switch {
	case r.relax.connected == "":
		return s, nil, false // not fixed (notFixed)
	case !r.relax.connectedAll && !r.relax.nextOffered:
		r.relax.nextOffered = true
		s.Step = StepRelaxNext
		var effs []Effect
		if len(r.relax.connectedIDs) > 0 {
			// The setting is put back (or left for `consentwiz restore`):
			// reading who they are now delays nothing.
			effs = append(effs, ReadUsers{Tenant: s.target(), IDs: clone(r.relax.connectedIDs)})
		}
		if s.staleDiag && s.Diagnosis != nil {
			// The choices come from the diagnosis, read before the user's
			// consent (which may have added the app to the tenant) and the
			// change: read it again first, so they say what is true now.
			r.relax.rereading = true
			effs = append(effs, diagnoseEffect(s))
		}
		return s, effs, true
	}
	return s, nil, false
}

// relaxNext: the others are blocked again; grant for everyone, or finish.
// The names of who connected may arrive meanwhile.
func relaxNext(s State, ev Event) (State, []Effect) {
	r := s.Run
	switch e := ev.(type) {
	case UsersRead:
		return usersNamed(s, e), nil
	case SnapshotLoaded:
		if !r.relax.rereading {
			return s, nil
		}
		r.relax.rereading = false
		if e.Err != nil || e.Snap == nil || e.Diagnosis == nil {
			r.relax.rereadErr = errText(e.Err)
			return s, nil
		}
		return withRead(s, e), nil
	}
	e, ok := ev.(Chose)
	if !ok || r.relax.rereading {
		return s, nil
	}
	switch e.Key {
	case KeyStop:
		return finishVerified(s)
	case FixKey(FixAdminLink), FixKey(FixGrantDirect):
		if f, ok := s.Diagnosis.Fix(FixID(e.Key)); ok && f.Viable {
			// The journey goes on: the new fix's steps are numbered after
			// the relax steps, not from 5 again.
			done := s.fix().phases(s)
			s, effs := startFix(toChecklist(s), f.ID)
			if s.Run != nil {
				s.Run.after = done
			}
			return s, effs
		}
	}
	return s, nil
}

// usersNamed names who connected, where their names could be read, on the
// question, in the summary and in the change log. A read that failed keeps
// their object ids.
func usersNamed(s State, e UsersRead) State {
	r := s.Run
	if e.Err != nil || len(e.Users) == 0 {
		return s
	}
	r.relax.connected = whoConsented(r.relax.connectedIDs, r.relax.connectedAll, e.Users)
	if i := r.relax.connectedLog - 1; i >= 0 && i < len(s.Changes) {
		s.Changes = clone(s.Changes)
		s.Changes[i].What = connectedWhat(s)
	}
	return s
}

// relaxSummary says who connected while user consent was relaxed, and that
// the others are blocked again now that the setting is back.
func relaxSummary(s State) string {
	r := s.Run
	back := "the user consent setting is back to what it was"
	switch {
	case r.Writes.journalKept:
		back = "the user consent setting was NOT put back yet: the saved value stays in the journal; run `consentwiz restore`"
	case r.Writes.keptOther:
		back = "someone else changed the user consent setting meanwhile; it was kept as they set it, not put back to the original"
	}
	switch {
	case r.relax.connected == "" && r.window.out:
		return "The window of " + durationText(r.window.length) + " ran out before anyone consented to " + appName(s) + ", and " + back + ": users are still blocked. " +
			"Grant consent for everyone instead: the admin consent link (admin-link) or grant-direct."
	case r.relax.connected == "":
		return "Nobody consented to " + appName(s) + " while user consent was relaxed, and " + back + ": users are still blocked. " +
			"Grant consent for everyone instead: the admin consent link (admin-link) or grant-direct."
	case r.relax.connectedAll:
		return r.relax.connected + " consented to " + appName(s) + " while user consent was relaxed, so every user gets in; " + back + "."
	}
	return r.relax.connected + " connected " + appName(s) + " while user consent was relaxed; " + back + ". " +
		"Other users are blocked again unless they connected in that window: to let everyone in, grant consent for everyone (admin-link or grant-direct)."
}

func relaxNextPrompt(s State) Prompt {
	r := s.Run
	p := Prompt{Kind: PromptChoice, Title: r.relax.connected + " connected; other users are still blocked",
		Body: "Relaxing user consent helped only whoever connected while it lasted. Now that the setting is back, everyone else gets \"Need admin approval\" again. Granting consent for everyone ends that."}
	if r.relax.rereading {
		// Who connected is named on the question itself, once their names
		// are read: this title stays the same meanwhile (the line mode
		// prints a prompt again when it changes).
		return Prompt{Kind: PromptProgress, Title: "Reading the tenant again",
			Body: "The temporary change and the user's consent changed the tenant (their consent may have added the app to it): the next choices start from what is there now. This takes a few seconds."}
	}
	if r.relax.rereadErr != "" {
		p.Body = note(p.Body, "Could not read the tenant again ("+r.relax.rereadErr+"): the choices below are from the earlier read. A grant through Microsoft Graph reads the app again before its preview.")
	}
	for _, id := range []FixID{FixAdminLink, FixGrantDirect} {
		f, ok := s.Diagnosis.Fix(id)
		if !ok {
			continue
		}
		o := Option{Key: FixKey(id), Label: "Grant for everyone: " + f.Title, Detail: f.Reason, Disabled: !f.Viable}
		if !f.Viable {
			o.Reason = f.Reason
		}
		p.Options = append(p.Options, o)
	}
	p.Options = append(p.Options, Option{Key: KeyStop, Label: "Finish here", Detail: "other users stay blocked for now"})
	return p
}

// userConnected notes who consented (snap: the tenant read that showed it,
// merged into the snapshot) in the run and in the change log. The snapshot
// is now that read: the user's consent made the app's service principal,
// and a grant for everyone that follows must grant on it (an app has one
// service principal in a tenant: creating a second one fails). The full
// re-read before the next choices (relaxNextPrompt's "Reading the tenant
// again") replaces it; this read is what stays true when that one fails.
func userConnected(s State, snap *entra.TenantSnapshot) State {
	r := s.Run
	r.relax.connectedIDs, r.relax.connectedAll = consented(s, snap)
	r.relax.connected = whoConsented(r.relax.connectedIDs, r.relax.connectedAll, nil)
	s = addChange(s, Change{What: connectedWhat(s), Before: "blocked",
		After: "consented: " + strings.Join(requestedScopes(s), " "), Verified: true, At: s.Now})
	r.relax.connectedLog = len(s.Changes)
	if snap != nil {
		s.Snap = snap // after consented, which compares it with the snapshot before
	}
	return s
}

// connectedWhat is the change log's line of who connected.
func connectedWhat(s State) string { return s.Run.relax.connected + " connected " + appName(s) }

// finalCheck looks once more for the user's consent before the setting is put
// back, so the outcome says truly whether a user got in.
func finalCheck(s State) (State, []Effect) {
	r := s.Run
	if r.relax.connected != "" {
		return restoreAfterRelax(s)
	}
	s = stopPolling(s)
	r.relax.finalCheck, r.Poll.InFlight = true, true
	return s, []Effect{pollGrant(s)}
}

// finalChecked takes the last look's answer and puts the setting back.
func finalChecked(s State, ev Event) (State, []Effect) {
	e, ok := ev.(Polled)
	if !ok {
		return s, nil // the setting goes back right after this read; nothing else now
	}
	s.Run.relax.finalCheck, s.Run.Poll.InFlight = false, false
	if snap := s.Snap.Merge(e.Snap); e.Err == nil && e.Snap != nil && userGrantMissing(s, snap) == nil {
		s = userConnected(s, snap)
	}
	return restoreAfterRelax(s)
}

// restoreAfterRelax puts the journaled setting back (the restore sub-machine).
func restoreAfterRelax(s State) (State, []Effect) {
	w := &s.Run.Writes
	s = closeWindow(s)
	if w.Journal == nil {
		w.committed = true
		return finishVerified(s)
	}
	j := *w.Journal
	s.Restore = &RestoreRun{Entry: &j, then: afterRestoreDone}
	return restoreRead(stopPolling(s))
}

// userGrantMissing reports the scopes no new grant of the app covers yet (a user's own
// consent counts, and so does tenant-wide consent).
func userGrantMissing(s State, snap *entra.TenantSnapshot) []string {
	old := map[string]bool{}
	if s.Snap != nil {
		for _, g := range s.Snap.AppGrants {
			if g.ConsentType != "AllPrincipals" {
				old[strings.ToLower(g.ID)] = true
			}
		}
	}
	return coverage(s, snap, requestedScopes(s), false, old)
}

func relaxPrompt(s State) Prompt {
	if s.Step == StepRelaxNext {
		return relaxNextPrompt(s)
	}
	body := "Ask the user to connect " + appName(s) + " now (sign in again and accept the consent prompt). consentwiz checks every few seconds for their consent and puts the setting back as soon as it appears. Only users who connect now get in: the others are blocked again once the setting is back."
	if s.Demo {
		body += "\n\nDemo: the simulated user tries to connect."
	}
	body = note(body, s.Run.Poll.Simulated)
	body = note(body, windowNote(s, "puts the setting back"))
	if s.Run.relax.finalCheck {
		body = note(body, "Checking once more for the user's consent, then putting the setting back.")
	}
	p := Prompt{Kind: PromptProgress, Title: "The user connects now", Body: body, Note: pollNote(s), CanDone: true, DoneLabel: "The user connected — check and put the setting back",
		Options: []Option{{Key: KeyRestore, Label: "Put the setting back now"}}}
	if s.Demo {
		p.Options = append(p.Options, Option{Key: KeySimulate, Label: "Have the simulated user try again"})
	}
	return p
}

// --- hand-off -------------------------------------------------------------------

// userConsentHandoff: change the user consent settings by hand, temporarily
// (or lastingly, with classified permissions).
func userConsentHandoff(b *handoffBuilder) HandoffFix {
	cur := ""
	if b.d != nil && b.d.UserConsent.PortalName != "" {
		cur = b.d.UserConsent.PortalName
	}
	f := HandoffFix{Key: HandoffUserConsent, Fix: FixRelaxUserConsent, Title: "Change the user consent settings",
		Summary: "Lets users consent to " + b.h.AppName + " themselves. This is a tenant-wide change; prefer the consent link.",
		Role:    "Global Administrator in the admin center (Privileged Role Administrator through Microsoft Graph)",
		Link:    HandoffLink{Label: "User consent settings", URL: b.portal(LinkUserConsentSettings)},
		Steps: []string{
			"Open the link (" + navUserConsent + ") and note the current choice under \"User consent for applications\"" +
				iff(cur != "", " (now: \""+cur+"\")", "") + ".",
			"Temporarily choose \"" + PortalNameManaged + "\" and select Save.",
			"Ask the user to connect " + b.h.AppName + " and accept the consent prompt.",
			"Put the previous choice back and select Save.",
			"Or, for a lasting change: choose \"" + PortalNameLow + "\" and classify the app's permissions as low impact under " + navClassifications + ".",
		}}
	var blocked []string
	for _, p := range b.h.Permissions {
		if p.ManagedBlocked {
			blocked = append(blocked, p.Name)
		}
	}
	switch {
	case b.d == nil && strings.EqualFold(b.in.App.Prompt, "admin_consent"):
		// The sign-in URL asks for admin consent every time: no user
		// consent setting lets users past it.
		f.Caution = "Will not help: the app's sign-in URL forces prompt=admin_consent, so users are asked for an administrator's approval whatever user consent allows. Use the consent link, or ask the vendor to stop sending prompt=admin_consent."
	case b.d == nil && len(blocked) > 0:
		f.Caution = "Likely not enough: Microsoft's managed policy has excluded " + strings.Join(blocked, ", ") +
			" from user consent since 2025, so users still need admin approval for " + itThem(len(blocked)) + "."
	case b.d == nil:
		f.Caution = "Admin-only permissions, application permissions and apps that require assignment always need admin consent."
	}
	return f
}

// userConsentHandoffCheck: the section works when relaxing works, or else
// when classifying the permissions low does (then it names that fix).
func userConsentHandoffCheck(b *handoffBuilder, f *HandoffFix) bool {
	d := b.d
	relax, ok1 := d.Fix(FixRelaxUserConsent)
	low, ok2 := d.Fix(FixClassifyLow)
	if !ok1 && !ok2 {
		return true
	}
	f.Checked = true
	f.Viable = relax.Viable || low.Viable
	switch {
	case relax.Viable:
		f.Reason = Sanitize(relax.Reason, 400)
	case low.Viable:
		f.Fix = FixClassifyLow
		f.Reason = Sanitize(low.Reason, 400)
	default:
		f.Reason = Sanitize(relax.Reason, 400)
	}
	return true
}

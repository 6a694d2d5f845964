package flows

import (
	"consentwiz/graph/entra"
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
		return []string{"Get permission to change the setting", "Review the temporary change", "Let users consent for now", "Connect the app", "Put the setting back"}
	},
	stepNo: func(s State) int {
		switch {
		case s.Step == StepRelaxConnect:
			return 8
		case isRestoreStep(s.Step) && s.Restore != nil && s.Restore.then == afterRestoreDone:
			return 9
		}
		return 0
	},
	begin:      readUserConsent,
	selfPolicy: entra.PolicyManagedRecommended,
	plan: func(s State) ([]Effect, *Failure) {
		r := s.Run
		if samePolicies(r.OriginalPolicy, r.TargetPolicy) {
			return nil, &Failure{
				Title:  "User consent is already set this way",
				Reason: "The setting is already \"" + portalName(r.OriginalPolicy) + "\", so changing it cannot help.",
				AltFix: altFix(s),
			}
		}
		return []Effect{patchUserConsent(s)}, nil
	},
	preview: func(State) (string, string) {
		return "Review the temporary change", "User consent is set to \"Let Microsoft manage your consent settings\" only while the user connects; then consentwiz writes back exactly the original value (kept in a journal first) and checks it. Other entries (group, team and developer consent) stay as they are."
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
	summary: func(s State) string {
		// The end-of-fix restore may not have put the original back: say so.
		switch {
		case s.Run.journalKept:
			return "Users could consent to " + appName(s) + ". The user consent setting was NOT put back yet: the saved value stays in the journal; run `consentwiz restore`."
		case s.Run.keptOther:
			return "Users could consent to " + appName(s) + ". Someone else changed the user consent setting meanwhile; it was kept as they set it, not put back to the original."
		}
		return "Users could consent to " + appName(s) + "; the user consent setting is back to what it was."
	},
	notFixed: func(s State) string {
		r := s.Run
		if r.grantSeen {
			return ""
		}
		why := "No user consented to " + appName(s) + " while user consent was relaxed, so users are still blocked."
		if r.window.out {
			why = "The window of " + durationText(r.window.length) + " ran out before a user consented to " + appName(s) + ", so users are still blocked."
		}
		switch {
		case r.journalKept:
			return why + " The user consent setting was NOT put back yet: the saved value stays in the journal; run `consentwiz restore`."
		case r.keptOther:
			return why + " Someone else changed the user consent setting meanwhile; it was kept as they set it."
		}
		return why + " The user consent setting is back to what it was."
	},
	steps: []StepID{StepRelaxConnect},
	step: func(s State, ev Event) (State, []Effect) {
		return inWindow(s, ev, relaxConnect, func(s State, _ Event) (State, []Effect) { return finalCheck(s) })
	},
	prompt:       relaxPrompt,
	handoffRank:  4,
	handoff:      func(b *handoffBuilder) []HandoffFix { return []HandoffFix{userConsentHandoff(b)} },
	handoffKey:   func(*handoffBuilder) string { return HandoffUserConsent },
	handoffCheck: userConsentHandoffCheck,
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
	case !g.graphKnown:
		return notViable(f, "Microsoft Graph's permissions could not be read, so admin-only scopes cannot be ruled out")
	case len(g.blocked) > 0:
		return notViable(f, cannot+strings.Join(g.blocked, ", ")+" "+isAre(len(g.blocked))+" excluded by the Microsoft-managed policy")
	case g.d.UserConsent.Setting == ConsentMicrosoftManaged:
		return notViable(f, "user consent is already '"+PortalNameManaged+"'")
	}
	f.Reason = "switch user consent to '" + PortalNameManaged + "' while the user connects, then restore '" + g.d.UserConsent.PortalName + "' exactly"
	if !g.verified && !g.ownTenant {
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
	if samePolicies(cur, r.TargetPolicy) {
		return verdict{handled: true}
	}
	if samePolicies(cur, r.OriginalPolicy) && r.VerifyTries+1 >= MaxVerifyTries {
		return verdict{handled: true, notApplied: "Microsoft Graph answered the change with success, but the setting still reads \"" + portalName(cur) + "\". This happens in tenants where Microsoft manages consent settings. Nothing was changed."}
	}
	return verdict{handled: true, problem: "the setting reads \"" + strings.Join(cur, ", ") + "\""}
}

// relaxConnect: the user connects while user consent is relaxed; as soon as
// their consent appears (or the admin says so, or the window runs out), the
// setting is put back.
func relaxConnect(s State, ev Event) (State, []Effect) {
	if s.Run.finalCheck {
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
	s, effs, done, _ := pollEvent(s, ev, userGrantMissing)
	if done {
		s = userConnected(s)
		return restoreAfterRelax(s)
	}
	return s, effs
}

// userConnected notes the user's consent in the change log.
func userConnected(s State) State {
	s.Run.grantSeen = true
	return addChange(s, Change{What: "A user connected " + appName(s), Before: "blocked", After: "consented: " + strings.Join(requestedScopes(s), " "), Verified: true, At: s.Now})
}

// finalCheck looks once more for the user's consent before the setting is put
// back, so the outcome says truly whether a user got in.
func finalCheck(s State) (State, []Effect) {
	r := s.Run
	if r.grantSeen {
		return restoreAfterRelax(s)
	}
	s = stopPolling(s)
	r.finalCheck, r.PollInFlight = true, true
	return s, []Effect{pollGrant(s)}
}

// finalChecked takes the last look's answer and puts the setting back.
func finalChecked(s State, ev Event) (State, []Effect) {
	e, ok := ev.(Polled)
	if !ok {
		return s, nil // the setting goes back right after this read; nothing else now
	}
	s.Run.finalCheck, s.Run.PollInFlight = false, false
	if e.Err == nil && e.Snap != nil && userGrantMissing(s, e.Snap) == nil {
		s = userConnected(s)
	}
	return restoreAfterRelax(s)
}

// restoreAfterRelax puts the journaled setting back (the restore sub-machine).
func restoreAfterRelax(s State) (State, []Effect) {
	r := s.Run
	s = closeWindow(s)
	if r.Journal == nil {
		r.committed = true
		return finishVerified(s)
	}
	j := *r.Journal
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
	body := "Ask the user to connect " + appName(s) + " now (sign in again and accept the consent prompt). consentwiz checks every few seconds for their consent and puts the setting back as soon as it appears."
	if s.Demo {
		body += "\n\nDemo: the simulated user tries to connect."
	}
	body = note(body, s.Run.Simulated)
	body = note(body, windowNote(s, "puts the setting back"))
	if s.Run.finalCheck {
		body = note(body, "Checking once more for the user's consent, then putting the setting back.")
	}
	p := Prompt{Kind: PromptProgress, Title: "The user connects now", Body: note(body, pollNote(s)), CanDone: true, DoneLabel: "The user connected — put the setting back",
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
	if b.d == nil && len(blocked) > 0 {
		f.Caution = "Likely not enough: Microsoft's managed policy has excluded " + strings.Join(blocked, ", ") +
			" from user consent since 2025, so users still need admin approval for " + itThem(len(blocked)) + "."
	} else if b.d == nil {
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

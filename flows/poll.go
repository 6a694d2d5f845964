package flows

import (
	"consentwiz/graph/entra"
	"strings"
	"time"
)

// Polling: a fix waits for something outside the wizard (an admin approving
// in the browser, the user connecting or asking) by reading the tenant every
// few seconds. The user can say "done" to check at once: then the next read
// is final and says what is still missing.

// Polling is a fix run's wait for something outside the wizard: the read in
// flight, what the last one found, and how the wait ends.
type Polling struct {
	InFlight bool     // a read of the tenant is in flight
	Check    bool     // the user said "done": the next poll result is final
	Missing  []string // what the last final poll found missing
	Err      string   // the last poll's error, shown while polling goes on
	// Simulated is what the demo's simulated user saw.
	Simulated string

	every time.Duration
	eff   Effect       // PollGrant or PollRequests
	stop  *stopRequest // the admin stopped waiting: the poll in flight is the last look
}

// startPolling begins reading with eff (PollGrant or PollRequests) every so often.
func startPolling(s State, every time.Duration, eff Effect) (State, []Effect) {
	p := &s.Run.Poll
	s.PollSeq++
	p.InFlight, p.Check = false, false
	p.every, p.eff = every, eff
	return s, []Effect{Wait{D: every, Seq: s.PollSeq}}
}

// stopPolling makes the pending Wait's Tick and any poll in flight stale.
func stopPolling(s State) State {
	s.PollSeq++
	s.Run.Poll.InFlight = false
	return s
}

func pollGrant(s State) Effect    { return PollGrant{Tenant: s.target(), AppID: s.App.ClientID} }
func pollRequests(s State) Effect { return PollRequests{Tenant: s.target(), AppID: s.App.ClientID} }

// pollEvent handles Tick, Polled and DoneKey in a polling step. A poll reads
// only part of the tenant (graph.Client.PollApp, PollRequests): it is merged
// into the session's snapshot, so check sees the policies and Microsoft
// Graph's permissions read by the diagnosis. done reports whether the merged
// snapshot satisfied check (which returns what is still missing); snap is
// that snapshot, for the caller to keep.
//
// When the admin asked to stop (stopAfterCheck), the poll in flight is the
// last one: if it finds the wait is over, the caller goes on as usual;
// otherwise the wizard ends with the outcome the admin asked for.
func pollEvent(s State, ev Event, check func(State, *entra.TenantSnapshot) []string) (State, []Effect, bool, *entra.TenantSnapshot) {
	p := &s.Run.Poll
	switch e := ev.(type) {
	case Tick:
		if e.Seq != s.PollSeq || p.InFlight {
			return s, nil, false, nil
		}
		p.InFlight = true
		return s, []Effect{p.eff}, false, nil
	case DoneKey:
		p.Check = true
		if p.InFlight {
			return s, nil, false, nil
		}
		s.PollSeq++ // the pending Wait's Tick is now stale
		p.InFlight = true
		return s, []Effect{p.eff}, false, nil
	case Polled:
		if !p.InFlight {
			return s, nil, false, nil
		}
		p.InFlight = false
		if e.Err != nil || e.Snap == nil {
			if p.stop != nil {
				// The last look failed: stop as asked, saying so.
				s, effs := stopNow(s, "consentwiz could not check the tenant a last time ("+errText(e.Err)+").")
				return s, effs, false, nil
			}
			p.Err = "Could not check: " + errText(e.Err)
			s.PollSeq++
			d := p.every
			if entra.IsThrottled(e.Err) {
				d *= 2
			}
			return s, []Effect{Wait{D: d, Seq: s.PollSeq}}, false, nil
		}
		p.Err = ""
		snap := s.Snap.Merge(e.Snap)
		missing := check(s, snap)
		if missing == nil {
			p.Check = false
			p.Missing = nil
			p.stop = nil
			return s, nil, true, snap
		}
		if p.stop != nil {
			s, effs := stopNow(s, "")
			return s, effs, false, nil
		}
		if p.Check {
			p.Missing = missing
			p.Check = false
		}
		s.PollSeq++
		return s, []Effect{Wait{D: p.every, Seq: s.PollSeq}}, false, nil
	}
	return s, nil, false, nil
}

// stopRequest is how a polling step ends when the admin stops waiting.
type stopRequest struct {
	outcome Outcome
	// temporary: a temporary request workflow stops (the journal is kept).
	temporary bool
}

// stopAfterCheck ends a wait the admin stopped, after one more look at the
// tenant: consent given meanwhile (by another admin, or through a copied
// link) then ends the wait as verified, instead of "handed over" with
// "nothing was changed".
func stopAfterCheck(s State, stop stopRequest) (State, []Effect) {
	p := &s.Run.Poll
	p.stop = &stop
	p.Check = false
	if p.InFlight {
		return s, nil // its answer is the last look
	}
	s.PollSeq++ // the pending Wait's Tick is now stale
	p.InFlight = true
	return s, []Effect{p.eff}
}

// stopNow ends the wait as the admin asked; why says what went wrong with
// the last look, if anything.
func stopNow(s State, why string) (State, []Effect) {
	stop := *s.Run.Poll.stop
	s.Run.Poll.stop = nil
	s = stopPolling(s)
	if stop.temporary {
		return stopTemporary(s)
	}
	o := stop.outcome
	if why != "" {
		o.Summary = note(o.Summary, why)
	}
	return finish(s, o)
}

// pollNote says what the polling found so far (the elapsed time is the
// driver's to show: the spinner counts it live).
func pollNote(s State) string {
	r := s.Run
	var parts []string
	if r.Poll.stop != nil {
		parts = append(parts, "Checking the tenant once more before stopping…")
	}
	if len(r.Poll.Missing) > 0 {
		parts = append(parts, "Not there yet: "+strings.Join(r.Poll.Missing, ", ")+".")
	}
	if r.Poll.Err != "" {
		parts = append(parts, r.Poll.Err)
	}
	if r.Link.note != "" {
		parts = append(parts, r.Link.note)
	}
	return strings.Join(parts, " ")
}

// linkNote answers Opened and Copied for a link on screen: "" when it
// worked and needs no word (opening), else what happened and what to do
// instead, in one line. ok is false for other events.
func linkNote(ev Event) (note string, ok bool) {
	switch e := ev.(type) {
	case Opened:
		if e.Err != nil {
			return "No browser opened (" + e.Err.Error() + "): copy the link or save it.", true
		}
		return "", true
	case Copied:
		return copyNote(e, "Select the link on screen or save it to a file instead."), true
	}
	return "", false
}

// copyNote says truthfully what a copy did: the system clipboard is
// confirmed; the terminal's (OSC 52) is not.
func copyNote(e Copied, instead string) string {
	switch {
	case e.Err != nil:
		return "Could not copy (" + e.Err.Error() + "). " + instead
	case e.Terminal:
		return "Sent to the terminal's clipboard (OSC 52); not every terminal accepts it. " + instead
	}
	return "Copied to the clipboard."
}

// userSimulated notes what the demo's simulated user saw and polls the tenant
// at once for the result (their request, or their consent). verb names what
// they tried, for the error case.
func userSimulated(s State, e UserSimulated, verb string) (State, []Effect) {
	p := &s.Run.Poll
	if e.Err != nil {
		p.Simulated = "The simulated user could not " + verb + ": " + e.Err.Error()
	} else {
		p.Simulated = "The user saw: " + screenName(e.Screen)
		if e.Detail != "" {
			p.Simulated += " (" + e.Detail + ")"
		}
	}
	if !p.InFlight {
		s.PollSeq++
		p.InFlight = true
		return s, []Effect{p.eff}
	}
	return s, nil
}

func screenName(sc string) string {
	switch sc {
	case ScreenConsentPrompt:
		return "the consent prompt (they can accept)"
	case ScreenNeedAdminApproval:
		return "\"Need admin approval\""
	case ScreenApprovalRequired:
		return "\"Approval required\""
	case ScreenNotAssigned:
		return "\"not assigned to this app\""
	case ScreenNone:
		return "straight in (no prompt)"
	}
	return sc
}

// --- grants and coverage -----------------------------------------------------------------

// graphSPID is Microsoft Graph's service principal in the tenant.
func graphSPID(s State, snap *entra.TenantSnapshot) string {
	if s.Snap != nil && s.Snap.GraphSP.ID != "" {
		return s.Snap.GraphSP.ID
	}
	if snap != nil {
		return snap.GraphSP.ID
	}
	return ""
}

// coverage returns what snap's grants of the app still lack for scopes, or nil when
// covered. allOnly counts only AllPrincipals grants; skip lists grant ids to ignore.
func coverage(s State, snap *entra.TenantSnapshot, scopes []string, allOnly bool, skip map[string]bool) []string {
	if snap == nil || snap.App == nil {
		// Not in the tenant yet: nothing is granted. OpenID Connect scopes
		// need no grant of their own (below): they are never "missing".
		var missing []string
		for _, sc := range scopes {
			if !oidcScope(sc) {
				missing = append(missing, sc)
			}
		}
		if len(missing) == 0 {
			return []string{"admin consent"}
		}
		return missing
	}
	res := graphSPID(s, snap)
	var granted []string
	any := false
	for _, g := range snap.AppGrants {
		if !strings.EqualFold(g.ClientID, snap.App.ID) || skip[strings.ToLower(g.ID)] {
			continue
		}
		if allOnly && g.ConsentType != "AllPrincipals" {
			continue
		}
		if res != "" && g.ResourceID != "" && !strings.EqualFold(g.ResourceID, res) {
			continue
		}
		any = true
		granted = append(granted, strings.Fields(g.Scope)...)
	}
	var missing []string
	if len(scopes) == 0 && !any {
		missing = append(missing, "admin consent")
	}
	for _, sc := range scopes {
		// OpenID Connect scopes (offline_access, openid, profile, email) need no
		// grant of their own to let the user in; the diagnosis ignores them too.
		if oidcScope(sc) {
			continue
		}
		if !containsFold(granted, sc) {
			missing = append(missing, sc)
		}
	}
	if allOnly {
		missing = append(missing, rolesMissing(s, snap)...)
	}
	if len(missing) == 0 {
		return nil
	}
	return missing
}

// grantMissing is what tenant-wide admin consent still lacks.
func grantMissing(s State, snap *entra.TenantSnapshot) []string {
	return coverage(s, snap, requestedScopes(s), true, nil)
}

func appRolesNeeded(s State) []string {
	if s.Diagnosis != nil {
		return clone(s.Diagnosis.Scopes.AppRolesMissing)
	}
	return clone(s.App.AppRoles)
}

func appRoleID(s State, name string) string {
	if s.Snap == nil {
		return ""
	}
	for _, r := range s.Snap.GraphSP.AppRoles {
		if strings.EqualFold(r.Value, name) {
			return r.ID
		}
	}
	return ""
}

func rolesMissing(s State, snap *entra.TenantSnapshot) []string {
	var out []string
	for _, name := range appRolesNeeded(s) {
		id := appRoleID(s, name)
		if id == "" {
			continue
		}
		found := false
		for _, a := range snap.AppRoleAssignments {
			if strings.EqualFold(a.AppRoleID, id) {
				found = true
			}
		}
		if !found {
			out = append(out, name+" (application)")
		}
	}
	return out
}

// oidcScope reports whether sc is an OpenID Connect scope rather than an API permission.
func oidcScope(sc string) bool {
	switch strings.ToLower(sc) {
	case "offline_access", "openid", "profile", "email":
		return true
	}
	return false
}

package ui

import (
	"strings"
	"testing"

	"consentwiz/flows"
	"consentwiz/graph/entra"
	"consentwiz/graph/sim"
)

// TestSafetyRelaxRoundTrip: relax-user-consent through the real Runner
// journals the full original before the PATCH, reads the change back, and at
// the end writes the original back exactly (order and owned-resource entries
// included), verifies it and clears the journal.
func TestSafetyRelaxRoundTrip(t *testing.T) {
	rig := newSimRig(t, sim.Options{})
	orig := rig.policy()
	if len(orig) == 0 {
		t.Fatal("the locked-down scenario should keep owned-resource entries")
	}
	h := rig.start(rig.input(timesheetsApp(), false))
	h.toPreview(flows.FixRelaxUserConsent)
	var journalAtPatch []flows.JournalEntry
	h.before = func(e flows.Effect) {
		if _, ok := e.(flows.PatchUserConsent); ok && journalAtPatch == nil {
			journalAtPatch = h.pending()
		}
	}
	h.send(flows.Confirmed{})
	h.requireStep(flows.StepRelaxConnect)
	if len(journalAtPatch) != 1 || !equalStrings(journalAtPatch[0].Original, orig) {
		t.Fatalf("journal at the PATCH = %+v, want one entry with the original %v", journalAtPatch, orig)
	}
	relaxed := rig.policy()
	if !containsFoldUI(relaxed, entra.SelfConsentPrefix+entra.PolicyManagedRecommended) {
		t.Fatalf("the tenant was not relaxed: %v", relaxed)
	}
	for _, o := range orig {
		if !containsFoldUI(relaxed, o) {
			t.Errorf("relaxing dropped %q: %v", o, relaxed)
		}
	}
	rig.userAccepts(timesheetsApp())
	h.choose("restore")
	// The user consented while it lasted: the setting is back, and the
	// wizard says the others are still blocked and offers to grant for
	// everyone; finishing here is the fix verified for that user.
	h.requireStep(flows.StepRelaxNext)
	h.choose("stop")
	if h.out == nil || h.out.Kind != flows.OutcomeVerified {
		t.Fatalf("outcome = %+v, step %s", h.out, h.s.Step)
	}
	if got := rig.policy(); !equalStrings(got, orig) {
		t.Fatalf("restored %v, want exactly %v", got, orig)
	}
	if p := h.pending(); len(p) != 0 {
		t.Fatalf("journal not cleared: %+v", p)
	}
}

func containsFoldUI(list []string, v string) bool {
	for _, x := range list {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}

// relaxAndCrash runs relax-user-consent up to "the user connects now" and
// abandons the run there, as a crash would: the tenant is relaxed and the
// journal holds the original.
func relaxAndCrash(t *testing.T, rig *simRig) (orig []string, entry flows.JournalEntry) {
	t.Helper()
	orig = rig.policy()
	h := rig.start(rig.input(timesheetsApp(), false))
	h.toPreview(flows.FixRelaxUserConsent)
	h.send(flows.Confirmed{})
	h.requireStep(flows.StepRelaxConnect)
	p := h.pending()
	if len(p) != 1 {
		t.Fatalf("journal = %+v", p)
	}
	rig.newRunner() // the next process
	return orig, p[0]
}

// otherAdminValue is what another admin sets meanwhile: low-impact user
// consent, keeping the owned-resource entries.
func otherAdminValue(orig []string) []string {
	return append([]string{entra.SelfConsentPrefix + entra.PolicyLow}, orig...)
}

// TestSafetyRestoreConflict: with a journal pending, another admin changes the
// setting. Restore reads it, writes nothing, shows the original, what
// consentwiz set and the current value, and asks. "keep" leaves the other
// admin's value and clears the entry; "later" keeps the entry; "original"
// puts the original back only because the admin said so.
func TestSafetyRestoreConflict(t *testing.T) {
	for _, answer := range []flows.OptionKey{flows.KeyKeep, flows.KeyLater, flows.KeyOriginal} {
		t.Run(string(answer), func(t *testing.T) {
			rig := newSimRig(t, sim.Options{})
			orig, entry := relaxAndCrash(t, rig)
			other := otherAdminValue(orig)
			rig.srv.Tenant().SetUserConsentPolicies(other)

			in := rig.input(flows.AppRef{}, false)
			in.RestoreOnly = true
			h := rig.start(in)
			h.requireStep(flows.StepRestoreOffer)
			h.choose("restore")
			h.requireStep(flows.StepRestoreConflict)
			if w := h.writes(); len(w) != 0 {
				t.Fatalf("restore wrote before asking: %+v", w)
			}
			pv := h.s.Prompt.Preview
			if len(pv) != 3 {
				t.Fatalf("conflict shows %d values, want 3: %+v", len(pv), pv)
			}
			for i, want := range [][]string{entry.Original, entry.Set, other} {
				for _, v := range want {
					if !strings.Contains(pv[i].After, v) {
						t.Errorf("value %d (%s) lacks %q: %s", i, pv[i].Label, v, pv[i].After)
					}
				}
			}
			h.choose(answer)
			if h.out == nil {
				t.Fatalf("no outcome at step %s", h.s.Step)
			}
			got, pending := rig.policy(), h.pending()
			switch answer {
			case "keep":
				if !equalStrings(got, other) || len(pending) != 0 || len(h.writes()) != 0 {
					t.Fatalf("keep: tenant %v, journal %+v, writes %+v", got, pending, h.writes())
				}
				if h.out.Kind != flows.OutcomeRestored || strings.Contains(h.out.Summary, "back to what it was") {
					t.Errorf("keep: outcome %s %q must not claim the original is back", h.out.Kind, h.out.Summary)
				}
			case "later":
				if !equalStrings(got, other) || len(pending) != 1 || pending[0].ID != entry.ID || !h.out.JournalKept {
					t.Fatalf("later: tenant %v, journal %+v, outcome %+v", got, pending, h.out)
				}
				if h.out.Kind != flows.OutcomeRestoreNeeded {
					t.Errorf("later: outcome %s", h.out.Kind)
				}
			case "original":
				if !equalStrings(got, orig) || len(pending) != 0 || h.out.Kind != flows.OutcomeRestored {
					t.Fatalf("original: tenant %v, journal %+v, outcome %+v", got, pending, h.out)
				}
			}
		})
	}
}

// TestSafetyConcurrentChangeDuringRelax: the sim's ConcurrentChange fault has
// another admin change the setting right after consentwiz's PATCH. The
// read-back does not match, so the wizard does not report success; undoing
// finds the other admin's value and asks instead of overwriting it.
func TestSafetyConcurrentChangeDuringRelax(t *testing.T) {
	rig := newSimRig(t, sim.Options{})
	orig := rig.policy()
	h := rig.start(rig.input(timesheetsApp(), false))
	h.toPreview(flows.FixRelaxUserConsent)
	rig.srv.SetFaults(sim.Faults{ConcurrentChange: true})
	h.send(flows.Confirmed{})
	h.requireStep(flows.StepFailed)
	if h.out != nil {
		t.Fatalf("finished with %+v", h.out)
	}
	other := rig.policy()
	if equalStrings(other, orig) || containsFoldUI(other, entra.SelfConsentPrefix+entra.PolicyManagedRecommended) {
		t.Fatalf("the fault did not apply: %v", other)
	}
	if p := h.pending(); len(p) != 1 {
		t.Fatalf("journal = %+v", p)
	}
	nWrites := len(h.writes())
	h.choose("undo")
	h.requireStep(flows.StepRestoreConflict)
	if len(h.writes()) != nWrites {
		t.Fatalf("undo wrote before asking: %+v", h.writes()[nWrites:])
	}
	if len(h.s.Prompt.Preview) != 3 || !strings.Contains(h.s.Prompt.Preview[2].After, entra.PolicyLow) {
		t.Fatalf("conflict preview: %+v", h.s.Prompt.Preview)
	}
	h.choose("keep")
	if got := rig.policy(); !equalStrings(got, other) {
		t.Fatalf("keep overwrote the other admin's value: %v", got)
	}
	if p := h.pending(); len(p) != 0 {
		t.Fatalf("journal not cleared: %+v", p)
	}
	if h.out == nil {
		h.requireStep(flows.StepFailed)
		h.choose("quit")
	}
	if h.out == nil || h.out.Kind == flows.OutcomeVerified {
		t.Fatalf("outcome %+v", h.out)
	}
}

// TestSafetyConcurrentChangeWhileConnecting: another admin changes the setting
// while the user connects; the end-of-fix restore asks, and "keep" does not
// claim that the setting is back.
func TestSafetyConcurrentChangeWhileConnecting(t *testing.T) {
	for _, answer := range []flows.OptionKey{flows.KeyKeep, flows.KeyLater} {
		t.Run(string(answer), func(t *testing.T) {
			rig := newSimRig(t, sim.Options{})
			orig := rig.policy()
			h := rig.start(rig.input(timesheetsApp(), false))
			h.toPreview(flows.FixRelaxUserConsent)
			h.send(flows.Confirmed{})
			h.requireStep(flows.StepRelaxConnect)
			other := otherAdminValue(orig)
			rig.srv.Tenant().SetUserConsentPolicies(other)
			h.choose("restore")
			h.requireStep(flows.StepRestoreConflict)
			h.choose(answer)
			if h.out == nil {
				t.Fatalf("no outcome at %s", h.s.Step)
			}
			if got := rig.policy(); !equalStrings(got, other) {
				t.Fatalf("tenant %v, want the other admin's %v", got, other)
			}
			if strings.Contains(h.out.Summary, "back to what it was") {
				t.Errorf("summary claims the setting is back: %q", h.out.Summary)
			}
			pending := h.pending()
			if answer == "later" && (len(pending) != 1 || !h.out.JournalKept) {
				t.Errorf("later: journal %+v, outcome %+v", pending, h.out)
			}
			if answer == "keep" && len(pending) != 0 {
				t.Errorf("keep: journal %+v", pending)
			}
		})
	}
}

// TestSafetyIgnoredWrite: the service answers the PATCH 204 but changes
// nothing (docs/entra.md A1). The wizard says "accepted but not applied", not
// success, and leaves no journal entry.
func TestSafetyIgnoredWrite(t *testing.T) {
	rig := newSimRig(t, sim.Options{IgnoreAuthorizationPolicyWrites: true})
	orig := rig.policy()
	h := rig.start(rig.input(timesheetsApp(), false))
	h.toPreview(flows.FixRelaxUserConsent)
	h.send(flows.Confirmed{})
	h.requireStep(flows.StepFailed)
	if h.s.Failure.Outcome != flows.OutcomeNotApplied || !strings.Contains(h.s.Failure.Title, "did not apply") {
		t.Fatalf("failure %+v", h.s.Failure)
	}
	if p := h.pending(); len(p) != 0 {
		t.Fatalf("journal left: %+v", p)
	}
	h.choose("quit")
	if h.out == nil || h.out.Kind != flows.OutcomeNotApplied || h.out.JournalKept {
		t.Fatalf("outcome %+v", h.out)
	}
	for _, c := range h.out.Changes {
		if c.Verified {
			t.Errorf("change reported as verified: %+v", c)
		}
	}
	if got := rig.policy(); !equalStrings(got, orig) {
		t.Fatalf("tenant %v", got)
	}
}

// TestSafetyRestoreTwoTenants: entries of two tenants are pending. Each is
// restored in its own tenant: the second restore must sign in to the second
// tenant, not read and write the first one's setting.
func TestSafetyRestoreTwoTenants(t *testing.T) {
	rig := newSimRig(t, sim.Options{})
	tb, err := rig.srv.AddTenant("locked-down")
	if err != nil {
		t.Fatal(err)
	}
	ta := rig.srv.Tenant()
	pol := func(tn *sim.Tenant) []string {
		return tn.AuthorizationPolicy().DefaultUserRolePermissions.PermissionGrantPoliciesAssigned
	}
	// B differs from A, so that a restore in the wrong tenant shows.
	origB := append([]string{entra.SelfConsentPrefix + entra.PolicyLow}, pol(tb)...)
	tb.SetUserConsentPolicies(origB)
	origA := pol(ta)
	for _, tn := range []*sim.Tenant{ta, tb} {
		in := rig.input(timesheetsApp(), false)
		in.Journal, in.Tenant = nil, tn.Domain()
		h := rig.start(in)
		h.toPreview(flows.FixRelaxUserConsent)
		h.send(flows.Confirmed{})
		h.requireStep(flows.StepRelaxConnect)
		rig.newRunner()
	}
	if p, _ := rig.journal.Pending(""); len(p) != 2 || p[0].TenantID == p[1].TenantID {
		t.Fatalf("journal = %+v", p)
	}
	in := rig.input(flows.AppRef{}, false)
	in.RestoreOnly = true
	h := rig.start(in)
	for i := 0; i < 2; i++ {
		h.requireStep(flows.StepRestoreOffer)
		h.choose("restore")
	}
	if h.out == nil || h.out.Kind != flows.OutcomeRestored {
		t.Fatalf("outcome %+v at %s", h.out, h.s.Step)
	}
	if got := pol(ta); !equalStrings(got, origA) {
		t.Errorf("tenant A = %v, want %v", got, origA)
	}
	if got := pol(tb); !equalStrings(got, origB) {
		t.Errorf("tenant B = %v, want %v", got, origB)
	}
	if p := h.pending(); len(p) != 0 {
		t.Errorf("journal left: %+v", p)
	}
}

// TestSafetyConcurrentChangeDuringRestore: another admin changes the setting
// right after consentwiz wrote the original back. The read-back does not
// match; "Try again" must read and compare again — showing the three values —
// instead of writing the original over the other admin's change.
func TestSafetyConcurrentChangeDuringRestore(t *testing.T) {
	rig := newSimRig(t, sim.Options{})
	h := rig.start(rig.input(timesheetsApp(), false))
	h.toPreview(flows.FixRelaxUserConsent)
	h.send(flows.Confirmed{})
	h.requireStep(flows.StepRelaxConnect)
	rig.srv.SetFaults(sim.Faults{ConcurrentChange: true})
	h.choose("restore")
	h.requireStep(flows.StepFailed)
	other := rig.policy()
	if p := h.pending(); len(p) != 1 || equalStrings(other, p[0].Original) {
		t.Fatalf("tenant %v, journal %+v", other, p)
	}
	n := len(h.writes())
	h.choose("retry")
	if len(h.writes()) != n {
		t.Fatalf("retry wrote the original over the other admin's change: %+v", h.writes()[n:])
	}
	h.requireStep(flows.StepRestoreConflict)
	h.choose("keep")
	if got := rig.policy(); !equalStrings(got, other) {
		t.Fatalf("tenant %v, want %v", got, other)
	}
	if h.out == nil || strings.Contains(h.out.Summary, "back to what it was") || len(h.pending()) != 0 {
		t.Fatalf("outcome %+v, journal %+v", h.out, h.pending())
	}
}

package flows

import (
	"consentwiz/graph/entra"
	"slices"
	"strings"
	"testing"
)

// A sixth fix is one descriptor and one registry entry: registered here (as
// fix.go's init would), it is diagnosed, offered, numbered, signed in for,
// previewed, written, verified, undone on cancel and handed off, with no
// other change to the core.
func TestASixthFixNeedsOnlyTheRegistry(t *testing.T) {
	const id FixID = "classify-one"
	sixth := &fix{
		id:     id,
		role:   NeedsCloudAppAdmin,
		scopes: []string{entra.ScopePolicyReadWritePermissionGrant},
		viable: func(g *diag) FixOption {
			return FixOption{ID: id, Title: "Classify User.Read as low impact", Viable: true, Writes: true, Reason: "one classification", NeedsRole: NeedsCloudAppAdmin}
		},
		rank:         0, // recommended first when viable
		recommendWhy: func(*Diagnosis) string { return "One classification is enough." },
		phases:       func(State) []string { return []string{"Get permission", "Review", "Apply"} },
		begin: func(s State) (State, []Effect) {
			s.Run.Writes.Plan = []Effect{CreateClassification{Tenant: s.target(), ResourceID: wzTGraphSP,
				Classification: entra.DelegatedPermissionClassification{PermissionID: "scope-user-read", PermissionName: "User.Read", Classification: "low"}}}
			s.Step = StepPreview
			return s, nil
		},
		preview:    func(State) (string, string) { return "Review the classification", "One permission is classified." },
		verifyRead: readBackSnapshot,
		verify: func(s State, ev Event) verdict {
			return snapshotVerdict(ev, func(snap *entra.TenantSnapshot) string { return classifyMismatch(s, snap) })
		},
		summary:     func(s State) string { return "User.Read is classified low." },
		handoffRank: 5,
		handoff: func(b *handoffBuilder) []HandoffFix {
			return []HandoffFix{{Key: "classify-one", Fix: id, Title: "Classify User.Read", Summary: "…", Role: NeedsCloudAppAdmin}}
		},
		handoffKey: func(*handoffBuilder) string { return "classify-one" },
	}
	saved, savedAll := fixes, AllFixes
	fixes, AllFixes = append(slices.Clone(fixes), sixth), append(slices.Clone(AllFixes), id)
	t.Cleanup(func() { fixes, AllFixes = saved, savedAll })

	ft := wzNewTenant(FixAdminLink)
	ft.diag = Diagnose(ft.snapshot(), wzTestApp())
	ft.diag.Blocked = true // the fake tenant's user consent setting does not block on its own
	if ft.diag.Recommended != id {
		t.Fatalf("recommended %q, want the sixth fix (rank 0)", ft.diag.Recommended)
	}
	w := wzNewWiz(t, wzTestInput(), ft)
	w.toChooseFix()
	if o := w.s.Prompt.Options[0]; o.Key != FixKey(id) || !strings.Contains(o.Label, "(recommended)") {
		t.Fatalf("first option %+v", o)
	}
	w.send(Chose{Key: FixKey(id)})
	w.expect(StepWriteSignIn, SignIn{Tenant: wzT, Scopes: []string{entra.ScopePolicyReadWritePermissionGrant}})
	if p := w.s.Prompt; p.StepNo != 5 || p.StepCount != 7 || p.StepTitle != "Sign in to make the change" {
		t.Errorf("numbering %d/%d %q", p.StepNo, p.StepCount, p.StepTitle)
	}
	w.answerOnly()
	w.expect(StepPreview)
	if p := w.s.Prompt; p.Title != "Review the classification" || len(p.Preview) != 1 {
		t.Fatalf("preview %+v", p)
	}
	// Its create is saved in the journal before it is sent (the pipeline
	// does that for every fix).
	w.send(Confirmed{})
	obj := JournalObject{Kind: ObjectClassification, Label: "Classification of User.Read", ResourceID: wzTGraphSP, PermissionID: "scope-user-read", PermissionName: "User.Read", Classification: "low"}
	w.expect(StepJournaling, WriteJournal{Entry: wzObjJournal(id, obj)})
	w.answerOnly()
	w.expect(StepWriting, w.s.Run.Writes.Plan[0])
	c := &wzRun{t: t, s: w.s, ft: ft.clone(), last: w.last}
	// Cancel while the write is in flight: it finishes, then is undone
	// (found, deleted, checked) and its entry removed.
	inflight := c.last
	c.send(Cancel{})
	c.last = inflight
	c.answerOnly()
	c.expect(StepJournaling, WriteJournal{Entry: wzObjJournal(id, withID(obj, "cls-1"))})
	c.answerOnly()
	c.expect(StepRestoreReading, wzObjRead)
	c.answerOnly()
	c.expect(StepRestoreWriting, DeleteObject{Tenant: wzT, Object: CreatedObject{Kind: ObjectClassification, ID: "cls-1", ParentID: wzTGraphSP,
		Label: "Classification of User.Read"}})
	if o, ok := c.drive(10); !ok || o.Kind != OutcomeCancelled || o.Fix != id || len(c.ft.classes) != 0 || len(c.ft.journal) != 0 {
		t.Errorf("cancelled outcome %+v, classifications %v, journal %v", o, c.ft.classes, c.ft.journal)
	}
	w.answerOnly()
	w.expect(StepJournaling, WriteJournal{Entry: wzObjJournal(id, withID(obj, "cls-1"))})
	w.answerOnly()
	w.expect(StepVerifying, FetchSnapshot{Tenant: wzT, AppID: wzTAppID, App: wzTestApp()})
	w.answerOnly()
	w.expect(StepRestoreClearing, ClearJournal{ID: wzObjJournal(id).ID})
	w.answerOnly()
	if o := w.finished(); o.Kind != OutcomeVerified || o.Fix != id || o.Summary != "User.Read is classified low." || len(o.Changes) != 1 || !o.Changes[0].Verified || len(ft.journal) != 0 {
		t.Fatalf("outcome %+v", o)
	}
	h := BuildHandoff(HandoffInput{App: wzTestApp(), Tenant: TenantInfo{ID: wzTTenantID}, Diagnosis: &ft.diag})
	if len(h.Fixes) == 0 || h.Fixes[0].Key != "classify-one" || !h.Fixes[0].Recommended || !h.Fixes[0].Checked || !h.Fixes[0].Viable {
		t.Errorf("hand-off fixes %+v", fixKeys(h))
	}
}

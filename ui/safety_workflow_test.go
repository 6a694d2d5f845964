package ui

import (
	"reflect"
	"testing"

	"consentwiz/flows"
	"consentwiz/graph/sim"
)

// TestSafetyTemporaryWorkflowCrashAndRestore runs the temporary
// request-workflow fix through the real runner against the simulator: the
// original admin consent request policy is journaled before the PUT; the run
// is abandoned (a crash) while waiting for the user's request; the next run
// offers the restore first, puts the exact original back, verifies it and
// clears the journal.
func TestSafetyTemporaryWorkflowCrashAndRestore(t *testing.T) {
	rig := newSimRig(t, sim.Options{})
	orig := rig.srv.Tenant().AdminConsentRequestPolicy()
	if orig.IsEnabled {
		t.Fatal("locked-down should start with requests off")
	}
	app := flows.KnownApp(flows.AppRef{ClientID: sim.TrackerRMSAppID})
	h := rig.start(rig.input(app, false))
	h.requireStep(flows.StepChooseFix)
	h.choose(flows.FixKey(flows.FixRequestWorkflow))
	h.requireStep(flows.StepReviewers)
	h.choose("me")
	h.choose("continue")
	h.requireStep(flows.StepWorkflowOptions)
	h.choose("temporary")
	h.choose("continue")
	h.requireStep(flows.StepPreview)
	var journalAtPut []flows.JournalEntry
	h.before = func(e flows.Effect) {
		if _, ok := e.(flows.PutConsentRequestPolicy); ok && journalAtPut == nil {
			journalAtPut = h.pending()
		}
	}
	h.send(flows.Confirmed{})
	h.requireStep(flows.StepRequestWait)
	if len(journalAtPut) != 1 || !journalAtPut[0].IsRequestPolicy() || journalAtPut[0].OriginalRequestPolicy.IsEnabled {
		t.Fatalf("journal at the PUT = %+v, want the original (requests off)", journalAtPut)
	}
	if !rig.srv.Tenant().AdminConsentRequestPolicy().IsEnabled {
		t.Fatal("requests were not turned on")
	}

	// The next process: restore is offered first and puts the original back.
	rig.newRunner()
	h = rig.start(rig.input(app, false))
	h.requireStep(flows.StepRestoreOffer)
	h.choose("restore")
	got := rig.srv.Tenant().AdminConsentRequestPolicy()
	if got.IsEnabled != orig.IsEnabled || got.NotifyReviewers != orig.NotifyReviewers ||
		got.RemindersEnabled != orig.RemindersEnabled || got.RequestDurationInDays != orig.RequestDurationInDays ||
		!reflect.DeepEqual(got.Reviewers, orig.Reviewers) {
		t.Fatalf("restored %+v, want the original %+v", got, orig)
	}
	if p := h.pending(); len(p) != 0 {
		t.Fatalf("journal not cleared: %+v", p)
	}
}

package flows

import (
	"strings"
	"testing"
	"time"

	"consentwiz/graph/entra"
)

// NoteOpenChanges: nothing without entries; a temporary request workflow
// marks the request-workflow finding; an unfinished grant-direct says what
// it left; the open change is the first finding.
func TestNoteOpenChanges(t *testing.T) {
	d := Diagnosis{Findings: []Finding{{ID: FindingRequestWorkflow, Severity: SeverityOK, Title: "Users can request admin consent", Detail: "1 reviewer"}},
		RequestWorkflow: WorkflowInfo{Enabled: true}}
	d.NoteOpenChanges(nil)
	if len(d.Findings) != 1 || d.OpenChanges != nil {
		t.Fatalf("no entries changed the diagnosis: %+v", d)
	}
	at := time.Date(2026, 5, 6, 7, 8, 0, 0, time.UTC)
	d.NoteOpenChanges([]JournalEntry{
		{ID: "t-r-1", TenantID: "t", Fix: FixRequestWorkflow, What: JournalWhatRequestPolicy, At: at, By: "admin@contoso.com",
			OriginalRequestPolicy: &entra.AdminConsentRequestPolicy{}, SetRequestPolicy: &entra.AdminConsentRequestPolicy{IsEnabled: true, RequestDurationInDays: 30}},
		{ID: "t-r-2", TenantID: "t", Fix: FixGrantDirect, What: JournalWhatCreated, At: at, Objects: []JournalObject{{Kind: ObjectServicePrincipal}}},
	})
	if len(d.OpenChanges) != 2 || d.Findings[0].ID != FindingOpenChange || d.Findings[0].Title != "2 temporary changes by consentwiz are still open" {
		t.Fatalf("%+v", d)
	}
	if det := d.Findings[0].Detail; !strings.Contains(det, `set the consent request setting to "requests on, 0 reviewers`) ||
		!strings.Contains(det, "consentwiz started grant-direct and it did not finish") || !strings.HasSuffix(det, RestoreAdvice) {
		t.Errorf("detail: %s", det)
	}
	if !strings.Contains(d.Findings[1].Detail, "set temporarily by consentwiz's request-workflow") {
		t.Errorf("the request workflow is not marked as consentwiz's: %+v", d.Findings[1])
	}
	if text := d.Text(); !strings.Contains(text, "Still open: on 2026-05-06 07:08 UTC consentwiz started grant-direct") {
		t.Errorf("text:\n%s", text)
	}
}

// While consentwiz's relaxed user consent is still in place, "not blocked"
// rests on it: the verdict is unknown (exit 5), not ok, until it is put back
// (walk-through: check said ok, exit 0, after a wizard was killed mid-relax).
func TestOpenRelaxIsNotAnAllClear(t *testing.T) {
	relaxed := []string{"ManagePermissionGrantsForSelf.microsoft-user-default-recommended"}
	d := Diagnosis{Verdict: VerdictOK, UserConsent: UserConsentInfo{PolicyIDs: relaxed}, Recommended: "", RecommendedWhy: "Nothing to fix: users can consent to the app themselves."}
	d.NoteOpenChanges([]JournalEntry{{ID: "t-u-1", TenantID: "t", Fix: FixRelaxUserConsent, At: time.Date(2026, 5, 6, 7, 8, 0, 0, time.UTC),
		Original: []string{}, Set: relaxed}})
	if d.Verdict != VerdictUnknown || d.Blocked || !strings.Contains(d.RecommendedWhy, "consentwiz restore") || len(d.Undecided) == 0 {
		t.Fatalf("verdict %q, why %q, recommended %q", d.Verdict, d.VerdictWhy, d.RecommendedWhy)
	}
	// A blocked verdict stays blocked: the temporary setting did not let users in.
	b := Diagnosis{Verdict: VerdictBlocked, Blocked: true, UserConsent: UserConsentInfo{PolicyIDs: relaxed}}
	b.NoteOpenChanges([]JournalEntry{{ID: "t-u-2", TenantID: "t", Fix: FixRelaxUserConsent, Original: []string{}, Set: relaxed}})
	if b.Verdict != VerdictBlocked || !b.Blocked {
		t.Fatalf("blocked became %q", b.Verdict)
	}
}

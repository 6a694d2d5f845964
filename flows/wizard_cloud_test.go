package flows

import (
	"consentwiz/graph/entra"
	"fmt"
	"strings"
	"testing"
)

// A tenant found in another national cloud: the driver's configuration is the
// global cloud, but discovery says the tenant lives in GCC High (usgov). From
// then on every link a person opens, every effect's tenant and the journal
// are for usgov, never for the global cloud.

var globalHosts = []string{"login.microsoftonline.com", "graph.microsoft.com", "entra.microsoft.com", "portal.azure.com"}

// wzUSGov walks with a tenant the driver resolves in usgov.
func wzUSGov(t *testing.T, in WizardInput, ft *wzFakeTenant) *wzRun {
	t.Helper()
	ft.inCloud = "usgov"
	w := wzNewWiz(t, in, ft)
	w.expect(StepTenantResolving, ResolveTenant{Input: wzTDomain})
	w.answerOnly()
	if c := w.s.Tenant.Cloud; c != entra.Clouds["usgov"] {
		t.Fatalf("tenant cloud = %+v, want usgov with its hosts", c)
	}
	return w
}

// checkUSGov fails on any effect that targets another cloud, and on any
// global host in the effects or the prompt.
func checkUSGov(t *testing.T, w *wzRun) {
	t.Helper()
	n := 0
	for _, e := range w.all {
		if te, ok := e.(TenantEffect); ok {
			n++
			if got := te.Target(); got != (TenantRef{ID: wzTTenantID, Cloud: "usgov"}) {
				t.Errorf("%T targets %+v, want the tenant in usgov", e, got)
			}
		}
		text := fmt.Sprintf("%+v", e)
		for _, h := range globalHosts {
			if strings.Contains(text, h) {
				t.Errorf("%T names the global cloud (%s): %s", e, h, text)
			}
		}
	}
	if n == 0 {
		t.Error("no effect acted on the tenant")
	}
	p := w.s.Prompt
	for _, s := range append([]string{p.Body}, linkURLs(p)...) {
		for _, h := range globalHosts {
			if strings.Contains(s, h) {
				t.Errorf("the prompt at %s names the global cloud (%s): %s", w.s.Step, h, s)
			}
		}
	}
}

func linkURLs(p Prompt) []string {
	var out []string
	for _, l := range p.Links {
		out = append(out, l.URL)
	}
	return out
}

func TestWizardNationalCloudAdminLink(t *testing.T) {
	for _, v2 := range []bool{false, true} {
		t.Run(fmt.Sprintf("v2=%v", v2), func(t *testing.T) {
			in := wzTestInput()
			want := "https://login.microsoftonline.us/" + wzTTenantID + "/adminconsent?"
			if v2 {
				in.App.ConsentVersion, in.App.RedirectURIs = "v2", []string{"https://app.example/cb"}
				want = "https://login.microsoftonline.us/" + wzTTenantID + "/v2.0/adminconsent?"
			}
			ft := wzNewTenant(FixAdminLink)
			w := wzUSGov(t, in, ft)
			w.answerOnly() // sign-in
			w.answerOnly() // diagnosis
			w.expect(StepChooseFix)
			w.send(Chose{Key: FixKey(FixAdminLink)})
			if !strings.HasPrefix(w.s.Run.Link.URL, want) {
				t.Fatalf("admin consent link = %s, want %s…", w.s.Run.Link.URL, want)
			}
			if v2 && !strings.Contains(w.s.Run.Link.URL, "https%3A%2F%2Fgraph.microsoft.us%2FCalendars.ReadWrite") {
				t.Errorf("v2 scopes not qualified with the usgov Graph host: %s", w.s.Run.Link.URL)
			}
			w.send(Chose{Key: KeySave})
			if sf := w.last[0].(SaveFile); !strings.Contains(sf.Text, want) {
				t.Errorf("saved hand-off lacks the usgov link: %s", sf.Text)
			}
			checkUSGov(t, w)
			ft.adminApproves()
			w.send(DoneKey{})
			w.answerOnly()
			if o := w.finished(); o.Kind != OutcomeVerified {
				t.Fatalf("outcome = %+v", o)
			}
			checkUSGov(t, w)
		})
	}
}

func TestWizardNationalCloudRequestApproval(t *testing.T) {
	ft := wzNewTenant(FixRequestWorkflow)
	ft.addRequest()
	w := wzUSGov(t, wzTestInput(), ft)
	w.answerOnly()
	w.answerOnly()
	w.send(Chose{Key: FixKey(FixRequestWorkflow)})
	w.expect(StepRequestShow, Wait{D: PollGrantEvery, Seq: w.s.PollSeq})
	if u := w.s.Prompt.Links[0].URL; !strings.HasPrefix(u, "https://login.microsoftonline.us/") {
		t.Fatalf("approval link = %s, want the usgov login", u)
	}
	if u := w.s.Prompt.Links[1].URL; !strings.HasPrefix(u, "https://entra.microsoft.us/") {
		t.Fatalf("review link = %s, want the usgov admin center", u)
	}
	w.send(Chose{Key: KeyApprove})
	w.expect(StepRequestApprove, OpenURL{URL: RequestApprovalURL(entra.Clouds["usgov"], wzTTenantID, ft.requests[0], "")},
		Wait{D: PollGrantEvery, Seq: w.s.PollSeq})
	checkUSGov(t, w)
}

func TestWizardNationalCloudPortalAndHandoff(t *testing.T) {
	ft := wzNewTenant(FixAdminLink)
	ft.diag.UserScreen = ScreenNotAssigned
	ft.diag.App.ServicePrincipalID = "33333333-4444-5555-6666-777777777777"
	for i := range ft.diag.Fixes {
		if ft.diag.Fixes[i].ID == FixAssignUsers {
			ft.diag.Fixes[i].Viable = false // the checklist then links the Users and groups page itself
		}
	}
	w := wzUSGov(t, wzTestInput(), ft)
	w.answerOnly()
	w.answerOnly()
	w.expect(StepChooseFix)
	if u := linkURLs(w.s.Prompt); len(u) != 1 || !strings.HasPrefix(u[0], "https://entra.microsoft.us/") {
		t.Fatalf("portal links = %v, want the usgov admin center", u)
	}
	if w.s.Diagnosis.Tenant.Cloud.Name != "usgov" {
		t.Errorf("diagnosis tenant = %+v, want usgov", w.s.Diagnosis.Tenant)
	}
	h := WizardHandoff(w.s)
	if h.Cloud != "usgov" {
		t.Errorf("hand-off cloud = %q", h.Cloud)
	}
	doc := h.Text()
	for _, host := range globalHosts {
		if strings.Contains(doc, host) {
			t.Errorf("hand-off names the global cloud (%s)", host)
		}
	}
	if !strings.Contains(doc, "https://login.microsoftonline.us/") || !strings.Contains(doc, "https://entra.microsoft.us/") {
		t.Errorf("hand-off lacks the usgov links:\n%s", doc)
	}
	checkUSGov(t, w)
}

func TestWizardNationalCloudJournal(t *testing.T) {
	ft := wzNewTenant(FixRelaxUserConsent)
	w := wzUSGov(t, wzTestInput(), ft)
	w.answerOnly()
	w.answerOnly()
	w.send(Chose{Key: FixKey(FixRelaxUserConsent)})
	w.answerOnly() // write sign-in
	w.answerOnly() // read the setting
	w.confirm()
	j, ok := w.last[0].(WriteJournal)
	if !ok || j.Entry.Cloud != "usgov" || j.Entry.Target() != (TenantRef{ID: wzTTenantID, Cloud: "usgov"}) {
		t.Fatalf("journal = %#v, want the entry in usgov", w.last)
	}
	w.answerOnly() // journal written
	w.answerOnly() // the change
	w.answerOnly() // read back
	w.expect(StepRelaxConnect, Wait{D: 0, Seq: w.s.PollSeq - 2}, Wait{D: DefaultRelaxWindow, Seq: w.s.PollSeq - 1}, Wait{D: PollGrantEvery, Seq: w.s.PollSeq})
	ft.userConsented()
	w.send(DoneKey{}) // the user connected: put the setting back
	if o, ok := w.driveRelaxed(20); !ok || o.Kind != OutcomeVerified {
		t.Fatalf("outcome = %+v (finished %v)", o, ok)
	}
	checkUSGov(t, w)
}

package ui

import (
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"consentwiz/flows"
	"consentwiz/graph/sim"
)

// End to end against the simulated cloud, with the real Runner (MSAL, the
// Graph client, its polls): the waits that notice consent given elsewhere,
// the assign-users fix, classify-low in the low-impact scenario, and the
// reviewer check.

// TestSimRequestApprovedElsewhere: the request screen watches the tenant
// (graph.Client.PollApp): another reviewer accepting the copied approval
// link ends the wait verified, and the partial poll keeps the snapshot's
// policies and Microsoft Graph's permissions (ux review H6).
func TestSimRequestApprovedElsewhere(t *testing.T) {
	rig := newSimRig(t, sim.Options{Scenario: "request-workflow"})
	h := rig.start(rig.input(testApp(), false))
	h.requireStep(flows.StepChooseFix)
	h.choose(flows.FixKey(flows.FixRequestWorkflow))
	h.requireStep(flows.StepRequestShow)
	link := h.s.Prompt.Links[0].URL
	if _, err := rig.srv.HeadlessAdminConsent(link, rig.srv.Tenant().AdminUPN(), true); err != nil {
		t.Fatal(err)
	}
	h.choose(flows.KeyStop) // "Leave it for a reviewer": one more look first
	if h.out == nil || h.out.Kind != flows.OutcomeVerified {
		t.Fatalf("outcome %+v, step %s", h.out, h.s.Step)
	}
	if h.s.Snap.GraphSP.ID == "" || len(h.s.Snap.AuthorizationPolicy.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned) == 0 {
		t.Fatalf("the poll lost the snapshot's other parts: %+v", h.s.Snap)
	}
}

// TestSimAssignUsers: AADSTS50105 is fixed by assigning the user: the fix
// shows who is assigned, assigns Megan through Graph, reads it back, and
// the simulator then lets her sign in (docs/entra.md A6, B1).
func TestSimAssignUsers(t *testing.T) {
	rig := newSimRig(t, sim.Options{Scenario: "assignment-required"})
	ten := rig.srv.Tenant()
	if o := ten.UserSignIn(ten.EndUserUPN(), sim.TrackerRMSAppID, nil, ""); o.Result != sim.ResultNotAssigned {
		t.Fatalf("before: %+v", o)
	}
	h := rig.start(rig.input(testApp(), false))
	h.requireStep(flows.StepChooseFix)
	if h.s.Diagnosis.Recommended != flows.FixAssignUsers {
		t.Fatalf("recommended %q", h.s.Diagnosis.Recommended)
	}
	h.choose(flows.FixKey(flows.FixAssignUsers))
	h.requireStep(flows.StepAssignChoose)
	if !strings.Contains(h.s.Prompt.Body, "Grady Archie (reader) (user)") || len(h.s.Prompt.Links) != 1 || !strings.Contains(h.s.Prompt.Links[0].URL, "/Users/objectId/") {
		t.Fatalf("assign screen %+v", h.s.Prompt)
	}
	// The search takes a whole email address as well as a name's start
	// (docs/entra.md A9).
	h.choose(flows.KeySearch)
	h.send(flows.Entered{Text: ten.EndUserUPN()})
	h.requireStep(flows.StepAssignPick)
	if o := h.s.Prompt.Options; len(o) < 1 || !strings.Contains(o[0].Label+" "+o[0].Detail, ten.EndUserUPN()) {
		t.Fatalf("search by address: %+v", o)
	}
	h.choose(flows.PickKey(0))
	h.requireStep(flows.StepPreview)
	h.send(flows.Confirmed{})
	if h.out == nil || h.out.Kind != flows.OutcomeVerified || len(h.out.Changes) != 1 || !h.out.Changes[0].Verified {
		t.Fatalf("outcome %+v, step %s", h.out, h.s.Step)
	}
	if o := ten.UserSignIn(ten.EndUserUPN(), sim.TrackerRMSAppID, nil, ""); o.Result == sim.ResultNotAssigned {
		t.Fatalf("after: Megan is still not assigned: %+v", o)
	}
}

// TestSimClassifyLowScenario: in the low-impact scenario classify-low can
// be reached and works for Northwind Timesheets: Contacts.Read is
// classified low, and the user may then consent (ux review, minor list).
func TestSimClassifyLowScenario(t *testing.T) {
	rig := newSimRig(t, sim.Options{Scenario: "low-impact"})
	ten := rig.srv.Tenant()
	app := timesheetsApp()
	if o := ten.UserSignIn(ten.EndUserUPN(), app.ClientID, app.Scopes, ""); o.Result != sim.ResultNeedAdminApproval {
		t.Fatalf("before: %+v", o)
	}
	h := rig.start(rig.input(app, false))
	h.requireStep(flows.StepChooseFix)
	if f, _ := h.s.Diagnosis.Fix(flows.FixClassifyLow); !f.Viable {
		t.Fatalf("classify-low is not viable: %s", f.Reason)
	}
	h.toPreview(flows.FixClassifyLow)
	h.send(flows.Confirmed{})
	if h.out == nil || h.out.Kind != flows.OutcomeVerified {
		t.Fatalf("outcome %+v, step %s", h.out, h.s.Step)
	}
	if o := ten.UserSignIn(ten.EndUserUPN(), app.ClientID, app.Scopes, ""); o.Result != sim.ResultConsentPrompt {
		t.Fatalf("after: the user gets %+v, want a consent prompt", o)
	}
}

// TestSimReviewerCheck: a reviewer who cannot approve is warned about
// before the write: a user without a role, and a group whose members hold
// none (ux review M4).
func TestSimReviewerCheck(t *testing.T) {
	rig := newSimRig(t, sim.Options{})
	h := rig.start(rig.input(testApp(), false))
	h.requireStep(flows.StepChooseFix)
	h.choose(flows.FixKey(flows.FixRequestWorkflow))
	h.requireStep(flows.StepReviewers)
	for _, q := range []string{"Megan", "Helpdesk"} {
		h.choose(flows.KeySearch)
		h.send(flows.Entered{Text: q})
		h.requireStep(flows.StepReviewerPick)
		h.choose(flows.PickKey(0))
	}
	h.choose("me")
	h.choose(flows.KeyContinue)
	h.choose(flows.KeyContinue)
	h.requireStep(flows.StepPreview)
	b := h.s.Prompt.Body
	for _, want := range []string{"Megan Bowen (user): holds no role that may approve", "Helpdesk (group): no member of the group holds a role that may approve"} {
		if !strings.Contains(b, want) {
			t.Errorf("preview lacks %q:\n%s", want, b)
		}
	}
	if strings.Contains(b, "Adele Vance") || strings.Contains(b, "Nobody chosen") {
		t.Errorf("the admin is warned about, or nobody counted:\n%s", b)
	}
}

// TestRunnerSaveNeverOverwrites: saving a hand-off twice keeps both files
// (ux review, minor list: a second save silently overwrote the first).
func TestRunnerSaveNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	r, err := NewRunner(Config{ConfigDir: t.TempDir()}, nil, RunnerOptions{SaveDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, text := range []string{"first", "second"} {
		ev := r.Run(t.Context(), flows.SaveFile{Name: "consentwiz-handoff-x.md", Text: text})
		sv, ok := ev.(flows.Saved)
		if !ok || sv.Err != nil {
			t.Fatalf("save: %+v", ev)
		}
		paths = append(paths, sv.Path)
	}
	if paths[0] == paths[1] || !strings.HasSuffix(paths[1], "consentwiz-handoff-x-2.md") {
		t.Fatalf("paths %q", paths)
	}
	for i, want := range []string{"first", "second"} {
		b, err := os.ReadFile(paths[i])
		if err != nil || string(b) != want {
			t.Fatalf("%s = %q, %v", paths[i], b, err)
		}
		if st, _ := os.Stat(paths[i]); st.Mode().Perm() != 0o600 {
			t.Fatalf("%s mode %v", paths[i], st.Mode())
		}
	}
}

// TestPlainRelaxNamesWhoConnected: after relax-user-consent, the line mode
// names the user who connected (read with the real Runner, graph.Client.GetUsers,
// once the setting is back, while the tenant is read again): on the question,
// and in the outcome.
func TestPlainRelaxNamesWhoConnected(t *testing.T) {
	rig := newSimRig(t, sim.Options{})
	pr, pw := io.Pipe()
	defer pw.Close()
	_, out, done := plainOnRig(t, rig, pr, nil, 0)
	_, _ = io.WriteString(pw, "relax-user-consent\nyes\n")
	waitOutput(t, out, "The user connects now")
	rig.userAccepts(timesheetsApp())
	_, _ = io.WriteString(pw, "done\n")
	waitOutput(t, out, "Megan Bowen (megan@contoso.com) connected; other users are still blocked")
	_, _ = io.WriteString(pw, "3\n")
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("the wizard did not end:\n%s", out.String())
	}
	tr := out.String()
	for _, want := range []string{
		"Working: Reading the tenant again…", // the names are read meanwhile
		"Megan Bowen (megan@contoso.com) connected; other users are still blocked\n",
		"Megan Bowen (megan@contoso.com) connected Northwind Timesheets",
		"Result: fixed and verified",
	} {
		if !strings.Contains(tr, want) {
			t.Errorf("transcript lacks %q:\n%s", want, tr)
		}
	}
	if n := strings.Count(tr, "Relaxing user consent helped only whoever connected"); n != 1 {
		t.Errorf("the question was printed %d times:\n%s", n, tr)
	}
}

// TestSimRelaxThenGrantForEveryone: after relaxing user consent a user
// connected, which made the app's service principal; "grant for everyone"
// through Graph then grants on that one (the simulator, like Graph,
// refuses a second with 409) and ends verified, with the user's service
// principal and consent untouched.
func TestSimRelaxThenGrantForEveryone(t *testing.T) {
	rig := newSimRig(t, sim.Options{})
	app := timesheetsApp()
	h := rig.start(rig.input(app, false))
	h.toPreview(flows.FixRelaxUserConsent)
	h.send(flows.Confirmed{})
	h.requireStep(flows.StepRelaxConnect)
	rig.userAccepts(app)
	sp, ok := rig.srv.Tenant().ServicePrincipal(app.ClientID)
	if !ok {
		t.Fatal("the user's consent made no service principal")
	}
	h.choose("restore")
	h.requireStep(flows.StepRelaxNext)
	h.choose(flows.FixKey(flows.FixGrantDirect))
	h.requireStep(flows.StepPreview)
	for _, w := range h.s.Run.Writes.Plan {
		if _, ok := w.(flows.CreateServicePrincipal); ok {
			t.Fatalf("the plan creates the service principal the user's consent made: %+v", h.s.Run.Writes.Plan)
		}
	}
	h.send(flows.Confirmed{})
	if h.out == nil || h.out.Kind != flows.OutcomeVerified {
		t.Fatalf("outcome %+v, step %s, failure %+v", h.out, h.s.Step, h.s.Failure)
	}
	if now, ok := rig.srv.Tenant().ServicePrincipal(app.ClientID); !ok || now.ID != sp.ID || rig.srv.Tenant().ServicePrincipalCount() == 0 {
		t.Fatalf("service principal %+v, was %+v", now, sp)
	}
	var all, user bool
	for _, g := range rig.srv.Tenant().Grants(app.ClientID) {
		all = all || g.ConsentType == "AllPrincipals"
		user = user || g.ConsentType == "Principal"
	}
	if !all || !user {
		t.Fatalf("grants %+v: want the user's and one for everyone", rig.srv.Tenant().Grants(app.ClientID))
	}
}

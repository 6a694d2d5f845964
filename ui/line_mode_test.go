package ui

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"consentwiz/flows"
	"consentwiz/graph/entra"
)

// runPlainTest runs the line mode with piped answers; waits fire at once.
func runPlainTest(t *testing.T, f *fakeEffects, answers string) (flows.Outcome, string) {
	t.Helper()
	return runPlainDeps(t, Deps{Effects: f, Input: testInput()}, answers)
}

// runPlainDeps is runPlainTest with the drivers' dependencies given.
func runPlainDeps(t *testing.T, d Deps, answers string) (flows.Outcome, string) {
	t.Helper()
	var out bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fire := func(time.Duration) <-chan time.Time {
		ch := make(chan time.Time, 1)
		ch <- testTime
		return ch
	}
	p := newPlain(ctx, d, strings.NewReader(answers), &out, fire, func() time.Time { return testTime })
	o, err := p.run()
	if err != nil {
		t.Fatalf("RunPlain: %v\n%s", err, out.String())
	}
	return o, out.String()
}

func TestPlainAdminLinkTranscript(t *testing.T) {
	f := newFake()
	o, out := runPlainTest(t, f, "1\ncontoso.com\n1\n")
	if o.Kind != flows.OutcomeVerified || o.Fix != flows.FixAdminLink {
		t.Fatalf("outcome %+v\n%s", o, out)
	}
	for _, want := range []string{
		"1) TrackerRMS",
		"Working: Finding the tenant…",
		"(not possible: ",
		"Admin consent link: https://login.microsoftonline.com/" + testTenantID + "/adminconsent?client_id=",
		"Done: Fixed and verified",
		"Result: fixed and verified",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("transcript lacks %q", want)
		}
	}
	if strings.ContainsAny(out, "\x1b┏━╔═") {
		t.Error("escape codes or box drawing in plain mode")
	}
	golden.RequireEqual(t, out)
}

func TestPlainEOFCancels(t *testing.T) {
	o, out := runPlainTest(t, newFake(), "1\n")
	if o.Kind != flows.OutcomeCancelled {
		t.Fatalf("outcome %+v\n%s", o, out)
	}
	if !strings.Contains(out, "End of input: cancelling.") {
		t.Fatalf("transcript:\n%s", out)
	}
}

func TestPlainRepromptsOnInvalidAnswers(t *testing.T) {
	o, out := runPlainTest(t, newFake(), "9\nhello\n1\nback\n1\ncontoso.com\n2\n1\n")
	if o.Kind != flows.OutcomeVerified {
		t.Fatalf("outcome %+v\n%s", o, out)
	}
	for _, want := range []string{
		"There is no choice 9.",
		`Not understood: "hello".`,
		"Choice 2 is not possible: ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("transcript lacks %q:\n%s", want, out)
		}
	}
}

func TestPlainDeviceCodeDemoApprove(t *testing.T) {
	f := newFake()
	f.deviceCode = true
	f.demo = &fakeDemo{f: f}
	o, out := runPlainTest(t, f, "1\n\napprove\n1\n")
	if o.Kind != flows.OutcomeVerified {
		t.Fatalf("outcome %+v\n%s", o, out)
	}
	for _, want := range []string{
		"Open https://microsoft.com/devicelogin and enter the code GH7K2M9PL",
		"type 'approve' to approve it from here",
		"Approved as the demo admin",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("transcript lacks %q:\n%s", want, out)
		}
	}
}

// TestPlainTranscripts: the line mode on the paths the review walked, with
// piped answers echoed (a saved transcript shows what was chosen).
func TestPlainTranscripts(t *testing.T) {
	cases := []struct {
		name    string
		fake    func(*fakeEffects)
		in      func(*flows.WizardInput)
		answers string
		kind    flows.OutcomeKind
		want    []string
	}{
		// (request-approved-elsewhere has no golden: whether the poll or the
		// typed "stop" comes first is a race; both end verified.)
		// Stop here: the link and the hand-off file are in the result (ux review H7).
		{"handed-over", func(f *fakeEffects) { f.grantAfter = 1 << 30 }, nil, "1\ncontoso.com\n1\nsave\nhandoff\n", flows.OutcomeHandedOff,
			[]string{"> save", "Saved to /tmp/consentwiz-handoff-trackerrms.txt", "The link to send: https://login.microsoftonline.com/", "Hand-off file: /tmp/consentwiz-handoff-trackerrms.txt"}},
		// The request, watched; left for a reviewer with the link (ux review H6).
		{"request-leave", func(f *fakeEffects) { f.tweak = withRequest; f.grantAfter = 1 << 30 }, nil, "1\ncontoso.com\nrequest-workflow\nstop\n", flows.OutcomeHandedOff,
			[]string{"From Adele Vance on 2026-03-14 08:02 UTC", "consentwiz checks the tenant every few seconds", "The link to send: https://login.microsoftonline.com/" + testTenantID + "/v2.0/adminconsent?"}},
		// The request approved elsewhere while on screen: verified, not handed over.
		{"request-approved-elsewhere", func(f *fakeEffects) { f.tweak = withRequest; f.grantAfter = 1 }, nil, "1\ncontoso.com\nrequest-workflow\nstop\n", flows.OutcomeVerified,
			[]string{"Done: Fixed and verified", "request from Adele Vance"}},
		// Nothing to fix: the checklist and Done (ux review M8).
		{"nothing-to-fix", func(f *fakeEffects) {
			f.tweak = func(s *entra.TenantSnapshot) {
				s.App = &entra.ServicePrincipal{ID: testAppSP, AppID: testApp().ClientID, DisplayName: "TrackerRMS"}
				s.AppGrants = []entra.OAuth2PermissionGrant{{ID: "g1", ClientID: testAppSP, ConsentType: "AllPrincipals", ResourceID: testGraphSP, Scope: "User.Read offline_access Calendars.ReadWrite Mail.Send"}}
			}
		}, nil, "1\ncontoso.com\n1\n", flows.OutcomeNothingToFix, []string{"Nothing blocks users from connecting TrackerRMS", "1) Done: nothing needs changing", "✓ OK Every requested permission is granted tenant-wide"}},
		// A Global Reader: the role each fix needs before it is chosen, and on the preview (ux review M1).
		{"reader-preview", asReader, func(in *flows.WizardInput) { in.DryRun = true }, "1\ncontoso.com\ngrant-direct\nyes\n", flows.OutcomeDryRun,
			[]string{"! needs Cloud Application Administrator, which the signed-in account does not hold", "Warning: this change needs Cloud Application Administrator",
				"POST /v1.0/servicePrincipals: {\"appId\":\"5353a3d2-8ca9-42d2-b567-ea399ccb5e38\"}"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			tc.fake(f)
			in := testInput()
			if tc.in != nil {
				tc.in(&in)
			}
			o, out := runPlainDeps(t, Deps{Effects: f, Input: in, Echo: true}, tc.answers)
			if o.Kind != tc.kind {
				t.Fatalf("outcome %+v\n%s", o, out)
			}
			for _, w := range append(tc.want, "> 1", "> contoso.com") {
				if !strings.Contains(out, w) {
					t.Errorf("transcript lacks %q", w)
				}
			}
			if strings.ContainsAny(out, "\x1b┏━╔═") {
				t.Error("escape codes or box drawing in plain mode")
			}
			if t.Failed() {
				t.Log(out)
			}
			if tc.name != "request-approved-elsewhere" {
				golden.RequireEqual(t, out)
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe to read while the line mode writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestPlainEOFDuringSignIn: the input ends while a device code waits: the
// line mode says it still waits, once, and goes on when the sign-in ends
// (ux review, minor list).
func TestPlainEOFDuringSignIn(t *testing.T) {
	f := newFake()
	f.deviceCode = true
	var out syncBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fire := func(time.Duration) <-chan time.Time { return make(chan time.Time) }
	p := newPlain(ctx, Deps{Effects: f, Input: testInput()}, strings.NewReader("1\ncontoso.com\n"), &out, fire, func() time.Time { return testTime })
	done := make(chan flows.Outcome, 1)
	go func() {
		o, _ := p.run()
		done <- o
	}()
	const said = "End of input: still waiting for the sign-in"
	for !strings.Contains(out.String(), said) {
		select {
		case <-ctx.Done():
			t.Fatalf("nothing said at the end of input:\n%s", out.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	close(f.approved) // the admin finishes signing in
	select {
	case o := <-done:
		if o.Kind != flows.OutcomeCancelled || strings.Count(out.String(), said) != 1 || !strings.Contains(out.String(), "End of input: cancelling.") {
			t.Fatalf("outcome %+v\n%s", o, out.String())
		}
	case <-ctx.Done():
		t.Fatalf("stuck:\n%s", out.String())
	}
}

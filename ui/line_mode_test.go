package ui

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"consentwiz/flows"
)

// runPlainTest runs the line mode with piped answers; waits fire at once.
func runPlainTest(t *testing.T, f *fakeEffects, answers string) (flows.Outcome, string) {
	t.Helper()
	var out bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fire := func(time.Duration) <-chan time.Time {
		ch := make(chan time.Time, 1)
		ch <- testTime
		return ch
	}
	p := newPlain(ctx, Deps{Effects: f, Input: testInput()}, strings.NewReader(answers), &out, fire, func() time.Time { return testTime })
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

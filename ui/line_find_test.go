package ui

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"consentwiz/flows"
)

// In line mode a pasted "Troubleshooting details" block arrives a line at a
// time: the paste prompt gathers it up to an empty line, and flows reads it
// field by field (the app name ends at its line).
func TestPlainMultiLinePaste(t *testing.T) {
	var out bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fire := func(time.Duration) <-chan time.Time {
		ch := make(chan time.Time, 1)
		ch <- testTime
		return ch
	}
	block := "Need admin approval\nRequest Id: 6f2c1d3e-0000-4000-8000-000000000001\n" +
		"Message: AADSTS90094: The grant requires admin permission.\nApp id: 7e1c9a5b-2d4f-4b6a-8c3e-1f2a3b4c5d6e\n" +
		"App name: Contoso CRM\nSign out and sign in with a different account\n"
	answers := "5\n" + block + "\ncancel\n"
	p := newPlain(ctx, Deps{Effects: newFake(), Input: testInput()}, strings.NewReader(answers), &out, fire, func() time.Time { return testTime })
	if _, err := p.run(); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "end it with an empty line") {
		t.Errorf("the paste prompt does not say how to end the text:\n%s", out.String())
	}
	a := p.s.App
	if a.DisplayName != "Contoso CRM" || a.ClientID != "7e1c9a5b-2d4f-4b6a-8c3e-1f2a3b4c5d6e" || p.s.Outcome == nil || p.s.Outcome.Kind != flows.OutcomeCancelled {
		t.Errorf("app %+v outcome %+v\n%s", a, p.s.Outcome, out.String())
	}
	if strings.Contains(out.String(), "Not accepted") {
		t.Errorf("a line of the block was taken as an answer:\n%s", out.String())
	}
}

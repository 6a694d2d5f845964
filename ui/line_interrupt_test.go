package ui

import (
	"context"
	"io"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"consentwiz/flows"
	"consentwiz/graph/sim"
)

// plainOnRig runs the line mode against the rig's simulated tenant with real
// time, answers from in; it returns when the wizard ends.
func plainOnRig(t *testing.T, rig *simRig, in io.Reader, interrupts <-chan string, window time.Duration) (flows.Outcome, *syncBuffer, <-chan struct{}) {
	t.Helper()
	out := &syncBuffer{}
	input := rig.input(timesheetsApp(), false)
	input.RelaxWindow = window
	var o flows.Outcome
	done := make(chan struct{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	go func() {
		defer close(done)
		o, _ = RunPlain(ctx, Deps{Effects: rig.runner, Input: input, Interrupts: interrupts}, in, out)
	}()
	t.Cleanup(func() { <-done })
	return o, out, done
}

// waitOutput waits until the transcript holds s.
func waitOutput(t *testing.T, out *syncBuffer, s string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in:\n%s", s, out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The input ends while user consent is relaxed (printf '…\nyes\n' | consentwiz):
// the setting is put back and verified, and the wizard ends by itself
// (reliability review L4).
func TestPlainEndOfInputPutsRelaxBack(t *testing.T) {
	rig := newSimRig(t, sim.Options{})
	orig := rig.policy()
	var o flows.Outcome
	out := &syncBuffer{}
	input := rig.input(timesheetsApp(), false)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := time.Now()
	o, err := RunPlain(ctx, Deps{Effects: rig.runner, Input: input}, strings.NewReader("relax-user-consent\nyes\n"), out)
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > 30*time.Second {
		t.Fatalf("took %v", time.Since(start))
	}
	if o.Kind != flows.OutcomeCancelled || !strings.Contains(o.Summary, "the input ended") {
		t.Fatalf("outcome %+v\n%s", o, out.String())
	}
	for _, want := range []string{"The user connects now", "Stopping (the input ended)", "Checking the setting is back"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("transcript lacks %q:\n%s", want, out.String())
		}
	}
	if got := rig.policy(); !equalStrings(got, orig) {
		t.Fatalf("user consent %v, want exactly %v", got, orig)
	}
	if p, _ := rig.journal.Pending(""); len(p) != 0 {
		t.Fatalf("journal left: %+v", p)
	}
}

// The relax window runs out while the input stays open: the setting goes
// back by itself, verified, and the outcome says no user consented in time.
func TestPlainRelaxWindowRunsOut(t *testing.T) {
	rig := newSimRig(t, sim.Options{})
	orig := rig.policy()
	pr, pw := io.Pipe()
	defer pw.Close()
	_, out, done := plainOnRig(t, rig, pr, nil, 2*time.Second)
	_, _ = io.WriteString(pw, "relax-user-consent\nyes\n")
	waitOutput(t, out, "The user connects now")
	if !strings.Contains(out.String(), "within 2 seconds") {
		t.Errorf("the window is not shown:\n%s", out.String())
	}
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("the window did not close:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "Result: not fixed, the change was put back") || !strings.Contains(out.String(), "window of 2 seconds ran out") {
		t.Errorf("transcript:\n%s", out.String())
	}
	if got := rig.policy(); !equalStrings(got, orig) {
		t.Fatalf("user consent %v, want exactly %v", got, orig)
	}
}

// A signal while user consent is relaxed puts it back before the wizard ends.
func TestPlainSignalPutsRelaxBack(t *testing.T) {
	rig := newSimRig(t, sim.Options{})
	orig := rig.policy()
	pr, pw := io.Pipe()
	defer pw.Close()
	interrupts := make(chan string, 1)
	_, out, done := plainOnRig(t, rig, pr, interrupts, 0)
	_, _ = io.WriteString(pw, "relax-user-consent\nyes\n")
	waitOutput(t, out, "The user connects now")
	interrupts <- "SIGTERM"
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("the wizard did not end:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "Stopping (SIGTERM)") || !strings.Contains(out.String(), "Result: cancelled") {
		t.Errorf("transcript:\n%s", out.String())
	}
	if got := rig.policy(); !equalStrings(got, orig) {
		t.Fatalf("user consent %v, want exactly %v", got, orig)
	}
}

// watchInterrupts: the end of ctx and a signal are one interrupt; a second
// signal later stops the wizard's I/O at once.
func TestWatchInterrupts(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("signals are Unix")
	}
	ctx, cancel := context.WithCancel(context.Background())
	wctx, interrupts, stop := watchInterrupts(ctx)
	defer stop()
	cancel()
	select {
	case why := <-interrupts:
		if why != "interrupted" {
			t.Fatalf("why %q", why)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no interrupt for the end of ctx")
	}
	if wctx.Err() != nil {
		t.Fatal("the wizard's I/O ended with ctx")
	}
	time.Sleep(350 * time.Millisecond)
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	select {
	case <-wctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("a second signal did not stop the wizard's I/O")
	}
}

// The TUI takes an interrupt like the line mode: the machine stops without
// asking, and the program quits once it has finished; a second quits at once.
func TestTUIInterrupt(t *testing.T) {
	d := newDriver(t, newTestModel(t, newFake(), testModelOpts{}))
	d.toChooseFix()
	d.handle(interruptMsg{why: "SIGTERM"})
	d.drain()
	o, ok := d.m.Outcome()
	if !ok || o.Kind != flows.OutcomeCancelled || !strings.Contains(o.Summary, "SIGTERM") || !d.quit {
		t.Fatalf("outcome %+v (%v), quit %v", o, ok, d.quit)
	}

	d2 := newDriver(t, newTestModel(t, newFake(), testModelOpts{}))
	d2.toChooseFix()
	d2.press(itoa(d2.optionNumber(flows.FixGrantDirect)))
	d2.pressOnly("enter")
	d2.drainUntil(func(m *Model) bool { return m.state.Step == flows.StepWriting })
	d2.queue = nil // the write stays in flight
	d2.handle(interruptMsg{why: "SIGHUP"})
	if d2.quit || d2.interrupt || !d2.m.state.CancelAsked {
		t.Fatalf("the first interrupt must wait for the write: quit %v interrupt %v", d2.quit, d2.interrupt)
	}
	d2.queue = nil
	d2.handle(interruptMsg{why: "SIGHUP"})
	d2.drain()
	if !d2.interrupt {
		t.Fatal("a second interrupt did not quit at once")
	}
}

// The line mode says what changed on a question that stays (a toggled
// setting) and each write of several (reliability review L8).
func TestPlainSaysTogglesAndEachWrite(t *testing.T) {
	_, out := runPlainTest(t, newFake(), "1\ncontoso.com\nrequest-workflow\nme\ncontinue\nnotify\ntemporary\ncancel\n")
	for _, want := range []string{"Now: Email reviewers about new requests: off", "Now: Turn requests off again after this approval: yes (temporary)"} {
		if !strings.Contains(out, want) {
			t.Errorf("transcript lacks %q:\n%s", want, out)
		}
	}
	_, out = runPlainTest(t, newFake(), "1\ncontoso.com\ngrant-direct\nyes\n")
	if !strings.Contains(out, "1 of ") || !strings.Contains(out, "2 of ") {
		t.Errorf("the writes are not each said:\n%s", out)
	}
}

package ui

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"

	"consentwiz/flows"
)

// runWizard runs the wizard (TUI or plain mode) and prints the outcome.
// demo starts the simulated tenant in-process first; restoreOnly runs only the
// journal restore (`consentwiz restore`).
func runWizard(ctx context.Context, cfg Config, o WizardOptions, stdio IO, demo, restoreOnly bool) int {
	ro := RunnerOptions{}
	if demo {
		var cleanup func()
		var err error
		cfg, _, ro, cleanup, err = startDemo(cfg, o.Scenario, o.BrowserAddr)
		if err != nil {
			fmt.Fprintf(stdio.Err, "consentwiz demo: %s\n", simError(err))
			return ExitError
		}
		defer cleanup()
	}
	ro.Home = o.HomeTenant
	journal := NewJournal(cfg.ConfigDir)
	pending, err := journal.Pending("")
	if err != nil {
		fmt.Fprintf(stdio.Err, "consentwiz: %v\n", err)
		return ExitError
	}
	if fixed, err := journal.FixMode(); err != nil {
		fmt.Fprintf(stdio.Err, "consentwiz: warning: %v\n", err)
	} else if fixed {
		fmt.Fprintf(stdio.Err, "consentwiz: warning: the journal %s was readable by other users; it is private (0600) again\n", journal.Path())
	}
	runner, err := NewRunner(cfg, journal, ro)
	if err != nil {
		fmt.Fprintf(stdio.Err, "consentwiz: %v\n", err)
		return ExitError
	}
	in, err := wizardInput(cfg, o, pending, restoreOnly)
	if err != nil {
		fmt.Fprintf(stdio.Err, "consentwiz: %v\n", err)
		return ExitError
	}
	started := time.Now()
	// A signal (or the end of ctx) puts back what the wizard changed before
	// it exits; the wizard's own I/O outlives ctx for that, and a second
	// signal stops it at once (interrupts.go).
	wctx, interrupts, stopSignals := watchInterrupts(ctx)
	defer stopSignals()
	plain := cfg.Accessible || !isTerminal(stdio.In) || !isTerminal(stdio.Out)
	deps := Deps{Effects: runner, Input: in, Present: cfg.Present, NoBrowser: cfg.NoBrowser, Version: cfg.Version,
		Echo:       plain && !isTerminal(stdio.In), // piped answers: the transcript shows them
		Reports:    ReportOptions{Dir: reportDir(cfg, demo), Unredacted: o.ReportUnredacted, Started: started, Log: &ReportLog{}},
		Interrupts: interrupts}
	var out flows.Outcome
	var final flows.State
	if plain {
		out, final, err = runPlain(wctx, deps, stdio.In, stdio.Out)
	} else {
		out, final, err = runTUI(wctx, deps)
	}
	// The support report is written at the end of every run that says
	// something, even a failed one: it is what a support ticket needs. One
	// saved with r, with nothing new since, is not written twice.
	if final.Outcome == nil && out.Kind != "" {
		final.Outcome = &out
	}
	var reportLine string
	switch p, fresh, rerr := saveSupportReport(deps, final, started, time.Now()); {
	case rerr != nil:
		reportLine = fmt.Sprintf("consentwiz: could not write the support report: %v\n", rerr)
	case p == "":
		// Nothing was read or changed: there is nothing to report.
	case fresh:
		reportLine = fmt.Sprintf("Support report: %s (%s)\n", p, redactedWord(o.ReportUnredacted))
	default:
		reportLine = fmt.Sprintf("Support report: %s (saved earlier; nothing new since)\n", p)
	}
	if err != nil && out.Kind == "" {
		fmt.Fprintf(stdio.Err, "consentwiz: %v\n", err)
		fmt.Fprint(stdio.Err, reportLine)
		return ExitError
	}
	if !plain {
		printOutcome(stdio.Out, out)
	}
	fmt.Fprint(stdio.Err, reportLine)
	if out.JournalKept {
		fmt.Fprintf(stdio.Err, "A change is waiting to be put back: run 'consentwiz restore' (journal: %s)\n", journal.Path())
	}
	return out.ExitCode()
}

func wizardInput(cfg Config, o WizardOptions, pending []flows.JournalEntry, restoreOnly bool) (flows.WizardInput, error) {
	in := flows.WizardInput{
		Tenant: o.Tenant, Journal: pending, RestoreOnly: restoreOnly,
		Now: time.Now(), Demo: cfg.Demo, DryRun: cfg.DryRun, Nonce: nonce(), RunID: runID(), Version: cfg.Version,
		RelaxWindow: cfg.RelaxWindow, RequestWindow: cfg.RequestWindow,
	}
	var err error
	if in.Profiles, err = nameProfiles(cfg.Demo); err != nil {
		return in, err
	}
	in.App, in.AppText, in.AppName, err = o.wizardApp()
	return in, err
}

func nonce() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "consentwiz"
	}
	return hex.EncodeToString(b)
}

// runID names this process's journal entries: random, so that two processes
// never share an entry id (flows.WizardInput.RunID).
func runID() string {
	id := nonce()
	if len(id) > 12 {
		id = id[:12]
	}
	return id + "-" + strconv.Itoa(os.Getpid())
}

func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// printChanges prints change log lines, under heading when there is one.
func printChanges(w io.Writer, heading string, changes []flows.Change) {
	if heading != "" {
		fmt.Fprintln(w, heading)
	}
	for _, c := range changes {
		v := "not verified"
		if c.Verified {
			v = "verified"
		}
		fmt.Fprintf(w, "  • %s: %s → %s (%s)\n", flows.Sanitize(c.What, 200), flows.Sanitize(c.Before, 400), flows.Sanitize(c.After, 400), v)
	}
}

// printOutcome prints the wizard's result after the screen is gone, so it
// stays in the terminal's scrollback.
func printOutcome(w io.Writer, out flows.Outcome) {
	if out.Kind == "" {
		return
	}
	fmt.Fprintf(w, "consentwiz: %s\n", out.Kind)
	if out.Summary != "" {
		fmt.Fprintln(w, flows.Sanitize(out.Summary, 2000))
	}
	// What is left for an admin, on a line of its own (whole, to copy).
	if out.Link != "" {
		fmt.Fprintf(w, "Link: %s\n", flows.Sanitize(out.Link, 0))
	}
	if out.SavedTo != "" {
		fmt.Fprintf(w, "Hand-off file: %s\n", flows.Sanitize(out.SavedTo, 0))
	}
	// When some changes were put back and some stay, they are listed apart
	// (as on the end screen).
	var kept, back []flows.Change
	for _, c := range out.Changes {
		if c.PutBack() {
			back = append(back, c)
		} else {
			kept = append(kept, c)
		}
	}
	if len(kept) > 0 && len(back) > 0 {
		printChanges(w, "Still in place:", kept)
		printChanges(w, "Put back:", back)
	} else {
		printChanges(w, "", out.Changes)
	}
	for _, r := range out.Requests {
		fmt.Fprintf(w, "  would send: %s %s %s\n", r.Method, r.Path, strings.TrimSpace(r.Body))
	}
	if out.Err != "" {
		fmt.Fprintf(w, "  error: %s\n", flows.Sanitize(out.Err, 1000))
	}
}

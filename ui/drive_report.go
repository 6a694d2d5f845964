package ui

import (
	"os"
	"path/filepath"
	"sync"
	"time"

	"consentwiz/flows"
)

// ReportOptions say where the wizard's support reports go.
type ReportOptions struct {
	// Dir is the folder reports are written to; empty means no report.
	Dir string
	// Unredacted keeps names, addresses and ids (--report-unredacted).
	Unredacted bool
	// Started is when the run began (default: when the driver started).
	Started time.Time
	// Log remembers what the run's reports said, so that one is written
	// only when it says something new (nil: every save writes).
	Log *ReportLog
}

// ReportLog is what a run's support reports said: a report saved with r and
// the run's end with nothing new since are one report, not two, and a run
// that read nothing and changed nothing (a restore with nothing to restore)
// writes none.
type ReportLog struct {
	mu   sync.Mutex
	last string // the substance of the last report written
	path string // its Markdown file
}

// substance is what a report says, for telling whether another says
// something new: without its times and the step it was written at, and
// without an outcome that adds nothing (stopped or nothing to restore, with
// no change, error or request). "" when it says nothing at all.
func substance(r flows.Report) string {
	r.Started, r.Ended, r.Notes = time.Time{}, time.Time{}, nil
	if o := r.Outcome; o != nil && (o.Kind == flows.OutcomeCancelled || o.Kind == flows.OutcomeNothingToRestore) &&
		len(o.Changes) == 0 && o.Err == "" && len(o.Requests) == 0 && !o.JournalKept {
		r.Outcome = nil
	}
	if r.Outcome == nil && r.Diagnosis == nil && len(r.FailedCalls) == 0 && r.SignedInAs == "" &&
		r.Tenant.ID == "" && r.Tenant.Domain == "" && r.App.ClientID == "" {
		return ""
	}
	b, err := r.JSON()
	if err != nil {
		return time.Now().String() // cannot compare: treat it as new
	}
	return string(b)
}

// reportDir is where a run's support reports go: the user config dir's
// reports folder, or for the demo (whose config dir is removed at exit) a
// folder in the system's temporary directory.
func reportDir(cfg Config, demo bool) string {
	if demo {
		return filepath.Join(os.TempDir(), "consentwiz-demo-reports")
	}
	return filepath.Join(cfg.ConfigDir, "reports")
}

// supportReport builds the report of a run from the machine's state, the
// failed Graph calls the effects recorded and the run's times.
func supportReport(d Deps, s flows.State, started, ended time.Time) flows.Report {
	in := flows.ReportInputFromState(s)
	in.Version = d.Version
	in.Started, in.Ended = started.UTC(), ended.UTC()
	if l, ok := d.Effects.(failedCallLister); ok {
		in.FailedCalls = l.FailedCalls()
	}
	if s.Outcome == nil && in.Outcome == nil {
		in.Notes = append(in.Notes, "Written while the wizard was at the step \""+s.Step.String()+"\": "+s.Prompt.Title+".")
	}
	return BuildSupportReport(in, d.Reports.Unredacted)
}

// saveSupportReport writes the report of s now, when it says something new
// (ReportLog); it returns the Markdown file's path — the earlier report's
// when this one would say nothing new (fresh false), "" when there is
// nothing to report. It does I/O: call it from a tea.Cmd or after the
// program.
func saveSupportReport(d Deps, s flows.State, started, ended time.Time) (path string, fresh bool, err error) {
	r := supportReport(d, s, started, ended)
	log := d.Reports.Log
	if log != nil {
		log.mu.Lock()
		defer log.mu.Unlock()
		switch sub := substance(r); {
		case sub == "":
			return log.path, false, nil
		case sub == log.last:
			return log.path, false, nil
		default:
			defer func() {
				if err == nil {
					log.last, log.path = sub, path
				}
			}()
		}
	}
	md, _, err := WriteReport(d.Reports.Dir, r)
	if err != nil {
		return "", false, err
	}
	if abs, err := filepath.Abs(md); err == nil {
		md = abs
	}
	return md, true, nil
}

// noReportNote answers a report asked for when the run has nothing to report.
const noReportNote = "Nothing to report: this run has read and changed nothing in a tenant."

// redactedWord says how a report was written, for messages.
func redactedWord(unredacted bool) string {
	if unredacted {
		return "not redacted"
	}
	return "redacted"
}

// reportHere reports whether the wizard offers a support report at s: on the
// checklist, the hand-off, and finished or failed screens (the TUI's r key,
// the line mode's "report").
func reportHere(s flows.State) bool {
	switch s.Prompt.Kind {
	case flows.PromptDone, flows.PromptFailed:
		return true
	}
	switch s.Step {
	case flows.StepChooseFix, flows.StepHandoff:
		return true
	}
	return false
}

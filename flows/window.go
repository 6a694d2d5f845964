package flows

import (
	"fmt"
	"time"
)

// The window of a temporary change: relax-user-consent keeps user consent
// relaxed, and a temporary request workflow keeps consent requests on, only
// while the wizard waits for a person — and at most for a bounded time. When
// the time runs out, the change is put back (through the restore
// sub-machine, which reads, compares and verifies) before the wizard ends.
//
// The machine has no clock: when the window opens it asks for two Ticks, one
// at once (to learn the time, for the countdown) and one when the window
// ends. Every Tick and Polled also carries the time, so a lost deadline Tick
// is noticed at the next poll.

// Default windows (WizardInput.RelaxWindow, RequestWindow).
const (
	// DefaultRelaxWindow: long enough for a user to sign in again and accept
	// a consent prompt, short enough that a forgotten terminal does not leave
	// the tenant relaxed for the day.
	DefaultRelaxWindow = 15 * time.Minute
	// DefaultRequestWindow: a reviewer gets a working day to approve the
	// request; requests themselves may stay open for up to 30 days, far
	// longer than a terminal should keep a temporary change.
	DefaultRequestWindow = 24 * time.Hour
)

// window is a temporary change's time limit.
type window struct {
	open     bool
	length   time.Duration
	ends     time.Time // known once the first Tick came
	clockSeq int       // the Tick that tells the time
	endSeq   int       // the Tick at the end
	out      bool      // it ran out
}

// over reports whether the window has ended by now.
func (w window) over(now time.Time) bool {
	return w.open && !w.ends.IsZero() && !now.Before(w.ends)
}

// TemporaryChange reports whether a temporary change is in place while the
// wizard waits for a person (user consent relaxed, consent requests on for
// a while): a driver that can no longer take answers (its input ended)
// stops the wizard with Interrupted rather than keep it in place.
func (s State) TemporaryChange() bool {
	return s.Run != nil && s.Run.window.open
}

// openWindow starts the time limit d of the change in place.
func openWindow(s State, d time.Duration) (State, []Effect) {
	w := &s.Run.window
	s.PollSeq++
	w.clockSeq = s.PollSeq
	s.PollSeq++
	w.endSeq = s.PollSeq
	w.open, w.length, w.ends, w.out = true, d, time.Time{}, false
	return s, []Effect{Wait{D: 0, Seq: w.clockSeq}, Wait{D: d, Seq: w.endSeq}}
}

// closeWindow ends the time limit (the change is being put back).
func closeWindow(s State) State {
	s.Run.window.open = false
	return s
}

// inWindow handles ev at a step that waits while a temporary change is in
// place: the window's own Ticks, then the step (step), and when the window
// has run out, expire (once).
func inWindow(s State, ev Event, step, expire func(State, Event) (State, []Effect)) (State, []Effect) {
	w := &s.Run.window
	if t, ok := ev.(Tick); ok && w.open && !w.out {
		switch t.Seq {
		case w.clockSeq:
			if !t.Now.IsZero() {
				w.ends = t.Now.Add(w.length)
			}
			return s, nil
		case w.endSeq:
			w.out = true
			return expire(s, ev)
		}
	}
	before := s.Step
	s, effs := step(s, ev)
	if s.Run != nil && s.Step == before && s.Run.window.over(s.Now) && !s.Run.window.out {
		s.Run.window.out = true
		var more []Effect
		s, more = expire(s, ev)
		effs = append(effs, more...)
	}
	return s, effs
}

// windowNote is the countdown shown while the window is open.
func windowNote(s State, what string) string {
	w := s.Run.window
	if !w.open {
		return ""
	}
	if w.ends.IsZero() {
		return fmt.Sprintf("If nothing happens within %s, consentwiz %s by itself.", durationText(w.length), what)
	}
	left := max(w.ends.Sub(s.Now), 0)
	return fmt.Sprintf("If nothing happens by %s (%s left), consentwiz %s by itself.", w.ends.Format("15:04"), clockText(left), what)
}

// durationText is a window's length in words: "15 minutes", "24 hours", "3 seconds".
func durationText(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return countNoun(int(d/time.Hour), "hour", "hours")
	case d >= time.Minute && d%time.Minute == 0:
		return countNoun(int(d/time.Minute), "minute", "minutes")
	case d < time.Minute:
		return countNoun(int((d+time.Second-1)/time.Second), "second", "seconds")
	}
	return d.Round(time.Second).String()
}

// clockText is a time left as a countdown: "14:55", "23:59:30".
func clockText(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, sec := int(d/time.Hour), int(d/time.Minute)%60, int(d/time.Second)%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, sec)
	}
	return fmt.Sprintf("%d:%02d", m, sec)
}

// interrupted stops the wizard from outside (a signal, the end of the
// input): like Cancel, but nothing more is asked — a conflict is left in the
// journal and a failure ends the wizard.
func interrupted(s State, e Interrupted) (State, []Effect) {
	s.interrupted = true
	if s.stopWhy == "" {
		s.stopWhy = firstNonEmpty(e.Why, "interrupted")
	}
	if s.Step == StepFailed && s.Failure != nil && !s.written() {
		return finishFailure(s)
	}
	return cancel(s)
}

// firstDuration is d, or def when d is not positive.
func firstDuration(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

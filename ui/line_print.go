package ui

import (
	"strings"

	"consentwiz/flows"
)

// show prints the current prompt when it is new, or what changed on it (an
// input error, a poll result) when it is not.
func (p *plain) show() {
	s := p.s
	pr := s.Prompt
	var poll flows.Polling // what a fix run's polling found (none outside a run)
	if s.Run != nil {
		poll = s.Run.Poll
	}
	var keys []string
	for _, o := range pr.Options {
		keys = append(keys, string(o.Key))
	}
	sig := s.Step.String() + "|" + pr.Kind.String() + "|" + pr.Title + "|" + strings.Join(keys, ",")
	labels := make([]string, len(pr.Options))
	for i, o := range pr.Options {
		labels[i] = o.Label
	}
	// The same question whose title alone changed (who connected, named
	// once their names are read): say the new title, not the whole question again.
	rest := s.Step.String() + "|" + pr.Kind.String() + "|" + strings.Join(keys, ",") + "|" + pr.Body
	if sig != p.shown && rest == p.shownRest && pr.Kind != flows.PromptProgress {
		p.shown, p.shownTitle = sig, pr.Title
		p.printf("Now: %s\n", flows.Sanitize(pr.Title, 300))
	}
	if sig != p.shown {
		if p.shown != "" && p.shownKind == flows.PromptProgress && pr.Kind != flows.PromptFailed {
			p.printf("Done: %s.\n", strings.TrimRight(flows.Sanitize(p.shownTitle, 200), ".…"))
		}
		p.shown, p.shownKind, p.shownTitle, p.shownRest = sig, pr.Kind, pr.Title, rest
		p.block = nil
		p.lastErr, p.lastNote = s.InputErr, pr.Note
		p.lastMissing, p.lastPollErr = strings.Join(poll.Missing, ", "), poll.Err
		p.lastLabels, p.lastWrite = labels, firstLine(pr.Body)
		p.printPrompt()
		return
	}
	// The same question with an answer changed (a setting toggled): say the
	// new value, so a screen reader user hears it (reliability review L8).
	for i, l := range labels {
		if i < len(p.lastLabels) && l != p.lastLabels[i] {
			p.printf("Now: %s\n", flows.Sanitize(l, 200))
		}
	}
	p.lastLabels = labels
	// The next write of several ("2 of 3: …").
	if w := firstLine(pr.Body); s.Step == flows.StepWriting && w != p.lastWrite {
		p.lastWrite = w
		if w != "" {
			p.printf("%s\n", flows.Sanitize(w, 300))
		}
	}
	if e := s.InputErr; e != p.lastErr {
		p.lastErr = e
		if e != "" {
			p.printf("Not accepted: %s\n", flows.Sanitize(e, 600))
			p.printf("%s\n", p.hint())
		}
	}
	if n := pr.Note; n != p.lastNote {
		// How the wait stands and what the last action did.
		p.lastNote = n
		if n != "" {
			p.printf("%s\n", flows.Sanitize(n, 600))
		}
	}
	if u := poll.Simulated; u != p.lastUser {
		p.lastUser = u
		if u != "" {
			p.printf("%s\n", flows.Sanitize(u, 600))
		}
	}
}

// printPrompt prints a prompt as plain lines: no colour, no box, numbered
// choices, links on their own lines, and status words.
func (p *plain) printPrompt() {
	s := p.s
	pr := s.Prompt
	p.printf("\n")
	if line := stepLabel(pr, ": ", flows.Sanitize(pr.StepTitle, 120)); line != "" {
		p.printf("%s\n", line)
	}
	title := flows.Sanitize(pr.Title, 300)
	switch pr.Kind {
	case flows.PromptProgress:
		p.printf("Working: %s…\n", strings.TrimRight(title, ".…"))
	case flows.PromptDone:
		p.printf("Done: %s\n", title)
	case flows.PromptFailed:
		p.printf("Failed: %s\n", title)
	default:
		p.printf("%s\n", title)
	}
	if body := p.body(); body != "" {
		p.printf("%s\n", body)
	}
	if n := pr.Note; n != "" {
		p.printf("%s\n", flows.Sanitize(n, 600))
	}
	for _, l := range pr.Links {
		p.printf("%s: %s\n", flows.Sanitize(orText(l.Label, "Link"), 120), flows.Sanitize(l.URL, 0))
	}
	for _, sn := range pr.Snippets {
		p.printf("%s: %s\n", flows.Sanitize(orText(sn.Label, "Text"), 300), flows.Sanitize(sn.Text, 0))
	}
	for _, d := range pr.Preview {
		p.printf("%s\n", flows.Sanitize(d.Label, 200))
		if d.Before != "" {
			p.printf("  Before: %s\n", flows.Sanitize(d.Before, 1000))
			p.printf("  After: %s\n", flows.Sanitize(d.After, 1000))
		} else {
			p.printf("  %s\n", flows.Sanitize(d.After, 1000))
		}
	}
	for i, o := range pr.Options {
		line := itoa(i+1) + ") " + flows.Sanitize(o.Label, 200)
		if o.Disabled {
			line += " (not possible: " + flows.Sanitize(orText(o.Reason, "not available here"), 400) + ")"
		} else if d := flows.Sanitize(o.Detail, 400); d != "" {
			line += " — " + d
		}
		p.printf("%s\n", line)
		if w := flows.Sanitize(o.Warn, 300); w != "" && !o.Disabled {
			p.printf("   ! %s\n", w)
		}
	}
	if e := strings.TrimSpace(s.InputErr); e != "" && s.Step != flows.StepDone {
		p.printf("Not accepted: %s\n", flows.Sanitize(e, 600))
	}
	if pr.Kind != flows.PromptDone && s.Step != flows.StepDone {
		if pr.Kind != flows.PromptProgress || len(pr.Options) > 0 || pr.CanDone {
			p.printf("%s\n", p.hint())
		}
	}
}

// body is the prompt's body, sanitized line by line, without the input
// error (printed on its own line).
func (p *plain) body() string {
	b := strings.TrimSpace(p.s.Prompt.Body)
	if e := strings.TrimSpace(p.s.InputErr); e != "" && p.s.Step != flows.StepDone {
		b = strings.TrimSpace(strings.TrimSuffix(b, e))
	}
	return cleanLines(b, 4000)
}

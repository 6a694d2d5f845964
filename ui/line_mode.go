package ui

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"consentwiz/flows"
)

// RunPlain runs the wizard in plain line mode (--accessible, TERM=dumb, or
// when stdin or stdout is not a terminal): each prompt is printed as plain
// lines and answers are read line by line from in. There is no Bubble Tea,
// no escape code, no box drawing and no spinner, so it works with screen
// readers and with piped answers. The end of input cancels the wizard when
// an answer is needed.
func RunPlain(ctx context.Context, d Deps, in io.Reader, out io.Writer) (flows.Outcome, error) {
	return newPlain(ctx, d, in, out, time.After, time.Now).run()
}

// runPlain is RunPlain that also returns the machine's final state (for the
// support report).
func runPlain(ctx context.Context, d Deps, in io.Reader, out io.Writer) (flows.Outcome, flows.State, error) {
	p := newPlain(ctx, d, in, out, time.After, time.Now)
	o, err := p.run()
	return o, p.s, err
}

// plain drives the machine in line mode.
type plain struct {
	ctx   context.Context
	d     Deps
	out   io.Writer
	lines <-chan string // closed at the end of input
	eof   bool
	block []string                             // the lines of a multi-line answer so far (Prompt.Multiline)
	ahead []string                             // lines typed ahead while a sign-in was pending
	after func(time.Duration) <-chan time.Time // the sleeper (tests fire at once)
	now   func() time.Time
	// started is when the run began, for the support report.
	started time.Time

	s           flows.State
	demoTenant  string
	waits       []plainWait
	signIn      *plainSignIn
	interrupted bool // an Interrupted was fed: the machine is putting things back

	eofSaid               bool   // the end of input during a sign-in was reported
	shown                 string // signature of the prompt last printed
	shownKind             flows.PromptKind
	shownTitle            string
	shownRest             string // the prompt last printed, but for its title
	lastErr, lastNote     string
	lastMissing           string
	lastPollErr, lastUser string
	lastLabels            []string // the options' labels as last shown
	lastWrite             string   // the write in progress as last shown
}

type plainWait struct {
	seq int
	at  time.Time
	ch  <-chan time.Time
}

type plainSignIn struct {
	code   string
	done   chan flows.Event
	cancel context.CancelFunc
}

func newPlain(ctx context.Context, d Deps, in io.Reader, out io.Writer, after func(time.Duration) <-chan time.Time, now func() time.Time) *plain {
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	started := d.Reports.Started
	if started.IsZero() {
		started = now()
	}
	return &plain{ctx: ctx, d: d, out: out, lines: lines, after: after, now: now, started: started, demoTenant: demoTenant(d.Effects)}
}

func (p *plain) printf(format string, a ...any) { fmt.Fprintf(p.out, format, a...) }

func (p *plain) run() (flows.Outcome, error) {
	s, queue := flows.Start(p.d.Input)
	p.s = s
	for {
		for len(queue) > 0 {
			e := queue[0]
			queue = queue[1:]
			if f, ok := e.(flows.Finish); ok {
				p.show()
				p.printf("Result: %s\n", outcomeWord(f.Outcome.Kind))
				return f.Outcome, nil
			}
			p.show()
			if ev := p.effect(e); ev != nil {
				queue = append(queue, p.next(ev)...)
			}
		}
		p.show()
		ev, err := p.await()
		if err != nil {
			return flows.Stopped(p.s, err.Error()), err
		}
		queue = p.next(ev)
	}
}

func (p *plain) next(ev flows.Event) []flows.Effect {
	s, effs := flows.Next(p.s, ev)
	p.s = s
	return effs
}

// effect performs one effect and returns its answer, or nil when the answer
// comes later (Wait, a sign-in the user must complete).
func (p *plain) effect(e flows.Effect) flows.Event {
	fx := p.d.Effects
	switch e := e.(type) {
	case flows.Wait:
		p.waits = append(p.waits, plainWait{seq: e.Seq, at: p.now().Add(e.D), ch: p.after(e.D)})
		sort.SliceStable(p.waits, func(i, j int) bool { return p.waits[i].at.Before(p.waits[j].at) })
		return nil
	case flows.SignIn:
		return p.startSignIn(e)
	case flows.OpenURL:
		ev := fx.Run(p.ctx, e)
		if o, ok := ev.(flows.Opened); ok && o.Err == nil {
			p.printf("Opened in the browser.\n")
		}
		return ev
	case flows.CopyText:
		// The system clipboard only: the line mode prints no escape
		// sequence, so there is no OSC 52. The machine's note says how it went.
		return fx.Run(p.ctx, e)
	case flows.SaveFile:
		ev := fx.Run(p.ctx, e)
		if sv, ok := ev.(flows.Saved); ok {
			if sv.Err != nil {
				p.printf("Could not save the file: %s\n", flows.Sanitize(sv.Err.Error(), 400))
			} else {
				p.printf("Saved to %s\n", flows.Sanitize(sv.Path, 400))
			}
		}
		return ev
	}
	return fx.Run(p.ctx, e)
}

func (p *plain) startSignIn(e flows.SignIn) flows.Event {
	ps, err := p.d.Effects.StartSignIn(p.ctx, e)
	if err != nil {
		return flows.SignedIn{Err: err}
	}
	if ps == nil || ps.Wait == nil {
		return flows.SignedIn{Err: fmt.Errorf("the sign-in did not start")}
	}
	if ps.Code == nil && !ps.Browser {
		return ps.Wait(p.ctx) // silent: a token is already there
	}
	si := &plainSignIn{done: make(chan flows.Event, 1)}
	if c := ps.Code; c != nil {
		si.code = c.UserCode
		p.printf("Open %s and enter the code %s\n", flows.Sanitize(c.VerificationURL, 0), flows.Sanitize(c.UserCode, 40))
		if !c.ExpiresOn.IsZero() {
			p.printf("The code expires at %s.\n", c.ExpiresOn.Local().Format("15:04"))
		}
		if p.d.Effects.Demo() != nil {
			p.printf("Demo: type 'approve' to approve it from here.\n")
		}
	} else {
		p.printf("A browser window was opened to sign in. If it did not open, open %s\n", flows.Sanitize(ps.URL, 0))
	}
	p.printf("Waiting for the sign-in (type back or cancel to stop).\n")
	ctx, cancel := context.WithCancel(p.ctx)
	si.cancel = cancel
	wait := ps.Wait
	go func() { si.done <- wait(ctx) }()
	p.signIn = si
	return nil
}

// needsAnswer reports whether the machine waits for the user (not for I/O).
func (p *plain) needsAnswer() bool {
	switch p.s.Prompt.Kind {
	case flows.PromptProgress:
		return len(p.waits) == 0 && p.signIn == nil
	}
	return true
}

// await returns the next event: an answer typed by the user, a timer or the
// end of a sign-in. A line already typed (piped input) wins over a timer.
func (p *plain) await() (flows.Event, error) {
	for {
		if len(p.ahead) > 0 && p.signIn == nil {
			line := p.ahead[0]
			p.ahead = p.ahead[1:]
			if ev := p.line(line, true); ev != nil {
				return ev, nil
			}
			continue
		}
		if p.eof && p.needsAnswer() {
			p.printf("End of input: cancelling.\n")
			p.stopSignIn()
			return flows.Cancel{}, nil
		}
		if p.eof && p.s.TemporaryChange() && !p.interrupted {
			// Nobody can say "done" any more: a temporary change must not
			// stay in place until its window runs out.
			return p.interrupt("the input ended"), nil
		}
		if p.eof && p.signIn != nil && !p.eofSaid {
			p.eofSaid = true
			p.printf("End of input: still waiting for the sign-in in the browser (the code is valid for about 15 minutes); press ctrl+c to stop.\n")
		}
		reading := !p.eof && len(p.ahead) == 0
		if reading {
			select {
			case line, ok := <-p.lines:
				if ev := p.line(line, ok); ev != nil {
					return ev, nil
				}
				continue
			default:
			}
		}
		var lines <-chan string
		if reading {
			lines = p.lines
		}
		var timer <-chan time.Time
		if len(p.waits) > 0 {
			timer = p.waits[0].ch
		}
		var signIn chan flows.Event
		if p.signIn != nil {
			signIn = p.signIn.done
		}
		select {
		case <-p.ctx.Done():
			p.stopSignIn()
			return nil, p.ctx.Err()
		case why := <-p.d.Interrupts:
			if !p.interrupted {
				return p.interrupt(why), nil
			}
		case line, ok := <-lines:
			if ev := p.line(line, ok); ev != nil {
				return ev, nil
			}
		case t := <-timer:
			w := p.waits[0]
			p.waits = p.waits[1:]
			return flows.Tick{Seq: w.seq, Now: t}, nil
		case ev := <-signIn:
			p.signIn.cancel()
			p.signIn = nil
			return ev, nil
		}
	}
}

// interrupt is the event that stops the wizard from outside.
func (p *plain) interrupt(why string) flows.Event {
	p.interrupted = true
	p.stopSignIn()
	p.printf("Stopping (%s): putting back what was changed, then ending.\n", why)
	return flows.Interrupted{Why: why}
}

func (p *plain) stopSignIn() {
	if p.signIn != nil {
		p.signIn.cancel()
		p.signIn = nil
	}
}

// line handles one line of input (ok false: end of input) and returns the
// event it means, or nil after explaining why it was not accepted.
func (p *plain) line(line string, ok bool) flows.Event {
	if !ok {
		p.eof = true
		return p.endBlock()
	}
	if p.d.Echo {
		p.printf("> %s\n", flows.Sanitize(line, 500))
	}
	ev, why := p.parse(line)
	if ev == nil {
		if why != "" {
			p.printf("%s\n", why)
		}
		return nil
	}
	switch ev.(type) {
	case flows.Back, flows.Cancel:
		p.stopSignIn()
	}
	return ev
}

// parse turns a typed line into an event, or says why it cannot.
func (p *plain) parse(line string) (flows.Event, string) {
	pr := p.s.Prompt
	text := strings.TrimSpace(line)
	word := strings.ToLower(text)
	switch word {
	case "cancel", "quit", "exit":
		return flows.Cancel{}, ""
	case "back":
		if pr.CanBack {
			return flows.Back{}, ""
		}
		return nil, "There is no going back from here."
	case "help", "?":
		return nil, p.hint()
	case "report":
		if reportHere(p.s) && p.d.Reports.Dir != "" {
			path, fresh, err := saveSupportReport(p.d, p.s, p.started, p.now())
			switch {
			case err != nil:
				return nil, "Could not save the support report: " + err.Error()
			case path == "":
				return nil, noReportNote
			case !fresh:
				return nil, "Support report already saved, nothing new since: " + path
			}
			return nil, "Support report saved (" + redactedWord(p.d.Reports.Unredacted) + "): " + path
		}
	case "accept":
		if u := p.demoLink(); u != "" && p.signIn == nil {
			if err := p.d.Effects.Demo().AcceptAdminConsent(u); err != nil {
				return nil, "The simulated administrator could not accept: " + err.Error()
			}
			p.printf("Demo: the simulated administrator accepted the consent page in the (simulated) browser.\n")
			if pr.CanDone {
				return flows.DoneKey{}, ""
			}
			return nil, ""
		}
	case "approve":
		if p.signIn != nil && p.signIn.code != "" && p.d.Effects.Demo() != nil {
			if err := p.d.Effects.Demo().ApproveDeviceCode(p.signIn.code); err != nil {
				return nil, "Could not approve the code: " + err.Error()
			}
			return nil, "Approved as the demo admin; finishing the sign-in."
		}
	}
	if p.signIn != nil {
		// Typed ahead: the answer to the next question.
		p.ahead = append(p.ahead, line)
		return nil, ""
	}
	switch pr.Kind {
	case flows.PromptInput:
		if pr.Multiline && (text != "" || len(p.block) > 0) {
			// A pasted block arrives a line at a time: gather it up to an
			// empty line, so flows reads it field by field.
			if text != "" {
				p.block = append(p.block, line)
				return nil, ""
			}
			return p.endBlock(), ""
		}
		if text == "" {
			text = inputDefault(p.s, p.demoTenant)
		}
		return flows.Entered{Text: text}, ""
	case flows.PromptInfo:
		return flows.Confirmed{}, ""
	case flows.PromptConfirm:
		switch word {
		case "y", "yes", "confirm", "":
			if word == "" {
				return nil, "Type yes to confirm, or back."
			}
			return flows.Confirmed{}, ""
		case "n", "no":
			if pr.CanBack {
				return flows.Back{}, ""
			}
		}
		return nil, "Type yes to confirm, or back."
	}
	if (word == "done" || word == "d") && pr.CanDone {
		return flows.DoneKey{}, ""
	}
	if n, err := strconv.Atoi(word); err == nil {
		if n < 1 || n > len(pr.Options) {
			return nil, fmt.Sprintf("There is no choice %d. %s", n, p.hint())
		}
		o := pr.Options[n-1]
		if o.Disabled {
			return nil, fmt.Sprintf("Choice %d is not possible: %s", n, flows.Sanitize(orText(o.Reason, "not available here"), 400))
		}
		return flows.Chose{Key: o.Key}, ""
	}
	for _, o := range pr.Options {
		if word != "" && strings.EqualFold(word, string(o.Key)) && !o.Disabled {
			return flows.Chose{Key: o.Key}, ""
		}
	}
	if pr.Kind == flows.PromptProgress && word == "" {
		return nil, ""
	}
	if word == "" {
		return nil, p.hint()
	}
	return nil, fmt.Sprintf("Not understood: %q. %s", flows.Sanitize(text, 60), p.hint())
}

func orText(s, d string) string {
	if strings.TrimSpace(s) == "" {
		return d
	}
	return s
}

// endBlock answers a multi-line input with the lines gathered, if any.
func (p *plain) endBlock() flows.Event {
	if len(p.block) == 0 {
		return nil
	}
	text := strings.Join(p.block, "\n")
	p.block = nil
	return flows.Entered{Text: text}
}

// demoLink is the admin consent link on screen the demo's administrator
// can accept, or "".
func (p *plain) demoLink() string {
	if p.d.Effects == nil || p.d.Effects.Demo() == nil || p.s.Step == flows.StepChooseFix {
		return ""
	}
	for _, l := range p.s.Prompt.Links {
		if strings.Contains(strings.ToLower(l.URL), "/adminconsent?") {
			return l.URL
		}
	}
	return ""
}

// hint says what can be typed at the current prompt.
func (p *plain) hint() string {
	pr := p.s.Prompt
	var can []string
	switch pr.Kind {
	case flows.PromptInput:
		h := "Type your answer and press Enter"
		if pr.Multiline {
			h = "Paste the text (several lines are fine) and end it with an empty line"
		}
		if d := inputDefault(p.s, p.demoTenant); d != "" {
			h += " (an empty line keeps " + flows.Sanitize(d, 200) + ")"
		}
		can = append(can, h)
	case flows.PromptConfirm:
		can = append(can, "Type yes to confirm")
	case flows.PromptInfo:
		can = append(can, "Press Enter to continue")
	}
	if len(pr.Options) > 0 {
		if len(pr.Options) == 1 {
			can = append(can, "Type 1 to choose")
		} else {
			can = append(can, fmt.Sprintf("Type a number from 1 to %d", len(pr.Options)))
		}
	}
	if pr.CanDone {
		can = append(can, "done ("+flows.Sanitize(orText(pr.DoneLabel, "done"), 80)+")")
	}
	if p.demoLink() != "" {
		can = append(can, "accept (the demo's administrator accepts the consent page)")
	}
	if pr.CanBack {
		can = append(can, "back")
	}
	if p.d.Reports.Dir != "" && reportHere(p.s) {
		can = append(can, "report (save a support report)")
	}
	can = append(can, "cancel")
	if len(can) == 1 {
		return "Working. Type cancel to stop."
	}
	return strings.Join(can[:len(can)-1], ", ") + " or " + can[len(can)-1] + "."
}

package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"consentwiz/flows"
)

// The scheduler of a --tenants run and the views that show its results.

// manyView shows a run's progress and results. The scheduler calls done,
// started, waiting and finish from its own goroutine; notice may come from
// any worker.
type manyView interface {
	started(i int)
	// waiting: tenant i waits — until at for a throttled tenant, or for its
	// own sign-in (at is zero).
	waiting(i int, at time.Time, why string)
	notice(text string)
	done(i int, d tenantDone)
	finish(sum flows.TenantSummary)
}

// scheduler runs the job for every tenant: at most conc at once in the main
// lane, and one at a time in the fallback lane (a tenant's own sign-in,
// --interactive-fallback). A throttled tenant leaves its lane and comes back
// after its Retry-After, ahead of the tenants not started yet.
type scheduler struct {
	m       *manyRun
	r       *Runner
	tenants []tenantEntry
	conc    int
	view    manyView
}

type finished struct {
	i   int
	own bool // the fallback lane
	d   tenantDone
}

type waitItem struct {
	i   int
	own bool
	at  time.Time
}

// loop runs every tenant and returns the summary, and whether the run was
// cancelled before every tenant was checked.
func (s *scheduler) loop(ctx context.Context) (flows.TenantSummary, bool) {
	n := len(s.tenants)
	jobs, fjobs := make(chan int), make(chan int)
	results := make(chan finished)
	var wg sync.WaitGroup
	worker := func(lane chan int, own bool) {
		for i := range lane {
			results <- finished{i, own, s.runOne(ctx, i, own)}
		}
	}
	for range s.conc {
		wg.Go(func() { worker(jobs, false) })
	}
	wg.Go(func() { worker(fjobs, true) })
	defer func() {
		close(jobs)
		close(fjobs)
		wg.Wait()
	}()

	ready := make([]int, n)
	for i := range ready {
		ready[i] = i
	}
	var fready []int
	var waiting []waitItem
	inflight, finflight := 0, 0
	tries := make([]int, n)
	waited := make([]time.Duration, n)
	var sum flows.TenantSummary
	remaining := n
	emit := func(i int, d tenantDone) {
		sum.Add(d.Result.Outcome)
		s.view.done(i, d)
		remaining--
	}
	cancelled := false
	ctxDone := ctx.Done()
	for remaining > 0 {
		var send, fsend chan int
		var next, fnext int
		if len(ready) > 0 && inflight < s.conc {
			send, next = jobs, ready[0]
		}
		if len(fready) > 0 && finflight == 0 {
			fsend, fnext = fjobs, fready[0]
		}
		var timer *time.Timer
		var due <-chan time.Time
		if len(waiting) > 0 {
			first := waiting[0].at
			for _, w := range waiting[1:] {
				if w.at.Before(first) {
					first = w.at
				}
			}
			timer = time.NewTimer(max(0, first.Sub(s.m.now())))
			due = timer.C
		}
		select {
		case send <- next:
			ready = ready[1:]
			inflight++
			s.view.started(next)
		case fsend <- fnext:
			fready = fready[1:]
			finflight++
			s.view.started(fnext)
		case f := <-results:
			if f.own {
				finflight--
			} else {
				inflight--
			}
			tries[f.i]++
			d := f.d
			if d.Throttled {
				wait := d.Wait
				if wait <= 0 {
					wait = time.Duration(tries[f.i]) * 2 * time.Second
				}
				if ctx.Err() == nil && tries[f.i] < maxThrottleTries && wait <= maxThrottleWait {
					// Wait without a worker: others take the slot meanwhile.
					waited[f.i] += wait
					at := s.m.now().Add(wait)
					waiting = append(waiting, waitItem{f.i, f.own, at})
					s.view.waiting(f.i, at, "throttled by Microsoft Graph")
					break
				}
				d.Result.Outcome = flows.TenantThrottled
				d.Result.Reason = flows.ThrottledReason(tries[f.i], waited[f.i], d.Wait)
				d.Result.RetryAfter = int(d.Wait.Round(time.Second) / time.Second)
			}
			if d.Result.Outcome == flows.TenantNeedsSignIn && s.m.o.InteractiveFallback && !f.own && ctx.Err() == nil {
				fready = append(fready, f.i)
				s.view.waiting(f.i, time.Time{}, "needs its own sign-in: after the others, one at a time")
				break
			}
			emit(f.i, d)
		case <-due:
			now := s.m.now()
			var still []waitItem
			var back, fback []int
			for _, w := range waiting {
				switch {
				case w.at.After(now):
					still = append(still, w)
				case w.own:
					fback = append(fback, w.i)
				default:
					back = append(back, w.i)
				}
			}
			waiting = still
			ready = append(back, ready...)
			fready = append(fback, fready...)
		case <-ctxDone:
			// Stop starting tenants; those in a worker end with ctx.
			cancelled, ctxDone = true, nil
			for _, i := range append(append(ready, fready...), waitingIdx(waiting)...) {
				emit(i, cancelledDone(s.tenants[i]))
			}
			ready, fready, waiting = nil, nil, nil
		}
		if timer != nil {
			timer.Stop()
		}
	}
	return sum, cancelled
}

func waitingIdx(ws []waitItem) []int {
	var out []int
	for _, w := range ws {
		out = append(out, w.i)
	}
	return out
}

func cancelledDone(e tenantEntry) tenantDone {
	return tenantDone{Result: flows.TenantResult{Tenant: e.Input, Name: e.Name, Outcome: flows.TenantError, Reason: "not checked: cancelled"}}
}

// runOne runs the job for tenant i; own is the fallback lane (the tenant
// may get a sign-in of its own).
func (s *scheduler) runOne(ctx context.Context, i int, own bool) tenantDone {
	e := s.tenants[i]
	if e.Err != nil {
		return tenantDone{Result: flows.TenantResult{Tenant: e.Input, Outcome: flows.TenantError, Reason: fmt.Sprintf("line %d: %v", e.Line, e.Err)}}
	}
	if ctx.Err() != nil {
		return cancelledDone(e)
	}
	t := &tenantTask{Entry: e, Runner: s.r, fx: &taskEffects{r: s.r, own: own},
		Notify: func(line string) { s.view.notice(e.label() + ": " + line) }}
	d := s.m.job(ctx, t)
	d.Result.Tenant = firstNonEmpty(d.Result.Tenant, e.Input)
	d.Result.Name = firstNonEmpty(e.Name, d.Result.Name)
	return d
}

// ---- lines ------------------------------------------------------------------------

// lineWriter writes whole lines to w under a lock, so that lines of
// concurrent tenants never interleave.
type lineWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lineWriter) println(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintln(l.w, s)
}

// lineView writes a line a tenant to out as each finishes — with --json one
// JSON object (manyJSONLine), then {"summary":{…}} — and progress, device
// codes and the summary to err.
type lineView struct {
	cmd     string
	json    bool
	out     io.Writer
	err     *lineWriter
	tenants []tenantEntry
	n       int
}

func (v *lineView) started(int) {}

func (v *lineView) waiting(i int, at time.Time, why string) {
	msg := v.tenants[i].label() + ": " + why
	if !at.IsZero() {
		msg += fmt.Sprintf("; trying again at %s", at.Format("15:04:05"))
	}
	v.err.println(msg)
}

func (v *lineView) notice(text string) { v.err.println(text) }

func (v *lineView) done(_ int, d tenantDone) {
	v.n++
	if !v.json {
		fmt.Fprintln(v.out, humanLine(d.Result))
		return
	}
	b, err := manyJSONLine(d)
	if err != nil {
		b, _ = json.Marshal(flows.TenantResult{Tenant: d.Result.Tenant, Outcome: flows.TenantError, Reason: err.Error()})
	}
	fmt.Fprintln(v.out, string(b))
	v.err.println(fmt.Sprintf("[%d/%d] %s: %s", v.n, len(v.tenants), resultLabel(d.Result), d.Result.Outcome))
}

func (v *lineView) finish(sum flows.TenantSummary) {
	v.err.println("consentwiz " + v.cmd + ": " + sum.Line())
	if v.json {
		b, _ := json.Marshal(map[string]flows.TenantSummary{"summary": sum})
		fmt.Fprintln(v.out, string(b))
	}
}

// humanLine is a tenant's result in one line.
func humanLine(r flows.TenantResult) string {
	return fmt.Sprintf("%s: %s — %s", resultLabel(r), r.Outcome, r.Reason)
}

// resultLabel names a result's tenant: as given, with its name when known.
func resultLabel(r flows.TenantResult) string {
	if r.Name != "" && !strings.EqualFold(r.Name, r.Tenant) {
		return r.Name + " (" + r.Tenant + ")"
	}
	return r.Tenant
}

// manyJSONLine is a tenant's JSON line: the flows.TenantResult fields,
// "error" (the reason) when the tenant has no answer (needs its own
// sign-in, throttled, error), and the job's own fields (d.Line, e.g.
// check's "diagnosis").
func manyJSONLine(d tenantDone) ([]byte, error) {
	base := struct {
		flows.TenantResult
		Error string `json:"error,omitempty"`
	}{TenantResult: d.Result}
	switch d.Result.Outcome {
	case flows.TenantNeedsSignIn, flows.TenantThrottled, flows.TenantError:
		base.Error = d.Result.Reason
	}
	b, err := json.Marshal(base)
	if err != nil || d.Line == nil {
		return b, err
	}
	extra, err := json.Marshal(d.Line)
	if err != nil {
		return nil, err
	}
	if len(extra) < 2 || extra[0] != '{' || string(extra) == "{}" {
		return b, nil
	}
	return append(append(b[:len(b)-1], ','), extra[1:]...), nil
}

// tableThenLines shows the live table while the run goes on, then the
// lines (the full record, which the table may not have had room for).
type tableThenLines struct {
	table   *tableView
	lines   manyView
	results []tenantDone
}

func (t *tableThenLines) started(i int)                           { t.table.started(i) }
func (t *tableThenLines) waiting(i int, at time.Time, why string) { t.table.waiting(i, at, why) }
func (t *tableThenLines) notice(text string)                      { t.table.notice(text) }

func (t *tableThenLines) done(i int, d tenantDone) {
	t.table.done(i, d)
	t.results = append(t.results, d)
}

func (t *tableThenLines) finish(sum flows.TenantSummary) {
	t.table.finish(sum)
	t.table.wait()
	for _, d := range t.results {
		t.lines.done(0, d)
	}
	t.lines.finish(sum)
}

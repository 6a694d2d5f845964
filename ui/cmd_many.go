package ui

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"consentwiz/flows"
	"consentwiz/graph"
	"consentwiz/graph/entra"
)

// The many-tenant runner of `check --tenants` (and `scan --tenants`): one
// sign-in at home, then a job per tenant, at most --concurrency at once,
// each tenant's token silently with the same account (io_home.go). A tenant
// that the sign-in does not reach is reported as needing its own sign-in —
// it never blocks the others — and with --interactive-fallback signed in to
// alone, one at a time, while the others go on. A tenant that Graph
// throttles does not hold a worker: it is scheduled again after its
// Retry-After, and reported as throttled, with the wait, when Graph keeps
// throttling it. Results stream as each tenant finishes: a live table on a
// terminal (tui_tenants.go), else one line a tenant (with --json one JSON
// object), then the summary.

// Limits of a --tenants run: DefaultConcurrency and MaxConcurrency are
// --concurrency's default and its largest value.
const (
	DefaultConcurrency = 8
	MaxConcurrency     = 64
	maxTenantList      = 1 << 20 // bytes of the tenants file
	maxTenants         = 10000
	// maxThrottleTries is how often a throttled tenant is tried in all;
	// maxThrottleWait the longest Retry-After the run waits out.
	maxThrottleTries = 5
	maxThrottleWait  = 2 * time.Minute
)

// throttleInlineWait: Retry-After waits up to this long are taken inside
// the Graph client, in the worker; a longer one comes back to the
// scheduler. (A variable: BenchmarkCheckManyThrottled compares it with
// waiting in the worker.)
var throttleInlineWait = 500 * time.Millisecond

// ManyOptions are the options every --tenants command takes.
type ManyOptions struct {
	Tenants     string // a file of tenants, one a line ("-": standard input)
	HomeTenant  string // where to sign in once ("": organizations)
	Concurrency int    // tenants at once (0: the default)
	// InteractiveFallback signs in to each tenant that the one sign-in does
	// not reach, alone, one at a time.
	InteractiveFallback bool
}

// tenantEntry is one tenant named in the --tenants input.
type tenantEntry struct {
	Line  int    // 1-based line number
	Input string // the domain or tenant id as written (sanitized)
	// Name and Roles come from a `consentwiz tenants --json` line: the
	// customer's name and the GDAP roles held there.
	Name  string
	Roles []flows.RoleRef
	Err   error // not a domain or tenant id
}

// label names the tenant in the table and the lines.
func (e tenantEntry) label() string { return firstNonEmpty(e.Name, e.Input) }

// parseTenantList reads one domain or tenant id a line, or the output of
// `consentwiz tenants`: its text (the name from the comment) or its JSON
// lines (their tenantId, displayName and rolesHeld).
// Blank lines and comments (from # to the end of the line) are ignored;
// repeats of a tenant (case-insensitive) are dropped and reported in dups.
// Entries that are not a domain or tenant id are kept with Err set, so that
// they show up in the results instead of stopping the other tenants.
func parseTenantList(data []byte) (tenants []tenantEntry, dups []string, err error) {
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), maxTenantList)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\ufeff"))
		t := tenantEntry{Line: n}
		if strings.HasPrefix(line, "{") {
			var l flows.TenantListing
			if jerr := json.Unmarshal([]byte(line), &l); jerr != nil || l.TenantID == "" {
				t.Input, t.Err = flows.Sanitize(line, 80), fmt.Errorf("not a `consentwiz tenants --json` line (no tenantId)")
				tenants = append(tenants, t)
				continue
			}
			line, t.Name, t.Roles = l.TenantID, flows.Sanitize(l.DisplayName, 80), l.RolesHeld
		} else if i := strings.IndexByte(line, '#'); i >= 0 {
			// `consentwiz tenants` writes "<id>  # <name> — <status>".
			if name, _, ok := strings.Cut(strings.TrimSpace(line[i+1:]), " — "); ok && i > 0 {
				t.Name = flows.Sanitize(strings.TrimSpace(name), 80)
			}
			line = strings.TrimSpace(line[:i])
		}
		if line == "" {
			continue
		}
		t.Input = flows.Sanitize(line, 256)
		_, norm, perr := flows.ParseTenant(line)
		if perr != nil {
			t.Err = perr
			norm = strings.ToLower(line)
		}
		if seen[norm] {
			dups = append(dups, t.Input)
			continue
		}
		seen[norm] = true
		if len(tenants) == maxTenants {
			return nil, nil, fmt.Errorf("more than %d tenants in the file", maxTenants)
		}
		tenants = append(tenants, t)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, err
	}
	return tenants, dups, nil
}

// tenantDone is what a job reports for one tenant.
type tenantDone struct {
	Result flows.TenantResult
	// Blocked and Fix are the table's columns: what is blocked there, and
	// the recommended fix.
	Blocked, Fix string
	// Line is the tenant's JSON line (nil: Result alone).
	Line any
	// Throttled: Graph throttled the tenant; try again after Wait (0: it did
	// not say how long).
	Throttled bool
	Wait      time.Duration
}

// tenantTask is one tenant given to a job.
type tenantTask struct {
	Entry tenantEntry
	// Runner shares the home sign-in; Effects wraps it for the job.
	Runner *Runner
	fx     *taskEffects
	// Notify shows a line to the admin (the device code of a tenant's own
	// sign-in in the fallback pass).
	Notify func(string)
}

// Effects is the runner for the job's effects: a sign-in to the tenant uses
// the home sign-in (a sign-in of its own only in the fallback pass), and
// what the tenant's check stopped at is kept (Err, Snapshot).
func (t *tenantTask) Effects() *taskEffects { return t.fx }

// Client is for a job that reads Graph itself (scan): it resolves the
// tenant, gets its token for scopes with the home sign-in (a sign-in of its
// own only in the fallback lane; a device code goes to Notify) and returns
// the tenant's Graph client. On failure, ErrorDone(err) is the job's result.
func (t *tenantTask) Client(ctx context.Context, scopes []string) (*graph.Client, flows.TenantInfo, error) {
	info, err := t.Runner.ResolveTenant(ctx, t.Entry.Input)
	if err != nil {
		return nil, info, err
	}
	t.fx.resolved = info
	ref := flows.TenantRef{ID: info.ID, Cloud: info.Cloud.Name}
	t.fx.err = nil
	if si, _ := headlessSignIn(ctx, t.fx, flows.SignIn{Tenant: ref, Scopes: scopes}, t.Notify).(flows.SignedIn); si.Err != nil {
		if t.fx.err != nil {
			return nil, info, t.fx.err // typed: *entra.TenantSignInError, …
		}
		return nil, info, si.Err
	}
	sess, err := t.Runner.session(ctx, ref)
	if err != nil {
		return nil, info, err
	}
	return sess.client, info, nil
}

// ErrorDone is the result of a tenant whose job failed with err:
// needs-sign-in, throttled (to be tried again after Graph's Retry-After),
// cancelled, or error (flows.OutcomeOfError).
func (t *tenantTask) ErrorDone(ctx context.Context, err error) tenantDone {
	if errors.Is(ctx.Err(), context.Canceled) {
		err = context.Canceled
	}
	res := flows.TenantResult{Tenant: t.Entry.Input, TenantID: t.fx.resolved.ID, Name: flows.Sanitize(t.fx.resolved.Domain, 256)}
	res.Outcome, res.Reason, res.Code = flows.OutcomeOfError(err)
	if res.Outcome == flows.TenantError && errors.Is(err, context.Canceled) {
		res.Reason = "not checked: cancelled"
	}
	wait, throttled := flows.ThrottledFor(nil, nil, err)
	return tenantDone{Result: res, Throttled: throttled, Wait: wait}
}

// tenantJob checks one tenant. It returns when the tenant is done (or ctx
// ends); the runner counts, schedules and shows the results.
type tenantJob func(ctx context.Context, t *tenantTask) tenantDone

// taskEffects is Effects over the run's Runner for one tenant, recording
// the typed error a sign-in or a read ended with (the machine keeps only
// its text) and the last snapshot read.
type taskEffects struct {
	r   *Runner
	own bool
	// err is the last sign-in or read error; snapErrs the failed parts of
	// the last snapshot read (flows.OutcomeOf, flows.ThrottledFor);
	// resolved the tenant as discovery found it.
	err      error
	snapErrs map[string]*entra.APIError
	resolved flows.TenantInfo
}

// Run implements Effects.
func (e *taskEffects) Run(ctx context.Context, eff flows.Effect) flows.Event {
	ev := e.r.Run(ctx, eff)
	switch v := ev.(type) {
	case flows.TenantResolved:
		e.keep(v.Err)
		e.resolved = v.Info
	case flows.SnapshotLoaded:
		e.keep(v.Err)
		if v.Snap != nil {
			e.snapErrs = v.Snap.Errors
		}
	}
	return ev
}

func (e *taskEffects) keep(err error) {
	if err != nil {
		e.err = err
	}
}

// StartSignIn implements Effects.
func (e *taskEffects) StartSignIn(ctx context.Context, s flows.SignIn) (*PendingSignIn, error) {
	p, err := e.r.startSignIn(ctx, s, e.own)
	if err != nil {
		e.err = err
		return nil, err
	}
	wait := p.Wait
	p.Wait = func(ctx context.Context) flows.Event {
		ev := wait(ctx)
		if si, ok := ev.(flows.SignedIn); ok {
			e.keep(si.Err)
		}
		return ev
	}
	return p, nil
}

// Demo implements Effects.
func (e *taskEffects) Demo() DemoControls { return nil }

// manyRun is one run of a --tenants command.
type manyRun struct {
	cmd    string // the command, for messages ("check")
	title  string // what is checked, for the table ("TrackerRMS")
	cfg    Config
	o      ManyOptions
	json   bool
	scopes []string // the home sign-in's scopes
	job    tenantJob
	stdio  IO
	// table forces the live table on or off (nil: on a terminal, without
	// --json or --accessible); tableOpts are added to its program (tests).
	table     *bool
	tableOpts []tea.ProgramOption
	now       func() time.Time
}

func (m *manyRun) fail(format string, a ...any) int {
	fmt.Fprintf(m.stdio.Err, "consentwiz "+m.cmd+": "+format+"\n", a...)
	return ExitError
}

// run reads the tenants, signs in once, runs the job for each tenant and
// shows the results; it returns the exit code (flows.TenantSummary.ExitCode).
func (m *manyRun) run(ctx context.Context) int {
	tenants, code, ok := m.readTenants()
	if !ok {
		return code
	}
	conc := m.o.Concurrency
	switch {
	case conc < 0:
		return m.fail("--concurrency must be 1 or more")
	case conc == 0:
		conc = DefaultConcurrency
	}
	conc = min(conc, len(tenants), MaxConcurrency)
	if m.now == nil {
		m.now = time.Now
	}
	home := firstNonEmpty(strings.TrimSpace(m.o.HomeTenant), "organizations")
	r, err := NewRunner(m.cfg, NewJournal(m.cfg.ConfigDir), RunnerOptions{Home: home,
		GraphOptions: []graph.Option{graph.WithRetry(graph.DefaultMaxAttempts, throttleInlineWait)}})
	if err != nil {
		return m.fail("%v", err)
	}
	if tr, ok := r.hc.Transport.(*http.Transport); ok {
		tr.MaxIdleConnsPerHost = max(tr.MaxIdleConnsPerHost, conc)
	}
	for _, t := range tenants {
		if len(t.Roles) > 0 {
			r.SetDelegatedRoles(t.Input, t.Roles)
		}
	}

	// The one interactive sign-in, at home, before any tenant.
	errw := &lineWriter{w: m.stdio.Err}
	lines := &lineView{cmd: m.cmd, json: m.json, out: m.stdio.Out, err: errw, tenants: tenants}
	si := headlessSignIn(ctx, r, flows.SignIn{Tenant: flows.TenantRef{ID: home}, Scopes: m.scopes}, errw.println)
	signedIn, _ := si.(flows.SignedIn)
	if signedIn.Err != nil {
		if ctx.Err() != nil {
			// Cancelled while signing in: every tenant is reported, unchecked.
			var sum flows.TenantSummary
			for i, t := range tenants {
				d := cancelledDone(t)
				sum.Add(d.Result.Outcome)
				lines.done(i, d)
			}
			lines.finish(sum)
			return ExitCancelled
		}
		errw.println(fmt.Sprintf("consentwiz %s: signing in at %s: %s", m.cmd, flows.Sanitize(home, 256), flows.Sanitize(signedIn.Err.Error(), 1000)))
		return ExitSignIn
	}
	who := flows.Sanitize(signedIn.Account, 120)
	errw.println(fmt.Sprintf("consentwiz %s: signed in once as %s; checking %d tenants, %d at once", m.cmd, who, len(tenants), conc))

	var v manyView = lines
	useTable := !m.json && !m.cfg.Accessible && isTerminal(m.stdio.Out)
	if m.table != nil {
		useTable = *m.table
	}
	if useTable {
		tv := startTableView(ctx, m.stdio.Out, tableHeader{Command: m.cmd, What: m.title, Account: who, Tenants: tenants}, m.now, m.tableOpts...)
		defer tv.wait()
		v = &tableThenLines{table: tv, lines: v}
	}
	s := &scheduler{m: m, r: r, tenants: tenants, conc: conc, view: v}
	sum, cancelled := s.loop(ctx)
	v.finish(sum)
	return sum.ExitCode(cancelled)
}

// readTenants reads and parses the --tenants input; ok is false (with the
// exit code) when there is nothing to check.
func (m *manyRun) readTenants() ([]tenantEntry, int, bool) {
	var data []byte
	var err error
	if m.o.Tenants == "-" {
		data, err = readAllLimited(m.stdio.In, maxTenantList+1)
	} else {
		data, err = readFileLimited(m.o.Tenants, maxTenantList+1)
	}
	if err != nil {
		return nil, m.fail("reading --tenants: %v", err), false
	}
	if len(data) > maxTenantList {
		return nil, m.fail("the --tenants file is larger than %d bytes", maxTenantList), false
	}
	tenants, dups, err := parseTenantList(data)
	if err != nil {
		return nil, m.fail("reading --tenants: %v", err), false
	}
	if len(tenants) == 0 {
		return nil, m.fail("no tenants in %s (one domain or tenant id a line, or `consentwiz tenants --json`)", m.o.Tenants), false
	}
	for _, d := range dups {
		fmt.Fprintf(m.stdio.Err, "consentwiz %s: %s is listed twice; checking it once\n", m.cmd, d)
	}
	return tenants, 0, true
}

func readFileLimited(path string, n int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, n))
}

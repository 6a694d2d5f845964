package ui

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"

	"consentwiz/flows"
)

// Limits of `check --tenants`.
const (
	defaultCheckConcurrency = 8
	maxCheckConcurrency     = 64
	maxTenantList           = 1 << 20 // bytes of the tenants file
	maxTenants              = 10000
)

// tenantLine is one tenant named in the --tenants file.
type tenantLine struct {
	Line  int    // 1-based line number in the file
	Input string // as written (sanitized)
	Err   error  // not a domain or tenant id
}

// parseTenantList reads one domain or tenant id a line. Blank lines and
// comments (from # to the end of the line) are ignored; repeats of a tenant
// (case-insensitive) are dropped and reported in dups. Entries that are not a
// domain or tenant id are kept with Err set, so that they show up in the
// results instead of stopping the other tenants.
func parseTenantList(data []byte) (tenants []tenantLine, dups []string, err error) {
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), maxTenantList)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(strings.TrimPrefix(line, "\ufeff"))
		if line == "" {
			continue
		}
		t := tenantLine{Line: n, Input: flows.Sanitize(line, 256)}
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

// tenantResult is one line of `check --tenants --json`.
type tenantResult struct {
	Tenant    string           `json:"tenant"`
	Diagnosis *flows.Diagnosis `json:"diagnosis,omitempty"`
	Error     string           `json:"error,omitempty"`
	code      int              // ExitOK, ExitError, ExitSignIn or ExitCancelled
}

// checkSummary is the last line of `check --tenants --json`.
type checkSummary struct {
	Tenants int `json:"tenants"`
	Blocked int `json:"blocked"`
	OK      int `json:"ok"`
	// Unknown counts tenants read where what users see could not be told.
	Unknown int `json:"unknown"`
	Errors  int `json:"errors"`
}

// exitCode of a many-tenant check: 3 when users are blocked in any tenant, else
// 1 when any tenant could not be checked, else 5 when any tenant could not
// be told, else 0; 2 when the run was cancelled before every tenant was checked.
func (s checkSummary) exitCode(cancelled bool) int {
	switch {
	case cancelled:
		return ExitCancelled
	case s.Blocked > 0:
		return ExitBlocked
	case s.Errors > 0:
		return ExitError
	case s.Unknown > 0:
		return ExitUnknown
	}
	return ExitOK
}

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

// manyCheck is one run of `check --tenants`.
type manyCheck struct {
	cfg         Config
	ref         flows.AppRef
	concurrency int
	hc          *http.Client // shared by every tenant's runner (connection reuse)
	stderr      *lineWriter
	// newRunner builds a tenant's runner (NewRunner; tests may wrap it).
	newRunner func(cfg Config) (*Runner, error)
}

// runCheckMany diagnoses one app in every tenant of the --tenants file
// ("-" reads standard input). Each tenant is resolved and signed in to on its
// own (its own token: the same admin account, e.g. a GDAP partner admin, signs
// in to each), at most --concurrency tenants at once. Results stream to
// stdout as each tenant finishes: with --json one object a line
// ({"tenant","diagnosis"} or {"tenant","error"}) and a final
// {"summary":{…}}; else one line a tenant. Progress, device codes and the
// summary go to stderr. The exit code is summarized by checkSummary.exitCode.
func runCheckMany(ctx context.Context, cfg Config, o CheckOptions, stdio IO) int {
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stdio.Err, "consentwiz check: "+format+"\n", a...)
		return ExitError
	}
	if o.Tenant != "" {
		return fail("use --tenant or --tenants, not both")
	}
	ref, err := o.Ref()
	if err != nil {
		return fail("%v", err)
	}
	var data []byte
	if o.Tenants == "-" {
		data, err = readAllLimited(stdio.In, maxTenantList+1)
	} else {
		data, err = readFileLimited(o.Tenants, maxTenantList+1)
	}
	if err != nil {
		return fail("reading --tenants: %v", err)
	}
	if len(data) > maxTenantList {
		return fail("the --tenants file is larger than %d bytes", maxTenantList)
	}
	tenants, dups, err := parseTenantList(data)
	if err != nil {
		return fail("reading --tenants: %v", err)
	}
	if len(tenants) == 0 {
		return fail("no tenants in %s (one domain or tenant id a line)", o.Tenants)
	}
	conc := o.Concurrency
	switch {
	case conc < 0:
		return fail("--concurrency must be 1 or more")
	case conc == 0:
		conc = defaultCheckConcurrency
	}
	errw := &lineWriter{w: stdio.Err}
	for _, d := range dups {
		errw.println("consentwiz check: " + d + " is listed twice; checking it once")
	}
	if cfg.UseBrowser && conc > 1 {
		// One browser sign-in at a time: several at once would confuse the admin.
		errw.println("consentwiz check: browser sign-in: checking one tenant at a time")
		conc = 1
	}
	hc, err := cfg.HTTPClient()
	if err != nil {
		return fail("%v", err)
	}
	conc = min(conc, len(tenants), maxCheckConcurrency)
	if tr, ok := hc.Transport.(*http.Transport); ok {
		tr.MaxIdleConnsPerHost = max(tr.MaxIdleConnsPerHost, conc)
	}
	mc := &manyCheck{cfg: cfg, ref: ref, concurrency: conc, hc: hc, stderr: errw,
		newRunner: func(cfg Config) (*Runner, error) { return NewRunner(cfg, NewJournal(cfg.ConfigDir), RunnerOptions{}) }}
	return mc.run(ctx, tenants, o.JSON, stdio.Out)
}

func readFileLimited(path string, n int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, n))
}

// run checks the tenants and writes the results; it returns the exit code.
func (mc *manyCheck) run(ctx context.Context, tenants []tenantLine, asJSON bool, out io.Writer) int {
	type done struct {
		i int
		r tenantResult
	}
	work := make(chan int)
	results := make(chan done)
	var wg sync.WaitGroup
	for range mc.concurrency {
		wg.Go(func() {
			for i := range work {
				results <- done{i, mc.checkOne(ctx, tenants[i])}
			}
		})
	}
	go func() {
		defer close(work)
		for i := range tenants {
			select {
			case work <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		wg.Wait()
		close(results)
	}()

	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	var sum checkSummary
	checked := make([]bool, len(tenants))
	cancelled := false
	emit := func(r tenantResult) {
		cancelled = cancelled || r.code == ExitCancelled
		switch {
		case r.Diagnosis == nil:
			sum.Errors++
		case r.Diagnosis.Verdict == flows.VerdictUnknown:
			sum.Unknown++
		case r.Diagnosis.Blocked:
			sum.Blocked++
		default:
			sum.OK++
		}
		sum.Tenants++
		if asJSON {
			_ = enc.Encode(r)
			mc.stderr.println(fmt.Sprintf("[%d/%d] %s", sum.Tenants, len(tenants), resultLine(r)))
		} else {
			fmt.Fprintln(out, resultLine(r))
		}
	}
	for d := range results {
		checked[d.i] = true
		emit(d.r)
	}
	for i, t := range tenants {
		if !checked[i] {
			emit(tenantResult{Tenant: t.Input, Error: "not checked: cancelled", code: ExitCancelled})
		}
	}
	mc.stderr.println(fmt.Sprintf("consentwiz check: %d tenants: %d blocked, %d ok, %d could not tell, %d could not be checked",
		sum.Tenants, sum.Blocked, sum.OK, sum.Unknown, sum.Errors))
	if asJSON {
		_ = enc.Encode(map[string]checkSummary{"summary": sum})
	}
	return sum.exitCode(cancelled)
}

// checkOne resolves, signs in to and diagnoses one tenant with its own runner.
func (mc *manyCheck) checkOne(ctx context.Context, t tenantLine) tenantResult {
	res := tenantResult{Tenant: t.Input}
	if t.Err != nil {
		res.Error, res.code = fmt.Sprintf("line %d: %v", t.Line, t.Err), ExitError
		return res
	}
	if err := ctx.Err(); err != nil {
		res.Error, res.code = "not checked: cancelled", ExitCancelled
		return res
	}
	r, err := mc.newRunner(mc.cfg)
	if err != nil {
		res.Error, res.code = err.Error(), ExitError
		return res
	}
	r.hc = mc.hc
	notify := func(line string) { mc.stderr.println(t.Input + ": " + line) }
	d, code, err := diagnoseTenant(ctx, r, mc.ref, t.Input, notify)
	if err != nil {
		msg := err.Error()
		if code == ExitCancelled {
			msg = "cancelled"
		}
		res.Error, res.code = flows.Sanitize(firstLine(msg), 1000), code
		return res
	}
	res.Diagnosis = d
	return res
}

// resultLine is a tenant's result in one human line.
func resultLine(r tenantResult) string {
	switch {
	case r.Diagnosis == nil:
		return r.Tenant + ": error: " + r.Error
	case r.Diagnosis.Verdict == flows.VerdictUnknown:
		return r.Tenant + ": could not tell: " + flows.Sanitize(r.Diagnosis.VerdictWhy, 600)
	case r.Diagnosis.Blocked:
		s := r.Tenant + ": BLOCKED"
		if r.Diagnosis.UserScreen != "" {
			s += " (" + flows.Sanitize(r.Diagnosis.UserScreen, 80) + ")"
		}
		if r.Diagnosis.Recommended != "" {
			s += "; recommended fix: " + string(r.Diagnosis.Recommended)
		}
		return s
	}
	return r.Tenant + ": ok, nothing blocks"
}

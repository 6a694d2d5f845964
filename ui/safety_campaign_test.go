package ui

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"consentwiz/flows"
	"consentwiz/graph"
	"consentwiz/graph/sim"
)

// The crash campaign (docs/safety.md): the real binary is killed with
// SIGKILL at many points of every writing fix — right after its k-th journal
// save, and at random times over its writes (a fixed seed, with Graph
// slowed so the kills spread over the requests) — and then `consentwiz
// restore` (or the next start of the wizard) is run, sometimes killed too and
// run again. The tenant is then read back over Microsoft Graph (never from
// the simulator's memory) and must be exactly as found, or fixed as the fix
// intends; no journal entry or lock may be left. Every run counts in the
// figures: ended as found, ended fixed, other (which fails the test).
//
// `go test ./ui` runs a few kills of each fix; CONSENTWIZ_CAMPAIGN=1 (or N,
// a number of kills per fix; .ci/run sets it) runs the long campaign.

// campaignFix is a writing fix driven in the line mode.
type campaignFix struct {
	name    string
	fix     flows.FixID
	answers []string // the answers after the checklist, before "yes"
	// waits: after its writes the fix waits for a person while its change
	// is temporary (the end of the input puts it back); done is what it shows
	// when its writes are done and it waits on with the change kept.
	waits bool
	done  string
	// prepare readies the tenant (the app already in it, for classify-low).
	prepare func(*sim.Server)
}

var campaignFixes = []campaignFix{
	{name: "relax-user-consent", fix: flows.FixRelaxUserConsent, answers: []string{"relax-user-consent"}, waits: true},
	{name: "request-workflow temporary", fix: flows.FixRequestWorkflow, answers: []string{"request-workflow", "me", "continue", "temporary", "continue"}, waits: true},
	{name: "request-workflow permanent", fix: flows.FixRequestWorkflow, answers: []string{"request-workflow", "me", "continue", "continue"}, done: "Waiting for the user's request"},
	{name: "grant-direct", fix: flows.FixGrantDirect, answers: []string{"grant-direct"}},
	{name: "classify-low", fix: flows.FixClassifyLow, answers: []string{"classify-low"},
		prepare: func(s *sim.Server) { _ = s.Tenant().AddUserGrants(demoTimesheets.AppID, 0) }},
	{name: "assign-users", fix: flows.FixAssignUsers, answers: []string{"assign-users", "me"},
		prepare: func(s *sim.Server) {
			_ = s.Tenant().AddUserGrants(demoTimesheets.AppID, 0)
			_ = s.Tenant().SetAppRoleAssignmentRequired(demoTimesheets.AppID, true)
		}},
}

// killPoint says when a run is killed: after the k-th change of the journal
// file, or d after "yes"; restoreKill > 0 also kills the first restore
// after that long.
type killPoint struct {
	journal     int
	after       time.Duration
	restoreKill time.Duration
	nextStart   bool // restore through the wizard's start, not `consentwiz restore`
	complete    bool // a grant-direct entry is finished, not removed
}

func (k killPoint) String() string {
	s := fmt.Sprintf("kill %v after yes", k.after)
	if k.journal > 0 {
		s = fmt.Sprintf("kill at journal change %d", k.journal)
	}
	if k.restoreKill > 0 {
		s += fmt.Sprintf(", restore killed after %v", k.restoreKill)
	}
	if k.nextStart {
		s += ", restored by the next start"
	}
	if k.complete {
		s += ", grant finished"
	}
	return s
}

type campaign struct {
	t   *testing.T
	bin string

	mu                         sync.Mutex
	runs, asFound, fixed, left int
	finishedFirst              int
	other                      []string
}

// The binary the kill tests run, built once for the package's tests
// (TestMain removes it).
var built struct {
	once sync.Once
	dir  string
	bin  string
	err  error
	out  []byte
}

func buildBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "consentwiz-bin-")
		if built.err != nil {
			return
		}
		built.bin = filepath.Join(built.dir, "consentwiz")
		build := exec.Command("go", "build", "-o", built.bin, "consentwiz")
		build.Dir = ".."
		built.out, built.err = build.CombinedOutput()
	})
	if built.err != nil {
		t.Fatalf("go build: %v\n%s", built.err, built.out)
	}
	return built.bin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// campaignKills is how many random kills each fix gets: CONSENTWIZ_CAMPAIGN
// set to a number, 12 when set otherwise, 0 in a plain `go test`.
func campaignKills() int {
	v := os.Getenv("CONSENTWIZ_CAMPAIGN")
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n > 1 {
		return n
	}
	return 12
}

func TestSafetyKillCampaign(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL is Unix")
	}
	kills := campaignKills()
	c := &campaign{t: t, bin: buildBinary(t)}
	rng := rand.New(rand.NewSource(13))
	started := time.Now()
	for _, fx := range campaignFixes {
		// The reference run: not killed (a fix that waits for a person is
		// stopped by the end of its input, which puts the change back). It
		// gives the state the fix ends in, and how long its writes take.
		fixed, took := c.reference(fx)
		if found := c.newTenant(fx).state(t); !fx.waits && found == fixed {
			// A fix that keeps its change must have made one, or the
			// campaign's "ended fixed" would prove nothing.
			t.Fatalf("%s: the reference run left the tenant as found:\n%s", fx.name, found)
		}
		points := []killPoint{{journal: 1}, {journal: 2}}
		if kills > 0 {
			points = append(points, killPoint{journal: 3}, killPoint{journal: 4}, killPoint{journal: 1, nextStart: true}, killPoint{journal: 2, restoreKill: 150 * time.Millisecond})
			for i := 0; i < kills; i++ {
				k := killPoint{after: time.Duration(rng.Int63n(int64(took + took/4)))}
				switch i % 4 {
				case 1:
					k.nextStart = true
				case 2:
					k.restoreKill = time.Duration(rng.Int63n(int64(400 * time.Millisecond)))
				}
				points = append(points, k)
			}
		}
		for i, k := range points {
			k.complete = fx.fix == flows.FixGrantDirect && i%2 == 1
			c.killRun(fx, k, fixed)
		}
	}
	t.Logf("campaign: %d runs in %v: %d ended as found, %d ended fixed, %d other (%d finished before the kill); journal or lock left: %d",
		c.runs, time.Since(started).Round(time.Second), c.asFound, c.fixed, len(c.other), c.finishedFirst, c.left)
	for _, o := range c.other {
		t.Errorf("neither as found nor fixed: %s", o)
	}
	if c.left > 0 {
		t.Errorf("%d runs left a journal entry or a lock", c.left)
	}
}

// tenantRun is one simulated tenant with the binary's environment.
type tenantRun struct {
	srv    *sim.Server
	env    []string
	cfgDir string
	read   *graph.Client
}

func (c *campaign) newTenant(fx campaignFix) *tenantRun {
	t := c.t
	t.Helper()
	srv, err := sim.New(sim.Options{Scenario: "locked-down", AutoApprove: true})
	if err != nil {
		t.Fatal(err)
	}
	srv.RegisterApp(demoTimesheets)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	if fx.prepare != nil {
		fx.prepare(srv)
	}
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	if err := srv.WriteCAFile(caFile); err != nil {
		t.Fatal(err)
	}
	tr := &tenantRun{srv: srv, cfgDir: filepath.Join(dir, "config")}
	tr.env = append(cleanEnv(), "CONSENTWIZ_LOGIN_URL="+srv.LoginURL(), "CONSENTWIZ_GRAPH_URL="+srv.GraphURL(),
		"CONSENTWIZ_CA_FILE="+caFile, "CONSENTWIZ_CONFIG_DIR="+tr.cfgDir, "TERM=dumb", "NO_COLOR=1")
	// The oracle reads over Graph, with a token of the tenant's admin.
	ten := srv.Tenant()
	tok, err := srv.IssueToken(ten, ten.AdminUPN(), "14d82eec-204b-4c2f-b7e8-296a70dab67e",
		[]string{"Policy.Read.All", "Application.Read.All", "Directory.Read.All"})
	if err != nil {
		t.Fatal(err)
	}
	tr.read = graph.New(graph.WithBaseURL(srv.GraphURL()), graph.WithHTTPClient(srv.HTTPClient()),
		graph.WithTokenSource(graph.TokenFunc(func(context.Context, []string) (string, error) { return tok, nil })))
	return tr
}

// state is the tenant as Graph reads it: everything a writing fix touches.
func (tr *tenantRun) state(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var b strings.Builder
	ap, err := tr.read.GetAuthorizationPolicy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "user consent %v\n", ap.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned)
	rp, err := tr.read.GetConsentRequestPolicy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var revs []string
	for _, r := range rp.Reviewers {
		revs = append(revs, r.Query)
	}
	slices.Sort(revs)
	fmt.Fprintf(&b, "requests %v notify %v remind %v days %d reviewers %v\n", rp.IsEnabled, rp.NotifyReviewers, rp.RemindersEnabled, rp.RequestDurationInDays, revs)
	gsp, err := tr.read.GetGraphServicePrincipal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cls, err := tr.read.ListClassifications(ctx, gsp.ID)
	if err != nil {
		t.Fatal(err)
	}
	var cs []string
	for _, c := range cls {
		cs = append(cs, c.PermissionID+":"+c.Classification)
	}
	slices.Sort(cs)
	fmt.Fprintf(&b, "classifications %v\n", cs)
	sp, err := tr.read.GetServicePrincipalByAppID(ctx, demoTimesheets.AppID)
	if err != nil {
		t.Fatal(err)
	}
	if sp == nil {
		b.WriteString("app not in the tenant\n")
		return b.String()
	}
	grants, err := tr.read.ListGrants(ctx, sp.ID)
	if err != nil {
		t.Fatal(err)
	}
	var gs []string
	for _, g := range grants {
		sc := strings.Fields(g.Scope)
		slices.Sort(sc)
		gs = append(gs, g.ConsentType+":"+g.PrincipalID+":"+strings.Join(sc, " "))
	}
	slices.Sort(gs)
	as, err := tr.read.ListAppRoleAssignments(ctx, sp.ID)
	if err != nil {
		t.Fatal(err)
	}
	var rs []string
	for _, a := range as {
		rs = append(rs, a.AppRoleID)
	}
	slices.Sort(rs)
	assigned, err := tr.read.ListAppRoleAssignedTo(ctx, sp.ID)
	if err != nil {
		t.Fatal(err)
	}
	var us []string
	for _, a := range assigned {
		us = append(us, a.PrincipalID+":"+a.AppRoleID)
	}
	slices.Sort(us)
	fmt.Fprintf(&b, "app in the tenant, grants %v, app roles %v, assigned %v\n", gs, rs, us)
	return b.String()
}

// start runs the wizard for fx up to the preview's "yes" question.
func (c *campaign) start(tr *tenantRun, fx campaignFix, extra ...string) *proc {
	signInURL := "https://login.microsoftonline.com/common/oauth2/v2.0/authorize?client_id=" + demoTimesheets.AppID +
		"&response_type=code&scope=" + strings.Join(demoTimesheets.RequiredScopes, "%20") + "&redirect_uri=" + demoTimesheets.ReplyURLs[0]
	args := append([]string{"--accessible", "--url", signInURL, "--tenant", tr.srv.Tenant().Domain()}, extra...)
	p := startProc(c.t, c.bin, tr.env, args...)
	p.expect("Why users are blocked")
	for _, a := range fx.answers {
		p.answer(a)
	}
	p.expect("Type yes to confirm")
	return p
}

// reference runs fx unkilled and returns the state it ends in and how long
// its writes took (to the end, or to the wait for a person).
func (c *campaign) reference(fx campaignFix) (string, time.Duration) {
	t := c.t
	tr := c.newTenant(fx)
	p := c.start(tr, fx)
	tr.srv.SetFaults(sim.Faults{Latency: 60 * time.Millisecond})
	began := time.Now()
	p.answer("yes")
	p.expect(fx.settled())
	took := time.Since(began)
	tr.srv.SetFaults(sim.Faults{})
	if fx.done != "" {
		p.kill() // the change is meant to stay; the wizard would wait for the request
	} else {
		code, stderr := p.wait() // a waiting fix: the end of the input puts the change back
		if want := map[bool]int{true: ExitCancelled, false: ExitOK}[fx.waits]; code != want {
			t.Fatalf("%s reference run: exit %d, want %d\n%s\n%s", fx.name, code, want, p.output(), stderr)
		}
	}
	if c.journalLeft(tr) {
		t.Fatalf("%s reference run left a journal", fx.name)
	}
	return tr.state(t), took
}

func dirNamesOf(dir string) []string {
	es, _ := os.ReadDir(dir)
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

// journalLeft: the journal, its lock, or a file the lock was linked from
// (ui/io_journal.go, takeLock) is left.
func (c *campaign) journalLeft(tr *tenantRun) bool {
	for _, n := range dirNamesOf(tr.cfgDir) {
		if n == "journal.json" || strings.HasPrefix(n, "journal.json.lock") {
			return true
		}
	}
	return false
}

// killRun runs fx, kills it at k, restores, and judges the tenant.
func (c *campaign) killRun(fx campaignFix, k killPoint, fixed string) {
	t := c.t
	tr := c.newTenant(fx)
	asFound := tr.state(t)
	p := c.start(tr, fx)
	tr.srv.SetFaults(sim.Faults{Latency: 60 * time.Millisecond})
	jpath := filepath.Join(tr.cfgDir, "journal.json")
	p.answer("yes")
	finished := false
	if k.journal > 0 {
		finished = !waitJournalChanges(p, jpath, k.journal, fx.settled())
	} else {
		select {
		case <-p.done:
			finished = true
		case <-time.After(k.after):
		}
	}
	p.kill()
	tr.srv.SetFaults(sim.Faults{})
	c.restore(tr, k)
	got := tr.state(t)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.runs++
	if finished && !fx.waits {
		c.finishedFirst++
	}
	if c.journalLeft(tr) {
		c.left++
		c.other = append(c.other, fmt.Sprintf("%s, %s: a journal or lock is left: %v", fx.name, k, dirNamesOf(tr.cfgDir)))
	}
	switch {
	case got == asFound:
		c.asFound++
	case got == fixed && !fx.waits:
		c.fixed++
	default:
		c.other = append(c.other, fmt.Sprintf("%s, %s:\nas found:\n%sfixed:\n%snow:\n%skilled run:\n%s", fx.name, k, asFound, fixed, got, p.output()))
	}
}

// settled is what the wizard shows once fx's writes are done.
func (fx campaignFix) settled() string {
	switch {
	case fx.waits:
		return "If nothing happens"
	case fx.done != "":
		return fx.done
	}
	return "Result:"
}

// waitJournalChanges waits until the journal file has changed n times; false
// when the writes were done first (the wizard shows settled) or the process
// ended. It reads the file every millisecond.
func waitJournalChanges(p *proc, path string, n int, settled string) bool {
	last, seen := "", 0
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(p.output(), settled) {
			return false
		}
		data, err := os.ReadFile(path)
		cur := string(data)
		if err != nil {
			cur = ""
		}
		if cur != last {
			last = cur
			seen++
			if seen >= n {
				return true
			}
		}
		select {
		case <-p.done:
			return false
		default:
		}
		time.Sleep(time.Millisecond)
	}
	return false
}

// restore puts back what the killed run left: `consentwiz restore` (or the
// wizard's next start), answering every offer; when asked, it is killed
// once first and run again.
func (c *campaign) restore(tr *tenantRun, k killPoint) {
	t := c.t
	answer := "restore"
	if k.complete {
		answer = "complete"
	}
	run := func(killAfter time.Duration) (int, string) {
		args := []string{"restore", "--accessible"}
		if k.nextStart {
			args = []string{"--accessible"}
		}
		cmd := exec.Command(c.bin, args...)
		cmd.Env = tr.env
		cmd.Stdin = strings.NewReader(strings.Repeat(answer+"\n", 6))
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if killAfter > 0 {
			timer := time.AfterFunc(killAfter, func() { _ = cmd.Process.Kill() })
			defer timer.Stop()
		}
		_ = cmd.Wait()
		return cmd.ProcessState.ExitCode(), out.String()
	}
	if k.restoreKill > 0 {
		run(k.restoreKill)
	}
	code, out := run(0)
	want := ExitOK
	if k.nextStart {
		want = ExitCancelled // after the restores, the journey's first question meets the end of the input
	}
	if code != want || strings.Contains(out, "Failed:") {
		t.Errorf("%s: restore exit %d, want %d:\n%s", k, code, want, out)
	}
	if os.Getenv("CAMPAIGN_DEBUG") != "" {
		t.Logf("%s: restore exit %d:\n%s", k, code, out)
	}
}

// Two consentwiz processes change the same tenant, with the same journal, in
// the same moment, and are both killed while both changes are in place: both
// entries are kept (distinct ids) and `consentwiz restore` puts everything
// back (reliability review H1; before, the second entry overwrote the first).
// Pairs that change different things: two fixes that change the same
// setting at once meet the three-value question on restore, by design.
func TestSafetyTwoProcessesSameTenant(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL is Unix")
	}
	c := &campaign{t: t, bin: buildBinary(t)}
	for _, pair := range [][2]campaignFix{
		{campaignFixes[0], campaignFixes[1]}, // relax + temporary request workflow
		{campaignFixes[0], campaignFixes[3]}, // relax + grant-direct
	} {
		t.Run(pair[0].name+" + "+pair[1].name, func(t *testing.T) {
			c.t = t
			tr := c.newTenant(pair[1])
			asFound := tr.state(t)
			a, b := c.start(tr, pair[0]), c.start(tr, pair[1])
			tr.srv.SetFaults(sim.Faults{Latency: 100 * time.Millisecond})
			a.answer("yes")
			b.answer("yes")
			if !waitJournalEntries(filepath.Join(tr.cfgDir, "journal.json"), 2) {
				t.Fatalf("never two entries:\n%s\n%s", a.output(), b.output())
			}
			a.kill()
			b.kill()
			tr.srv.SetFaults(sim.Faults{})
			entries, err := NewJournal(tr.cfgDir).Pending("")
			if err != nil || len(entries) != 2 || entries[0].ID == entries[1].ID {
				t.Fatalf("journal %+v, %v", entries, err)
			}
			c.restore(tr, killPoint{})
			if got := tr.state(t); got != asFound {
				t.Fatalf("after the restore:\n%s\nwant as found:\n%s", got, asFound)
			}
			if c.journalLeft(tr) {
				t.Fatal("journal left")
			}
		})
	}
}

// waitJournalEntries waits until the journal holds n entries.
func waitJournalEntries(path string, n int) bool {
	j := NewJournal(filepath.Dir(path))
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if e, err := j.Pending(""); err == nil && len(e) >= n {
			return true
		}
	}
	return false
}

// printf 'relax-user-consent\nyes\n' | consentwiz --accessible … --relax-window 3s
// ends by itself and leaves user consent exactly as found (reliability
// review L4: it polled on, relaxed, after its input ended).
func TestSafetyPipedRelaxEndsByItself(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the binary's test is Unix")
	}
	c := &campaign{t: t, bin: buildBinary(t)}
	fx := campaignFixes[0]
	tr := c.newTenant(fx)
	asFound := tr.state(t)
	signInURL := "https://login.microsoftonline.com/common/oauth2/v2.0/authorize?client_id=" + demoTimesheets.AppID +
		"&response_type=code&scope=" + strings.Join(demoTimesheets.RequiredScopes, "%20") + "&redirect_uri=" + demoTimesheets.ReplyURLs[0]
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.bin, "--accessible", "--url", signInURL, "--tenant", tr.srv.Tenant().Domain(), "--relax-window", "3s")
	cmd.Env = tr.env
	cmd.Stdin = strings.NewReader("relax-user-consent\nyes\n")
	out, _ := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("did not end by itself:\n%s", out)
	}
	if !strings.Contains(string(out), "The user connects now") || !strings.Contains(string(out), "Stopping (the input ended)") {
		t.Fatalf("transcript:\n%s", out)
	}
	if got := tr.state(t); got != asFound || c.journalLeft(tr) {
		t.Fatalf("user consent not as found (journal left: %v):\n%s\nwant:\n%s", c.journalLeft(tr), got, asFound)
	}
}

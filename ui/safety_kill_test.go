package ui

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"consentwiz/flows"
	"consentwiz/graph/entra"
	"consentwiz/graph/sim"
)

// TestSafetyKillDuringRelax proves the journal against the real binary: the
// wizard relaxes user consent and is killed with SIGKILL while the user is to
// connect. The tenant stays relaxed, the journal (0600) holds the full
// original and nothing token-like; the next start offers the restore first,
// and `consentwiz restore` puts the original back exactly and clears the journal.
func TestSafetyKillDuringRelax(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL and file modes are Unix")
	}
	tmp := t.TempDir()
	bin := buildBinary(t)

	srv, err := sim.New(sim.Options{Scenario: "locked-down", AutoApprove: true})
	if err != nil {
		t.Fatal(err)
	}
	srv.RegisterApp(demoTimesheets)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	caFile := filepath.Join(tmp, "ca.pem")
	if err := srv.WriteCAFile(caFile); err != nil {
		t.Fatal(err)
	}
	cfgDir := filepath.Join(tmp, "config")
	ten := srv.Tenant()
	policy := func() []string {
		return ten.AuthorizationPolicy().DefaultUserRolePermissions.PermissionGrantPoliciesAssigned
	}
	orig := policy()
	if len(orig) == 0 {
		t.Fatal("locked-down should hold owned-resource entries")
	}
	env := append(cleanEnv(), "CONSENTWIZ_LOGIN_URL="+srv.LoginURL(), "CONSENTWIZ_GRAPH_URL="+srv.GraphURL(),
		"CONSENTWIZ_CA_FILE="+caFile, "CONSENTWIZ_CONFIG_DIR="+cfgDir, "TERM=dumb", "NO_COLOR=1")

	// 1. The wizard relaxes user consent; SIGKILL while the user is to connect.
	// The app as the user's sign-in URL gives it: its client id and scopes.
	signInURL := "https://login.microsoftonline.com/common/oauth2/v2.0/authorize?client_id=" + demoTimesheets.AppID +
		"&response_type=code&scope=" + strings.Join(demoTimesheets.RequiredScopes, "%20") + "&redirect_uri=" + demoTimesheets.ReplyURLs[0]
	p := startProc(t, bin, env, "--accessible", "--url", signInURL, "--tenant", ten.Domain())
	p.expect("Why users are blocked")
	p.expect("Type a number")
	p.answer(string(flows.FixRelaxUserConsent))
	p.expect("Type yes to confirm")
	p.answer("yes")
	p.expect("The user connects now")
	p.kill()

	relaxed := policy()
	if !containsFoldUI(relaxed, entra.SelfConsentPrefix+entra.PolicyManagedRecommended) {
		t.Fatalf("the tenant is not relaxed after the kill: %v", relaxed)
	}
	jpath := filepath.Join(cfgDir, "journal.json")
	fi, err := os.Stat(jpath)
	if err != nil {
		t.Fatalf("no journal after the kill: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("journal mode %v, want 0600", fi.Mode().Perm())
	}
	raw, err := os.ReadFile(jpath)
	if err != nil {
		t.Fatal(err)
	}
	var jf struct {
		Entries []flows.JournalEntry `json:"entries"`
	}
	if err := json.Unmarshal(raw, &jf); err != nil || len(jf.Entries) != 1 {
		t.Fatalf("journal %s: %v", raw, err)
	}
	e := jf.Entries[0]
	if !equalStrings(e.Original, orig) || !equalStrings(e.Set, relaxed) || !strings.EqualFold(e.TenantID, ten.ID()) {
		t.Fatalf("journal entry %+v; original %v, relaxed %v", e, orig, relaxed)
	}
	for _, o := range orig {
		if strings.HasPrefix(o, entra.OwnedResourceConsentPrefix) && !strings.Contains(string(raw), o) {
			t.Errorf("journal lacks the owned-resource entry %q", o)
		}
	}
	assertNoTokens(t, "journal", string(raw))
	if left, _ := filepath.Glob(filepath.Join(cfgDir, ".journal-*")); len(left) != 0 {
		t.Errorf("temp files left: %v", left)
	}

	// 2. The plain wizard offers the restore first; "later" keeps the entry.
	p = startProc(t, bin, env, "--accessible")
	first := p.expect("Put back a setting consentwiz changed?")
	if strings.Contains(first, "Type ") {
		t.Fatalf("the wizard asked something before offering the restore:\n%s", first)
	}
	p.expect("Type a number")
	p.answer("later")
	p.expect("Type ") // the journey's first question
	p.answer("cancel")
	code, stderr := p.wait()
	if code != ExitCancelled || !strings.Contains(stderr, "consentwiz restore") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if got := policy(); !equalStrings(got, relaxed) {
		t.Fatalf("\"later\" changed the tenant: %v", got)
	}
	if _, err := os.Stat(jpath); err != nil {
		t.Fatalf("\"later\" removed the journal: %v", err)
	}

	// 3. `consentwiz restore` puts the original back exactly and verifies it.
	p = startProc(t, bin, env, "restore", "--accessible")
	p.expect("Put back a setting consentwiz changed?")
	p.expect("Type a number")
	p.answer("restore")
	p.expect("Result:")
	code, stderr = p.wait()
	if code != ExitOK {
		t.Fatalf("restore exit %d, stderr %q\n%s", code, stderr, p.output())
	}
	if got := policy(); !equalStrings(got, orig) {
		t.Fatalf("restored %v, want exactly %v (order included)", got, orig)
	}
	out := p.output()
	if !strings.Contains(out, "Checking the setting is back") || strings.Contains(out, "Failed") {
		t.Errorf("the restore was not verified:\n%s", out)
	}
	if _, err := os.Stat(jpath); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("journal not cleared: %v", err)
	}
	assertNoTokens(t, "output", out+stderr)
}

// cleanEnv is the test's environment without settings that would change the
// wizard's mode or endpoints.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "CONSENTWIZ_") || k == "ACCESSIBLE" || k == "TERM" || k == "SSL_CERT_FILE" {
			continue
		}
		out = append(out, kv)
	}
	return out
}

func assertNoTokens(t *testing.T, what, s string) {
	t.Helper()
	for _, bad := range []string{"simAT.", "simRT.", "eyJ", "access_token", "refresh_token", "Bearer ", "code="} {
		if strings.Contains(s, bad) {
			t.Errorf("%s holds token-like content %q", what, bad)
		}
	}
}

// proc is the binary running with piped stdin and a captured stdout.
type proc struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr strings.Builder
	mu     sync.Mutex
	out    strings.Builder
	pos    int // how far expect has read
	grew   chan struct{}
	done   chan struct{}
}

func startProc(t *testing.T, bin string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, grew: make(chan struct{}, 1), done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = env
	p.cmd.Stderr = &p.stderr
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			<-p.done
			_ = p.cmd.Wait()
		}
	})
	go func() {
		defer close(p.done)
		r := bufio.NewReader(stdout)
		buf := make([]byte, 4096)
		for {
			n, err := r.Read(buf)
			if n > 0 {
				p.mu.Lock()
				p.out.Write(buf[:n])
				p.mu.Unlock()
				select {
				case p.grew <- struct{}{}:
				default:
				}
			}
			if err != nil {
				return
			}
		}
	}()
	return p
}

// expect waits until s appears in the output after the previous match and
// returns the output read up to it. The deadline only bounds a hang.
func (p *proc) expect(s string) string {
	p.t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		p.mu.Lock()
		all := p.out.String()
		p.mu.Unlock()
		if i := strings.Index(all[p.pos:], s); i >= 0 {
			seen := all[p.pos : p.pos+i+len(s)]
			p.pos += i + len(s)
			return seen
		}
		select {
		case <-p.grew:
		case <-p.done:
			p.mu.Lock()
			all = p.out.String()
			p.mu.Unlock()
			if strings.Contains(all[p.pos:], s) {
				continue
			}
			p.t.Fatalf("the process ended before %q:\n%s\nstderr: %s", s, all, p.stderr.String())
		case <-deadline:
			p.t.Fatalf("no %q in the output:\n%s", s, all)
		}
	}
}

func (p *proc) answer(line string) {
	p.t.Helper()
	if _, err := io.WriteString(p.stdin, line+"\n"); err != nil {
		p.t.Fatalf("writing %q: %v", line, err)
	}
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// kill sends SIGKILL and reaps the process.
func (p *proc) kill() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		p.t.Fatal(err)
	}
	<-p.done
	_ = p.cmd.Wait()
}

// wait closes stdin and returns the exit code and stderr.
func (p *proc) wait() (int, string) {
	p.t.Helper()
	_ = p.stdin.Close()
	<-p.done
	err := p.cmd.Wait()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		p.t.Fatal(err)
	}
	return p.cmd.ProcessState.ExitCode(), p.stderr.String()
}

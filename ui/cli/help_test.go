package cli

import (
	"context"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"consentwiz/graph/sim"
	"consentwiz/ui"
)

// TestMain lays every help of this package's tests out at 80 columns, as on
// the smallest usual terminal: fang measures the width once per process.
func TestMain(m *testing.M) {
	os.Setenv("__FANG_TEST_WIDTH", "80")
	os.Exit(m.Run())
}

// helpOf is `consentwiz CMD --help` (the root's with cmd "").
func helpOf(t *testing.T, cmd string) string {
	t.Helper()
	args := []string{"--help"}
	if cmd != "" {
		args = []string{cmd, "--help"}
	}
	code, out, errOut := exec(t, context.Background(), nil, args...)
	if code != ui.ExitOK || errOut != "" {
		t.Fatalf("%v: exit %d, stderr %q", args, code, errOut)
	}
	return out
}

// TestHelpFitsEightyColumns: every help fits 80 columns, so the terminal
// never breaks a word (CONSENTWIZ_⏎CA_FILE): fang does not wrap the flags'
// and commands' descriptions, so consentwiz does, and the long descriptions
// are wrapped whole, not re-wrapped from 100-column lines into ragged ones.
func TestHelpFitsEightyColumns(t *testing.T) {
	cmds := []string{"", "help", "completion"}
	for _, c := range ours(tree())[1:] {
		cmds = append(cmds, c.Name())
	}
	for _, cmd := range cmds {
		out := helpOf(t, cmd)
		for _, l := range strings.Split(out, "\n") {
			if l = strings.TrimRight(l, " "); utf8.RuneCountInString(l) > 80 {
				t.Errorf("%s --help: a line of %d columns: %q", cmd, utf8.RuneCountInString(l), l)
			}
			if strings.HasSuffix(l, "…") && strings.HasPrefix(l, "    consentwiz") {
				t.Errorf("%s --help: an example cut short: %q", cmd, l)
			}
		}
		if strings.Contains(out, "Relax-User-Consent") {
			t.Errorf("%s --help title-cases the fix id: relax-user-consent", cmd)
		}
	}
	// The prose is wrapped evenly: no short line in the middle of a paragraph.
	long := helpOf(t, "check")
	long = long[:strings.Index(long, "USAGE")]
	lines := strings.Split(strings.TrimSpace(long), "\n")
	for i, l := range lines[:len(lines)-1] {
		next := strings.TrimSpace(lines[i+1])
		if l = strings.TrimSpace(l); l != "" && next != "" && len(l)+1+len(strings.Fields(next)[0]) <= 78 {
			t.Errorf("check --help: a ragged line %q before %q", l, next)
		}
	}
	if first := strings.Fields(strings.Join(lines[:3], " ")); !strings.Contains(strings.Join(first, " "), "--app-name NAME") {
		t.Errorf("check --help's first sentence does not name --app-name: %q", strings.Join(first, " "))
	}
}

// TestWizardFlagsOnlyWhereTheyWork: --present, --dry-run, --relax-window and
// --request-window are listed only by the commands they do something for,
// and still accepted everywhere (scripts pass them).
func TestWizardFlagsOnlyWhereTheyWork(t *testing.T) {
	for _, c := range []struct {
		cmd   string
		shown []string
	}{
		{"", []string{"present", "dry-run", "relax-window", "request-window"}},
		{"demo", []string{"present", "dry-run", "relax-window", "request-window"}},
		{"restore", []string{"present", "dry-run"}},
		{"check", nil},
		{"scan", nil},
		{"handoff", nil},
		{"link", nil},
	} {
		out := helpOf(t, c.cmd)
		for name := range wizardOnly {
			shown := strings.Contains(out, "--"+name+" ")
			want := strings.Contains(" "+strings.Join(c.shown, " ")+" ", " "+name+" ")
			if shown != want {
				t.Errorf("%q --help lists --%s: %v, want %v", c.cmd, name, shown, want)
			}
		}
	}
	for _, args := range [][]string{
		{"check", "--present", "--dry-run", "--relax-window", "5m", "--request-window", "1h"},
		{"--dry-run", "link", "--profile", "trackerrms", "--tenant", "11111111-2222-4333-8444-555555555555"},
	} {
		code, _, errOut := exec(t, context.Background(), nil, args...)
		if strings.Contains(errOut, "unknown flag") || strings.Contains(errOut, "--help') ") || (code == ui.ExitError && strings.Contains(errOut, "(see '")) {
			t.Errorf("%q: a usage error: exit %d, %q", args, code, errOut)
		}
	}
}

// TestScenarioErrorsAndHelpAgree: an unknown --scenario is one line with the
// flag and the scenarios, without "sim: sim:", and every scenario it names
// is in the command's help (demo takes msp too).
func TestScenarioErrorsAndHelpAgree(t *testing.T) {
	for _, cmd := range []string{"demo", "sim"} {
		code, out, errOut := exec(t, context.Background(), nil, cmd, "--scenario", "nope")
		want := "consentwiz " + cmd + ": --scenario must be one of "
		if code != ui.ExitError || out != "" || !strings.HasPrefix(errOut, want) || strings.Count(errOut, "\n") != 1 || strings.Contains(errOut, "sim: sim:") {
			t.Errorf("%s --scenario nope: exit %d, stderr %q; want one line starting %q", cmd, code, errOut, want)
		}
		help := strings.Join(strings.Fields(helpOf(t, cmd)), " ")
		for _, n := range append(sim.ScenarioNames(), sim.MultiTenantScenarioNames()...) {
			if !strings.Contains(errOut, n) || !strings.Contains(help, n+" "+sim.ScenarioDescription(n)) {
				t.Errorf("%s: scenario %s is in the error %v, in the help %v", cmd, n, strings.Contains(errOut, n), strings.Contains(help, n+" "))
			}
		}
	}
}

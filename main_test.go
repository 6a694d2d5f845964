package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"consentwiz/ui"
)

func runArgs(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// TestHelpPrintsUsage: help, --help and -h print the help of the command
// named, on stdout, with exit 0. (ui/cli's tests check that the help lists
// every flag each command takes.)
func TestHelpPrintsUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"help"}, "consentwiz [command] [--flags]"},
		{[]string{"--help"}, "consentwiz [command] [--flags]"},
		{[]string{"handoff", "-h"}, "consentwiz handoff [--flags]"},
		{[]string{"help", "check"}, "consentwiz check [--flags]"},
	} {
		code, out, errOut := runArgs(c.args...)
		if code != ui.ExitOK || !strings.Contains(out, c.want) || !strings.Contains(out, "--tenant") || errOut != "" {
			t.Errorf("%v: exit %d, stderr %q, stdout:\n%s", c.args, code, errOut, out)
		}
	}
}

// TestVersionIsStamped: the variables a release build stamps with -ldflags
// -X reach --version.
func TestVersionIsStamped(t *testing.T) {
	old := [3]string{version, commit, date}
	version, commit, date = "1.4.0", "89abcdef0123456789abcdef", "2026-05-06T07:08:09Z"
	defer func() { version, commit, date = old[0], old[1], old[2] }()
	code, out, _ := runArgs("--version")
	if want := "consentwiz 1.4.0 (commit 89abcdef0123, 2026-05-06T07:08:09Z)\n"; code != ui.ExitOK || out != want {
		t.Errorf("exit %d, %q; want %q", code, out, want)
	}
}

// TestUnknownCommandIsOneLine: exit 1 and one line on stderr.
func TestUnknownCommandIsOneLine(t *testing.T) {
	code, out, errOut := runArgs("frobnicate")
	if code != ui.ExitError || out != "" || errOut != "consentwiz: unknown command \"frobnicate\" (see 'consentwiz --help')\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

package main

import (
	"bytes"
	"context"
	"flag"
	"regexp"
	"strings"
	"testing"

	"consentwiz/ui"
)

// usageBlock returns the usage text that documents cmd: its lines under
// "Usage:" (with their continuation lines) and, for the wizard and the demo,
// the "Wizard flags" section.
func usageBlock(t *testing.T, cmd string) string {
	t.Helper()
	lines := strings.Split(usage, "\n")
	var out []string
	prefix := "  consentwiz " + cmd + " "
	if cmd == "" {
		prefix = "  consentwiz ["
	}
	in := false
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, prefix):
			in = true
		case strings.HasPrefix(l, "  consentwiz ") || strings.TrimSpace(l) == "" || !strings.HasPrefix(l, "   "):
			in = false
		}
		if in {
			out = append(out, l)
		}
	}
	if cmd == "" || cmd == "demo" {
		sec := usage[strings.Index(usage, "Wizard flags"):]
		out = append(out, sec[:strings.Index(sec, "\n\n")])
	}
	if len(out) == 0 {
		t.Fatalf("the usage text has no line for %q", "consentwiz "+cmd)
	}
	return strings.Join(out, "\n")
}

func globalSection(t *testing.T) string {
	t.Helper()
	i := strings.Index(usage, "Global flags")
	if i < 0 {
		t.Fatal("no global flags section")
	}
	sec := usage[i:]
	return sec[:strings.Index(sec, "\n\n")]
}

// TestUsageNamesEveryFlag keeps the usage text true to the flags: every flag
// a command registers appears where the usage text describes that command,
// and every global flag in the global section.
func TestUsageNamesEveryFlag(t *testing.T) {
	var g globals
	gfs := flag.NewFlagSet("globals", flag.ContinueOnError)
	g.register(gfs, func(string) string { return "" })
	glob := globalSection(t)
	gfs.VisitAll(func(f *flag.Flag) {
		if !strings.Contains(glob, "--"+f.Name) {
			t.Errorf("global flag --%s is not in the usage text's global section", f.Name)
		}
	})
	for _, cmd := range []string{"", "demo", "restore", "check", "link", "explain", "handoff", "sim"} {
		fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
		ui.RegisterCommandFlags(cmd, fs)
		block := usageBlock(t, cmd)
		fs.VisitAll(func(f *flag.Flag) {
			if !regexp.MustCompile(`--` + regexp.QuoteMeta(f.Name) + `([^a-z-]|$)`).MatchString(block) {
				t.Errorf("consentwiz %s: --%s is registered but not in its usage:\n%s", cmd, f.Name, block)
			}
		})
	}
}

func TestHelpPrintsUsage(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"handoff", "-h"}} {
		var out, errb bytes.Buffer
		code := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), &out, &errb)
		if code != ui.ExitOK || out.String() != usage {
			t.Errorf("%v: exit %d, usage printed %v, stderr %q", args, code, out.String() == usage, errb.String())
		}
	}
}

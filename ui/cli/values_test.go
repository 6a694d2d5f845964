package cli

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"consentwiz/ui"
)

// TestNumericFlagsSayTheirRange: every whole-number and duration flag of
// every command has a range, and a value it cannot take — not a number, 0,
// one past the end — is one line that names the flag and the range, never a
// Go error (strconv.ParseInt: …) and never a silent default (scan --days 0
// once scanned 7 days).
func TestNumericFlagsSayTheirRange(t *testing.T) {
	seen := 0
	for _, c := range ours(tree()) {
		var fs []*pflag.Flag
		c.LocalFlags().VisitAll(func(f *pflag.Flag) { fs = append(fs, f) })
		c.InheritedFlags().VisitAll(func(f *pflag.Flag) { fs = append(fs, f) })
		for _, f := range fs {
			var bad []string
			switch v := f.Value.(type) {
			case *intRange:
				bad = []string{"abc", "1.5", fmt.Sprint(v.min - 1), fmt.Sprint(v.max + 1)}
			case *durationRange:
				bad = []string{"abc", "5", (v.min - time.Millisecond).String(), (v.max + time.Hour).String()}
			default:
				if typ := f.Value.Type(); strings.Contains(typ, "int") || strings.Contains(typ, "float") || typ == "duration" {
					t.Errorf("--%s of %s is a %s without a range: use newIntRange or newDurationRange", f.Name, c.CommandPath(), typ)
				}
				continue
			}
			seen++
			want := f.Value.(wanter).want()
			for _, b := range bad {
				args := []string{"--" + f.Name, b}
				if c != c.Root() {
					args = append([]string{c.Name()}, args...)
				}
				code, out, errOut := exec(t, context.Background(), nil, args...)
				line := fmt.Sprintf("%s: --%s must be %s (got %q) (see '%s --help')\n", c.CommandPath(), f.Name, want, b, c.CommandPath())
				if code != ui.ExitError || out != "" || errOut != line {
					t.Errorf("%q: exit %d, stdout %q, stderr %q; want %q", args, code, out, errOut, line)
				}
			}
		}
	}
	if seen < 5 {
		t.Fatalf("only %d ranged flags found: --days, --concurrency (check, scan), --relax-window and --request-window at least", seen)
	}
	// The default is shown as it is typed.
	if f := tree().PersistentFlags().Lookup("relax-window"); f == nil || f.DefValue != "15m" {
		t.Errorf("--relax-window's default shows as %v", f)
	}
}

package cli

import (
	"context"
	"strings"
	"testing"

	"consentwiz/ui"
)

// TestManCommandHeadings: each command's heading in the man page is its name
// in bold, a space, then its usage ("\fBcheck\fP [flags]"), never the name
// run into the program's usage line ("\fBcheck\fPconsentwiz check [flags]",
// which man showed as "checkconsentwiz check [flags]").
func TestManCommandHeadings(t *testing.T) {
	code, out, _ := exec(t, context.Background(), nil, "man")
	if code != ui.ExitOK {
		t.Fatalf("man: exit %d", code)
	}
	lines := strings.Split(out, "\n")
	for _, c := range ours(tree())[1:] {
		head := `\fB` + c.Name() + `\fP`
		found := false
		for i, l := range lines {
			if !strings.HasPrefix(l, head) || i == 0 || lines[i-1] != ".TP" {
				continue
			}
			found = true
			rest := strings.TrimPrefix(l, head)
			if rest != "" && !strings.HasPrefix(rest, " ") || strings.Contains(rest, "consentwiz") {
				t.Errorf("the heading of %s is %q; want %q then a space and its arguments", c.Name(), l, head)
			}
		}
		if !found {
			t.Errorf("the man page has no heading for %s", c.Name())
		}
	}
	if !strings.Contains(out, "\n"+`\fBcheck\fP [flags]`+"\n") {
		t.Errorf("check's heading is not %q", `\fBcheck\fP [flags]`)
	}
}

package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"consentwiz/flows"
	"consentwiz/graph/entra"
)

// realInputs are the collected real inputs of flows/testdata/inputs.
func realInputs(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "flows", "testdata", "inputs", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no inputs: %v", err)
	}
	var out []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var exs []struct {
			Input string `json:"input"`
		}
		if err := json.Unmarshal(b, &exs); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, ex := range exs {
			out = append(out, ex.Input)
		}
	}
	return out
}

// readingOf is what a command understood of an input: the app's id and the
// hints, or why there is none.
type readingOf struct {
	client, tenant, cloud, redirect string
	code                            int
	err                             string
}

func readingFrom(ref flows.AppRef, err error) readingOf {
	r := readingOf{client: ref.ClientID, tenant: ref.TenantHint, cloud: ref.CloudHint, redirect: ref.InputRedirectURI, code: ref.ErrorCode}
	if err != nil {
		r = readingOf{err: err.Error()}
	}
	return r
}

// TestCommandsReadAlike is issue 12's "done": explain, handoff, link, check
// and the wizard give the same reading of the same input, for each of the
// collected real inputs; none takes a correlation, request or tenant id for
// the client id.
func TestCommandsReadAlike(t *testing.T) {
	inputs := realInputs(t)
	if len(inputs) < 100 {
		t.Fatalf("only %d inputs", len(inputs))
	}
	for _, input := range inputs {
		// link and check: --url, or --error (every text flag is read alike).
		byURL, uerr := AppFlags{URL: input}.input()
		byErr, eerr := AppFlags{Error: input}.input()
		// handoff: --error may come alone.
		byHO, herr := AppFlags{Error: input, ErrorExplains: true}.input()
		want := readingFrom(byURL.ref, uerr)
		for name, got := range map[string]readingOf{"--error": readingFrom(byErr.ref, eerr), "handoff": readingFrom(byHO.ref, herr)} {
			if got != want {
				t.Errorf("%q:\n  %s read %+v\n  --url read %+v", input, name, got, want)
			}
		}
		// The wizard's first screen (the same text from the command line).
		s, _ := flows.Start(flows.WizardInput{AppText: input})
		w := readingOf{client: s.App.ClientID, tenant: s.App.TenantHint, cloud: s.App.CloudHint, redirect: s.App.InputRedirectURI, code: s.App.ErrorCode}
		switch {
		case uerr != nil && s.App.ClientID != "":
			t.Errorf("%q: the wizard took client %s, the commands refuse it: %v", input, s.App.ClientID, uerr)
		case uerr != nil && s.InputErr == "" && s.Step != flows.StepAppSearch:
			t.Errorf("%q: the commands refuse it (%v), the wizard says nothing (at %s)", input, uerr, s.Step)
		case uerr != nil && s.InputErr != "" && !strings.HasPrefix(uerr.Error(), s.InputErr):
			t.Errorf("%q: the wizard says %q, the commands %q", input, s.InputErr, uerr)
		case uerr == nil && w != want:
			t.Errorf("%q:\n  the wizard read %+v\n  the commands %+v", input, w, want)
		}
		// explain reads the same app.
		if e, err := flows.Explain(input); err == nil && uerr == nil && (e.App.ClientID != want.client || e.App.TenantHint != want.tenant) {
			t.Errorf("%q: explain read %s/%s, the commands %s/%s", input, e.App.ClientID, e.App.TenantHint, want.client, want.tenant)
		}
		if c := want.client; c != "" {
			a := byURL.ref
			if c == a.CorrelationID || c == a.TraceID || c == a.TenantHint {
				t.Errorf("%q: the client id %s is the request's correlation, request or tenant id", input, c)
			}
		}
	}
}

// A URL with literal spaces (a scope list typed on a command line) is read
// the same by every command: explain with the URL in one argument or split
// over several, and link with --url or --error.
func TestURLWithSpacesEveryCommand(t *testing.T) {
	const id = "63e62b68-c5c7-48f9-82bf-8c41d5637b49"
	u := "https://login.microsoftonline.com/contoso.com/v2.0/adminconsent?client_id=" + id +
		"&scope=offline_access openid user.read files.read&redirect_uri=https://localhost:3000/consentRedirect.html"
	explain := func(args ...string) string {
		var out, errOut bytes.Buffer
		if code := RunExplain(args, IO{In: strings.NewReader(""), Out: &out, Err: &errOut}); code != ExitOK {
			t.Fatalf("explain %q: exit %d %s", args, code, errOut.String())
		}
		return out.String()
	}
	one := explain(u)
	if split := explain(strings.Fields(u)...); split != one {
		t.Errorf("explain split over arguments:\n%s\nin one:\n%s", split, one)
	}
	if !strings.Contains(one, id) || !strings.Contains(one, "user.read files.read") {
		t.Errorf("explain:\n%s", one)
	}
	link := func(f AppFlags) string {
		var out, errOut bytes.Buffer
		cfg := Config{Cloud: entra.Clouds["global"], ConfigDir: t.TempDir()}
		f.Tenant = "9c3b4a71-dbf1-4d05-a8da-d8599cae63c1"
		if code := RunLink(context.Background(), cfg, LinkOptions{AppFlags: f}, IO{Out: &out, Err: &errOut}); code != ExitOK {
			t.Fatalf("link %+v: exit %d %s", f, code, errOut.String())
		}
		return out.String()
	}
	byURL, byErr := link(AppFlags{URL: u}), link(AppFlags{Error: u})
	want := "https://login.microsoftonline.com/9c3b4a71-dbf1-4d05-a8da-d8599cae63c1/adminconsent?client_id=" + id +
		"&redirect_uri=https%3A%2F%2Flocalhost%3A3000%2FconsentRedirect.html\n"
	if byURL != want || byErr != want {
		t.Errorf("link --url %q, --error %q; want %q", byURL, byErr, want)
	}
}

// The consent screen's words without an id: every command says where the id
// is, and the commands that take --app-name say how to go on by the name.
func TestScreenWordsWithoutID(t *testing.T) {
	const words = "Need admin approval\nPayroll Pro\nPayroll Pro needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it."
	_, err := AppFlags{Error: words}.input()
	var m *flows.MissingAppIDError
	if err == nil || !errors.As(err, &m) || !strings.Contains(err.Error(), "Troubleshooting details") ||
		!strings.Contains(err.Error(), `--app-name "Payroll Pro"`) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("error %v", err)
	}
	var out, errOut bytes.Buffer
	if code := RunHandoff(context.Background(), handoffConfig(), HandoffOptions{AppFlags: AppFlags{Error: words}}, IO{Out: &out, Err: &errOut}); code != ExitError ||
		!strings.Contains(errOut.String(), `--app-name "Payroll Pro"`) {
		t.Errorf("handoff: exit %d %q", code, errOut.String())
	}
	var cout, cerr bytes.Buffer
	if code := RunCheck(context.Background(), handoffConfig(), CheckOptions{AppFlags: AppFlags{Error: words, Tenant: "contoso.com"}}, IO{Out: &cout, Err: &cerr}); code != ExitError ||
		!strings.Contains(cerr.String(), `--app-name "Payroll Pro"`) {
		t.Errorf("check: exit %d %q", code, cerr.String())
	}
}

// explain keeps the line breaks of what it is given (an argument or stdin):
// a link a mail client wrapped after a '/', with words after it, is read
// whole, tenant and all, and so is the same link alone on stdin.
func TestExplainKeepsLineBreaks(t *testing.T) {
	const id = "5c53a70b-b548-45de-838c-64b5d7198301"
	u := "https://login.microsoftonline.com/\nxxxxx.onmicrosoft.com/adminconsent?client_id=" + id + "&redirect_uri=https://office.com/"
	for _, c := range []struct {
		args []string
		in   string
	}{
		{args: []string{"Please open " + u + "\nThanks, Megan"}},
		{args: []string{"Please", "open", u, "\nThanks,", "Megan"}},
		{in: u + "\r\n"},
	} {
		var out, errOut bytes.Buffer
		if code := RunExplain(c.args, IO{In: strings.NewReader(c.in), Out: &out, Err: &errOut}); code != ExitOK {
			t.Fatalf("explain %q (stdin %q): exit %d %s", c.args, c.in, code, errOut.String())
		}
		if !strings.Contains(out.String(), id) || !strings.Contains(out.String(), "xxxxx.onmicrosoft.com") {
			t.Errorf("explain %q (stdin %q):\n%s", c.args, c.in, out.String())
		}
	}
}

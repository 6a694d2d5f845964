package ui

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"consentwiz/assets"
	"consentwiz/graph/entra"
)

// `consentwiz link` needs no sign-in and no network for a tenant id: the URL
// is built for each national cloud's login host, and `explain` answers every
// catalogue code offline.
func TestLinkAndExplainOffline(t *testing.T) {
	const tenant = "9c3b4a71-dbf1-4d05-a8da-d8599cae63c1"
	for _, name := range entra.CloudNames {
		cl := entra.Clouds[name]
		var out, errOut bytes.Buffer
		cfg := Config{Cloud: cl, ConfigDir: t.TempDir()}
		o := LinkOptions{AppFlags: AppFlags{Profile: "trackerrms", Tenant: tenant}}
		if code := RunLink(context.Background(), cfg, o, IO{Out: &out, Err: &errOut}); code != ExitOK {
			t.Fatalf("%s: exit %d: %s", name, code, errOut.String())
		}
		want := cl.LoginURL + "/" + tenant + "/adminconsent?client_id=5353a3d2-8ca9-42d2-b567-ea399ccb5e38"
		if got := strings.TrimSpace(out.String()); got != want {
			t.Errorf("%s: link = %q, want %q", name, got, want)
		}
		if errOut.Len() != 0 {
			t.Errorf("%s: a tenant id needs no lookup, but stderr says %q", name, errOut.String())
		}
	}
	codes, err := assets.Codes()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range codes {
		var out, errOut bytes.Buffer
		args := []string{"AADSTS" + strconv.Itoa(c.Code)}
		if code := RunExplain(args, IO{Out: &out, Err: &errOut}); code != ExitOK {
			t.Fatalf("explain %v: exit %d: %s", args, code, errOut.String())
		}
		if !strings.Contains(out.String(), strconv.Itoa(c.Code)) || !strings.Contains(out.String(), c.Name) {
			t.Errorf("explain %v does not name the code and %q:\n%s", args, c.Name, out.String())
		}
	}
}

// v1 links refuse what v2 links refuse: a redirect URI that is not https
// (or http on this computer); and a tenant that cannot be one is an error,
// not a warning with a link to nowhere (reliability review L2).
func TestLinkRefusesBadRedirectAndTenant(t *testing.T) {
	const tenant = "9c3b4a71-dbf1-4d05-a8da-d8599cae63c1"
	run := func(o LinkOptions) (int, string, string) {
		var out, errOut bytes.Buffer
		cfg := Config{Cloud: entra.Clouds["global"], ConfigDir: t.TempDir()}
		code := RunLink(context.Background(), cfg, o, IO{Out: &out, Err: &errOut})
		return code, out.String(), errOut.String()
	}
	for _, v2 := range []bool{false, true} {
		for _, r := range []string{"javascript:alert(1)", "data:text/html,x", "file:///etc/passwd", "http://evil.example/cb"} {
			code, out, errOut := run(LinkOptions{AppFlags: AppFlags{Profile: "trackerrms", Tenant: tenant}, V2: v2, RedirectURI: r})
			if code != ExitError || out != "" || !strings.Contains(errOut, "redirect_uri") {
				t.Errorf("v2=%v %q: exit %d, out %q, err %q", v2, r, code, out, errOut)
			}
		}
		for _, r := range []string{"https://app.example/cb", "http://localhost:8400/cb"} {
			if code, _, errOut := run(LinkOptions{AppFlags: AppFlags{Profile: "trackerrms", Tenant: tenant}, V2: v2, RedirectURI: r}); code != ExitOK {
				t.Errorf("v2=%v %q refused: %s", v2, r, errOut)
			}
		}
	}
	for _, bad := range []string{"java<script>", "common", "\x1b[2J", "https://user@evil.example", "a\nb"} {
		code, out, errOut := run(LinkOptions{AppFlags: AppFlags{Profile: "trackerrms", Tenant: bad}})
		if code != ExitError || out != "" || strings.ContainsRune(errOut, '\x1b') {
			t.Errorf("tenant %q: exit %d, out %q, err %q", bad, code, out, errOut)
		}
	}
}

// explain reads the text as a terminal shows it: an escape sequence glued to
// the code does not hide it (reliability review L15).
func TestExplainSeesThroughEscapes(t *testing.T) {
	var out, errOut bytes.Buffer
	code := RunExplain(nil, IO{In: strings.NewReader("\x1b[2JAADSTS65001"), Out: &out, Err: &errOut})
	if code != ExitOK || !strings.Contains(out.String(), "65001") || strings.ContainsRune(out.String(), '\x1b') {
		t.Fatalf("exit %d, out %q, err %q", code, out.String(), errOut.String())
	}
}

// `consentwiz restore` with nothing pending says so and exits 0.
func TestRestoreNothingPending(t *testing.T) {
	var out, errOut bytes.Buffer
	cfg := Config{Cloud: entra.Clouds["global"], ConfigDir: t.TempDir(), Accessible: true, NoBrowser: true}
	code := RunRestore(context.Background(), cfg, WizardOptions{}, IO{In: strings.NewReader(""), Out: &out, Err: &errOut, Getenv: func(string) string { return "" }})
	if code != ExitOK || !strings.Contains(out.String(), "Result: nothing to restore") || strings.Contains(out.String(), "setting restored") {
		t.Fatalf("exit %d:\n%s\n%s", code, out.String(), errOut.String())
	}
}

// link answers within 3 s when the sign-in service stalls (performance
// review: it waited 10–60 s before printing the link with the domain, which
// is valid too). The wait itself is tested in graph (TestDiscoverTenantStalledAuthority).
func TestLinkLookupBounded(t *testing.T) {
	if linkLookupTimeout > 3*time.Second {
		t.Fatalf("link waits %v for the tenant id, want at most 3 s", linkLookupTimeout)
	}
}

package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"consentwiz/flows"
	"consentwiz/graph/entra"
	"consentwiz/graph/sim"
)

const entryTenant = "9c3b4a71-dbf1-4d05-a8da-d8599cae63c1"

func runLinkCmd(t *testing.T, cfg Config, o LinkOptions) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	if cfg.ConfigDir == "" {
		cfg.ConfigDir = t.TempDir()
	}
	code := RunLink(context.Background(), cfg, o, IO{Out: &out, Err: &errOut})
	return code, out.String(), errOut.String()
}

// The cloud of the pasted link is kept: a login.microsoftonline.us or a
// login.partner.microsoftonline.cn link gives a link in that cloud (never a
// silent switch to the global one), with a note; --cloud wins with a note
// that says so; the retired German cloud and personal accounts are named.
func TestLinkKeepsTheLinksCloud(t *testing.T) {
	const id = "5353a3d2-8ca9-42d2-b567-ea399ccb5e38"
	global := Config{Cloud: entra.Clouds["global"]}
	for _, c := range []struct {
		name, url string
		cfg       Config
		want      string // the link's start
		note      string
	}{
		{"usgov link", "https://login.microsoftonline.us/" + entryTenant + "/oauth2/authorize?client_id=" + id, global,
			"https://login.microsoftonline.us/" + entryTenant + "/adminconsent?client_id=" + id, "uses the usgov cloud"},
		{"china link", "https://login.partner.microsoftonline.cn/" + entryTenant + "/oauth2/v2.0/authorize?client_id=" + id, global,
			"https://login.partner.microsoftonline.cn/" + entryTenant + "/adminconsent?client_id=" + id, "uses the china cloud"},
		{"--cloud contradicts", "https://login.microsoftonline.us/" + entryTenant + "/oauth2/authorize?client_id=" + id,
			Config{Cloud: entra.Clouds["global"], CloudGiven: true},
			"https://login.microsoftonline.com/" + entryTenant + "/adminconsent?client_id=" + id, "but --cloud is global: consentwiz uses --cloud"},
		{"usgov-dod given, usgov link: same host", "https://login.microsoftonline.us/" + entryTenant + "/oauth2/authorize?client_id=" + id,
			Config{Cloud: entra.Clouds["usgov-dod"], CloudGiven: true},
			"https://login.microsoftonline.us/" + entryTenant + "/adminconsent?client_id=" + id, ""},
		{"global link", "https://login.microsoftonline.com/" + entryTenant + "/oauth2/authorize?client_id=" + id, global,
			"https://login.microsoftonline.com/" + entryTenant + "/adminconsent?client_id=" + id, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runLinkCmd(t, c.cfg, LinkOptions{AppFlags: AppFlags{URL: c.url}})
			if code != ExitOK || !strings.HasPrefix(out, c.want) {
				t.Fatalf("exit %d link %q stderr %q; want %q", code, out, errOut, c.want)
			}
			if c.note == "" && errOut != "" || c.note != "" && (!strings.Contains(errOut, c.note) || strings.Count(errOut, "\n") != 1) {
				t.Errorf("stderr %q, want one line with %q", errOut, c.note)
			}
		})
	}
	for _, c := range []struct{ url, want string }{
		{"https://login.microsoftonline.de/" + entryTenant + "/oauth2/authorize?client_id=" + id, "Microsoft Cloud Deutschland, which was retired"},
		{"https://login.live.com/oauth20_authorize.srf?client_id=" + id + "&scope=wl.basic", "admin consent does not apply to personal accounts"},
	} {
		code, out, errOut := runLinkCmd(t, global, LinkOptions{AppFlags: AppFlags{URL: c.url, Tenant: entryTenant}})
		if code != ExitError || out != "" || !strings.Contains(errOut, c.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%s: exit %d stdout %q stderr %q; want one line with %q", c.url, code, out, errOut, c.want)
		}
	}
}

// The vendor's redirect_uri is kept in the v1 link (--url); --v2 without
// --redirect-uri gives one link for each of the profile's redirect URIs
// (TrackerRMS: UK and US), listed on stderr; --redirect-uri picks one.
func TestLinkRedirectURIs(t *testing.T) {
	cfg := Config{Cloud: entra.Clouds["global"]}
	u := "https://login.microsoftonline.com/" + entryTenant + "/oauth2/authorize?client_id=5353a3d2-8ca9-42d2-b567-ea399ccb5e38&response_type=code&redirect_uri=https%3A%2F%2Fukevo.tracker-rms.com%2FOffice365%2FCallBack"
	code, out, _ := runLinkCmd(t, cfg, LinkOptions{AppFlags: AppFlags{URL: u}})
	if code != ExitOK || !strings.HasSuffix(strings.TrimSpace(out), "&redirect_uri=https%3A%2F%2Fukevo.tracker-rms.com%2FOffice365%2FCallBack") {
		t.Errorf("v1 with the pasted redirect: %q", out)
	}
	code, out, errOut := runLinkCmd(t, cfg, LinkOptions{AppFlags: AppFlags{Profile: "trackerrms", Tenant: entryTenant}, V2: true})
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != ExitOK || len(lines) != 2 || !strings.Contains(lines[0], "ukevo.tracker-rms.com") || !strings.Contains(lines[1], "usevo.tracker-rms.com") {
		t.Fatalf("v2, two redirect URIs: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, l := range lines {
		if !strings.Contains(l, "/v2.0/adminconsent?client_id=") || !strings.Contains(l, "scope=") {
			t.Errorf("not a v2 link: %s", l)
		}
	}
	if !strings.Contains(errOut, "2 redirect URIs") || !strings.Contains(errOut, "--redirect-uri") || !strings.Contains(errOut, "https://usevo.tracker-rms.com/Office365/CallBack") {
		t.Errorf("stderr does not list the redirect URIs: %q", errOut)
	}
	code, out, _ = runLinkCmd(t, cfg, LinkOptions{AppFlags: AppFlags{Profile: "trackerrms", Tenant: entryTenant}, V2: true, RedirectURI: "https://usevo.tracker-rms.com/Office365/CallBack"})
	if code != ExitOK || strings.Count(out, "\n") != 1 || !strings.Contains(out, "usevo") {
		t.Errorf("--redirect-uri picks one: %q", out)
	}
}

// A placeholder tenant is no tenant: link says to use --tenant; handoff
// uses the admin's own tenant and says why.
func TestPlaceholderTenant(t *testing.T) {
	u := "https://login.microsoftonline.com/{tenant-id}/adminconsent?client_id=5353a3d2-8ca9-42d2-b567-ea399ccb5e38"
	code, _, errOut := runLinkCmd(t, Config{Cloud: entra.Clouds["global"]}, LinkOptions{AppFlags: AppFlags{URL: u}})
	if code != ExitError || !strings.Contains(errOut, "placeholder ({tenant-id})") || !strings.Contains(errOut, "--tenant") {
		t.Errorf("link: exit %d %q", code, errOut)
	}
	code, _, errOut = runLinkCmd(t, Config{Cloud: entra.Clouds["global"]}, LinkOptions{AppFlags: AppFlags{URL: u, Tenant: entryTenant}})
	if code != ExitOK {
		t.Errorf("link with --tenant: exit %d %q", code, errOut)
	}
	code, out, errOut := runHandoffCmd(t, handoffConfig(), HandoffOptions{AppFlags: AppFlags{URL: u}})
	if code != ExitOK || !strings.Contains(errOut, "placeholder ({tenant-id})") || !strings.Contains(out, "/organizations/adminconsent") {
		t.Errorf("handoff: exit %d stderr %q", code, errOut)
	}
}

// URLs without a client id are explained by handoff (what happened, which
// tenant), not refused.
func TestHandoffExplainsRedirectsWithoutTheApp(t *testing.T) {
	for _, c := range []struct{ url, want string }{
		{"https://app.example.com/cb?admin_consent=True&tenant=fabrikam.com&state=12345", "admin consent was granted in tenant fabrikam.com"},
		{"https://app.example.com/cb?error=access_denied&error_subcode=cancel&state=1", "clicked Cancel"},
		{"https://login.microsoftonline.com/contoso.com/reprocess?ctx=rQQIARAA", "in the middle of a sign-in"},
	} {
		for _, format := range []string{"markdown", "text"} {
			code, out, errOut := runHandoffCmd(t, handoffConfig(), HandoffOptions{AppFlags: AppFlags{URL: c.url}, Format: format})
			if code != ExitOK || !strings.Contains(strings.Join(strings.Fields(out), " "), c.want) || !strings.Contains(errOut, "does not name the app") {
				t.Errorf("%s (%s): exit %d stdout\n%s\nstderr %q", c.url, format, code, out, errOut)
			}
		}
	}
}

// --profile takes a vendor's profile file too (validated, one-line errors);
// --app-name finds a shipped profile offline.
func TestProfileFileAndAppName(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "vendor.json")
	if err := os.WriteFile(good, []byte(`{"name":"Acme","displayName":"Acme Sync","clientId":"0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9",
		"scopes":["User.Read","Calendars.ReadWrite"],"consentVersion":"v1","redirectUris":{"eu":"https://eu.acme.example/cb"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"name":"Acme","clientId":"nope","scopes":["User.Read"],"consentVersion":"v1"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := Config{Cloud: entra.Clouds["global"]}
	code, out, errOut := runLinkCmd(t, cfg, LinkOptions{AppFlags: AppFlags{Profile: good, Tenant: entryTenant}})
	if code != ExitOK || !strings.Contains(out, "client_id=0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9") {
		t.Errorf("profile file: exit %d %q %q", code, out, errOut)
	}
	code, out, errOut = runHandoffCmd(t, handoffConfig(), HandoffOptions{AppFlags: AppFlags{Profile: good, Tenant: entryTenant}})
	if code != ExitOK || !strings.Contains(out, "Acme Sync") || !strings.Contains(out, "Calendars.ReadWrite") {
		t.Errorf("handoff with a profile file: exit %d %q", code, errOut)
	}
	for _, c := range []struct{ profile, want string }{
		{bad, `"clientId" is not a GUID`},
		{filepath.Join(dir, "missing.json"), "no such file"},
		{dir + "/", "is a directory"},
		{"nosuchprofile", "profile file"},
	} {
		code, _, errOut := runLinkCmd(t, cfg, LinkOptions{AppFlags: AppFlags{Profile: c.profile, Tenant: entryTenant}})
		if code != ExitError || !strings.Contains(errOut, c.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("--profile %s: exit %d stderr %q; want one line with %q", c.profile, code, errOut, c.want)
		}
	}
	code, out, errOut = runLinkCmd(t, cfg, LinkOptions{AppFlags: AppFlags{AppName: "trackerrms", Tenant: entryTenant}})
	if code != ExitOK || !strings.Contains(out, "client_id=5353a3d2-8ca9-42d2-b567-ea399ccb5e38") {
		t.Errorf("--app-name offline: exit %d %q %q", code, out, errOut)
	}
	code, _, errOut = runHandoffCmd(t, handoffConfig(), HandoffOptions{AppFlags: AppFlags{AppName: "Payroll Pro", Tenant: entryTenant}})
	if code != ExitError || !strings.Contains(errOut, "no app profile is named") || !strings.Contains(errOut, "--sign-in") {
		t.Errorf("--app-name not a profile: exit %d %q", code, errOut)
	}
	if _, err := (AppFlags{AppName: "x", App: "5353a3d2-8ca9-42d2-b567-ea399ccb5e38"}).input(); err == nil || !strings.Contains(err.Error(), "use only one of --app, --app-name") {
		t.Errorf("--app and --app-name together: %v", err)
	}
}

// check --app-name and handoff --sign-in --app-name find the app in the
// tenant after sign-in (SearchServicePrincipals), case-insensitively.
func TestCheckAndHandoffByNameInTheTenant(t *testing.T) {
	if testing.Short() {
		t.Skip("signs in to the simulated cloud")
	}
	srv, cfg := simCloud(t, sim.Options{Scenario: "granted"})
	var out, errOut bytes.Buffer
	code := RunCheck(context.Background(), cfg, CheckOptions{AppFlags: AppFlags{AppName: "trackerRMS", Tenant: "contoso.com"}, JSON: true},
		IO{In: strings.NewReader(""), Out: &out, Err: &errOut})
	if code != ExitOK {
		t.Fatalf("check --app-name: exit %d %s", code, errOut.String())
	}
	var d flows.Diagnosis
	if err := json.Unmarshal(out.Bytes(), &d); err != nil || d.App.ClientID != srv.Tenant().AppID() {
		t.Fatalf("diagnosis of %+v (%v)", d.App, err)
	}
	fixedHandoffClock(t)
	hcfg := cfg
	hcfg.Version = "9.9.9"
	code, ho, herr := runHandoffCmd(t, hcfg, HandoffOptions{AppFlags: AppFlags{AppName: "TrackerRMS", Tenant: "contoso.com"}, SignIn: true, Format: "text"})
	if code != ExitOK || !strings.Contains(ho, "adminconsent?client_id="+srv.Tenant().AppID()) || !strings.Contains(ho, "What consentwiz found in the tenant") {
		t.Errorf("handoff --sign-in --app-name: exit %d %q\n%s", code, herr, ho)
	}
	errOut.Reset()
	out.Reset()
	code = RunCheck(context.Background(), cfg, CheckOptions{AppFlags: AppFlags{AppName: "No Such App", Tenant: "contoso.com"}},
		IO{In: strings.NewReader(""), Out: &out, Err: &errOut})
	if code != ExitError || !strings.Contains(errOut.String(), `No app by that name "No Such App"`) {
		t.Errorf("unknown name: exit %d %q", code, errOut.String())
	}
}

// The wizard takes --app-name too: the machine finds the app after sign-in.
func TestWizardInputAppName(t *testing.T) {
	in, err := wizardInput(Config{}, WizardOptions{AppFlags: AppFlags{AppName: "  Contoso   CRM "}}, nil, false)
	if err != nil || in.AppName != "Contoso CRM" || in.App.ClientID != "" || in.AppText != "" {
		t.Fatalf("wizard input %+v, %v", in, err)
	}
	s, _ := flows.Start(in)
	if s.FindName != "Contoso CRM" || s.Step != flows.StepTenantInput {
		t.Errorf("the wizard starts at %s looking for %q", s.Step, s.FindName)
	}
}

// cloudForHint: the link's cloud when none was configured; --cloud and
// custom endpoints win, with a note; the same login host is no conflict.
func TestCloudForHint(t *testing.T) {
	g, us, dod, cn := entra.Clouds["global"], entra.Clouds["usgov"], entra.Clouds["usgov-dod"], entra.Clouds["china"]
	for _, c := range []struct {
		cfg      Config
		hint     string
		want     string
		switched bool
		note     string
	}{
		{Config{Cloud: g}, "", "global", false, ""},
		{Config{Cloud: g}, "global", "global", false, ""},
		{Config{Cloud: g}, "usgov", "usgov", true, "consentwiz uses the usgov cloud"},
		{Config{Cloud: g}, "china", "china", true, "login.partner.microsoftonline.cn"},
		{Config{Cloud: g, CloudGiven: true}, "china", "global", false, "but --cloud is global"},
		{Config{Cloud: dod, CloudGiven: true}, "usgov", "usgov-dod", false, ""},
		{Config{Cloud: us}, "global", "global", true, "login.microsoftonline.com"},
		{Config{Cloud: g, LoginURL: "https://127.0.0.1:8443"}, "china", "global", false, "--login-url"},
		{Config{Cloud: g}, "nonsense", "global", false, ""},
		{Config{Cloud: cn, CloudGiven: true}, "china", "china", false, ""},
	} {
		cl, switched, note := cloudForHint(c.cfg, c.hint)
		if cl.Name != c.want || switched != c.switched || (c.note == "") != (note == "") || !strings.Contains(note, c.note) {
			t.Errorf("%s given %v, hint %q: %s %v %q; want %s %v %q", c.cfg.Cloud.Name, c.cfg.CloudGiven, c.hint, cl.Name, switched, note, c.want, c.switched, c.note)
		}
	}
}

// The wizard's tenant lookup carries the link's cloud; with the simulator's
// endpoints configured, the runner keeps them and says so.
func TestRunnerResolveNotesTheLinksCloud(t *testing.T) {
	rig := newSimRig(t, sim.Options{})
	ev := rig.runner.Run(context.Background(), flows.ResolveTenant{Input: rig.srv.Tenant().Domain(), Cloud: "usgov"})
	tr, ok := ev.(flows.TenantResolved)
	if !ok || tr.Err != nil || tr.Info.ID != rig.srv.Tenant().ID() || !strings.Contains(tr.Note, "login.microsoftonline.us") || !strings.HasSuffix(tr.Note, ".") {
		t.Fatalf("%+v", ev)
	}
}

package ui

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"strconv"
	"strings"

	"consentwiz/assets"
	"consentwiz/flows"
	"consentwiz/graph/entra"
)

// AppFlags are the command-line flags that name the app (--app, --url,
// --error, --profile, --app-name, --scope) and the tenant (--tenant).
// ui/cli registers them once for every command that takes them; input is
// the one rule that turns them into a flows.AppRef, and every text flag is
// read by flows.Read, so each command reads the same input the same way.
type AppFlags struct {
	App, URL, Error, Profile string
	// AppName is the app's display name, matched case-insensitively: in the
	// tenant after sign-in (the wizard, check, handoff --sign-in) or among the
	// shipped profiles (handoff, link).
	AppName string
	Scopes  []string
	Tenant  string
	// ErrorExplains is set by `handoff`: there --error may come with --app,
	// --url or --profile; the app comes from those and the error text only
	// explains what the user saw.
	ErrorExplains bool
}

// errNameTheApp is what a command that needs the app says when none is named.
var errNameTheApp = errors.New("name the app with --app ID, --url URL, --error TEXT, --profile NAME|FILE or --app-name NAME")

// named returns the one flag that names the app and its value ("" when none).
// More than one of --app, --url, --error, --profile and --app-name is an
// error, except --error next to another one when ErrorExplains is set.
func (f AppFlags) named() (flag, value string, err error) {
	var set []string
	for _, c := range []struct{ flag, value string }{
		{"--profile", f.Profile}, {"--app", f.App}, {"--url", f.URL}, {"--app-name", f.AppName}, {"--error", f.Error},
	} {
		if c.value == "" || (c.flag == "--error" && f.ErrorExplains && len(set) > 0) {
			continue
		}
		if len(set) == 0 {
			flag, value = c.flag, c.value
		}
		set = append(set, c.flag)
	}
	if len(set) > 1 {
		return "", "", errors.New("name the app once: use only one of " + strings.Join(set, ", "))
	}
	return flag, value, nil
}

// appInput is what the app flags say: the flag used, the reading of a text
// flag (--app, --url, --error), the app when it has a client id, and the name
// to find for --app-name.
type appInput struct {
	flag    string
	reading flows.Reading
	ref     flows.AppRef
	name    string
}

// input reads the flag that names the app. A text that names no app is an
// error that says what was understood and where the app id is (and, when
// the text shows the app's name, that --app-name can find it).
func (f AppFlags) input() (appInput, error) {
	flag, value, err := f.named()
	if err != nil {
		return appInput{}, err
	}
	in := appInput{flag: flag}
	switch flag {
	case "":
		return in, errNameTheApp
	case "--profile":
		in.ref, err = loadProfile(value)
		in.ref = f.withScopes(in.ref)
		return in, err
	case "--app-name":
		in.name = strings.Join(strings.Fields(flows.Sanitize(value, 0)), " ")
		if in.name == "" {
			return in, errors.New("--app-name is empty: give the name users see, e.g. TrackerRMS")
		}
		return in, nil
	}
	in.reading, err = flows.Read(value)
	if err != nil {
		return in, err
	}
	in.ref, err = in.reading.AppRef()
	if err != nil {
		return in, withNameHint(err)
	}
	in.ref = f.withScopes(in.ref)
	return in, nil
}

// withNameHint adds, to an input that shows the app's name but not its id,
// how to go on by that name.
func withNameHint(err error) error {
	var m *flows.MissingAppIDError
	if !errors.As(err, &m) || m.Reading.Personal || m.Reading.RetiredCloud {
		return err
	}
	if name := strings.TrimSpace(m.Reading.App.DisplayName); name != "" {
		return fmt.Errorf("%w; or find it by its name: --app-name %s", err, strconv.Quote(name))
	}
	return err
}

// withScopes applies --scope: the permissions the app asks for.
func (f AppFlags) withScopes(ref flows.AppRef) flows.AppRef {
	if len(f.Scopes) > 0 && ref.ClientID != "" {
		ref.Scopes = append([]string(nil), f.Scopes...)
	}
	return ref
}

// Ref is the app the flags name, for the commands that need its client id
// (link, handoff, check --tenants). --app-name is looked up offline, among
// the shipped profiles (check and handoff --sign-in search the tenant, then
// the same profiles).
func (f AppFlags) Ref() (flows.AppRef, error) {
	in, err := f.offlineInput()
	return in.ref, err
}

// offlineInput is input with --app-name looked up among the shipped profiles.
func (f AppFlags) offlineInput() (appInput, error) {
	in, err := f.input()
	if err != nil || in.name == "" {
		return in, err
	}
	ref, err := profileNamed(in.name)
	if err != nil {
		return in, err
	}
	in.ref, in.name = f.withScopes(ref), ""
	return in, nil
}

// nameProfiles are the app profiles a name (--app-name, the wizard's "Type
// the app's name") is looked up in when the tenant does not have the app —
// the normal case for an app nobody has consented to yet: the shipped
// profiles, and in the demo its own apps. The wizard offers the same list on
// its first screen. Every command and the wizard use this one list, with
// flows.FindAppByName, so a name means the same app everywhere.
func nameProfiles(demo bool) ([]flows.AppRef, error) {
	profiles, err := assets.Profiles()
	if err != nil {
		return nil, err
	}
	var out []flows.AppRef
	for _, p := range profiles {
		out = append(out, flows.FromProfile(p))
	}
	if demo {
		out = append(out, demoProfiles()...)
	}
	return out, nil
}

// checkInput is the machine's input for a check of the app ref, or of the
// app named name (--app-name), found after sign-in among the tenant's apps
// and then nameProfiles, as the wizard finds it.
func checkInput(ref flows.AppRef, name, tenant string) (flows.WizardInput, error) {
	in := flows.WizardInput{App: ref, Tenant: tenant, CheckOnly: true}
	if ref.ClientID != "" {
		return in, nil
	}
	ps, err := nameProfiles(false)
	in.App, in.AppName, in.Profiles = flows.AppRef{}, name, ps
	return in, err
}

// profileNamed finds the shipped profile whose name or display name is name.
func profileNamed(name string) (flows.AppRef, error) {
	ps, err := nameProfiles(false)
	if err != nil {
		return flows.AppRef{}, err
	}
	c, err := flows.FindAppByName(name, flows.ProfileCandidates(ps))
	if errors.Is(err, flows.ErrNoAppNamed) {
		return flows.AppRef{}, fmt.Errorf("no app profile is named %s: without signing in consentwiz knows only its profiles; give the app's client id (--app), or sign in (check, handoff --sign-in) to search the tenant",
			strconv.Quote(flows.Sanitize(name, 80)))
	}
	if err != nil {
		return flows.AppRef{}, err
	}
	return flows.KnownApp(flows.AppRef{ClientID: c.ClientID, DisplayName: c.DisplayName}), nil
}

// wizardApp is the app for the wizard's first screen: a parsed AppRef, or
// the text when it does not parse (the wizard shows why and asks again, or
// offers to find the app by the name the text shows), or the name to find
// after sign-in (--app-name), or nothing (the wizard asks).
func (f AppFlags) wizardApp() (ref flows.AppRef, text, name string, err error) {
	flag, value, err := f.named()
	if err != nil || flag == "" {
		return ref, "", "", err
	}
	in, ierr := f.input()
	switch {
	case flag == "--profile" && ierr != nil:
		return ref, "", "", ierr
	case in.name != "":
		return ref, "", in.name, nil
	case ierr != nil:
		return flows.AppRef{}, value, "", nil
	}
	return in.ref, "", "", nil
}

// tenantFor is --tenant, else the tenant the app's URL or error text names.
func (f AppFlags) tenantFor(ref flows.AppRef) string {
	if f.Tenant != "" {
		return f.Tenant
	}
	return ref.TenantHint
}

// needTenant is the error of a command that needs the tenant and has none:
// a link whose tenant was a placeholder says so.
func (in appInput) needTenant() error {
	if p := in.reading.PlaceholderTenant; p != "" {
		return fmt.Errorf("the link's tenant is a placeholder (%s), not a tenant: name the tenant with --tenant DOMAIN (or its id)", p)
	}
	return errors.New("name the tenant with --tenant DOMAIN (or its id)")
}

// --- --profile NAME|FILE --------------------------------------------------------------

// maxProfileFile is how much of a profile file is read: more than
// flows.ParseProfile accepts, so a larger file gets its error.
const maxProfileFile = 1 << 20

// loadProfile is --profile: a shipped profile's name, or the path of a
// vendor's profile file (validated by flows.ParseProfile).
func loadProfile(v string) (flows.AppRef, error) {
	path := strings.TrimSpace(v)
	if !looksLikePath(path) {
		p, err := assets.Profile(path)
		if err == nil {
			return flows.FromProfile(p), nil
		}
		if fi, serr := os.Stat(path); serr != nil || fi.IsDir() {
			return flows.AppRef{}, fmt.Errorf("%v; or give the path of a profile file (--profile ./vendor.json)", err)
		}
	}
	b, err := readProfileFile(path)
	if err != nil {
		return flows.AppRef{}, fmt.Errorf("--profile %s: %s", strconv.Quote(flows.Sanitize(path, 200)), err)
	}
	ref, err := flows.ParseProfile(b)
	if err != nil {
		return flows.AppRef{}, fmt.Errorf("--profile %s: %s", strconv.Quote(flows.Sanitize(path, 200)), err)
	}
	return ref, nil
}

// looksLikePath reports a --profile value that is a file, not a profile name.
func looksLikePath(v string) bool {
	return strings.ContainsAny(v, `/\`) || strings.HasSuffix(strings.ToLower(v), ".json")
}

// readProfileFile reads a profile file, saying in a few words why it cannot.
func readProfileFile(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, errors.New("no such file")
		case errors.Is(err, fs.ErrPermission):
			return nil, errors.New("permission denied")
		}
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, pe.Err
		}
		return nil, err
	}
	defer fh.Close()
	if fi, err := fh.Stat(); err == nil && fi.IsDir() {
		return nil, errors.New("is a directory, not a profile file")
	}
	return io.ReadAll(io.LimitReader(fh, maxProfileFile))
}

// --- the cloud of a pasted link -------------------------------------------------------

// cloudForHint is the cloud to look a tenant up in and build links for,
// given the cloud of the link the app came from (flows.AppRef.CloudHint):
// the link's cloud when nothing was configured (a login.microsoftonline.us
// link means the US Government cloud, never a silent switch to the global
// one), else the configured one (--cloud, custom endpoints). note is the one
// sentence (lower-case, no full stop) that says which was chosen when they
// differ.
func cloudForHint(cfg Config, hint string) (cl entra.Cloud, switched bool, note string) {
	cl = cfg.Cloud
	hc, ok := entra.Clouds[hint]
	if hint == "" || !ok || strings.EqualFold(hc.LoginURL, cfg.Cloud.LoginURL) {
		return cl, false, ""
	}
	host := hc.LoginURL
	if u, err := url.Parse(hc.LoginURL); err == nil {
		host = u.Host
	}
	switch {
	case cfg.Custom():
		return cl, false, fmt.Sprintf("the link is for %s (the %s cloud); consentwiz uses the endpoints configured with --login-url", host, hc.Name)
	case cfg.CloudGiven:
		return cl, false, fmt.Sprintf("the link is for %s (the %s cloud), but --cloud is %s: consentwiz uses --cloud", host, hc.Name, cfg.Cloud.Name)
	}
	return hc, true, fmt.Sprintf("the link is for %s: consentwiz uses the %s cloud (give --cloud to choose another)", host, hc.Name)
}

// withAppCloud is cfg in the cloud cloudForHint chooses for ref, and the note.
func withAppCloud(cfg Config, ref flows.AppRef) (Config, string) {
	cl, switched, note := cloudForHint(cfg, ref.CloudHint)
	if switched {
		cfg.Cloud = cl
		cfg.BrowserLoginURL = "" // the simulator's pages stand for the configured cloud only
	}
	return cfg, note
}

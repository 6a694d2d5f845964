package ui

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/atotto/clipboard"

	"consentwiz/flows"
	"consentwiz/graph"
	"consentwiz/graph/entra"
)

// Runner performs the wizard's effects against a real tenant (or the
// simulator): tenant discovery, MSAL sign-in, Graph reads and writes, the
// journal, the browser and the clipboard. It implements Effects.
//
// Every effect that acts on a tenant names it (flows.TenantEffect); the
// runner keeps a sign-in and a Graph client per tenant and cloud, and uses
// the effect's. It remembers no "current" tenant: a restore of another
// tenant's journal entry signs in to that tenant, in that entry's cloud.
type Runner struct {
	cfg     Config
	hc      *http.Client
	journal *Journal
	open    func(string) error
	demo    DemoControls
	endUser func(ctx context.Context, appID string, scopes []string) (screen, detail string, err error)
	now     func() time.Time
	saveDir string
	// lagWaits are the waits before each look for an object Graph may not
	// show yet (io_writes.go); tests shorten them.
	lagWaits []time.Duration

	mu       sync.Mutex
	sessions map[sessionKey]*session
	// home and homes: where one sign-in reaches other tenants from
	// (io_home.go); graphOpts are added to every Graph client.
	home      string
	homes     map[sessionKey]string
	roles     map[string][]flows.RoleRef
	graphOpts []graph.Option
	// gdap caches the GDAP relationships read per home tenant
	// (gdapListing); gdapMu is held while one is read, so many tenants
	// checked at once read them once.
	gdapMu sync.Mutex
	gdap   map[string]gdapRead

	calls callRecorder // failed Graph calls, for the support report
}

// sessionKey names a tenant in a cloud (the cloud's name as cloudFor resolves it).
type sessionKey struct{ tenant, cloud string }

// session is the sign-in and the Graph client of one tenant.
type session struct {
	auth   *graph.Authenticator
	client *graph.Client
	// tenant and home are set when the session shares the sign-in of home
	// (io_home.go): its tokens are auth.TenantToken(tenant).
	tenant, home string
}

var _ Effects = (*Runner)(nil)

// RunnerOptions are the parts of a Runner that differ between the real
// program, the demo and tests.
type RunnerOptions struct {
	// Open opens a URL in the browser; nil means pkg/browser.
	Open func(string) error
	// Demo is set in `consentwiz demo`.
	Demo DemoControls
	// EndUser has the simulated end user try to connect the app (demo only).
	EndUser func(ctx context.Context, appID string, scopes []string) (screen, detail string, err error)
	// SaveDir is where hand-off files are saved (default: the working directory).
	SaveDir string
	// Home, when set, is where the admin signs in once (a tenant id or
	// domain, or "organizations": wherever the account lives); the other
	// tenants of the cloud get their tokens with that sign-in (io_home.go).
	Home string
	// GraphOptions are added to every tenant's Graph client.
	GraphOptions []graph.Option
}

// NewRunner builds a Runner for cfg.
func NewRunner(cfg Config, journal *Journal, o RunnerOptions) (*Runner, error) {
	hc, err := cfg.HTTPClient()
	if err != nil {
		return nil, err
	}
	return &Runner{
		cfg: cfg, hc: hc, journal: journal, open: browserOpener(cfg, o.Open), demo: o.Demo, endUser: o.EndUser,
		now: time.Now, saveDir: o.SaveDir, sessions: map[sessionKey]*session{}, lagWaits: lagWaits,
		home: strings.TrimSpace(o.Home), graphOpts: o.GraphOptions,
	}, nil
}

// Demo implements Effects.
func (r *Runner) Demo() DemoControls { return r.demo }

// Journal returns the journal the runner writes.
func (r *Runner) Journal() *Journal { return r.journal }

// cloudFor is the cloud, with the hosts the runner talks to, that a tenant
// named in name lives in: the configured cloud (with any custom endpoints),
// or the national cloud a tenant was found in (docs/entra.md C2). Custom
// endpoints are never left: they stand for one cloud.
func (r *Runner) cloudFor(name string) entra.Cloud {
	home := r.cfg.EffectiveCloud()
	if name == "" || r.cfg.Custom() || strings.EqualFold(name, home.Name) {
		return home
	}
	if c, ok := entra.Clouds[strings.ToLower(name)]; ok {
		return c
	}
	return home
}

// linkCloud is the cloud of name with the hosts of the links a person opens
// (in the configured cloud, the browser login URL when one is set: the
// simulator serves its pages over plain http).
func (r *Runner) linkCloud(name string) entra.Cloud {
	c := r.cloudFor(name)
	if c.Name == r.cfg.EffectiveCloud().Name {
		return r.cfg.LinkCloud()
	}
	return c
}

// ResolveTenant discovers the tenant (from the configured cloud's authority)
// and the cloud it lives in, and prepares its sign-in.
func (r *Runner) ResolveTenant(ctx context.Context, input string) (flows.TenantInfo, error) {
	t, _, err := r.resolveTenant(ctx, input, "")
	return t, err
}

// resolveTenant is ResolveTenant from the authority of the cloud the app's
// link belongs to (hint), unless a cloud was configured (cloudForHint); note
// says which cloud was used when they differ.
func (r *Runner) resolveTenant(ctx context.Context, input, hint string) (flows.TenantInfo, string, error) {
	input = strings.TrimSpace(input)
	home := r.cfg.EffectiveCloud()
	cl, switched, note := cloudForHint(r.cfg, hint)
	if switched {
		home = cl
	}
	info, err := graph.DiscoverTenant(ctx, r.hc, home.LoginURL, input)
	if err != nil {
		return flows.TenantInfo{}, note, describeDiscoveryError(err, home.LoginURL)
	}
	if info.Cloud == "" && switched {
		info.Cloud = cl.Name
	}
	domain := info.Domain
	if domain == "" && !entra.IsGUID(input) {
		domain = input
	}
	t := flows.TenantInfo{ID: info.ID, Domain: domain, Cloud: r.linkCloud(info.Cloud)}
	if _, err := r.session(ctx, flows.TenantRef{ID: t.ID, Cloud: t.Cloud.Name}); err != nil {
		return flows.TenantInfo{}, note, err
	}
	return t, note, nil
}

// session returns the sign-in and Graph client of t, making them on first use.
func (r *Runner) session(ctx context.Context, t flows.TenantRef) (*session, error) {
	if t.ID == "" {
		return nil, errors.New("the tenant is not known yet")
	}
	cloud := r.cloudFor(t.Cloud)
	key := sessionKey{tenant: strings.ToLower(t.ID), cloud: cloud.Name}
	r.mu.Lock()
	s := r.sessions[key]
	r.mu.Unlock()
	if s != nil {
		return s, nil
	}
	if home := r.homeOf(key); home != "" {
		return r.sharedSession(ctx, key, t.ID, home)
	}
	cfg := r.cfg
	cfg.Cloud = entra.Clouds[cloud.Name]
	if cfg.Cloud.Name == "" {
		cfg.Cloud = cloud
	}
	auth, err := cfg.Authenticator(t.ID, r.hc)
	if err != nil {
		return nil, err
	}
	s = &session{auth: auth, client: r.newClient(cloud, auth)}
	r.mu.Lock()
	if had := r.sessions[key]; had != nil {
		r.mu.Unlock()
		return had, nil
	}
	r.sessions[key] = s
	r.mu.Unlock()
	if cfg.TokenCache != nil {
		auth.Resume(ctx)
	}
	return s, nil
}

// client is the Graph client of the tenant e acts on.
func (r *Runner) client(ctx context.Context, e flows.TenantEffect) (*graph.Client, error) {
	s, err := r.session(ctx, e.Target())
	if err != nil {
		return nil, err
	}
	return s.client, nil
}

// StartSignIn implements Effects. A tenant that the home sign-in does not
// reach gets a sign-in of its own (io_home.go).
func (r *Runner) StartSignIn(ctx context.Context, e flows.SignIn) (*PendingSignIn, error) {
	return r.startSignIn(ctx, e, true)
}

// startSignIn is StartSignIn; own says whether a tenant that the home
// sign-in does not reach may get a sign-in of its own, or fails with
// *entra.TenantSignInError (`check --tenants` without --interactive-fallback).
func (r *Runner) startSignIn(ctx context.Context, e flows.SignIn, own bool) (_ *PendingSignIn, err error) {
	defer func() { r.calls.record("sign-in", err) }()
	if err := r.adoptHome(e, own); err != nil {
		return nil, err
	}
	// The token and the Graph client are the named tenant's (a restore may be
	// of another tenant's journal entry), never the last one's.
	sess, err := r.session(ctx, e.Tenant)
	if err != nil {
		return nil, err
	}
	auth := sess.auth
	scopes := e.Scopes
	done := func(acct graph.Account, err error) flows.Event {
		r.calls.record("sign-in", err)
		if err != nil {
			return flows.SignedIn{Err: err}
		}
		return flows.SignedIn{Account: acct.Username, AccountTenant: acct.TenantID, Scopes: scopes}
	}
	if sess.tenant != "" {
		return r.startSharedSignIn(ctx, sess, e, own, done)
	}
	if acct, ok := auth.Account(); ok {
		// Already signed in: a token for the new scopes may come silently
		// (incremental consent only asks when the scope is new).
		if _, err := auth.Token(ctx, scopes); err == nil {
			return &PendingSignIn{Wait: func(context.Context) flows.Event { return done(acct, nil) }}, nil
		} else if !errors.Is(err, graph.ErrInteractionRequired) {
			return nil, err
		}
	}
	if r.cfg.UseBrowser {
		hint := e.LoginHint
		if acct, ok := auth.Account(); ok {
			hint = acct.Username
		}
		return r.startBrowserSignIn(ctx, func(ctx context.Context, open func(string) error) (graph.Account, error) {
			return auth.SignInBrowser(ctx, scopes, open, hint)
		}, done)
	}
	dl, err := auth.StartDeviceCode(ctx, scopes)
	if err != nil {
		return nil, err
	}
	info := dl.Info()
	return &PendingSignIn{Code: &info, URL: info.VerificationURL, Wait: func(ctx context.Context) flows.Event {
		return done(dl.Wait(ctx))
	}}, nil
}

// startBrowserSignIn starts MSAL's interactive sign-in now, because MSAL builds
// the authorize URL (PKCE, state, its loopback port) only when it opens the
// browser: the opener catches that URL, so the screen can show the page to
// open by hand when no browser appeared. It returns once the browser was
// asked to open (or the sign-in ended first); Wait then waits for the result.
// The callers pass the same ctx to StartSignIn and Wait; cancelling it ends
// the sign-in.
func (r *Runner) startBrowserSignIn(ctx context.Context, signIn func(ctx context.Context, open func(string) error) (graph.Account, error),
	done func(graph.Account, error) flows.Event) (*PendingSignIn, error) {
	opened := make(chan string, 1)
	result := make(chan flows.Event, 1)
	open := func(u string) error {
		// MSAL builds u from the authority's advertised authorization_endpoint:
		// it is checked like every other link before it is shown or opened.
		if err := SafeToOpen(u); err != nil {
			return err
		}
		select {
		case opened <- u:
		default:
		}
		if err := r.open(u); !errors.Is(err, errNoBrowser) {
			return err
		}
		return nil // --no-browser: the screen shows the page to open by hand
	}
	go func() {
		defer func() {
			if p := recover(); p != nil {
				result <- done(graph.Account{}, fmt.Errorf("browser sign-in failed: %v", p))
			}
		}()
		result <- done(signIn(ctx, open))
	}()
	wait := func(wctx context.Context) flows.Event {
		select {
		case ev := <-result:
			return ev
		case <-wctx.Done():
			return done(graph.Account{}, wctx.Err())
		}
	}
	select {
	case u := <-opened:
		return &PendingSignIn{Browser: true, URL: u, Wait: wait}, nil
	case ev := <-result:
		// The sign-in ended before a browser was asked to open (an error).
		return &PendingSignIn{Browser: true, Wait: func(context.Context) flows.Event { return ev }}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Run implements Effects.
func (r *Runner) Run(ctx context.Context, eff flows.Effect) (ev flows.Event) {
	defer func() { r.recordEvent(eff, ev) }()
	switch e := eff.(type) {
	case flows.ResolveTenant:
		t, note, err := r.resolveTenant(ctx, e.Input, e.Cloud)
		return flows.TenantResolved{Info: t, Err: err, Note: sentence(note)}
	case flows.Scan:
		return r.scan(ctx, e)
	case flows.SearchApps:
		apps, err := r.searchApps(ctx, e)
		return flows.AppsFound{Apps: apps, Err: err}
	case flows.FetchSnapshot:
		snap, err := r.snapshot(ctx, e.Tenant, e.AppID, flows.ResourceAppIDs(e.App)...)
		if err == nil && e.Assignments && snap.App != nil {
			snap.AppAssignedTo, err = r.assignments(ctx, flows.ReadAssignments{Tenant: e.Tenant, ResourceID: snap.App.ID})
		}
		if err != nil {
			return flows.SnapshotLoaded{Err: err}
		}
		ev := flows.SnapshotLoaded{Snap: snap}
		if e.Diagnose {
			d := flows.Diagnose(snap, e.App)
			ev.Diagnosis = &d
		}
		return ev
	case flows.PollGrant:
		snap, err := r.poll(ctx, e.Tenant, e.AppID, false)
		return flows.Polled{Snap: snap, Err: err, Now: r.now()}
	case flows.PollRequests:
		snap, err := r.poll(ctx, e.Tenant, e.AppID, true)
		return flows.Polled{Snap: snap, Err: err, Now: r.now()}
	case flows.ReadAssignments:
		as, err := r.assignments(ctx, e)
		return flows.AssignmentsRead{Assignments: as, Err: err}
	case flows.ReadUsers:
		us, err := r.users(ctx, e)
		return flows.UsersRead{Users: us, Err: err}
	case flows.CheckReviewer:
		return r.checkReviewer(ctx, e)
	case flows.ReadAuthorizationPolicy:
		c, err := r.client(ctx, e)
		if err != nil {
			return flows.PolicyRead{Err: err}
		}
		p, err := c.GetAuthorizationPolicy(ctx)
		return flows.PolicyRead{Policy: p, Err: err}
	case flows.ReadConsentRequestPolicy:
		c, err := r.client(ctx, e)
		if err != nil {
			return flows.ConsentPolicyRead{Err: err}
		}
		p, err := c.GetConsentRequestPolicy(ctx)
		return flows.ConsentPolicyRead{Policy: p, Err: err}
	case flows.WriteEffect:
		id, err := r.write(ctx, e)
		return flows.WriteDone{Op: e.Op(), ID: id, Err: err, Lost: answerLost(err)}
	case flows.SearchReviewers:
		rs, err := r.searchReviewers(ctx, e)
		return flows.ReviewersFound{Reviewers: rs, Err: err}
	case flows.OpenURL:
		return flows.Opened{Err: r.OpenURL(e.URL)}
	case flows.CopyText:
		return flows.Copied{Err: clipboard.WriteAll(e.Text)}
	case flows.SaveFile:
		p, err := r.save(e.Name, e.Text)
		return flows.Saved{Path: p, Err: err}
	case flows.WriteJournal:
		return flows.JournalWritten{Err: r.journal.Write(e.Entry)}
	case flows.ClearJournal:
		return flows.JournalCleared{Err: r.journal.Clear(e.ID)}
	case flows.SimulateUser:
		if r.endUser == nil {
			return flows.UserSimulated{Err: errors.New("no simulated user outside the demo")}
		}
		screen, detail, err := r.endUser(ctx, e.AppID, e.Scopes)
		return flows.UserSimulated{Screen: screen, Detail: detail, Err: err}
	}
	return nil
}

// snapshot reads tenant t for the app, and the service principals of the
// other APIs it asks permissions of (resources); the snapshot names the
// tenant and its cloud.
func (r *Runner) snapshot(ctx context.Context, t flows.TenantRef, appID string, resources ...string) (*entra.TenantSnapshot, error) {
	s, err := r.session(ctx, t)
	if err != nil {
		return nil, err
	}
	snap, err := s.client.SnapshotWithResources(ctx, appID, resources)
	if err != nil {
		return nil, err
	}
	if s.tenant != "" {
		*snap = r.asDelegated(ctx, s, *snap)
	}
	if snap.TenantID == "" {
		snap.TenantID = t.ID
	}
	snap.Cloud = r.cloudFor(t.Cloud).Name
	return snap, nil
}

func (r *Runner) searchReviewers(ctx context.Context, e flows.SearchReviewers) ([]flows.Reviewer, error) {
	c, err := r.client(ctx, e)
	if err != nil {
		return nil, err
	}
	q := e.Query
	users, uerr := c.SearchUsers(ctx, q)
	groups, gerr := c.SearchGroups(ctx, q)
	if uerr != nil && gerr != nil {
		return nil, uerr
	}
	var out []flows.Reviewer
	for _, u := range users {
		out = append(out, flows.Reviewer{Kind: flows.ReviewerUser, ID: u.ID, Name: u.DisplayName, Detail: u.UserPrincipalName})
	}
	for _, g := range groups {
		out = append(out, flows.Reviewer{Kind: flows.ReviewerGroup, ID: g.ID, Name: g.DisplayName, Detail: g.Mail})
	}
	return out, nil
}

// OpenURL opens u in the browser when it is safe: https, or http on loopback
// only (docs/safety.md).
func (r *Runner) OpenURL(u string) error {
	if err := SafeToOpen(u); err != nil {
		return err
	}
	return r.open(u)
}

// SafeToOpen accepts https URLs and http URLs on a loopback host. The link
// must be exactly what the screen shows (no control, invisible or bidi
// character, no space) and carry no user info ("https://microsoft.com@evil/").
func SafeToOpen(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("not a URL: %q", raw)
	}
	if flows.Sanitize(raw, 0) != raw || strings.ContainsAny(raw, " \t") {
		return fmt.Errorf("refusing to open %q: it holds characters that are hidden or changed on screen", raw)
	}
	if u.User != nil {
		return fmt.Errorf("refusing to open %q: links with a user name before the host are not opened", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if host == "localhost" {
			return nil
		}
		if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
			return nil
		}
	}
	return fmt.Errorf("refusing to open %q: only https (or http on this computer) links are opened", raw)
}

func (r *Runner) save(name, text string) (string, error) {
	name = filepath.Base(name)
	if name == "." || name == ".." || name == "/" || name == "" || name == string(filepath.Separator) {
		return "", errors.New("no file name")
	}
	dir := r.saveDir
	if dir == "" {
		dir = "."
	}
	// A file saved before (this run, or an earlier one) is never overwritten:
	// the next free name is taken (name-2.md, name-3.md, …).
	ext := filepath.Ext(name)
	base := strings.TrimSuffix(name, ext)
	for i := 1; i < 100; i++ {
		p := filepath.Join(dir, name)
		if i > 1 {
			p = filepath.Join(dir, base+"-"+strconv.Itoa(i)+ext)
		}
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		_, werr := f.WriteString(text)
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return "", werr
		}
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		return p, nil
	}
	return "", fmt.Errorf("%s and 98 more names like it exist already in %s", name, dir)
}

// describeDiscoveryError keeps "no such tenant" as it is and turns a network
// failure into a sentence that says what to check.
func describeDiscoveryError(err error, loginURL string) error {
	if errors.Is(err, graph.ErrTenantNotFound) || errors.Is(err, context.Canceled) {
		return err
	}
	var netErr net.Error
	var urlErr *url.Error
	if errors.As(err, &netErr) || errors.As(err, &urlErr) {
		host := loginURL
		if u, perr := url.Parse(loginURL); perr == nil && u.Host != "" {
			host = u.Host
		}
		return fmt.Errorf("could not reach %s (check the network connection, a proxy, or --cloud / --login-url): %w", host, err)
	}
	return err
}

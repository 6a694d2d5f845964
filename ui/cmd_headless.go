package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"consentwiz/flows"
	"consentwiz/graph"
	"consentwiz/graph/entra"
	"consentwiz/graph/sim"
)

// RunSim runs `consentwiz sim`: it serves the simulated cloud until ctx ends.
func RunSim(ctx context.Context, o SimOptions, stdio IO) int {
	// Stopped by a service manager (SIGTERM) or a closed terminal (SIGHUP)
	// as by ctrl+c: the CA file it wrote is removed (reliability review L13).
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	srv, err := sim.New(sim.Options{Scenario: o.Scenario, AutoApprove: o.AutoApprove, Addr: o.Addr})
	if err != nil {
		fmt.Fprintf(stdio.Err, "consentwiz sim: %s\n", simError(err))
		return ExitError
	}
	if err := srv.Start(); err != nil {
		fmt.Fprintf(stdio.Err, "consentwiz sim: %s\n", simError(err))
		return ExitError
	}
	defer srv.Close()
	caFile := o.CAOut
	if caFile == "" {
		caFile = filepath.Join(os.TempDir(), fmt.Sprintf("consentwiz-sim-ca-%d.pem", os.Getpid()))
		defer os.Remove(caFile)
	}
	if err := srv.WriteCAFile(caFile); err != nil {
		fmt.Fprintf(stdio.Err, "consentwiz sim: writing the CA file: %v\n", err)
		return ExitError
	}
	if abs, err := filepath.Abs(caFile); err == nil {
		caFile = abs
	}
	t := srv.Tenant()
	info := map[string]any{
		"loginUrl": srv.LoginURL(), "graphUrl": srv.GraphURL(), "browserUrl": srv.BrowserURL(), "caFile": caFile,
		"tenantId": t.ID(), "tenantDomain": t.Domain(), "adminUpn": t.AdminUPN(), "endUserUpn": t.EndUserUPN(),
		"appId": t.AppID(), "scenario": t.Scenario(), "users": t.Users(),
	}
	if o.JSON {
		b, _ := json.Marshal(info)
		fmt.Fprintln(stdio.Out, string(b))
	} else {
		fmt.Fprintf(stdio.Out, "Simulated Microsoft cloud, scenario %q\n", t.Scenario())
		fmt.Fprintf(stdio.Out, "  login:    %s\n  graph:    %s\n  browser:  %s\n  CA file:  %s\n", srv.LoginURL(), srv.GraphURL(), srv.BrowserURL(), caFile)
		fmt.Fprintf(stdio.Out, "  tenant:   %s (%s)\n  admin:    %s\n  end user: %s\n  app:      %s\n", t.Domain(), t.ID(), t.AdminUPN(), t.EndUserUPN(), t.AppID())
		fmt.Fprintf(stdio.Out, "\nPoint consentwiz at it:\n  CONSENTWIZ_LOGIN_URL=%s CONSENTWIZ_GRAPH_URL=%s CONSENTWIZ_CA_FILE=%s consentwiz\n", srv.LoginURL(), srv.GraphURL(), caFile)
		fmt.Fprintln(stdio.Out, "\nPress ctrl+c to stop.")
	}
	<-ctx.Done()
	return ExitOK
}

// simError is an error of the simulator without its own "sim: " prefix: the
// command's name is in front of it already ("consentwiz sim: sim: …").
func simError(err error) string { return strings.TrimPrefix(err.Error(), "sim: ") }

// RunLink runs `consentwiz link`: it prints the admin consent URL, without
// sign-in: in the cloud of the link the app came from (unless --cloud says
// otherwise), with the vendor's redirect_uri when the input had one.
func RunLink(ctx context.Context, cfg Config, o LinkOptions, stdio IO) int {
	fail := func(err error) int {
		fmt.Fprintf(stdio.Err, "consentwiz link: %v\n", err)
		return ExitError
	}
	in, err := o.offlineInput()
	if err != nil {
		return fail(err)
	}
	ref := in.ref
	t := o.tenantFor(ref)
	if t == "" {
		return fail(in.needTenant())
	}
	cfg, cnote := withAppCloud(cfg, ref)
	if cnote != "" {
		fmt.Fprintln(stdio.Err, "note: "+cnote)
	}
	_, parsed, err := flows.ParseTenant(t)
	if err == nil && strings.ContainsAny(t, "/\\") {
		err = fmt.Errorf("tenant is not a domain or tenant id: %q", flows.Sanitize(t, 200))
	}
	if err != nil {
		// A link to a tenant that cannot exist helps nobody (reliability review L2).
		fmt.Fprintf(stdio.Err, "consentwiz link: %v\n", err)
		return ExitError
	}
	t = parsed
	if o.RedirectURI != "" {
		// The same rule for v1 and v2: https, or http on this computer only.
		if _, err := flows.ValidateRedirectURI(o.RedirectURI); err != nil {
			fmt.Fprintf(stdio.Err, "consentwiz link: %v\n", err)
			return ExitError
		}
	}
	tenant, cloud, note := resolveForLink(ctx, cfg, t)
	if note != "" {
		fmt.Fprintln(stdio.Err, note)
	}
	if !o.V2 {
		redirect := firstNonEmpty(o.RedirectURI, ref.InputRedirectURI)
		fmt.Fprintln(stdio.Out, flows.AdminConsentURLv1(cloud, tenant, ref.ClientID, redirect, ""))
		return ExitOK
	}
	redirects := ref.RedirectURIs
	if o.RedirectURI != "" {
		redirects = []string{o.RedirectURI}
	}
	if len(redirects) == 0 {
		redirects = []string{""} // AdminConsentURLv2 says what is missing
	}
	var links []string
	for _, ru := range redirects {
		u, err := flows.AdminConsentURLv2(cloud, tenant, ref.ClientID, ref.Scopes, ru, "")
		if err != nil {
			return fail(err)
		}
		links = append(links, u)
	}
	if len(links) > 1 {
		// A vendor with a site per region (TrackerRMS: UK and US) registers
		// one redirect URI each: v2 needs the exact one, so one link a URI.
		fmt.Fprintf(stdio.Err, "note: %s has %d redirect URIs; v2 admin consent returns to exactly one, so here is one link for each (choose with --redirect-uri URI):\n",
			flows.Sanitize(firstNonEmpty(ref.DisplayName, ref.ClientID), 80), len(links))
		for i, ru := range redirects {
			fmt.Fprintf(stdio.Err, "  %d. %s\n", i+1, flows.Sanitize(ru, 300))
		}
	}
	for _, u := range links {
		fmt.Fprintln(stdio.Out, u)
	}
	return ExitOK
}

// linkLookupTimeout bounds link's look-up of a domain's tenant id: the link
// with the domain is valid too, so a slow sign-in service is not waited for
// longer than discovery's own bound (3 s).
const linkLookupTimeout = graph.DiscoveryTimeout

// resolveForLink turns a domain into a tenant id when the authority can be
// reached; offline, the domain itself is a valid tenant segment (docs/entra.md C1).
func resolveForLink(ctx context.Context, cfg Config, tenant string) (string, entra.Cloud, string) {
	cloud := cfg.LinkCloud()
	if _, _, err := flows.ParseTenant(tenant); err != nil {
		return tenant, cloud, "warning: " + err.Error()
	}
	if entra.IsGUID(tenant) {
		return strings.ToLower(tenant), cloud, ""
	}
	hc, err := cfg.HTTPClient()
	if err != nil {
		return tenant, cloud, ""
	}
	// The link works with the domain too: a slow authority is not waited
	// for long (reliability review L12).
	info, err := graph.DiscoverTenantWithin(ctx, hc, cfg.EffectiveCloud().LoginURL, tenant, linkLookupTimeout)
	if err != nil {
		if errors.Is(err, graph.ErrTenantNotFound) {
			return tenant, cloud, "warning: " + err.Error()
		}
		// The error may quote the authority's error_description: sanitize it.
		return tenant, cloud, "note: could not look up the tenant id (" + flows.Sanitize(firstLine(err.Error()), 300) + "); the link uses the domain, which works as well"
	}
	if !cfg.Custom() && info.Cloud != "" && info.Cloud != cloud.Name {
		if c, ok := entra.Clouds[info.Cloud]; ok {
			cloud = c
		}
	}
	return info.ID, cloud, ""
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// RunExplain runs `consentwiz explain`: it explains an error code, URL or
// pasted text, offline. No args or "-" read the text from standard input.
func RunExplain(args []string, stdio IO) int {
	input := strings.TrimSpace(strings.Join(args, " "))
	if input == "" || input == "-" {
		data, _ := readAllLimited(stdio.In, 1<<20)
		input = strings.TrimSpace(string(data))
	}
	if input == "" {
		fmt.Fprintln(stdio.Err, "consentwiz explain: give an AADSTS code, a URL or the error text (or pipe it in)")
		return ExitError
	}
	// Escape sequences glued to the code would hide it (reliability review
	// L15): the text is read as a terminal would show it, line by line, so
	// a link a mail client broke over lines and a multi-line error block
	// keep the line breaks the parser reads them by.
	e, err := flows.Explain(sanitizeLines(input))
	if err != nil {
		fmt.Fprintf(stdio.Err, "consentwiz explain: %v\n", err)
		return ExitError
	}
	text := e.Text()
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	fmt.Fprint(stdio.Out, text)
	return ExitOK
}

// sanitizeLines is flows.Sanitize line by line: the text made safe, with its
// line breaks kept.
func sanitizeLines(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = flows.Sanitize(l, 0)
	}
	return strings.Join(lines, "\n")
}

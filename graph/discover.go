package graph

import (
	"consentwiz/graph/entra"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ErrTenantNotFound: Microsoft Entra knows no tenant by that domain or id.
var ErrTenantNotFound = errors.New("tenant not found")

// Failures of the sign-in service's answer during discovery: they match
// ErrMalformedResponse and ErrResponseTooLarge (errors.Is) but name the service
// that answered, since discovery never talks to Microsoft Graph.
var (
	errAuthorityMalformed = &labelledError{msg: "malformed response from the sign-in service", kind: ErrMalformedResponse}
	errAuthorityTooLarge  = &labelledError{msg: "response from the sign-in service is too large", kind: ErrResponseTooLarge}
)

// labelledError is a sentinel with its own wording that matches kind.
type labelledError struct {
	msg  string
	kind error
}

func (e *labelledError) Error() string        { return e.msg }
func (e *labelledError) Is(target error) bool { return target == e.kind }

// maxDiscoveryBytes bounds the OpenID metadata document.
const maxDiscoveryBytes = 1 << 20

// TenantInfo is what unauthenticated discovery learns about a tenant (docs/entra.md C2).
type TenantInfo struct {
	// ID is the tenant id (GUID) from the issuer.
	ID string
	// Domain is the input when it was a domain name, else "".
	Domain string
	// Cloud is global, usgov, usgov-dod or china.
	Cloud string
	// RegionScope is tenant_region_scope (WW, NA, EU, USGov …).
	RegionScope string
	// RegionSubScope is tenant_region_sub_scope (GCC, DODCON, DOD), often empty.
	RegionSubScope string
	// GraphHost is msgraph_host, e.g. graph.microsoft.com.
	GraphHost string
	// CloudInstance is cloud_instance_name, e.g. microsoftonline.com.
	CloudInstance string
}

type tenantNotFoundError struct{ msg string }

func (e *tenantNotFoundError) Error() string        { return e.msg }
func (e *tenantNotFoundError) Is(target error) bool { return target == ErrTenantNotFound }

// chinaHost reports whether host is a sign-in host of the China cloud.
func chinaHost(host string) bool {
	h := strings.ToLower(host)
	return strings.HasSuffix(h, ".cn") || strings.HasSuffix(h, ".cn:443")
}

// ValidTenantInput reports whether s is a tenant id (GUID) or a syntactically valid
// domain name (at least two labels of letters, digits and hyphens).
func ValidTenantInput(s string) bool { return entra.IsGUID(s) || validDomain(s) }

func validDomain(s string) bool {
	if len(s) == 0 || len(s) > 253 {
		return false
	}
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			ch := l[i]
			if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-') {
				return false
			}
		}
	}
	tld := labels[len(labels)-1]
	for i := 0; i < len(tld); i++ {
		if tld[i] >= '0' && tld[i] <= '9' {
			return false // an IP address, not a domain
		}
	}
	return true
}

// DiscoverTenant resolves a domain or tenant id to the tenant id and cloud, without
// sign-in, from {loginURL}/{domainOrID}/v2.0/.well-known/openid-configuration.
// An unknown domain gives an error wrapping ErrTenantNotFound with a one-line
// message. It waits DiscoveryTimeout (3 s) at most for the sign-in service;
// then the error is a *TimeoutError.
func DiscoverTenant(ctx context.Context, hc *http.Client, loginURL, domainOrID string) (TenantInfo, error) {
	return DiscoverTenantWithin(ctx, hc, loginURL, domainOrID, DiscoveryTimeout)
}

// errDiscoveryTimeout is the cause of discovery's context when its bound ran out.
var errDiscoveryTimeout = errors.New("graph: tenant discovery timed out")

// DiscoverTenantWithin is DiscoverTenant waiting timeout at most (<= 0: only
// ctx bounds the wait).
func DiscoverTenantWithin(ctx context.Context, hc *http.Client, loginURL, domainOrID string, timeout time.Duration) (TenantInfo, error) {
	in := strings.TrimSpace(domainOrID)
	if !ValidTenantInput(in) {
		return TenantInfo{}, fmt.Errorf("%w: %q is neither a domain name (contoso.com) nor a tenant id (GUID)", ErrInvalidArgument, domainOrID)
	}
	base, err := parseLoginURL(loginURL, true)
	if err != nil {
		return TenantInfo{}, err
	}
	if hc == nil {
		hc = &http.Client{Transport: NewTransport(), Timeout: 30 * time.Second}
	}
	hc = noDowngrade(hc)
	dctx := ctx
	if timeout > 0 {
		var cancel context.CancelFunc
		dctx, cancel = context.WithTimeoutCause(ctx, timeout, errDiscoveryTimeout)
		defer cancel()
	}
	// failed names a failure caused by the bound as the sign-in service's silence.
	failed := func(err error) error {
		if ctx.Err() == nil && context.Cause(dctx) == errDiscoveryTimeout {
			err = &TimeoutError{Service: serviceAuthority, Host: base.Host, After: timeout, Err: context.DeadlineExceeded}
		}
		return fmt.Errorf("tenant discovery for %s: %w", in, err)
	}
	u := base.String() + "/" + url.PathEscape(in) + "/v2.0/.well-known/openid-configuration"
	req, err := http.NewRequestWithContext(dctx, http.MethodGet, u, nil)
	if err != nil {
		return TenantInfo{}, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return TenantInfo{}, failed(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxDiscoveryBytes+1))
	if err != nil {
		return TenantInfo{}, failed(err)
	}
	if len(data) > maxDiscoveryBytes {
		return TenantInfo{}, fmt.Errorf("tenant discovery for %s: %w", in, errAuthorityTooLarge)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		_ = json.Unmarshal(data, &e)
		if resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusNotFound {
			if strings.Contains(e.Description, "AADSTS90002") || e.Error == "invalid_tenant" || resp.StatusCode == http.StatusNotFound {
				what := "domain " + in
				hint := "check the spelling or try the tenant id"
				if !chinaHost(base.Host) {
					// China (21Vianet) tenants exist only in the China
					// cloud: not found elsewhere (docs/entra.md C2).
					hint += "; a tenant in the China cloud (21Vianet) is found only with --cloud china"
				}
				if entra.IsGUID(in) {
					what = "tenant id " + in
					hint = "check the id or try another cloud (--cloud)"
				}
				return TenantInfo{}, &tenantNotFoundError{msg: fmt.Sprintf("no Microsoft Entra tenant found for %s — %s", what, hint)}
			}
		}
		return TenantInfo{}, fmt.Errorf("tenant discovery for %s: HTTP %d %s", in, resp.StatusCode, firstLine(e.Description))
	}
	var md struct {
		Issuer         string `json:"issuer"`
		RegionScope    string `json:"tenant_region_scope"`
		RegionSubScope string `json:"tenant_region_sub_scope"`
		CloudInstance  string `json:"cloud_instance_name"`
		GraphHost      string `json:"msgraph_host"`
	}
	if err := json.Unmarshal(data, &md); err != nil {
		return TenantInfo{}, fmt.Errorf("tenant discovery for %s: %w: %v", in, errAuthorityMalformed, err)
	}
	iss, err := url.Parse(md.Issuer)
	segs := []string{}
	if err == nil {
		segs = strings.Split(iss.Path, "/")
	}
	if len(segs) < 2 || !entra.IsGUID(segs[1]) {
		return TenantInfo{}, fmt.Errorf("tenant discovery for %s: %w: issuer %q has no tenant id", in, errAuthorityMalformed, md.Issuer)
	}
	info := TenantInfo{
		ID:             strings.ToLower(segs[1]),
		Cloud:          cloudFromMetadata(md.CloudInstance, md.RegionSubScope, md.GraphHost),
		RegionScope:    md.RegionScope,
		RegionSubScope: md.RegionSubScope,
		GraphHost:      md.GraphHost,
		CloudInstance:  md.CloudInstance,
	}
	if !entra.IsGUID(in) {
		info.Domain = strings.ToLower(in)
	}
	return info, nil
}

// parseLoginURL checks an authority root such as https://login.microsoftonline.com:
// https (or, when loopbackHTTP, plain http to a loopback address), a host, and
// nothing that could hide the real host or bend the path: no userinfo
// (https://login.microsoftonline.com@evil.example/ is evil.example), no query,
// no fragment.
func parseLoginURL(loginURL string, loopbackHTTP bool) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(loginURL, "/"))
	switch {
	case err != nil || u.Host == "" || u.Opaque != "":
		return nil, fmt.Errorf("%w: login URL %q is not an absolute URL", ErrInvalidArgument, loginURL)
	case u.User != nil:
		return nil, fmt.Errorf("%w: login URL %q names a user before the host (its real host is %s)", ErrInvalidArgument, loginURL, u.Hostname())
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(loginURL, "#"):
		return nil, fmt.Errorf("%w: login URL %q must not have a query or fragment", ErrInvalidArgument, loginURL)
	case u.Scheme == "https", loopbackHTTP && u.Scheme == "http" && isLoopback(u.Hostname()):
		return u, nil
	}
	if loopbackHTTP {
		return nil, fmt.Errorf("%w: login URL %q must be https (or http on loopback)", ErrInvalidArgument, loginURL)
	}
	return nil, fmt.Errorf("%w: login URL %q must be https", ErrInvalidArgument, loginURL)
}

// noDowngrade returns a copy of hc that never follows a redirect from https to
// plain http (the metadata would come unprotected), keeping hc's own rule.
func noDowngrade(hc *http.Client) *http.Client {
	c := *hc
	next := hc.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) > 0 && via[0].URL.Scheme == "https" && req.URL.Scheme != "https" {
			return fmt.Errorf("refusing a redirect from https to %s://%s", req.URL.Scheme, req.URL.Host)
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &c
}

// cloudFromMetadata maps OpenID metadata to a cloud name (docs/entra.md C2, C3).
func cloudFromMetadata(instance, subScope, graphHost string) string {
	instance = strings.ToLower(instance)
	switch {
	case strings.HasSuffix(instance, "microsoftonline.us"):
		if strings.EqualFold(subScope, "DOD") || strings.HasPrefix(strings.ToLower(graphHost), "dod-graph.") {
			return "usgov-dod"
		}
		return "usgov"
	case strings.HasSuffix(instance, "partner.microsoftonline.cn"), strings.HasSuffix(instance, "chinacloudapi.cn"):
		return "china"
	}
	return "global"
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	s, _, _ = strings.Cut(s, "\r")
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

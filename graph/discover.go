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

// maxDiscoveryBytes bounds the OpenID metadata document.
const maxDiscoveryBytes = 1 << 20

// TenantInfo is what unauthenticated discovery learns about a tenant (ENTRA.md C2).
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
// An unknown domain gives an error wrapping ErrTenantNotFound with a one-line message.
func DiscoverTenant(ctx context.Context, hc *http.Client, loginURL, domainOrID string) (TenantInfo, error) {
	in := strings.TrimSpace(domainOrID)
	if !ValidTenantInput(in) {
		return TenantInfo{}, fmt.Errorf("%w: %q is neither a domain name (contoso.com) nor a tenant id (GUID)", ErrInvalidArgument, domainOrID)
	}
	base, err := url.Parse(strings.TrimRight(loginURL, "/"))
	if err != nil || base.Host == "" || (base.Scheme != "https" && !(base.Scheme == "http" && isLoopback(base.Hostname()))) {
		return TenantInfo{}, fmt.Errorf("%w: login URL %q must be https (or http on loopback)", ErrInvalidArgument, loginURL)
	}
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	u := base.String() + "/" + url.PathEscape(in) + "/v2.0/.well-known/openid-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return TenantInfo{}, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return TenantInfo{}, fmt.Errorf("tenant discovery for %s: %w", in, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxDiscoveryBytes+1))
	if err != nil {
		return TenantInfo{}, fmt.Errorf("tenant discovery for %s: %w", in, err)
	}
	if len(data) > maxDiscoveryBytes {
		return TenantInfo{}, fmt.Errorf("tenant discovery for %s: %w", in, ErrResponseTooLarge)
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
		return TenantInfo{}, fmt.Errorf("tenant discovery for %s: %w: %v", in, ErrMalformedResponse, err)
	}
	iss, err := url.Parse(md.Issuer)
	segs := []string{}
	if err == nil {
		segs = strings.Split(iss.Path, "/")
	}
	if len(segs) < 2 || !entra.IsGUID(segs[1]) {
		return TenantInfo{}, fmt.Errorf("tenant discovery for %s: %w: issuer %q has no tenant id", in, ErrMalformedResponse, md.Issuer)
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

// cloudFromMetadata maps OpenID metadata to a cloud name (ENTRA.md C2, C3).
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

package entra

import (
	"fmt"
	"strings"
)

// Cloud names a Microsoft cloud and its hosts (docs/entra.md C3, docs/msal.md 5).
type Cloud struct {
	Name string // global, usgov, usgov-dod, china, or custom
	// LoginURL is the authority host root, e.g. https://login.microsoftonline.com.
	LoginURL string
	// GraphURL is the Graph root without version, e.g. https://graph.microsoft.com.
	GraphURL string
	// PortalURL is the Entra admin center root, e.g. https://entra.microsoft.com.
	PortalURL string
}

// Clouds lists the national clouds by name.
var Clouds = map[string]Cloud{
	"global":    {Name: "global", LoginURL: "https://login.microsoftonline.com", GraphURL: "https://graph.microsoft.com", PortalURL: "https://entra.microsoft.com"},
	"usgov":     {Name: "usgov", LoginURL: "https://login.microsoftonline.us", GraphURL: "https://graph.microsoft.us", PortalURL: "https://entra.microsoft.us"},
	"usgov-dod": {Name: "usgov-dod", LoginURL: "https://login.microsoftonline.us", GraphURL: "https://dod-graph.microsoft.us", PortalURL: "https://entra.microsoft.us"},
	"china":     {Name: "china", LoginURL: "https://login.partner.microsoftonline.cn", GraphURL: "https://microsoftgraph.chinacloudapi.cn", PortalURL: "https://entra.microsoftonline.cn"},
}

// CloudNames is the stable order of the national clouds.
var CloudNames = []string{"global", "usgov", "usgov-dod", "china"}

// LookupCloud returns the named cloud, or an error naming the valid ones.
func LookupCloud(name string) (Cloud, error) {
	if name == "" {
		name = "global"
	}
	c, ok := Clouds[strings.ToLower(name)]
	if !ok {
		return Cloud{}, fmt.Errorf("unknown cloud %q: use one of %s", name, strings.Join(CloudNames, ", "))
	}
	return c, nil
}

// GraphScope returns the fully qualified scope for a Graph permission in this cloud,
// e.g. https://graph.microsoft.us/Policy.Read.All. Short names are valid too, but
// national clouds prefer the qualified form (docs/msal.md 5).
func (c Cloud) GraphScope(permission string) string {
	if c.Name == "global" || c.Name == "" {
		return permission
	}
	return strings.TrimRight(c.GraphURL, "/") + "/" + permission
}

package entra

import "strings"

// resourceHosts maps the hosts of identifier URIs that name a resource in a
// fully qualified scope to the resource application's appId: Microsoft Graph
// and Office 365 Exchange Online, whose permissions the Microsoft-managed
// policy excludes (docs/entra.md B4), in each cloud (docs/entra.md C3).
var resourceHosts = map[string]string{
	"graph.microsoft.com":             MicrosoftGraphAppID,
	"graph.microsoft.us":              MicrosoftGraphAppID,
	"dod-graph.microsoft.us":          MicrosoftGraphAppID,
	"microsoftgraph.chinacloudapi.cn": MicrosoftGraphAppID,
	"outlook.office.com":              ExchangeOnlineAppID,
	"outlook.office365.com":           ExchangeOnlineAppID,
	"outlook.office365.us":            ExchangeOnlineAppID,
	"outlook-dod.office365.us":        ExchangeOnlineAppID,
	"partner.outlook.cn":              ExchangeOnlineAppID,
}

// ResourceOfScope splits a fully qualified delegated permission
// ("https://outlook.office.com/IMAP.AccessAsUser.All", or with the resource's
// appId: "00000002-0000-0ff1-ce00-000000000000/EWS.AccessAsUser.All") into
// the resource application's appId and the permission's value. A bare value
// ("Mail.Send") is Microsoft Graph's. appID is "" when the resource is not
// one consentwiz knows by its identifier URI: its service principal cannot be
// read by appId then, and what it exposes stays unknown.
func ResourceOfScope(scope string) (appID, value string) {
	i := strings.LastIndex(scope, "/")
	if i < 0 {
		return MicrosoftGraphAppID, scope
	}
	prefix, value := strings.TrimSuffix(scope[:i], "/"), scope[i+1:]
	host := prefix
	if j := strings.Index(host, "://"); j >= 0 {
		host = host[j+3:]
	}
	host = strings.ToLower(strings.SplitN(host, "/", 2)[0])
	if IsGUID(host) {
		return host, value
	}
	return resourceHosts[host], value
}

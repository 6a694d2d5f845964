package flows

import (
	"consentwiz/graph/entra"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Portal link targets for PortalLink (docs/entra.md D). The fragments are
// undocumented portal paths collected from public code.
const (
	// LinkUserConsentSettings: Enterprise apps > Consent and permissions > User consent settings.
	LinkUserConsentSettings = "user-consent-settings"
	// LinkAdminConsentSettings: Enterprise apps > Consent and permissions > Admin consent settings.
	LinkAdminConsentSettings = "admin-consent-settings"
	// LinkConsentRequests: Enterprise apps > Activity > Admin consent requests.
	LinkConsentRequests = "consent-requests"
	// LinkEnterpriseApps: all enterprise apps.
	LinkEnterpriseApps = "enterprise-apps"
	// LinkAppPermissions: an enterprise app's Permissions; ids: servicePrincipalId, appId.
	LinkAppPermissions = "app-permissions"
	// LinkAppOverview: an enterprise app's Overview; ids: servicePrincipalId, appId.
	LinkAppOverview = "app-overview"
	// LinkAppUsers: an enterprise app's Users and groups; ids: servicePrincipalId, appId.
	// The fragment follows the Overview/Permissions pattern and is not
	// confirmed by a public source.
	LinkAppUsers = "app-users"
	// LinkAppRegistrationAPIPermissions: App registration > API permissions; ids: appId.
	LinkAppRegistrationAPIPermissions = "app-api-permissions"
	// LinkSignInLogs: sign-in logs, last 24 hours.
	LinkSignInLogs = "sign-in-logs"
	// LinkTenantOverview: the tenant's overview.
	LinkTenantOverview = "tenant-overview"
)

type portalTarget struct {
	fragment string // with %s for each id
	ids      int
}

var portalTargets = map[string]portalTarget{
	LinkUserConsentSettings:           {"#view/Microsoft_AAD_IAM/ConsentPoliciesMenuBlade/~/UserSettings", 0},
	LinkAdminConsentSettings:          {"#view/Microsoft_AAD_IAM/ConsentPoliciesMenuBlade/~/AdminConsentSettings", 0},
	LinkConsentRequests:               {"#view/Microsoft_AAD_IAM/StartboardApplicationsMenuBlade/~/AccessRequests", 0},
	LinkEnterpriseApps:                {"#view/Microsoft_AAD_IAM/StartboardApplicationsMenuBlade/~/AppAppsPreview", 0},
	LinkAppPermissions:                {"#view/Microsoft_AAD_IAM/ManagedAppMenuBlade/~/Permissions/objectId/%s/appId/%s", 2},
	LinkAppOverview:                   {"#view/Microsoft_AAD_IAM/ManagedAppMenuBlade/~/Overview/objectId/%s/appId/%s", 2},
	LinkAppUsers:                      {"#view/Microsoft_AAD_IAM/ManagedAppMenuBlade/~/Users/objectId/%s/appId/%s", 2},
	LinkAppRegistrationAPIPermissions: {"#view/Microsoft_AAD_RegisteredApps/ApplicationMenuBlade/~/CallAnAPI/appId/%s", 1},
	LinkSignInLogs:                    {"#view/Microsoft_AAD_IAM/SignInLogsList.ReactView/timeRangeType/last24hours/showApplicationSignIns~/true", 0},
	LinkTenantOverview:                {"#view/Microsoft_AAD_IAM/TenantOverview.ReactView", 0},
}

// PortalTargets lists the targets PortalLink knows.
func PortalTargets() []string {
	return []string{LinkUserConsentSettings, LinkAdminConsentSettings, LinkConsentRequests, LinkEnterpriseApps,
		LinkAppPermissions, LinkAppOverview, LinkAppUsers, LinkAppRegistrationAPIPermissions, LinkSignInLogs, LinkTenantOverview}
}

// PortalLink returns an Entra admin center deep link for target, pinned to
// tenant (a domain or id; "" for no pin), in cloud. ids are the object ids the
// target needs (see the Link* constants); each must be a GUID. It returns ""
// for an unknown target or missing or invalid ids.
func PortalLink(cloud entra.Cloud, tenant, target string, ids ...string) string {
	t, ok := portalTargets[target]
	if !ok || len(ids) < t.ids {
		return ""
	}
	args := make([]any, t.ids)
	for i := 0; i < t.ids; i++ {
		id := NormalizeGUID(ids[i])
		if id == "" {
			return ""
		}
		args[i] = id
	}
	base := strings.TrimRight(cloudPortalURL(cloud), "/") + "/"
	if tenant = strings.TrimSpace(tenant); tenant != "" {
		if _, v, err := ParseTenant(tenant); err == nil {
			base += url.PathEscape(v) + "/"
		}
	}
	return base + fmt.Sprintf(t.fragment, args...)
}

func cloudLoginURL(c entra.Cloud) string {
	if c.LoginURL != "" {
		return strings.TrimRight(c.LoginURL, "/")
	}
	return entra.Clouds["global"].LoginURL
}

func cloudGraphURL(c entra.Cloud) string {
	if c.GraphURL != "" {
		return strings.TrimRight(c.GraphURL, "/")
	}
	return entra.Clouds["global"].GraphURL
}

func cloudPortalURL(c entra.Cloud) string {
	if c.PortalURL != "" {
		return strings.TrimRight(c.PortalURL, "/")
	}
	return entra.Clouds["global"].PortalURL
}

// encodeQuery encodes ordered key/value pairs, spaces as %20, skipping empty values.
func encodeQuery(kv ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(kv[i])
		b.WriteByte('=')
		b.WriteString(strings.ReplaceAll(url.QueryEscape(kv[i+1]), "+", "%20"))
	}
	return b.String()
}

func tenantSegment(tenant string) string {
	t := strings.TrimSpace(tenant)
	if t == "" {
		t = "organizations"
	}
	return url.PathEscape(t)
}

// AdminConsentURLv1 builds the v1 tenant-wide admin consent URL (docs/entra.md C1):
// {login}/{tenant}/adminconsent?client_id=…[&redirect_uri=…][&state=…]. It
// consents to everything in the app registration. tenant "" means organizations.
func AdminConsentURLv1(cloud entra.Cloud, tenant, clientID, redirectURI, state string) string {
	return cloudLoginURL(cloud) + "/" + tenantSegment(tenant) + "/adminconsent?" +
		encodeQuery("client_id", clientID, "redirect_uri", redirectURI, "state", state)
}

// QualifyScope returns a Graph permission qualified with the cloud's Graph
// host (e.g. https://graph.microsoft.us/Calendars.ReadWrite). Already
// qualified scopes and the OpenID Connect scopes are returned unchanged.
func QualifyScope(cloud entra.Cloud, scope string) string {
	if strings.Contains(scope, "://") || strings.Contains(scope, "/") {
		return scope
	}
	switch strings.ToLower(scope) {
	case "openid", "profile", "email", "offline_access":
		return scope
	}
	return cloudGraphURL(cloud) + "/" + scope
}

// AdminConsentURLv2 builds the v2.0 admin consent URL (docs/entra.md C1):
// {login}/{tenant}/v2.0/adminconsent?client_id=…&scope=…&redirect_uri=…&state=….
// The tenant must be a domain, a tenant id or organizations (not common);
// scopes are qualified with the cloud's Graph host; redirect_uri must be one
// registered on the app, exactly.
func AdminConsentURLv2(cloud entra.Cloud, tenant, clientID string, scopes []string, redirectURI, state string) (string, error) {
	t := strings.TrimSpace(tenant)
	switch strings.ToLower(t) {
	case "", "common", "consumers":
		return "", errors.New("v2 admin consent needs the tenant's domain or id, not common")
	case "organizations":
	default:
		if _, _, err := ParseTenant(t); err != nil {
			return "", err
		}
	}
	if NormalizeGUID(clientID) == "" {
		return "", fmt.Errorf("client_id is not a GUID: %s", quoteInput(clientID))
	}
	if len(scopes) == 0 {
		return "", errors.New("v2 admin consent needs scopes (AADSTS900144 otherwise): give the permissions or use the v1 link")
	}
	if redirectURI == "" {
		return "", errors.New("v2 admin consent needs a redirect URI registered on the app, exactly")
	}
	r, err := ValidateRedirectURI(redirectURI)
	if err != nil {
		return "", err
	}
	q := make([]string, 0, len(scopes))
	for _, s := range scopes {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !scopeTokenRE.MatchString(s) {
			return "", fmt.Errorf("scope contains an invalid permission: %s", quoteInput(s))
		}
		q = append(q, QualifyScope(cloud, s))
	}
	return cloudLoginURL(cloud) + "/" + url.PathEscape(t) + "/v2.0/adminconsent?" +
		encodeQuery("client_id", NormalizeGUID(clientID), "scope", strings.Join(q, " "), "redirect_uri", r, "state", state), nil
}

// RequestApprovalURL builds the link that approves a user's pending admin
// consent request. Approving is granting tenant-wide admin consent to the app
// (docs/entra.md A4): the plain v1 admin consent link of the app, or, when
// redirectURI (one registered on the app, exactly) is known and the request
// names its permissions, the v2.0 link with those permissions. The admin
// center's "Review permissions and consent" does the same. The /TokenAuthorize
// redirect and the bf_id parameter some tools add are not documented (a v2
// redirect_uri must be one of the app's own), so they are not used.
func RequestApprovalURL(cloud entra.Cloud, tenant string, req entra.AppConsentRequest, redirectURI string) string {
	var scopes []string
	for _, s := range req.PendingScopes {
		for _, f := range strings.Fields(s.DisplayName) {
			if scopeTokenRE.MatchString(f) {
				scopes = append(scopes, f)
			}
		}
	}
	if redirectURI != "" && len(scopes) > 0 {
		if u, err := AdminConsentURLv2(cloud, firstNonEmpty(tenant, "organizations"), req.AppID, scopes, redirectURI, ""); err == nil {
			return u
		}
	}
	return AdminConsentURLv1(cloud, tenant, req.AppID, "", "")
}

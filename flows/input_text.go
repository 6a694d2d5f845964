package flows

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
)

// This file reads pasted error text: the AADSTS message shapes, the consent
// screens' own words, the "Troubleshooting details" block (multi-line or joined
// by a paste box), and JSON error bodies. A client id is only ever taken from
// a labelled or quoted application id, never from a bare GUID, so a
// correlation, request or tenant id can never become the client id.

const guidPat = `\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?`

// sepPat is the separator between a label and its value, in prose, logs and
// JSON: "Trace ID: x", "trace_id":"x", correlation_id=x.
const sepPat = `["']?\s*[:=]?\s*["']?\s*`

var (
	codeRE      = regexp.MustCompile(`(?i)\bAADSTS(\d{4,7})\b`)
	codeLabelRE = regexp.MustCompile(`(?i)\berror[ _-]?codes?` + sepPat + `\[?\s*(\d{5,7})\b`)
	codeProseRE = regexp.MustCompile(`(?i)\berror\s+(\d{5,7})\b`)
	// application 'GUID'(Name), application: 'GUID', for the application 'GUID'
	appGUIDRE = regexp.MustCompile(`(?i)\bapplication:?\s+["']` + guidPat + `["']\s*(?:\(([^)\r\n]{1,120})\))?`)
	// application 'Name'(GUID)
	appNamedRE = regexp.MustCompile(`(?i)\bapplication\s+'([^'\r\n]{0,200})'\s*\(\s*` + guidPat + `\s*\)`)
	// application with ID 'x' named 'Name'; application with identifier 'GUID'
	appIdentRE = regexp.MustCompile(`(?i)\bapplication\s+with\s+(?:identifier|id)\s+'([^'\r\n]{0,100})'(?:\s+named\s+'([^'\r\n]{0,200})')?`)
	// The application 'Name' asked for scope (650053)
	appQuotedNameRE = regexp.MustCompile(`(?i)\bapplication\s+'([^'\r\n]{1,120})'\s+(?:asked|is|has|was)\b`)
	appLabelRE      = regexp.MustCompile(`(?i)\b(?:app(?:lication)?[ _-]?id|client[ _-]?id|appid)\b` + sepPat + guidPat)
	tenantQuoteRE   = regexp.MustCompile(`(?i)\b(?:tenant|directory)\s+'([^'\r\n]{1,255})'`)
	tenantLabelRE   = regexp.MustCompile(`(?i)\btenant(?:[ _-]?id)?\s*[:=]\s*['"]?([^\s'",;]{1,255})`)
	tenantNamedRE   = regexp.MustCompile(`(?i)\btenant named\s+'?([^'\r\n]{1,120}?)'?(?:\.\s|\.$|$|\s+(?:and|because)\b)`)
	orgRE           = regexp.MustCompile(`(?i)\borganization\s+\\?["']([^"'\\\s]{1,255})\\?["']`)
	orgNameRE       = regexp.MustCompile(`(?i)\byour organization\s+([^"'\r\n]{1,80}?)\s+has not subscribed\b`)
	correlationRE   = regexp.MustCompile(`(?i)\bcorrelation[ _-]?id` + sepPat + guidPat)
	traceRE         = regexp.MustCompile(`(?i)\b(?:trace|request)[ _-]?id` + sepPat + guidPat)
	timestampRE     = regexp.MustCompile(`(?i)\btimestamp` + sepPat + `(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?Z?)`)
	oauthWordRE     = regexp.MustCompile(`\b(consent_required|interaction_required|access_denied|invalid_client|invalid_grant|invalid_request|invalid_scope|invalid_resource|unauthorized_client)\b`)
	// resources: first party resource 'GUID'; service 'GUID'(Name); service ("uri"); resource 'x'
	resourceREs = []*regexp.Regexp{
		regexp.MustCompile(`(?i)\bfirst party resource\s+'([^'\s]{1,200})'`),
		regexp.MustCompile(`(?i)\bservice\s+'([^'\s]{1,200})'\s*\(`),
		regexp.MustCompile(`(?i)\bservice\s*\(\s*\\?["']([^"'\\\s]{1,200})\\?["']\s*\)`),
		regexp.MustCompile(`(?i)\bresource\s+'([^'\s]{1,200})'`),
		regexp.MustCompile(`(?i)\bresource principal named\s+(\S{1,200}?)\s+was not found`),
	}
	policyRE = regexp.MustCompile(`(?i)\bAn administrator of\s+(.{1,80}?)\s+has set a policy that prevents you from granting\s+(.{1,120}?)\s+the permissions it is requesting`)
)

// Consent screens, by their own words (docs/entra.md B1, B2).
var (
	needApprovalRE   = regexp.MustCompile(`(?i)\bneed(?:s)? admin(?:istrator)? approval\b|\badmin(?:istrator)? approval required\b|only an admin can grant`)
	approvalReqRE    = regexp.MustCompile(`(?i)\bapproval required\b|\brequest approval\b`)
	riskyRE          = regexp.MustCompile(`(?i)\bthis app (?:may|might) be risky\b`)
	needsPermRE      = regexp.MustCompile(`(?i)needs (?:a )?permission to access resources in your organi[sz]ation`)
	screenHeadingRE  = regexp.MustCompile(`(?i)^(?:need admin approval|approval required|you can't access this application)[\s\-–:]*`)
	genericAppWordRE = regexp.MustCompile(`(?i)^(?:application|app|this app|the app|the application)$`)
)

// readText reads pasted error text. It fails only when it finds nothing at all.
func readText(s string) (Reading, error) {
	if len(s) > maxInput {
		s = s[:maxInput]
	}
	s = unescapeText(s)
	r := Reading{Kind: KindText}
	a := &r.App
	if m := codeRE.FindStringSubmatch(s); m != nil {
		a.ErrorCode, _ = strconv.Atoi(m[1])
	} else if m := codeLabelRE.FindStringSubmatch(s); m != nil {
		a.ErrorCode, _ = strconv.Atoi(m[1])
	} else if m := codeProseRE.FindStringSubmatch(s); m != nil {
		a.ErrorCode, _ = strconv.Atoi(m[1])
	}
	fields := splitFields(s)
	if v := fields["app id"]; v != "" {
		a.ClientID = NormalizeGUID(firstWord(v))
	}
	if v := fields["app name"]; v != "" {
		a.DisplayName = cleanName(v)
	}
	for _, m := range appGUIDRE.FindAllStringSubmatch(s, 4) {
		if a.ClientID == "" {
			a.ClientID = strings.ToLower(m[1])
			if a.DisplayName == "" {
				a.DisplayName = cleanName(m[2])
			}
		}
	}
	if m := appNamedRE.FindStringSubmatch(s); m != nil && a.ClientID == "" {
		a.ClientID = strings.ToLower(m[2])
		if a.DisplayName == "" {
			a.DisplayName = cleanName(m[1])
		}
	}
	if m := appIdentRE.FindStringSubmatch(s); m != nil {
		if id := NormalizeGUID(m[1]); id != "" && a.ClientID == "" {
			a.ClientID = id
		} else if id == "" && isPlaceholder(m[1]) {
			r.PlaceholderClient = Sanitize(m[1], 60)
		}
		if a.DisplayName == "" {
			a.DisplayName = cleanName(m[2])
		}
	}
	if m := appLabelRE.FindStringSubmatch(s); m != nil && a.ClientID == "" {
		a.ClientID = strings.ToLower(m[1])
	}
	if m := appQuotedNameRE.FindStringSubmatch(s); m != nil && a.DisplayName == "" && !IsGUID(m[1]) {
		a.DisplayName = cleanName(m[1])
	}
	r.readTenant(s, fields)
	for _, re := range resourceREs {
		if m := re.FindStringSubmatch(s); m != nil {
			r.ResourceID = Sanitize(strings.Trim(m[1], `"'\`), 200)
			if id := NormalizeGUID(r.ResourceID); id != "" {
				r.ResourceID = id
			}
			break
		}
	}
	if m := policyRE.FindStringSubmatch(s); m != nil {
		if r.TenantName == "" {
			r.TenantName = cleanName(m[1])
		}
		if a.DisplayName == "" && !strings.Contains(m[2], "...") {
			a.DisplayName = cleanName(m[2])
		}
	}
	if m := correlationRE.FindStringSubmatch(s); m != nil {
		a.CorrelationID = strings.ToLower(m[1])
	}
	if m := traceRE.FindStringSubmatch(s); m != nil {
		a.TraceID = strings.ToLower(m[1])
	}
	if m := timestampRE.FindStringSubmatch(s); m != nil {
		r.Timestamp = m[1]
	}
	if m := oauthWordRE.FindStringSubmatch(s); m != nil {
		r.OAuthError = m[1]
	}
	r.readScreen(s)
	if a.ErrorCode == 0 && a.ClientID == "" && a.TenantHint == "" && a.CorrelationID == "" && a.TraceID == "" &&
		r.Screen == "" && r.ResourceID == "" && a.DisplayName == "" && r.PlaceholderClient == "" {
		return Reading{}, errors.New("no AADSTS code, app id, tenant or sign-in URL found in the text")
	}
	return r, nil
}

// readTenant reads the tenant: "tenant 'contoso.com'", "directory 'x'",
// "Tenant: id", "organization 'GUID'", "tenant named X". A display name that
// is not a domain or id is kept as TenantName only.
func (r *Reading) readTenant(s string, fields map[string]string) {
	try := func(v string) bool {
		v = strings.Trim(strings.TrimSpace(v), `"'\.,`)
		if v == "" || isPlaceholder(v) {
			return false
		}
		if _, t, err := ParseTenant(v); err == nil {
			r.App.TenantHint = t
			return true
		}
		if r.TenantName == "" && !strings.ContainsAny(v, "@") {
			r.TenantName = cleanName(v)
		}
		return false
	}
	if v := fields["tenant"]; v != "" && try(firstWord(v)) {
		return
	}
	for _, m := range tenantQuoteRE.FindAllStringSubmatch(s, 4) {
		if try(m[1]) {
			return
		}
	}
	for _, m := range orgRE.FindAllStringSubmatch(s, 2) {
		if try(m[1]) {
			return
		}
	}
	for _, m := range tenantLabelRE.FindAllStringSubmatch(s, 4) {
		if try(m[1]) {
			return
		}
	}
	if m := tenantNamedRE.FindStringSubmatch(s); m != nil && try(m[1]) {
		return
	}
	if m := orgNameRE.FindStringSubmatch(s); m != nil && r.TenantName == "" {
		r.TenantName = cleanName(m[1])
	}
}

// readScreen recognizes the consent screens by their words, and the app name
// they show ("<App> needs permission to access resources in your organization").
func (r *Reading) readScreen(s string) {
	switch {
	case approvalReqRE.MatchString(s) && !needApprovalRE.MatchString(s):
		r.Screen = ScreenApprovalRequired
	case needApprovalRE.MatchString(s), needsPermRE.MatchString(s), riskyRE.MatchString(s):
		r.Screen = ScreenNeedAdminApproval
	}
	if riskyRE.MatchString(s) {
		r.Risky = true
		r.note("The screen says the app may be risky: Microsoft's risk-based step-up asks for an admin's consent (docs/entra.md B3).")
	}
	if r.App.DisplayName != "" {
		return
	}
	loc := needsPermRE.FindStringIndex(s)
	if loc == nil {
		return
	}
	before := strings.TrimRight(s[:loc[0]], " \t")
	lines := strings.Split(before, "\n")
	name := strings.TrimSpace(lines[len(lines)-1])
	if name == "" && len(lines) > 1 {
		name = strings.TrimSpace(lines[len(lines)-2])
	}
	// a sentence before the name on the same line ends with ". " or ": "
	for _, cut := range []string{"\"", ": ", ". ", " - "} {
		if i := strings.LastIndex(name, cut); i >= 0 {
			name = strings.TrimSpace(name[i+len(cut):])
		}
	}
	name = strings.Trim(name, "*_#\"`' ")
	name = screenHeadingRE.ReplaceAllString(name, "")
	if h := len(name) / 2; h > 0 && len(name)%2 == 1 && name[:h] == name[h+1:] {
		name = name[:h] // "Need admin approval X X needs permission": a joined screen repeats the name
	}
	if genericAppWordRE.MatchString(name) || len(name) > 80 {
		return
	}
	r.App.DisplayName = cleanName(name)
}

// fieldLabels are the labels of the "Troubleshooting details" / "More details"
// block, and the keys they are stored under. Every label ends the value of the
// one before it, so a block joined onto one line splits the same way.
var fieldLabels = []struct{ label, key string }{
	{"request id", "request id"}, {"correlation id", "correlation id"}, {"trace id", "trace id"},
	{"timestamp", "timestamp"}, {"message", "message"}, {"error code", "error code"},
	{"app name", "app name"}, {"application name", "app name"},
	{"app id", "app id"}, {"application id", "app id"},
	{"tenant id", "tenant"}, {"tenant", "tenant"},
	{"ip address", ""}, {"device identifier", ""}, {"device platform", ""}, {"device state", ""},
	{"signed in as", ""}, {"sign-in identifier", ""}, {"advanced diagnostics", ""},
	{"flag sign-in errors for review", ""}, {"session id", ""}, {"policy", ""},
	{"additional technical information", ""}, {"troubleshooting details", ""}, {"more details", ""},
}

var fieldLabelRE = func() *regexp.Regexp {
	alts := make([]string, len(fieldLabels))
	for i, f := range fieldLabels {
		alts[i] = regexp.QuoteMeta(f.label)
	}
	return regexp.MustCompile(`(?i)(?:^|[\s>|*(,;])(` + strings.Join(alts, "|") + `)\s*:`)
}()

// splitFields splits a labelled block into its fields: each value runs to the
// end of its line or to the next known label, whichever comes first. The first
// occurrence of a label wins.
func splitFields(s string) map[string]string {
	out := map[string]string{}
	locs := fieldLabelRE.FindAllStringSubmatchIndex(s, 64)
	for i, loc := range locs {
		key := ""
		label := strings.ToLower(s[loc[2]:loc[3]])
		for _, f := range fieldLabels {
			if f.label == label {
				key = f.key
				break
			}
		}
		end := len(s)
		if i+1 < len(locs) {
			end = locs[i+1][2]
		}
		v := s[loc[1]:end]
		if nl := strings.IndexAny(v, "\r\n"); nl >= 0 {
			v = v[:nl]
		}
		v = strings.TrimSpace(v)
		if key != "" && v != "" {
			if _, ok := out[key]; !ok {
				out[key] = v
			}
		}
	}
	return out
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return strings.Trim(f[0], `"',;`)
	}
	return ""
}

// cleanName sanitizes an app or tenant name taken from pasted text and cuts it.
func cleanName(s string) string {
	return strings.Trim(Sanitize(s, 80), " .,;:\"'`*")
}

package flows

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"consentwiz/assets"
	"consentwiz/graph/entra"
)

var (
	scanNow   = time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	scanSince = scanNow.Add(-7 * 24 * time.Hour)
)

const (
	trackerID = "5353a3d2-8ca9-42d2-b567-ea399ccb5e38"
	litwareID = "c7e2a915-4d08-4b6f-a3c1-9e58d0f27b64"
	zoomID    = "a1b2c3d4-0000-4000-8000-000000000001"
)

func scanSignIn(app, appName, user, upn string, code int, ago time.Duration) entra.SignIn {
	return entra.SignIn{ID: app + user + ago.String(), CreatedDateTime: scanNow.Add(-ago).Format(time.RFC3339Nano),
		UserID: user, UserPrincipalName: upn, UserDisplayName: strings.ToUpper(upn[:1]) + upn[1:strings.Index(upn, "@")],
		AppID: app, AppDisplayName: appName, ResourceID: entra.MicrosoftGraphAppID, ResourceDisplayName: "Microsoft Graph",
		Status: &entra.SignInStatus{ErrorCode: code, FailureReason: "because"}}
}

func scanPendingRequest(app, appName string, scopes []string, users ...[3]string) entra.AppConsentRequest {
	r := entra.AppConsentRequest{ID: "req-" + app, AppID: app, AppDisplayName: appName}
	for _, s := range scopes {
		r.PendingScopes = append(r.PendingScopes, entra.ConsentRequestScope{DisplayName: s})
	}
	for i, u := range users {
		r.UserConsentRequests = append(r.UserConsentRequests, entra.UserConsentRequest{ID: u[0], Status: "InProgress", Reason: u[2],
			CreatedBy:       entra.IdentitySet{User: &entra.Identity{ID: u[0], DisplayName: u[1]}},
			CreatedDateTime: scanNow.Add(-time.Duration(i+1) * time.Hour).Format(time.RFC3339)})
	}
	return r
}

func scanFixture() ScanInput {
	h := time.Hour
	return ScanInput{
		Tenant: "contoso.com", Now: scanNow, Since: scanSince,
		SignIns: []entra.SignIn{
			scanSignIn(trackerID, "TrackerRMS", "u-megan", "megan@contoso.com", 90094, 2*h),
			scanSignIn(trackerID, "TrackerRMS", "u-megan", "megan@contoso.com", 90094, 26*h),
			scanSignIn(trackerID, "TrackerRMS (old name)", "u-diego", "diego@contoso.com", 65001, 50*h),
			scanSignIn(litwareID, "Litware Planner", "u-nestor", "nestor@contoso.com", 900941, 4*h),
			// Not counted: a success, a code that is not a consent problem, too old, no app.
			scanSignIn(trackerID, "TrackerRMS", "u-grady", "grady@contoso.com", 0, 3*h),
			scanSignIn(trackerID, "TrackerRMS", "u-grady", "grady@contoso.com", 50126, 3*h),
			scanSignIn(trackerID, "TrackerRMS", "u-pradeep", "pradeep@contoso.com", 90094, 8*24*h),
			scanSignIn("", "", "u-pradeep", "pradeep@contoso.com", 700016, 5*h),
		},
		Requests: []entra.AppConsentRequest{
			// Megan asked too: one user, from both sources.
			scanPendingRequest(trackerID, "TrackerRMS", []string{"Calendars.ReadWrite", "Mail.Send"},
				[3]string{"u-megan", "Megan Bowen", "I need it for interviews"}, [3]string{"u-alex", "Alex Wilber", "me too"}),
			scanPendingRequest(zoomID, "Zoom", []string{"User.Read"}, [3]string{"u-lidia", "Lidia Holloway", ""}),
		},
	}
}

func TestBuildScanGroupsPerApp(t *testing.T) {
	r := BuildScan(scanFixture())
	if r.SignInLogs != ScanRead || r.ConsentRequests != ScanRead || r.Tenant != "contoso.com" || !r.Since.Equal(scanSince) {
		t.Fatalf("header: %+v", r)
	}
	names := []string{}
	for _, a := range r.Apps {
		names = append(names, a.DisplayName)
	}
	// Most users first: TrackerRMS (Megan, Diego, Alex), then Litware (1 user,
	// 1 failure), then Zoom (1 user, no failure).
	if !slices.Equal(names, []string{"TrackerRMS", "Litware Planner", "Zoom"}) {
		t.Fatalf("apps: %v", names)
	}
	tr := r.Apps[0]
	want := ScanApp{ClientID: trackerID, DisplayName: "TrackerRMS", Users: 3, Failures: 3,
		FirstSeen: scanNow.Add(-50 * time.Hour), LastSeen: scanNow.Add(-time.Hour), Codes: []int{65001, 90094},
		PendingRequests: 2, Sources: []string{ScanSourceSignInLogs, ScanSourceConsentRequests},
		Resources: []string{"Microsoft Graph"}, Scopes: []string{"Calendars.ReadWrite", "Mail.Send"},
		Requesters: []ScanRequester{{"Megan Bowen", "I need it for interviews", scanNow.Add(-time.Hour)}, {"Alex Wilber", "me too", scanNow.Add(-2 * time.Hour)}},
		UserNames:  []string{"Megan", "Diego", "Alex Wilber"}}
	if !reflect.DeepEqual(tr, want) {
		t.Errorf("TrackerRMS:\n got %+v\nwant %+v", tr, want)
	}
	lw, zoom := r.Apps[1], r.Apps[2]
	if lw.Failures != 1 || lw.PendingRequests != 0 || !slices.Equal(lw.Sources, []string{ScanSourceSignInLogs}) || !slices.Equal(lw.Codes, []int{900941}) {
		t.Errorf("Litware: %+v", lw)
	}
	if zoom.Failures != 0 || zoom.Users != 1 || zoom.PendingRequests != 1 || !slices.Equal(zoom.Sources, []string{ScanSourceConsentRequests}) ||
		len(zoom.Codes) != 0 || zoom.Codes == nil {
		t.Errorf("Zoom: %+v", zoom)
	}
	if r.ExitCode() != ScanExitBlocked || len(r.Notes) != 0 {
		t.Errorf("exit %d, notes %v", r.ExitCode(), r.Notes)
	}
	// The same input in any order gives the same result.
	in := scanFixture()
	for range 20 {
		rand.Shuffle(len(in.SignIns), func(i, j int) { in.SignIns[i], in.SignIns[j] = in.SignIns[j], in.SignIns[i] })
		rand.Shuffle(len(in.Requests), func(i, j int) { in.Requests[i], in.Requests[j] = in.Requests[j], in.Requests[i] })
		got := BuildScan(in)
		for i := range got.Apps {
			got.Apps[i].UserNames, r.Apps[i].UserNames = nil, nil
		}
		if !reflect.DeepEqual(got, r) {
			t.Fatalf("order-dependent:\n%+v\n%+v", got, r)
		}
	}
}

func TestBuildScanCodes(t *testing.T) {
	in := scanFixture()
	in.Codes = []int{65001}
	r := BuildScan(in)
	if len(r.Apps) != 2 || r.Apps[0].Failures != 1 || !slices.Equal(r.Apps[0].Codes, []int{65001}) {
		t.Errorf("only 65001: %+v", r.Apps)
	}
	// A request that is no longer in progress is not pending.
	in = scanFixture()
	in.SignIns = nil
	in.Requests[1].UserConsentRequests[0].Status = "Completed"
	if r := BuildScan(in); len(r.Apps) != 1 || r.Apps[0].ClientID != trackerID {
		t.Errorf("completed request: %+v", r.Apps)
	}
	// A pending request whose users could not be read still counts.
	in.Requests = []entra.AppConsentRequest{{ID: "r", AppID: zoomID, AppDisplayName: "Zoom"}}
	if r := BuildScan(in); len(r.Apps) != 1 || r.Apps[0].PendingRequests != 1 || r.ExitCode() != ScanExitBlocked {
		t.Errorf("request without users: %+v", r.Apps)
	}
}

// The licence 403: one note naming Entra ID P1, "unavailable", the requests still listed.
func TestBuildScanWithoutPremium(t *testing.T) {
	in := scanFixture()
	in.SignIns = nil
	in.SignInsError = &entra.APIError{Status: 403, Code: "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
		Message: "Neither tenant is B2C or tenant doesn't have premium license"}
	r := BuildScan(in)
	if r.SignInLogs != ScanUnavailable || r.ConsentRequests != ScanRead || len(r.Apps) != 2 || r.ExitCode() != ScanExitBlocked {
		t.Fatalf("%+v", r)
	}
	if len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "Microsoft Entra ID P1") {
		t.Errorf("notes: %v", r.Notes)
	}
	// The text prints the notes after the apps, the wizard's list before
	// them: a note that points "below" or "above" is wrong in one of them.
	for _, n := range r.Notes {
		if strings.Contains(n, "below") || strings.Contains(n, "above") {
			t.Errorf("the note points at the list: %q", n)
		}
	}
	js, err := r.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(js, &m); err != nil || m["signInLogs"] != "unavailable" {
		t.Errorf("JSON: %s", js)
	}
	if !strings.Contains(r.Text(), "Note: Sign-in logs unavailable") || !strings.Contains(r.Text(), "from admin consent requests") {
		t.Errorf("text:\n%s", r.Text())
	}
}

func TestBuildScanNotes(t *testing.T) {
	roleErr := &entra.APIError{Status: 403, Code: "Authentication_RequestFromUnsupportedUserRole", Message: "User is not in the allowed roles"}
	cases := []struct {
		name  string
		edit  func(*ScanInput)
		want  []string
		logs  string
		exit  int
		count int
	}{
		{"role", func(in *ScanInput) { in.SignIns, in.SignInsError = nil, roleErr },
			[]string{"your roles cannot read them; Global Reader, Reports Reader, Security Reader, Security Operator, Security Administrator or Global Administrator can"},
			ScanUnavailable, ScanExitBlocked, 1},
		{"scope", func(in *ScanInput) {
			in.SignIns, in.SignInsError = nil, &entra.APIError{Status: 403, Code: "Authorization_RequestDenied", Message: "Calling principal does not have required MSGraph permissions AuditLog.Read.All"}
		}, []string{"lacks AuditLog.Read.All"}, ScanUnavailable, ScanExitBlocked, 1},
		{"no token", func(in *ScanInput) {
			in.SignIns, in.SignInsError = nil, &entra.APIError{Method: "GET", Path: "/auditLogs/signIns", Message: "token: AADSTS65001: not consented"}
		}, []string{"Sign-in logs could not be read: token: AADSTS65001"}, ScanUnavailable, ScanExitBlocked, 1},
		{"partial", func(in *ScanInput) { in.SignInsError = &entra.APIError{Status: 503, Code: "serviceNotAvailable"} },
			[]string{"stopped early (HTTP 503 serviceNotAvailable); the counts below are partial"}, ScanRead, ScanExitBlocked, 1},
		{"truncated", func(in *ScanInput) { in.SignInsTruncated = true }, []string{"Only the newest 8 failed sign-ins were read"}, ScanRead, ScanExitBlocked, 1},
		{"retention", func(in *ScanInput) { in.Since = scanNow.Add(-45 * 24 * time.Hour) }, []string{"keep 30 days"}, ScanRead, ScanExitBlocked, 1},
		{"requests 403", func(in *ScanInput) {
			in.Requests, in.RequestsError = nil, &entra.APIError{Status: 403, Code: "Authorization_RequestDenied", Message: "Insufficient privileges"}
		}, []string{"Admin consent requests unavailable: your roles cannot read them (HTTP 403 Authorization_RequestDenied"}, ScanRead, ScanExitBlocked, 1},
		{"nothing blocked", func(in *ScanInput) { in.SignIns, in.Requests = nil, nil }, []string{"No sign-in was stopped by consent since 2026-11-25 12:00 UTC"}, ScanRead, ScanExitNone, 1},
		{"logs unreadable, no request", func(in *ScanInput) { in.SignIns, in.Requests, in.SignInsError = nil, nil, roleErr },
			[]string{"your roles cannot read them"}, ScanUnavailable, ScanExitNone, 1},
		{"nothing readable", func(in *ScanInput) {
			in.SignIns, in.Requests, in.SignInsError = nil, nil, roleErr
			in.RequestsError = &entra.APIError{Status: 403, Code: "Authorization_RequestDenied"}
		}, []string{"Sign-in logs unavailable", "Admin consent requests unavailable"}, ScanUnavailable, ScanExitUnreadable, 2},
	}
	for _, c := range cases {
		in := scanFixture()
		c.edit(&in)
		r := BuildScan(in)
		joined := strings.Join(r.Notes, "\n")
		for _, w := range c.want {
			if !strings.Contains(joined, w) {
				t.Errorf("%s: notes %q lack %q", c.name, r.Notes, w)
			}
		}
		if len(r.Notes) != c.count || r.SignInLogs != c.logs || r.ExitCode() != c.exit {
			t.Errorf("%s: %d notes %q, logs %s, exit %d", c.name, len(r.Notes), r.Notes, r.SignInLogs, r.ExitCode())
		}
	}
}

// The JSON: tenant, since, apps[{clientId, displayName, users,
// failures, firstSeen, lastSeen, codes, pendingRequests, sources}],
// signInLogs, notes.
func TestScanJSONShape(t *testing.T) {
	indented, err := BuildScan(scanFixture()).JSON()
	if err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, indented); err != nil {
		t.Fatal(err)
	}
	js := compact.Bytes()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(js, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"tenant", "since", "apps", "signInLogs", "notes"} {
		if _, ok := m[k]; !ok {
			t.Errorf("no %q in %s", k, js)
		}
	}
	if string(m["since"]) != `"2026-11-25T12:00:00Z"` || string(m["notes"]) != "[]" {
		t.Errorf("since %s notes %s", m["since"], m["notes"])
	}
	var apps []map[string]json.RawMessage
	if err := json.Unmarshal(m["apps"], &apps); err != nil || len(apps) != 3 {
		t.Fatalf("apps: %v %s", err, m["apps"])
	}
	for _, k := range []string{"clientId", "displayName", "users", "failures", "firstSeen", "lastSeen", "codes", "pendingRequests", "sources"} {
		if _, ok := apps[0][k]; !ok {
			t.Errorf("no %q in %s", k, js)
		}
	}
	if string(apps[0]["codes"]) != "[65001,90094]" || string(apps[0]["sources"]) != `["signInLogs","consentRequests"]` ||
		string(apps[0]["users"]) != "3" || string(apps[2]["codes"]) != "[]" {
		t.Errorf("values: %s", js)
	}
	if _, ok := apps[0]["UserNames"]; ok {
		t.Errorf("user names leak into the JSON")
	}
}

// Names and reasons in the logs and requests are untrusted: no escape
// sequence, bidi override or unbounded string reaches the output.
func TestScanHostileStrings(t *testing.T) {
	evil := "\x1b[2J\x1b]52;c;cm0gLXJmIH4K\x07\x1b]8;;http://evil.example/\x07click\x1b]8;;\x07\u202e\u200b\x9b31m"
	long := strings.Repeat("A", 5000)
	in := scanFixture()
	in.Tenant = "contoso.com" + evil
	for i := range in.SignIns {
		in.SignIns[i].AppDisplayName += evil + long
		in.SignIns[i].UserDisplayName = "Megan" + evil + "\nline2" + long
		in.SignIns[i].ResourceDisplayName += evil
	}
	in.SignIns = append(in.SignIns, scanSignIn("not-a-guid"+evil, evil, "u-x", "x@contoso.com", 90094, time.Hour))
	in.Requests[0].UserConsentRequests[0].Reason = "please" + evil + long
	in.Requests[0].UserConsentRequests[0].CreatedBy.User.DisplayName = evil + long
	in.Requests[0].PendingScopes = append(in.Requests[0].PendingScopes, entra.ConsentRequestScope{DisplayName: "Mail.Send" + evil})
	in.SignInsError = &entra.APIError{Status: 503, Code: "x" + evil, Message: evil + long}
	r := BuildScan(in)
	js, err := r.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var decoded any
	if err := json.Unmarshal(js, &decoded); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"text": r.Text(), "json": string(js), "json decoded": fmtAny(decoded)} {
		for _, bad := range []string{"\x1b", "\x07", "\u202e", "\u200b", "\x9b", "\\u001b", "\\u0007", "\\u202e"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s output holds %q", name, bad)
			}
		}
		if strings.Contains(out, long[:300]) {
			t.Errorf("%s output holds a 300-character run of the 5,000-character name", name)
		}
	}
	for _, line := range strings.Split(r.Text(), "\n") {
		if strings.Contains(line, "line2") && !strings.Contains(line, "Megan") {
			t.Errorf("a newline in a name broke a line: %q", line)
		}
	}
}

// fmtAny is every string (keys and values) of a decoded JSON value.
func fmtAny(v any) string {
	var s strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			s.WriteString(x)
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for k, e := range x {
				s.WriteString(k)
				walk(e)
			}
		}
	}
	walk(v)
	return s.String()
}

func TestScanText(t *testing.T) {
	txt := BuildScan(scanFixture()).Text()
	for _, want := range []string{
		"Apps blocking users in contoso.com since 2026-11-25 12:00 UTC (from sign-in logs and admin consent requests)",
		"TrackerRMS (" + trackerID + ")",
		"3 users, 3 failed sign-ins, 2 pending requests, last 2026-12-02 11:00 UTC",
		"AADSTS65001 DelegationDoesNotExist; AADSTS90094 AdminConsentRequired",
		"users: Megan, Diego, Alex Wilber",
		"asks for: Calendars.ReadWrite Mail.Send",
		`request from Megan Bowen: "I need it for interviews"`,
		"Zoom (" + zoomID + ")\n  1 user, 1 pending request",
	} {
		if !strings.Contains(txt, want) {
			t.Errorf("text lacks %q:\n%s", want, txt)
		}
	}
	empty := BuildScan(ScanInput{Tenant: "contoso.com", Now: scanNow, Since: scanSince})
	if !strings.Contains(empty.Text(), "No app is blocking anyone.") || empty.ExitCode() != ScanExitNone {
		t.Errorf("empty: %s", empty.Text())
	}
}

func TestFindAppByName(t *testing.T) {
	profiles, err := assets.Profiles()
	if err != nil {
		t.Fatal(err)
	}
	tenant := AppCandidatesFromServicePrincipals([]entra.ServicePrincipal{
		{AppID: zoomID, DisplayName: "Zoom"},
		{AppID: "a1b2c3d4-0000-4000-8000-000000000002", DisplayName: "Zoom"},
		{AppID: "a1b2c3d4-0000-4000-8000-000000000003", DisplayName: "Zoom Phone"},
		{AppID: litwareID, DisplayName: "Litware  Planner"},
		{AppID: trackerID, DisplayName: "TrackerRMS (Tracker Systems)"},
	})
	scan := AppCandidatesFromScan(BuildScan(scanFixture()))
	prof := AppCandidatesFromProfiles(profiles)

	// Case-insensitive, spaces collapsed; a tenant's name wins, the profile stays.
	got, err := FindAppByName("  trackerrms ", tenant, prof, scan)
	if err != nil || got.ClientID != trackerID || got.Profile != "TrackerRMS" {
		t.Errorf("trackerrms: %+v, %v", got, err)
	}
	if got, err := FindAppByName("LITWARE planner", tenant); err != nil || got.ClientID != litwareID || got.Source != AppFromTenant {
		t.Errorf("litware: %+v, %v", got, err)
	}
	// A profile alone finds an app the tenant has never seen.
	if got, err := FindAppByName("TrackerRMS", prof); err != nil || got.ClientID != trackerID || got.Source != AppFromProfile {
		t.Errorf("profile: %+v, %v", got, err)
	}
	// Prefix, then contains.
	if got, err := FindAppByName("zoom ph", tenant); err != nil || got.DisplayName != "Zoom Phone" {
		t.Errorf("prefix: %+v, %v", got, err)
	}
	if got, err := FindAppByName("planner", tenant); err != nil || got.ClientID != litwareID {
		t.Errorf("contains: %+v, %v", got, err)
	}
	// Two apps answer to "Zoom" exactly: both are listed with their ids.
	_, err = FindAppByName("zoom", tenant, scan)
	var amb *AmbiguousAppError
	if !errors.As(err, &amb) || len(amb.Matches) != 2 || !strings.Contains(err.Error(), zoomID) ||
		!strings.Contains(err.Error(), "a1b2c3d4-0000-4000-8000-000000000002") || strings.Contains(err.Error(), "Zoom Phone") {
		t.Errorf("ambiguous: %v", err)
	}
	if _, err := FindAppByName("Salesforce", tenant, prof, scan); !errors.Is(err, ErrNoAppNamed) || !strings.Contains(err.Error(), "consentwiz scan") {
		t.Errorf("none: %v", err)
	}
	for _, bad := range []string{"", "  ", "\x1b[2J", strings.Repeat("x", 300)} {
		if _, err := FindAppByName(bad, tenant); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	// A hostile name is quoted and sanitized in the error.
	_, err = FindAppByName("evil\x1b]52;c;eA==\x07name", tenant)
	if err == nil || strings.ContainsAny(err.Error(), "\x1b\x07") {
		t.Errorf("hostile: %q", err)
	}
}

// BenchmarkBuildScan groups 100,000 consent failures of 200 users to 1,000
// apps (docs/performance.md, "Scan"; the read itself is BenchmarkScan in
// internal/difftest).
func BenchmarkBuildScan(b *testing.B) {
	in := ScanInput{Tenant: "contoso.com", Now: scanNow, Since: scanSince}
	codes := entra.ConsentErrorCodes
	for i := range 100000 {
		app := strings.Replace(zoomID, "000000000001", strings.Repeat("0", 8)+strconv.Itoa(1000+i%1000), 1)
		s := scanSignIn(app, "App "+strconv.Itoa(i%1000), "u-"+strconv.Itoa(i%200), "user"+strconv.Itoa(i%200)+"@contoso.com",
			codes[i%len(codes)], time.Duration(i)*time.Second)
		in.SignIns = append(in.SignIns, s)
	}
	b.ReportAllocs()
	for b.Loop() {
		if r := BuildScan(in); len(r.Apps) != 1000 {
			b.Fatalf("%d apps", len(r.Apps))
		}
	}
}

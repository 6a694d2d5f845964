package sim

import (
	"consentwiz/graph/entra"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The sign-in log (signinlog.go, graph_signins.go) against signin-list.md,
// signin.md and docs/entra.md H.

var logScopes = []string{"AuditLog.Read.All", "Directory.Read.All"}

// signIns lists the log through Graph as upn, following every nextLink.
func listAllSignIns(t *testing.T, s *Server, tok, query string) ([]map[string]any, int) {
	t.Helper()
	next := "/v1.0/auditLogs/signIns" + query
	var out []map[string]any
	pages := 0
	for next != "" {
		r := call(t, s, tok, "GET", next, nil)
		if r.status != 200 {
			t.Fatalf("%s: %d %s", next, r.status, r.raw)
		}
		pages++
		out = append(out, r.values()...)
		next, _ = r.body["@odata.nextLink"].(string)
		if pages > 1000 {
			t.Fatal("paging does not end")
		}
	}
	return out, pages
}

func filterQuery(f string) string { return "?$filter=" + url.QueryEscape(f) }

func errorCodeOf(v map[string]any) int {
	st, _ := v["status"].(map[string]any)
	n, _ := st["errorCode"].(float64)
	return int(n)
}

func TestSignInLogRecordsWhatUsersGet(t *testing.T) {
	s := newSim(t, Options{Scenario: "locked-down"})
	ten := s.Tenant()
	before := ten.SignInCount()
	out := ten.UserSignIn(ten.EndUserUPN(), ten.AppID(), nil, "")
	if out.Code != 90093 || ten.SignInCount() != before+1 {
		t.Fatalf("sign-in %+v; log %d → %d", out, before, ten.SignInCount())
	}
	// The control API's end user is recorded too.
	r := call(t, s, "", "POST", s.LoginURL()+"/_sim/"+ten.Domain()+"/signin",
		map[string]any{"upn": "reader@contoso.com"})
	if r.status != 200 || ten.SignInCount() != before+2 {
		t.Fatalf("control sign-in: %d %s; log %d", r.status, r.raw, ten.SignInCount())
	}
	tok := token(t, s, ten, ten.AdminUPN(), logScopes...)
	got := call(t, s, tok, "GET", "/v1.0/auditLogs/signIns?$top=2", nil)
	vals := got.values()
	if got.status != 200 || len(vals) != 2 {
		t.Fatalf("list: %d %s", got.status, got.raw)
	}
	// Newest first: the reader, then Megan.
	latest, megan := vals[0], vals[1]
	if latest["userPrincipalName"] != "reader@contoso.com" || megan["userPrincipalName"] != "megan@contoso.com" {
		t.Errorf("order: %v, %v", latest["userPrincipalName"], megan["userPrincipalName"])
	}
	// The documented shape (signin.md).
	for _, k := range []string{"id", "createdDateTime", "userPrincipalName", "userId", "userDisplayName", "appId", "appDisplayName",
		"resourceDisplayName", "resourceId", "status", "correlationId", "clientAppUsed", "conditionalAccessStatus",
		"isInteractive", "ipAddress", "location", "deviceDetail", "appliedConditionalAccessPolicies", "riskState"} {
		if _, ok := megan[k]; !ok {
			t.Errorf("no %s in %v", k, megan)
		}
	}
	st := megan["status"].(map[string]any)
	if errorCodeOf(megan) != 90093 || !strings.Contains(st["failureReason"].(string), "Need admin approval") ||
		strings.HasPrefix(st["failureReason"].(string), "AADSTS") {
		t.Errorf("status: %v", st)
	}
	if _, ok := st["additionalDetails"]; !ok {
		t.Errorf("status lacks additionalDetails (null): %v", st)
	}
	if megan["appId"] != TrackerRMSAppID || megan["appDisplayName"] != "TrackerRMS" ||
		megan["resourceId"] != entra.MicrosoftGraphAppID || megan["resourceDisplayName"] != "Microsoft Graph" {
		t.Errorf("app and resource: %v", megan)
	}
	if u, _ := ten.User(ten.EndUserUPN()); megan["userId"] != u.ID || megan["userDisplayName"] != "Megan Bowen" {
		t.Errorf("user: %v", megan)
	}
	if !entra.IsGUID(megan["id"].(string)) || !entra.IsGUID(megan["correlationId"].(string)) || megan["id"] == latest["id"] {
		t.Errorf("ids: %v %v", megan["id"], megan["correlationId"])
	}
	if tm, err := time.Parse(time.RFC3339Nano, megan["createdDateTime"].(string)); err != nil || time.Since(tm) > time.Minute {
		t.Errorf("createdDateTime %v: %v", megan["createdDateTime"], err)
	}
}

func TestSignInLogRecordsConsentAndSuccess(t *testing.T) {
	s := newSim(t, Options{Scenario: "user-consent"})
	ten := s.Tenant()
	before := ten.SignInCount()
	if out := ten.UserSignIn(ten.EndUserUPN(), ten.AppID(), nil, "accept"); out.Result != ResultGranted {
		t.Fatalf("accept: %+v", out)
	}
	log := ten.SignIns()
	if ten.SignInCount() != before+2 || log[0].ErrorCode() != 0 || log[1].ErrorCode() != 65001 {
		t.Errorf("want the consent prompt (65001) then a success; got %d new, %+v %+v", ten.SignInCount()-before, log[0].Status, log[1].Status)
	}
}

// Every scenario's history: several users and apps (TrackerRMS among them),
// some older than 7 days, successes in between; what the users got is what
// the scenario gives today.
func TestSignInHistoryPerScenario(t *testing.T) {
	for _, name := range ScenarioNames() {
		if name == "many-apps" && testing.Short() {
			continue
		}
		t.Run(name, func(t *testing.T) {
			s, err := New(Options{Scenario: name})
			if err != nil {
				t.Fatal(err)
			}
			ten := s.Tenant()
			log := ten.SignIns()
			users, apps := map[string]bool{}, map[string]bool{}
			old, ok, tracker := 0, 0, 0
			for _, r := range log {
				users[r.UserID], apps[r.AppID] = true, true
				if tm, _ := time.Parse(time.RFC3339Nano, r.CreatedDateTime); time.Since(tm) > 7*24*time.Hour {
					old++
				}
				if r.ErrorCode() == 0 {
					ok++
				}
				if r.AppID == TrackerRMSAppID && r.UserPrincipalName == ten.EndUserUPN() {
					tracker++
					// The history agrees with the scenario.
					if want := ten.UserSignIn(ten.EndUserUPN(), ten.AppID(), nil, "").Code; r.ErrorCode() != want {
						t.Errorf("Megan's TrackerRMS sign-in logged %d, the scenario gives %d", r.ErrorCode(), want)
					}
				}
			}
			// Without P1/P2 the retention is 7 days (docs/entra.md H).
			wantOld, wantTracker := old > 0, 3
			if !ten.Premium() {
				wantOld, wantTracker = old == 0, 2
			}
			if len(users) < 5 || len(apps) < 5 || !wantOld || ok == 0 || tracker < wantTracker {
				t.Errorf("history: %d users, %d apps, %d older than 7 days, %d successes, %d of Megan's TrackerRMS tries",
					len(users), len(apps), old, ok, tracker)
			}
			for i := 1; i < len(log); i++ {
				if log[i-1].CreatedDateTime < log[i].CreatedDateTime {
					t.Fatalf("not newest first at %d", i)
				}
			}
		})
	}
}

func TestSignInFilters(t *testing.T) {
	s := newSim(t, Options{Scenario: "locked-down"})
	ten := s.Tenant()
	tok := token(t, s, ten, ten.AdminUPN(), logScopes...)
	all := ten.SignIns()
	count := func(f func(entra.SignIn) bool) int {
		n := 0
		for _, r := range all {
			if f(r) {
				n++
			}
		}
		return n
	}
	sinceT := time.Now().UTC().Add(-7 * 24 * time.Hour).Truncate(time.Second)
	untilT := time.Now().UTC().Add(-2 * 24 * time.Hour).Truncate(time.Second)
	since, until := sinceT.Format(time.RFC3339), untilT.Format(time.RFC3339)
	at := func(r entra.SignIn) time.Time {
		tm, err := time.Parse(time.RFC3339Nano, r.CreatedDateTime)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	inWindow := func(r entra.SignIn) bool { return !at(r).Before(sinceT) }
	cases := []struct {
		filter string
		want   func(entra.SignIn) bool
	}{
		{"createdDateTime ge " + since, inWindow},
		{"createdDateTime ge " + since + " and createdDateTime le " + until, func(r entra.SignIn) bool { return inWindow(r) && !at(r).After(untilT) }},
		{"status/errorCode eq 90093", func(r entra.SignIn) bool { return r.ErrorCode() == 90093 }},
		{"createdDateTime ge " + since + " and (status/errorCode eq 90093 or status/errorCode eq 700016)",
			func(r entra.SignIn) bool { return inWindow(r) && (r.ErrorCode() == 90093 || r.ErrorCode() == 700016) }},
		{"appId eq '" + TrackerRMSAppID + "'", func(r entra.SignIn) bool { return r.AppID == TrackerRMSAppID }},
		{"startsWith(userPrincipalName,'megan')", func(r entra.SignIn) bool { return strings.HasPrefix(r.UserPrincipalName, "megan") }},
		{"appId eq '" + TrackerRMSAppID + "' and status/errorCode eq 0", func(r entra.SignIn) bool { return false }},
		{"createdDateTime ge " + sinceT.Format("2006-01-02"), func(r entra.SignIn) bool { return !at(r).Before(sinceT.Truncate(24 * time.Hour)) }},
	}
	for _, c := range cases {
		got, _ := listAllSignIns(t, s, tok, filterQuery(c.filter))
		if want := count(c.want); len(got) != want || want == 0 && !strings.Contains(c.filter, "eq 0") {
			t.Errorf("%s: %d records, want %d", c.filter, len(got), want)
		}
	}
	// What Graph does not document is refused.
	for _, q := range []string{
		filterQuery("status/errorCode in (90093, 90094)"),
		filterQuery("status/errorCode ne 0"),
		filterQuery("createdDateTime gt " + since),
		filterQuery("createdDateTime ge '" + since + "'"),
		filterQuery("appId eq " + TrackerRMSAppID),
		filterQuery("startswith(appId,'5353')"),
		filterQuery("endswith(userPrincipalName,'contoso.com')"),
		filterQuery("signInEventTypes/any(t: t eq 'nonInteractiveUser')"),
		filterQuery("not(status/errorCode eq 0)"),
		filterQuery("(status/errorCode eq 90093"),
		"?$orderby=userPrincipalName",
		"?$top=1001",
		"?$top=0",
		"?$search=" + url.QueryEscape(`"megan"`),
		"?$select=id,scopes",
		"?$skiptoken=nonsense",
	} {
		if r := call(t, s, tok, "GET", "/v1.0/auditLogs/signIns"+q, nil); r.status != 400 {
			t.Errorf("%s: %d %s", q, r.status, r.raw)
		}
	}
}

func TestSignInPagingAndOrder(t *testing.T) {
	s := newSim(t, Options{Scenario: "locked-down", SignInPageSize: 4})
	ten := s.Tenant()
	tok := token(t, s, ten, ten.AdminUPN(), logScopes...)
	all := ten.SignIns()
	got, pages := listAllSignIns(t, s, tok, "")
	if len(got) != len(all) || pages != (len(all)+3)/4 {
		t.Fatalf("%d records over %d pages; the log has %d", len(got), pages, len(all))
	}
	for i := range got {
		if got[i]["id"] != all[i].ID {
			t.Fatalf("record %d: %v, want %v (newest first, no repeats)", i, got[i]["id"], all[i].ID)
		}
	}
	asc, _ := listAllSignIns(t, s, tok, "?$orderby=createdDateTime&$top=3")
	if len(asc) != len(all) || asc[0]["id"] != all[len(all)-1].ID || asc[len(asc)-1]["id"] != all[0].ID {
		t.Errorf("ascending: %d records", len(asc))
	}
	desc, _ := listAllSignIns(t, s, tok, "?$orderby="+url.QueryEscape("createdDateTime desc")+"&$top=5")
	if len(desc) != len(all) || desc[0]["id"] != all[0].ID {
		t.Errorf("descending: %d records", len(desc))
	}
	// A filter across pages keeps its clauses in the nextLink.
	f, _ := listAllSignIns(t, s, tok, filterQuery("status/errorCode eq 0")+"&$top=2")
	for _, v := range f {
		if errorCodeOf(v) != 0 {
			t.Fatalf("filter lost across pages: %v", v)
		}
	}
	// $select keeps only what was asked.
	r := call(t, s, tok, "GET", "/v1.0/auditLogs/signIns?$select=id,status,appId&$top=1", nil)
	if v := r.values(); len(v) != 1 || len(v[0]) != 3 || v[0]["status"] == nil {
		t.Errorf("$select: %s", r.raw)
	}
}

// Who may read the log (signin-list.md, docs/entra.md H).
func TestSignInLogPermissions(t *testing.T) {
	s := newSim(t, Options{Scenario: "locked-down"})
	ten := s.Tenant()
	ten.AddUser("reports@contoso.com", "Reports Reader", entra.RoleReportsReader)
	ten.AddUser("secop@contoso.com", "Security Operator", entra.RoleSecurityOperator)
	cases := []struct {
		upn    string
		scopes []string
		status int
		code   string
	}{
		{ten.AdminUPN(), logScopes, 200, ""},
		{"reader@contoso.com", logScopes, 200, ""},
		{"reports@contoso.com", logScopes, 200, ""},
		{"secop@contoso.com", logScopes, 200, ""},
		// Directory.Read.All alone is not enough.
		{ten.AdminUPN(), []string{"Directory.Read.All"}, 403, "Authorization_RequestDenied"},
		// Without Directory.Read.All the licence check fails.
		{ten.AdminUPN(), []string{"AuditLog.Read.All"}, 403, "Authentication_RequestFromNonPremiumTenantOrB2CTenant"},
		// Application and Cloud Application Administrators cannot read sign-in reports.
		{"appadmin@contoso.com", logScopes, 403, "Authentication_RequestFromUnsupportedUserRole"},
		{"cloudadmin@contoso.com", logScopes, 403, "Authentication_RequestFromUnsupportedUserRole"},
		{"megan@contoso.com", logScopes, 403, "Authentication_RequestFromUnsupportedUserRole"},
	}
	for _, c := range cases {
		r := call(t, s, token(t, s, ten, c.upn, c.scopes...), "GET", "/v1.0/auditLogs/signIns?$top=1", nil)
		if r.status != c.status || r.errCode() != c.code {
			t.Errorf("%s %v: %d %s, want %d %s", c.upn, c.scopes, r.status, r.errCode(), c.status, c.code)
		}
	}
	// A $batch item is judged the same way.
	tok := token(t, s, ten, "appadmin@contoso.com", logScopes...)
	b := call(t, s, tok, "POST", "/v1.0/$batch", map[string]any{"requests": []map[string]any{
		{"id": "1", "method": "GET", "url": "/auditLogs/signIns?$top=1"}}})
	if resps, _ := b.body["responses"].([]any); len(resps) != 1 || resps[0].(map[string]any)["status"].(float64) != 403 {
		t.Errorf("batch: %s", b.raw)
	}
}

// A tenant without Entra ID P1/P2 answers Microsoft's licence error, and its
// consent requests can still be read.
func TestNoPremiumScenario(t *testing.T) {
	s := newSim(t, Options{Scenario: "no-premium"})
	ten := s.Tenant()
	if ten.Premium() {
		t.Fatal("no-premium has a premium licence")
	}
	tok := token(t, s, ten, ten.AdminUPN(), append([]string{"ConsentRequest.Read.All"}, logScopes...)...)
	r := call(t, s, tok, "GET", "/v1.0/auditLogs/signIns", nil)
	if r.status != 403 || r.errCode() != "Authentication_RequestFromNonPremiumTenantOrB2CTenant" ||
		r.errMsg() != "Neither tenant is B2C or tenant doesn't have premium license" {
		t.Errorf("licence error: %d %s", r.status, r.raw)
	}
	inner, _ := r.body["error"].(map[string]any)["innerError"].(map[string]any)
	if inner["request-id"] == nil || inner["date"] == nil {
		t.Errorf("innerError: %s", r.raw)
	}
	q := "/v1.0/identityGovernance/appConsent/appConsentRequests?$filter=" + url.QueryEscape("userConsentRequests/any(u:u/status eq 'InProgress')")
	reqs := call(t, s, tok, "GET", q, nil)
	var apps []string
	for _, v := range reqs.values() {
		apps = append(apps, v["appId"].(string))
	}
	if !slices.Contains(apps, TrackerRMSAppID) || !slices.Contains(apps, LitwarePlannerAppID) {
		t.Errorf("pending requests: %s", reqs.raw)
	}
	// The log exists (the admin center shows it); Graph only refuses it.
	if ten.SignInCount() == 0 {
		t.Error("no history")
	}
	ten.SetPremium(true)
	if r := call(t, s, tok, "GET", "/v1.0/auditLogs/signIns?$top=1", nil); r.status != 200 {
		t.Errorf("with P1: %d", r.status)
	}
}

// Records older than the retention period are gone: 30 days with P1/P2.
func TestSignInRetention(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	s := newSim(t, Options{Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
	ten := s.Tenant()
	ten.UserSignIn(ten.EndUserUPN(), ten.AppID(), nil, "")
	newest := ten.SignIns()[0].ID
	mu.Lock()
	now = now.Add(29 * 24 * time.Hour)
	mu.Unlock()
	got, _ := listAllSignIns(t, s, token(t, s, ten, ten.AdminUPN(), logScopes...), "")
	if len(got) == 0 || got[0]["id"] != newest {
		t.Fatalf("after 29 days: %d records", len(got))
	}
	mu.Lock()
	now = now.Add(2 * 24 * time.Hour)
	mu.Unlock()
	got, _ = listAllSignIns(t, s, token(t, s, ten, ten.AdminUPN(), logScopes...), "")
	if len(got) != 0 {
		t.Errorf("after 31 days %d records remain", len(got))
	}
}

// many-apps holds the scan benchmark's 100,000 consent failures in the last 6 days.
func TestManyAppsSignInLog(t *testing.T) {
	if testing.Short() {
		t.Skip("big tenant")
	}
	s := newSim(t, Options{Scenario: "many-apps"})
	ten := s.Tenant()
	tok := token(t, s, ten, ten.AdminUPN(), logScopes...)
	since := time.Now().UTC().Add(-7 * 24 * time.Hour).Format(time.RFC3339)
	codes := make([]string, len(entra.ConsentErrorCodes))
	for i, c := range entra.ConsentErrorCodes {
		codes[i] = "status/errorCode eq " + strconv.Itoa(c)
	}
	f := "createdDateTime ge " + since + " and (" + strings.Join(codes, " or ") + ")"
	r := call(t, s, tok, "GET", "/v1.0/auditLogs/signIns"+filterQuery(f)+"&$select=id", nil)
	if r.status != 200 || len(r.values()) != 1000 || r.body["@odata.nextLink"] == nil {
		t.Fatalf("first page: %d, %d records", r.status, len(r.values()))
	}
	n := 0
	for _, rec := range ten.SignIns() {
		if slices.Contains(entra.ConsentErrorCodes, rec.ErrorCode()) {
			n++
		}
	}
	if n < ManyAppsSignInFailures {
		t.Errorf("%d consent failures in the log", n)
	}
	var raw json.RawMessage = r.raw
	if len(raw) > 4<<20 {
		t.Errorf("a page of ids is %d bytes", len(raw))
	}
}

// The page Graph sends is the record signInOf renders (the hand-written JSON
// of graph_signins.go and the entra.SignIn shape agree), hostile names included.
func TestSignInJSONIsTheRecord(t *testing.T) {
	s := newSim(t, Options{Scenario: "hostile"})
	ten := s.Tenant()
	tok := token(t, s, ten, ten.AdminUPN(), logScopes...)
	r := call(t, s, tok, "GET", "/v1.0/auditLogs/signIns", nil)
	var page struct {
		Value []entra.SignIn `json:"value"`
	}
	if err := json.Unmarshal(r.raw, &page); err != nil {
		t.Fatalf("%v: %s", err, r.raw)
	}
	want := ten.SignIns()
	if len(page.Value) != len(want) {
		t.Fatalf("%d records, want %d", len(page.Value), len(want))
	}
	hostile := false
	for i := range want {
		got, _ := json.Marshal(page.Value[i])
		exp, _ := json.Marshal(want[i])
		if string(got) != string(exp) {
			t.Fatalf("record %d:\n got %s\nwant %s", i, got, exp)
		}
		hostile = hostile || strings.Contains(want[i].UserDisplayName, "\x1b")
	}
	if !hostile {
		t.Error("no hostile name in the hostile scenario's log")
	}
}

package sim

import (
	"consentwiz/assets"
	"consentwiz/graph/entra"
	"crypto/sha256"
	"fmt"
	"strings"
	"time"
)

// Every scenario starts with a sign-in history (signinlog.go): the end user
// and colleagues tried the scenario's app and others over the last weeks;
// what each got is what the tenant's settings give today (the evaluation of
// signin.go), so the history agrees with the scenario. Some tries are older
// than 7 days (the Free retention) and successful sign-ins to Microsoft 365
// are in between.

// Other well-known ids of the history: Microsoft Teams and Microsoft Office
// are first-party clients whose sign-ins succeed; unknownAppID has no
// registration anywhere (AADSTS700016).
const (
	teamsAppID   = "1fec8e78-bce4-4aaf-ab1b-5451cc387264"
	officeAppID  = "4765445b-32c6-49b0-83e6-1d93765276ca"
	unknownAppID = "0b9f4c1e-7a2d-4e85-b6f3-d1c0a8e29f47"
)

// seedUserLocked adds a plain user whose id comes from its own namespace, so
// that the ids of everything created later stay what they were before the
// history existed.
func (t *Tenant) seedUserLocked(upn, displayName string) *simUser {
	if u := t.userByUPNLocked(upn); u != nil {
		return u
	}
	h := sha256.Sum256([]byte(t.seed + "#seeduser#" + upn))
	b := h[:16]
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	u := &simUser{User: entra.User{ID: fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]),
		DisplayName: displayName, UserPrincipalName: upn, Mail: upn}}
	t.users[u.ID] = u
	t.usersByUPN[strings.ToLower(upn)] = u
	t.userOrder = append(t.userOrder, u.ID)
	return u
}

// trySignInLocked records what u gets signing in to appID with the app's
// configured permissions, ago before now, without changing the tenant.
func (t *Tenant) trySignInLocked(u *simUser, appID string, ago time.Duration) {
	at := t.now().Add(-ago)
	a := t.srv.catalog.get(appID)
	if a == nil {
		out := SignInOutcome{Result: ResultError, Code: 700016, Message: "AADSTS700016: " + appNotFound(appID, t.name)}
		t.recordSignInLocked(u, appID, nil, out, nil, at)
		return
	}
	norm, _ := t.srv.normalizeScopes(a.RequiredScopes, a.RequiredScopes)
	t.recordSignInLocked(u, appID, a, t.evaluateUserLocked(u, a, norm), norm, at)
}

// succeedLocked records a successful sign-in to a first-party client.
func (t *Tenant) succeedLocked(u *simUser, appID, appName string, ago time.Duration) {
	t.recordSignInLocked(u, appID, &App{AppID: appID, DisplayName: appName}, SignInOutcome{Result: ResultGranted},
		[]string{"https://outlook.office.com/EWS.AccessAsUser.All"}, t.now().Add(-ago))
}

// seedSignInsLocked writes the scenario's history (after the scenario is built).
func (t *Tenant) seedSignInsLocked() {
	dom := t.domainLocked()
	megan := t.userByUPNLocked(t.endUserUPN)
	reader := t.userByUPNLocked("reader@" + dom)
	diego := t.seedUserLocked("diego@"+dom, "Diego Siciliani")
	pradeep := t.seedUserLocked("pradeep@"+dom, "Pradeep Gupta")
	nestor := t.seedUserLocked("nestor@"+dom, "Nestor Wilke")
	if megan == nil || reader == nil {
		return
	}
	h, d := time.Hour, 24*time.Hour
	tries := []struct {
		u     *simUser
		appID string
		ago   time.Duration
	}{
		{megan, t.appID, 2 * h}, {megan, t.appID, 26 * h}, {megan, t.appID, 9 * d},
		{reader, t.appID, 3 * d},
		{diego, t.appID, 5 * h}, {diego, t.appID, 12 * d},
		{pradeep, t.appID, 20 * h},
		{diego, LitwarePlannerAppID, 2 * d}, {nestor, LitwarePlannerAppID, 4 * h}, {nestor, LitwarePlannerAppID, 10 * d},
		{pradeep, ArchiverAppID, 6 * d},
		{nestor, ThunderbirdAppID, 30 * h},
		{pradeep, unknownAppID, 3 * d},
	}
	for _, try := range tries {
		t.trySignInLocked(try.u, try.appID, try.ago)
	}
	for i, u := range []*simUser{megan, reader, diego, pradeep, nestor} {
		for _, ago := range []time.Duration{time.Duration(i+1) * h, 1*d + time.Duration(i)*h, 8 * d, 15 * d} {
			t.succeedLocked(u, teamsAppID, "Microsoft Teams", ago)
		}
		t.succeedLocked(u, officeAppID, "Microsoft Office", 4*d+time.Duration(i)*h)
	}
}

// seedBulkSignInsLocked writes n failed sign-ins of users to apps (the
// consent codes in turn), spread evenly over the last span, plus one
// successful sign-in to Microsoft Teams after every ten failures: the big
// tenant of many-apps, whose scan reads 100,000 records.
func (t *Tenant) seedBulkSignInsLocked(n int, users []*simUser, apps []*entra.ServicePrincipal, span time.Duration) {
	if len(users) == 0 || len(apps) == 0 || n <= 0 {
		return
	}
	codes := entra.ConsentErrorCodes
	total := int64(n + n/10)
	start := ticks(t.now().Add(-span))
	step := max(span.Nanoseconds()/100/(total+1), 1)
	graph := t.logAppLocked(entra.MicrosoftGraphAppID, "Microsoft Graph")
	teams := t.logAppLocked(teamsAppID, "Microsoft Teams")
	reasons := map[int]string{}
	for _, c := range codes {
		if info, ok := assets.Code(c); ok {
			reasons[c] = info.Meaning
		}
	}
	k := int64(0)
	next := func() int64 { k++; return start + k*step } // ascending: each record is appended
	for i := 0; i < n; i++ {
		u := t.logUserLocked(users[i%len(users)])
		app := apps[(i*7+i/len(users))%len(apps)]
		code := codes[i%len(codes)]
		t.appendSignInLocked(signInRec{at: next(), user: u, app: t.logAppLocked(app.AppID, app.DisplayName), res: graph,
			code: code, reason: reasons[code], place: uint8(i % len(signInPlaces))})
		if i%10 == 9 {
			t.appendSignInLocked(signInRec{at: next(), user: u, app: teams, res: graph, place: uint8(i % len(signInPlaces))})
		}
	}
}

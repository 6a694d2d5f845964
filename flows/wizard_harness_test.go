package flows

import (
	"consentwiz/graph/entra"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Test fixtures and a small fake tenant that answers the wizard's effects the way
// Graph would, so walks can check the tenant's end state as well as the effects.

const (
	wzTTenantID = "11111111-2222-3333-4444-555555555555"
	wzTDomain   = "contoso.com"
	wzTAppID    = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	wzTGraphSP  = "graph-sp-id"
	wzTOwned    = "ManagePermissionGrantsForOwnedResource.DeveloperConsent"
	wzTMailSelf = "ManagePermissionGrantsForSelf.microsoft-user-default-allow-consent-apps"
	wzTRelaxed  = "ManagePermissionGrantsForSelf.microsoft-user-default-recommended"
	wzTLow      = "ManagePermissionGrantsForSelf.microsoft-user-default-low"
)

var wzTNow = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)

// wzT is the test tenant as effects name it.
var wzT = TenantRef{ID: wzTTenantID, Cloud: "global"}

var (
	wzErr403 = &entra.APIError{Status: 403, Code: "Authorization_RequestDenied", Message: "Insufficient privileges"}
	wzErr429 = &entra.APIError{Status: 429, Code: "TooManyRequests", Message: "throttled"}
	wzErr500 = &entra.APIError{Status: 500, Code: "InternalServerError", Message: "boom"}

	wzErr409SP    = &entra.APIError{Status: 409, Code: "Request_MultipleObjectsWithSameKeyValue", Message: "The service principal cannot be created, updated, or restored because the service principal name " + wzTAppID + " is already in use."}
	wzErr409Grant = &entra.APIError{Status: 409, Code: "Request_MultipleObjectsWithSameKeyValue", Message: "Permission entry already exists."}
)

func wzTestApp() AppRef {
	return AppRef{ClientID: wzTAppID, DisplayName: "Calendar Sync", Scopes: []string{"User.Read", "Calendars.ReadWrite"}}
}

func wzTestCloud() entra.Cloud { return entra.Clouds["global"] }

func wzTestInput() WizardInput {
	return WizardInput{App: wzTestApp(), Tenant: wzTDomain, Now: wzTNow, Nonce: "n0nce"}
}

func wzTestDiagnosis(recommended FixID) Diagnosis {
	d := Diagnosis{
		Tenant:      TenantInfo{ID: wzTTenantID, Domain: wzTDomain, Cloud: entra.Clouds["global"]},
		App:         AppInfo{ClientID: wzTAppID, DisplayName: "Calendar Sync"},
		Scopes:      ScopeInfo{Requested: []string{"User.Read", "Calendars.ReadWrite"}, Missing: []string{"User.Read", "Calendars.ReadWrite"}},
		UserScreen:  ScreenNeedAdminApproval,
		Blocked:     true,
		Findings:    []Finding{{ID: FindingUserConsent, Severity: SeverityBlocker, Title: "User consent is off"}},
		Recommended: recommended,
		SignedInAs:  "ada@contoso.com",
	}
	for _, id := range AllFixes {
		d.Fixes = append(d.Fixes, FixOption{ID: id, Title: "Fix " + string(id), Viable: true, HasRole: true})
	}
	return d
}

// wzFakeTenant is the tenant's state as the wizard's effects change it.
type wzFakeTenant struct {
	policy    []string
	reqPolicy entra.AdminConsentRequestPolicy
	sp        *entra.ServicePrincipal
	grants    []entra.OAuth2PermissionGrant
	roles     []entra.AppRoleAssignment
	classes   []entra.DelegatedPermissionClassification
	requests  []entra.AppConsentRequest
	assigned  []entra.AppRoleAssignment // users and groups assigned to the app
	users     []entra.User              // the directory's users, as ReadUsers finds them
	usersErr  error                     // ReadUsers fails with this
	journal   map[string]JournalEntry
	nextID    int
	writes    int

	fail         map[WriteOp]error // write faults, consumed once
	lost         map[WriteOp]error // writes applied whose answer is this error (a lost answer), consumed once
	ignorePatch  bool              // PATCH user consent answers 204 and changes nothing
	ignorePut    bool              // PUT of the request policy answers 204 and changes nothing
	concurrent   []string          // set the policy to this after the first restore read (another admin)
	userConsents bool              // SimulateUser makes a Principal grant when user consent allows
	diag         Diagnosis
	inCloud      string // the national cloud the tenant lives in ("": global)
}

func wzNewTenant(rec FixID) *wzFakeTenant {
	return &wzFakeTenant{
		policy:  []string{wzTOwned, wzTMailSelf},
		journal: map[string]JournalEntry{},
		users:   []entra.User{{ID: "user-1", DisplayName: "Carol User", UserPrincipalName: "carol@contoso.com"}},
		diag:    wzTestDiagnosis(rec),
		fail:    map[WriteOp]error{},
		lost:    map[WriteOp]error{},
	}
}

// cloud is the tenant's cloud as the driver reports it: with its hosts.
func (ft *wzFakeTenant) cloud() entra.Cloud { return cloudNamed(ft.inCloud) }

func (ft *wzFakeTenant) clone() *wzFakeTenant {
	c := *ft
	c.policy = clone(ft.policy)
	c.reqPolicy.Reviewers = clone(ft.reqPolicy.Reviewers)
	if ft.sp != nil {
		sp := *ft.sp
		c.sp = &sp
	}
	c.grants = clone(ft.grants)
	c.roles = clone(ft.roles)
	c.classes = clone(ft.classes)
	c.requests = clone(ft.requests)
	c.assigned = clone(ft.assigned)
	c.journal = map[string]JournalEntry{}
	for k, v := range ft.journal {
		c.journal[k] = v
	}
	c.fail = map[WriteOp]error{}
	for k, v := range ft.fail {
		c.fail[k] = v
	}
	c.lost = map[WriteOp]error{}
	for k, v := range ft.lost {
		c.lost[k] = v
	}
	return &c
}

func (ft *wzFakeTenant) id(prefix string) string {
	ft.nextID++
	return prefix + "-" + strconv.Itoa(ft.nextID)
}

func (ft *wzFakeTenant) snapshot() *entra.TenantSnapshot {
	s := &entra.TenantSnapshot{
		TenantID:     wzTTenantID,
		Cloud:        "global",
		Organization: entra.Organization{ID: wzTTenantID, DisplayName: "Contoso"},
		Me:           entra.User{ID: "me-id", DisplayName: "Ada Admin", UserPrincipalName: "ada@contoso.com"},
		AuthorizationPolicy: entra.AuthorizationPolicy{ID: "authorizationPolicy", DefaultUserRolePermissions: entra.DefaultUserRolePermissions{
			PermissionGrantPoliciesAssigned: clone(ft.policy)}},
		ConsentRequestPolicy: ft.reqPolicy,
		AppGrants:            clone(ft.grants),
		AppRoleAssignments:   clone(ft.roles),
		GraphSP: entra.ServicePrincipal{ID: wzTGraphSP, AppID: entra.MicrosoftGraphAppID, OAuth2PermissionScopes: []entra.PermissionScope{
			{ID: "scope-user-read", Value: "User.Read", Type: "User", IsEnabled: true},
			{ID: "scope-cal-rw", Value: "Calendars.ReadWrite", Type: "User", IsEnabled: true},
			{ID: "scope-dir-read", Value: "Directory.Read.All", Type: "Admin", IsEnabled: true},
		}, AppRoles: []entra.AppRole{{ID: "role-cal-rw", Value: "Calendars.ReadWrite", AllowedMemberTypes: []string{"Application"}, IsEnabled: true}}},
		Classifications: clone(ft.classes),
		PendingRequests: clone(ft.requests),
		// The mail-client policy's includes, read with every snapshot: six mail apps only.
		PolicySets: []entra.ConsentPolicySets{{PolicyID: entra.PolicyMailClients, IncludesRead: true, Includes: []entra.PermissionGrantConditionSet{
			{PermissionType: "delegated", ResourceApplication: entra.MicrosoftGraphAppID, Permissions: []string{"scope-cal-rw"},
				ClientApplicationIDs: []string{"9e5f94bc-e8a4-4e73-b8be-63364c29d753"}}}}},
	}
	if ft.sp != nil {
		sp := *ft.sp
		s.App = &sp
	}
	return s
}

// mutatedBy reports whether respond(e) changes the tenant (the search clones
// the tenant only then).
func (ft *wzFakeTenant) mutatedBy(e Effect) bool {
	switch e.(type) {
	case ReadAuthorizationPolicy:
		return ft.concurrent != nil
	case WriteEffect, WriteJournal, ClearJournal, SimulateUser:
		return true
	}
	return false
}

// respond answers one effect as the driver would. ok is false for Finish.
func (ft *wzFakeTenant) respond(e Effect) (Event, bool) {
	switch w := e.(type) {
	case ResolveTenant:
		return TenantResolved{Info: TenantInfo{ID: wzTTenantID, Domain: wzTDomain, Cloud: ft.cloud()}}, true
	case SignIn:
		return SignedIn{Account: "ada@contoso.com", Scopes: w.Scopes}, true
	case FetchSnapshot:
		ev := SnapshotLoaded{Snap: ft.snapshot()}
		if w.Assignments {
			ev.Snap.AppAssignedTo = clone(ft.assigned)
		}
		if w.Diagnose {
			d := ft.diag
			ev.Diagnosis = &d
		}
		return ev, true
	case ReadAuthorizationPolicy:
		ev := PolicyRead{Policy: ft.snapshot().AuthorizationPolicy}
		if ft.concurrent != nil {
			ft.policy, ft.concurrent = ft.concurrent, nil
		}
		return ev, true
	case ReadConsentRequestPolicy:
		return ConsentPolicyRead{Policy: ft.reqPolicy}, true
	case WriteEffect:
		ft.writes++
		if err, ok := ft.fail[w.Op()]; ok {
			delete(ft.fail, w.Op())
			return WriteDone{Op: w.Op(), Err: err}, true
		}
		if err, ok := ft.lost[w.Op()]; ok {
			delete(ft.lost, w.Op())
			ft.apply(e)
			return WriteDone{Op: w.Op(), Err: err, Lost: err != nil}, true
		}
		if err := ft.exists(e); err != nil {
			return WriteDone{Op: w.Op(), Err: err}, true
		}
		return WriteDone{Op: w.Op(), ID: ft.apply(e)}, true
	case SearchReviewers:
		return ReviewersFound{Reviewers: []Reviewer{{Kind: ReviewerGroup, ID: "grp-1", Name: "IT Admins"}, {Kind: ReviewerUser, ID: "usr-2", Name: "Bob"}}}, true
	case OpenURL:
		return Opened{}, true
	case CopyText:
		return Copied{}, true
	case SaveFile:
		return Saved{Path: "/tmp/" + w.Name}, true
	case WriteJournal:
		ft.journal[w.Entry.ID] = w.Entry
		return JournalWritten{}, true
	case ClearJournal:
		delete(ft.journal, w.ID)
		return JournalCleared{}, true
	case Wait:
		return Tick{Seq: w.Seq, Now: wzTNow.Add(w.D)}, true
	case PollGrant, PollRequests:
		// Polls read part of the tenant, as graph.Client.PollApp and
		// PollRequests do (the runner reads both for PollRequests).
		full := ft.snapshot()
		snap := &entra.TenantSnapshot{TenantID: full.TenantID, Cloud: full.Cloud, App: full.App, AppGrants: full.AppGrants,
			AppRoleAssignments: full.AppRoleAssignments, Parts: clone(entra.AppParts), Errors: map[string]*entra.APIError{}}
		if _, ok := e.(PollRequests); ok {
			snap.PendingRequests = full.PendingRequests
			snap.Parts = append(snap.Parts, entra.RequestParts...)
		}
		return Polled{Snap: snap, Now: wzTNow.Add(time.Minute)}, true
	case CheckReviewer:
		// The signed-in admin holds Global Administrator; anyone else found holds no role.
		if w.Reviewer.ID == "me-id" {
			return ReviewerChecked{ID: w.Reviewer.ID, Roles: []string{entra.RoleGlobalAdmin}, Members: -1}, true
		}
		return ReviewerChecked{ID: w.Reviewer.ID, Members: 3}, true
	case ReadAssignments:
		var out []entra.AppRoleAssignment
		for _, a := range ft.assigned {
			out = append(out, a)
		}
		return AssignmentsRead{Assignments: out}, true
	case ReadUsers:
		if ft.usersErr != nil {
			return UsersRead{Err: ft.usersErr}, true
		}
		var out []entra.User
		for _, u := range ft.users {
			if containsFold(w.IDs, u.ID) {
				out = append(out, u)
			}
		}
		return UsersRead{Users: out}, true
	case SimulateUser:
		if ft.userConsents && ft.sp != nil || ft.userConsents && containsFold(ft.policy, wzTRelaxed) {
			ft.ensureSP()
			ft.grants = append(ft.grants, entra.OAuth2PermissionGrant{ID: ft.id("ugrant"), ClientID: ft.sp.ID, ConsentType: "Principal", PrincipalID: "user-1", ResourceID: wzTGraphSP, Scope: strings.Join(w.Scopes, " ")})
			return UserSimulated{Screen: ScreenConsentPrompt}, true
		}
		return UserSimulated{Screen: ScreenNeedAdminApproval}, true
	case Scan:
		return Scanned{Result: ft.scan(w)}, true
	case SearchApps:
		return AppsFound{Apps: ft.searchApps(w.Prefix)}, true
	case Finish:
		return nil, false
	}
	panic(fmt.Sprintf("no response for %T", e))
}

// exists is Graph's refusal of a create whose object exists already
// (docs/entra.md A5, A6), or nil.
func (ft *wzFakeTenant) exists(e Effect) error {
	switch w := e.(type) {
	case CreateServicePrincipal:
		if ft.sp != nil {
			return wzErr409SP
		}
	case CreateGrant:
		for _, g := range ft.grants {
			if g.ClientID == w.Grant.ClientID && g.ResourceID == w.Grant.ResourceID && g.ConsentType == w.Grant.ConsentType && g.PrincipalID == w.Grant.PrincipalID {
				return wzErr409Grant
			}
		}
	}
	return nil
}

func (ft *wzFakeTenant) ensureSP() {
	if ft.sp == nil {
		ft.sp = &entra.ServicePrincipal{ID: ft.id("sp"), AppID: wzTAppID, DisplayName: "Calendar Sync"}
	}
}

func (ft *wzFakeTenant) apply(e Effect) string {
	switch w := e.(type) {
	case PatchUserConsent:
		if !ft.ignorePatch {
			ft.policy = clone(w.Policies)
		}
	case PutConsentRequestPolicy:
		if !ft.ignorePut {
			ft.reqPolicy = w.Policy
		}
	case CreateServicePrincipal:
		ft.ensureSP()
		return ft.sp.ID
	case CreateGrant:
		g := w.Grant
		g.ID = ft.id("grant")
		ft.grants = append(ft.grants, g)
		return g.ID
	case UpdateGrantScope:
		for i := range ft.grants {
			if ft.grants[i].ID == w.GrantID {
				ft.grants[i].Scope = w.Scope
			}
		}
	case CreateAppRoleAssignment:
		a := w.Assignment
		a.ID = ft.id("ara")
		ft.roles = append(ft.roles, a)
		return a.ID
	case CreateClassification:
		c := w.Classification
		c.ID = ft.id("cls")
		ft.classes = append(ft.classes, c)
		return c.ID
	case AssignPrincipal:
		a := w.Assignment
		a.ID = ft.id("assign")
		a.PrincipalDisplayName, a.PrincipalType = w.Principal.Name, w.Principal.Kind
		ft.assigned = append(ft.assigned, a)
		return a.ID
	case DeleteObject:
		switch w.Object.Kind {
		case ObjectServicePrincipal:
			ft.sp = nil
		case ObjectGrant:
			ft.grants = wzRemoveWhere(ft.grants, func(g entra.OAuth2PermissionGrant) bool { return g.ID == w.Object.ID })
		case ObjectAppRoleAssignment:
			ft.roles = wzRemoveWhere(ft.roles, func(a entra.AppRoleAssignment) bool { return a.ID == w.Object.ID })
			ft.assigned = wzRemoveWhere(ft.assigned, func(a entra.AppRoleAssignment) bool { return a.ID == w.Object.ID })
		case ObjectClassification:
			ft.classes = wzRemoveWhere(ft.classes, func(c entra.DelegatedPermissionClassification) bool { return c.ID == w.Object.ID })
		}
	}
	return ""
}

func wzRemoveWhere[T any](l []T, f func(T) bool) []T {
	var out []T
	for _, x := range l {
		if !f(x) {
			out = append(out, x)
		}
	}
	return out
}

// userConsented is a user accepting the consent prompt themselves.
func (ft *wzFakeTenant) userConsented() {
	ft.ensureSP()
	ft.grants = append(ft.grants, entra.OAuth2PermissionGrant{ID: ft.id("ugrant"), ClientID: ft.sp.ID, ConsentType: "Principal", PrincipalID: "user-1", ResourceID: wzTGraphSP, Scope: "User.Read Calendars.ReadWrite"})
}

// adminApproves is the admin accepting the consent page in the browser.
func (ft *wzFakeTenant) adminApproves() {
	ft.ensureSP()
	ft.grants = append(ft.grants, entra.OAuth2PermissionGrant{ID: ft.id("grant"), ClientID: ft.sp.ID, ConsentType: "AllPrincipals", ResourceID: wzTGraphSP, Scope: "User.Read Calendars.ReadWrite"})
	ft.requests = nil
}

func (ft *wzFakeTenant) addRequest() {
	ft.requests = append(ft.requests, entra.AppConsentRequest{ID: "req-1", AppID: wzTAppID, AppDisplayName: "Calendar Sync",
		PendingScopes: []entra.ConsentRequestScope{{DisplayName: "User.Read"}, {DisplayName: "Calendars.ReadWrite"}},
		UserConsentRequests: []entra.UserConsentRequest{{ID: "ucr-1", Status: "InProgress", Reason: "I need my calendar synced",
			CreatedBy: entra.IdentitySet{User: &entra.Identity{ID: "user-1", DisplayName: "Carol User"}}, CreatedDateTime: "2026-03-04T09:00:00Z"}}})
}

// --- driving helpers -------------------------------------------------------------------------

// wzRun is a wizard under test with its fake tenant and the effects not yet answered.
type wzRun struct {
	t    *testing.T
	s    State
	ft   *wzFakeTenant
	last []Effect
	all  []Effect // every effect emitted, in order
}

func wzNewWiz(t *testing.T, in WizardInput, ft *wzFakeTenant) *wzRun {
	t.Helper()
	s, effs := Start(in)
	w := &wzRun{t: t, s: s, ft: ft, last: effs}
	w.all = append(w.all, effs...)
	return w
}

// send feeds one event and returns the effects.
func (w *wzRun) send(ev Event) []Effect {
	w.t.Helper()
	s, effs := Next(w.s, ev)
	w.s = s
	w.last = effs
	w.all = append(w.all, effs...)
	return effs
}

// answer answers the i-th effect of the last batch with the fake tenant.
func (w *wzRun) answer(i int) []Effect {
	w.t.Helper()
	if i >= len(w.last) {
		w.t.Fatalf("at %s: no effect %d to answer (last: %#v)", w.s.Step, i, w.last)
	}
	ev, ok := w.ft.respond(w.last[i])
	if !ok {
		w.t.Fatalf("at %s: effect %d is Finish", w.s.Step, i)
	}
	return w.send(ev)
}

// answerOnly answers the single effect of the last batch.
func (w *wzRun) answerOnly() []Effect {
	w.t.Helper()
	if len(w.last) != 1 {
		w.t.Fatalf("at %s: want exactly one effect, have %#v", w.s.Step, w.last)
	}
	return w.answer(0)
}

// expect checks the last effects exactly, and the step.
func (w *wzRun) expect(step StepID, want ...Effect) {
	w.t.Helper()
	if w.s.Step != step {
		w.t.Fatalf("step = %s, want %s (prompt %q: %s)", w.s.Step, step, w.s.Prompt.Title, w.s.Prompt.Body)
	}
	if len(want) == 0 && len(w.last) == 0 {
		return
	}
	if !reflect.DeepEqual(w.last, want) {
		w.t.Fatalf("at %s effects =\n  %#v\nwant\n  %#v", step, w.last, want)
	}
}

// toChooseFix walks start → app (given) → tenant → sign-in → diagnosis → the fix list.
func (w *wzRun) toChooseFix() {
	w.t.Helper()
	w.expect(StepTenantResolving, ResolveTenant{Input: wzTDomain})
	w.answerOnly()
	w.expect(StepSigningIn, SignIn{Tenant: wzT, Scopes: ReadScopes})
	w.answerOnly()
	w.expect(StepDiagnosing, FetchSnapshot{Tenant: wzT, AppID: wzTAppID, App: wzTestApp(), Diagnose: true})
	w.answerOnly()
	w.expect(StepChooseFix)
}

// finished returns the Finish outcome in the last effects.
func (w *wzRun) finished() Outcome {
	w.t.Helper()
	for _, e := range w.last {
		if f, ok := e.(Finish); ok {
			if w.s.Step != StepDone {
				w.t.Fatalf("Finish emitted but step is %s", w.s.Step)
			}
			return f.Outcome
		}
	}
	w.t.Fatalf("at %s: no Finish in %#v", w.s.Step, w.last)
	return Outcome{}
}

// drive answers effects with the fake tenant until Finish or no effects are left.
func (w *wzRun) drive(limit int) (Outcome, bool) {
	w.t.Helper()
	queue := clone(w.last)
	for i := 0; i < limit && len(queue) > 0; i++ {
		e := queue[0]
		queue = queue[1:]
		if f, ok := e.(Finish); ok {
			return f.Outcome, true
		}
		ev, _ := w.ft.respond(e)
		queue = append(queue, w.send(ev)...)
	}
	return Outcome{}, false
}

// driveRelaxed drives a relax run to its end: when a user connected, the
// wizard asks whether to grant for everyone (StepRelaxNext); this answers
// "Finish here".
func (w *wzRun) driveRelaxed(limit int) (Outcome, bool) {
	w.t.Helper()
	if o, ok := w.drive(limit); ok || w.s.Step != StepRelaxNext {
		return o, ok
	}
	if !strings.Contains(w.s.Prompt.Title, "connected; other users are still blocked") {
		w.t.Fatalf("relax-next prompt %q", w.s.Prompt.Title)
	}
	w.send(Chose{Key: KeyStop})
	return w.drive(limit)
}

func wzWritesIn(effs []Effect) []Effect {
	var out []Effect
	for _, e := range effs {
		if IsWrite(e) {
			out = append(out, e)
		}
	}
	return out
}

// confirm confirms a preview; when the fix re-reads the user-consent setting
// right before journaling it, the fake tenant answers that read too.
func (w *wzRun) confirm() []Effect {
	w.t.Helper()
	effs := w.send(Confirmed{})
	if w.s.Step == StepJournaling && len(effs) == 1 {
		if _, ok := effs[0].(ReadAuthorizationPolicy); !ok {
			return effs
		}
		return w.answerOnly()
	}
	return effs
}

// scan is what the fake tenant's sign-in logs and requests show: the app
// (Calendar Sync) stopped two users, and another app, Contoso CRM, one.
func (ft *wzFakeTenant) scan(w Scan) ScanResult {
	at := w.Since.Add(time.Hour).Format(time.RFC3339)
	fail := func(app, name, user string) entra.SignIn {
		return entra.SignIn{CreatedDateTime: at, AppID: app, AppDisplayName: name, UserID: user, UserPrincipalName: user + "@contoso.com",
			Status: &entra.SignInStatus{ErrorCode: 90094}}
	}
	return BuildScan(ScanInput{Tenant: w.Name, Now: wzTNow, Since: w.Since, SignIns: []entra.SignIn{
		fail(wzTAppID, "Calendar Sync", "u1"), fail(wzTAppID, "Calendar Sync", "u2"),
		fail(wzTOtherAppID, "Contoso CRM", "u3"),
	}})
}

// wzTOtherAppID is a second app of the fake tenant, with a name close to the first.
const wzTOtherAppID = "bbbbbbbb-cccc-dddd-eeee-ffffffffffff"

// searchApps lists the fake tenant's service principals starting with prefix.
func (ft *wzFakeTenant) searchApps(prefix string) []AppCandidate {
	var out []AppCandidate
	for _, c := range []AppCandidate{
		{ClientID: wzTAppID, DisplayName: "Calendar Sync", Source: AppFromTenant},
		{ClientID: wzTOtherAppID, DisplayName: "Calendar Sync Pro", Source: AppFromTenant},
	} {
		if strings.HasPrefix(strings.ToLower(c.DisplayName), strings.ToLower(prefix)) {
			out = append(out, c)
		}
	}
	return out
}

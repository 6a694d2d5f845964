package ui

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"consentwiz/flows"
	"consentwiz/graph"
	"consentwiz/graph/entra"
)

// A small in-memory tenant for UI tests: contoso.com, user consent off, the
// request workflow off, TrackerRMS new to the tenant; the Microsoft-managed
// policy excludes Calendars.ReadWrite, so relaxing user consent cannot help.

const (
	testTenantID = "9c3b4a71-dbf1-4d05-a8da-d8599cae63c1"
	testGraphSP  = "6a1b2c3d-0000-4000-8000-00000000aaaa"
	testAppSP    = "7b2c3d4e-0000-4000-8000-00000000bbbb"
	testAdmin    = "megan.bowen@contoso.com"
)

var testTime = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

func testApp() flows.AppRef {
	return flows.AppRef{
		ClientID:       "5353a3d2-8ca9-42d2-b567-ea399ccb5e38",
		DisplayName:    "TrackerRMS",
		Profile:        "TrackerRMS",
		Scopes:         []string{"User.Read", "offline_access", "Calendars.ReadWrite", "Mail.Send"},
		ConsentVersion: "v1",
		RedirectURIs:   []string{"https://ukevo.tracker-rms.com/Office365/CallBack"},
	}
}

func testInput() flows.WizardInput {
	return flows.WizardInput{
		Profiles: []flows.AppRef{testApp()},
		Now:      testTime,
		Nonce:    "n0nce",
	}
}

func testSnapshot() *entra.TenantSnapshot {
	scope := func(id, v string) entra.PermissionScope {
		return entra.PermissionScope{ID: id, Value: v, Type: "User", IsEnabled: true}
	}
	return &entra.TenantSnapshot{
		TenantID: testTenantID,
		Cloud:    "global",
		Organization: entra.Organization{ID: testTenantID, DisplayName: "Contoso",
			VerifiedDomains: []entra.VerifiedDomain{{Name: "contoso.com", IsDefault: true}}},
		Me:      entra.User{ID: "u-admin", DisplayName: "Megan Bowen", UserPrincipalName: testAdmin},
		MyRoles: []entra.DirectoryRole{{ID: "r1", DisplayName: "Global Administrator", RoleTemplateID: entra.RoleGlobalAdmin}},
		AuthorizationPolicy: entra.AuthorizationPolicy{ID: "authorizationPolicy",
			DefaultUserRolePermissions: entra.DefaultUserRolePermissions{PermissionGrantPoliciesAssigned: []string{}}},
		ConsentRequestPolicy: entra.AdminConsentRequestPolicy{RequestDurationInDays: 30},
		GraphSP: entra.ServicePrincipal{ID: testGraphSP, AppID: entra.MicrosoftGraphAppID, DisplayName: "Microsoft Graph",
			OAuth2PermissionScopes: []entra.PermissionScope{
				scope("e1fe6dd8-ba31-4d61-89e7-88639da4683d", "User.Read"),
				scope("7427e0e9-2fba-42fe-b0c0-848c9e6a8182", "offline_access"),
				scope("1ec239c2-d7c9-4623-a91a-a9775856bb36", "Calendars.ReadWrite"),
				scope("e383f46e-2787-4529-855e-0e479a3ffac0", "Mail.Send"),
			}},
		// Of the app's scopes, Microsoft's documented list excludes Calendars.ReadWrite
		// only (assets/managed_policy.json); Mail.Send is user-consentable.
		ManagedExcludes: []entra.PermissionGrantConditionSet{{
			PermissionType: "delegated", ResourceApplication: entra.MicrosoftGraphAppID,
			Permissions: []string{"1ec239c2-d7c9-4623-a91a-a9775856bb36"},
		}},
	}
}

// fakeEffects answers effects from the in-memory tenant and records them.
type fakeEffects struct {
	mu         sync.Mutex
	ran        []flows.Effect
	signIns    []flows.SignIn
	ctxs       []context.Context
	polls      int
	grantAfter int // PollGrant finds the grant from this poll on (1 = the first)
	deviceCode bool
	approved   chan struct{}
	demo       *fakeDemo
	// block makes FetchSnapshot wait for its context (to test cancellation).
	block bool
	// noClipboard: no system clipboard is reachable (a copy falls back to OSC 52).
	noClipboard bool
	// tweak changes the tenant every read returns.
	tweak func(*entra.TenantSnapshot)
	// userConsent is the user consent setting once a fix changed it.
	userConsent []string
}

// snapshot is the tenant as the fake reads it.
func (f *fakeEffects) snapshot() *entra.TenantSnapshot {
	s := testSnapshot()
	if f.tweak != nil {
		f.tweak(s)
	}
	return s
}

func newFake() *fakeEffects { return &fakeEffects{grantAfter: 2, approved: make(chan struct{})} }

func (f *fakeEffects) record(ctx context.Context, e flows.Effect) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ran = append(f.ran, e)
	f.ctxs = append(f.ctxs, ctx)
}

// effects returns the effects run so far.
func (f *fakeEffects) effects() []flows.Effect {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]flows.Effect(nil), f.ran...)
}

func (f *fakeEffects) Run(ctx context.Context, e flows.Effect) flows.Event {
	f.record(ctx, e)
	switch e := e.(type) {
	case flows.ResolveTenant:
		if strings.Contains(e.Input, "nope") {
			return flows.TenantResolved{Err: errors.New("no tenant answers for this domain")}
		}
		return flows.TenantResolved{Info: flows.TenantInfo{ID: testTenantID, Domain: "contoso.com", Cloud: entra.Clouds["global"]}}
	case flows.FetchSnapshot:
		if f.block {
			<-ctx.Done()
			return flows.SnapshotLoaded{Err: ctx.Err()}
		}
		snap := f.snapshot()
		ev := flows.SnapshotLoaded{Snap: snap}
		if e.Diagnose {
			d := flows.Diagnose(snap, e.App)
			ev.Diagnosis = &d
		}
		return ev
	case flows.PollGrant:
		f.mu.Lock()
		f.polls++
		n := f.polls
		f.mu.Unlock()
		snap := f.snapshot()
		if n >= f.grantAfter {
			snap.App = &entra.ServicePrincipal{ID: testAppSP, AppID: e.AppID, DisplayName: "TrackerRMS"}
			snap.AppGrants = []entra.OAuth2PermissionGrant{{ID: "g1", ClientID: testAppSP, ConsentType: "AllPrincipals",
				ResourceID: testGraphSP, Scope: "User.Read offline_access Calendars.ReadWrite Mail.Send"}}
		}
		return flows.Polled{Snap: snap, Now: testTime.Add(time.Duration(n) * 5 * time.Second)}
	case flows.OpenURL:
		return flows.Opened{}
	case flows.CopyText:
		if f.noClipboard {
			return flows.Copied{Err: errors.New("no clipboard utilities available")}
		}
		return flows.Copied{}
	case flows.CheckReviewer:
		return flows.ReviewerChecked{ID: e.Reviewer.ID, Members: -1}
	case flows.ReadAssignments:
		return flows.AssignmentsRead{}
	case flows.ReadUsers:
		var us []entra.User
		for _, id := range e.IDs {
			if id == "u-nestor" {
				us = append(us, entra.User{ID: id, DisplayName: "Nestor Wilke", UserPrincipalName: "nestor@contoso.com"})
			}
		}
		return flows.UsersRead{Users: us}
	case flows.SaveFile:
		return flows.Saved{Path: "/tmp/" + e.Name}
	case flows.ReadAuthorizationPolicy:
		p := f.snapshot().AuthorizationPolicy
		f.mu.Lock()
		if f.userConsent != nil {
			p.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned = f.userConsent
		}
		f.mu.Unlock()
		return flows.PolicyRead{Policy: p}
	case flows.PatchUserConsent:
		f.mu.Lock()
		f.userConsent = append([]string{}, e.Policies...)
		f.mu.Unlock()
		return flows.WriteDone{Op: e.Op()}
	case flows.WriteEffect:
		return flows.WriteDone{Op: e.Op()}
	case flows.Scan:
		return flows.Scanned{Result: flows.BuildScan(flows.ScanInput{Tenant: e.Name, Now: testTime, Since: e.Since, SignIns: testSignIns(e.Since)})}
	case flows.SearchApps:
		return flows.AppsFound{Apps: testSearch(e.Prefix)}
	case flows.WriteJournal:
		return flows.JournalWritten{}
	case flows.ClearJournal:
		return flows.JournalCleared{}
	}
	return nil
}

func (f *fakeEffects) StartSignIn(ctx context.Context, e flows.SignIn) (*PendingSignIn, error) {
	f.mu.Lock()
	f.signIns = append(f.signIns, e)
	f.ctxs = append(f.ctxs, ctx)
	f.mu.Unlock()
	ok := flows.SignedIn{Account: testAdmin, Scopes: e.Scopes}
	if !f.deviceCode {
		return &PendingSignIn{Wait: func(context.Context) flows.Event { return ok }}, nil
	}
	approved := f.approved
	return &PendingSignIn{
		Code: &graph.DeviceCodeInfo{UserCode: "GH7K2M9PL", VerificationURL: "https://microsoft.com/devicelogin",
			ExpiresOn: testTime.Add(15 * time.Minute)},
		URL: "https://microsoft.com/devicelogin",
		Wait: func(ctx context.Context) flows.Event {
			select {
			case <-approved:
				return ok
			case <-ctx.Done():
				return flows.SignedIn{Err: ctx.Err()}
			}
		},
	}, nil
}

func (f *fakeEffects) Demo() DemoControls {
	if f.demo == nil {
		return nil
	}
	return f.demo
}

// fakeDemo approves device codes by closing the fake's channel.
type fakeDemo struct {
	f        *fakeEffects
	codes    []string
	accepted []string
	once     sync.Once
}

func (d *fakeDemo) ApproveDeviceCode(code string) error {
	d.codes = append(d.codes, code)
	d.once.Do(func() { close(d.f.approved) })
	return nil
}
func (d *fakeDemo) AcceptAdminConsent(u string) error {
	d.accepted = append(d.accepted, u)
	d.f.mu.Lock()
	d.f.grantAfter = 0 // the next poll finds the grant
	d.f.mu.Unlock()
	return nil
}
func (d *fakeDemo) AdminUPN() string     { return testAdmin }
func (d *fakeDemo) TenantDomain() string { return "contoso.com" }
func (d *fakeDemo) Scenario() string     { return "locked-down" }

var _ Effects = (*fakeEffects)(nil)

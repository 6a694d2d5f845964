package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"consentwiz/flows"
	"consentwiz/graph/entra"
)

// signInErrFake fails every sign-in.
type signInErrFake struct{ *fakeEffects }

func (f signInErrFake) StartSignIn(context.Context, flows.SignIn) (*PendingSignIn, error) {
	return nil, errors.New("AADSTS50126: Error validating credentials due to invalid username or password")
}

// screens builds each screen kind; run with -update to rewrite the goldens
// under testdata/TestScreens/<screen>/<W>x<H>.golden.
// screenCase builds one screen for the goldens.
type screenCase struct {
	name    string
	present bool
	setup   func(d *driver)
	// in and fake change the input and the fake tenant before the model starts.
	in   func(in *flows.WizardInput)
	fake func(f *fakeEffects)
}

var screens = []screenCase{
	{"app-choice", false, func(d *driver) { d.drain() }, nil, nil},
	{"text-input-error", false, func(d *driver) {
		d.drain()
		d.press("1")
		d.typeText("contoso")
		d.press("enter")
	}, nil, nil},
	{"device-code", false, func(d *driver) {
		d.m.deps.Effects.(*fakeEffects).deviceCode = true
		d.drain()
		d.press("1")
		d.typeText("contoso.com")
		d.pressOnly("enter")
		d.drainUntil(func(m *Model) bool { return m.screen() == screenDeviceCode })
		d.queue = nil
	}, nil, nil},
	{"progress", false, func(d *driver) {
		d.m.deps.Effects.(*fakeEffects).block = true
		d.drain()
		d.press("1")
		d.typeText("contoso.com")
		d.pressOnly("enter")
		d.drainUntil(func(m *Model) bool { return m.state.Step == flows.StepDiagnosing })
		d.queue = nil
		d.m.stepSince = testTime.Add(-3 * time.Second)
	}, nil, nil},
	{"checklist", false, func(d *driver) { d.toChooseFix() }, nil, nil},
	{"link", false, func(d *driver) {
		d.toChooseFix()
		d.press("enter")
	}, nil, nil},
	{"preview-confirm", false, func(d *driver) {
		d.toChooseFix()
		d.press(itoa(d.optionNumber(flows.FixGrantDirect)))
	}, nil, nil},
	{"failed", false, func(d *driver) {
		d.m.deps.Effects = signInErrFake{d.m.deps.Effects.(*fakeEffects)}
		d.drain()
		d.press("1")
		d.typeText("contoso.com")
		d.press("enter")
	}, nil, nil},
	{"done", false, func(d *driver) {
		d.toChooseFix()
		d.press("enter", "d")
		d.press("d") // the second check finds the grant
	}, nil, nil},
	{"handoff", false, func(d *driver) { d.toHandoff() }, nil, nil},
	{"presenter-app-choice", true, func(d *driver) { d.drain() }, nil, nil},
	{"presenter-device-code", true, func(d *driver) {
		d.m.deps.Effects.(*fakeEffects).deviceCode = true
		d.drain()
		d.press("1")
		d.typeText("contoso.com")
		d.pressOnly("enter")
		d.drainUntil(func(m *Model) bool { return m.screen() == screenDeviceCode })
		d.queue = nil
	}, nil, nil},
	{"presenter-progress", true, func(d *driver) {
		d.m.deps.Effects.(*fakeEffects).block = true
		d.drain()
		d.press("1")
		d.typeText("contoso.com")
		d.pressOnly("enter")
		d.drainUntil(func(m *Model) bool { return m.state.Step == flows.StepDiagnosing })
		d.queue = nil
		d.m.stepSince = testTime.Add(-3 * time.Second)
	}, nil, nil},
	{"presenter-checklist", true, func(d *driver) { d.toChooseFix() }, nil, nil},
	{"presenter-preview", true, func(d *driver) {
		d.toChooseFix()
		d.press(itoa(d.optionNumber(flows.FixGrantDirect)))
	}, nil, nil},
	{"presenter-handoff", true, func(d *driver) { d.toHandoff() }, nil, nil},
	{"presenter-done", true, func(d *driver) {
		d.m.deps.Reports = ReportOptions{Dir: d.t.TempDir()}
		d.toChooseFix()
		d.press("enter", "d")
		d.press("d")
	}, nil, nil},
	{"presenter-link", true, func(d *driver) {
		d.toChooseFix()
		d.press("enter")
	}, nil, nil},
	// A Global Reader: every fix says, before it is chosen, the role it needs (ux review M1).
	{"checklist-reader", false, func(d *driver) { d.toChooseFix() }, nil, asReader},
	{"preview-no-role", false, func(d *driver) {
		d.toChooseFix()
		d.press(itoa(d.optionNumber(flows.FixGrantDirect)))
	}, nil, asReader},
	// What was handed over is on the result screen (ux review H7).
	{"handed-over", false, func(d *driver) {
		d.toChooseFix()
		d.press("enter", "s", "4")
	}, nil, func(f *fakeEffects) { f.grantAfter = 100 }},
	{"presenter-handed-over", true, func(d *driver) {
		d.toChooseFix()
		d.press("enter", "s", "4")
	}, nil, func(f *fakeEffects) { f.grantAfter = 100 }},
	// Nothing blocks: the checklist, not a dead end (ux review M8).
	{"nothing-to-fix", false, func(d *driver) { d.toChooseFix() }, nil, func(f *fakeEffects) {
		f.tweak = func(s *entra.TenantSnapshot) {
			s.App = &entra.ServicePrincipal{ID: testAppSP, AppID: testApp().ClientID, DisplayName: "TrackerRMS"}
			s.AppGrants = []entra.OAuth2PermissionGrant{{ID: "g1", ClientID: testAppSP, ConsentType: "AllPrincipals",
				ResourceID: testGraphSP, Scope: "User.Read offline_access Calendars.ReadWrite Mail.Send"}}
		}
	}},
	// A pending request, watched (ux review H6).
	{"request-show", false, func(d *driver) {
		d.toChooseFix()
		d.press(itoa(d.optionNumber(flows.FixRequestWorkflow)))
	}, nil, func(f *fakeEffects) { f.tweak = withRequest }},
	{"presenter-request-show", true, func(d *driver) {
		d.toChooseFix()
		d.press(itoa(d.optionNumber(flows.FixRequestWorkflow)))
	}, nil, func(f *fakeEffects) { f.tweak = withRequest }},
	// The restore offer labels the values and names the app (ux review M2).
	{"restore-offer", false, func(d *driver) { d.drain() }, func(in *flows.WizardInput) { in.Journal = []flows.JournalEntry{testJournalEntry()} }, nil},
	// A dry run's requests, whole (ux review, minor list).
	{"dry-run-done", false, func(d *driver) {
		d.toChooseFix()
		d.press(itoa(d.optionNumber(flows.FixGrantDirect)), "y")
	}, func(in *flows.WizardInput) { in.DryRun = true }, nil},
}

// asReader signs the fake in as a Global Reader.
func asReader(f *fakeEffects) {
	f.tweak = func(s *entra.TenantSnapshot) {
		s.MyRoles = []entra.DirectoryRole{{ID: "r2", DisplayName: "Global Reader", RoleTemplateID: entra.RoleGlobalReader}}
	}
}

// withRequest gives the fake tenant a pending request for TrackerRMS.
func withRequest(s *entra.TenantSnapshot) {
	s.PendingRequests = []entra.AppConsentRequest{{ID: "3f1c9a2e-0000-4000-8000-00000000c0de", AppID: testApp().ClientID, AppDisplayName: "TrackerRMS",
		PendingScopes: []entra.ConsentRequestScope{{DisplayName: "User.Read"}, {DisplayName: "Calendars.ReadWrite"}, {DisplayName: "Mail.Send"}},
		UserConsentRequests: []entra.UserConsentRequest{{ID: "u1", Status: "InProgress", Reason: "I need my calendar in TrackerRMS",
			CreatedBy: entra.IdentitySet{User: &entra.Identity{ID: "u-adele", DisplayName: "Adele Vance"}}, CreatedDateTime: "2026-03-14T08:02:00Z"}}}}
	s.ConsentRequestPolicy = entra.AdminConsentRequestPolicy{IsEnabled: true, RequestDurationInDays: 30,
		Reviewers: []entra.ReviewerScope{{Query: "/users/u-admin", QueryType: "MicrosoftGraph"}}}
}

// testJournalEntry is a relax-user-consent change left in the journal.
func testJournalEntry() flows.JournalEntry {
	return flows.JournalEntry{ID: testTenantID + "-1773475200", TenantID: testTenantID, TenantDomain: "contoso.com", Cloud: "global",
		Fix: flows.FixRelaxUserConsent, AppID: testApp().ClientID, What: flows.JournalWhat,
		Original: []string{}, Set: []string{"ManagePermissionGrantsForSelf.microsoft-user-default-recommended"},
		At: testTime.Add(-time.Hour), By: testAdmin}
}

func TestScreens(t *testing.T) {
	sizes := [][2]int{{80, 24}, {120, 40}}
	for _, sc := range screens {
		for _, sz := range sizes {
			t.Run(fmt.Sprintf("%s/%dx%d", sc.name, sz[0], sz[1]), func(t *testing.T) {
				f := newFake()
				if sc.fake != nil {
					sc.fake(f)
				}
				in := testInput()
				if sc.in != nil {
					sc.in(&in)
				}
				m := newTestModel(t, f, testModelOpts{w: sz[0], h: sz[1], present: sc.present, input: &in})
				d := newDriver(t, m)
				sc.setup(d)
				checkFrame(t, d, sz[0], sz[1])
				golden.RequireEqual(t, d.view())
			})
		}
	}
	t.Run("too-small/40x10", func(t *testing.T) {
		d := newDriver(t, newTestModel(t, newFake(), testModelOpts{w: 40, h: 10}))
		d.drain()
		checkFrame(t, d, 40, 10)
		golden.RequireEqual(t, d.view())
	})
}

// noColorScreens are golden-ed as a NO_COLOR terminal gets them: colours
// gone, bold and underline kept, and the OSC 8 hyperlinks around the
// program's own links.
var noColorScreens = []string{"link", "checklist-reader", "preview-no-role", "handed-over", "request-show", "restore-offer", "dry-run-done", "nothing-to-fix", "presenter-link"}

func TestScreensNoColor(t *testing.T) {
	for _, name := range noColorScreens {
		i := slices.IndexFunc(screens, func(sc screenCase) bool { return sc.name == name })
		if i < 0 {
			t.Fatalf("no screen %s", name)
		}
		sc := screens[i]
		t.Run(name, func(t *testing.T) {
			f := newFake()
			if sc.fake != nil {
				sc.fake(f)
			}
			in := testInput()
			if sc.in != nil {
				sc.in(&in)
			}
			m := newTestModel(t, f, testModelOpts{w: 80, h: 24, present: sc.present, input: &in})
			d := newDriver(t, m)
			sc.setup(d)
			var b strings.Builder
			w := &colorprofile.Writer{Forward: &b, Profile: colorprofile.ASCII}
			if _, err := w.WriteString(m.View().Content); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(b.String(), "\x1b[38;") || strings.Contains(b.String(), "\x1b[48;") {
				t.Fatal("a colour survived NO_COLOR")
			}
			golden.RequireEqual(t, b.String())
		})
	}
}

// checkFrame asserts the frame fits the terminal: no line wider than the
// width, no more lines than the height, and the key help on screen.
func checkFrame(t *testing.T, d *driver, w, h int) {
	t.Helper()
	lines := strings.Split(d.m.View().Content, "\n")
	if len(lines) > h {
		t.Errorf("%d lines on a %d-line terminal", len(lines), h)
	}
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			t.Errorf("line %d is %d wide on a %d-column terminal: %q", i+1, ansi.StringWidth(l), w, ansi.Strip(l))
		}
	}
	if w >= minWidth && h >= minHeight && !strings.Contains(d.view(), "ctrl+c") && !strings.Contains(d.view(), "quit") {
		t.Errorf("no key help on screen:\n%s", d.view())
	}
}

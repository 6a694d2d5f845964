package ui

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"consentwiz/flows"
	"consentwiz/graph/entra"
	"consentwiz/graph/sim"
)

// Benchmarks of start-up, rendering, the offline commands, `check` end to
// end against the simulated cloud, and `check --tenants` with 200 tenants.
// Run them with docs/bench.sh or `go test -run '^$' -bench . ./ui`.

// BenchmarkFirstFrame is the time to the wizard's first frame: build the root
// model (flows.Start, styles, keys) and render its first View at 120×40.
func BenchmarkFirstFrame(b *testing.B) {
	fx := newFake()
	b.ReportAllocs()
	for b.Loop() {
		m := NewModel(context.Background(), Deps{Effects: fx, Input: testInput(), Version: "bench"})
		m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
		if v := m.View(); v.Content == "" {
			b.Fatal("empty first frame")
		}
		m.cancelAll()
	}
}

// BenchmarkStartWithJournal is start-up with a journal of 0 and 1,000
// entries waiting (docs/performance.md): read and check the journal file,
// build the wizard's input and model, and render the first frame — which
// then offers the oldest entry for restore.
func BenchmarkStartWithJournal(b *testing.B) {
	for _, n := range []int{0, 1000} {
		b.Run(fmt.Sprintf("entries-%d", n), func(b *testing.B) {
			dir := b.TempDir()
			entries := make([]flows.JournalEntry, n)
			for i := range entries {
				entries[i] = journalEntry(fmt.Sprintf("t%04d-run-1", i), fmt.Sprintf("tenant-%04d", i), testTime.Add(-time.Duration(n-i)*time.Minute))
			}
			if n > 0 {
				if err := NewJournal(dir).save(entries); err != nil {
					b.Fatal(err)
				}
			}
			fx := newFake()
			b.ReportAllocs()
			for b.Loop() {
				j := NewJournal(dir)
				pending, err := j.Pending("")
				if err != nil || len(pending) != n {
					b.Fatalf("%d pending, %v", len(pending), err)
				}
				in := testInput()
				in.Journal = pending
				m := NewModel(context.Background(), Deps{Effects: fx, Input: in, Version: "bench"})
				m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
				if v := m.View(); v.Content == "" {
					b.Fatal("empty first frame")
				}
				m.cancelAll()
			}
		})
	}
}

// BenchmarkView renders one frame of each screen at 120×40.
func BenchmarkView(b *testing.B) {
	screens := []struct {
		name string
		make func(b *testing.B) *Model
	}{
		{"choose-app", func(b *testing.B) *Model {
			m := perfModel(b, newFake(), 120, 40)
			perfDrive(b, m, m.initCmds...)
			return m
		}},
		{"tenant-input", func(b *testing.B) *Model {
			m := perfModel(b, newFake(), 120, 40)
			perfDrive(b, m, m.initCmds...)
			perfPress(b, m, "1")
			return m
		}},
		{"checklist/small", func(b *testing.B) *Model { return perfChecklist(b, testSnapshot(), 120, 40) }},
		{"checklist/many-apps", func(b *testing.B) *Model { return perfChecklist(b, simSnapshot(b, "many-apps"), 120, 40) }},
		{"checklist/app-500-requests", func(b *testing.B) *Model { return perfChecklist(b, appHeavySnapshot(500), 120, 40) }},
	}
	for _, sc := range screens {
		b.Run(sc.name, func(b *testing.B) {
			m := sc.make(b)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				_ = m.View()
			}
		})
	}
}

// BenchmarkUpdateKey is one key press on the checklist (cursor down or up),
// and the same followed by the frame it causes.
func BenchmarkUpdateKey(b *testing.B) {
	for _, withView := range []bool{false, true} {
		name := "update"
		if withView {
			name = "update+view"
		}
		b.Run(name, func(b *testing.B) {
			m := perfChecklist(b, simSnapshot(b, "many-apps"), 120, 40)
			keys := []tea.KeyPressMsg{keyMsg("down"), keyMsg("up")}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				m.Update(keys[i&1])
				if withView {
					_ = m.View()
				}
				i++
			}
		})
	}
}

func benchIO() (IO, *bytes.Buffer) {
	var out bytes.Buffer
	return IO{In: strings.NewReader(""), Out: &out, Err: io.Discard, Getenv: func(string) string { return "" }}, &out
}

// BenchmarkExplain is `consentwiz explain AADSTS90094` in-process.
func BenchmarkExplain(b *testing.B) {
	stdio, out := benchIO()
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		if code := RunExplain([]string{"AADSTS90094"}, stdio); code != ExitOK || out.Len() == 0 {
			b.Fatalf("exit %d, output %q", code, out.String())
		}
	}
}

// BenchmarkLink is `consentwiz link --profile trackerrms --tenant GUID`
// in-process: a tenant id needs no discovery, so no network.
func BenchmarkLink(b *testing.B) {
	stdio, out := benchIO()
	cfg := Config{Cloud: entra.Clouds["global"]}
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		o := LinkOptions{AppFlags: AppFlags{Profile: "trackerrms", Tenant: testTenantID}}
		if code := RunLink(context.Background(), cfg, o, stdio); code != ExitOK || !strings.Contains(out.String(), "adminconsent") {
			b.Fatalf("exit %d, output %q", code, out.String())
		}
	}
}

// BenchmarkCheck is `consentwiz check --profile trackerrms --tenant
// contoso.com --json` end to end against the simulated cloud: tenant
// discovery, device-code sign-in (approved at once), the snapshot and the
// diagnosis, with Graph 0 or 100 ms away (the authority answers at once), in
// a small tenant and in many-apps (20,000 apps, and 20,000 users who
// consented to the app for themselves).
func BenchmarkCheck(b *testing.B) {
	for _, sc := range []string{"locked-down", "many-apps"} {
		for _, lat := range []time.Duration{0, 100 * time.Millisecond} {
			b.Run(fmt.Sprintf("%s/graph-latency-%dms", sc, lat.Milliseconds()), func(b *testing.B) {
				s, cfg := simCloud(b, sim.Options{Scenario: sc})
				s.SetFaults(sim.Faults{Latency: lat})
				stdio, out := benchIO()
				s.ResetStats()
				b.ReportAllocs()
				for b.Loop() {
					out.Reset()
					o := CheckOptions{AppFlags: AppFlags{Profile: "trackerrms", Tenant: s.Tenant().Domain()}, JSON: true}
					if code := RunCheck(context.Background(), cfg, o, stdio); code != ExitBlocked {
						b.Fatalf("exit %d, want %d", code, ExitBlocked)
					}
				}
				b.StopTimer()
				st := s.Stats()
				n := float64(b.N)
				b.ReportMetric(float64(st.RoundTrips)/n, "graph-roundtrips/op")
				b.ReportMetric(float64(st.GraphRequests)/n, "graph-requests/op")
				b.ReportMetric(float64(st.AuthorityRequests)/n, "authority-requests/op")
			})
		}
	}
}

// BenchmarkCheckMany is `check --tenants FILE --json` over 200 GDAP
// customers of the simulated msp scenario with one sign-in (an
// auto-approved device code at home, then each tenant's token silently),
// 8 (the default) or 32 at a time, and 40 tenants one at a time for
// reference. One op is the whole run, the sign-in included.
func BenchmarkCheckMany(b *testing.B) {
	for _, tc := range []struct {
		tenants, conc int
	}{{200, 8}, {200, 32}, {40, 1}} {
		b.Run(fmt.Sprintf("tenants-%d/concurrency-%d", tc.tenants, tc.conc), func(b *testing.B) {
			s, cfg := mspCloud(b, tc.tenants, false)
			file := writeTenants(b, customerDomains(s)...)
			s.ResetStats()
			b.ReportAllocs()
			for b.Loop() {
				code, stdout, _ := runMany(context.Background(), cfg, file, tc.conc)
				if code != ExitBlocked {
					b.Fatalf("exit %d", code)
				}
				if m := parseManyOut(b, stdout); m.summary.Tenants != tc.tenants || m.summary.Blocked != tc.tenants {
					b.Fatalf("summary %+v", m.summary)
				}
			}
			b.StopTimer()
			reportMany(b, s, tc.tenants)
		})
	}
}

// BenchmarkCheckManyThrottled is BenchmarkCheckMany's 200 tenants, 8 at
// once, with one tenant in ten throttled: its first snapshot answers 429 with
// Retry-After 2 s (Graph throttles per app and tenant). handed-back is
// check --tenants: the throttled tenants wait without a worker, so the run
// takes about one wait longer. waited-in-worker is the same run with the
// Graph client waiting out each Retry-After itself, holding its worker:
// 20 waits of 2 s over 8 workers.
func BenchmarkCheckManyThrottled(b *testing.B) {
	const tenants, conc, every, wait = 200, 8, 10, 2
	for _, tc := range []struct {
		name   string
		inline time.Duration
	}{{"handed-back", throttleInlineWait}, {"waited-in-worker", time.Minute}} {
		b.Run(tc.name, func(b *testing.B) {
			defer func(d time.Duration) { throttleInlineWait = d }(throttleInlineWait)
			throttleInlineWait = tc.inline
			s, cfg := mspCloud(b, tenants, false)
			file := writeTenants(b, customerDomains(s)...)
			s.ResetStats()
			b.ReportAllocs()
			for b.Loop() {
				for i, t := range s.MSP().Extra {
					if i%every == 0 {
						t.SetThrottle(13, wait) // the snapshot's 13 reads
					}
				}
				code, stdout, _ := runMany(context.Background(), cfg, file, conc)
				if m := parseManyOut(b, stdout); code != ExitBlocked || m.summary.Blocked != tenants {
					b.Fatalf("exit %d, summary %+v", code, m.summary)
				}
			}
			b.StopTimer()
			reportMany(b, s, tenants)
			b.ReportMetric(float64(s.Stats().Throttled)/float64(b.N), "throttled-reads/op")
		})
	}
}

func customerDomains(s *sim.Server) []string {
	var names []string
	for _, t := range s.MSP().Extra {
		names = append(names, t.Domain())
	}
	return names
}

func reportMany(b *testing.B, s *sim.Server, tenants int) {
	st := s.Stats()
	n := float64(b.N)
	perOp := b.Elapsed().Seconds() / n
	b.ReportMetric(float64(tenants)/perOp, "tenants/s")
	b.ReportMetric(float64(st.RoundTrips)/n/float64(tenants), "graph-roundtrips/tenant")
	b.ReportMetric(float64(st.TokenRequests)/n/float64(tenants), "token-requests/tenant")
}

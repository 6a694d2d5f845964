package flows

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// Sanitize with a max stops reading once the result must be cut; its result
// is still exactly the whole text sanitized and then cut to max runes.
func TestSanitizeCutMatchesWholeText(t *testing.T) {
	cut := func(s string, max int) string {
		if utf8.RuneCountInString(s) <= max {
			return s
		}
		return strings.TrimRight(string([]rune(s)[:max-1]), " ") + "…"
	}
	pieces := []string{"a", "é", "日本", "😀", " ", "\t\n", "\x1b[2J", "\x1b]52;c;abc\x07", "\u202e", "\u200b", "\xff", "\x9b31m", "\xc2\x9b", "x y"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		var sb strings.Builder
		for range rng.IntN(80) {
			sb.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := sb.String()
		for _, max := range []int{1, 2, 3, 5, 8, 13, 40} {
			if got, want := Sanitize(s, max), cut(Sanitize(s, 0), max); got != want {
				t.Fatalf("Sanitize(%q, %d) = %q, want %q", s, max, got, want)
			}
		}
	}
}

// BenchmarkSanitizeLong cuts a 1 MB string to 600 runes, as the TUI does
// with tenant text on every frame: the cost must not depend on the 1 MB.
func BenchmarkSanitizeLong(b *testing.B) {
	long := strings.Repeat("Megan Bowen asked for TrackerRMS. ", 1<<15)
	b.ReportAllocs()
	for b.Loop() {
		_ = Sanitize(long, 600)
	}
}

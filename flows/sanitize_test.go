package flows

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSanitize(t *testing.T) {
	tests := []struct {
		name, in string
		max      int
		want     string
	}{
		{"plain", "TrackerRMS", 0, "TrackerRMS"},
		{"CSI colour", "\x1b[31mred\x1b[0m", 0, "red"},
		{"CSI clear screen", "a\x1b[2Jb", 0, "ab"},
		{"OSC 8 hyperlink", "\x1b]8;;https://evil.example\x07click\x1b]8;;\x07", 0, "click"},
		{"OSC 52 clipboard ST", "x\x1b]52;c;ZXZpbA==\x1b\\y", 0, "xy"},
		{"OSC title", "\x1b]0;pwned\x07ok", 0, "ok"},
		{"DCS", "a\x1bPq#0;2;0;0;0\x1b\\b", 0, "ab"},
		{"APC PM SOS", "a\x1b_x\x1b\\b\x1b^y\x1b\\c\x1bXz\x1b\\d", 0, "abcd"},
		{"two-byte ESC", "a\x1bcb\x1b(Bc\x1b7d", 0, "abcd"},
		{"8-bit CSI UTF-8", "a\u009b31mb", 0, "ab"},
		{"8-bit OSC raw byte", "a\x9d0;t\x9cb", 0, "ab"},
		{"8-bit OSC UTF-8", "a\u009d0;t\u009cb", 0, "ab"},
		{"C0 and DEL", "a\x00b\x07c\x08d\x7fe", 0, "abcde"},
		{"newlines and tabs", "line1\r\n\tline2  \n", 0, "line1 line2"},
		{"bidi", "abc\u202edcba\u202c \u2066x\u2069 \u200fy", 0, "abcdcba x y"},
		{"zero width", "pay\u200bpal\u200d\ufeff\u2060", 0, "paypal"},
		{"tags", "a\U000E0041\U000E007Fb", 0, "ab"},
		{"invalid utf8", "a\xffb", 0, "a\ufffdb"},
		{"truncate", "abcdefghij", 5, "abcd…"},
		{"truncate exact", "abcde", 5, "abcde"},
		{"truncate runes", "ééééé", 3, "éé…"},
		{"truncate trims space", "ab cdef", 4, "ab…"},
		{"unterminated OSC", "a\x1b]0;forever", 0, "a"},
		{"unterminated CSI", "a\x1b[", 0, "a"},
		{"broken CSI", "a\x1b[31\nb", 0, "a b"},
		{"emoji kept", "ok 👍", 0, "ok 👍"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Sanitize(tc.in, tc.max); got != tc.want {
				t.Errorf("Sanitize(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
			}
		})
	}
}

func checkSanitized(t *testing.T, in, out string, max int) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("invalid UTF-8 from %q: %q", in, out)
	}
	if max > 0 && utf8.RuneCountInString(out) > max {
		t.Fatalf("too long: %d > %d", utf8.RuneCountInString(out), max)
	}
	if strings.HasPrefix(out, " ") || strings.HasSuffix(out, " ") || strings.Contains(out, "  ") {
		t.Fatalf("whitespace not collapsed: %q", out)
	}
	for _, r := range out {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || isInvisible(r) || (isSpaceLike(r) && r != ' ') {
			t.Fatalf("unsafe rune %U survived in %q (from %q)", r, out, in)
		}
	}
	if again := Sanitize(out, max); again != out {
		t.Fatalf("not idempotent: %q → %q", out, again)
	}
}

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"", "plain", "\x1b[31mred", "\x1b]8;;http://x\x07y\x1b]8;;\x07", "\x1b]52;c;AAAA\x1b\\", "\u202eevil", "a\u200bb",
		"\x9b2J", "\xc2\x9b2J", "line\nline", strings.Repeat("é", 100), "\x1bP\x1b\\", "\xff\xfe"} {
		f.Add(s, 10)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 0 || max > 1000 {
			max = 0
		}
		checkSanitized(t, s, Sanitize(s, max), max)
	})
}

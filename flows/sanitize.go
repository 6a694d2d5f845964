package flows

import (
	"math"
	"strings"
	"unicode/utf8"
)

// Sanitize makes untrusted text (from the tenant or pasted by a user) safe to
// show on a terminal. It removes terminal escape sequences (CSI, OSC including
// OSC 8 hyperlinks and OSC 52 clipboard writes, DCS, SOS, PM, APC, and two-byte
// ESC sequences, in their 7-bit and 8-bit forms), all other C0 and C1 control
// characters, bidirectional overrides and isolates, zero-width and invisible
// characters used for spoofing, and Unicode tag characters. Newlines, tabs and
// other whitespace collapse to single spaces and the result is trimmed.
// Invalid UTF-8 becomes U+FFFD. When max > 0 the result is cut to at most max
// runes, ending in "…" when cut.
func Sanitize(s string, max int) string {
	var b strings.Builder
	// A rune is at most 4 bytes: once the output holds 4*(max+1) bytes it has
	// more than max runes, is cut below, and the rest of s cannot change the
	// result. Stopping there bounds the work by max, not by len(s) (the TUI
	// sanitizes on every frame).
	stop, grow := math.MaxInt, len(s)
	if max > 0 {
		stop = 4 * (max + 1)
		grow = min(grow, stop)
	}
	b.Grow(grow)
	space := false // a space is pending
	for i := 0; i < len(s) && b.Len() < stop; {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			// Invalid byte: may be an 8-bit C1 control in a Latin-1 stream.
			c := s[i]
			if c >= 0x80 && c <= 0x9f {
				i = skipC1(s, i+1, rune(c))
				continue
			}
			i++
			writeRune(&b, utf8.RuneError, &space)
			continue
		}
		switch {
		case r == 0x1b: // ESC
			i = skipEscape(s, i+size)
			continue
		case r >= 0x80 && r <= 0x9f: // C1 control encoded as UTF-8
			i = skipC1(s, i+size, r)
			continue
		case isSpaceLike(r):
			space = true
		case r < 0x20 || r == 0x7f:
			// other C0 controls: dropped
		case isInvisible(r):
			// bidi controls, zero-width characters, tags: dropped
		default:
			writeRune(&b, r, &space)
		}
		i += size
	}
	out := b.String()
	if max > 0 && utf8.RuneCountInString(out) > max {
		rs := []rune(out)
		out = strings.TrimRight(string(rs[:max-1]), " ") + "…"
	}
	return out
}

func writeRune(b *strings.Builder, r rune, space *bool) {
	if *space && b.Len() > 0 {
		b.WriteByte(' ')
	}
	*space = false
	b.WriteRune(r)
}

func isSpaceLike(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\v', '\f', 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

// isInvisible reports characters that change how text is displayed or hide
// content: bidi controls, zero-width characters, invisible operators, soft
// hyphen, BOM, variation-free fillers and Unicode tags.
func isInvisible(r rune) bool {
	switch {
	case r == 0xad, r == 0x034f, r == 0x061c, r == 0x115f, r == 0x1160, r == 0x17b4, r == 0x17b5,
		r == 0x180e, r == 0x3164, r == 0xfeff, r == 0xffa0:
		return true
	case r >= 0x200b && r <= 0x200f: // ZWSP, ZWNJ, ZWJ, LRM, RLM
		return true
	case r >= 0x202a && r <= 0x202e: // LRE, RLE, PDF, LRO, RLO
		return true
	case r >= 0x2060 && r <= 0x206f: // word joiner, invisible operators, LRI..PDI, deprecated formats
		return true
	case r >= 0xfff9 && r <= 0xfffb: // interlinear annotations
		return true
	case r >= 0xe0000 && r <= 0xe007f: // tags
		return true
	}
	return false
}

// skipEscape skips an escape sequence whose ESC has been consumed; i points
// after the ESC. It returns the index after the sequence.
func skipEscape(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch s[i] {
	case '[': // CSI: parameters and intermediates, then a final byte 0x40–0x7e
		return skipCSI(s, i+1)
	case ']', 'P', 'X', '^', '_': // OSC, DCS, SOS, PM, APC: until ST (ESC \ or 0x9c) or BEL
		return skipString(s, i+1)
	default:
		// Two-byte sequence (ESC c, ESC 7, ESC ( B …): skip intermediates and the final byte.
		for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
			i++
		}
		if i < len(s) && s[i] >= 0x30 && s[i] <= 0x7e {
			i++
		}
		return i
	}
}

// skipC1 skips a C1 control r whose encoding ends just before i, and the
// sequence it introduces.
func skipC1(s string, i int, r rune) int {
	switch r {
	case 0x9b: // CSI
		return skipCSI(s, i)
	case 0x9d, 0x90, 0x98, 0x9e, 0x9f: // OSC, DCS, SOS, PM, APC
		return skipString(s, i)
	}
	return i
}

func skipCSI(s string, i int) int {
	for i < len(s) {
		c := s[i]
		switch {
		case c >= 0x20 && c <= 0x3f: // parameter and intermediate bytes
			i++
		case c >= 0x40 && c <= 0x7e: // final byte
			return i + 1
		default: // broken sequence: leave the byte to the caller
			return i
		}
	}
	return i
}

// skipString skips a control string up to and including its terminator:
// BEL, ESC \ or the 8-bit ST (0x9c, also as UTF-8 U+009C).
func skipString(s string, i int) int {
	for i < len(s) {
		switch {
		case s[i] == 0x07:
			return i + 1
		case s[i] == 0x1b:
			if i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
			return i + 1
		case s[i] == 0x9c:
			return i + 1
		case s[i] == 0xc2 && i+1 < len(s) && s[i+1] == 0x9c:
			return i + 2
		}
		i++
	}
	return i
}

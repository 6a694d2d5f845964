package flows

import "strings"

// Small string and slice helpers shared by the whole package.

func clone[T any](s []T) []T {
	if s == nil {
		return nil
	}
	return append([]T(nil), s...)
}

// cloneNonNil is clone that turns nil into an empty slice (JSON: [] not null).
func cloneNonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return clone(s)
}

// containsFold reports whether list holds v, ignoring case and the spaces
// around list entries (values from the tenant may carry them).
func containsFold(list []string, v string) bool {
	for _, x := range list {
		if strings.EqualFold(strings.TrimSpace(x), v) {
			return true
		}
	}
	return false
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// firstNonEmpty returns the first non-empty string, or "".
func firstNonEmpty(xs ...string) string {
	for _, x := range xs {
		if x != "" {
			return x
		}
	}
	return ""
}

// orDash is s, or "-" when it is empty.
func orDash(s string) string { return firstNonEmpty(s, "-") }

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func iff(c bool, a, b string) string {
	if c {
		return a
	}
	return b
}

func isAre(n int) string { return iff(n == 1, "is", "are") }

func itThem(n int) string { return iff(n == 1, "it", "them") }

// note appends extra to body as its own paragraph.
func note(body, extra string) string {
	if extra == "" {
		return body
	}
	if body == "" {
		return extra
	}
	return body + "\n\n" + extra
}

func lowerSet(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[strings.ToLower(x)] = true
	}
	return m
}

func appendUnique(xs []string, seen map[string]bool, x string) []string {
	if x == "" || seen[strings.ToLower(x)] {
		return xs
	}
	seen[strings.ToLower(x)] = true
	return append(xs, x)
}

func errText(err error) string {
	if err == nil {
		return "no data"
	}
	return err.Error()
}

// safeName turns a name into a file-name-safe lowercase slug (at most 40 bytes).
func safeName(n string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(n) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	out := strings.Trim(b.String(), "-")
	if out == "" {
		return "app"
	}
	if len(out) > 40 {
		out = out[:40]
	}
	return out
}

// firstLine is s up to its first line break.
func firstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}

package flows

import (
	"encoding/json"
	"html"
	"net/url"
	"regexp"
	"strings"
)

// This file turns what a person pasted back into plain text and whole URLs:
// mail-quote markers, escaped log lines, HTML entities, links broken over
// lines or spaces by a mail client or a document, and links wrapped by mail
// gateways (Outlook Safe Links, Proofpoint, Google redirects).

// unescapeText undoes the escaping of a copied log line or JSON string
// (literal \r\n, \n, \t, \", \u0027, \/) and HTML entities (&amp;, &quot;).
// Text without such escapes is returned unchanged.
func unescapeText(s string) string {
	if strings.Contains(s, `\`) && escapeRE.MatchString(s) {
		s = escapeRE.ReplaceAllStringFunc(s, func(m string) string {
			switch m {
			case `\r\n`, `\n`, `\r`:
				return "\n"
			case `\t`:
				return "\t"
			case `\"`:
				return `"`
			case `\/`:
				return "/"
			case `\\`:
				return `\`
			}
			var r string
			if err := json.Unmarshal([]byte(`"`+m+`"`), &r); err == nil {
				return r
			}
			return m
		})
	}
	if strings.Contains(s, "&") && htmlEntityRE.MatchString(s) {
		s = html.UnescapeString(s)
	}
	return s
}

var (
	escapeRE     = regexp.MustCompile(`\\r\\n|\\[nrt"/\\]|\\u[0-9a-fA-F]{4}`)
	htmlEntityRE = regexp.MustCompile(`&(?:amp|quot|apos|lt|gt|#39|#x27|#34);`)
	quotePrefix  = regexp.MustCompile(`(?m)^[ \t]*(?:(?:>|\|)[ \t]?)+`)
)

// stripQuotes removes e-mail quote markers ("> ", ">> ", "| ") at the start of lines.
func stripQuotes(s string) string {
	if !strings.ContainsAny(s, ">|") {
		return s
	}
	return quotePrefix.ReplaceAllString(s, "")
}

// urlStartRE finds where a URL starts in text: a scheme, or a bare Microsoft
// login host.
var urlStartRE = regexp.MustCompile(`(?i)\bhttps?://|(?:^|[\s"'(<\x60])(login\.(?:microsoftonline|microsoft|windows|live|partner\.microsoftonline|chinacloudapi)\.[a-z.]+/)`)

// isURLByte reports bytes that can be part of a URL as people paste it.
func isURLByte(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	case c >= 0x80: // non-ASCII (IDN hosts, paths): kept; the parser validates
		return true
	}
	return strings.IndexByte("-._~:/?#[]@!$&()*+,;=%{}|^", c) >= 0
}

// extractURLs finds the URLs in text and joins the parts a document or a
// mail client split: parameters on their own lines ("?client_id=…",
// "&scope=…"), scope lists written with literal spaces, and lines hard-wrapped
// in the middle of a long link. It returns each URL once, in order, and the
// text around them.
func extractURLs(text string) (urls []string, rest string) {
	seen := map[string]bool{}
	var b strings.Builder
	i := 0
	for i < len(text) && len(urls) < 8 {
		loc := urlStartRE.FindStringSubmatchIndex(text[i:])
		if loc == nil {
			break
		}
		start := i + loc[0]
		if loc[2] >= 0 {
			start = i + loc[2]
		}
		u, end := readURLAt(text, start)
		b.WriteString(text[i:start])
		b.WriteByte(' ')
		i = end
		if !strings.Contains(u, "://") {
			u = "https://" + u
		}
		if u = trimURL(u); u != "" && !seen[u] {
			seen[u] = true
			urls = append(urls, u)
		}
	}
	b.WriteString(text[i:])
	return urls, b.String()
}

// readURLAt reads the URL starting at text[start:], joining continuation
// pieces, and returns it with the index after it.
func readURLAt(text string, start int) (string, int) {
	j := urlEnd(text, start)
	var b strings.Builder
	b.WriteString(text[start:j])
	lineStart := strings.LastIndexByte(text[:start], '\n') + 1
	for steps := 0; steps < 64; steps++ {
		// the gap: spaces and at most one line break
		k, newlines := j, 0
		for k < len(text) && (text[k] == ' ' || text[k] == '\t' || text[k] == '\r' || text[k] == '\n') {
			if text[k] == '\n' {
				newlines++
			}
			k++
		}
		if k == j || k >= len(text) || newlines > 1 {
			break
		}
		e := urlEnd(text, k)
		next := text[k:e]
		if next == "" {
			break
		}
		cur := b.String()
		sep, ok := joinPiece(cur, next, newlines == 1 && j-lineStart >= 60 && lineIsOneToken(text, k, e))
		if !ok && newlines == 1 {
			ok = brokenAtLineEnd(cur, next, lineIsOneToken(text, k, e))
		}
		if !ok {
			ok = guidSplit(cur, next)
		}
		if !ok {
			break
		}
		b.WriteString(sep)
		b.WriteString(next)
		if newlines == 1 {
			lineStart = strings.LastIndexByte(text[:k], '\n') + 1
		}
		j = e
	}
	return b.String(), j
}

// urlEnd returns the end of the URL characters starting at i. A placeholder in
// angle brackets (<YOUR_TENANT_ID>, <app>) is part of a published link.
func urlEnd(text string, i int) int {
	for i < len(text) {
		if text[i] == '<' {
			if m := anglePlaceholderRE.FindString(text[i:]); m != "" {
				i += len(m)
				continue
			}
		}
		if !isURLByte(text[i]) {
			break
		}
		i++
	}
	return i
}

var anglePlaceholderRE = regexp.MustCompile(`^<[A-Za-z][A-Za-z0-9_\-]{0,40}>`)

// lineIsOneToken reports whether the token text[k:e] is all of its line.
func lineIsOneToken(text string, k, e int) bool {
	for e < len(text) && (text[e] == ' ' || text[e] == '\t' || text[e] == '\r') {
		e++
	}
	return e >= len(text) || text[e] == '\n'
}

// scopePieceRE matches one permission of a scope list written with spaces:
// Name.Name, a resource-qualified permission, or an OpenID Connect scope.
var scopePieceRE = regexp.MustCompile(`(?i)^(?:[a-z0-9_\-]+\.[a-z0-9_.\-]+|(?:https?|api)://[a-z0-9._\-:/]+|[0-9a-f\-]{36}/[a-z0-9._\-]+|openid|profile|email|offline_access)$`)

// joinPiece decides whether next continues the URL cur, and with which separator.
func joinPiece(cur, next string, hardWrap bool) (string, bool) {
	if urlStartRE.MatchString(next) && !strings.HasPrefix(next, "&") && !lastParamIs(cur, "scope") {
		return "", false
	}
	switch {
	case strings.HasSuffix(cur, "?") || strings.HasSuffix(cur, "&"):
		return "", strings.Contains(next, "=")
	case strings.HasPrefix(next, "&") && strings.Contains(cur, "?"),
		strings.HasPrefix(next, "?") && !strings.Contains(cur, "?"):
		return "", strings.Contains(next, "=")
	case lastParamIs(cur, "scope") && !strings.HasSuffix(cur, ".") && !strings.HasSuffix(cur, ","):
		head, _, _ := strings.Cut(next, "&")
		if scopePieceRE.MatchString(head) && !strings.Contains(head, "?") {
			if strings.HasSuffix(cur, "=") {
				return "", true
			}
			return "%20", true
		}
	case hardWrap && strings.ContainsAny(next, "%=&_") && strings.ContainsAny(cur, "?%"):
		return "", true
	}
	return "", false
}

// brokenAtLineEnd decides whether next, on the line after the URL cur,
// continues it: mail clients wrap a long link after a '-' (inside a client
// id), '&', '=', '?' or '/', and no link ends with those before a line
// break. A word that follows a link on the next line is not taken: after '/'
// the next piece must look like a path or a query (a '/', '?', '=', '&' or
// an inner '.'), after '=' like a value (a token alone on its line, or one
// with a digit or URL punctuation), after '?' or '&' like a parameter.
func brokenAtLineEnd(cur, next string, alone bool) bool {
	if cur == "" || next == "" || !strings.Contains(cur, "://") {
		return false
	}
	if startsURL(next) {
		// Another link starts on the next line, unless it is the value of
		// redirect_uri, which is a link itself.
		return strings.HasSuffix(cur, "=") && lastParamIs(cur, "redirect_uri")
	}
	switch cur[len(cur)-1] {
	case '-':
		c := next[0]
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
	case '?', '&':
		head, _, _ := strings.Cut(next, "&")
		return strings.Contains(head, "=") && !strings.HasPrefix(head, "=")
	case '=':
		return alone || strings.ContainsAny(trimURL(next), "0123456789&%-._~/")
	case '/':
		t := trimURL(next)
		return strings.ContainsAny(t, "/?=&") || strings.Contains(t, ".")
	}
	return false
}

// guidSplit reports whether cur ends in the first part of a GUID, up to one
// of its hyphens, and next completes it: a client id that a line break,
// turned into a space by a copy, split.
func guidSplit(cur, next string) bool {
	if !strings.HasSuffix(cur, "-") {
		return false
	}
	frag := cur[strings.LastIndexAny(cur, "=/")+1:]
	head := next
	if i := strings.IndexAny(head, "&/?#"); i >= 0 {
		head = head[:i]
	}
	return len(frag) > 1 && IsGUID(frag+head)
}

// startsURL reports whether s begins with a link: a scheme or a bare
// Microsoft login host.
func startsURL(s string) bool {
	loc := urlStartRE.FindStringIndex(s)
	return loc != nil && loc[0] == 0
}

// lastParamIs reports whether the last query parameter of u is name.
func lastParamIs(u, name string) bool {
	q := strings.IndexByte(u, '?')
	if q < 0 {
		return false
	}
	last := u[q+1:]
	if a := strings.LastIndexByte(last, '&'); a >= 0 {
		last = last[a+1:]
	}
	k, _, ok := strings.Cut(last, "=")
	return ok && strings.EqualFold(k, name)
}

// trimURL removes punctuation that ends a sentence or closes brackets around a URL.
func trimURL(u string) string {
	for {
		n := len(u)
		u = strings.TrimRight(u, ".,;:!?'\"*`")
		for _, p := range []struct{ open, close string }{{"(", ")"}, {"[", "]"}, {"{", "}"}} {
			if strings.HasSuffix(u, p.close) && strings.Count(u, p.open) < strings.Count(u, p.close) {
				u = u[:len(u)-1]
			}
		}
		if len(u) == n {
			return u
		}
	}
}

// unwrapURL removes mail-gateway and redirector wrappers around a link: Outlook
// Safe Links (?url=), Proofpoint URL Defense v2 (?u=) and v3 (/v3/__…__;),
// Google (/url?q=), and any other link whose url/u/q/target/redirect/dest
// parameter holds a Microsoft sign-in link. It returns the inner link and the
// names of the wrappers removed, outermost first.
func unwrapURL(s string) (string, []string) {
	var names []string
	for depth := 0; depth < 5; depth++ {
		inner, name := unwrapOnce(s)
		if inner == "" {
			break
		}
		names = append(names, name)
		s = inner
	}
	return s, names
}

func unwrapOnce(s string) (inner, name string) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "", ""
	}
	host := strings.ToLower(u.Hostname())
	if isLoginHost(host) {
		return "", ""
	}
	q := u.Query()
	switch {
	case strings.HasSuffix(host, ".safelinks.protection.outlook.com") || strings.HasSuffix(host, ".safelinks.protection.office365.us"):
		return httpOnly(q.Get("url")), "safelinks"
	case host == "urldefense.proofpoint.com" && strings.HasPrefix(u.Path, "/v2/url"):
		return httpOnly(proofpointV2(q.Get("u"))), "urldefense"
	case host == "urldefense.com" || host == "urldefense.proofpoint.com":
		if i := strings.Index(s, "/v3/__"); i >= 0 {
			rest := s[i+len("/v3/__"):]
			if j := strings.Index(rest, "__;"); j >= 0 {
				rest = rest[:j]
			}
			return httpOnly(rest), "urldefense"
		}
	case (host == "www.google.com" || host == "google.com") && u.Path == "/url":
		v := q.Get("q")
		if v == "" {
			v = q.Get("url")
		}
		return httpOnly(v), "google"
	}
	for _, k := range []string{"url", "u", "q", "target", "redirect", "dest", "destination", "link", "next"} {
		if v := httpOnly(q.Get(k)); v != "" {
			if iu, err := url.Parse(v); err == nil && isLoginHost(strings.ToLower(iu.Hostname())) {
				return v, host
			}
		}
	}
	return "", ""
}

// httpOnly returns v when it is an http(s) URL, else "".
func httpOnly(v string) string {
	v = strings.TrimSpace(v)
	l := strings.ToLower(v)
	if strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://") {
		return v
	}
	return ""
}

// proofpointV2 decodes Proofpoint URL Defense v2 encoding: "_" is "/", and
// "-XX" is the byte with hex code XX.
func proofpointV2(v string) string {
	v = strings.ReplaceAll(v, "_", "/")
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '-' && i+2 < len(v) && isHex(v[i+1]) && isHex(v[i+2]) {
			b.WriteByte(unhex(v[i+1])<<4 | unhex(v[i+2]))
			i += 2
			continue
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

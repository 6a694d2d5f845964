package flows

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file is a tiny document model shared by the hand-off and the support
// report: sections of paragraphs, lists, links, code and tables, rendered
// either as Markdown (untrusted text escaped) or as plain text (no colour,
// wrapped, every link on its own line, never broken).

// docWidth is the plain-text wrap width of the text that is copied or saved;
// screenDocWidth of the same text on the wizard's screen, which has less
// room (80 columns less its margins and a list's indent) and would wrap the
// 78-column lines a second time.
const (
	docWidth       = 78
	screenDocWidth = 72
)

// span is a piece of inline text.
type span struct {
	text  string
	style byte // 0 plain, 'b' bold, 'c' code
}

type (
	// bold text.
	bold string
	// code is inline code (a permission, an id, a command).
	code string
)

// spans turns strings, bold and code values into spans.
func spans(parts ...any) []span {
	out := make([]span, 0, len(parts))
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			out = append(out, span{text: v})
		case bold:
			out = append(out, span{text: string(v), style: 'b'})
		case code:
			out = append(out, span{text: string(v), style: 'c'})
		case []span:
			out = append(out, v...)
		case span:
			out = append(out, v)
		default:
			out = append(out, span{text: fmt.Sprint(v)})
		}
	}
	return out
}

type blockKind int

const (
	blockPara blockKind = iota
	blockBullets
	blockSteps
	blockLink
	blockCommand
	blockPre
	blockTable
)

type block struct {
	kind  blockKind
	items [][]span // para: one item; bullets and steps: one per item
	label []span   // link label
	url   string   // link
	text  string   // command, pre
	head  []string // table
	rows  [][]string
}

type section struct {
	title  string
	level  int // 2 or 3
	blocks []block
}

type doc struct {
	title    string
	sections []*section
}

func (d *doc) section(level int, title string) *section {
	s := &section{title: title, level: level}
	d.sections = append(d.sections, s)
	return s
}

func (s *section) para(parts ...any) {
	s.blocks = append(s.blocks, block{kind: blockPara, items: [][]span{spans(parts...)}})
}

func (s *section) bullets(items ...[]span) {
	if len(items) > 0 {
		s.blocks = append(s.blocks, block{kind: blockBullets, items: items})
	}
}

func (s *section) steps(items ...[]span) {
	if len(items) > 0 {
		s.blocks = append(s.blocks, block{kind: blockSteps, items: items})
	}
}

func (s *section) link(url string, label ...any) {
	if url != "" {
		s.blocks = append(s.blocks, block{kind: blockLink, label: spans(label...), url: url})
	}
}

func (s *section) command(c string) {
	s.blocks = append(s.blocks, block{kind: blockCommand, text: c})
}

func (s *section) pre(t string) {
	s.blocks = append(s.blocks, block{kind: blockPre, text: t})
}

func (s *section) table(head []string, rows [][]string) {
	if len(rows) > 0 {
		s.blocks = append(s.blocks, block{kind: blockTable, head: head, rows: rows})
	}
}

// ---- Markdown ----

// mdEscape escapes text for Markdown so untrusted strings cannot add links,
// HTML, emphasis or table cells.
func mdEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '[', ']', '<', '|', '~':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// mdLineStart escapes a character at the start of a line that Markdown would
// read as a heading, quote, list or rule.
func mdLineStart(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '#', '>', '-', '+', '=':
		return "\\" + s
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i > 0 && i < len(s) && (s[i] == '.' || s[i] == ')') {
		return s[:i] + "\\" + s[i:]
	}
	return s
}

func mdCode(s string) string {
	s = strings.ReplaceAll(s, "`", "'")
	if s == "" {
		return ""
	}
	return "`" + s + "`"
}

func mdSpans(ss []span) string {
	var b strings.Builder
	for _, s := range ss {
		switch s.style {
		case 'b':
			if t := strings.TrimSpace(s.text); t != "" {
				b.WriteString("**" + mdEscape(t) + "**")
			}
		case 'c':
			b.WriteString(mdCode(s.text))
		default:
			b.WriteString(mdEscape(s.text))
		}
	}
	return mdLineStart(b.String())
}

// mdFence returns a backtick fence longer than any backtick run in t.
func mdFence(t string) string {
	longest, run := 0, 0
	for _, r := range t {
		if r == '`' {
			run++
			if run > longest {
				longest = run
			}
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

func (d *doc) markdown() string {
	var b strings.Builder
	b.WriteString("# " + mdEscape(d.title) + "\n")
	for _, s := range d.sections {
		b.WriteString("\n" + strings.Repeat("#", s.level) + " " + mdEscape(s.title) + "\n")
		for _, bl := range s.blocks {
			b.WriteString("\n")
			switch bl.kind {
			case blockPara:
				b.WriteString(mdSpans(bl.items[0]) + "\n")
			case blockBullets:
				for _, it := range bl.items {
					b.WriteString("- " + mdSpans(it) + "\n")
				}
			case blockSteps:
				for i, it := range bl.items {
					fmt.Fprintf(&b, "%d. %s\n", i+1, mdSpans(it))
				}
			case blockLink:
				if len(bl.label) > 0 {
					b.WriteString(mdSpans(bl.label) + "\n")
				}
				b.WriteString("<" + strings.NewReplacer("<", "%3C", ">", "%3E", " ", "%20").Replace(bl.url) + ">\n")
			case blockCommand:
				f := mdFence(bl.text)
				b.WriteString(f + "sh\n" + bl.text + "\n" + f + "\n")
			case blockPre:
				f := mdFence(bl.text)
				b.WriteString(f + "\n" + strings.TrimRight(bl.text, "\n") + "\n" + f + "\n")
			case blockTable:
				b.WriteString("| " + strings.Join(escapeAll(bl.head), " | ") + " |\n")
				b.WriteString("|" + strings.Repeat(" --- |", len(bl.head)) + "\n")
				for _, r := range bl.rows {
					cells := escapeAll(r)
					for len(cells) < len(bl.head) {
						cells = append(cells, "")
					}
					for i, c := range cells {
						if c == "" {
							cells[i] = " "
						}
					}
					b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
				}
			}
		}
	}
	return b.String()
}

func escapeAll(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = mdEscape(x)
	}
	return out
}

// ---- plain text ----

func textSpans(ss []span) string {
	var b strings.Builder
	for _, s := range ss {
		b.WriteString(s.text)
	}
	return b.String()
}

// wrap breaks s into lines of at most width runes after the prefix; the
// first line starts with first, the others with indent. Words longer than
// the width (URLs) stay whole on their own line.
func wrap(s, first, indent string, width int) string {
	var b strings.Builder
	wrapTo(&b, s, first, indent, width)
	return b.String()
}

// wrapTo is wrap writing to b (no string per line or word: the documents are
// rendered on every frame of the hand-off screen).
func wrapTo(b *strings.Builder, s, first, indent string, width int) {
	words := false
	n := utf8.RuneCountInString(first)
	start := true
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			i += size
			continue
		}
		j := i + size
		wl := 1
		for j < len(s) {
			r, size := utf8.DecodeRuneInString(s[j:])
			if unicode.IsSpace(r) {
				break
			}
			j += size
			wl++
		}
		if !words {
			b.WriteString(first)
			words = true
		}
		if !start && n+1+wl > width {
			b.WriteByte('\n')
			b.WriteString(indent)
			n, start = utf8.RuneCountInString(indent), true
		}
		if !start {
			b.WriteByte(' ')
			n++
		}
		b.WriteString(s[i:j])
		n += wl
		start = false
		i = j
	}
	if !words {
		b.WriteString(strings.TrimRight(first, " "))
	}
	b.WriteByte('\n')
}

func (d *doc) text() string { return d.textAt(docWidth) }

// textAt is the plain text wrapped to width: docWidth for the text that is
// copied, and screenDocWidth for the text the wizard shows (handoff_step.go).
func (d *doc) textAt(width int) string {
	var b strings.Builder
	title := wrap(d.title, "", "", width)
	b.WriteString(title)
	b.WriteString(strings.Repeat("=", min(width, longestLine(title))) + "\n")
	for _, s := range d.sections {
		under := "-"
		if s.level > 2 {
			under = "~"
		}
		title := wrap(s.title, "", "", width)
		b.WriteString("\n")
		b.WriteString(title)
		b.WriteString(strings.Repeat(under, min(width, longestLine(title))) + "\n")
		for _, bl := range s.blocks {
			b.WriteString("\n")
			switch bl.kind {
			case blockPara:
				wrapTo(&b, textSpans(bl.items[0]), "", "", width)
			case blockBullets:
				for _, it := range bl.items {
					wrapTo(&b, textSpans(it), "  - ", "    ", width)
				}
			case blockSteps:
				w := len(fmt.Sprint(len(bl.items)))
				for i, it := range bl.items {
					num := fmt.Sprintf("  %*d. ", w, i+1)
					wrapTo(&b, textSpans(it), num, strings.Repeat(" ", len(num)), width)
				}
			case blockLink:
				if len(bl.label) > 0 {
					wrapTo(&b, textSpans(bl.label), "", "", width)
				}
				b.WriteString("  " + bl.url + "\n")
			case blockCommand:
				b.WriteString("    " + bl.text + "\n")
			case blockPre:
				for _, l := range strings.Split(strings.TrimRight(bl.text, "\n"), "\n") {
					b.WriteString(strings.TrimRight("  "+l, " ") + "\n")
				}
			case blockTable:
				b.WriteString(textTable(bl.head, bl.rows, width))
			}
		}
	}
	return b.String()
}

func longestLine(s string) int {
	n := 0
	for _, l := range strings.Split(s, "\n") {
		n = max(n, utf8.RuneCountInString(l))
	}
	return n
}

// textTable renders rows as aligned columns; when that is too wide for the
// page, each row becomes a bullet: "first (second): the rest".
func textTable(head []string, rows [][]string, width int) string {
	widths := make([]int, len(head))
	for i, h := range head {
		widths[i] = utf8.RuneCountInString(h)
	}
	for _, r := range rows {
		for i := 0; i < len(r) && i < len(widths); i++ {
			widths[i] = max(widths[i], utf8.RuneCountInString(r[i]))
		}
	}
	total := 2
	for _, w := range widths {
		total += w + 2
	}
	var b strings.Builder
	if total <= width {
		line := func(cells []string) {
			l := " "
			for i := range widths {
				c := ""
				if i < len(cells) {
					c = cells[i]
				}
				l += " " + c + strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)) + " "
			}
			b.WriteString(strings.TrimRight(l, " ") + "\n")
		}
		line(head)
		seps := make([]string, len(widths))
		for i, w := range widths {
			seps[i] = strings.Repeat("-", w)
		}
		line(seps)
		for _, r := range rows {
			line(r)
		}
		return b.String()
	}
	for _, r := range rows {
		if len(r) == 0 {
			continue
		}
		line := r[0]
		if len(r) > 1 && r[1] != "" {
			line += " (" + r[1] + ")"
		}
		var rest []string
		for _, c := range r[min(2, len(r)):] {
			if c != "" {
				rest = append(rest, c)
			}
		}
		if len(rest) > 0 {
			line += ": " + strings.Join(rest, "; ")
		}
		wrapTo(&b, line, "  - ", "    ", width)
	}
	return b.String()
}

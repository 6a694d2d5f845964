package ui

import (
	"charm.land/bubbles/v2/key"

	"consentwiz/flows"
)

// keyMap holds every binding of the TUI. Which ones are live depends on the
// screen: syncKeys enables exactly the keys that do something there, so the
// help line is always truthful.
type keyMap struct {
	Up, Down    key.Binding
	Move        key.Binding // ↑/↓ in the short help only
	Select      key.Binding // enter (its help text depends on the screen)
	Pick        key.Binding // 1-9
	Back        key.Binding
	Done        key.Binding // d: Prompt.DoneLabel
	Open        key.Binding // o: open the selected link
	Copy        key.Binding // c: copy the selected link
	Save        key.Binding // s: save the link (or the hand-off) to a file
	Accept      key.Binding // a: demo, the simulated admin accepts the consent page
	NextLink    key.Binding // tab: select the next link
	CopyCode    key.Binding // c: copy the device code
	Approve     key.Binding // a: demo, approve the device code here
	Handoff     key.Binding // h: sign-in screen, make a hand-off instead
	Report      key.Binding // r: save a support report
	PageUp      key.Binding
	PageDown    key.Binding
	Help        key.Binding
	Cancel      key.Binding // ctrl+c
	Quit        key.Binding // finished: leave
	AnyContinue key.Binding // info screens: any key (help only)
}

func defaultKeyMap() keyMap {
	return keyMap{
		Up:          key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:        key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Move:        key.NewBinding(key.WithKeys("up", "down", "k", "j"), key.WithHelp("↑/↓", "move")),
		Select:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "choose")),
		Pick:        key.NewBinding(key.WithKeys("1", "2", "3", "4", "5", "6", "7", "8", "9"), key.WithHelp("1-9", "pick")),
		Back:        key.NewBinding(key.WithKeys("esc", "b"), key.WithHelp("esc/b", "back")),
		Done:        key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "done")),
		Open:        key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "open link")),
		Copy:        key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy link")),
		Save:        key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "save to a file")),
		Accept:      key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "accept as the demo admin")),
		NextLink:    key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next link")),
		CopyCode:    key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy code")),
		Approve:     key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "approve here (demo)")),
		Handoff:     key.NewBinding(key.WithKeys("h"), key.WithHelp("h", "hand-off instead")),
		Report:      key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "save a support report")),
		PageUp:      key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "scroll up")),
		PageDown:    key.NewBinding(key.WithKeys("pgdown", "space"), key.WithHelp("pgdn", "scroll down")),
		Help:        key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "more keys")),
		Cancel:      key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "cancel")),
		Quit:        key.NewBinding(key.WithKeys("enter", "q", "esc"), key.WithHelp("enter/q", "quit")),
		AnyContinue: key.NewBinding(key.WithKeys("enter"), key.WithHelp("any key", "continue")),
	}
}

// screenKind is what the keys act on: the generic prompt kinds plus the
// screens the TUI adds around them.
type screenKind int

const (
	screenPrompt     screenKind = iota // the current flows.Prompt
	screenDeviceCode                   // a device code sign-in is waiting
	screenFinished                     // Finish arrived: any key quits
	screenTooSmall
)

// syncKeys enables the bindings that do something on the current screen and
// sets their help text. It runs after every state change and resize.
func (m *Model) syncKeys() {
	k := &m.keys
	all := []*key.Binding{&k.Up, &k.Down, &k.Move, &k.Select, &k.Pick, &k.Back, &k.Done, &k.Open, &k.Copy, &k.Save, &k.Accept,
		&k.NextLink, &k.CopyCode, &k.Approve, &k.Handoff, &k.Report, &k.PageUp, &k.PageDown, &k.Help, &k.Quit, &k.AnyContinue}
	for _, b := range all {
		b.SetEnabled(false)
	}
	k.Cancel.SetEnabled(true)
	k.Cancel.SetHelp("ctrl+c", "cancel")
	if m.cancelled {
		k.Cancel.SetHelp("ctrl+c", "quit now")
	}
	k.Help.SetEnabled(true)
	k.PageDown.SetKeys("pgdown", "space")
	k.PageDown.SetHelp("pgdn", "scroll down")
	k.Up.SetHelp("↑/k", "up")
	k.Down.SetHelp("↓/j", "down")
	k.Move.SetHelp("↑/↓", "move")
	m.input.SetWidth(max(10, m.innerWidth()-4))
	m.syncPromptKeys()
	if m.screen() == screenTooSmall {
		return
	}
	// Paging keys exist only when the content does not fit.
	k.PageUp.SetEnabled(true)
	k.PageDown.SetEnabled(true)
	l := m.layout()
	m.overflow = len(l.content) > l.avail
	if m.linesScroll() {
		// No option cursor here: ↑ and ↓ scroll a line.
		k.Up.SetEnabled(true)
		k.Down.SetEnabled(true)
		k.Move.SetEnabled(true)
		k.Up.SetHelp("↑/k", "scroll up a line")
		k.Down.SetHelp("↓/j", "scroll down a line")
		k.Move.SetHelp("↑/↓", "scroll")
		if m.screen() == screenFinished {
			k.Quit.SetHelp("any other key", "quit")
		}
	}
	// The frame as it will be drawn, with this help (its height is the
	// same at every scroll position: footerHeight).
	l = m.layout()
	m.scroll = clampStart(l.content, l.avail, m.scroll)
	k.PageUp.SetEnabled(m.overflow && m.scroll > 0)
	k.PageDown.SetEnabled(m.overflow)
	m.atEnd = m.scroll >= lastStart(l.content, l.avail)
}

func (m *Model) syncPromptKeys() {
	k := &m.keys
	p := m.state.Prompt
	switch m.screen() {
	case screenTooSmall:
		k.Help.SetEnabled(false)
		k.PageUp.SetEnabled(false)
		k.PageDown.SetEnabled(false)
		return
	case screenFinished:
		k.Quit.SetEnabled(true)
		k.Quit.SetHelp("any key", "quit")
		k.Cancel.SetEnabled(false)
		k.Help.SetEnabled(false)
		k.Report.SetEnabled(m.canReport())
		if m.canReport() {
			k.Quit.SetHelp("any other key", "quit")
		}
		return
	case screenDeviceCode:
		k.Select.SetEnabled(!m.deps.NoBrowser)
		k.Select.SetKeys("enter", "o")
		k.Select.SetHelp("enter", "open the page")
		k.CopyCode.SetEnabled(true)
		k.Approve.SetEnabled(m.deps.Effects != nil && m.deps.Effects.Demo() != nil)
		k.Handoff.SetEnabled(m.optionIndex(flows.KeyHandoff) >= 0)
		k.Back.SetEnabled(true)
		k.Back.SetKeys("esc")
		k.Back.SetHelp("esc", "cancel sign-in")
		return
	}

	hasOpts := len(p.Options) > 0
	k.Back.SetEnabled(p.CanBack)
	k.Back.SetKeys("esc", "b")
	k.Back.SetHelp("esc", "back")
	k.Select.SetKeys("enter")
	if hasOpts {
		k.Up.SetEnabled(len(p.Options) > 1)
		k.Down.SetEnabled(len(p.Options) > 1)
		k.Move.SetEnabled(len(p.Options) > 1)
		k.Select.SetEnabled(true)
		k.Select.SetHelp("enter", "choose")
		k.Pick.SetEnabled(true)
		k.Pick.SetHelp("1-"+itoa(min(9, len(p.Options))), "pick")
		if len(p.Options) == 1 {
			k.Pick.SetHelp("1", "pick")
		}
	}
	if len(p.Links) > 0 && p.Kind != flows.PromptInput {
		k.Open.SetEnabled(m.optionIndex(flows.KeyOpen) >= 0 || !m.deps.NoBrowser)
		k.Copy.SetEnabled(true)
		k.NextLink.SetEnabled(len(p.Links) > 1)
		k.Accept.SetEnabled(m.demoLink() != "")
	}
	if p.Kind != flows.PromptInput && m.optionIndex(flows.KeySave) >= 0 {
		k.Save.SetEnabled(true)
	}
	if p.CanDone && p.Kind != flows.PromptInput {
		k.Done.SetEnabled(true)
		label := p.DoneLabel
		if label == "" {
			label = "done"
		}
		k.Done.SetHelp("d", m.clean(label, 60))
	}
	k.Report.SetEnabled(p.Kind != flows.PromptInput && m.canReport())
	switch p.Kind {
	case flows.PromptInfo:
		k.AnyContinue.SetEnabled(true)
		k.Select.SetEnabled(false)
	case flows.PromptConfirm:
		k.Select.SetEnabled(true)
		k.Select.SetKeys("enter", "y")
		k.Select.SetHelp("enter/y", "confirm")
	case flows.PromptInput:
		k.Select.SetEnabled(true)
		k.Select.SetHelp("enter", "submit")
		k.Back.SetKeys("esc")
		k.Back.SetHelp("esc", "back")
		// Letters and digits are text here.
		k.Help.SetEnabled(false)
		k.Pick.SetEnabled(false)
		k.Up.SetEnabled(false)
		k.Down.SetEnabled(false)
		k.Move.SetEnabled(false)
		k.PageDown.SetKeys("pgdown")
		k.PageDown.SetHelp("pgdn", "scroll down")
	case flows.PromptDone, flows.PromptFailed:
		if !hasOpts {
			k.Quit.SetEnabled(true)
			k.Quit.SetHelp("enter/q", "quit")
		}
	}
}

// helpKeys is the key help of the current screen, for bubbles/help.
type helpKeys struct {
	short []key.Binding
	full  [][]key.Binding
}

// ShortHelp implements [help.KeyMap].
func (h helpKeys) ShortHelp() []key.Binding { return h.short }

// FullHelp implements [help.KeyMap].
func (h helpKeys) FullHelp() [][]key.Binding { return h.full }

// helpKeys composes the help from the enabled bindings (help hides the rest).
func (m *Model) helpKeys() helpKeys { return m.helpKeysOf(m.keys, m.atEnd) }

// helpKeysOf is helpKeys with the bindings k, at the content's end or not.
func (m *Model) helpKeysOf(k keyMap, atEnd bool) helpKeys {
	if atEnd {
		// pgdn still works (on the last screen it must not quit), but there
		// is nothing more to show: the help does not offer it.
		k.PageDown.SetEnabled(false)
	}
	nav := []key.Binding{k.Up, k.Down, k.Pick, k.Select, k.AnyContinue}
	act := []key.Binding{k.Done, k.Open, k.Copy, k.Save, k.Accept, k.NextLink, k.CopyCode, k.Approve, k.Handoff, k.Report}
	move := []key.Binding{k.PageDown, k.PageUp, k.Back, k.Quit, k.Cancel, k.Help}
	short := []key.Binding{k.Select, k.AnyContinue, k.Done, k.Accept, k.Move, k.Pick, k.Open, k.Copy, k.Save, k.CopyCode, k.Approve, k.Handoff, k.Report, k.PageDown, k.PageUp, k.Back, k.Quit, k.Cancel, k.Help}
	if m.help.ShowAll {
		k.Help.SetHelp("?", "fewer keys")
		move[len(move)-1] = k.Help
	}
	return helpKeys{short: short, full: [][]key.Binding{nav, act, move}}
}

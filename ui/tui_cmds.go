package ui

import (
	"context"
	"errors"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"consentwiz/flows"
)

// track registers a new request and returns its id and context.
func (m *Model) track(keep bool) (reqID, context.Context) {
	m.nextID++
	ctx, cancel := context.WithCancel(m.ctx)
	m.pending[m.nextID] = pendingReq{ctx: ctx, cancel: cancel, keep: keep}
	return m.nextID, ctx
}

// runEffects turns the machine's effects into commands. Every value a
// command needs is captured here; no command touches the model.
func (m *Model) runEffects(effs []flows.Effect, running bool) []tea.Cmd {
	var cmds []tea.Cmd
	for _, e := range effs {
		switch e := e.(type) {
		case flows.Finish:
			o := e.Outcome
			m.outcome = &o
			m.device = nil
			m.scroll = 0
			if m.quitOnDone {
				cmds = append(cmds, m.quit(false))
			}
		case flows.Wait:
			id, _ := m.track(false)
			cmds = append(cmds, m.waitCmd(id, e))
		case flows.CopyText:
			id, _ := m.track(false)
			cmds = append(cmds, m.copyCmd(e.Text, func(c flows.Copied) tea.Msg { return effectMsg{id: id, ev: c} }))
		case flows.OpenURL:
			id, ctx := m.track(false)
			cmds = append(cmds, m.runCmd(ctx, id, e))
		case flows.SignIn:
			id, ctx := m.track(false)
			cmds = append(cmds, m.startSignInCmd(ctx, id, e))
		default:
			keep := flows.IsWrite(e)
			switch e.(type) {
			case flows.WriteJournal, flows.ClearJournal:
				keep = true
			}
			id, ctx := m.track(keep)
			cmds = append(cmds, m.runCmd(ctx, id, e))
		}
	}
	return cmds
}

// waitCmd answers a Wait with a Tick after its duration.
func (m *Model) waitCmd(id reqID, w flows.Wait) tea.Cmd {
	seq := w.Seq
	return m.tick(w.D, func(t time.Time) tea.Msg {
		return effectMsg{id: id, ev: flows.Tick{Seq: seq, Now: t}}
	})
}

// answerCmd delivers an answer that needs no I/O.
func answerCmd(id reqID, ev flows.Event) tea.Cmd {
	return func() tea.Msg { return effectMsg{id: id, ev: ev} }
}

// runCmd performs one effect through Effects.Run.
func (m *Model) runCmd(ctx context.Context, id reqID, e flows.Effect) tea.Cmd {
	fx := m.deps.Effects
	return func() tea.Msg {
		return effectMsg{id: id, ev: fx.Run(ctx, e)}
	}
}

// startSignInCmd begins a sign-in; the answer may carry a device code.
func (m *Model) startSignInCmd(ctx context.Context, id reqID, e flows.SignIn) tea.Cmd {
	fx := m.deps.Effects
	return func() tea.Msg {
		p, err := fx.StartSignIn(ctx, e)
		return signInStartedMsg{id: id, pending: p, err: err}
	}
}

// waitSignInCmd blocks until the user finished signing in.
func (m *Model) waitSignInCmd(ctx context.Context, id reqID, wait func(context.Context) flows.Event) tea.Cmd {
	if wait == nil {
		return answerCmd(id, flows.SignedIn{Err: errors.New("the sign-in cannot be waited for")})
	}
	return func() tea.Msg {
		return effectMsg{id: id, ev: wait(ctx)}
	}
}

// openLinkCmd opens a link the user picked on screen (through Effects.Run,
// which refuses anything but https or loopback).
func (m *Model) openLinkCmd(url string) tea.Cmd {
	fx, ctx := m.deps.Effects, m.ctx
	m.setNote("Opening the browser…", false)
	return func() tea.Msg {
		ev := fx.Run(ctx, flows.OpenURL{URL: url})
		var err error
		if o, ok := ev.(flows.Opened); ok {
			err = o.Err
		}
		return linkOpenedMsg{url: url, err: err}
	}
}

// demoApproveCmd approves the device code as the simulated tenant's admin.
func (m *Model) demoApproveCmd(code string) tea.Cmd {
	demo := m.deps.Effects.Demo()
	if demo == nil {
		return nil
	}
	return func() tea.Msg {
		return demoApprovedMsg{err: demo.ApproveDeviceCode(code)}
	}
}

// copyCmd copies text to the system clipboard when one is reachable (then
// the copy is confirmed), else sends it to the terminal's clipboard with
// OSC 52, which no terminal confirms: answer gets which it was, and the
// screen says so truthfully.
func (m *Model) copyCmd(text string, answer func(flows.Copied) tea.Msg) tea.Cmd {
	fx, ctx := m.deps.Effects, m.ctx
	return func() tea.Msg {
		if c, ok := fx.Run(ctx, flows.CopyText{Text: text}).(flows.Copied); ok && c.Err == nil {
			return answer(c)
		}
		return tea.BatchMsg{tea.SetClipboard(text), func() tea.Msg { return answer(flows.Copied{Terminal: true}) }}
	}
}

// copyNoteCmd copies text for the TUI itself (the device code, a link that
// is not the machine's) and notes what happened.
func (m *Model) copyNoteCmd(text, what string) tea.Cmd {
	return m.copyCmd(text, func(c flows.Copied) tea.Msg {
		if c.Terminal {
			return copiedMsg{note: "Sent " + what + " to the terminal's clipboard (OSC 52); not every terminal accepts it: select it on screen if pasting does not work."}
		}
		return copiedMsg{note: "Copied " + what + " to the clipboard."}
	})
}

// demoAcceptCmd has the demo's administrator accept an admin consent page.
func (m *Model) demoAcceptCmd(u string) tea.Cmd {
	demo := m.deps.Effects.Demo()
	if demo == nil {
		return nil
	}
	return func() tea.Msg { return demoAcceptedMsg{err: demo.AcceptAdminConsent(u)} }
}

// demoAccepted notes the demo admin's accept and checks the tenant at once.
func (m *Model) demoAccepted(msg demoAcceptedMsg) tea.Cmd {
	if msg.err != nil {
		m.setNote("The simulated administrator could not accept: "+msg.err.Error(), true)
		return nil
	}
	note := "Demo: the simulated administrator accepted the consent page in the (simulated) browser."
	var cmd tea.Cmd
	if m.state.Prompt.CanDone {
		cmd = m.userEvent(flows.DoneKey{})
	}
	m.setNote(note, false)
	return cmd
}

// demoLink is the admin consent link on screen the demo's administrator
// can accept, or "".
func (m *Model) demoLink() string {
	if m.deps.Effects == nil || m.deps.Effects.Demo() == nil {
		return ""
	}
	p := m.state.Prompt
	if len(p.Links) == 0 || m.linkSel >= len(p.Links) || m.state.Step == flows.StepChooseFix {
		return ""
	}
	if u := p.Links[m.linkSel].URL; strings.Contains(strings.ToLower(u), "/adminconsent?") {
		return u
	}
	return ""
}

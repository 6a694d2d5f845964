package ui

import (
	"context"
	"errors"
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
			m.setNote("Copied to the clipboard.", false)
			cmds = append(cmds, tea.SetClipboard(e.Text), answerCmd(id, flows.Copied{}))
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

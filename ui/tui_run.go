package ui

import (
	"context"
	"errors"

	tea "charm.land/bubbletea/v2"

	"consentwiz/flows"
)

// RunTUI runs the wizard as a full-screen Bubble Tea program and returns
// how it ended. Quitting before the wizard finished (a second ctrl+c)
// returns a cancelled outcome.
func RunTUI(ctx context.Context, d Deps) (flows.Outcome, error) {
	out, _, err := runTUI(ctx, d)
	return out, err
}

// runTUI is RunTUI that also returns the machine's final state (for the
// support report).
func runTUI(ctx context.Context, d Deps) (flows.Outcome, flows.State, error) {
	m := NewModel(ctx, d)
	p := tea.NewProgram(m, tea.WithContext(ctx), tea.WithFPS(firstFrameFPS))
	defer forwardInterrupts(p, d.Interrupts)()
	_, err := p.Run()
	if out, ok := m.Outcome(); ok {
		if errors.Is(err, tea.ErrInterrupted) || errors.Is(err, tea.ErrProgramKilled) {
			err = nil
		}
		return out, m.State(), err
	}
	if err != nil && !errors.Is(err, tea.ErrInterrupted) && !errors.Is(err, tea.ErrProgramKilled) {
		return flows.Outcome{}, m.State(), err
	}
	return flows.Stopped(m.State(), ""), m.State(), nil
}

// firstFrameFPS is the renderer's frame rate. Bubble Tea draws the first
// frame on its first tick; at the default 60 frames a second that tick is
// most of the time to the first frame (docs/performance.md, "First frame").
// The renderer draws only what changed, so a faster tick costs little.
const firstFrameFPS = 120

package sim

import "time"

// Replication lag and slow switches, two documented delays the simulator can
// play (both off by default).
//
// "A successful write … does not guarantee that an immediate read will
// reflect that change"; "a newly created object [may] return 'Not Found'"
// (https://devblogs.microsoft.com/identity/designing-for-eventual-consistency-for-microsoft-entra/,
// docs/entra.md 0). With Faults.ReplicationLagRequests or ReplicationLagMs a
// service principal, grant, classification or app role assignment created
// through Graph is invisible for the next N Graph requests or N ms: reads by
// id answer 404 Request_ResourceNotFound, lists leave it out, and requests
// that reference it fail as they do for an unknown object.
//
// "It can take up to an hour for the workflow to become enabled"
// (configure-admin-consent-workflow.md): with Faults.WorkflowDelayRequests or
// WorkflowDelayMs, a PUT that turns the admin consent workflow on is read back
// at once, but users do not get the request form until the delay is over.

// delay is "not yet" for n more Graph requests after request seq, or until a
// point in time.
type delay struct {
	seq   uint64
	n     int
	until time.Time
}

// over reports whether the delay has passed during Graph request seq (the
// n requests after request d.seq are still delayed) at time now.
func (d delay) over(seq uint64, now time.Time) bool {
	return seq-d.seq > uint64(d.n) && !now.Before(d.until)
}

// served reports whether the delay has passed once Graph request seq has
// been served: outside a request, n served requests are enough.
func (d delay) served(seq uint64, now time.Time) bool {
	return seq-d.seq >= uint64(d.n) && !now.Before(d.until)
}

// newDelay returns the delay the faults ask for, starting now; ok is false
// when they ask for none.
func (t *Tenant) newDelay(requests, ms int) (delay, bool) {
	if requests <= 0 && ms <= 0 {
		return delay{}, false
	}
	return delay{seq: t.graphSeq, n: max(requests, 0), until: t.now().Add(time.Duration(max(ms, 0)) * time.Millisecond)}, true
}

// created records that id was just created through Graph (replication lag).
func (g *greq) created(id string) {
	f := g.s.CurrentFaults()
	if d, ok := g.t.newDelay(f.ReplicationLagRequests, f.ReplicationLagMs); ok {
		if g.t.lagging == nil {
			g.t.lagging = map[string]delay{}
		}
		g.t.lagging[id] = d
	}
}

// hiddenLocked reports whether Graph does not see object id yet.
func (t *Tenant) hiddenLocked(id string) bool {
	d, ok := t.lagging[id]
	if !ok {
		return false
	}
	if d.over(t.graphSeq, t.now()) {
		delete(t.lagging, id)
		return false
	}
	return true
}

// workflowEnabledLocked reports whether the admin consent workflow is on for
// users (its policy is enabled and any switch-on delay has passed).
func (t *Tenant) workflowEnabledLocked() bool {
	if !t.acrp.IsEnabled {
		return false
	}
	if t.workflowDelay != nil && !t.workflowDelay.served(t.graphSeq, t.now()) {
		return false
	}
	t.workflowDelay = nil
	return true
}

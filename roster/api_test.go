package roster_test

import (
	"testing"

	"github.com/hmssip/interconnect-go/internal/apisurface"
)

// TestPublicAPI pins the exported names of the package: each serves a user
// and is documented. Helpers the module shares between its own packages
// live under internal/.
func TestPublicAPI(t *testing.T) {
	apisurface.Check(t, ".", `
		Config DefaultRecentCalls DefaultRecentTTL DefaultRetryInterval DefaultRetryQueue
		DefaultRetryWorkers DefaultTTL DefaultTimeout DefaultWipeCheckInterval EndedCall
		ErrCannotHangUp ErrCannotReconcile ErrNotOnPhone ErrStarted ErrUnavailable
		Join Leave MaxRetryInterval New Participant
		ReasonReconciled RecentTrimDivisor ReconcileError ReconcileError.Error ReconcileError.Unwrap
		Roster Roster.CheckWipe Roster.Close Roster.HandleEvent Roster.HangUp
		Roster.Join Roster.Leave Roster.Phones Roster.Recent Roster.Reconcile
		Roster.RecordCall Roster.Start
	`)
}

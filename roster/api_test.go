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
		CallRecord CallRecord.Duration CallRecord.InRoom CallRecord.MarshalJSON CallStep
		Config DefaultRecentCalls DefaultRecentTTL DefaultRecordIndex DefaultRecordPage DefaultRecordTTL DefaultRetryInterval DefaultRetryQueue
		DefaultRetryWorkers DefaultTTL DefaultTimeout DefaultWipeCheckInterval EndedCall
		ErrBadCursor ErrCannotHangUp ErrCannotReconcile ErrNotOnPhone ErrStarted ErrUnavailable
		Join Leave MaxRetryInterval New Participant
		ReasonReconciled RecentTrimDivisor ReconcileError ReconcileError.Error ReconcileError.Unwrap
		RecordFilter RecordPage Roster Roster.CallAnswered Roster.CheckWipe Roster.Close Roster.DialEnded Roster.HandleEvent Roster.HangUp
		Roster.Join Roster.Leave Roster.Phones Roster.Recent Roster.Reconcile
		Roster.Record Roster.RecordCall Roster.RecordDialOut Roster.Records Roster.Start
	`)
}

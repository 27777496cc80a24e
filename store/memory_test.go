package store_test

import (
	"testing"
	"time"

	"github.com/hmssip/interconnect-go/store"
	"github.com/hmssip/interconnect-go/store/storetest"
)

// TestMemoryContract runs the contract suite on the in-memory store, with
// fake clocks set decades apart so that no result depends on the date.
func TestMemoryContract(t *testing.T) {
	for _, start := range []time.Time{
		time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(2087, 6, 1, 12, 0, 0, 0, time.FixedZone("", 5*3600)),
	} {
		t.Run(start.Format("2006"), func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) storetest.Env {
				clock := storetest.NewClock(start)
				return storetest.Env{Store: store.NewMemory(store.WithClock(clock.Now)), Wait: clock.Advance}
			})
		})
	}
}

package storetest_test

import (
	"testing"

	"github.com/hmssip/interconnect-go/internal/apisurface"
)

// TestPublicAPI pins the exported names of the package: each serves a user
// and is documented. Helpers the module shares between its own packages
// live under internal/.
func TestPublicAPI(t *testing.T) {
	apisurface.Check(t, ".", `
		Clock Clock.Advance Clock.Now Env NewClock NewStalling NewWiping Run Stalling
		Stalling.Delete Stalling.Get Stalling.HDel Stalling.HGetAll Stalling.HSet Stalling.IncrBy
		Stalling.PushCapped Stalling.Range Stalling.Resume Stalling.SetNX Stalling.Stall Wiping
		Wiping.Delete Wiping.Get Wiping.HDel Wiping.HGetAll Wiping.HSet Wiping.IncrBy Wiping.PushCapped
		Wiping.Range Wiping.SetNX Wiping.Wipe
	`)
}

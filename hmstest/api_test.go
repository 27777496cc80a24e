package hmstest_test

import (
	"testing"

	"github.com/hmssip/interconnect-go/internal/apisurface"
)

// TestPublicAPI pins the exported names of the package: each serves a user
// and is documented. Helpers the module shares between its own packages
// live under internal/.
func TestPublicAPI(t *testing.T) {
	apisurface.Check(t, ".", `
		Call DefaultMaxRing Fault NewServer Option Peer Request Server Server.API Server.AccessKey
		Server.AddPeer Server.AppSecret Server.CallPeer Server.Calls Server.Client Server.Close
		Server.DTMF Server.InjectFault Server.Peers Server.RequestCount Server.Requests
		Server.SetCallAnswer Server.SetCallDecline Server.SetCallNoAnswer Server.SetLatency
		Server.SetMaxRing Server.Trunks Trunk WithAppCredentials WithClock WithCode WithPeer
		WithRoom WithSeed WithStaticToken WithTrunk
	`)
}

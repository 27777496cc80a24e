package hmstest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/internal/apisurface"
)

// TestPublicAPI pins the exported names of the package: each serves a user
// and is documented. Helpers the module shares between its own packages
// live under internal/.
func TestPublicAPI(t *testing.T) {
	want := []string{
		"Call", "DefaultMaxRing", "Fault", "NewServer", "Option", "Peer", "Request", "Server", "Server.AccessKey",
		"Server.AddPeer", "Server.AppSecret", "Server.CallPeer", "Server.Calls", "Server.Client", "Server.Close",
		"Server.DTMF", "Server.InjectFault", "Server.Peers", "Server.RequestCount", "Server.Requests",
		"Server.SetCallAnswer", "Server.SetCallDecline", "Server.SetCallNoAnswer", "Server.SetLatency",
		"Server.SetMaxRing", "Server.Trunks", "Trunk", "WithAppCredentials", "WithClock", "WithCode", "WithPeer",
		"WithRoom", "WithSeed", "WithStaticToken", "WithTrunk",
	}
	names, err := apisurface.Exported(".")
	require.NoError(t, err)
	var got []string
	for _, n := range names {
		got = append(got, n.Name)
		assert.True(t, n.Documented, "%s has no doc comment", n.Name)
	}
	assert.Equal(t, want, got)
}

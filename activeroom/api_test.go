package activeroom_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/internal/apisurface"
)

// TestPublicAPI pins the exported names of the package: each serves a user
// and is documented.
func TestPublicAPI(t *testing.T) {
	want := []string{
		"Client", "Client.API", "Client.EndRoom", "Client.FindByUserID", "Client.Peer", "Client.Peers",
		"Client.RemovePeer", "Client.RemoveRole", "Client.UpdatePeer", "ErrNoPeer", "Filter", "MaxReasonLen",
		"NewClient", "Peer", "Peer.UnmarshalJSON", "SeveralPeersError", "SeveralPeersError.Error", "Track", "Update",
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

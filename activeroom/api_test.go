package activeroom_test

import (
	"testing"

	"github.com/hmssip/interconnect-go/internal/apisurface"
)

// TestPublicAPI pins the exported names of the package: each serves a user
// and is documented.
func TestPublicAPI(t *testing.T) {
	apisurface.Check(t, ".", `
		Client Client.API Client.EndRoom Client.FindByUserID Client.Peer Client.Peers
		Client.RemovePeer Client.RemoveRole Client.UpdatePeer ErrNoPeer Filter MaxReasonLen
		NewClient Peer Peer.UnmarshalJSON SeveralPeersError SeveralPeersError.Error Track Update
	`)
}

package hmsevents_test

import (
	"testing"

	"github.com/hmssip/interconnect-go/internal/apisurface"
)

// TestPublicAPI pins the exported names of the package: each serves a user
// and is documented.
func TestPublicAPI(t *testing.T) {
	apisurface.Check(t, ".", `
		Config Config.Format Config.GoString Config.LogValue Config.String
		DefaultDedupeTTL DefaultHandlerTimeout DefaultMaxBodyBytes DefaultStoreTimeout
		ErrEventType Event Event.Peer Event.Room Event.Session Event.UnmarshalJSON
		Handler HandlerFunc HandlerFunc.HandleEvent NewReceiver PeerEvent PeerEvent.IsSIP
		Receiver Receiver.ServeHTTP RoomEvent SessionEvent
		TypePeerJoinFailure TypePeerJoinSuccess TypePeerLeaveFailure TypePeerLeaveSuccess
		TypeRoomEndFailure TypeRoomEndSuccess TypeSessionCloseSuccess TypeSessionOpenSuccess
	`)
}

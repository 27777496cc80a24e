package hmsevents_test

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
		"Config", "Config.Format", "Config.GoString", "Config.LogValue", "Config.String",
		"DefaultDedupeTTL", "DefaultHandlerTimeout", "DefaultMaxBodyBytes", "DefaultStoreTimeout",
		"ErrEventType", "Event", "Event.Peer", "Event.Room", "Event.Session", "Event.UnmarshalJSON",
		"Handler", "HandlerFunc", "HandlerFunc.HandleEvent", "NewReceiver", "PeerEvent", "PeerEvent.IsSIP",
		"Receiver", "Receiver.ServeHTTP", "RoomEvent", "SessionEvent",
		"TypePeerJoinFailure", "TypePeerJoinSuccess", "TypePeerLeaveFailure", "TypePeerLeaveSuccess",
		"TypeRoomEndFailure", "TypeRoomEndSuccess", "TypeSessionCloseSuccess", "TypeSessionOpenSuccess",
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

package roster_test

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/activeroom"
	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/roster"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/store"
	"github.com/hmssip/interconnect-go/store/storetest"
)

// peerIDs returns the peer ids of phones, sorted, and the call id of each.
func peerIDs(t *testing.T, r *roster.Roster, room string) map[string]string {
	t.Helper()
	phones, err := r.Phones(context.Background(), room)
	require.NoError(t, err)
	out := map[string]string{}
	for _, p := range phones {
		out[p.PeerID] = p.CallID
	}
	return out
}

// TestRosterReconcilesWithTheLiveRoom: a phone caller whose leave webhook
// was lost is taken out by a reconcile and recorded as ended; after an
// empty restart of the store, one reconcile on one instance makes the
// roster exact on both, a caller whose call record was lost listed without
// it; a room given to Reconcile is reconciled too.
func TestRosterReconcilesWithTheLiveRoom(t *testing.T) {
	api := hmstest.NewServer(hmstest.WithRoom("room-1", "guest"), hmstest.WithRoom("room-2", "guest"))
	t.Cleanup(api.Close)
	core, err := hmsapi.New(hmsapi.WithBaseURL(api.URL), hmsapi.WithAppCredentials(api.AccessKey(), api.AppSecret()))
	require.NoError(t, err)
	t.Cleanup(core.CloseIdleConnections)
	peers := activeroom.NewClient(core)
	callA := "CA0123456789abcdef0123456789abcdef" // callForm's
	phoneA := api.AddPeer("room-1", hmstest.Peer{UserID: sipconnect.CallUserID(callA), SIP: true, JoinedAt: t0})
	phoneB := api.AddPeer("room-1", hmstest.Peer{UserID: sipconnect.CallUserID("CA-B"), SIP: true, JoinedAt: t0})
	phoneC := api.AddPeer("room-1", hmstest.Peer{UserID: sipconnect.CallUserID("CA-C"), SIP: true, JoinedAt: t0})
	api.AddPeer("room-1", hmstest.Peer{UserID: "alice", JoinedAt: t0})

	shared := storetest.NewWiping()
	var joins atomic.Int32
	cfg := func(c *roster.Config) {
		c.Peers = peers
		c.OnJoin = func(context.Context, roster.Participant) { joins.Add(1) }
	}
	a, _ := newRoster(t, shared, cfg)
	b, _ := newRoster(t, shared, cfg)
	ctx := context.Background()
	require.NoError(t, a.Start(ctx))
	require.NoError(t, b.Start(ctx))
	h, err := sipconnect.NewHandler(sipconnect.HandlerConfig{InsecureSkipSignature: true, Room: sipconnect.StaticRoom("abc-defg-hij"),
		Roster: a, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	assert.Contains(t, bridge(t, h), "<Dial")
	for i, p := range []hmstest.Peer{phoneA, phoneB, phoneC} {
		r := []*roster.Roster{a, b}[i%2]
		require.NoError(t, r.Join(ctx, roster.Join{RoomID: "room-1", PeerID: p.ID, UserID: p.UserID, JoinedAt: p.JoinedAt}))
	}
	require.EqualValues(t, 3, joins.Load())

	// C hangs up; its leave webhook is lost.
	require.NoError(t, peers.RemovePeer(ctx, "room-1", phoneC.ID, "bye"))
	require.NoError(t, b.Reconcile(ctx))
	assert.Equal(t, map[string]string{phoneA.ID: callA, phoneB.ID: ""}, peerIDs(t, a, "room-1"))
	recent, err := a.Recent(ctx, "room-1")
	require.NoError(t, err)
	require.Len(t, recent, 1)
	assert.Equal(t, phoneC.ID, recent[0].PeerID)
	assert.Equal(t, roster.ReasonReconciled, recent[0].Reason)

	// An empty restart of the store; D joins meanwhile, its webhook lost.
	shared.Wipe()
	phoneD := api.AddPeer("room-1", hmstest.Peer{UserID: sipconnect.CallUserID("CA-D"), SIP: true, JoinedAt: t0.Add(time.Minute)})
	assert.Empty(t, peerIDs(t, b, "room-1"), "the wipe lost every join")
	wiped, err := a.CheckWipe(ctx)
	require.NoError(t, err)
	assert.True(t, wiped)
	want := map[string]string{phoneA.ID: "", phoneB.ID: "", phoneD.ID: ""}
	assert.Equal(t, want, peerIDs(t, a, "room-1"), "exact after one reconcile; A's call record was lost with the store")
	assert.Equal(t, want, peerIDs(t, b, "room-1"))
	wiped, err = b.CheckWipe(ctx)
	require.NoError(t, err)
	assert.True(t, wiped, "the other instance sees the wipe too")
	assert.Equal(t, want, peerIDs(t, b, "room-1"))

	// On demand, for a room no instance has seen.
	phoneE := api.AddPeer("room-2", hmstest.Peer{UserID: sipconnect.CallUserID("CA-E"), SIP: true, JoinedAt: t0})
	require.NoError(t, b.Reconcile(ctx, "room-2"))
	assert.Equal(t, map[string]string{phoneE.ID: ""}, peerIDs(t, a, "room-2"))
}

func TestRosterReconcileNeedsPeers(t *testing.T) {
	r, _ := newRoster(t, store.NewMemory(), nil)
	assert.ErrorIs(t, r.Reconcile(context.Background(), "room-1"), roster.ErrCannotReconcile)
	assert.ErrorIs(t, r.Start(context.Background()), roster.ErrCannotReconcile)
}

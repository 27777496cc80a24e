package sipconnect_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/activeroom"
	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/store"
	"github.com/hmssip/interconnect-go/twiml"
)

var t0 = time.Date(2001, 1, 1, 9, 0, 0, 0, time.UTC)

func newRoster(t *testing.T, s store.Store, mutate func(*sipconnect.RosterConfig)) (*sipconnect.Roster, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	cfg := sipconnect.RosterConfig{Store: s, Logger: slog.New(slog.NewJSONHandler(logs, nil))}
	if mutate != nil {
		mutate(&cfg)
	}
	r, err := sipconnect.NewRoster(cfg)
	require.NoError(t, err)
	return r, logs
}

func TestRosterTiesAJoinToItsCall(t *testing.T) {
	shared := store.NewMemory()
	var joined, left []string
	roster, logs := newRoster(t, shared, func(c *sipconnect.RosterConfig) {
		c.OnJoin = func(_ context.Context, p sipconnect.PhoneParticipant) { joined = append(joined, p.PeerID) }
		c.OnLeave = func(_ context.Context, e sipconnect.EndedCall) { left = append(left, e.PeerID) }
	})
	h, err := sipconnect.NewHandler(sipconnect.HandlerConfig{InsecureSkipSignature: true, Room: sipconnect.StaticRoom("abc-defg-hij"),
		Roster: roster, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)

	req := httptest.NewRequest(http.MethodPost, "/voice", strings.NewReader(callForm().Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	a := decode(t, rec.Body.String())
	require.NotNil(t, a.Dial)
	userID := sipconnect.CallUserID("CA0123456789abcdef0123456789abcdef")
	assert.Equal(t, "sip:abc-defg-hij@sip.100ms.live?X-100ms-UserID="+userID, a.Dial.Sip.URI,
		"a user id derived from the call id, not from the number")
	assert.NotContains(t, userID, "4155550123")

	ctx := context.Background()
	require.NoError(t, roster.Join(ctx, sipconnect.PhoneJoin{RoomID: "room-1", PeerID: "peer-1", UserID: userID, JoinedAt: t0}))
	phones, err := roster.Phones(ctx, "room-1")
	require.NoError(t, err)
	require.Len(t, phones, 1)
	assert.Equal(t, sipconnect.PhoneParticipant{RoomID: "room-1", PeerID: "peer-1", UserID: userID,
		CallID: "CA0123456789abcdef0123456789abcdef", From: "+*******0123", JoinedAt: t0}, phones[0])

	leave := sipconnect.PhoneLeave{RoomID: "room-1", PeerID: "peer-1", UserID: userID, JoinedAt: t0,
		LeftAt: t0.Add(90 * time.Second), Duration: 90 * time.Second, Reason: "peer kicked"}
	for range 3 { // delivered three times
		require.NoError(t, roster.Leave(ctx, leave))
	}
	phones, err = roster.Phones(ctx, "room-1")
	require.NoError(t, err)
	assert.Empty(t, phones)
	recent, err := roster.Recent(ctx, "room-1")
	require.NoError(t, err)
	require.Len(t, recent, 1, "one leave, however often delivered")
	assert.Equal(t, 90*time.Second, recent[0].Duration)
	assert.Equal(t, "peer kicked", recent[0].Reason)
	assert.Equal(t, "CA0123456789abcdef0123456789abcdef", recent[0].CallID)
	assert.Equal(t, []string{"peer-1"}, joined)
	assert.Equal(t, []string{"peer-1"}, left)
	assert.NotContains(t, logs.String(), callerPhone)
}

func TestRosterLeaveBeforeJoin(t *testing.T) {
	roster, _ := newRoster(t, store.NewMemory(), nil)
	ctx := context.Background()
	require.NoError(t, roster.Leave(ctx, sipconnect.PhoneLeave{RoomID: "r", PeerID: "p", LeftAt: t0.Add(time.Minute), Duration: time.Minute}))
	require.NoError(t, roster.Join(ctx, sipconnect.PhoneJoin{RoomID: "r", PeerID: "p", JoinedAt: t0}))
	phones, err := roster.Phones(ctx, "r")
	require.NoError(t, err)
	assert.Empty(t, phones, "a join that arrives after its leave is not listed")
	recent, err := roster.Recent(ctx, "r")
	require.NoError(t, err)
	assert.Len(t, recent, 1)
}

// TestRosterConcurrentDeliveries delivers joins and leaves of many peers
// from 64 goroutines to two rosters sharing one store, with duplicates and
// some leaves before their joins: the roster ends exact.
func TestRosterConcurrentDeliveries(t *testing.T) {
	shared := store.NewMemory()
	a, _ := newRoster(t, shared, func(c *sipconnect.RosterConfig) { c.RecentCalls = 10000 })
	b, _ := newRoster(t, shared, func(c *sipconnect.RosterConfig) { c.RecentCalls = 10000 })
	const peers = 600
	type delivery struct {
		join bool
		peer int
	}
	var work []delivery
	for p := range peers {
		work = append(work, delivery{true, p}, delivery{true, p}) // every join twice
		if p%3 != 0 {
			work = append(work, delivery{false, p}, delivery{false, p}) // two thirds leave, twice
		}
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for g := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			roster := a
			if g%2 == 1 {
				roster = b
			}
			for {
				i := int(next.Add(1)) - 1
				if i >= len(work) {
					return
				}
				// Deliveries run in any order: some leaves come first.
				d := work[(i*7919)%len(work)]
				id := fmt.Sprintf("peer-%03d", d.peer)
				var err error
				if d.join {
					err = roster.Join(context.Background(), sipconnect.PhoneJoin{RoomID: "room", PeerID: id, JoinedAt: t0.Add(time.Duration(d.peer) * time.Second)})
				} else {
					err = roster.Leave(context.Background(), sipconnect.PhoneLeave{RoomID: "room", PeerID: id, Duration: time.Minute})
				}
				assert.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	phones, err := a.Phones(context.Background(), "room")
	require.NoError(t, err)
	assert.Len(t, phones, peers/3, "exactly the peers that did not leave")
	for _, p := range phones {
		var n int
		_, _ = fmt.Sscanf(p.PeerID, "peer-%d", &n)
		assert.Zero(t, n%3, p.PeerID)
	}
	recent, err := b.Recent(context.Background(), "room")
	require.NoError(t, err)
	assert.Len(t, recent, peers-peers/3, "each leave recorded once")
}

func TestRosterHangUp(t *testing.T) {
	api := hmstest.NewServer(hmstest.WithRoom("room-1", "guest"))
	t.Cleanup(api.Close)
	caller := api.AddPeer("room-1", hmstest.Peer{ID: "peer-phone", UserID: "pstn-1", SIP: true})
	api.AddPeer("room-1", hmstest.Peer{ID: "peer-web", UserID: "alice"})
	core, err := hmsapi.New(hmsapi.WithBaseURL(api.URL), hmsapi.WithAppCredentials(api.AccessKey(), api.AppSecret()))
	require.NoError(t, err)
	t.Cleanup(core.CloseIdleConnections)
	shared := store.NewMemory()
	joins, _ := newRoster(t, shared, nil)
	clicks, _ := newRoster(t, shared, func(c *sipconnect.RosterConfig) { c.Peers = activeroom.NewClient(core) })
	ctx := context.Background()
	require.NoError(t, joins.Join(ctx, sipconnect.PhoneJoin{RoomID: "room-1", PeerID: caller.ID, UserID: "pstn-1", JoinedAt: t0}))

	// A web participant is never hung up through the roster.
	assert.ErrorIs(t, clicks.HangUp(ctx, "room-1", "peer-web", "no"), sipconnect.ErrNotOnPhone)
	require.NoError(t, clicks.HangUp(ctx, "room-1", caller.ID, "meeting over"))
	left := api.Peers("room-1")
	require.Len(t, left, 1)
	assert.Equal(t, "peer-web", left[0].ID)
}

func TestRosterStoreDown(t *testing.T) {
	roster, _ := newRoster(t, hangingStore{}, func(c *sipconnect.RosterConfig) { c.Timeout = 50 * time.Millisecond })
	ctx := context.Background()
	start := time.Now()
	_, err := roster.Phones(ctx, "r")
	assert.ErrorIs(t, err, sipconnect.ErrRosterUnavailable)
	assert.ErrorIs(t, roster.Join(ctx, sipconnect.PhoneJoin{RoomID: "r", PeerID: "p"}), sipconnect.ErrRosterUnavailable)
	assert.ErrorIs(t, roster.Leave(ctx, sipconnect.PhoneLeave{RoomID: "r", PeerID: "p"}), sipconnect.ErrRosterUnavailable)
	assert.Less(t, time.Since(start), 2*time.Second)

	// The dial-in still bridges the caller, within the handler's timeout.
	h, err := sipconnect.NewHandler(sipconnect.HandlerConfig{InsecureSkipSignature: true, Room: sipconnect.StaticRoom("abc-defg-hij"),
		Roster: roster, Logger: slog.New(slog.DiscardHandler), Timeout: time.Second})
	require.NoError(t, err)
	req, err := twiml.NewSignedRequest(http.MethodPost, "https://x/voice", "unused", callForm())
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	start = time.Now()
	h.ServeHTTP(rec, req)
	assert.NotNil(t, decode(t, rec.Body.String()).Dial)
	assert.Less(t, time.Since(start), time.Second)
}

// hangingStore never answers: every call waits for its context to end, as
// a Redis behind a dead network does.
type hangingStore struct{ store.Store }

func wait(ctx context.Context) error {
	<-ctx.Done()
	return fmt.Errorf("%w: %w", store.ErrUnavailable, ctx.Err())
}

func (hangingStore) SetNX(ctx context.Context, _ string, _ []byte, _ time.Duration) (bool, error) {
	return false, wait(ctx)
}
func (hangingStore) Get(ctx context.Context, _ string) ([]byte, error) { return nil, wait(ctx) }
func (hangingStore) HSet(ctx context.Context, _, _ string, _ []byte, _ time.Duration) error {
	return wait(ctx)
}
func (hangingStore) HDel(ctx context.Context, _, _ string) (bool, error) { return false, wait(ctx) }
func (hangingStore) HGetAll(ctx context.Context, _ string) (map[string][]byte, error) {
	return nil, wait(ctx)
}

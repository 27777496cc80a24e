package roster_test

import (
	"bytes"
	"context"
	"encoding/xml"
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
	"github.com/hmssip/interconnect-go/carrier/carriertest"
	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/internal/apisurface"
	"github.com/hmssip/interconnect-go/roster"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/store"
	"github.com/hmssip/interconnect-go/store/storetest"
	"github.com/hmssip/interconnect-go/twiml"
)

var t0 = time.Date(2001, 1, 1, 9, 0, 0, 0, time.UTC)

func newRoster(t *testing.T, s store.Store, mutate func(*roster.Config)) (*roster.Roster, *apisurface.LockedBuffer) {
	t.Helper()
	logs := &apisurface.LockedBuffer{}
	cfg := roster.Config{Store: s, Logger: slog.New(slog.NewJSONHandler(logs, nil))}
	if mutate != nil {
		mutate(&cfg)
	}
	r, err := roster.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Close() })
	return r, logs
}

func TestRosterTiesAJoinToItsCall(t *testing.T) {
	shared := store.NewMemory()
	var joined, left []string
	r, logs := newRoster(t, shared, func(c *roster.Config) {
		c.OnJoin = func(_ context.Context, p roster.Participant) { joined = append(joined, p.PeerID) }
		c.OnLeave = func(_ context.Context, e roster.EndedCall) { left = append(left, e.PeerID) }
	})
	h, err := sipconnect.NewHandler(sipconnect.HandlerConfig{InsecureSkipSignature: true, Room: sipconnect.StaticRoom("abc-defg-hij"),
		Roster: r, Logger: slog.New(slog.DiscardHandler)})
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
	require.NoError(t, r.Join(ctx, roster.Join{RoomID: "room-1", PeerID: "peer-1", UserID: userID, JoinedAt: t0}))
	phones, err := r.Phones(ctx, "room-1")
	require.NoError(t, err)
	require.Len(t, phones, 1)
	assert.Equal(t, roster.Participant{RoomID: "room-1", PeerID: "peer-1", UserID: userID,
		CallID: "CA0123456789abcdef0123456789abcdef", From: "+*******0123", JoinedAt: t0}, phones[0])

	leave := roster.Leave{RoomID: "room-1", PeerID: "peer-1", UserID: userID, JoinedAt: t0,
		LeftAt: t0.Add(90 * time.Second), Duration: 90 * time.Second, Reason: "peer kicked"}
	for range 3 { // delivered three times
		require.NoError(t, r.Leave(ctx, leave))
	}
	phones, err = r.Phones(ctx, "room-1")
	require.NoError(t, err)
	assert.Empty(t, phones)
	recent, err := r.Recent(ctx, "room-1")
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
	r, _ := newRoster(t, store.NewMemory(), nil)
	ctx := context.Background()
	require.NoError(t, r.Leave(ctx, roster.Leave{RoomID: "r", PeerID: "p", LeftAt: t0.Add(time.Minute), Duration: time.Minute}))
	require.NoError(t, r.Join(ctx, roster.Join{RoomID: "r", PeerID: "p", JoinedAt: t0}))
	phones, err := r.Phones(ctx, "r")
	require.NoError(t, err)
	assert.Empty(t, phones, "a join that arrives after its leave is not listed")
	recent, err := r.Recent(ctx, "r")
	require.NoError(t, err)
	assert.Len(t, recent, 1)
}

// TestRosterConcurrentDeliveries delivers joins and leaves of many peers
// from 64 goroutines to two rosters sharing one store, with duplicates and
// some leaves before their joins: the roster ends exact.
func TestRosterConcurrentDeliveries(t *testing.T) {
	shared := store.NewMemory()
	a, _ := newRoster(t, shared, func(c *roster.Config) { c.RecentCalls = 10000 })
	b, _ := newRoster(t, shared, func(c *roster.Config) { c.RecentCalls = 10000 })
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
			r := a
			if g%2 == 1 {
				r = b
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
					err = r.Join(context.Background(), roster.Join{RoomID: "room", PeerID: id, JoinedAt: t0.Add(time.Duration(d.peer) * time.Second)})
				} else {
					err = r.Leave(context.Background(), roster.Leave{RoomID: "room", PeerID: id, Duration: time.Minute})
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
	clicks, _ := newRoster(t, shared, func(c *roster.Config) { c.Peers = activeroom.NewClient(core) })
	ctx := context.Background()
	require.NoError(t, joins.Join(ctx, roster.Join{RoomID: "room-1", PeerID: caller.ID, UserID: "pstn-1", JoinedAt: t0}))

	// A web participant is never hung up through the roster.
	assert.ErrorIs(t, clicks.HangUp(ctx, "room-1", "peer-web", "no"), roster.ErrNotOnPhone)
	require.NoError(t, clicks.HangUp(ctx, "room-1", caller.ID, "meeting over"))
	left := api.Peers("room-1")
	require.Len(t, left, 1)
	assert.Equal(t, "peer-web", left[0].ID)
}

func TestRosterStoreDown(t *testing.T) {
	r, _ := newRoster(t, hangingStore{}, func(c *roster.Config) { c.Timeout = 50 * time.Millisecond })
	ctx := context.Background()
	start := time.Now()
	_, err := r.Phones(ctx, "r")
	assert.ErrorIs(t, err, roster.ErrUnavailable)
	assert.ErrorIs(t, r.Join(ctx, roster.Join{RoomID: "r", PeerID: "p"}), roster.ErrUnavailable)
	assert.ErrorIs(t, r.Leave(ctx, roster.Leave{RoomID: "r", PeerID: "p"}), roster.ErrUnavailable)
	assert.Less(t, time.Since(start), 2*time.Second)

	// The dial-in still bridges the caller, within the handler's timeout.
	h, err := sipconnect.NewHandler(sipconnect.HandlerConfig{InsecureSkipSignature: true, Room: sipconnect.StaticRoom("abc-defg-hij"),
		Roster: r, Logger: slog.New(slog.DiscardHandler), Timeout: time.Second})
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

// flakyStore fails the first call of the named method, after applying it
// when applied is set (a reply lost after the write landed).
type flakyStore struct {
	store.Store
	method  string
	applied bool
	failed  atomic.Bool
}

func (f *flakyStore) fail(method string) bool {
	return method == f.method && f.failed.CompareAndSwap(false, true)
}

func (f *flakyStore) HDel(ctx context.Context, key, field string) (bool, error) {
	if f.fail("HDel") {
		if f.applied {
			_, _ = f.Store.HDel(ctx, key, field)
		}
		return false, store.ErrUnavailable
	}
	return f.Store.HDel(ctx, key, field)
}

func (f *flakyStore) HSet(ctx context.Context, key, field string, value []byte, ttl time.Duration) error {
	if strings.HasPrefix(key, "sipconnect:call-records-left:") && f.fail("HSet") {
		if f.applied {
			_ = f.Store.HSet(ctx, key, field, value, ttl)
		}
		return store.ErrUnavailable
	}
	return f.Store.HSet(ctx, key, field, value, ttl)
}

// TestRosterLeaveRetriedAfterAFailure: a leave whose handling fails half-way
// (the store down, or its answer lost after the write) is recorded exactly
// once when 100ms delivers it again, and OnLeave is told once.
func TestRosterLeaveRetriedAfterAFailure(t *testing.T) {
	for _, tc := range []struct {
		method  string
		applied bool
	}{{"HDel", false}, {"HDel", true}, {"HSet", false}, {"HSet", true}} {
		t.Run(fmt.Sprintf("%s-applied=%t", tc.method, tc.applied), func(t *testing.T) {
			s := &flakyStore{Store: store.NewMemory(), method: tc.method, applied: tc.applied}
			var left atomic.Int32
			r, _ := newRoster(t, s, func(c *roster.Config) {
				c.OnLeave = func(context.Context, roster.EndedCall) { left.Add(1) }
			})
			ctx := context.Background()
			require.NoError(t, r.Join(ctx, roster.Join{RoomID: "r", PeerID: "p", JoinedAt: t0}))
			leave := roster.Leave{RoomID: "r", PeerID: "p", LeftAt: t0.Add(time.Minute), Duration: time.Minute}
			assert.ErrorIs(t, r.Leave(ctx, leave), roster.ErrUnavailable, "the first delivery fails: 503")
			require.NoError(t, r.Leave(ctx, leave), "100ms delivers it again")
			phones, err := r.Phones(ctx, "r")
			require.NoError(t, err)
			assert.Empty(t, phones)
			recent, err := r.Recent(ctx, "r")
			require.NoError(t, err)
			assert.Len(t, recent, 1, "the ended call recorded once")
			assert.EqualValues(t, 1, left.Load(), "OnLeave told once")
		})
	}
}

func TestRosterDuplicateJoinTellsOnce(t *testing.T) {
	shared := store.NewMemory()
	var joined atomic.Int32
	onJoin := func(c *roster.Config) {
		c.OnJoin = func(context.Context, roster.Participant) { joined.Add(1) }
	}
	a, _ := newRoster(t, shared, onJoin)
	b, _ := newRoster(t, shared, onJoin)
	ctx := context.Background()
	j := roster.Join{RoomID: "r", PeerID: "p", JoinedAt: t0}
	require.NoError(t, a.Join(ctx, j))
	require.NoError(t, b.Join(ctx, j))
	require.NoError(t, a.Join(ctx, j))
	assert.EqualValues(t, 1, joined.Load())
}

// TestRosterForgetsALostLeave: a caller whose leave never arrives stops
// being listed TTL after the join, even in a room where others keep
// joining.
func TestRosterForgetsALostLeave(t *testing.T) {
	clk := &sharedClock{}
	clk.Set(t0)
	shared := store.NewMemory(store.WithClock(clk.Now))
	r, _ := newRoster(t, shared, func(c *roster.Config) { c.TTL = time.Hour; c.Clock = clk.Now })
	ctx := context.Background()
	require.NoError(t, r.Join(ctx, roster.Join{RoomID: "r", PeerID: "ghost", JoinedAt: t0}))
	for i := range 48 {
		clk.Advance(30 * time.Minute)
		peer := fmt.Sprintf("p%02d", i)
		require.NoError(t, r.Join(ctx, roster.Join{RoomID: "r", PeerID: peer, JoinedAt: clk.Now()}))
		require.NoError(t, r.Leave(ctx, roster.Leave{RoomID: "r", PeerID: peer, LeftAt: clk.Now()}))
	}
	phones, err := r.Phones(ctx, "r")
	require.NoError(t, err)
	assert.Empty(t, phones, "the ghost is gone")
}

// hookStore runs before once, the first time a key with the given prefix
// is read (Get) or claimed (SetNX), and then fails that call when fail is
// set.
type hookStore struct {
	store.Store
	prefix string
	op     string
	fail   bool
	before func()
	done   atomic.Bool
}

func (h *hookStore) hit(op, key string) bool {
	return op == h.op && strings.HasPrefix(key, h.prefix) && h.done.CompareAndSwap(false, true)
}

func (h *hookStore) Get(ctx context.Context, key string) ([]byte, error) {
	if h.hit("Get", key) {
		h.before()
		if h.fail {
			return nil, store.ErrUnavailable
		}
	}
	return h.Store.Get(ctx, key)
}

func (h *hookStore) SetNX(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	if h.hit("SetNX", key) {
		h.before()
		if h.fail {
			return false, store.ErrUnavailable
		}
	}
	return h.Store.SetNX(ctx, key, value, ttl)
}

// TestRosterJoinRetriedAfterItsLeave: instance A's join writes the entry,
// instance B records the whole leave, A's second check fails (503) and
// 100ms delivers the join again: the caller is not left listed.
func TestRosterJoinRetriedAfterItsLeave(t *testing.T) {
	shared := store.NewMemory()
	b, _ := newRoster(t, shared, nil)
	ctx := context.Background()
	leave := roster.Leave{RoomID: "r", PeerID: "p", Duration: time.Minute}
	var reads atomic.Int32
	hooked := &hookStore{Store: shared, prefix: "sipconnect:left:", op: "Get", fail: true}
	hooked.before = func() { require.NoError(t, b.Leave(ctx, leave)) }
	// The hook is on the second read of the left mark: skip the first.
	a, _ := newRoster(t, &countingGets{hookStore: hooked, reads: &reads}, nil)
	j := roster.Join{RoomID: "r", PeerID: "p", JoinedAt: t0}
	assert.ErrorIs(t, a.Join(ctx, j), roster.ErrUnavailable)
	require.NoError(t, a.Join(ctx, j), "the retry")
	phones, err := b.Phones(ctx, "r")
	require.NoError(t, err)
	assert.Empty(t, phones)
}

// countingGets lets the first read of the left mark through untouched.
type countingGets struct {
	*hookStore
	reads *atomic.Int32
}

func (c *countingGets) Get(ctx context.Context, key string) ([]byte, error) {
	if strings.HasPrefix(key, "sipconnect:left:") && c.reads.Add(1) == 1 {
		return c.hookStore.Store.Get(ctx, key)
	}
	return c.hookStore.Get(ctx, key)
}

// TestRosterOnJoinNeverFollowsOnLeave: the leave is recorded on another
// instance just before the join tells of itself: the join stays silent.
func TestRosterOnJoinNeverFollowsOnLeave(t *testing.T) {
	shared := store.NewMemory()
	var order []string
	var mu sync.Mutex
	note := func(s string) { mu.Lock(); order = append(order, s); mu.Unlock() }
	b, _ := newRoster(t, shared, func(c *roster.Config) {
		c.OnLeave = func(context.Context, roster.EndedCall) { note("leave") }
	})
	ctx := context.Background()
	hooked := &hookStore{Store: shared, prefix: "sipconnect:joined:", op: "SetNX"}
	hooked.before = func() {
		require.NoError(t, b.Leave(ctx, roster.Leave{RoomID: "r", PeerID: "p"}))
	}
	a, _ := newRoster(t, hooked, func(c *roster.Config) {
		c.OnJoin = func(context.Context, roster.Participant) { note("join") }
	})
	require.NoError(t, a.Join(ctx, roster.Join{RoomID: "r", PeerID: "p", JoinedAt: t0}))
	assert.Equal(t, []string{"leave"}, order)
	phones, err := a.Phones(ctx, "r")
	require.NoError(t, err)
	assert.Empty(t, phones)
}

// TestRosterCapsEndedCallsOnWrite: a room where thousands of calls ended
// keeps about RecentCalls of them in the store, not one per call ever
// made, and Recent still answers the newest.
func TestRosterCapsEndedCallsOnWrite(t *testing.T) {
	shared := store.NewMemory()
	r, _ := newRoster(t, shared, func(c *roster.Config) { c.RecentCalls = 50 })
	ctx := context.Background()
	const calls = 2000
	for i := range calls {
		left := t0.Add(time.Duration(i) * time.Second)
		require.NoError(t, r.Leave(ctx, roster.Leave{RoomID: "r", PeerID: fmt.Sprintf("p%05d", i), LeftAt: left}))
	}
	kept, err := shared.HGetAll(ctx, "sipconnect:call-records-left:r")
	require.NoError(t, err)
	assert.LessOrEqual(t, len(kept), 50+50/roster.RecentTrimDivisor, "ended calls kept in the store")
	recent, err := r.Recent(ctx, "r")
	require.NoError(t, err)
	require.Len(t, recent, 50)
	assert.Equal(t, fmt.Sprintf("p%05d", calls-1), recent[0].PeerID, "newest first")
	assert.Equal(t, fmt.Sprintf("p%05d", calls-50), recent[49].PeerID)
}

// BenchmarkRosterRecent reads the recent calls of a room where 50 and
// 20,000 calls ended: the read costs the same.
func BenchmarkRosterRecent(b *testing.B) {
	for _, ended := range []int{50, 20_000} {
		b.Run(fmt.Sprintf("ended=%d", ended), func(b *testing.B) {
			r, err := roster.New(roster.Config{Store: store.NewMemory(), Logger: slog.New(slog.DiscardHandler)})
			require.NoError(b, err)
			ctx := context.Background()
			for i := range ended {
				require.NoError(b, r.Leave(ctx, roster.Leave{RoomID: "r", PeerID: fmt.Sprintf("p%05d", i),
					LeftAt: t0.Add(time.Duration(i) * time.Second)}))
			}
			for b.Loop() {
				if _, err := r.Recent(ctx, "r"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// callerPhone is the caller's number in callForm: it never appears in logs.
const callerPhone = carriertest.CallerPhone

// callForm is an incoming call as Twilio posts it, with extra name, value
// pairs set.
var callForm = carriertest.TwilioCall

// answer is the dial-in document as encoding/xml reads it.
type answer struct {
	XMLName xml.Name `xml:"Response"`
	Dial    *struct {
		Sip struct {
			URI string `xml:",chardata"`
		}
	}
}

func decode(t *testing.T, body string) answer { return carriertest.DecodeXML[answer](t, body) }

// sharedClock is a clock the test moves, shared by the roster and the
// store.
type sharedClock = carriertest.SharedClock

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

// stallStore stalls every call while stalled is set, as a Redis stopped
// with SIGSTOP does: the call waits for its context to end.
type stallStore struct {
	store.Store
	stalled atomic.Bool
}

func (s *stallStore) gate(ctx context.Context) error {
	if s.stalled.Load() {
		return wait(ctx)
	}
	return nil
}

func (s *stallStore) SetNX(ctx context.Context, key string, v []byte, ttl time.Duration) (bool, error) {
	if err := s.gate(ctx); err != nil {
		return false, err
	}
	return s.Store.SetNX(ctx, key, v, ttl)
}

func (s *stallStore) Get(ctx context.Context, key string) ([]byte, error) {
	if err := s.gate(ctx); err != nil {
		return nil, err
	}
	return s.Store.Get(ctx, key)
}

func (s *stallStore) HSet(ctx context.Context, key, field string, v []byte, ttl time.Duration) error {
	if err := s.gate(ctx); err != nil {
		return err
	}
	return s.Store.HSet(ctx, key, field, v, ttl)
}

func (s *stallStore) HGetAll(ctx context.Context, key string) (map[string][]byte, error) {
	if err := s.gate(ctx); err != nil {
		return nil, err
	}
	return s.Store.HGetAll(ctx, key)
}

// bridge sends one incoming call to h and returns the answer.
func bridge(t *testing.T, h http.Handler) string {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/voice", strings.NewReader(callForm().Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code)
	return rec.Body.String()
}

// noRosterGoroutines waits until no goroutine runs roster code: Close
// has returned, so they are on their way out.
func noRosterGoroutines(t *testing.T) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); len(apisurface.Goroutines("roster.(*Roster)")) > 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	assert.Empty(t, apisurface.Goroutines("roster.(*Roster)"), "goroutines left behind")
}

// TestRosterRecordsACallBridgedDuringAStall: a call bridged while the store
// stalls is answered at once, and its record is written again when the
// store is back, so that its join is tied to the call.
func TestRosterRecordsACallBridgedDuringAStall(t *testing.T) {
	s := &stallStore{Store: store.NewMemory()}
	r, logs := newRoster(t, s, func(c *roster.Config) {
		c.Timeout = 20 * time.Millisecond
		c.RetryInterval = time.Millisecond
	})
	h, err := sipconnect.NewHandler(sipconnect.HandlerConfig{InsecureSkipSignature: true, Room: sipconnect.StaticRoom("abc-defg-hij"),
		Roster: r, Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	require.NoError(t, err)

	s.stalled.Store(true)
	assert.Contains(t, bridge(t, h), "<Dial", "the caller is answered during the stall")
	s.stalled.Store(false)

	ctx := context.Background()
	userID := sipconnect.CallUserID("CA0123456789abcdef0123456789abcdef")
	require.NoError(t, r.Join(ctx, roster.Join{RoomID: "room-1", PeerID: "peer-1", UserID: userID, JoinedAt: t0}))
	var phones []roster.Participant
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		phones, err = r.Phones(ctx, "room-1")
		require.NoError(t, err)
		if len(phones) == 1 && phones[0].CallID != "" {
			break
		}
	}
	require.Len(t, phones, 1)
	assert.Equal(t, "CA0123456789abcdef0123456789abcdef", phones[0].CallID, "the call record written again after the stall")
	assert.Equal(t, "+*******0123", phones[0].From)
	require.NoError(t, r.Close())
	noRosterGoroutines(t)
	assert.NotContains(t, logs.String(), callerPhone)
}

// lateStore lets the first SetNX of a key with prefix reach the store
// but answers it as a stall does, with ErrUnavailable: a stalled Redis
// runs the command after the client gave up on it.
type lateStore struct {
	store.Store
	prefix string
	landed atomic.Bool
}

func (s *lateStore) SetNX(ctx context.Context, key string, v []byte, ttl time.Duration) (bool, error) {
	ok, err := s.Store.SetNX(ctx, key, v, ttl)
	if err == nil && strings.HasPrefix(key, s.prefix) && s.landed.CompareAndSwap(false, true) {
		return false, store.ErrUnavailable
	}
	return ok, err
}

// TestRosterTellsOnceWhenAClaimLandsLate: the claim by which a join (or a
// leave) is told of lands, but its answer is lost to a stall. The telling
// is neither lost, to a webhook delivered again that finds the claim
// held, nor told twice: it is tried again from the retry queue, which
// finds its own claim.
func TestRosterTellsOnceWhenAClaimLandsLate(t *testing.T) {
	for _, prefix := range []string{"sipconnect:joined:", "sipconnect:notified-left:"} {
		t.Run(prefix, func(t *testing.T) {
			var joined, left atomic.Int32
			r, _ := newRoster(t, &lateStore{Store: store.NewMemory(), prefix: prefix}, func(c *roster.Config) {
				c.RetryInterval = time.Millisecond
				c.OnJoin = func(context.Context, roster.Participant) { joined.Add(1) }
				c.OnLeave = func(context.Context, roster.EndedCall) { left.Add(1) }
			})
			ctx := context.Background()
			j := roster.Join{RoomID: "room-1", PeerID: "peer-1", JoinedAt: t0}
			l := roster.Leave{RoomID: "room-1", PeerID: "peer-1", JoinedAt: t0, LeftAt: t0.Add(time.Minute), Duration: time.Minute}
			for range 2 { // the second delivery as 100ms retries
				require.NoError(t, r.Join(ctx, j))
			}
			for deadline := time.Now().Add(10 * time.Second); joined.Load() == 0 && time.Now().Before(deadline); {
				time.Sleep(time.Millisecond)
			}
			for range 2 {
				require.NoError(t, r.Leave(ctx, l))
			}
			for deadline := time.Now().Add(10 * time.Second); left.Load() == 0 && time.Now().Before(deadline); {
				time.Sleep(time.Millisecond)
			}
			require.NoError(t, r.Close())
			assert.EqualValues(t, 1, joined.Load(), "OnJoin told once")
			assert.EqualValues(t, 1, left.Load(), "OnLeave told once")
		})
	}
}

// TestRosterRecoversAQueuedTellingThatPanics: a telling queued after a
// stall runs OnJoin on a retry worker, where no net/http recovers a
// panic; the roster does, logs it, and closes cleanly.
func TestRosterRecoversAQueuedTellingThatPanics(t *testing.T) {
	told := make(chan struct{}, 1)
	r, logs := newRoster(t, &lateStore{Store: store.NewMemory(), prefix: "sipconnect:joined:"}, func(c *roster.Config) {
		c.RetryInterval = time.Millisecond
		c.OnJoin = func(context.Context, roster.Participant) {
			told <- struct{}{}
			panic("application bug in OnJoin")
		}
	})
	require.NoError(t, r.Join(context.Background(), roster.Join{RoomID: "room-1", PeerID: "peer-1", JoinedAt: t0}), "the telling is queued")
	select {
	case <-told:
	case <-time.After(time.Minute):
		t.Fatal("OnJoin never told")
	}
	require.NoError(t, r.Close())
	noRosterGoroutines(t)
	assert.Contains(t, logs.String(), "a callback panicked in the retry queue")
	assert.Contains(t, logs.String(), "application bug in OnJoin")
}

// TestRosterRetryGivesUpAtTTL: while the store never answers, call records
// wait in a bounded queue, worked by a bounded number of goroutines; a
// record is dropped once its TTL has passed, and Close stops every
// goroutine.
func TestRosterRetryGivesUpAtTTL(t *testing.T) {
	clk := &sharedClock{}
	clk.Set(t0)
	s := &stallStore{Store: store.NewMemory()}
	s.stalled.Store(true)
	r, logs := newRoster(t, s, func(c *roster.Config) {
		c.Timeout = time.Millisecond
		c.RetryInterval = time.Millisecond
		c.RetryQueue = 2
		c.RetryWorkers = 1
		c.TTL = time.Hour
		c.Clock = clk.Now
	})
	h, err := sipconnect.NewHandler(sipconnect.HandlerConfig{InsecureSkipSignature: true, Room: sipconnect.StaticRoom("abc-defg-hij"),
		Roster: r, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	for range 6 {
		assert.Contains(t, bridge(t, h), "<Dial")
	}
	assert.LessOrEqual(t, len(apisurface.Goroutines("roster.(*Roster)")), 1, "at most RetryWorkers goroutines")
	assert.Contains(t, logs.String(), "retry queue is full")

	clk.Advance(time.Hour + time.Second)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !bytes.Contains([]byte(logs.String()), []byte("expired before the store took it")); {
		time.Sleep(time.Millisecond)
	}
	assert.Contains(t, logs.String(), "expired before the store took it")
	require.NoError(t, r.Close())
	require.NoError(t, r.Close(), "Close may be repeated")
	noRosterGoroutines(t)
	assert.Contains(t, bridge(t, h), "<Dial", "a closed roster still lets callers through")
	noRosterGoroutines(t)
	assert.NotContains(t, logs.String(), callerPhone)
}

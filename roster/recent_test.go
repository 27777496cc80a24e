package roster_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/hmsevents"
	"github.com/hmssip/interconnect-go/roster"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/sipout"
	"github.com/hmssip/interconnect-go/store"
)

// Recent is a view of the call records: what it shows of a call is what
// the call's record holds, so the two never disagree.
func TestRecentIsAViewOfTheRecords(t *testing.T) {
	b := newRecordBench(t, sipconnect.StaticRoom("abc-defg-hij"), nil)
	ctx := context.Background()
	userID := sipconnect.CallUserID(callSid)
	// 100ms's join and leave come before the call's tie (the store stalled
	// when the call was bridged): Recent lists the caller all the same.
	require.NoError(t, b.r.Join(ctx, roster.Join{RoomID: "room-1", PeerID: "peer-1", UserID: userID, JoinedAt: t0}))
	leave := roster.Leave{RoomID: "room-1", PeerID: "peer-1", UserID: userID, JoinedAt: t0,
		LeftAt: t0.Add(time.Minute), Duration: time.Minute, Reason: "peer left"}
	require.NoError(t, b.r.Leave(ctx, leave))
	recent, err := b.r.Recent(ctx, "room-1")
	require.NoError(t, err)
	require.Len(t, recent, 1)
	assert.Equal(t, roster.EndedCall{Participant: roster.Participant{RoomID: "room-1", PeerID: "peer-1", UserID: userID,
		JoinedAt: t0}, LeftAt: t0.Add(time.Minute), Duration: time.Minute, Reason: "peer left"}, recent[0])
	page, err := b.r.Records(ctx, roster.RecordFilter{RoomID: "room-1"})
	require.NoError(t, err)
	require.Len(t, page.Records, 1, "the participant's own record, until its call is known")
	assert.Empty(t, page.Records[0].CallID)
	assert.Equal(t, "peer-1", page.Records[0].PeerID)

	// The tie lands: the call's record takes the join and leave, and both
	// views show the call, once.
	b.post(t, b.h, callForm())
	recent, err = b.r.Recent(ctx, "room-1")
	require.NoError(t, err)
	require.Len(t, recent, 1)
	assert.Equal(t, callSid, recent[0].CallID)
	assert.Equal(t, "+*******0123", recent[0].From)
	assert.Equal(t, "peer left", recent[0].Reason)
	for _, f := range []roster.RecordFilter{{RoomID: "room-1"}, {}} {
		page, err = b.r.Records(ctx, f)
		require.NoError(t, err)
		require.Len(t, page.Records, 1, "the call's record, not the participant's as well")
		rec := page.Records[0]
		assert.Equal(t, callSid, rec.CallID)
		assert.Equal(t, "peer-1", rec.PeerID)
		assert.Equal(t, t0, rec.JoinedAt)
		assert.Equal(t, t0.Add(time.Minute), rec.LeftAt)
	}
}

// A caller who joined twice in one call (a reconnect gives a new peer)
// is two recent calls, each with its own join and leave, both from the
// call's one record.
func TestRecentListsEachPeerOfACall(t *testing.T) {
	b := newRecordBench(t, sipconnect.StaticRoom("abc-defg-hij"), nil)
	ctx := context.Background()
	userID := sipconnect.CallUserID(callSid)
	b.post(t, b.h, callForm())
	for i, peer := range []string{"peer-1", "peer-2"} {
		joined := t0.Add(time.Duration(i) * time.Minute)
		require.NoError(t, b.r.Join(ctx, roster.Join{RoomID: "room-1", PeerID: peer, UserID: userID, JoinedAt: joined}))
		require.NoError(t, b.r.Leave(ctx, roster.Leave{RoomID: "room-1", PeerID: peer, UserID: userID, JoinedAt: joined,
			LeftAt: joined.Add(30 * time.Second), Duration: 30 * time.Second, Reason: "reason " + peer}))
	}
	recent, err := b.r.Recent(ctx, "room-1")
	require.NoError(t, err)
	require.Len(t, recent, 2)
	for i, peer := range []string{"peer-2", "peer-1"} {
		assert.Equal(t, peer, recent[i].PeerID)
		assert.Equal(t, callSid, recent[i].CallID)
		assert.Equal(t, "reason "+peer, recent[i].Reason)
		assert.Equal(t, recent[i].LeftAt.Add(-30*time.Second), recent[i].JoinedAt)
	}
}

// A call whose record is gone (RecordTTL shorter than RecentTTL) is gone
// from Recent too.
func TestRecentDropsACallWhoseRecordExpired(t *testing.T) {
	b := newRecordBench(t, sipconnect.StaticRoom("abc-defg-hij"), func(c *roster.Config) {
		c.RecordTTL = time.Hour
		c.RecentTTL = 24 * time.Hour
	})
	ctx := context.Background()
	require.NoError(t, b.r.Leave(ctx, roster.Leave{RoomID: "room-1", PeerID: "old", LeftAt: t0, Duration: time.Minute}))
	b.clock.Advance(2 * time.Hour)
	require.NoError(t, b.r.Leave(ctx, roster.Leave{RoomID: "room-1", PeerID: "new", LeftAt: t0.Add(2 * time.Hour), Duration: time.Minute}))
	recent, err := b.r.Recent(ctx, "room-1")
	require.NoError(t, err)
	require.Len(t, recent, 1)
	assert.Equal(t, "new", recent[0].PeerID)
}

// A step naming a call id that could be a participant's record id is
// refused: it would write into that participant's record.
func TestRecordRefusesAParticipantRecordID(t *testing.T) {
	r, logs := newRoster(t, store.NewMemory(), nil)
	ctx := context.Background()
	require.NoError(t, r.Leave(ctx, roster.Leave{RoomID: "room-1", PeerID: "p", LeftAt: t0}))
	r.DialEnded(ctx, "Twilio", sipconnect.DialStatus{CallSid: "peer:p", DialCallStatus: "completed"})
	page, err := r.Records(ctx, roster.RecordFilter{})
	require.NoError(t, err)
	require.Len(t, page.Records, 1)
	assert.Empty(t, page.Records[0].DialStatus)
	assert.Contains(t, logs.String(), "names no call")
}

// The role a caller joined with, from 100ms's join webhook, is in the
// participant, the call's record and the recent call.
func TestRosterKeepsTheRole(t *testing.T) {
	r, _ := newRoster(t, store.NewMemory(), nil)
	ctx := context.Background()
	data := `{"room_id":"room-1","peer_id":"peer-1","user_id":"u-1","role":"phone-guest","type":"sip",` +
		`"joined_at":"2001-01-01T09:00:00Z","left_at":"2001-01-01T09:01:00Z","duration":60,"reason":"client request"}`
	require.NoError(t, r.HandleEvent(ctx, hmsevents.Event{Type: hmsevents.TypePeerJoinSuccess, Data: json.RawMessage(data)}))
	phones, err := r.Phones(ctx, "room-1")
	require.NoError(t, err)
	require.Len(t, phones, 1)
	assert.Equal(t, "phone-guest", phones[0].Role)
	require.NoError(t, r.HandleEvent(ctx, hmsevents.Event{Type: hmsevents.TypePeerLeaveSuccess, Data: json.RawMessage(data)}))
	recent, err := r.Recent(ctx, "room-1")
	require.NoError(t, err)
	require.Len(t, recent, 1)
	assert.Equal(t, "phone-guest", recent[0].Role)
	assert.Equal(t, time.Minute, recent[0].Duration)
	page, err := r.Records(ctx, roster.RecordFilter{RoomID: "room-1"})
	require.NoError(t, err)
	require.Len(t, page.Records, 1)
	assert.Equal(t, "phone-guest", page.Records[0].Role)
	assert.Equal(t, time.Minute, page.Records[0].InRoom())
}

// A room's records since a time are those that started since then,
// whether or not their caller joined before it.
func TestRoomRecordsSince(t *testing.T) {
	b := newRecordBench(t, sipconnect.StaticRoom("abc-defg-hij"), nil)
	ctx := context.Background()
	// Three calls, started at t0, t0+10m and t0+20m; the first caller
	// joins 5 s in, the second 5 s in, the third 15 minutes in.
	for i, joinAfter := range []time.Duration{5 * time.Second, 5 * time.Second, 15 * time.Minute} {
		sid := "CA" + strings.Repeat(string(rune('a'+i)), 32)
		b.post(t, b.h, callForm("CallSid", sid))
		require.NoError(t, b.r.Join(ctx, roster.Join{RoomID: "room-1", PeerID: "peer-" + sid, UserID: sipconnect.CallUserID(sid),
			JoinedAt: b.clock.Now().Add(joinAfter)}))
		b.clock.Advance(10 * time.Minute)
	}
	for since, want := range map[time.Duration]int{0: 3, time.Minute: 2, 11 * time.Minute: 1, 21 * time.Minute: 0} {
		for _, room := range []string{"room-1", ""} {
			page, err := b.r.Records(ctx, roster.RecordFilter{RoomID: room, Since: t0.Add(since)})
			require.NoError(t, err)
			assert.Len(t, page.Records, want, "room %q since t0+%v", room, since)
			for _, rec := range page.Records {
				assert.False(t, rec.Started.Before(t0.Add(since)))
			}
		}
	}
}

// A caller who reconnected (two peers) before the call's tie landed: once
// it lands, the call's record holds both peers, and neither participant's
// own record is listed beside it.
func TestReconnectBeforeTheTie(t *testing.T) {
	b := newRecordBench(t, sipconnect.StaticRoom("abc-defg-hij"), nil)
	ctx := context.Background()
	userID := sipconnect.CallUserID(callSid)
	for i, peer := range []string{"peer-1", "peer-2"} {
		joined := t0.Add(time.Duration(i) * time.Minute)
		require.NoError(t, b.r.Join(ctx, roster.Join{RoomID: "room-1", PeerID: peer, UserID: userID, JoinedAt: joined}))
		require.NoError(t, b.r.Leave(ctx, roster.Leave{RoomID: "room-1", PeerID: peer, UserID: userID, JoinedAt: joined,
			LeftAt: joined.Add(30 * time.Second)}))
	}
	b.post(t, b.h, callForm()) // the tie lands
	for _, f := range []roster.RecordFilter{{RoomID: "room-1"}, {}} {
		page, err := b.r.Records(ctx, f)
		require.NoError(t, err)
		require.Len(t, page.Records, 1, "%+v", f)
		assert.Equal(t, callSid, page.Records[0].CallID)
	}
	recent, err := b.r.Recent(ctx, "room-1")
	require.NoError(t, err)
	require.Len(t, recent, 2)
	for _, e := range recent {
		assert.Equal(t, callSid, e.CallID, e.PeerID)
		assert.Equal(t, "+*******0123", e.From)
	}
}

// A dial-out's callee may join before RecordDialOut is told of the
// answer: the tie picks the join up, and the three views agree.
func TestDialOutJoinedBeforeItsRecord(t *testing.T) {
	b := newRecordBench(t, sipconnect.StaticRoom("abc-defg-hij"), nil)
	ctx := context.Background()
	require.NoError(t, b.r.Join(ctx, roster.Join{RoomID: "room-1", PeerID: "peer-9", UserID: "callee-1", JoinedAt: t0}))
	b.clock.Advance(time.Second)
	req := sipout.CallRequest{To: "+14155550199", RoomCode: "abc-defg-hij", TrunkID: "trunk-1", UserID: "callee-1"}
	b.r.RecordDialOut(ctx, req, sipout.CallResult{ID: "call-out-1"}, nil)
	require.NoError(t, b.r.Leave(ctx, roster.Leave{RoomID: "room-1", PeerID: "peer-9", UserID: "callee-1",
		JoinedAt: t0, LeftAt: t0.Add(time.Minute)}))
	for _, f := range []roster.RecordFilter{{RoomID: "room-1"}, {}} {
		page, err := b.r.Records(ctx, f)
		require.NoError(t, err)
		require.Len(t, page.Records, 1, "%+v", f)
		rec := page.Records[0]
		assert.Equal(t, "call-out-1", rec.CallID)
		assert.Equal(t, t0, rec.JoinedAt)
		assert.Equal(t, time.Minute, rec.InRoom())
	}
	ended := b.endedCalls()
	require.Len(t, ended, 1)
	assert.Equal(t, t0, ended[0].JoinedAt, "the record told ended has the join")
	recent, err := b.r.Recent(ctx, "room-1")
	require.NoError(t, err)
	require.Len(t, recent, 1)
	assert.Equal(t, "call-out-1", recent[0].CallID)
	assert.Equal(t, "+*******0199", recent[0].From)
}

// Steps parked before the call began belong to an earlier call of the same
// user id (an application's own ids), not to the call whose tie lands.
func TestParkedStepsOfAnEarlierCallStayTheirs(t *testing.T) {
	b := newRecordBench(t, sipconnect.StaticRoom("abc-defg-hij"), nil)
	ctx := context.Background()
	require.NoError(t, b.r.Join(ctx, roster.Join{RoomID: "room-1", PeerID: "old-peer", UserID: "alice", JoinedAt: t0}))
	require.NoError(t, b.r.Leave(ctx, roster.Leave{RoomID: "room-1", PeerID: "old-peer", UserID: "alice", JoinedAt: t0,
		LeftAt: t0.Add(time.Minute)}))
	b.clock.Advance(2 * time.Hour)
	_, err := b.r.RecordCall(ctx, "alice", sipconnect.Call{CallSid: "CA-new", From: "+14155550123"})
	require.NoError(t, err)
	rec, ok, err := b.r.Record(ctx, "CA-new")
	require.NoError(t, err)
	assert.False(t, ok && rec.PeerID != "", "the new call took no earlier peer: %+v", rec)
	recent, err := b.r.Recent(ctx, "room-1")
	require.NoError(t, err)
	require.Len(t, recent, 1)
	assert.Empty(t, recent[0].CallID, "the earlier call stays the participant's own")
}

// Versions before the per-peer fields parked a user id's steps as "joined"
// and "left": a tie that lands after an upgrade applies them as such.
func TestTieAppliesStepsParkedByAnEarlierVersion(t *testing.T) {
	s := store.NewMemory()
	r, _ := newRoster(t, s, nil)
	ctx := context.Background()
	joined, err := json.Marshal(map[string]any{"at": time.Now(), "room_id": "room-1", "peer_id": "peer-1"})
	require.NoError(t, err)
	require.NoError(t, s.HSet(ctx, "sipconnect:call-record-user:u-1", "joined", joined, time.Hour))
	_, err = r.RecordCall(ctx, "u-1", sipconnect.Call{CallSid: "CA-1", From: "+14155550123"})
	require.NoError(t, err)
	rec, ok, err := r.Record(ctx, "CA-1")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "peer-1", rec.PeerID)
	assert.False(t, rec.JoinedAt.IsZero())
	assert.True(t, rec.LeftAt.IsZero(), "a join, not a leave")
	recent, err := r.Recent(ctx, "room-1")
	require.NoError(t, err)
	assert.Empty(t, recent, "the caller is still in the room")
}

// Recent shows a masked number or none, never the number a call was made
// to in its place.
func TestRecentShowsOnlyAMaskedNumber(t *testing.T) {
	r, _ := newRoster(t, store.NewMemory(), nil)
	ctx := context.Background()
	call := sipconnect.Call{CallSid: "CA-1", To: "+14155550199"} // no caller number
	r.CallAnswered(ctx, sipconnect.CallAnswer{Call: call, Carrier: "Twilio", Outcome: "bridged"})
	_, err := r.RecordCall(ctx, "u-1", call)
	require.NoError(t, err)
	require.NoError(t, r.Join(ctx, roster.Join{RoomID: "room-1", PeerID: "p", UserID: "u-1", JoinedAt: time.Now()}))
	require.NoError(t, r.Leave(ctx, roster.Leave{RoomID: "room-1", PeerID: "p", UserID: "u-1", LeftAt: time.Now()}))
	recent, err := r.Recent(ctx, "room-1")
	require.NoError(t, err)
	require.Len(t, recent, 1)
	assert.Equal(t, "CA-1", recent[0].CallID)
	assert.Empty(t, recent[0].From)
}

// A leave whose join never arrived lists the call under its room too.
func TestALeaveAloneListsTheCallInItsRoom(t *testing.T) {
	r, _ := newRoster(t, store.NewMemory(), nil)
	ctx := context.Background()
	require.NoError(t, r.Leave(ctx, roster.Leave{RoomID: "room-1", PeerID: "p", LeftAt: t0}))
	page, err := r.Records(ctx, roster.RecordFilter{RoomID: "room-1"})
	require.NoError(t, err)
	require.Len(t, page.Records, 1)
	recent, err := r.Recent(ctx, "room-1")
	require.NoError(t, err)
	assert.Len(t, recent, 1)
}

// recordReads counts the reads of call records.
type recordReads struct {
	store.Store
	n atomic.Int32
}

func (s *recordReads) HGetAll(ctx context.Context, key string) (map[string][]byte, error) {
	if strings.HasPrefix(key, "sipconnect:call-record:") {
		s.n.Add(1)
	}
	return s.Store.HGetAll(ctx, key)
}

// A room's records since a time read only the records of calls listed
// since then.
func TestRoomRecordsSinceReadsOnlyThoseSince(t *testing.T) {
	s := &recordReads{Store: store.NewMemory()}
	r, _ := newRoster(t, s, nil)
	ctx := context.Background()
	for i := range 10 {
		at := t0.Add(time.Duration(i) * time.Hour)
		r.CallAnswered(ctx, sipconnect.CallAnswer{Call: sipconnect.Call{CallSid: fmt.Sprintf("CA-%d", i)}, Outcome: "bridged"})
		_, err := r.RecordCall(ctx, fmt.Sprintf("u-%d", i), sipconnect.Call{CallSid: fmt.Sprintf("CA-%d", i)})
		require.NoError(t, err)
		require.NoError(t, r.Join(ctx, roster.Join{RoomID: "room-1", PeerID: fmt.Sprintf("p-%d", i), UserID: fmt.Sprintf("u-%d", i), JoinedAt: at}))
	}
	s.n.Store(0)
	_, err := r.Records(ctx, roster.RecordFilter{RoomID: "room-1", Since: t0.Add(8 * time.Hour)})
	require.NoError(t, err)
	assert.EqualValues(t, 2, s.n.Load(), "the records of the two calls that joined since")
}

// tieGate fails the writes of ties until it is opened, as a stalled store
// does.
type tieGate struct {
	store.Store
	open atomic.Bool
}

func (s *tieGate) SetNX(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	if strings.HasPrefix(key, "sipconnect:call:") && !s.open.Load() {
		return false, store.ErrUnavailable
	}
	return s.Store.SetNX(ctx, key, value, ttl)
}

// A caller reconnected while the call's tie waited in the retry queue,
// the first leg before Since and the second after it: the room's records
// since then show neither the call (it started before Since) nor the
// second leg's own record.
func TestRoomRecordsSinceHideALegOfAKnownCall(t *testing.T) {
	clock := &sharedClock{}
	clock.Advance(t0.Sub(time.Unix(0, 0)))
	gate := &tieGate{Store: store.NewMemory()}
	r, _ := newRoster(t, gate, func(c *roster.Config) {
		c.Clock = clock.Now
		c.RetryInterval = 5 * time.Millisecond
	})
	ctx := context.Background()
	call := sipconnect.Call{CallSid: callSid, From: "+14155550123"}
	r.CallAnswered(ctx, sipconnect.CallAnswer{Call: call, Carrier: "Twilio", Outcome: "bridged"})
	queued, err := r.RecordCall(ctx, "u-1", call)
	require.Error(t, err)
	require.True(t, queued)
	// "b-leg" first, "a-leg" two hours later: the tie applies a-leg's
	// steps first, so the call's listing keeps b-leg's leave, before
	// Since.
	for _, leg := range []struct {
		peer string
		at   time.Time
	}{{"b-leg", t0.Add(10 * time.Second)}, {"a-leg", t0.Add(2 * time.Hour)}} {
		require.NoError(t, r.Join(ctx, roster.Join{RoomID: "room-1", PeerID: leg.peer, UserID: "u-1", JoinedAt: leg.at}))
		require.NoError(t, r.Leave(ctx, roster.Leave{RoomID: "room-1", PeerID: leg.peer, UserID: "u-1", JoinedAt: leg.at,
			LeftAt: leg.at.Add(time.Minute)}))
	}
	gate.open.Store(true)
	require.Eventually(t, func() bool {
		rec, _, err := r.Record(ctx, callSid)
		return err == nil && !rec.LeftAt.IsZero() && rec.PeerID != ""
	}, 10*time.Second, 5*time.Millisecond)
	require.Eventually(t, func() bool {
		rec, _, _ := r.Record(ctx, callSid)
		return len(rec.Timeline) == 6 // received, answered, two joins, two leaves
	}, 10*time.Second, 5*time.Millisecond)
	page, err := r.Records(ctx, roster.RecordFilter{RoomID: "room-1", Since: t0.Add(time.Hour)})
	require.NoError(t, err)
	assert.Empty(t, page.Records)
	page, err = r.Records(ctx, roster.RecordFilter{RoomID: "room-1"})
	require.NoError(t, err)
	require.Len(t, page.Records, 1)
	assert.Equal(t, callSid, page.Records[0].CallID)
}

// A dial-out's callee who joined and left before RecordDialOut: the tie
// applies the leave to an outbound call, which it ends.
func TestDialOutEndedBeforeItsRecord(t *testing.T) {
	b := newRecordBench(t, sipconnect.StaticRoom("abc-defg-hij"), nil)
	ctx := context.Background()
	require.NoError(t, b.r.Join(ctx, roster.Join{RoomID: "room-1", PeerID: "peer-9", UserID: "callee-1", JoinedAt: t0}))
	require.NoError(t, b.r.Leave(ctx, roster.Leave{RoomID: "room-1", PeerID: "peer-9", UserID: "callee-1",
		JoinedAt: t0, LeftAt: t0.Add(time.Second)}))
	req := sipout.CallRequest{To: "+14155550199", RoomCode: "abc-defg-hij", TrunkID: "trunk-1", UserID: "callee-1"}
	b.r.RecordDialOut(ctx, req, sipout.CallResult{ID: "call-out-1"}, nil)
	ended := b.endedCalls()
	require.Len(t, ended, 1, "OnCallEnded told of the ended dial-out")
	assert.Equal(t, "call-out-1", ended[0].CallID)
	assert.Equal(t, t0.Add(time.Second), ended[0].LeftAt)
}

// The listings of calls, all and per room, stay near RecordIndex however
// many calls were made, and keep the newest.
func TestRecordListingsAreCapped(t *testing.T) {
	s := store.NewMemory()
	r, _ := newRoster(t, s, func(c *roster.Config) { c.RecordIndex = 20 })
	ctx := context.Background()
	for i := range 400 {
		require.NoError(t, r.Leave(ctx, roster.Leave{RoomID: "room-1", PeerID: fmt.Sprintf("p%03d", i),
			LeftAt: t0.Add(time.Duration(i) * time.Second)}))
	}
	for _, key := range []string{"sipconnect:call-records", "sipconnect:call-records-room:room-1"} {
		listed, err := s.HGetAll(ctx, key)
		require.NoError(t, err)
		// A trim follows each listing with odds 1 in 2: 20 more listings
		// without one come once in a million runs.
		assert.LessOrEqual(t, len(listed), 20+20, key)
		assert.Contains(t, listed, "peer:p399", key)
	}
}

// TestRosterDropsAnEventNoRetryCanRecord: an event whose room id makes
// keys longer than the store takes, or whose ids are missing, would fail
// on every delivery; it is logged and dropped (nil, so the receiver
// answers 200) rather than sent back to 100ms for ever. A store that does
// not answer is still an error, so that 100ms retries.
func TestRosterDropsAnEventNoRetryCanRecord(t *testing.T) {
	ctx := context.Background()
	r, logs := newRoster(t, store.NewMemory(), nil)
	for name, data := range map[string]string{
		"room id too long": `{"room_id":"` + strings.Repeat("r", store.MaxKeyLen) + `","peer_id":"peer-1","type":"sip","joined_at":"2001-01-01T09:00:00Z"}`,
		"no peer id":       `{"room_id":"room-1","type":"sip","joined_at":"2001-01-01T09:00:00Z"}`,
	} {
		for _, typ := range []string{hmsevents.TypePeerJoinSuccess, hmsevents.TypePeerLeaveSuccess} {
			assert.NoError(t, r.HandleEvent(ctx, hmsevents.Event{ID: "ev-1", Type: typ, Data: json.RawMessage(data)}), "%s, %s", name, typ)
		}
	}
	assert.Contains(t, logs.String(), "an event no retry can record; dropped")

	down, _ := newRoster(t, hangingStore{store.NewMemory()}, func(c *roster.Config) { c.Timeout = 10 * time.Millisecond })
	data := `{"room_id":"room-1","peer_id":"peer-1","type":"sip","joined_at":"2001-01-01T09:00:00Z"}`
	err := down.HandleEvent(ctx, hmsevents.Event{ID: "ev-2", Type: hmsevents.TypePeerJoinSuccess, Data: json.RawMessage(data)})
	assert.ErrorIs(t, err, roster.ErrUnavailable, "a store that does not answer is retried")
}

package roster_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/roster"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/sipout"
	"github.com/hmssip/interconnect-go/store"
	"github.com/hmssip/interconnect-go/store/storetest"
)

// recordBench is a dial-in handler and its roster on one memory store,
// with the roster's clock in the test's hands.
type recordBench struct {
	r     *roster.Roster
	h     *sipconnect.Handler
	clock *sharedClock
	mu    sync.Mutex
	ended []roster.CallRecord
}

func newRecordBench(t *testing.T, room sipconnect.Room, mutate func(*roster.Config)) *recordBench {
	t.Helper()
	b := &recordBench{clock: &sharedClock{}}
	b.clock.Advance(t0.Sub(time.Unix(0, 0)))
	b.r, _ = newRoster(t, store.NewMemory(store.WithClock(b.clock.Now)), func(c *roster.Config) {
		c.Clock = b.clock.Now
		c.OnCallEnded = func(_ context.Context, rec roster.CallRecord) {
			b.mu.Lock()
			defer b.mu.Unlock()
			b.ended = append(b.ended, rec)
		}
		if mutate != nil {
			mutate(c)
		}
	})
	var err error
	b.h, err = sipconnect.NewHandler(sipconnect.HandlerConfig{InsecureSkipSignature: true, Room: room, Roster: b.r,
		Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	return b
}

func (b *recordBench) post(t *testing.T, h http.Handler, form url.Values) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/hook", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
}

func (b *recordBench) endedCalls() []roster.CallRecord {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]roster.CallRecord(nil), b.ended...)
}

const callSid = "CA0123456789abcdef0123456789abcdef"

func TestCallRecordFollowsTheWholeCall(t *testing.T) {
	b := newRecordBench(t, sipconnect.StaticRoom("abc-defg-hij"), nil)
	ctx := context.Background()
	userID := sipconnect.CallUserID(callSid)

	b.post(t, b.h, callForm())
	require.NoError(t, b.r.Join(ctx, roster.Join{RoomID: "room-1", PeerID: "peer-1", UserID: userID, Role: "phone-guest",
		JoinedAt: t0.Add(5 * time.Second)}))
	leave := roster.Leave{RoomID: "room-1", PeerID: "peer-1", UserID: userID, JoinedAt: t0.Add(5 * time.Second),
		LeftAt: t0.Add(95 * time.Second), Duration: 90 * time.Second, Reason: "peer left"}
	require.NoError(t, b.r.Leave(ctx, leave))
	b.clock.Advance(96 * time.Second)
	status := callForm("DialCallStatus", "completed", "DialSipResponseCode", "200", "DialCallDuration", "91")
	for range 2 { // the carrier retries the callback
		b.post(t, b.h.StatusHandler(), status)
	}

	rec, ok, err := b.r.Record(ctx, callSid)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, roster.CallRecord{
		CallID: callSid, Carrier: "twilio", Direction: "inbound", From: "+*******0123", To: "+18005550100",
		RoomID: "room-1", PeerID: "peer-1", Role: "phone-guest", RoomBy: "room", Outcome: "bridged",
		DialStatus: "completed", SIPResponse: "200", DialDuration: 91 * time.Second,
		Started: t0, Ended: t0.Add(96 * time.Second), JoinedAt: t0.Add(5 * time.Second), LeftAt: t0.Add(95 * time.Second),
		Timeline: []roster.CallStep{
			{At: t0, Step: "received"},
			{At: t0, Step: "answered", Detail: "bridged"},
			{At: t0.Add(5 * time.Second), Step: "joined", Detail: "peer-1"},
			{At: t0.Add(95 * time.Second), Step: "left", Detail: "peer left"},
			{At: t0.Add(96 * time.Second), Step: "dialed", Detail: "completed (200)"},
		},
	}, rec)
	assert.Equal(t, 96*time.Second, rec.Duration())
	assert.Equal(t, 90*time.Second, rec.InRoom())
	js, err := json.Marshal(rec)
	require.NoError(t, err)
	var fields map[string]any
	require.NoError(t, json.Unmarshal(js, &fields))
	assert.EqualValues(t, 96e9, fields["duration"], "the durations are in the JSON too")
	assert.EqualValues(t, 90e9, fields["in_room"])
	assert.Equal(t, "phone-guest", fields["role"])
	assert.Equal(t, callSid, fields["call_id"])
	recent, err := b.r.Recent(ctx, "room-1")
	require.NoError(t, err)
	require.Len(t, recent, 1)
	assert.Equal(t, "phone-guest", recent[0].Role)

	ended := b.endedCalls()
	require.Len(t, ended, 1, "told once, however often the callback came")
	assert.Equal(t, "completed", ended[0].DialStatus)

	for _, f := range []roster.RecordFilter{{}, {RoomID: "room-1"}, {Since: t0}} {
		page, err := b.r.Records(ctx, f)
		require.NoError(t, err)
		require.Len(t, page.Records, 1, "%+v", f)
		assert.Equal(t, rec, page.Records[0])
	}
	for _, f := range []roster.RecordFilter{{RoomID: "room-2"}, {Since: t0.Add(time.Second)}} {
		page, err := b.r.Records(ctx, f)
		require.NoError(t, err)
		assert.Empty(t, page.Records, "%+v", f)
	}
}

// Steps arriving in another order, and again, make the same record.
func TestCallRecordTakesStepsInAnyOrder(t *testing.T) {
	b := newRecordBench(t, sipconnect.StaticRoom("abc-defg-hij"), nil)
	ctx := context.Background()
	userID := sipconnect.CallUserID(callSid)
	b.post(t, b.h, callForm()) // ties the user id to the call, as the bridge does
	leave := roster.Leave{RoomID: "room-1", PeerID: "peer-1", UserID: userID, JoinedAt: t0.Add(5 * time.Second),
		LeftAt: t0.Add(95 * time.Second), Duration: 90 * time.Second, Reason: "peer left"}
	for range 2 {
		require.NoError(t, b.r.Leave(ctx, leave))
		b.post(t, b.h.StatusHandler(), callForm("DialCallStatus", "completed", "DialSipResponseCode", "200"))
		require.NoError(t, b.r.Join(ctx, roster.Join{RoomID: "room-1", PeerID: "peer-1", UserID: userID, JoinedAt: t0.Add(5 * time.Second)}))
	}
	rec, ok, err := b.r.Record(ctx, callSid)
	require.NoError(t, err)
	require.True(t, ok)
	var steps []string
	for _, s := range rec.Timeline {
		steps = append(steps, s.Step)
	}
	assert.Equal(t, []string{"received", "answered", "dialed", "joined", "left"}, steps,
		"in time order, each once (the join and leave carry 100ms's times)")
	assert.Equal(t, "room-1", rec.RoomID)
	assert.Len(t, b.endedCalls(), 1)
}

// A call that could not be bridged ends with its answer.
func TestCallRecordOfAFallback(t *testing.T) {
	b := newRecordBench(t, sipconnect.RoomFunc(func(context.Context, sipconnect.Call) (string, error) {
		return "", errors.New("no such room")
	}), nil)
	b.post(t, b.h, callForm())
	ended := b.endedCalls()
	require.Len(t, ended, 1)
	assert.Equal(t, "fallback", ended[0].Outcome)
	assert.Equal(t, "room", ended[0].Reason)
	assert.Equal(t, t0, ended[0].Ended)
}

func TestCallRecordsArePagedNewestFirst(t *testing.T) {
	b := newRecordBench(t, sipconnect.StaticRoom("abc-defg-hij"), nil)
	ctx := context.Background()
	var want []string
	for i := range 5 {
		sid := "CA" + strings.Repeat(string(rune('a'+i)), 32)
		b.post(t, b.h, callForm("CallSid", sid))
		want = append([]string{sid}, want...)
		b.clock.Advance(time.Minute)
	}
	var got []string
	f := roster.RecordFilter{Limit: 2}
	for pages := 0; ; pages++ {
		require.Less(t, pages, 3)
		page, err := b.r.Records(ctx, f)
		require.NoError(t, err)
		for _, r := range page.Records {
			got = append(got, r.CallID)
		}
		if page.Next == "" {
			break
		}
		f.After = page.Next
	}
	assert.Equal(t, want, got)
	_, err := b.r.Records(ctx, roster.RecordFilter{After: "not-a-cursor"})
	assert.ErrorIs(t, err, roster.ErrBadCursor)
}

func TestRosterCountsPhoneParticipants(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	r, _ := newRoster(t, store.NewMemory(), func(c *roster.Config) { c.MeterProvider = mp })
	ctx := context.Background()
	for _, p := range []string{"peer-1", "peer-2", "peer-1"} { // a join delivered twice counts once
		require.NoError(t, r.Join(ctx, roster.Join{RoomID: "room-1", PeerID: p, JoinedAt: t0}))
	}
	require.NoError(t, r.Leave(ctx, roster.Leave{RoomID: "room-1", PeerID: "peer-2", JoinedAt: t0, LeftAt: t0.Add(time.Minute)}))
	// A leave delivered before its join: the join is never told of, and
	// the leave does not take back what it did not count.
	require.NoError(t, r.Leave(ctx, roster.Leave{RoomID: "room-1", PeerID: "peer-3", JoinedAt: t0, LeftAt: t0.Add(time.Minute)}))
	require.NoError(t, r.Join(ctx, roster.Join{RoomID: "room-1", PeerID: "peer-3", JoinedAt: t0}))
	assert.Equal(t, int64(1), participants(t, reader))
}

// participants reads the phone participants gauge.
func participants(t *testing.T, reader *sdkmetric.ManualReader) int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(context.Background(), &rm))
	var got int64
	found := false
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == "sipconnect.phone.participants" {
				found = true
				assert.Equal(t, "{participant}", m.Unit)
				for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
					got += dp.Value
				}
			}
		}
	}
	require.True(t, found)
	return got
}

// TestRosterGaugeForACallLongerThanRecentTTL: a call that lasts longer
// than RecentTTL still finds its join's claim when it ends, and takes the
// participant off the gauge.
func TestRosterGaugeForACallLongerThanRecentTTL(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	clock := storetest.NewClock(t0)
	var joined, left int
	r, _ := newRoster(t, store.NewMemory(store.WithClock(clock.Now)), func(c *roster.Config) {
		c.MeterProvider = sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
		c.Clock = clock.Now
		c.RecentTTL = 30 * time.Minute
		c.OnJoin = func(context.Context, roster.Participant) { joined++ }
		c.OnLeave = func(context.Context, roster.EndedCall) { left++ }
	})
	ctx := context.Background()
	require.NoError(t, r.Join(ctx, roster.Join{RoomID: "room-1", PeerID: "peer-1", JoinedAt: t0}))
	assert.Equal(t, int64(1), participants(t, reader))
	clock.Advance(45 * time.Minute)
	require.NoError(t, r.Leave(ctx, roster.Leave{RoomID: "room-1", PeerID: "peer-1", JoinedAt: t0,
		LeftAt: clock.Now(), Duration: 45 * time.Minute}))
	assert.Equal(t, 1, joined)
	assert.Equal(t, 1, left)
	assert.Equal(t, int64(0), participants(t, reader), "the caller who left is no longer counted")
}

// heldStore holds the first Get of a key with prefix until release is
// closed, so that a telling tried again from the retry queue waits.
type heldStore struct {
	store.Store
	prefix  string
	release chan struct{}
	held    atomic.Bool
}

func (s *heldStore) Get(ctx context.Context, key string) ([]byte, error) {
	if strings.HasPrefix(key, s.prefix) && s.held.CompareAndSwap(false, true) {
		<-s.release
	}
	return s.Store.Get(ctx, key)
}

// TestRosterQueuedJoinAfterItsLeave: a join whose telling waits in the
// retry queue while its leave is told is not told after the leave
// (OnJoin never follows OnLeave), and the gauge ends where it started.
func TestRosterQueuedJoinAfterItsLeave(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	held := &heldStore{Store: &lateStore{Store: store.NewMemory(), prefix: "sipconnect:joined:"},
		prefix: "sipconnect:joined:", release: make(chan struct{})}
	var joined, left atomic.Int32
	r, logs := newRoster(t, held, func(c *roster.Config) {
		c.MeterProvider = sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
		c.Timeout = time.Minute // the held Get is not cut short
		c.RetryInterval = time.Millisecond
		c.OnJoin = func(context.Context, roster.Participant) { joined.Add(1) }
		c.OnLeave = func(context.Context, roster.EndedCall) { left.Add(1) }
	})
	ctx := context.Background()
	require.NoError(t, r.Join(ctx, roster.Join{RoomID: "room-1", PeerID: "peer-1", JoinedAt: t0}), "the telling is queued")
	for deadline := time.Now().Add(10 * time.Second); !held.held.Load() && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	require.True(t, held.held.Load(), "the queued telling reads its claim")
	require.NoError(t, r.Leave(ctx, roster.Leave{RoomID: "room-1", PeerID: "peer-1", JoinedAt: t0, LeftAt: t0.Add(time.Minute)}))
	close(held.release)
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(logs.String(), "taken after a retry") && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	require.Contains(t, logs.String(), "taken after a retry")
	require.NoError(t, r.Close())
	assert.EqualValues(t, 0, joined.Load(), "no OnJoin after OnLeave")
	assert.EqualValues(t, 1, left.Load())
	assert.Equal(t, int64(0), participants(t, reader))
}

// A call placed with sipout is an outbound record: answered and tied to
// its user id, so that 100ms's join and leave complete it; or ended at
// once when nobody answered.
func TestCallRecordOfADialOut(t *testing.T) {
	b := newRecordBench(t, sipconnect.StaticRoom("abc-defg-hij"), nil)
	ctx := context.Background()
	req := sipout.CallRequest{To: "+14155550199", RoomCode: "abc-defg-hij", TrunkID: "trunk-1", UserID: "callee-1"}
	b.r.RecordDialOut(ctx, req, sipout.CallResult{ID: "call-out-1"}, nil)
	require.NoError(t, b.r.Join(ctx, roster.Join{RoomID: "room-1", PeerID: "peer-9", UserID: "callee-1", JoinedAt: t0.Add(time.Second)}))
	require.Empty(t, b.endedCalls(), "an answered dial-out goes on until the callee leaves")
	require.NoError(t, b.r.Leave(ctx, roster.Leave{RoomID: "room-1", PeerID: "peer-9", UserID: "callee-1",
		JoinedAt: t0.Add(time.Second), LeftAt: t0.Add(time.Minute)}))
	ended := b.endedCalls()
	require.Len(t, ended, 1)
	assert.Equal(t, "outbound", ended[0].Direction)
	assert.Equal(t, "answered", ended[0].Outcome)
	assert.Equal(t, "+*******0199", ended[0].To)
	assert.Equal(t, "room-1", ended[0].RoomID)
	assert.Equal(t, t0.Add(time.Minute), ended[0].Ended)

	b.clock.Advance(time.Hour)
	b.r.RecordDialOut(ctx, req, sipout.CallResult{}, fmt.Errorf("%w: 408", sipout.ErrNoAnswer))
	b.r.RecordDialOut(ctx, req, sipout.CallResult{}, &hmsapi.APIError{StatusCode: 486, Message: "busy +14155550199"})
	page, err := b.r.Records(ctx, roster.RecordFilter{Since: t0.Add(time.Hour)})
	require.NoError(t, err)
	var outcomes []string
	for _, rec := range page.Records {
		outcomes = append(outcomes, rec.Outcome)
		assert.NotContains(t, fmt.Sprintf("%+v", rec), "4155550199", "no number, not even in an error's text")
	}
	assert.ElementsMatch(t, []string{"no_answer", "failed_4xx"}, outcomes)
	assert.Len(t, b.endedCalls(), 3)
}

// Vonage's connect events name the conversation, not the inbound leg the
// answer webhook named: the dial result still lands on the call's record.
func TestCallRecordTiesVonageConnectEvents(t *testing.T) {
	b := newRecordBench(t, sipconnect.StaticRoom("abc-defg-hij"), nil)
	ctx := context.Background()
	call := sipconnect.Call{CallSid: "leg-1", From: "+14155550123", To: "+18005550100",
		Form: url.Values{"uuid": {"leg-1"}, "conversation_uuid": {"CON-1"}}}
	b.r.CallAnswered(ctx, sipconnect.CallAnswer{Call: call, Carrier: "Vonage", Outcome: "bridged", RoomBy: "room"})
	b.r.DialEnded(ctx, "Vonage", sipconnect.DialStatus{CallSid: "CON-1", DialCallSid: "leg-2", DialCallStatus: "completed"})
	rec, ok, err := b.r.Record(ctx, "leg-1")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "completed", rec.DialStatus)
	_, ok, err = b.r.Record(ctx, "CON-1")
	require.NoError(t, err)
	assert.False(t, ok, "no second record under the conversation's id")
}

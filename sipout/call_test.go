package sipout_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/headers"
	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/sipout"
)

// callRequests counts the call requests the fake received.
func callRequests(srv *hmstest.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Path == "/v2/sip/outbound/call" {
			n++
		}
	}
	return n
}

func TestCallAnsweredJoinsRoomAsSIPPeer(t *testing.T) {
	f := newFake(t)
	r := f.call("+14155550123")
	r.Name, r.UserID, r.Video = "Alex", "crm-77", true
	r.Headers = headers.List{{Name: "X-Ticket", Value: "T-42"}}
	res, err := f.client.Call(context.Background(), r)
	require.NoError(t, err)
	require.Len(t, res.ID, 24)

	p, ok := f.srv.CallPeer(res.ID)
	require.True(t, ok, "the callee is a live peer of the room")
	assert.True(t, p.SIP)
	assert.Equal(t, "Alex", p.Name)
	assert.Equal(t, "crm-77", p.UserID)
	assert.Equal(t, "guest", p.Role, "the role of the room code")
	calls := f.srv.Calls()
	require.Len(t, calls, 1)
	assert.Equal(t, roomID, calls[0].RoomID)
	assert.Equal(t, map[string]string{"X-Ticket": "T-42"}, calls[0].Headers)
	assert.True(t, calls[0].Video)
}

func TestCallBody(t *testing.T) {
	c, mux, _ := setup(t)
	var bodies []string
	mux.HandleFunc("POST /sip/outbound/call", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		_, _ = w.Write([]byte(`{"id":"call-1"}`))
	})
	ctx := context.Background()
	res, err := c.Call(ctx, sipout.CallRequest{To: "+14155550123", RoomCode: roomCode, TrunkID: "t1"})
	require.NoError(t, err)
	assert.Equal(t, sipout.CallResult{ID: "call-1"}, res)
	_, err = c.Call(ctx, sipout.CallRequest{To: "sip:alice@example.com", RoomCode: roomCode, TrunkID: "t1", Name: "Alice", UserID: "u1",
		Video: true, Headers: headers.List{{Name: "X-B", Value: "2"}, {Name: "X-A", Value: "1"}}})
	require.NoError(t, err)
	assert.Equal(t, []string{
		`{"to":"+14155550123","room_code":"abc-defg-hij","trunk_id":"t1"}`,
		`{"to":"sip:alice@example.com","name":"Alice","user_id":"u1","room_code":"abc-defg-hij","trunk_id":"t1","video":true,"headers":{"X-A":"1","X-B":"2"}}`,
	}, bodies)
}

func TestCallEmptyAnswer(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc("POST /sip/outbound/call", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{}`)) })
	_, err := c.Call(context.Background(), sipout.CallRequest{To: "+1", RoomCode: roomCode, TrunkID: "t1"})
	assert.ErrorIs(t, err, hmsapi.ErrResponse)
}

// TestCallAnsweredAfterTwoSeconds rings longer than the core's default
// attempt timeout would allow for an ordinary request... and well within
// the default ring timeout.
func TestCallAnsweredAfterTwoSeconds(t *testing.T) {
	t.Parallel()
	f := newFake(t, hmsapi.WithTimeout(time.Second)) // an attempt timeout shorter than the ring
	f.srv.SetCallAnswer("+14155550123", 2*time.Second)
	start := time.Now()
	res, err := f.client.Call(context.Background(), f.call("+14155550123"))
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 2*time.Second)
	_, ok := f.srv.CallPeer(res.ID)
	assert.True(t, ok)
}

// TestCallNoAnswerOwnDeadline: the fake rings for a minute, so the client's
// own ring deadline (RingTimeout + RingMargin) ends the call.
func TestCallNoAnswerOwnDeadline(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.srv.SetCallNoAnswer("+14155550123")
	r := f.call("+14155550123")
	r.RingTimeout = 200 * time.Millisecond
	start := time.Now()
	_, err := f.client.Call(context.Background(), r)
	elapsed := time.Since(start)
	require.ErrorIs(t, err, sipout.ErrNoAnswer)
	assert.NotErrorIs(t, err, context.DeadlineExceeded, "the caller's context did not end")
	assert.Contains(t, err.Error(), "ring timeout 200ms")
	assert.GreaterOrEqual(t, elapsed, r.RingTimeout+sipout.RingMargin)
	assert.Less(t, elapsed, r.RingTimeout+sipout.RingMargin+5*time.Second)
	require.Eventually(t, func() bool { return callRequests(f.srv) == 1 }, 5*time.Second, 5*time.Millisecond)
	assert.Len(t, f.srv.Calls(), 1)
	assert.False(t, f.srv.Calls()[0].Answered)
}

// TestCallNoAnswer408: 100ms gives up first and answers 408.
func TestCallNoAnswer408(t *testing.T) {
	f := newFake(t)
	f.srv.SetCallNoAnswer("+14155550123")
	f.srv.SetMaxRing(100 * time.Millisecond)
	_, err := f.client.Call(context.Background(), f.call("+14155550123"))
	require.ErrorIs(t, err, sipout.ErrNoAnswer)
	var apiErr *hmsapi.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusRequestTimeout, apiErr.StatusCode)
	assert.Equal(t, "timed out", apiErr.Message)
	assert.EqualError(t, err, "sipout: no answer: hmsapi: POST /sip/outbound/call: 408 Request Timeout: timed out")
	assert.Equal(t, 1, callRequests(f.srv))
}

func TestCallDeclined(t *testing.T) {
	f := newFake(t)
	f.srv.SetCallDecline("+14155550123")
	_, err := f.client.Call(context.Background(), f.call("+14155550123"))
	var apiErr *hmsapi.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "call declined", apiErr.Message)
	assert.NotErrorIs(t, err, sipout.ErrNoAnswer)
	assert.Equal(t, 1, callRequests(f.srv))
}

// TestCallNeverRepeated: a call request that may have reached 100ms is
// never sent again, whatever the answer, since the phone would ring twice.
func TestCallNeverRepeated(t *testing.T) {
	for _, fault := range []hmstest.Fault{
		{Count: 3, Status: 429, RetryAfter: "0"},
		{Count: 3, Status: 500},
		{Count: 3, Status: 502, Body: "<html>bad gateway</html>"},
		{Count: 3, Status: 503, RetryAfter: "1"},
		{Count: 3, Status: 0}, // the connection breaks after the request was sent
	} {
		f := newFake(t)
		f.srv.InjectFault(fault)
		_, err := f.client.Call(context.Background(), f.call("+14155550123"))
		require.Error(t, err, fault.Status)
		// A request the server cut off is recorded just after the client
		// sees the broken connection: wait for it, then make sure no
		// second one follows.
		require.Eventually(t, func() bool { return callRequests(f.srv) >= 1 }, 5*time.Second, time.Millisecond)
		assert.Never(t, func() bool { return callRequests(f.srv) > 1 }, 100*time.Millisecond, 5*time.Millisecond, "status %d", fault.Status)
		assert.Empty(t, f.srv.Calls(), "the phone never rang")
		if fault.Status == 429 {
			assert.ErrorIs(t, err, hmsapi.ErrRateLimited)
		}
	}
}

func TestCallCancelledMidRing(t *testing.T) {
	f := newFake(t)
	f.srv.SetCallNoAnswer("+14155550123")
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for callRequests(f.srv) == 0 && len(f.srv.Calls()) == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	start := time.Now()
	_, err := f.client.Call(ctx, f.call("+14155550123"))
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, context.Canceled, err, "ctx.Err() itself")
	assert.NotErrorIs(t, err, sipout.ErrNoAnswer)
	assert.Less(t, time.Since(start), sipout.RingMargin, "returns when ctx ends, not at the ring deadline")
	require.Eventually(t, func() bool { return callRequests(f.srv) == 1 }, 5*time.Second, 5*time.Millisecond)
	assert.False(t, f.srv.Calls()[0].Answered)
}

func TestCallCallerDeadlineFirst(t *testing.T) {
	f := newFake(t)
	f.srv.SetCallNoAnswer("+14155550123")
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	r := f.call("+14155550123")
	r.RingTimeout = time.Hour
	_, err := f.client.Call(ctx, r)
	assert.Equal(t, context.DeadlineExceeded, err)
	assert.NotErrorIs(t, err, sipout.ErrNoAnswer)
}

func TestCallUnknownCodeOrTrunk(t *testing.T) {
	f := newFake(t)
	ctx := context.Background()
	r := f.call("+1")
	r.RoomCode = "zzz-zzzz-zzz"
	_, err := f.client.Call(ctx, r)
	assert.ErrorIs(t, err, hmsapi.ErrNotFound)
	r = f.call("+1")
	r.TrunkID = "nope"
	_, err = f.client.Call(ctx, r)
	assert.ErrorIs(t, err, hmsapi.ErrNotFound)
	assert.False(t, errors.Is(err, sipout.ErrNoAnswer))
}

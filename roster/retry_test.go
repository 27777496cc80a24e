package roster_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/internal/apisurface"
	"github.com/hmssip/interconnect-go/roster"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/store"
)

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

package hmsevents_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hmssip/interconnect-go/hmsevents"
	"github.com/hmssip/interconnect-go/store"
	"github.com/hmssip/interconnect-go/store/storetest"
)

// tripwire stalls the store it wraps, once, when a SetNX of a key with the
// given prefix is made: before it (the write is then held for Resume) or
// after it took effect.
type tripwire struct {
	*storetest.Stalling
	prefix string
	after  bool
	fired  atomic.Bool
}

func (w *tripwire) SetNX(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	hit := w.prefix != "" && strings.HasPrefix(key, w.prefix)
	if hit && !w.after && w.fired.CompareAndSwap(false, true) {
		w.Stall()
	}
	stored, err := w.Stalling.SetNX(ctx, key, value, ttl)
	if hit && w.after && stored && w.fired.CompareAndSwap(false, true) {
		w.Stall()
	}
	return stored, err
}

// TestStallNeverEatsTheRetries delivers one event on 100ms's schedule
// (attempts 0, 1, 3 and 10 s after the first, each only if the one before
// was not answered 200) to two receivers sharing a store that stalls at
// some step of the first attempt until just before the last one, as a
// Redis stopped by SIGSTOP for 10 s does: the commands sent during the
// stall run when it resumes. Whatever the step, the event is handled
// exactly once, and a duplicate delivered a minute later is not handled
// again. Time is a fake clock; the schedule is replayed, not waited for.
func TestStallNeverEatsTheRetries(t *testing.T) {
	schedule := []time.Duration{0, time.Second, 3 * time.Second, 10 * time.Second}
	for _, tc := range []struct {
		name string
		// prefix and after place the stall (see tripwire); an empty
		// prefix stalls the store before the first attempt, and
		// failInHandler stalls it from the handler, which then fails.
		prefix        string
		after         bool
		failInHandler bool
	}{
		{name: "before the first attempt"},
		{name: "on the claim", prefix: "hmsevents:claim:"},
		{name: "after the claim", prefix: "hmsevents:claim:", after: true},
		{name: "in the handler", failInHandler: true},
		{name: "on recording the event handled", prefix: "hmsevents:done:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := storetest.NewClock(time.Date(2040, 2, 29, 23, 59, 58, 0, time.UTC))
			st := &tripwire{Stalling: storetest.NewStalling(store.NewMemory(store.WithClock(clock.Now))), prefix: tc.prefix, after: tc.after}
			h := newCounter()
			var failed atomic.Bool
			h.fail = func(hmsevents.Event) error {
				if tc.failInHandler && failed.CompareAndSwap(false, true) {
					st.Stall()
					return errors.New("the store stalled under the handler")
				}
				return nil
			}
			var receivers []*hmsevents.Receiver
			for range 2 {
				cfg := testConfig(h, nil)
				cfg.Store = st
				cfg.StoreTimeout = 20 * time.Millisecond // real time: how long a stalled call waits
				r := newReceiver(t, cfg)
				hmsevents.SetClock(r, clock.Now)
				receivers = append(receivers, r)
			}
			if tc.prefix == "" && !tc.failInHandler {
				st.Stall()
			}
			var codes []int
			at := time.Duration(0)
			for i, next := range schedule {
				clock.Advance(next - at)
				at = next
				if next == 10*time.Second {
					st.Resume() // Redis resumes just before the last retry
				}
				code := serve(receivers[i%2], post(eventJSON("e1"))).Code
				codes = append(codes, code)
				if code == http.StatusOK {
					break
				}
			}
			st.Resume()
			if codes[len(codes)-1] != http.StatusOK {
				t.Errorf("answers %v: no attempt answered 200, 100ms gives the event up", codes)
			}
			clock.Advance(time.Minute)
			if code := serve(receivers[0], post(eventJSON("e1"))).Code; code != http.StatusOK {
				t.Errorf("a duplicate a minute later answered %d, want 200", code)
			}
			if n := h.count("e1"); n != 1 {
				t.Errorf("answers %v: handled %d times, want exactly once", codes, n)
			}
		})
	}
}

package roster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/store"
)

// callRecord is what the handler keeps of a bridged call.
type callRecord struct {
	CallID string `json:"call_id"`
	From   string `json:"from,omitempty"` // masked
}

// pendingRecord is a call record the store has not taken yet.
type pendingRecord struct {
	key    string
	value  []byte
	userID string
	at     time.Time // when the call was bridged, by the roster's clock
}

// RecordCall keeps the call id and masked number of a call whose SIP
// address carries userID, for the join to find. It waits on the store at
// most the roster's Timeout; when the store does not take the record then,
// the record is queued to be written again in the background and queued
// reports true. Either way err tells what the first write met. It is the
// one method of sipconnect.CallRecorder: the dial-in handler calls it.
func (r *Roster) RecordCall(ctx context.Context, userID string, call sipconnect.Call) (queued bool, err error) {
	v, err := json.Marshal(callRecord{CallID: call.CallSid, From: sipconnect.MaskNumber(call.From)})
	if err != nil {
		return false, err
	}
	p := pendingRecord{key: callKey(userID), value: v, userID: userID, at: r.cfg.Clock()}
	sctx, cancel := r.ctx(ctx)
	defer cancel()
	// The first record of a user id wins: a second call with the same
	// application-chosen id does not take over the first's join.
	if _, err = r.cfg.Store.SetNX(sctx, p.key, v, r.cfg.TTL); err == nil || !retryable(err) {
		return false, err
	}
	return r.enqueue(ctx, p), fmt.Errorf("%w: %w", ErrUnavailable, err)
}

// retryable reports whether a store error may pass: the store was down or
// slow, not given a bad key.
func retryable(err error) bool {
	return !errors.Is(err, store.ErrInvalid) && !errors.Is(err, store.ErrWrongType)
}

// enqueue queues a call record to be written again, starting a worker when
// fewer than RetryWorkers run. It reports false, and logs why, when the
// record is dropped: the queue is full or the roster closed.
func (r *Roster) enqueue(ctx context.Context, p pendingRecord) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		r.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "roster: the roster is closed; the call record is not written again",
			slog.String("user_id", p.userID))
		return false
	}
	select {
	case r.queue <- p:
	default:
		r.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "roster: the roster's retry queue is full; the call record is dropped",
			slog.String("user_id", p.userID), slog.Int("queue", cap(r.queue)))
		return false
	}
	if r.workers < r.cfg.RetryWorkers {
		r.workers++
		r.wg.Add(1)
		go r.retryWorker()
	}
	return true
}

// retryWorker writes queued call records until the queue is empty or the
// roster closes: no goroutine waits while nothing needs writing, and the
// next record queued starts one again.
func (r *Roster) retryWorker() {
	defer r.wg.Done()
	for {
		select {
		case <-r.stopped.Done():
			return
		case p := <-r.queue:
			r.retryRecord(p)
		default:
			// enqueue adds a record and checks the workers under r.mu,
			// so an empty queue seen under r.mu is either left empty or
			// gets a worker of its own.
			r.mu.Lock()
			if len(r.queue) == 0 {
				r.workers--
				r.mu.Unlock()
				return
			}
			r.mu.Unlock()
		}
	}
}

// retryRecord writes p until the store takes it, its TTL passes, or the
// roster closes, waiting longer after each failure.
func (r *Roster) retryRecord(p pendingRecord) {
	wait := r.cfg.RetryInterval
	for attempt := 1; ; attempt++ {
		left := p.at.Add(r.cfg.TTL).Sub(r.cfg.Clock())
		if left <= 0 {
			r.cfg.Logger.LogAttrs(r.stopped, slog.LevelWarn, "roster: a call record expired before the store took it",
				slog.String("user_id", p.userID), slog.Int("attempts", attempt-1))
			return
		}
		ctx, cancel := context.WithTimeout(r.stopped, r.cfg.Timeout)
		// SetNX: a write of the first attempt that landed late (a stalled
		// Redis runs the commands it queued) wins, and this one is a no-op.
		_, err := r.cfg.Store.SetNX(ctx, p.key, p.value, left)
		cancel()
		if err == nil {
			r.cfg.Logger.LogAttrs(r.stopped, slog.LevelInfo, "roster: call record written after a retry",
				slog.String("user_id", p.userID), slog.Int("attempts", attempt))
			return
		}
		if !retryable(err) {
			r.cfg.Logger.LogAttrs(r.stopped, slog.LevelError, "roster: the store refused a call record",
				slog.String("user_id", p.userID), slog.String("error", err.Error()))
			return
		}
		t := time.NewTimer(wait)
		select {
		case <-r.stopped.Done():
			t.Stop()
			return
		case <-t.C:
		}
		wait = min(2*wait, MaxRetryInterval)
	}
}

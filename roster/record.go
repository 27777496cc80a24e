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

// callRecord is what the handler keeps of a bridged call: the tie of a
// user id to its call.
type callRecord struct {
	CallID string    `json:"call_id"`
	From   string    `json:"from,omitempty"` // masked
	At     time.Time `json:"at,omitzero"`    // when the call was bridged, by the roster's clock
}

// pendingRecord is what the store did not take of a call: its tie to its
// user id, a step of its record, or the telling of a join, a leave or its
// end. apply writes it again; every write it makes is idempotent.
type pendingRecord struct {
	apply func(ctx context.Context) error
	id    slog.Attr // for logs: the user id, call id or peer id it is about
	at    time.Time // when the call was bridged, by the roster's clock
}

// RecordCall keeps the call id and masked number of a call whose SIP
// address carries userID, for the join to find. It waits on the store at
// most the roster's Timeout; when the store does not take the record then,
// the record is queued to be written again in the background and queued
// reports true. Either way err tells what the first write met. The
// dial-in handler calls it (sipconnect.CallRecorder).
//
// A user id names one call for TTL: the first call recorded with it keeps
// it. The handler's own user ids (sipconnect.CallUserID) are one per call;
// an application that gives callers ids of its own and reuses one within
// TTL gets the joins and leaves of the later call in the first call's
// record.
func (r *Roster) RecordCall(ctx context.Context, userID string, call sipconnect.Call) (queued bool, err error) {
	tie, err := r.tie(userID, callRecord{CallID: call.CallSid, From: sipconnect.MaskNumber(call.From), At: r.cfg.Clock()})
	if err != nil {
		return false, err
	}
	if err = tie(ctx); err == nil || !retryable(err) {
		return false, err
	}
	return r.enqueue(ctx, pendingRecord{apply: tie, id: slog.String("user_id", userID), at: r.cfg.Clock()}), err
}

// tie returns the write that ties userID to the call of rec, for the
// joins and leaves of userID to find; writing it again changes nothing.
func (r *Roster) tie(userID string, rec callRecord) (func(ctx context.Context) error, error) {
	v, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		// The first record of a user id wins: a second call with the
		// same application-chosen id does not take over the first's join.
		// A join or leave that came before the tie was parked under the
		// user id: the call's record takes it now.
		ours, err := r.claim(ctx, callKey(userID), v, r.cfg.TTL, func(cur []byte) bool {
			var held callRecord
			return json.Unmarshal(cur, &held) == nil && held.CallID == rec.CallID
		})
		if err != nil || !ours {
			return err
		}
		return r.unpark(ctx, userID, rec)
	}, nil
}

// retryable reports whether a store error may pass: the store was down or
// slow, not given a bad key.
func retryable(err error) bool {
	return !errors.Is(err, store.ErrInvalid) && !errors.Is(err, store.ErrWrongType)
}

// enqueue queues a write to be tried again, starting a worker when
// fewer than RetryWorkers run. It reports false, and logs why, when the
// record is dropped: the queue is full or the roster closed.
func (r *Roster) enqueue(ctx context.Context, p pendingRecord) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		r.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "roster: the roster is closed; a write the store did not take is not tried again",
			p.id)
		return false
	}
	select {
	case r.queue <- p:
	default:
		r.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "roster: the roster's retry queue is full; a write the store did not take is dropped",
			p.id, slog.Int("queue", cap(r.queue)))
		return false
	}
	if r.workers < r.cfg.RetryWorkers {
		r.workers++
		r.wg.Add(1)
		go r.retryWorker()
	}
	return true
}

// retryWorker tries queued writes until the queue is empty or the
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

// applyRecovered applies p; a panic in it (in the application's OnJoin,
// OnLeave or OnCallEnded, which a queued telling calls) is logged and ends
// p, rather than taking the process down with the retry worker.
func (r *Roster) applyRecovered(p pendingRecord) (err error) {
	defer func() {
		if v := recover(); v != nil {
			r.cfg.Logger.LogAttrs(r.stopped, slog.LevelError, "roster: a callback panicked in the retry queue", p.id,
				slog.String("panic", fmt.Sprint(v)))
			err = nil
		}
	}()
	return p.apply(r.stopped)
}

// retryRecord writes p until the store takes it, its TTL passes, or the
// roster closes, waiting longer after each failure.
func (r *Roster) retryRecord(p pendingRecord) {
	wait := r.cfg.RetryInterval
	for attempt := 1; ; attempt++ {
		left := p.at.Add(r.cfg.TTL).Sub(r.cfg.Clock())
		if left <= 0 {
			r.cfg.Logger.LogAttrs(r.stopped, slog.LevelWarn, "roster: a queued write expired before the store took it",
				p.id, slog.Int("attempts", attempt-1))
			return
		}
		// A write of an earlier attempt that landed late (a stalled Redis
		// runs the commands it queued) changes nothing written again.
		err := r.applyRecovered(p)
		if err == nil {
			r.cfg.Logger.LogAttrs(r.stopped, slog.LevelInfo, "roster: a queued write taken after a retry",
				p.id, slog.Int("attempts", attempt))
			return
		}
		if !retryable(err) {
			r.cfg.Logger.LogAttrs(r.stopped, slog.LevelError, "roster: the store refused a queued write",
				p.id, slog.String("error", err.Error()))
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

package roster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"strconv"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/sipout"
)

// RecordDialOut adds a call placed with sipout.Client.Call to the call
// records, as an outbound call: its result (answered, no_answer, failed,
// or failed_4xx and the like when 100ms answered with an error status)
// from res and err. An answered call is tied to req.UserID, when set, so
// that 100ms's join and leave webhooks complete its record as they do a
// dial-in's. A call that was never answered has no 100ms id: its record
// takes one of the roster's ("dialout-", the time and a random part). The callee's number
// is kept masked.
func (r *Roster) RecordDialOut(ctx context.Context, req sipout.CallRequest, res sipout.CallResult, err error) {
	now := r.cfg.Clock()
	callID := res.ID
	if callID == "" {
		var b [8]byte
		_, _ = rand.Read(b[:])
		callID = "dialout-" + strconv.FormatInt(now.Unix(), 10) + "-" + hex.EncodeToString(b[:])
	}
	outcome := dialOutcome(err)
	// The error's text is not kept: it may quote what the request held.
	s := step{At: now, Answered: now, To: sipconnect.MaskNumber(req.To), Outcome: outcome, Direction: "outbound"}
	// The step goes first: a leave the tie applies then finds an outbound
	// call, which it ends.
	r.addStep(ctx, callID, "dialout:"+outcome, s, outcome != "answered")
	if outcome == "answered" && req.UserID != "" {
		// 100ms's join may come before this: the tie picks it up.
		if tie, terr := r.tie(req.UserID, callRecord{CallID: callID, From: sipconnect.MaskNumber(req.To), At: now}); terr == nil {
			if terr = tie(ctx); terr != nil && (!retryable(terr) || !r.enqueue(ctx, pendingRecord{apply: tie, id: slog.String("user_id", req.UserID), at: now})) {
				r.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "roster: a dial-out's tie to its user id was not kept",
					slog.String("call_id", callID), slog.String("error", terr.Error()))
			}
		}
	}
}

// dialOutcome names how a dial-out ended.
func dialOutcome(err error) string {
	var apiErr *hmsapi.APIError
	switch {
	case err == nil:
		return "answered"
	case errors.Is(err, sipout.ErrNoAnswer):
		return "no_answer"
	case errors.As(err, &apiErr) && apiErr.StatusCode >= 400:
		return "failed_" + strconv.Itoa(apiErr.StatusCode/100) + "xx"
	}
	return "failed"
}

package sipout

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/hmssip/interconnect-go/headers"
	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/roomcode"
)

// DefaultRingTimeout is how long Call waits for the callee to answer when
// the request sets no RingTimeout.
const DefaultRingTimeout = 30 * time.Second

// RingMargin is added to the ring timeout to make the deadline of a call
// request: the time 100ms needs, beyond the ringing itself, to set the call
// up and answer.
const RingMargin = 5 * time.Second

// MaxRingTimeout is the longest RingTimeout Call accepts: 10 minutes.
// 100ms documents no limit on how long its call request rings; this is the
// longest ring carriers commonly allow (Twilio's <Dial timeout> is at most
// 600 seconds), and it keeps the ring timeout plus RingMargin far from
// overflowing a time.Duration.
const MaxRingTimeout = 10 * time.Minute

// ErrNoAnswer is returned by Call when the callee did not answer: 100ms
// answered 408 (the *hmsapi.APIError stays reachable with errors.As), or
// the ring timeout and RingMargin passed without an answer.
var ErrNoAnswer = errors.New("sipout: no answer")

// CallRequest says whom to call and which room the callee joins.
type CallRequest struct {
	// To is the callee: a phone number in E.164 ("+" then 1 to 15 digits,
	// the first not 0, nothing else: +14155550100), or a sip: or sips: URI
	// (sip:alice@example.com) for a SIP endpoint the trunk can reach. A
	// URI may carry parameters (;transport=tcp) but no headers
	// (?Subject=...): give those in Headers, where they are checked. A
	// percent-encoded control character (%0D, %0A, ...) is refused.
	// Required.
	To string
	// RoomCode is the room code (abc-defg-hij) of the room and role the
	// callee joins as. Required; a room id is refused.
	RoomCode string
	// TrunkID is the id of the outbound trunk that places the call, from
	// CreateTrunk. Required.
	TrunkID string
	// Name is the callee's display name in the room, and UserID their
	// user id in your own terms, which 100ms echoes in peer events. Both
	// optional; valid UTF-8 without control characters, at most
	// MaxNameLen and MaxUserIDLen bytes.
	Name, UserID string
	// Video asks for a video call, for SIP endpoints that send video.
	Video bool
	// Headers are custom SIP headers for the INVITE. A name must be an RFC
	// 3261 token and given once (names are case-insensitive); a value must
	// be valid UTF-8 without line breaks or other control characters
	// (headers.ValidateName, headers.ValidateValue). The headers 100ms
	// sets itself and would ignore (To, From, Via, Contact, Call-ID, CSeq,
	// Max-Forwards, Route, Content-Type, Content-Length, Authorization,
	// P-Asserted-Identity, Remote-Party-ID, Diversion, and the compact
	// forms t, f, v, m, i, c, l) are refused. 100ms recommends names
	// starting with "X-", but any other name is sent as given.
	Headers headers.List
	// RingTimeout is how long to wait for the callee to answer,
	// DefaultRingTimeout when zero; at most MaxRingTimeout.
	RingTimeout time.Duration
}

// CallResult is an answered call.
type CallResult struct {
	// ID is 100ms's id of the call.
	ID string
}

// callBody is the body of the call endpoint.
type callBody struct {
	To       string            `json:"to"`
	Name     string            `json:"name,omitempty"`
	UserID   string            `json:"user_id,omitempty"`
	RoomCode string            `json:"room_code"`
	TrunkID  string            `json:"trunk_id"`
	Video    bool              `json:"video,omitempty"`
	Headers  map[string]string `json:"headers,omitempty"`
}

// errRingDeadline is the cause of the deadline Call sets.
var errRingDeadline = errors.New("sipout: ring deadline")

// body checks the request and returns the body to send.
func (r CallRequest) body() (callBody, error) {
	if err := checkTo(r.To); err != nil {
		return callBody{}, err
	}
	if err := roomcode.ValidateCode(r.RoomCode); err != nil {
		return callBody{}, &hmsapi.InputError{Field: "room code", Reason: err.Error()}
	}
	if err := hmsapi.CheckID("trunk id", r.TrunkID); err != nil {
		return callBody{}, err
	}
	if err := checkText("name", r.Name, MaxNameLen); err != nil {
		return callBody{}, err
	}
	if err := checkText("user id", r.UserID, MaxUserIDLen); err != nil {
		return callBody{}, err
	}
	if r.RingTimeout < 0 {
		return callBody{}, invalid("ring timeout", "%v is negative", r.RingTimeout)
	}
	if r.RingTimeout > MaxRingTimeout {
		return callBody{}, invalid("ring timeout", "%v is over the maximum of %v", r.RingTimeout, MaxRingTimeout)
	}
	h, err := checkHeaders(r.Headers)
	if err != nil {
		return callBody{}, err
	}
	return callBody{To: r.To, Name: r.Name, UserID: r.UserID, RoomCode: r.RoomCode, TrunkID: r.TrunkID,
		Video: r.Video, Headers: h}, nil
}

// Call rings r.To through trunk r.TrunkID and, once the callee answers,
// joins them to the room of r.RoomCode as a SIP peer with the code's role.
// It blocks until the callee answers or declines, for at most the ring
// timeout plus RingMargin.
//
// The request is checked first: a bad field is an *hmsapi.InputError and
// nothing is sent. The call request is never sent twice once it may have
// reached 100ms, since that would ring the phone twice: after a 429, a 5xx
// or a broken connection the error is returned and the caller decides
// (only a connection that could not be made at all is retried).
//
// Errors: ErrNoAnswer when nobody answered (a 408 from 100ms, or the ring
// timeout passed); ctx.Err() itself when ctx ended first; otherwise the
// core's errors, such as an *hmsapi.APIError for a declined call (100ms
// does not document that answer) or an unknown room code or trunk. An
// error that matches hmsapi.ErrMaybeSent (a connection broken after the
// request was sent, or a 5xx such as a gateway's 504) leaves the call's
// fate unknown: the phone may be ringing, or have answered and joined the
// room, so do not call again blindly; look for the callee's peer by
// r.UserID first. Giving up on a call ends the request but may not stop
// the phone ringing: 100ms documents no way to cancel a call. Remove the
// callee's peer to hang up an answered call.
//
// Each call placed (past the checks) is counted once it ends by
// sipconnect.dialout.calls{result}: answered, no_answer, canceled (ctx
// ended), failed_4xx, failed_5xx or failed_6xx (by the class of the
// API's error code, the SIP response's where 100ms reports one), or
// failed (WithMeterProvider).
func (c *Client) Call(ctx context.Context, r CallRequest) (CallResult, error) {
	body, err := r.body()
	if err != nil {
		return CallResult{}, err
	}
	ring := r.RingTimeout
	if ring == 0 {
		ring = DefaultRingTimeout
	}
	limit := ring + RingMargin
	rctx, cancel := context.WithTimeoutCause(ctx, limit, errRingDeadline)
	defer cancel()
	res, err := c.call(ctx, rctx, body, ring, limit)
	c.tel.record(ctx, err)
	return res, err
}

// call places the call and follows it to its end; rctx is ctx bounded by
// limit, the ring timeout plus RingMargin.
func (c *Client) call(ctx, rctx context.Context, body callBody, ring, limit time.Duration) (CallResult, error) {
	var out struct {
		ID string `json:"id"`
	}
	err := c.api.Do(rctx, hmsapi.Request{Operation: "sipout.call", Method: http.MethodPost, Path: "/sip/outbound/call", Body: body, Timeout: limit}, &out)
	if err != nil {
		var apiErr *hmsapi.APIError
		switch {
		case errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusRequestTimeout:
			return CallResult{}, fmt.Errorf("%w: %w", ErrNoAnswer, err)
		case errors.Is(context.Cause(rctx), errRingDeadline):
			return CallResult{}, fmt.Errorf("%w within %v (ring timeout %v and margin %v)", ErrNoAnswer, limit, ring, RingMargin)
		case ctx.Err() != nil:
			return CallResult{}, ctx.Err()
		}
		return CallResult{}, err
	}
	id, err := idOf(out.ID, nil, "call")
	return CallResult{ID: id}, err
}

package sipout

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/hmssip/interconnect-go/hmsapi"
)

// MaxDTMFDigits is the most digits SendDTMF sends in one request. 100ms
// documents no limit; at 200 ms a tone (100 ms of tone, 100 ms of gap) 64
// digits play for about 13 seconds.
const MaxDTMFDigits = 64

// The identity of the app token SendDTMF mints when the request names none.
// 100ms's token format requires a role and a user id, but which role the
// DTMF endpoint needs is not documented: "host" is the role of 100ms's
// default templates that may do the most. Set DTMFRequest.Role when the
// room's template has no such role.
const (
	DefaultDTMFRole   = "host"
	DefaultDTMFUserID = "sipout-dtmf"
)

// DTMFRequest says which tones to play to the SIP peers of a room.
type DTMFRequest struct {
	// RoomID is the id of the room (not a room code) whose SIP peers hear
	// the tones. Required.
	RoomID string
	// Digits are the tones, one character each, played in order: 0-9, *,
	// #, and a, b, c, d (A-D are accepted and sent in lower case). At most
	// MaxDTMFDigits; empty is refused.
	Digits string
	// Role and UserID are the claims of the app token minted for the
	// request, DefaultDTMFRole and DefaultDTMFUserID when empty.
	Role, UserID string
}

// errNoAppCredentials wraps hmsapi.ErrNoAppCredentials with what it means
// for DTMF.
var errNoAppCredentials = fmt.Errorf("sipout: DTMF takes an app token, which only a core made with hmsapi.WithAppCredentials can mint; a management token alone cannot send DTMF: %w", hmsapi.ErrNoAppCredentials)

// digits checks the request and returns the digits to send.
func (r DTMFRequest) digits() ([]string, error) {
	if err := hmsapi.CheckID("room id", r.RoomID); err != nil {
		return nil, err
	}
	switch {
	case r.Digits == "":
		return nil, invalid("digits", "empty: give at least one of 0-9 * # a b c d")
	case len(r.Digits) > MaxDTMFDigits:
		return nil, invalid("digits", "%d characters, at most %d", len(r.Digits), MaxDTMFDigits)
	}
	out := make([]string, len(r.Digits))
	for i := 0; i < len(r.Digits); i++ {
		c := r.Digits[i]
		switch {
		case '0' <= c && c <= '9', c == '*', c == '#', 'a' <= c && c <= 'd':
		case 'A' <= c && c <= 'D':
			c += 'a' - 'A'
		default:
			return nil, invalid("digits", "%s at byte %d is not a DTMF digit: want 0-9 * # a b c d", describeByte(r.Digits, i), i)
		}
		out[i] = string(rune(c))
	}
	for _, f := range []struct{ field, value string }{{"role", r.Role}, {"user id", r.UserID}} {
		if f.value == "" {
			continue
		}
		if err := hmsapi.CheckID(f.field, f.value); err != nil {
			return nil, err
		}
		if err := checkText(f.field, f.value, MaxUserIDLen); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// SendDTMF plays r.Digits to every SIP peer of room r.RoomID (WebRTC peers
// hear nothing). 100ms queues the tones behind those of earlier requests
// and plays each for 100 ms, 100 ms apart; it answers 400 when the room has
// no SIP peer.
//
// The endpoint takes an app token (client auth token), not a management
// token: SendDTMF mints one for the room with the core's app credentials.
// A core made with a management token alone cannot: the error then wraps
// hmsapi.ErrNoAppCredentials and nothing is sent. The request is checked
// first (an *hmsapi.InputError, nothing sent) and not repeated once it may
// have reached 100ms, since the tones would play twice.
func (c *Client) SendDTMF(ctx context.Context, r DTMFRequest) error {
	digits, err := r.digits()
	if err != nil {
		return err
	}
	claims := hmsapi.AppClaims{RoomID: r.RoomID, Role: r.Role, UserID: r.UserID}
	if claims.Role == "" {
		claims.Role = DefaultDTMFRole
	}
	if claims.UserID == "" {
		claims.UserID = DefaultDTMFUserID
	}
	tok, err := c.api.AppToken(claims)
	if errors.Is(err, hmsapi.ErrNoAppCredentials) {
		return errNoAppCredentials
	}
	if err != nil {
		return err
	}
	body := struct {
		Digits []string `json:"digits"`
	}{digits}
	// 100ms's published page puts the endpoint below the REST base URL
	// (https://api.100ms.live/v2/sip/dtmf); an older revision of it named
	// https://sip.100ms.live/dtmf.
	return c.api.Do(ctx, hmsapi.Request{Operation: "sipout.send_dtmf", Method: http.MethodPost, Path: "/sip/dtmf", Body: body, Token: tok}, nil)
}

package hmsevents

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Event types whose data [Event.Peer], [Event.Room] and [Event.Session]
// decode. 100ms sends other types too (recording, streaming, transcription,
// role change...); they reach the handler with their data as raw JSON.
const (
	// TypePeerJoinSuccess: a peer joined a room.
	TypePeerJoinSuccess = "peer.join.success"
	// TypePeerLeaveSuccess: a peer left a room; the data has the time it
	// left, how long it stayed and why it left.
	TypePeerLeaveSuccess = "peer.leave.success"
	// TypePeerJoinFailure: a peer failed to join; the data has an error
	// message.
	TypePeerJoinFailure = "peer.join.failure"
	// TypePeerLeaveFailure: a leave failed (for instance the peer had not
	// joined); the data has an error message.
	TypePeerLeaveFailure = "peer.leave.failure"
	// TypeRoomEndSuccess: a room was ended through the API or a client.
	TypeRoomEndSuccess = "room.end.success"
	// TypeRoomEndFailure: ending a room failed; the data has an error
	// message and code.
	TypeRoomEndFailure = "room.end.failure"
	// TypeSessionOpenSuccess: a session of a room started (its first peer
	// joined).
	TypeSessionOpenSuccess = "session.open.success"
	// TypeSessionCloseSuccess: a session of a room ended; the data has its
	// duration.
	TypeSessionCloseSuccess = "session.close.success"
)

// ErrEventType is returned, wrapped with the event's type, by a decoder
// called on an event of another kind, such as [Event.Peer] on a
// room.end.success.
var ErrEventType = errors.New("hmsevents: decoder does not match the event type")

// Event is one webhook delivery from 100ms: the envelope that every event
// type shares, and its type-specific data as raw JSON. Decode the data of
// known types with [Event.Peer], [Event.Room] or [Event.Session]; decode
// other types from Data yourself.
//
// ID identifies the event: 100ms sends it again, with the same ID, when it
// retries a delivery. Timestamp is when 100ms generated the event, in UTC;
// it is zero when 100ms sent none.
type Event struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	AppID      string          `json:"app_id"`
	AccountID  string          `json:"account_id"`
	TemplateID string          `json:"template_id"`
	Timestamp  time.Time       `json:"timestamp"`
	Type       string          `json:"type"`
	Data       json.RawMessage `json:"data"`
}

// UnmarshalJSON decodes an event as 100ms sends it. The timestamp is RFC
// 3339, with or without fractional seconds; an absent, null or empty
// timestamp leaves Timestamp zero, and any other form is an error. Data is
// kept as it came, without being checked against its type.
func (e *Event) UnmarshalJSON(b []byte) error {
	var w struct {
		Version    jsonText        `json:"version"`
		ID         jsonText        `json:"id"`
		AppID      jsonText        `json:"app_id"`
		AccountID  jsonText        `json:"account_id"`
		TemplateID jsonText        `json:"template_id"`
		Timestamp  jsonTime        `json:"timestamp"`
		Type       jsonText        `json:"type"`
		Data       json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("hmsevents: decoding event: %w", err)
	}
	*e = Event{
		Version:    string(w.Version),
		ID:         string(w.ID),
		AppID:      string(w.AppID),
		AccountID:  string(w.AccountID),
		TemplateID: string(w.TemplateID),
		Timestamp:  time.Time(w.Timestamp),
		Type:       string(w.Type),
		Data:       w.Data,
	}
	return nil
}

// PeerEvent is the data of the peer events: [TypePeerJoinSuccess],
// [TypePeerLeaveSuccess], [TypePeerJoinFailure] and [TypePeerLeaveFailure].
// Fields a type does not carry are zero: only leaves have LeftAt, Duration,
// Reason and Message; only failures have ErrorMessage; a join failure has no
// SessionID. 100ms sends "0001-01-01T00:00:00Z" for a time that does not
// apply, which decodes as the zero time.
//
// UserID is the user id the peer joined with: for a phone caller, the one
// its SIP address set, which is how a caller is matched to its call (100ms
// sends no caller number or SIP Call-ID). UserName is what the peer or the
// SIP address named it, and may be a phone number: don't log it.
type PeerEvent struct {
	RoomID           string
	RoomName         string
	SessionID        string
	PeerID           string
	UserID           string
	UserName         string
	UserData         string // as sent; often JSON in a string
	Role             string
	TemplateID       string
	JoinedAt         time.Time
	LeftAt           time.Time
	SessionStartedAt time.Time
	Duration         time.Duration // time in the room; 100ms sends whole seconds
	Reason           string        // why the peer left, such as "client request" or "peer kicked"
	Message          string        // the message given when the peer was removed
	ErrorMessage     string        // why a join or leave failed
	Type             string        // "sip" for a peer that joined through SIP, "regular" otherwise
}

// IsSIP reports whether the peer joined through SIP, a phone call: whether
// Type is "sip" (in any case).
func (p PeerEvent) IsSIP() bool { return strings.EqualFold(p.Type, "sip") }

// RoomEvent is the data of [TypeRoomEndSuccess] and [TypeRoomEndFailure].
// The peer fields name who ended the room, when a peer did; Source says
// where the call came from (such as "peer" or "api"). Only failures have
// ErrorMessage and ErrorCode.
type RoomEvent struct {
	RoomID           string
	RoomName         string
	SessionID        string
	TemplateID       string
	PeerID           string
	UserID           string
	UserName         string
	Role             string
	LockRoom         bool // the room was locked against new joins as it ended
	Reason           string
	Source           string
	SessionStartedAt time.Time
	ErrorMessage     string
	ErrorCode        int
}

// SessionEvent is the data of [TypeSessionOpenSuccess] and
// [TypeSessionCloseSuccess]: a session is one stretch of time during which
// a room has peers. Only a close has SessionStoppedAt and Duration.
type SessionEvent struct {
	RoomID           string
	RoomName         string
	SessionID        string
	TemplateID       string
	SessionStartedAt time.Time
	SessionStoppedAt time.Time
	Duration         time.Duration // 100ms sends whole seconds
}

// isPeer, isRoom and isSession report whether t is a type of each kind.
func isPeer(t string) bool {
	return t == TypePeerJoinSuccess || t == TypePeerLeaveSuccess || t == TypePeerJoinFailure || t == TypePeerLeaveFailure
}

func isRoom(t string) bool { return t == TypeRoomEndSuccess || t == TypeRoomEndFailure }

func isSession(t string) bool { return t == TypeSessionOpenSuccess || t == TypeSessionCloseSuccess }

// Peer decodes the data of a peer event. It returns an error matching
// [ErrEventType] when e is not a peer event, and a decoding error when the
// data is not an object of the documented fields (unknown fields are
// ignored). Times are RFC 3339 with or without fractional seconds; the
// duration is a number of seconds, whole or not.
func (e Event) Peer() (PeerEvent, error) {
	if !isPeer(e.Type) {
		return PeerEvent{}, fmt.Errorf("%w: Peer on %q", ErrEventType, e.Type)
	}
	var w struct {
		RoomID           jsonText    `json:"room_id"`
		RoomName         jsonText    `json:"room_name"`
		SessionID        jsonText    `json:"session_id"`
		PeerID           jsonText    `json:"peer_id"`
		UserID           jsonText    `json:"user_id"`
		UserName         jsonText    `json:"user_name"`
		UserData         jsonText    `json:"user_data"`
		Role             jsonText    `json:"role"`
		TemplateID       jsonText    `json:"template_id"`
		JoinedAt         jsonTime    `json:"joined_at"`
		LeftAt           jsonTime    `json:"left_at"`
		SessionStartedAt jsonTime    `json:"session_started_at"`
		Duration         jsonSeconds `json:"duration"`
		Reason           jsonText    `json:"reason"`
		Message          jsonText    `json:"message"`
		ErrorMessage     jsonText    `json:"error_message"`
		Type             jsonText    `json:"type"`
	}
	if err := decodeData(e, &w); err != nil {
		return PeerEvent{}, err
	}
	return PeerEvent{
		RoomID:           string(w.RoomID),
		RoomName:         string(w.RoomName),
		SessionID:        string(w.SessionID),
		PeerID:           string(w.PeerID),
		UserID:           string(w.UserID),
		UserName:         string(w.UserName),
		UserData:         string(w.UserData),
		Role:             string(w.Role),
		TemplateID:       string(w.TemplateID),
		JoinedAt:         time.Time(w.JoinedAt),
		LeftAt:           time.Time(w.LeftAt),
		SessionStartedAt: time.Time(w.SessionStartedAt),
		Duration:         time.Duration(w.Duration),
		Reason:           string(w.Reason),
		Message:          string(w.Message),
		ErrorMessage:     string(w.ErrorMessage),
		Type:             string(w.Type),
	}, nil
}

// Room decodes the data of a room event, with the errors of [Event.Peer].
// The error code is an integer.
func (e Event) Room() (RoomEvent, error) {
	if !isRoom(e.Type) {
		return RoomEvent{}, fmt.Errorf("%w: Room on %q", ErrEventType, e.Type)
	}
	var w struct {
		RoomID           jsonText `json:"room_id"`
		RoomName         jsonText `json:"room_name"`
		SessionID        jsonText `json:"session_id"`
		TemplateID       jsonText `json:"template_id"`
		PeerID           jsonText `json:"peer_id"`
		UserID           jsonText `json:"user_id"`
		UserName         jsonText `json:"user_name"`
		Role             jsonText `json:"role"`
		LockRoom         bool     `json:"lock_room"`
		Reason           jsonText `json:"reason"`
		Source           jsonText `json:"source"`
		SessionStartedAt jsonTime `json:"session_started_at"`
		ErrorMessage     jsonText `json:"error_message"`
		ErrorCode        int      `json:"error_code"`
	}
	if err := decodeData(e, &w); err != nil {
		return RoomEvent{}, err
	}
	return RoomEvent{
		RoomID:           string(w.RoomID),
		RoomName:         string(w.RoomName),
		SessionID:        string(w.SessionID),
		TemplateID:       string(w.TemplateID),
		PeerID:           string(w.PeerID),
		UserID:           string(w.UserID),
		UserName:         string(w.UserName),
		Role:             string(w.Role),
		LockRoom:         w.LockRoom,
		Reason:           string(w.Reason),
		Source:           string(w.Source),
		SessionStartedAt: time.Time(w.SessionStartedAt),
		ErrorMessage:     string(w.ErrorMessage),
		ErrorCode:        w.ErrorCode,
	}, nil
}

// Session decodes the data of a session event, with the errors of
// [Event.Peer]. The duration (session_duration) is a number of seconds.
func (e Event) Session() (SessionEvent, error) {
	if !isSession(e.Type) {
		return SessionEvent{}, fmt.Errorf("%w: Session on %q", ErrEventType, e.Type)
	}
	var w struct {
		RoomID           jsonText    `json:"room_id"`
		RoomName         jsonText    `json:"room_name"`
		SessionID        jsonText    `json:"session_id"`
		TemplateID       jsonText    `json:"template_id"`
		SessionStartedAt jsonTime    `json:"session_started_at"`
		SessionStoppedAt jsonTime    `json:"session_stopped_at"`
		Duration         jsonSeconds `json:"session_duration"`
	}
	if err := decodeData(e, &w); err != nil {
		return SessionEvent{}, err
	}
	return SessionEvent{
		RoomID:           string(w.RoomID),
		RoomName:         string(w.RoomName),
		SessionID:        string(w.SessionID),
		TemplateID:       string(w.TemplateID),
		SessionStartedAt: time.Time(w.SessionStartedAt),
		SessionStoppedAt: time.Time(w.SessionStoppedAt),
		Duration:         time.Duration(w.Duration),
	}, nil
}

// checkData decodes the data of a known type, so that the receiver refuses
// a malformed one before it is handled; other types pass.
func checkData(e Event) error {
	var err error
	switch {
	case isPeer(e.Type):
		_, err = e.Peer()
	case isRoom(e.Type):
		_, err = e.Room()
	case isSession(e.Type):
		_, err = e.Session()
	}
	return err
}

// decodeData decodes e.Data, which must be a JSON object, into v.
func decodeData(e Event, v any) error {
	d := bytes.TrimSpace(e.Data)
	if len(d) == 0 || d[0] != '{' {
		return fmt.Errorf("hmsevents: %s data: not a JSON object", e.Type)
	}
	if err := json.Unmarshal(d, v); err != nil {
		return fmt.Errorf("hmsevents: %s data: %w", e.Type, err)
	}
	return nil
}

// jsonTime is a time as 100ms sends it: an RFC 3339 string, with or
// without fractional seconds, in UTC. null, "" and the year-1 time 100ms
// sends for "none" all decode as the zero time.
type jsonTime time.Time

func (t *jsonTime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*t = jsonTime{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errors.New("time: want an RFC 3339 string")
	}
	if s == "" {
		*t = jsonTime{}
		return nil
	}
	// RFC3339 parses an optional fraction of a second too.
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return errors.New("time: want RFC 3339")
	}
	if v.Equal(time.Time{}) {
		*t = jsonTime{}
		return nil
	}
	*t = jsonTime(v.UTC())
	return nil
}

// jsonSeconds is a duration sent as a number of seconds, an integer or not
// (or such a number in a string, as encoding/json reads a json.Number); null
// is zero.
type jsonSeconds time.Duration

func (d *jsonSeconds) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = 0
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return errors.New("duration: want a number of seconds")
	}
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		if i > math.MaxInt64/int64(time.Second) || i < math.MinInt64/int64(time.Second) {
			return errors.New("duration: out of range")
		}
		*d = jsonSeconds(time.Duration(i) * time.Second)
		return nil
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsNaN(f) || math.Abs(f) >= float64(math.MaxInt64)/float64(time.Second) {
		return errors.New("duration: out of range")
	}
	*d = jsonSeconds(time.Duration(math.Round(f * float64(time.Second))))
	return nil
}

// jsonText is a string field. 100ms documents these fields as strings; a
// value of another JSON kind (user_data as an object, say) is kept as its
// JSON text rather than failing the event, and null is "".
type jsonText string

func (s *jsonText) UnmarshalJSON(b []byte) error {
	switch {
	case string(b) == "null":
		*s = ""
	case len(b) > 0 && b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = jsonText(v)
	default:
		*s = jsonText(b)
	}
	return nil
}

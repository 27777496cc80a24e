package sipconnect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/hmssip/interconnect-go/activeroom"
	"github.com/hmssip/interconnect-go/hmsevents"
	"github.com/hmssip/interconnect-go/store"
)

// The phone roster: who is on the phone in each room, and which calls ended
// recently. 100ms reports joins and leaves through webhooks, but a SIP
// peer's events carry no caller number and no call id, only the user id its
// SIP address set (X-100ms-UserID). With HandlerConfig.Roster set, the
// dial-in handler records, for each bridged call, that user id with the
// call's id and the caller's masked number; when the join arrives the
// roster ties the peer to its call.
//
// The state lives in a store.Store, so several instances of a server
// share it: a join can reach one instance and the hang-up click another.
// Joins and leaves may arrive out of order, and more than once; each peer's
// leave is counted once, and a join that arrives after its leave is not
// listed.

// Defaults of RosterConfig.
const (
	DefaultRecentCalls   = 50
	DefaultRecentTTL     = 24 * time.Hour
	DefaultRosterTTL     = 24 * time.Hour
	DefaultRosterTimeout = 300 * time.Millisecond
)

// ErrRosterUnavailable is returned when the roster's store cannot answer.
var ErrRosterUnavailable = errors.New("sipconnect: the phone roster is unavailable")

// ErrNotOnPhone is returned by HangUp for a peer the roster does not list
// as a phone participant of the room.
var ErrNotOnPhone = errors.New("sipconnect: no such phone participant in the room")

// PhoneParticipant is a phone caller in a room.
type PhoneParticipant struct {
	RoomID   string    `json:"room_id"`
	PeerID   string    `json:"peer_id"`
	UserID   string    `json:"user_id"`
	CallID   string    `json:"call_id,omitempty"` // the carrier's call id, when the call was bridged by this SDK's handler
	From     string    `json:"from,omitempty"`    // the caller's number, masked
	JoinedAt time.Time `json:"joined_at"`
}

// EndedCall is a phone participant who left.
type EndedCall struct {
	PhoneParticipant
	LeftAt   time.Time     `json:"left_at"`
	Duration time.Duration `json:"duration"`
	Reason   string        `json:"reason,omitempty"`
}

// PhoneJoin is what the roster needs of a peer.join.success event of type
// "sip".
type PhoneJoin struct {
	RoomID, PeerID, UserID string
	JoinedAt               time.Time
}

// PhoneLeave is what the roster needs of a peer.leave.success event of
// type "sip".
type PhoneLeave struct {
	RoomID, PeerID, UserID string
	JoinedAt, LeftAt       time.Time
	Duration               time.Duration
	Reason                 string
}

// RosterConfig configures a Roster.
type RosterConfig struct {
	// Store holds the roster, shared by every instance of your server when
	// it is shared (Redis). Required.
	Store store.Store
	// Peers hangs callers up (HangUp removes their peer). Optional: without
	// it HangUp returns an error.
	Peers *activeroom.Client
	// RecentCalls is how many ended calls are kept per room,
	// DefaultRecentCalls by default, for RecentTTL (DefaultRecentTTL).
	RecentCalls int
	RecentTTL   time.Duration
	// TTL is how long a room's list of phone participants is kept after
	// its last change, DefaultRosterTTL by default: a leave that never
	// arrives does not keep a caller listed for ever.
	TTL time.Duration
	// Timeout bounds each store call, DefaultRosterTimeout by default.
	Timeout time.Duration
	// OnJoin and OnLeave, when set, are told of each phone participant who
	// joins or leaves, once, on the instance that recorded it: push them
	// to your UI.
	OnJoin  func(ctx context.Context, p PhoneParticipant)
	OnLeave func(ctx context.Context, c EndedCall)
	// Logger, slog.Default() if nil. Lines carry masked numbers only.
	Logger *slog.Logger
}

// Roster keeps the phone participants of rooms. It is safe for concurrent
// use, and several Rosters on one shared store behave as one.
type Roster struct {
	cfg RosterConfig
}

// NewRoster returns a roster.
func NewRoster(cfg RosterConfig) (*Roster, error) {
	if cfg.Store == nil {
		return nil, errors.New("sipconnect: RosterConfig.Store is required")
	}
	if cfg.RecentCalls <= 0 {
		cfg.RecentCalls = DefaultRecentCalls
	}
	if cfg.RecentTTL <= 0 {
		cfg.RecentTTL = DefaultRecentTTL
	}
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultRosterTTL
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultRosterTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Roster{cfg: cfg}, nil
}

// Store keys. The user id, room id and peer id come from 100ms or from
// this SDK, never from a caller.
func callKey(userID string) string         { return "sipconnect:call:" + userID }
func phonesKey(roomID string) string       { return "sipconnect:phones:" + roomID }
func recentKey(roomID string) string       { return "sipconnect:ended:" + roomID }
func leftKey(roomID, peerID string) string { return "sipconnect:left:" + roomID + "\x00" + peerID }
func (r *Roster) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, r.cfg.Timeout)
}

// CallUserID is the X-100ms-UserID the dial-in handler gives a bridged
// call when the roster is on and the identity sets none: "pstn-" and the
// first 20 hex digits of the SHA-256 of the carrier's call id. It is
// derived from the call id only, never from a phone number, and tells
// nothing about the caller.
func CallUserID(callID string) string {
	sum := sha256.Sum256([]byte(callID))
	return "pstn-" + hex.EncodeToString(sum[:10])
}

// callRecord is what the handler keeps of a bridged call.
type callRecord struct {
	CallID string `json:"call_id"`
	From   string `json:"from,omitempty"` // masked
}

// recordCall keeps the call id and masked number of a call whose SIP
// address carries userID, for the join to find.
func (r *Roster) recordCall(ctx context.Context, userID string, call Call) error {
	v, err := json.Marshal(callRecord{CallID: call.CallSid, From: MaskNumber(call.From)})
	if err != nil {
		return err
	}
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	// The first record of a user id wins: a second call with the same
	// application-chosen id does not take over the first's join.
	_, err = r.cfg.Store.SetNX(ctx, callKey(userID), v, r.cfg.TTL)
	return err
}

// participant completes a join or leave with its call's record.
func (r *Roster) participant(ctx context.Context, roomID, peerID, userID string, joined time.Time) PhoneParticipant {
	p := PhoneParticipant{RoomID: roomID, PeerID: peerID, UserID: userID, JoinedAt: joined}
	if userID == "" {
		return p
	}
	sctx, cancel := r.ctx(ctx)
	defer cancel()
	if v, err := r.cfg.Store.Get(sctx, callKey(userID)); err == nil {
		var rec callRecord
		if json.Unmarshal(v, &rec) == nil {
			p.CallID, p.From = rec.CallID, rec.From
		}
	}
	return p
}

// Join records a phone participant's join. A join whose leave was already
// recorded is ignored. It returns an error wrapping ErrRosterUnavailable
// when the store cannot answer, so that the webhook is retried.
func (r *Roster) Join(ctx context.Context, j PhoneJoin) error {
	if j.RoomID == "" || j.PeerID == "" {
		return errors.New("sipconnect: a join needs a room id and a peer id")
	}
	left, err := r.left(ctx, j.RoomID, j.PeerID)
	if err != nil || left {
		return err
	}
	p := r.participant(ctx, j.RoomID, j.PeerID, j.UserID, j.JoinedAt)
	v, err := json.Marshal(p)
	if err != nil {
		return err
	}
	sctx, cancel := r.ctx(ctx)
	err = r.cfg.Store.HSet(sctx, phonesKey(j.RoomID), j.PeerID, v, r.cfg.TTL)
	cancel()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrRosterUnavailable, err)
	}
	// The leave may have been recorded between the check and the write:
	// then this join takes itself out again.
	if left, err = r.left(ctx, j.RoomID, j.PeerID); err != nil || left {
		if left {
			sctx, cancel := r.ctx(ctx)
			_, err = r.cfg.Store.HDel(sctx, phonesKey(j.RoomID), j.PeerID)
			cancel()
		}
		return err
	}
	r.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "sipconnect: phone participant joined",
		slog.String("room_id", p.RoomID), slog.String("peer_id", p.PeerID), slog.String("from", p.From))
	if r.cfg.OnJoin != nil {
		r.cfg.OnJoin(ctx, p)
	}
	return nil
}

// left reports whether the peer's leave was recorded.
func (r *Roster) left(ctx context.Context, roomID, peerID string) (bool, error) {
	sctx, cancel := r.ctx(ctx)
	defer cancel()
	_, err := r.cfg.Store.Get(sctx, leftKey(roomID, peerID))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, store.ErrNotFound):
		return false, nil
	}
	return false, fmt.Errorf("%w: %w", ErrRosterUnavailable, err)
}

// Leave records a phone participant's leave, once however many times it
// arrives and on whichever instance: it takes the participant out of the
// room's list and adds the ended call to the room's recent calls.
func (r *Roster) Leave(ctx context.Context, l PhoneLeave) error {
	if l.RoomID == "" || l.PeerID == "" {
		return errors.New("sipconnect: a leave needs a room id and a peer id")
	}
	sctx, cancel := r.ctx(ctx)
	first, err := r.cfg.Store.SetNX(sctx, leftKey(l.RoomID, l.PeerID), []byte{1}, r.cfg.RecentTTL)
	cancel()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrRosterUnavailable, err)
	}
	sctx, cancel = r.ctx(ctx)
	_, err = r.cfg.Store.HDel(sctx, phonesKey(l.RoomID), l.PeerID)
	cancel()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrRosterUnavailable, err)
	}
	if !first {
		return nil
	}
	ended := EndedCall{PhoneParticipant: r.participant(ctx, l.RoomID, l.PeerID, l.UserID, l.JoinedAt),
		LeftAt: l.LeftAt, Duration: l.Duration, Reason: l.Reason}
	v, err := json.Marshal(ended)
	if err != nil {
		return err
	}
	sctx, cancel = r.ctx(ctx)
	err = r.cfg.Store.PushCapped(sctx, recentKey(l.RoomID), v, r.cfg.RecentCalls, r.cfg.RecentTTL)
	cancel()
	if err != nil {
		// The leave is claimed: give the claim back so that a retry
		// records the ended call.
		dctx, dcancel := r.ctx(context.WithoutCancel(ctx))
		_, _ = r.cfg.Store.Delete(dctx, leftKey(l.RoomID, l.PeerID))
		dcancel()
		return fmt.Errorf("%w: %w", ErrRosterUnavailable, err)
	}
	r.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "sipconnect: phone participant left",
		slog.String("room_id", l.RoomID), slog.String("peer_id", l.PeerID), slog.String("from", ended.From),
		slog.Duration("duration", l.Duration), slog.String("reason", l.Reason))
	if r.cfg.OnLeave != nil {
		r.cfg.OnLeave(ctx, ended)
	}
	return nil
}

// Phones returns the phone participants of a room now, in the order they
// joined.
func (r *Roster) Phones(ctx context.Context, roomID string) ([]PhoneParticipant, error) {
	sctx, cancel := r.ctx(ctx)
	all, err := r.cfg.Store.HGetAll(sctx, phonesKey(roomID))
	cancel()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRosterUnavailable, err)
	}
	out := make([]PhoneParticipant, 0, len(all))
	for _, v := range all {
		var p PhoneParticipant
		if json.Unmarshal(v, &p) == nil {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b PhoneParticipant) int {
		if c := a.JoinedAt.Compare(b.JoinedAt); c != 0 {
			return c
		}
		return strings.Compare(a.PeerID, b.PeerID)
	})
	return out, nil
}

// Recent returns the calls of a room that ended recently, newest first.
func (r *Roster) Recent(ctx context.Context, roomID string) ([]EndedCall, error) {
	sctx, cancel := r.ctx(ctx)
	all, err := r.cfg.Store.Range(sctx, recentKey(roomID))
	cancel()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRosterUnavailable, err)
	}
	out := make([]EndedCall, 0, len(all))
	for _, v := range all {
		var c EndedCall
		if json.Unmarshal(v, &c) == nil {
			out = append(out, c)
		}
	}
	return out, nil
}

// HangUp ends a phone participant's call by removing its peer from the room
// (100ms removes it asynchronously; the leave then arrives as usual). It
// returns an error wrapping ErrNotOnPhone for a peer the roster does not
// list in the room, so that it never removes someone who is not on the
// phone.
func (r *Roster) HangUp(ctx context.Context, roomID, peerID, reason string) error {
	if r.cfg.Peers == nil {
		return errors.New("sipconnect: RosterConfig.Peers is required to hang callers up")
	}
	phones, err := r.Phones(ctx, roomID)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(phones, func(p PhoneParticipant) bool { return p.PeerID == peerID }) {
		return ErrNotOnPhone
	}
	return r.cfg.Peers.RemovePeer(ctx, roomID, peerID, reason)
}

// HandleEvent feeds a 100ms webhook event to the roster: the join and leave
// of a peer of type "sip" become Join and Leave; every other event is
// ignored. It implements hmsevents.Handler, so a Roster can be given to an
// hmsevents.Receiver as is; an error (the store could not answer) makes the
// receiver answer 503, and 100ms delivers the event again.
func (r *Roster) HandleEvent(ctx context.Context, e hmsevents.Event) error {
	if e.Type != hmsevents.TypePeerJoinSuccess && e.Type != hmsevents.TypePeerLeaveSuccess {
		return nil
	}
	p, err := e.Peer()
	if err != nil {
		return err
	}
	if !p.IsSIP() {
		return nil
	}
	if e.Type == hmsevents.TypePeerJoinSuccess {
		return r.Join(ctx, PhoneJoin{RoomID: p.RoomID, PeerID: p.PeerID, UserID: p.UserID, JoinedAt: p.JoinedAt})
	}
	return r.Leave(ctx, PhoneLeave{RoomID: p.RoomID, PeerID: p.PeerID, UserID: p.UserID,
		JoinedAt: p.JoinedAt, LeftAt: p.LeftAt, Duration: p.Duration, Reason: p.Reason})
}

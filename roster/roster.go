package roster

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hmssip/interconnect-go/activeroom"
	"github.com/hmssip/interconnect-go/hmsevents"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/store"
	"go.opentelemetry.io/otel/metric"
)

// Defaults of Config.
const (
	DefaultRecentCalls = 50
	DefaultRecentTTL   = 24 * time.Hour
	DefaultTTL         = 24 * time.Hour
	DefaultTimeout     = 300 * time.Millisecond
)

// Defaults of the call-record retry (Config.RetryQueue and the next
// fields).
const (
	DefaultRetryQueue    = 1024
	DefaultRetryWorkers  = 2
	DefaultRetryInterval = 100 * time.Millisecond
	// MaxRetryInterval is the longest wait between two writes of a call
	// record.
	MaxRetryInterval = 5 * time.Second
)

// DefaultWipeCheckInterval is Config.WipeCheckInterval's default.
const DefaultWipeCheckInterval = 10 * time.Second

// ReasonReconciled is the reason of an ended call that Reconcile recorded:
// the roster listed the caller, but 100ms no longer did (the leave webhook
// was lost).
const ReasonReconciled = "reconciled"

// maxKnownRooms bounds the rooms a Roster remembers in memory for
// Reconcile; the oldest seen is forgotten first.
const maxKnownRooms = 10_000

// RecentTrimDivisor sets how often a room's ended calls are trimmed to
// Config.RecentCalls: every RecentCalls/RecentTrimDivisor leaves.
const RecentTrimDivisor = 10

// maxTrimDeletes bounds the ended calls one trim deletes, so that a leave
// never pays for a backlog (a room written by a version that did not cap)
// all at once; the next trims take the rest.
const maxTrimDeletes = 256

// ErrUnavailable is returned when the roster's store cannot answer.
var ErrUnavailable = errors.New("roster: the phone roster is unavailable")

// ErrCannotHangUp is returned by HangUp when the roster was made without
// Config.Peers, the live-room client that removes peers.
var ErrCannotHangUp = errors.New("roster: Config.Peers is required to hang callers up")

// ErrNotOnPhone is returned by HangUp for a peer the roster does not list
// as a phone participant of the room.
var ErrNotOnPhone = errors.New("roster: no such phone participant in the room")

// Participant is a phone caller in a room.
type Participant struct {
	RoomID   string    `json:"room_id"`
	PeerID   string    `json:"peer_id"`
	UserID   string    `json:"user_id"`
	CallID   string    `json:"call_id,omitempty"` // the carrier's call id, when the call was bridged by this SDK's handler
	From     string    `json:"from,omitempty"`    // the caller's number, masked
	Role     string    `json:"role,omitempty"`    // the role the caller joined with
	JoinedAt time.Time `json:"joined_at"`
}

// EndedCall is a phone participant who left.
type EndedCall struct {
	Participant
	LeftAt   time.Time     `json:"left_at"`
	Duration time.Duration `json:"duration"`
	Reason   string        `json:"reason,omitempty"`
}

// Join is what the roster needs of a peer.join.success event of type
// "sip".
type Join struct {
	RoomID, PeerID, UserID, Role string
	JoinedAt                     time.Time
}

// Leave is what the roster needs of a peer.leave.success event of
// type "sip".
type Leave struct {
	RoomID, PeerID, UserID, Role string
	JoinedAt, LeftAt             time.Time
	Duration                     time.Duration
	Reason                       string
}

// Config configures a Roster.
type Config struct {
	// Store holds the roster, shared by every instance of your server when
	// it is shared (Redis). Required.
	Store store.Store
	// Peers hangs callers up (HangUp removes their peer) and lists the
	// live peers that Reconcile compares the roster with. Optional: without
	// it HangUp, Reconcile and Start return an error.
	Peers *activeroom.Client
	// PhonePeer tells which live peers Reconcile lists as phone callers;
	// by default those whose user id sipconnect.CallUserID made
	// ([sipconnect.IsCallUserID]). A peer the roster already lists stays
	// listed while it is live, whatever PhonePeer says. Set it when your
	// sipconnect.IdentityFunc gives callers user ids of its own.
	PhonePeer func(activeroom.Peer) bool
	// ReconcileInterval, when positive, makes Start reconcile every room
	// the roster knows that often (see Reconcile). Off (0) by default:
	// each reconcile asks 100ms for the peers of every known room.
	ReconcileInterval time.Duration
	// WipeCheckInterval is how often Start's loop checks whether the store
	// lost its data (CheckWipe), DefaultWipeCheckInterval by default.
	WipeCheckInterval time.Duration
	// RecentCalls is how many ended calls Recent lists per room,
	// DefaultRecentCalls by default, for RecentTTL (DefaultRecentTTL).
	// Recent shows them from their call records (kept for RecordTTL); a
	// room's listing of them is capped when calls end: every
	// RecentCalls/RecentTrimDivisor leaves of a room (at least every
	// leave), the oldest beyond RecentCalls are taken off it, so it holds
	// at most about RecentCalls + RecentCalls/RecentTrimDivisor of them
	// however many calls ended, and reading it costs the same.
	RecentCalls int
	RecentTTL   time.Duration
	// TTL is how long a participant is listed after their join when their
	// leave never arrives, DefaultTTL by default: a lost webhook does
	// not keep a caller listed for ever (nor does a call longer than TTL
	// stay listed).
	TTL time.Duration
	// Clock is the roster's clock, for TTL and RecentTTL; time.Now by
	// default.
	Clock func() time.Time
	// Timeout bounds each store call, DefaultTimeout by default.
	Timeout time.Duration
	// OnJoin and OnLeave, when set, are told of each phone participant who
	// joins or leaves, once across every instance sharing the store, on the
	// instance that recorded it: push them to your UI. After a store stall
	// a telling may come from the retry queue, with a context that ends at
	// Close; a panic in them is logged.
	OnJoin  func(ctx context.Context, p Participant)
	OnLeave func(ctx context.Context, c EndedCall)
	// Logger, slog.Default() if nil. Lines carry masked numbers only.
	Logger *slog.Logger

	// A call record the store did not take when the call was bridged (the
	// store stalled or was down), or the claim by which OnJoin, OnLeave or
	// OnCallEnded is told once, is written again in the background, until
	// the store takes it or TTL has passed since the call: RetryQueue
	// records wait at most (DefaultRetryQueue by default; a record that
	// finds the queue full is dropped and logged), worked by at most
	// RetryWorkers goroutines (DefaultRetryWorkers), which start with the
	// first record to retry and stop when none is left, or with Close.
	// Each record is tried again after RetryInterval
	// (DefaultRetryInterval), then after twice as long each time, up to
	// MaxRetryInterval.
	RetryQueue    int
	RetryWorkers  int
	RetryInterval time.Duration

	// Each call's record (Records) is kept for RecordTTL after its last
	// step (DefaultRecordTTL); the listings reach back RecordIndex calls
	// (DefaultRecordIndex), all and per room. OnCallEnded, when set, is
	// given each record when its call ends (a dial result, or an answer
	// that bridged nothing), once across instances: ship it to your own
	// database.
	RecordTTL   time.Duration
	RecordIndex int
	OnCallEnded func(ctx context.Context, c CallRecord)
	// MeterProvider gives the roster's gauge, sipconnect.phone.participants
	// (otel's global provider, no-op by default, when nil).
	MeterProvider metric.MeterProvider
}

// Roster keeps the phone participants of rooms. It is safe for concurrent
// use, and several Rosters on one shared store behave as one. It is the
// sipconnect.HandlerConfig.Roster of a dial-in handler (a
// [sipconnect.CallRecorder]) and the Handler of an [hmsevents.Receiver].
type Roster struct {
	cfg       Config
	trimEvery int // leaves of a room between trims of its ended calls

	// The call records written again in the background.
	queue   chan pendingRecord
	stopped context.Context // done once Close was called
	stop    context.CancelFunc
	mu      sync.Mutex // guards workers, closed, started, rooms, and wg.Add
	workers int
	closed  bool
	started bool
	wg      sync.WaitGroup

	epoch *store.Epoch
	rooms map[string]time.Time // the rooms this roster saw a join in, and when
	tel   telemetry
}

var (
	_ sipconnect.CallRecorder = (*Roster)(nil)
	_ hmsevents.Handler       = (*Roster)(nil)
)

// New returns a roster, the zero fields of cfg set to their defaults.
// cfg.Store is required. Close the roster when your server stops.
func New(cfg Config) (*Roster, error) {
	if cfg.Store == nil {
		return nil, errors.New("roster: Config.Store is required")
	}
	cfg.RecentCalls = positiveOr(cfg.RecentCalls, DefaultRecentCalls)
	cfg.RecentTTL = positiveOr(cfg.RecentTTL, DefaultRecentTTL)
	cfg.TTL = positiveOr(cfg.TTL, DefaultTTL)
	cfg.Timeout = positiveOr(cfg.Timeout, DefaultTimeout)
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	cfg.RetryQueue = positiveOr(cfg.RetryQueue, DefaultRetryQueue)
	cfg.RetryWorkers = positiveOr(cfg.RetryWorkers, DefaultRetryWorkers)
	cfg.RetryInterval = positiveOr(cfg.RetryInterval, DefaultRetryInterval)
	cfg.WipeCheckInterval = positiveOr(cfg.WipeCheckInterval, DefaultWipeCheckInterval)
	cfg.RecordTTL = positiveOr(cfg.RecordTTL, DefaultRecordTTL)
	cfg.RecordIndex = positiveOr(cfg.RecordIndex, DefaultRecordIndex)
	if cfg.PhonePeer == nil {
		cfg.PhonePeer = func(p activeroom.Peer) bool { return sipconnect.IsCallUserID(p.UserID) }
	}
	r := &Roster{cfg: cfg, trimEvery: max(1, cfg.RecentCalls/RecentTrimDivisor),
		queue: make(chan pendingRecord, cfg.RetryQueue), epoch: store.NewEpoch(cfg.Store, ""), rooms: map[string]time.Time{}}
	r.stopped, r.stop = context.WithCancel(context.Background())
	var err error
	if r.tel, err = newTelemetry(cfg.MeterProvider); err != nil {
		return nil, err
	}
	return r, nil
}

// Close stops the roster's background work: the goroutines that write call
// records again, and those Start started. Call records still waiting are
// dropped (and counted in a log line). Close waits for the goroutines to
// return; it may be called more than once, and always returns nil. A
// closed roster keeps answering and recording, but no longer retries.
func (r *Roster) Close() error {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.stop()
	r.wg.Wait()
	if n := len(r.queue); n > 0 {
		r.cfg.Logger.LogAttrs(context.Background(), slog.LevelWarn,
			"roster: roster closed with call records not yet written; dropping them", slog.Int("records", n))
		for len(r.queue) > 0 {
			<-r.queue
		}
	}
	return nil
}

// Store keys. The user id, room id and peer id come from 100ms or from
// this SDK, never from a caller. The prefix "sipconnect:" dates from when
// the roster was part of package sipconnect; it stays, so that the state a
// running server keeps (in Redis) is still read after an upgrade.
func callKey(userID string) string         { return "sipconnect:call:" + userID }
func phonesKey(roomID string) string       { return "sipconnect:phones:" + roomID }
func leftKey(roomID, peerID string) string { return "sipconnect:left:" + roomID + "\x00" + peerID }
func endedCountKey(roomID string) string   { return "sipconnect:ended-count:" + roomID }

// roomsKey is the hash of the rooms a join was seen in, shared by
// instances: field the room id, value when (a stored[struct{}]).
const roomsKey = "sipconnect:rooms"

// participant completes a join or leave with its call's record.
func (r *Roster) participant(ctx context.Context, roomID, peerID, userID string, joined time.Time) Participant {
	p := Participant{RoomID: roomID, PeerID: peerID, UserID: userID, JoinedAt: joined}
	if userID == "" {
		return p
	}
	if v, err := r.get(ctx, callKey(userID)); err == nil {
		var rec callRecord
		if json.Unmarshal(v, &rec) == nil {
			p.CallID, p.From = rec.CallID, rec.From
		}
	}
	return p
}

// stored is a roster entry as kept in the store: the participant or ended
// call, and when the roster wrote it (by its own clock), so that entries
// whose leave never arrived stop being listed after TTL.
type stored[T any] struct {
	Value T         `json:"v"`
	Seen  time.Time `json:"seen"`
}

// Join records a phone participant's join. A join whose leave was already
// recorded is ignored. Every step is idempotent, so a join delivered again
// (a retry, another instance) changes nothing, and OnJoin is called once.
// It returns an error wrapping ErrUnavailable when the store cannot
// answer, so that the webhook is retried; when only the telling of the
// join is left (OnJoin and the gauge), it is queued instead (see
// Config.RetryQueue) and Join returns nil.
func (r *Roster) Join(ctx context.Context, j Join) error {
	if j.RoomID == "" || j.PeerID == "" {
		return errors.New("roster: a join needs a room id and a peer id")
	}
	left, err := r.left(ctx, j.RoomID, j.PeerID)
	if err != nil {
		return err
	}
	p := r.participant(ctx, j.RoomID, j.PeerID, j.UserID, j.JoinedAt)
	p.Role = j.Role
	// The call's record takes the join whatever the roster does with it
	// (a join after its leave is not listed): a failure here answers the
	// webhook with an error, and 100ms sends it again.
	if err := r.joinedStep(ctx, p); err != nil {
		return err
	}
	if left {
		// An earlier delivery of this join may have written the entry
		// before its leave was recorded, and failed before taking it out.
		return r.unlist(ctx, j.RoomID, j.PeerID)
	}
	v, err := json.Marshal(stored[Participant]{p, r.cfg.Clock()})
	if err != nil {
		return err
	}
	if err := r.hset(ctx, phonesKey(j.RoomID), j.PeerID, v, r.cfg.TTL); err != nil {
		return err
	}
	// The leave may have been recorded between the check and the write:
	// then this join takes itself out again.
	if left, err = r.left(ctx, j.RoomID, j.PeerID); err != nil || left {
		if left {
			err = r.unlist(ctx, j.RoomID, j.PeerID)
		}
		return err
	}
	r.seeRoom(ctx, j.RoomID)
	// A leave claims "joined" before anything else, so a join that wins the
	// claim here was not overtaken by its leave: OnJoin never follows
	// OnLeave.
	mine := newClaim(byJoin)
	return r.tellOnce(ctx, j.PeerID, func(ctx context.Context, queued bool) error {
		if ours, err := r.claimOnce(ctx, "joined", j.RoomID, j.PeerID, mine); err != nil || !ours {
			return err
		}
		gone := false
		if queued {
			// The leave may have come while this waited, and told.
			var err error
			if gone, err = r.left(ctx, j.RoomID, j.PeerID); err != nil {
				return err
			}
		}
		// The leave moves the gauge back when a join holds the claim.
		r.tel.participants.Add(ctx, 1)
		if gone {
			return nil
		}
		r.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "roster: phone participant joined",
			slog.String("room_id", p.RoomID), slog.String("peer_id", p.PeerID), slog.String("from", p.From))
		if r.cfg.OnJoin != nil {
			r.cfg.OnJoin(ctx, p)
		}
		return nil
	})
}

// unlist takes the peer out of the room's list of phone participants; it
// may be repeated.
func (r *Roster) unlist(ctx context.Context, roomID, peerID string) error {
	return r.hdel(ctx, phonesKey(roomID), peerID)
}

// Who holds a peer's claim: the roster tells of a join and of a leave
// once each, by whoever claims "joined" (a join, or a leave that came
// first, after which no join tells) and "notified-left" (a leave). A
// claim's value is its kind and a random token.
const (
	byJoin  = 'j'
	byLeave = 'l'
)

// newClaim returns the value of a claim of kind by one attempt.
func newClaim(kind byte) []byte { return append([]byte{kind}, newToken()...) }

// claimKey is the store key of the claim on what (a join or leave) for
// the peer.
func claimKey(what, roomID, peerID string) string {
	return "sipconnect:" + what + ":" + roomID + "\x00" + peerID
}

// claimOnce claims what (a join or leave) for the peer with mine, and
// reports whether the claim is ours. A claim whose write landed without
// an answer (a stall) is found ours when the same attempt tries again.
func (r *Roster) claimOnce(ctx context.Context, what, roomID, peerID string, mine []byte) (bool, error) {
	return r.claim(ctx, claimKey(what, roomID, peerID), mine, r.claimTTL(), func(held []byte) bool { return bytes.Equal(held, mine) })
}

// claimTTL is how long a claim is kept: as long as the participant is
// listed (TTL) or their leave is recent (RecentTTL), whichever is longer,
// so that a call longer than RecentTTL still finds its join's claim when
// it ends and takes the participant off the gauge.
func (r *Roster) claimTTL() time.Duration { return max(r.cfg.TTL, r.cfg.RecentTTL) }

// tellOnce runs tell, which claims and then tells. When the store does not
// answer, tell is tried again from the retry queue with the same claim,
// so that a claim that landed late is neither lost to a retried webhook
// (whose own claim finds it held) nor told twice; err is then nil, as the
// telling is taken care of. It returns tell's error when it cannot be
// queued.
func (r *Roster) tellOnce(ctx context.Context, peerID string, tell func(ctx context.Context, queued bool) error) error {
	err := tell(ctx, false)
	if err == nil || !retryable(err) {
		return err
	}
	again := func(ctx context.Context) error { return tell(ctx, true) }
	if r.enqueue(ctx, pendingRecord{apply: again, id: slog.String("peer_id", peerID), at: r.cfg.Clock()}) {
		return nil
	}
	return err
}

// left reports whether the peer's leave was recorded.
func (r *Roster) left(ctx context.Context, roomID, peerID string) (bool, error) {
	_, err := r.get(ctx, leftKey(roomID, peerID))
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Leave records a phone participant's leave: it takes the participant out
// of the room's list and adds the leave to the call's record, which lists
// it among the room's recent calls.
// Every step is idempotent, so a leave delivered again (a retry after a
// failure half-way, another instance) records the call once, and OnLeave
// is called once; as for Join, a telling the store does not answer is
// queued. The gauge of phone participants goes down only for a join it
// counted: a leave that came before its join counts nothing.
func (r *Roster) Leave(ctx context.Context, l Leave) error {
	if l.RoomID == "" || l.PeerID == "" {
		return errors.New("roster: a leave needs a room id and a peer id")
	}
	// A join that has not told of itself yet never will: its claim is
	// taken here, first. Only a join told of moved the participants
	// gauge, so only then does the leave move it back.
	if _, err := r.setNX(ctx, claimKey("joined", l.RoomID, l.PeerID), newClaim(byLeave), r.claimTTL()); err != nil {
		return err
	}
	// The mark goes next, so that a join processed from here on does not
	// list the peer again.
	if _, err := r.setNX(ctx, leftKey(l.RoomID, l.PeerID), []byte{1}, r.cfg.RecentTTL); err != nil {
		return err
	}
	if err := r.unlist(ctx, l.RoomID, l.PeerID); err != nil {
		return err
	}
	ended := EndedCall{Participant: r.participant(ctx, l.RoomID, l.PeerID, l.UserID, l.JoinedAt),
		LeftAt: l.LeftAt, Duration: l.Duration, Reason: l.Reason}
	ended.Role = l.Role
	// The call's record takes the leave and lists it among the room's
	// recent calls, once per peer however often it is written.
	if err := r.leftStep(ctx, ended); err != nil {
		return err
	}
	mine := newClaim(byLeave)
	return r.tellOnce(ctx, l.PeerID, func(ctx context.Context, _ bool) error {
		if ours, err := r.claimOnce(ctx, "notified-left", l.RoomID, l.PeerID, mine); err != nil || !ours {
			return err
		}
		held, err := r.get(ctx, claimKey("joined", l.RoomID, l.PeerID))
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if len(held) > 0 && held[0] == byJoin {
			r.tel.participants.Add(ctx, -1)
		}
		r.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "roster: phone participant left",
			slog.String("room_id", l.RoomID), slog.String("peer_id", l.PeerID), slog.String("from", ended.From),
			slog.Duration("duration", l.Duration), slog.String("reason", l.Reason))
		if r.cfg.OnLeave != nil {
			r.cfg.OnLeave(ctx, ended)
		}
		return nil
	})
}

// entries reads a hash of stored entries, dropping (and deleting) those
// older than ttl.
func entries[T any](ctx context.Context, r *Roster, key string, ttl time.Duration) ([]T, error) {
	all, err := r.hgetAll(ctx, key)
	if err != nil {
		return nil, err
	}
	now := r.cfg.Clock()
	out := make([]T, 0, len(all))
	for field, v := range all {
		var e stored[T]
		if json.Unmarshal(v, &e) != nil {
			continue
		}
		if now.Sub(e.Seen) > ttl {
			// A participant whose leave never arrived, or an old call.
			_ = r.hdel(ctx, key, field)
			continue
		}
		out = append(out, e.Value)
	}
	return out, nil
}

// Phones returns the phone participants of a room now, in the order they
// joined. A participant whose leave never arrived is dropped TTL after the
// join.
func (r *Roster) Phones(ctx context.Context, roomID string) ([]Participant, error) {
	out, err := entries[Participant](ctx, r, phonesKey(roomID), r.cfg.TTL)
	if err != nil {
		return nil, err
	}
	// A join can be handled before its call's record is written (the
	// record was retried after a store stall): look it up again.
	for i, p := range out {
		if p.CallID == "" && p.UserID != "" {
			out[i] = r.participant(ctx, p.RoomID, p.PeerID, p.UserID, p.JoinedAt)
			out[i].Role = p.Role
		}
	}
	slices.SortFunc(out, func(a, b Participant) int {
		if c := a.JoinedAt.Compare(b.JoinedAt); c != 0 {
			return c
		}
		return strings.Compare(a.PeerID, b.PeerID)
	})
	return out, nil
}

// HangUp ends a phone participant's call by removing its peer from the room
// (100ms removes it asynchronously; the leave then arrives as usual). It
// returns an error wrapping ErrNotOnPhone for a peer the roster does not
// list in the room, so that it never removes someone who is not on the
// phone.
func (r *Roster) HangUp(ctx context.Context, roomID, peerID, reason string) error {
	if r.cfg.Peers == nil {
		return ErrCannotHangUp
	}
	phones, err := r.Phones(ctx, roomID)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(phones, func(p Participant) bool { return p.PeerID == peerID }) {
		return ErrNotOnPhone
	}
	return r.cfg.Peers.RemovePeer(ctx, roomID, peerID, reason)
}

// HandleEvent feeds a 100ms webhook event to the roster: the join and leave
// of a peer of type "sip" become Join and Leave; every other event is
// ignored. It implements hmsevents.Handler, so a Roster can be given to an
// hmsevents.Receiver as is; an error (the store could not answer) makes the
// receiver answer 503, and 100ms delivers the event again. An event no
// delivery could record (its data does not read, or its ids make keys the
// store refuses) is logged and dropped instead, so that 100ms stops
// sending it.
func (r *Roster) HandleEvent(ctx context.Context, e hmsevents.Event) error {
	if e.Type != hmsevents.TypePeerJoinSuccess && e.Type != hmsevents.TypePeerLeaveSuccess {
		return nil
	}
	p, err := e.Peer()
	switch {
	case err != nil:
	case !p.IsSIP():
		return nil
	case e.Type == hmsevents.TypePeerJoinSuccess:
		err = r.Join(ctx, Join{RoomID: p.RoomID, PeerID: p.PeerID, UserID: p.UserID, Role: p.Role, JoinedAt: p.JoinedAt})
	default:
		err = r.Leave(ctx, Leave{RoomID: p.RoomID, PeerID: p.PeerID, UserID: p.UserID, Role: p.Role,
			JoinedAt: p.JoinedAt, LeftAt: p.LeftAt, Duration: p.Duration, Reason: p.Reason})
	}
	if err != nil && !errors.Is(err, ErrUnavailable) {
		// No delivery of this event can be recorded (its data does not
		// read, or names ids no store key holds): asking 100ms for it
		// again would only repeat the failure, so it is dropped.
		r.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "roster: an event no retry can record; dropped",
			slog.String("event_id", e.ID), slog.String("type", e.Type), slog.String("error", err.Error()))
		return nil
	}
	return err
}

// positiveOr returns v, or def when v is not positive: a Config field left
// zero takes its default.
func positiveOr[T ~int | ~int64](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

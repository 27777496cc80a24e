package sipconnect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
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

// Defaults of the call-record retry (RosterConfig.RetryQueue and the next
// fields).
const (
	DefaultRetryQueue    = 1024
	DefaultRetryWorkers  = 2
	DefaultRetryInterval = 100 * time.Millisecond
	// MaxRetryInterval is the longest wait between two writes of a call
	// record.
	MaxRetryInterval = 5 * time.Second
)

// DefaultWipeCheckInterval is RosterConfig.WipeCheckInterval's default.
const DefaultWipeCheckInterval = 10 * time.Second

// ReasonReconciled is the reason of an ended call that Reconcile recorded:
// the roster listed the caller, but 100ms no longer did (the leave webhook
// was lost).
const ReasonReconciled = "reconciled"

// maxKnownRooms bounds the rooms a Roster remembers in memory for
// Reconcile; the oldest seen is forgotten first.
const maxKnownRooms = 10_000

// RecentTrimDivisor sets how often a room's ended calls are trimmed to
// RosterConfig.RecentCalls: every RecentCalls/RecentTrimDivisor leaves.
const RecentTrimDivisor = 10

// maxTrimDeletes bounds the ended calls one trim deletes, so that a leave
// never pays for a backlog (a room written by a version that did not cap)
// all at once; the next trims take the rest.
const maxTrimDeletes = 256

// ErrRosterUnavailable is returned when the roster's store cannot answer.
var ErrRosterUnavailable = errors.New("sipconnect: the phone roster is unavailable")

// ErrCannotHangUp is returned by HangUp when the roster was made without
// RosterConfig.Peers, the live-room client that removes peers.
var ErrCannotHangUp = errors.New("sipconnect: RosterConfig.Peers is required to hang callers up")

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
	// Peers hangs callers up (HangUp removes their peer) and lists the
	// live peers that Reconcile compares the roster with. Optional: without
	// it HangUp, Reconcile and Start return an error.
	Peers *activeroom.Client
	// PhonePeer tells which live peers Reconcile lists as phone callers;
	// by default those whose user id CallUserID made (IsCallUserID). A
	// peer the roster already lists stays listed while it is live,
	// whatever PhonePeer says. Set it when your IdentityFunc gives callers
	// user ids of its own.
	PhonePeer func(activeroom.Peer) bool
	// ReconcileInterval, when positive, makes Start reconcile every room
	// the roster knows that often (see Reconcile). Off (0) by default:
	// each reconcile asks 100ms for the peers of every known room.
	ReconcileInterval time.Duration
	// WipeCheckInterval is how often Start's loop checks whether the store
	// lost its data (CheckWipe), DefaultWipeCheckInterval by default.
	WipeCheckInterval time.Duration
	// RecentCalls is how many ended calls are kept per room,
	// DefaultRecentCalls by default, for RecentTTL (DefaultRecentTTL).
	// The cap is applied when calls end: every RecentCalls/RecentTrimDivisor
	// leaves of a room (at least every leave), the oldest ended calls
	// beyond RecentCalls are deleted, so the store holds at most about
	// RecentCalls + RecentCalls/RecentTrimDivisor of them per room however
	// many calls ended, and reading them costs the same.
	RecentCalls int
	RecentTTL   time.Duration
	// TTL is how long a participant is listed after their join when their
	// leave never arrives, DefaultRosterTTL by default: a lost webhook does
	// not keep a caller listed for ever (nor does a call longer than TTL
	// stay listed).
	TTL time.Duration
	// Clock is the roster's clock, for TTL and RecentTTL; time.Now by
	// default.
	Clock func() time.Time
	// Timeout bounds each store call, DefaultRosterTimeout by default.
	Timeout time.Duration
	// OnJoin and OnLeave, when set, are told of each phone participant who
	// joins or leaves, once across every instance sharing the store, on the
	// instance that recorded it: push them to your UI.
	OnJoin  func(ctx context.Context, p PhoneParticipant)
	OnLeave func(ctx context.Context, c EndedCall)
	// Logger, slog.Default() if nil. Lines carry masked numbers only.
	Logger *slog.Logger

	// A call record the store did not take when the call was bridged (the
	// store stalled or was down) is written again in the background, until
	// the store takes it or TTL has passed since the call: RetryQueue
	// records wait at most (DefaultRetryQueue by default; a record that
	// finds the queue full is dropped and logged), worked by at most
	// RetryWorkers goroutines (DefaultRetryWorkers), which start with the
	// first record to retry and stop when none is left, or with Close. Each record is tried
	// again after RetryInterval (DefaultRetryInterval), then after twice
	// as long each time, up to MaxRetryInterval.
	RetryQueue    int
	RetryWorkers  int
	RetryInterval time.Duration
}

// Roster keeps the phone participants of rooms. It is safe for concurrent
// use, and several Rosters on one shared store behave as one.
type Roster struct {
	cfg       RosterConfig
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
}

// pendingRecord is a call record the store has not taken yet.
type pendingRecord struct {
	key    string
	value  []byte
	userID string
	at     time.Time // when the call was bridged, by the roster's clock
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
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.RetryQueue <= 0 {
		cfg.RetryQueue = DefaultRetryQueue
	}
	if cfg.RetryWorkers <= 0 {
		cfg.RetryWorkers = DefaultRetryWorkers
	}
	if cfg.RetryInterval <= 0 {
		cfg.RetryInterval = DefaultRetryInterval
	}
	if cfg.WipeCheckInterval <= 0 {
		cfg.WipeCheckInterval = DefaultWipeCheckInterval
	}
	if cfg.PhonePeer == nil {
		cfg.PhonePeer = func(p activeroom.Peer) bool { return IsCallUserID(p.UserID) }
	}
	r := &Roster{cfg: cfg, trimEvery: max(1, cfg.RecentCalls/RecentTrimDivisor),
		queue: make(chan pendingRecord, cfg.RetryQueue), epoch: store.NewEpoch(cfg.Store, ""), rooms: map[string]time.Time{}}
	r.stopped, r.stop = context.WithCancel(context.Background())
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
			"sipconnect: roster closed with call records not yet written; dropping them", slog.Int("records", n))
		for len(r.queue) > 0 {
			<-r.queue
		}
	}
	return nil
}

// Store keys. The user id, room id and peer id come from 100ms or from
// this SDK, never from a caller.
func callKey(userID string) string         { return "sipconnect:call:" + userID }
func phonesKey(roomID string) string       { return "sipconnect:phones:" + roomID }
func recentKey(roomID string) string       { return "sipconnect:ended:" + roomID }
func leftKey(roomID, peerID string) string { return "sipconnect:left:" + roomID + "\x00" + peerID }
func endedCountKey(roomID string) string   { return "sipconnect:ended-count:" + roomID }

// roomsKey is the hash of the rooms a join was seen in, shared by
// instances: field the room id, value when (a stored[struct{}]).
const roomsKey = "sipconnect:rooms"

func (r *Roster) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, r.cfg.Timeout)
}

// callRecord is what the handler keeps of a bridged call.
type callRecord struct {
	CallID string `json:"call_id"`
	From   string `json:"from,omitempty"` // masked
}

// RecordCall keeps the call id and masked number of a call whose SIP
// address carries userID, for the join to find. It waits on the store at
// most the roster's Timeout; when the store does not take the record then,
// the record is queued to be written again in the background and queued
// reports true. Either way err tells what the first write met.
func (r *Roster) RecordCall(ctx context.Context, userID string, call Call) (queued bool, err error) {
	v, err := json.Marshal(callRecord{CallID: call.CallSid, From: MaskNumber(call.From)})
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
	return r.enqueue(ctx, p), fmt.Errorf("%w: %w", ErrRosterUnavailable, err)
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
		r.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "sipconnect: the roster is closed; the call record is not written again",
			slog.String("user_id", p.userID))
		return false
	}
	select {
	case r.queue <- p:
	default:
		r.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "sipconnect: the roster's retry queue is full; the call record is dropped",
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
			r.cfg.Logger.LogAttrs(r.stopped, slog.LevelWarn, "sipconnect: a call record expired before the store took it",
				slog.String("user_id", p.userID), slog.Int("attempts", attempt-1))
			return
		}
		ctx, cancel := context.WithTimeout(r.stopped, r.cfg.Timeout)
		// SetNX: a write of the first attempt that landed late (a stalled
		// Redis runs the commands it queued) wins, and this one is a no-op.
		_, err := r.cfg.Store.SetNX(ctx, p.key, p.value, left)
		cancel()
		if err == nil {
			r.cfg.Logger.LogAttrs(r.stopped, slog.LevelInfo, "sipconnect: call record written after a retry",
				slog.String("user_id", p.userID), slog.Int("attempts", attempt))
			return
		}
		if !retryable(err) {
			r.cfg.Logger.LogAttrs(r.stopped, slog.LevelError, "sipconnect: the store refused a call record",
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
// It returns an error wrapping ErrRosterUnavailable when the store cannot
// answer, so that the webhook is retried.
func (r *Roster) Join(ctx context.Context, j PhoneJoin) error {
	if j.RoomID == "" || j.PeerID == "" {
		return errors.New("sipconnect: a join needs a room id and a peer id")
	}
	left, err := r.left(ctx, j.RoomID, j.PeerID)
	if err != nil {
		return err
	}
	if left {
		// An earlier delivery of this join may have written the entry
		// before its leave was recorded, and failed before taking it out.
		return r.unlist(ctx, j.RoomID, j.PeerID)
	}
	p := r.participant(ctx, j.RoomID, j.PeerID, j.UserID, j.JoinedAt)
	v, err := json.Marshal(stored[PhoneParticipant]{p, r.cfg.Clock()})
	if err != nil {
		return err
	}
	if err := r.do(ctx, func(ctx context.Context) error {
		return r.cfg.Store.HSet(ctx, phonesKey(j.RoomID), j.PeerID, v, r.cfg.TTL)
	}); err != nil {
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
	if first, err := r.once(ctx, "joined", j.RoomID, j.PeerID); err != nil || !first {
		return err
	}
	r.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "sipconnect: phone participant joined",
		slog.String("room_id", p.RoomID), slog.String("peer_id", p.PeerID), slog.String("from", p.From))
	if r.cfg.OnJoin != nil {
		r.cfg.OnJoin(ctx, p)
	}
	return nil
}

// unlist takes the peer out of the room's list of phone participants; it
// may be repeated.
func (r *Roster) unlist(ctx context.Context, roomID, peerID string) error {
	return r.do(ctx, func(ctx context.Context) error {
		_, err := r.cfg.Store.HDel(ctx, phonesKey(roomID), peerID)
		return err
	})
}

// do runs one store call with the roster's timeout, wrapping its error.
func (r *Roster) do(ctx context.Context, f func(context.Context) error) error {
	sctx, cancel := r.ctx(ctx)
	defer cancel()
	if err := f(sctx); err != nil {
		return fmt.Errorf("%w: %w", ErrRosterUnavailable, err)
	}
	return nil
}

// once reports whether this is the first time the roster tells of what
// (a join or leave) for the peer, claiming it in the store.
func (r *Roster) once(ctx context.Context, what, roomID, peerID string) (bool, error) {
	var first bool
	err := r.do(ctx, func(ctx context.Context) error {
		var err error
		first, err = r.cfg.Store.SetNX(ctx, "sipconnect:"+what+":"+roomID+"\x00"+peerID, []byte{1}, r.cfg.RecentTTL)
		return err
	})
	return first, err
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

// Leave records a phone participant's leave: it takes the participant out
// of the room's list and adds the ended call to the room's recent calls.
// Every step is idempotent, so a leave delivered again (a retry after a
// failure half-way, another instance) records the call once, and OnLeave
// is called once.
func (r *Roster) Leave(ctx context.Context, l PhoneLeave) error {
	if l.RoomID == "" || l.PeerID == "" {
		return errors.New("sipconnect: a leave needs a room id and a peer id")
	}
	// A join that has not told of itself yet never will: its claim is
	// taken here, first.
	if _, err := r.once(ctx, "joined", l.RoomID, l.PeerID); err != nil {
		return err
	}
	// The mark goes next, so that a join processed from here on does not
	// list the peer again.
	if err := r.do(ctx, func(ctx context.Context) error {
		_, err := r.cfg.Store.SetNX(ctx, leftKey(l.RoomID, l.PeerID), []byte{1}, r.cfg.RecentTTL)
		return err
	}); err != nil {
		return err
	}
	if err := r.unlist(ctx, l.RoomID, l.PeerID); err != nil {
		return err
	}
	ended := EndedCall{PhoneParticipant: r.participant(ctx, l.RoomID, l.PeerID, l.UserID, l.JoinedAt),
		LeftAt: l.LeftAt, Duration: l.Duration, Reason: l.Reason}
	v, err := json.Marshal(stored[EndedCall]{ended, r.cfg.Clock()})
	if err != nil {
		return err
	}
	// One field per peer: writing it again records nothing twice.
	if err := r.do(ctx, func(ctx context.Context) error {
		return r.cfg.Store.HSet(ctx, recentKey(l.RoomID), l.PeerID, v, r.cfg.RecentTTL)
	}); err != nil {
		return err
	}
	r.trimRecent(ctx, l.RoomID)
	if first, err := r.once(ctx, "notified-left", l.RoomID, l.PeerID); err != nil || !first {
		return err
	}
	r.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "sipconnect: phone participant left",
		slog.String("room_id", l.RoomID), slog.String("peer_id", l.PeerID), slog.String("from", ended.From),
		slog.Duration("duration", l.Duration), slog.String("reason", l.Reason))
	if r.cfg.OnLeave != nil {
		r.cfg.OnLeave(ctx, ended)
	}
	return nil
}

// trimRecent counts a leave of the room and, every trimEvery leaves,
// deletes the room's oldest ended calls beyond RecentCalls (and those older
// than RecentTTL). Deleting is idempotent and concurrent trims delete the
// same fields, so instances need not agree on who trims; a leave recorded
// while a trim runs is the newest and stays. A trim that fails is left to
// the next one: the leave itself is recorded.
func (r *Roster) trimRecent(ctx context.Context, roomID string) {
	var n int64
	if err := r.do(ctx, func(ctx context.Context) error {
		var err error
		n, err = r.cfg.Store.IncrBy(ctx, endedCountKey(roomID), 1, r.cfg.RecentTTL)
		return err
	}); err != nil || n%int64(r.trimEvery) != 0 {
		return
	}
	var all map[string][]byte
	if err := r.do(ctx, func(ctx context.Context) error {
		var err error
		all, err = r.cfg.Store.HGetAll(ctx, recentKey(roomID))
		return err
	}); err != nil || len(all) <= r.cfg.RecentCalls {
		return
	}
	type call struct {
		field string
		e     stored[EndedCall]
	}
	now := r.cfg.Clock()
	calls := make([]call, 0, len(all))
	var drop []string
	for field, v := range all {
		c := call{field: field}
		if json.Unmarshal(v, &c.e) != nil || now.Sub(c.e.Seen) > r.cfg.RecentTTL {
			drop = append(drop, field)
			continue
		}
		calls = append(calls, c)
	}
	// Recent's order: what it would not show goes.
	slices.SortFunc(calls, func(a, b call) int { return newestFirst(a.e.Value, b.e.Value) })
	for _, c := range calls[min(len(calls), r.cfg.RecentCalls):] {
		drop = append(drop, c.field)
	}
	for _, field := range drop[:min(len(drop), maxTrimDeletes)] {
		if err := r.do(ctx, func(ctx context.Context) error {
			_, err := r.cfg.Store.HDel(ctx, recentKey(roomID), field)
			return err
		}); err != nil {
			return
		}
	}
}

// newestFirst orders ended calls as Recent answers them: newest first, then
// by peer id.
func newestFirst(a, b EndedCall) int {
	if c := b.LeftAt.Compare(a.LeftAt); c != 0 {
		return c
	}
	return strings.Compare(a.PeerID, b.PeerID)
}

// entries reads a hash of stored entries, dropping (and deleting) those
// older than ttl.
func entries[T any](ctx context.Context, r *Roster, key string, ttl time.Duration) ([]T, error) {
	var all map[string][]byte
	if err := r.do(ctx, func(ctx context.Context) error {
		var err error
		all, err = r.cfg.Store.HGetAll(ctx, key)
		return err
	}); err != nil {
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
			_ = r.do(ctx, func(ctx context.Context) error { _, err := r.cfg.Store.HDel(ctx, key, field); return err })
			continue
		}
		out = append(out, e.Value)
	}
	return out, nil
}

// Phones returns the phone participants of a room now, in the order they
// joined. A participant whose leave never arrived is dropped TTL after the
// join.
func (r *Roster) Phones(ctx context.Context, roomID string) ([]PhoneParticipant, error) {
	out, err := entries[PhoneParticipant](ctx, r, phonesKey(roomID), r.cfg.TTL)
	if err != nil {
		return nil, err
	}
	// A join can be handled before its call's record is written (the
	// record was retried after a store stall): look it up again.
	for i, p := range out {
		if p.CallID == "" && p.UserID != "" {
			out[i] = r.participant(ctx, p.RoomID, p.PeerID, p.UserID, p.JoinedAt)
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

// Recent returns the calls of a room that ended within RecentTTL, newest
// first, at most RecentCalls of them.
func (r *Roster) Recent(ctx context.Context, roomID string) ([]EndedCall, error) {
	out, err := entries[EndedCall](ctx, r, recentKey(roomID), r.cfg.RecentTTL)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, newestFirst)
	return out[:min(len(out), r.cfg.RecentCalls)], nil
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

// seeRoom remembers that the room had a phone participant, in memory (a
// store wipe keeps it) and in the store (a restart of this instance keeps
// it), for Reconcile. Failing to write it only narrows later reconciles.
func (r *Roster) seeRoom(ctx context.Context, roomID string) {
	now := r.cfg.Clock()
	r.mu.Lock()
	if _, ok := r.rooms[roomID]; !ok && len(r.rooms) >= maxKnownRooms {
		oldest, at := "", now
		for id, t := range r.rooms {
			if !t.After(at) {
				oldest, at = id, t
			}
		}
		delete(r.rooms, oldest)
	}
	r.rooms[roomID] = now
	r.mu.Unlock()
	if v, err := json.Marshal(stored[struct{}]{Seen: now}); err == nil {
		_ = r.do(ctx, func(ctx context.Context) error { return r.cfg.Store.HSet(ctx, roomsKey, roomID, v, r.cfg.TTL) })
	}
}

// knownRooms returns the rooms seen within TTL, by this instance or any
// other sharing the store, sorted.
func (r *Roster) knownRooms(ctx context.Context) ([]string, error) {
	now := r.cfg.Clock()
	set := map[string]bool{}
	r.mu.Lock()
	for id, t := range r.rooms {
		if now.Sub(t) > r.cfg.TTL {
			delete(r.rooms, id)
			continue
		}
		set[id] = true
	}
	r.mu.Unlock()
	var all map[string][]byte
	err := r.do(ctx, func(ctx context.Context) error {
		var err error
		all, err = r.cfg.Store.HGetAll(ctx, roomsKey)
		return err
	})
	for id, v := range all {
		var e stored[struct{}]
		if json.Unmarshal(v, &e) != nil || now.Sub(e.Seen) > r.cfg.TTL {
			_ = r.do(ctx, func(ctx context.Context) error { _, err := r.cfg.Store.HDel(ctx, roomsKey, id); return err })
			continue
		}
		set[id] = true
	}
	return slices.Sorted(maps.Keys(set)), err
}

// ErrCannotReconcile is returned by Reconcile and Start when the roster was
// made without RosterConfig.Peers, the live-room client that lists peers.
var ErrCannotReconcile = errors.New("sipconnect: RosterConfig.Peers is required to reconcile the roster")

// ErrRosterStarted is returned by Start when the roster was started
// before, or closed.
var ErrRosterStarted = errors.New("sipconnect: the roster was already started or closed")

// ReconcileError is the error of one room that Reconcile could not
// reconcile: 100ms or the store did not answer. Reconcile joins one per
// such room (errors.Join); errors.As finds them.
type ReconcileError struct {
	RoomID string
	Err    error
}

// Error returns "sipconnect: reconciling the phones of room <room>: <err>".
func (e *ReconcileError) Error() string {
	return fmt.Sprintf("sipconnect: reconciling the phones of room %q: %v", e.RoomID, e.Err)
}

// Unwrap returns the cause.
func (e *ReconcileError) Unwrap() error { return e.Err }

// Reconcile makes the roster agree with 100ms, the source of truth: for
// each room the roster knows (a join was seen in it within TTL, by any
// instance sharing the store, or by this one before the store lost its
// data) and each room given, it lists the room's live peers that are
// phone callers (RosterConfig.PhonePeer) and are not listed, and takes out
// the listed callers that are no longer live, recording their calls as
// ended with reason ReasonReconciled. It goes through Join and Leave, so
// it is idempotent, safe to run on several instances at once, and tells
// OnJoin and OnLeave once. A caller whose call record was lost is listed
// without it. After a store wipe, the claims that made OnJoin tell once are
// gone too: OnJoin tells again of the callers Reconcile lists.
//
// A room whose peers or roster could not be read is left as it was, and
// its error (a *ReconcileError) joined to the result; the other rooms are
// reconciled all the same.
func (r *Roster) Reconcile(ctx context.Context, roomIDs ...string) error {
	if r.cfg.Peers == nil {
		return ErrCannotReconcile
	}
	rooms, err := r.knownRooms(ctx)
	var errs []error
	if err != nil {
		errs = append(errs, fmt.Errorf("sipconnect: reading the rooms the roster knows: %w", err))
	}
	for _, id := range roomIDs {
		if !slices.Contains(rooms, id) {
			rooms = append(rooms, id)
		}
	}
	for _, room := range rooms {
		if err := r.reconcileRoom(ctx, room); err != nil {
			errs = append(errs, &ReconcileError{RoomID: room, Err: err})
		}
	}
	return errors.Join(errs...)
}

// reconcileRoom reconciles one room. The roster is read before 100ms's
// peers: a caller listed then and not live afterwards has left, while a
// join recorded after the roster was read is not taken for a ghost.
func (r *Roster) reconcileRoom(ctx context.Context, roomID string) error {
	listed, err := r.Phones(ctx, roomID)
	if err != nil {
		return err
	}
	live, err := r.cfg.Peers.Peers(ctx, roomID, nil)
	if err != nil {
		return err
	}
	isListed := make(map[string]bool, len(listed))
	for _, p := range listed {
		isListed[p.PeerID] = true
	}
	isLive := make(map[string]bool, len(live))
	added, removed := 0, 0
	for _, p := range live {
		isLive[p.ID] = true
		if isListed[p.ID] || !r.cfg.PhonePeer(p) {
			continue
		}
		if err := r.Join(ctx, PhoneJoin{RoomID: roomID, PeerID: p.ID, UserID: p.UserID, JoinedAt: p.JoinedAt}); err != nil {
			return err
		}
		added++
	}
	now := r.cfg.Clock()
	for _, p := range listed {
		if isLive[p.PeerID] {
			continue
		}
		if err := r.Leave(ctx, PhoneLeave{RoomID: roomID, PeerID: p.PeerID, UserID: p.UserID, JoinedAt: p.JoinedAt,
			LeftAt: now, Duration: max(0, now.Sub(p.JoinedAt)), Reason: ReasonReconciled}); err != nil {
			return err
		}
		removed++
	}
	if added > 0 || removed > 0 {
		r.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "sipconnect: roster reconciled with the live room",
			slog.String("room_id", roomID), slog.Int("added", added), slog.Int("removed", removed))
	}
	return nil
}

// CheckWipe checks whether the store lost its data (an empty restart of
// Redis, a FLUSHALL, a failover to an empty replica) since the previous
// check, with a store.Epoch mark, and if so reconciles every room the
// roster knows. Start's loop calls it every WipeCheckInterval; call it
// yourself when you have a reason to think the store was wiped. The first
// check of a roster learns the mark and reports false. An error matching
// ErrRosterUnavailable means the store did not answer.
func (r *Roster) CheckWipe(ctx context.Context) (wiped bool, err error) {
	sctx, cancel := r.ctx(ctx)
	wiped, err = r.epoch.Check(sctx)
	cancel()
	if err != nil {
		return false, fmt.Errorf("%w: %w", ErrRosterUnavailable, err)
	}
	if !wiped {
		return false, nil
	}
	r.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "sipconnect: the store lost its data; reconciling the roster with 100ms")
	return true, r.Reconcile(ctx)
}

// Start heals the roster from 100ms now and from then on: it learns the
// store's epoch mark, reconciles every room the roster knows (Reconcile),
// and starts one goroutine that runs CheckWipe every WipeCheckInterval and,
// when ReconcileInterval is positive, Reconcile that often, until Close.
// The goroutine is started even when the first reconcile fails; its error
// is returned. Start returns ErrCannotReconcile without RosterConfig.Peers
// and ErrRosterStarted when called again or after Close.
func (r *Roster) Start(ctx context.Context) error {
	if r.cfg.Peers == nil {
		return ErrCannotReconcile
	}
	r.mu.Lock()
	if r.started || r.closed {
		r.mu.Unlock()
		return ErrRosterStarted
	}
	r.started = true
	r.wg.Add(1)
	r.mu.Unlock()
	_, err := r.CheckWipe(ctx)
	err = errors.Join(err, r.Reconcile(ctx))
	go r.heal()
	return err
}

// heal is Start's loop.
func (r *Roster) heal() {
	defer r.wg.Done()
	wipe := time.NewTicker(r.cfg.WipeCheckInterval)
	defer wipe.Stop()
	var periodic <-chan time.Time
	if r.cfg.ReconcileInterval > 0 {
		t := time.NewTicker(r.cfg.ReconcileInterval)
		defer t.Stop()
		periodic = t.C
	}
	for {
		var err error
		select {
		case <-r.stopped.Done():
			return
		case <-wipe.C:
			_, err = r.CheckWipe(r.stopped)
		case <-periodic:
			err = r.Reconcile(r.stopped)
		}
		if err != nil && r.stopped.Err() == nil {
			r.cfg.Logger.LogAttrs(r.stopped, slog.LevelWarn, "sipconnect: healing the roster failed; trying again later",
				slog.String("error", err.Error()))
		}
	}
}

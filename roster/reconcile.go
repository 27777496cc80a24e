package roster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"
)

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
		_ = r.hset(ctx, roomsKey, roomID, v, r.cfg.TTL)
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
	all, err := r.hgetAll(ctx, roomsKey)
	for id, v := range all {
		var e stored[struct{}]
		if json.Unmarshal(v, &e) != nil || now.Sub(e.Seen) > r.cfg.TTL {
			_ = r.hdel(ctx, roomsKey, id)
			continue
		}
		set[id] = true
	}
	return slices.Sorted(maps.Keys(set)), err
}

// ErrCannotReconcile is returned by Reconcile and Start when the roster was
// made without Config.Peers, the live-room client that lists peers.
var ErrCannotReconcile = errors.New("roster: Config.Peers is required to reconcile the roster")

// ErrStarted is returned by Start when the roster was started
// before, or closed.
var ErrStarted = errors.New("roster: the roster was already started or closed")

// ReconcileError is the error of one room that Reconcile could not
// reconcile: 100ms or the store did not answer. Reconcile joins one per
// such room (errors.Join); errors.As finds them.
type ReconcileError struct {
	RoomID string
	Err    error
}

// Error returns "roster: reconciling the phones of room <room>: <err>".
func (e *ReconcileError) Error() string {
	return fmt.Sprintf("roster: reconciling the phones of room %q: %v", e.RoomID, e.Err)
}

// Unwrap returns the cause.
func (e *ReconcileError) Unwrap() error { return e.Err }

// Reconcile makes the roster agree with 100ms, the source of truth: for
// each room the roster knows (a join was seen in it within TTL, by any
// instance sharing the store, or by this one before the store lost its
// data) and each room given, it lists the room's live peers that are
// phone callers (Config.PhonePeer) and are not listed, and takes out
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
		errs = append(errs, fmt.Errorf("roster: reading the rooms the roster knows: %w", err))
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
		if err := r.Join(ctx, Join{RoomID: roomID, PeerID: p.ID, UserID: p.UserID, Role: p.Role, JoinedAt: p.JoinedAt}); err != nil {
			return err
		}
		added++
	}
	now := r.cfg.Clock()
	for _, p := range listed {
		if isLive[p.PeerID] {
			continue
		}
		if err := r.Leave(ctx, Leave{RoomID: roomID, PeerID: p.PeerID, UserID: p.UserID, Role: p.Role, JoinedAt: p.JoinedAt,
			LeftAt: now, Duration: max(0, now.Sub(p.JoinedAt)), Reason: ReasonReconciled}); err != nil {
			return err
		}
		removed++
	}
	if added > 0 || removed > 0 {
		r.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "roster: roster reconciled with the live room",
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
// ErrUnavailable means the store did not answer.
func (r *Roster) CheckWipe(ctx context.Context) (wiped bool, err error) {
	if wiped, err = storeCall(ctx, r, r.epoch.Check); err != nil {
		return false, err
	}
	if !wiped {
		return false, nil
	}
	r.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "roster: the store lost its data; reconciling the roster with 100ms")
	return true, r.Reconcile(ctx)
}

// Start heals the roster from 100ms now and from then on: it learns the
// store's epoch mark, reconciles every room the roster knows (Reconcile),
// and starts one goroutine that runs CheckWipe every WipeCheckInterval and,
// when ReconcileInterval is positive, Reconcile that often, until Close.
// The goroutine is started even when the first reconcile fails; its error
// is returned. Start returns ErrCannotReconcile without Config.Peers
// and ErrStarted when called again or after Close.
func (r *Roster) Start(ctx context.Context) error {
	if r.cfg.Peers == nil {
		return ErrCannotReconcile
	}
	r.mu.Lock()
	if r.started || r.closed {
		r.mu.Unlock()
		return ErrStarted
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
			r.cfg.Logger.LogAttrs(r.stopped, slog.LevelWarn, "roster: healing the roster failed; trying again later",
				slog.String("error", err.Error()))
		}
	}
}

package roster

import (
	"bytes"
	"cmp"
	"context"
	cryptorand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/store"
)

// A CallRecord is one call's whole life, across the carrier and 100ms:
// how the handler answered it, the carrier's dial result, and the phone
// participant's join and leave. It is built from steps the roster keeps
// in the store as they arrive, in any order and any number of times.
//
// A phone participant whose call the roster does not know (one this SDK's
// handler did not answer, or whose tie to its call has not landed) gets a
// record of its own when it leaves, with an empty CallID: its leave, with
// its join time and role. Once the tie lands, the call's record takes the
// join and leave too, and listings show that one.
type CallRecord struct {
	CallID    string `json:"call_id"`
	Carrier   string `json:"carrier,omitempty"`
	Direction string `json:"direction"`      // inbound (a dial-in) or outbound (RecordDialOut)
	From      string `json:"from,omitempty"` // masked
	To        string `json:"to,omitempty"`   // the number called
	// RoomID and PeerID come from 100ms's join; RoomBy says how the
	// handler chose the room: room, number or pin.
	RoomID string `json:"room_id,omitempty"`
	PeerID string `json:"peer_id,omitempty"`
	Role   string `json:"role,omitempty"` // the role the caller joined with
	RoomBy string `json:"room_by,omitempty"`
	// Outcome and Reason are how the last webhook was answered (bridged,
	// fallback with its reason, pin_wrong, ...).
	Outcome string `json:"outcome,omitempty"`
	Reason  string `json:"reason,omitempty"`
	// DialStatus, SIPResponse and DialDuration are the carrier's dial
	// result: completed, busy, no-answer, failed or canceled; the final
	// SIP response code; how long the bridged call lasted.
	DialStatus   string        `json:"dial_status,omitempty"`
	SIPResponse  string        `json:"sip_response,omitempty"`
	DialDuration time.Duration `json:"dial_duration,omitempty"`
	Started      time.Time     `json:"started"`
	Ended        time.Time     `json:"ended,omitzero"`
	JoinedAt     time.Time     `json:"joined_at,omitzero"`
	LeftAt       time.Time     `json:"left_at,omitzero"`
	Timeline     []CallStep    `json:"timeline"`
}

// CallStep is one step of a call's timeline: received, answered, dialed,
// joined, left.
type CallStep struct {
	At     time.Time `json:"at"`
	Step   string    `json:"step"`
	Detail string    `json:"detail,omitempty"`
}

// Duration is the call's whole length, from the first webhook to its end;
// 0 while it goes on.
func (c CallRecord) Duration() time.Duration {
	if c.Ended.IsZero() {
		return 0
	}
	return c.Ended.Sub(c.Started)
}

// InRoom is how long the caller was in the room; 0 until the leave.
func (c CallRecord) InRoom() time.Duration {
	if c.JoinedAt.IsZero() || c.LeftAt.IsZero() {
		return 0
	}
	return c.LeftAt.Sub(c.JoinedAt)
}

// MarshalJSON writes the record's fields and its two durations, duration
// (Duration) and in_room (InRoom), in nanoseconds like dial_duration;
// each is left out while it is 0.
func (c CallRecord) MarshalJSON() ([]byte, error) {
	type fields CallRecord // without this method
	return json.Marshal(struct {
		fields
		Duration time.Duration `json:"duration,omitempty"`
		InRoom   time.Duration `json:"in_room,omitempty"`
	}{fields(c), c.Duration(), c.InRoom()})
}

// RecordFilter selects call records: those of one room (RoomID; all when
// empty) that started at Since or later, Limit of them (DefaultRecordPage
// when 0), after the record the cursor After names (RecordPage.Next).
type RecordFilter struct {
	RoomID string
	Since  time.Time
	Limit  int
	After  string
}

// RecordPage is one page of call records, newest first; Next, when not
// empty, is the RecordFilter.After of the next page.
type RecordPage struct {
	Records []CallRecord `json:"records"`
	Next    string       `json:"next,omitempty"`
}

// Defaults of the call records.
const (
	DefaultRecordTTL   = 7 * 24 * time.Hour // how long a record is kept after its last step
	DefaultRecordIndex = 10000              // how many calls the listings reach back, all and per room
	DefaultRecordPage  = 50
)

func recordKey(callID string) string    { return "sipconnect:call-record:" + callID }
func recordEndKey(callID string) string { return "sipconnect:call-record-ended:" + callID }
func roomCallsKey(roomID string) string { return "sipconnect:call-records-room:" + roomID }

// aliasKey names the record of a call by another id of it: Vonage's
// connect events name the conversation, not the inbound leg.
func aliasKey(id string) string { return "sipconnect:call-record-alias:" + id }

// allCallsKey lists every call's id: a hash whose fields are the call ids
// and whose values the time of their last step, so that listing a call
// again, or late (a stalled Redis runs the writes it queued), changes
// nothing.
const allCallsKey = "sipconnect:call-records"

// step is one step of a record as kept in the store, a field of the
// record's hash.
type step struct {
	At        time.Time     `json:"at"`
	Answered  time.Time     `json:"answered,omitzero"`
	Carrier   string        `json:"carrier,omitempty"`
	From      string        `json:"from,omitempty"`
	To        string        `json:"to,omitempty"`
	Outcome   string        `json:"outcome,omitempty"`
	Reason    string        `json:"reason,omitempty"`
	RoomBy    string        `json:"room_by,omitempty"`
	Status    string        `json:"status,omitempty"`
	SIP       string        `json:"sip,omitempty"`
	Duration  time.Duration `json:"duration,omitempty"`
	RoomID    string        `json:"room_id,omitempty"`
	PeerID    string        `json:"peer_id,omitempty"`
	LeaveNote string        `json:"reason_left,omitempty"`
	Direction string        `json:"direction,omitempty"`
	// The user id and join time a leave was delivered with, for Recent.
	UserID string    `json:"user_id,omitempty"`
	Joined time.Time `json:"joined,omitzero"`
	Role   string    `json:"role,omitempty"`
	// When a step of a call not known yet was parked, by the roster's
	// clock.
	Parked time.Time `json:"parked,omitzero"`
}

// final reports whether an answer ends the call then and there: nothing
// was bridged and no further webhook of the call will come.
func final(outcome string) bool {
	switch outcome {
	case "fallback", "rejected_signature", "bad_request", "pin_locked", "pin_throttled", "pin_exhausted",
		"pin_try_later":
		return true
	}
	return false
}

// CallAnswered adds how the handler answered one webhook of a call to the
// call's record (sipconnect.CallRecorder). An answer that ends the call
// (a fallback, a lockout) ends the record. A store that does not answer
// within Timeout costs the record that step, logged, never the caller.
func (r *Roster) CallAnswered(ctx context.Context, a sipconnect.CallAnswer) {
	callID := a.Call.CallSid
	if callID == "" {
		return
	}
	// Stamped by the roster's clock, like its other steps (the handler's
	// time to answer is in its metrics).
	now := r.cfg.Clock()
	s := step{At: now, Answered: now, Carrier: strings.ToLower(a.Carrier),
		From: sipconnect.MaskNumber(a.Call.From), To: a.Call.To, Outcome: a.Outcome, Reason: a.Reason, RoomBy: a.RoomBy}
	if conv := a.Call.Form.Get("conversation_uuid"); conv != "" && conv != callID {
		_, _ = r.setNX(ctx, aliasKey(conv), []byte(callID), r.cfg.RecordTTL)
	}
	r.addStep(ctx, callID, "answered:"+a.Outcome+":"+strconv.FormatInt(s.At.UnixMilli(), 10), s, final(a.Outcome))
}

// DialEnded adds the carrier's dial result to the call's record and ends
// it (sipconnect.CallRecorder).
func (r *Roster) DialEnded(ctx context.Context, carrier string, d sipconnect.DialStatus) {
	if d.CallSid == "" {
		return
	}
	s := step{At: r.cfg.Clock(), Carrier: strings.ToLower(carrier), Status: d.DialCallStatus, SIP: d.DialSipResponseCode}
	if secs, err := strconv.Atoi(d.DialCallDuration); err == nil {
		s.Duration = time.Duration(secs) * time.Second
	}
	callID := d.CallSid
	if alias, err := r.get(ctx, aliasKey(callID)); err == nil && len(alias) > 0 {
		callID = string(alias)
	}
	r.addStep(ctx, callID, "dial", s, true)
}

// joinedStep and leftStep add a phone participant's join and leave to its
// call's record, which they list under the room; the leave also lists it
// among the room's recent calls. The step of a participant whose call is
// not known (a caller this SDK did not answer, or one whose tie, written
// by RecordCall, has not landed because the store stalled when the call
// was bridged) is parked under its user id, for a tie that lands later to
// pick up, and its leave makes a record of its own, named by its peer id.
func (r *Roster) joinedStep(ctx context.Context, p Participant) error {
	s := step{At: p.JoinedAt, RoomID: p.RoomID, PeerID: p.PeerID, UserID: p.UserID, Role: p.Role}
	if p.CallID == "" {
		return r.park(ctx, p.UserID, "joined:"+s.PeerID, s)
	}
	return r.joined(ctx, p.CallID, s)
}

// peerPrefix starts the record id of a phone participant whose call is not
// known: "peer:" and its peer id. No carrier's call id starts so.
const peerPrefix = "peer:"

func peerRecordID(peerID string) string { return peerPrefix + peerID }

func (r *Roster) joined(ctx context.Context, callID string, s step) error {
	return concurrently(ctx,
		func(ctx context.Context) error { return r.applyStep(ctx, callID, "joined:"+s.PeerID, s) },
		func(ctx context.Context) error { return r.index(ctx, roomCallsKey(s.RoomID), callID, s.At) })
}

// concurrently runs idempotent writes at once, so that a step costs one
// round trip to a shared store rather than one per write, and returns the
// first error. A listing may land before what it lists: readers skip a
// listed record that is not there yet.
func concurrently(ctx context.Context, writes ...func(context.Context) error) error {
	g, ctx := errgroup.WithContext(ctx)
	for _, w := range writes {
		g.Go(func() error { return w(ctx) })
	}
	return g.Wait()
}

// readers is how many records Recent and Records read at once: a shared
// store (Redis) answers them in about one round trip's time per readers
// records.
const readers = 8

// readEach runs read(ctx, i) for i from 0 to n-1, readers at a time, and
// returns the first error.
func readEach(ctx context.Context, n int, read func(ctx context.Context, i int) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(readers)
	for i := range n {
		g.Go(func() error { return read(ctx, i) })
	}
	return g.Wait()
}

func (r *Roster) leftStep(ctx context.Context, c EndedCall) error {
	s := step{At: c.LeftAt, RoomID: c.RoomID, PeerID: c.PeerID, Duration: c.Duration, LeaveNote: c.Reason,
		UserID: c.UserID, Joined: c.JoinedAt, Role: c.Role}
	if c.CallID == "" {
		if err := r.park(ctx, c.UserID, "left:"+s.PeerID, s); err != nil {
			return err
		}
		return r.leftFor(ctx, peerRecordID(c.PeerID), s)
	}
	return r.leftFor(ctx, c.CallID, s)
}

func (r *Roster) leftFor(ctx context.Context, callID string, s step) error {
	// An outbound call ends when its callee leaves the room.
	ends := false
	if r.cfg.OnCallEnded != nil {
		rec, ok, err := r.record(ctx, callID)
		if err != nil {
			return err
		}
		ends = ok && rec.Direction == "outbound"
	}
	// A leave whose join was lost still lists the call under its room.
	if err := concurrently(ctx,
		func(ctx context.Context) error { return r.applyStep(ctx, callID, "left:"+s.PeerID, s) },
		func(ctx context.Context) error { return r.index(ctx, roomCallsKey(s.RoomID), callID, s.At) },
		func(ctx context.Context) error { return r.listEnded(ctx, callID, s) }); err != nil {
		return err
	}
	if ends {
		r.endCall(ctx, callID)
	}
	return nil
}

// userStepsKey holds the joins and leaves of a user id whose call is not
// known yet, a field per step and peer ("joined:" or "left:" and the peer
// id).
func userStepsKey(userID string) string { return "sipconnect:call-record-user:" + userID }

// park keeps a join or leave under its user id until the call's tie
// lands. The tie may have landed since the participant was read: then the
// parked steps are applied now. Either the tie's writer or this one sees
// the other's write, so no step is left parked.
func (r *Roster) park(ctx context.Context, userID, field string, s step) error {
	if userID == "" {
		return nil
	}
	s.Parked = r.cfg.Clock()
	v, err := json.Marshal(s)
	if err != nil {
		return err
	}
	if err := r.hset(ctx, userStepsKey(userID), field, v, r.cfg.TTL); err != nil {
		return err
	}
	tie, err := r.get(ctx, callKey(userID))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil
	case err != nil:
		return err
	}
	var rec callRecord
	if json.Unmarshal(tie, &rec) != nil || rec.CallID == "" {
		return nil
	}
	return r.unpark(ctx, userID, rec)
}

// parkSlack is how much earlier than its call's tie a step may have been
// parked and still be the call's: a dial-out's tie is written once the
// callee answered, as its join arrives, and instances' clocks may differ
// a little.
const parkSlack = time.Minute

// unpark applies the steps parked under userID to the record of the call
// tie names. A step parked before the call was bridged (both by the
// roster's clock) belongs to an earlier call with the same user id, one
// this SDK did not answer, and stays in that participant's own record.
func (r *Roster) unpark(ctx context.Context, userID string, tie callRecord) error {
	parked, err := r.hgetAll(ctx, userStepsKey(userID))
	if err != nil {
		return err
	}
	// Each peer's join before its leave: "joined" sorts first. Versions
	// before the per-peer fields parked "joined" and "left".
	for _, field := range slices.Sorted(maps.Keys(parked)) {
		var s step
		if json.Unmarshal(parked[field], &s) != nil || s.PeerID == "" {
			continue
		}
		if !tie.At.IsZero() && !s.Parked.IsZero() && s.Parked.Before(tie.At.Add(-parkSlack)) {
			continue
		}
		s.Parked = time.Time{}
		var err error
		switch kind, _, _ := strings.Cut(field, ":"); kind {
		case "joined":
			err = r.joined(ctx, tie.CallID, s)
		case "left":
			err = r.leftFor(ctx, tie.CallID, s)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// addStep writes one step of a record under field, and when the step
// ends the call tells OnCallEnded. A store that does not take it is tried
// again in the background (Config.RetryQueue), so that a step the carrier
// or 100ms sends once is not lost to a stall.
func (r *Roster) addStep(ctx context.Context, callID, field string, s step, ends bool) {
	if strings.HasPrefix(callID, peerPrefix) {
		// Not a carrier's call id: it would name a participant's record.
		r.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "roster: a call id that names no call; the step is not kept",
			slog.String("step", field))
		return
	}
	var token []byte
	if ends && r.cfg.OnCallEnded != nil {
		token = newToken()
	}
	write := func(ctx context.Context) error {
		if err := r.applyStep(ctx, callID, field, s); err != nil {
			return err
		}
		if token == nil {
			return nil
		}
		return r.tellEnded(ctx, callID, token)
	}
	if err := write(ctx); err != nil {
		if !retryable(err) || !r.enqueue(ctx, pendingRecord{id: slog.String("call_id", callID), at: r.cfg.Clock(), apply: write}) {
			r.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "roster: a call record step was not kept",
				slog.String("call_id", callID), slog.String("step", field), slog.String("error", err.Error()))
		}
	}
}

// applyStep writes one step of a record under field and lists the call;
// writing them again changes nothing. Each store call waits at most
// Timeout; the first that fails ends it with the error.
func (r *Roster) applyStep(ctx context.Context, callID, field string, s step) error {
	if s.At.IsZero() {
		s.At = r.cfg.Clock()
	}
	v, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return concurrently(ctx,
		func(ctx context.Context) error { return r.hset(ctx, recordKey(callID), field, v, r.cfg.RecordTTL) },
		func(ctx context.Context) error { return r.index(ctx, allCallsKey, callID, s.At) })
}

// index lists callID in the hash under key, with at, the time of its
// step, and now and then trims the hash to the RecordIndex calls most
// recently heard of.
func (r *Roster) index(ctx context.Context, key, callID string, at time.Time) error {
	if err := r.hset(ctx, key, callID, []byte(strconv.FormatInt(at.UnixNano(), 10)), r.cfg.RecordTTL); err != nil {
		return err
	}
	// One listing in RecordIndex/10, drawn at random (no store call to
	// count them), trims: the listing holds about RecordIndex calls plus
	// a tenth, whichever instances write it.
	if rand.IntN(max(1, r.cfg.RecordIndex/10)) == 0 {
		r.trimIndex(ctx, key)
	}
	return nil
}

// trimIndex deletes the calls of the listing under key beyond the
// RecordIndex most recent. Deleting is idempotent, so instances need not
// agree on who trims.
func (r *Roster) trimIndex(ctx context.Context, key string) {
	all, err := r.hgetAll(ctx, key)
	if err != nil || len(all) <= r.cfg.RecordIndex {
		return
	}
	type entry struct {
		id string
		at int64
	}
	entries := make([]entry, 0, len(all))
	for id, v := range all {
		at, _ := strconv.ParseInt(string(v), 10, 64)
		entries = append(entries, entry{id, at})
	}
	slices.SortFunc(entries, func(a, b entry) int { return cmp.Compare(b.at, a.at) })
	for _, e := range entries[r.cfg.RecordIndex:] {
		_ = r.hdel(ctx, key, e.id)
	}
}

// endCall tells OnCallEnded of the call, once across instances: the first
// teller claims the call with a token of its own, and a teller whose
// claim landed without an answer (a stall) finds its token there when it
// tries again. A store that does not answer defers it to the retry queue.
func (r *Roster) endCall(ctx context.Context, callID string) {
	if r.cfg.OnCallEnded == nil {
		return
	}
	token := newToken()
	tell := func(ctx context.Context) error { return r.tellEnded(ctx, callID, token) }
	if err := tell(ctx); err != nil {
		if !retryable(err) || !r.enqueue(ctx, pendingRecord{id: slog.String("call_id", callID), at: r.cfg.Clock(), apply: tell}) {
			r.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "roster: an ended call was not told of",
				slog.String("call_id", callID), slog.String("error", err.Error()))
		}
	}
}

// newToken returns a random token that tells one teller's claim from
// another's.
func newToken() []byte {
	var b [12]byte
	_, _ = cryptorand.Read(b[:])
	return []byte(hex.EncodeToString(b[:]))
}

func (r *Roster) tellEnded(ctx context.Context, callID string, token []byte) error {
	ours, err := r.claim(ctx, recordEndKey(callID), token, r.cfg.RecordTTL, func(held []byte) bool { return bytes.Equal(held, token) })
	if err != nil || !ours {
		return err // or another teller's
	}
	rec, ok, err := r.record(ctx, callID)
	if err != nil {
		return err
	}
	if ok {
		r.cfg.OnCallEnded(ctx, rec)
	}
	return nil
}

// Record returns the record of one call, and false when the store holds
// none.
func (r *Roster) Record(ctx context.Context, callID string) (CallRecord, bool, error) {
	return r.record(ctx, callID)
}

func (r *Roster) record(ctx context.Context, callID string) (CallRecord, bool, error) {
	fields, err := r.recordFields(ctx, callID)
	if err != nil || len(fields) == 0 {
		return CallRecord{}, false, err
	}
	return buildRecord(callID, fields), true, nil
}

func (r *Roster) recordFields(ctx context.Context, callID string) (map[string][]byte, error) {
	return r.hgetAll(ctx, recordKey(callID))
}

// peersOf returns the peers whose join or leave a record's fields hold (a
// caller who reconnected is more than one), and the user id they joined
// with.
func peersOf(fields map[string][]byte) (peers []string, userID string) {
	for name, v := range fields {
		if kind, peer, ok := strings.Cut(name, ":"); ok && (kind == "joined" || kind == "left") {
			peers = append(peers, peer)
			var s step
			if userID == "" && json.Unmarshal(v, &s) == nil {
				userID = s.UserID
			}
		}
	}
	return peers, userID
}

// tiedElsewhere reports whether the call that a participant's own record
// belongs to is known now: the tie of its user id names a call whose
// record holds the peer.
func (r *Roster) tiedElsewhere(ctx context.Context, peerID, userID string) (bool, error) {
	if userID == "" {
		return false, nil
	}
	v, err := r.get(ctx, callKey(userID))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return false, nil
	case err != nil:
		return false, err
	}
	var tie callRecord
	if json.Unmarshal(v, &tie) != nil || tie.CallID == "" {
		return false, nil
	}
	fields, err := r.recordFields(ctx, tie.CallID)
	if err != nil {
		return false, err
	}
	_, joined := fields["joined:"+peerID]
	_, left := fields["left:"+peerID]
	return joined || left, nil
}

// buildRecord assembles a record from its steps, in time order.
func buildRecord(callID string, fields map[string][]byte) CallRecord {
	type named struct {
		name string
		s    step
	}
	steps := make([]named, 0, len(fields))
	for name, v := range fields {
		var s step
		if json.Unmarshal(v, &s) == nil {
			steps = append(steps, named{name, s})
		}
	}
	slices.SortFunc(steps, func(a, b named) int {
		if c := a.s.At.Compare(b.s.At); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	rec := CallRecord{CallID: callID, Direction: "inbound", Timeline: []CallStep{}}
	if strings.HasPrefix(callID, peerPrefix) {
		rec.CallID = "" // a participant whose call is not known
	}
	for i, n := range steps {
		s := n.s
		if i == 0 || s.At.Before(rec.Started) {
			rec.Started = s.At
		}
		rec.Carrier = cmpOr(rec.Carrier, s.Carrier)
		switch kind, _, _ := strings.Cut(n.name, ":"); kind {
		case "answered":
			rec.From, rec.To = cmpOr(s.From, rec.From), cmpOr(s.To, rec.To)
			rec.Outcome, rec.Reason, rec.RoomBy = s.Outcome, s.Reason, cmpOr(s.RoomBy, rec.RoomBy)
			rec.Timeline = append(rec.Timeline, CallStep{At: s.At, Step: "received"},
				CallStep{At: s.Answered, Step: "answered", Detail: detail(s.Outcome, s.Reason)})
			if final(s.Outcome) {
				rec.Ended = later(rec.Ended, s.Answered)
			}
		case "dialout":
			rec.Direction, rec.To = "outbound", cmpOr(s.To, rec.To)
			rec.Outcome, rec.Reason = s.Outcome, s.Reason
			rec.Timeline = append(rec.Timeline, CallStep{At: s.At, Step: "dialed", Detail: s.Outcome})
			if s.Outcome != "answered" {
				rec.Ended = later(rec.Ended, s.At)
			}
		case "dial":
			rec.DialStatus, rec.SIPResponse, rec.DialDuration = s.Status, s.SIP, s.Duration
			rec.Timeline = append(rec.Timeline, CallStep{At: s.At, Step: "dialed", Detail: detail(s.Status, s.SIP)})
			rec.Ended = later(rec.Ended, s.At)
		case "joined":
			rec.RoomID, rec.PeerID, rec.JoinedAt, rec.Role = s.RoomID, s.PeerID, s.At, cmpOr(s.Role, rec.Role)
			rec.Timeline = append(rec.Timeline, CallStep{At: s.At, Step: "joined", Detail: s.PeerID})
		case "left":
			rec.RoomID, rec.PeerID, rec.LeftAt = cmpOr(rec.RoomID, s.RoomID), cmpOr(rec.PeerID, s.PeerID), s.At
			rec.Role = cmpOr(rec.Role, s.Role)
			if rec.JoinedAt.IsZero() {
				rec.JoinedAt = s.Joined // a leave without its join, as a participant's own record has
			}
			rec.Timeline = append(rec.Timeline, CallStep{At: s.At, Step: "left", Detail: s.LeaveNote})
		}
	}
	if rec.Direction == "outbound" && !rec.LeftAt.IsZero() {
		rec.Ended = later(rec.Ended, rec.LeftAt)
	}
	slices.SortStableFunc(rec.Timeline, func(a, b CallStep) int { return a.At.Compare(b.At) })
	return rec
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func detail(what, why string) string {
	if why == "" {
		return what
	}
	return what + " (" + why + ")"
}

// ErrBadCursor is returned by Records for an After it did not give.
var ErrBadCursor = errors.New("roster: not a cursor of Records")

// Records returns the call records f selects, newest first, a page at a
// time: those of one room once 100ms told of the caller's join or leave, or of
// every call. It reads the listing, then each record it names (in a
// room's listing, each whose caller joined or left since f.Since), a store
// call each, eight at a time: for an operator's listing rather than a hot
// path.
func (r *Roster) Records(ctx context.Context, f RecordFilter) (RecordPage, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultRecordPage
	}
	key := allCallsKey
	if f.RoomID != "" {
		key = roomCallsKey(f.RoomID)
	}
	ids, err := r.hgetAll(ctx, key)
	if err != nil {
		return RecordPage{}, err
	}
	type listed struct {
		id     string // the call id, or the peer's record id
		rec    CallRecord
		peers  []string
		userID string
		ok     bool
	}
	// A room's listing holds the time of the caller's join or leave, a
	// step of the call, so never before the call started: a call listed
	// before Since started before it, and is not read. (The listing of
	// every call holds the time of the step written last, which a retried
	// step can move.)
	recs := make([]listed, 0, len(ids))
	for id, v := range ids {
		at, err := strconv.ParseInt(string(v), 10, 64)
		if f.RoomID != "" && !f.Since.IsZero() && err == nil && at > 0 && time.Unix(0, at).Before(f.Since) {
			continue
		}
		recs = append(recs, listed{id: id})
	}
	if err := readEach(ctx, len(recs), func(ctx context.Context, i int) error {
		fields, err := r.recordFields(ctx, recs[i].id)
		if err != nil || len(fields) == 0 {
			return err
		}
		l := &recs[i]
		l.rec, l.ok = buildRecord(l.id, fields), true
		l.peers, l.userID = peersOf(fields)
		return nil
	}); err != nil {
		return RecordPage{}, err
	}
	// A participant listed before its call's tie landed has two records:
	// its own and, once the tie landed, its call's. The call's is shown;
	// when it is not read here (not listed since Since), the tie tells.
	known := map[string]bool{} // peers a listed call's record holds
	for _, l := range recs {
		if l.ok && l.rec.CallID != "" {
			for _, p := range l.peers {
				known[p] = true
			}
		}
	}
	recs = slices.DeleteFunc(recs, func(l listed) bool {
		return !l.ok || l.rec.Started.Before(f.Since) || (l.rec.CallID == "" && known[l.rec.PeerID])
	})
	hidden := make([]bool, len(recs))
	if err := readEach(ctx, len(recs), func(ctx context.Context, i int) error {
		var err error
		if recs[i].rec.CallID == "" {
			hidden[i], err = r.tiedElsewhere(ctx, recs[i].rec.PeerID, recs[i].userID)
		}
		return err
	}); err != nil {
		return RecordPage{}, err
	}
	n := 0
	for i, l := range recs {
		if !hidden[i] {
			recs[n] = l
			n++
		}
	}
	recs = recs[:n]
	slices.SortFunc(recs, func(a, b listed) int {
		if c := b.rec.Started.Compare(a.rec.Started); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	if f.After != "" {
		at, id, ok := parseCursor(f.After)
		if !ok {
			return RecordPage{}, ErrBadCursor
		}
		i := slices.IndexFunc(recs, func(l listed) bool {
			return l.rec.Started.Before(at) || (l.rec.Started.Equal(at) && l.id > id)
		})
		if i < 0 {
			i = len(recs)
		}
		recs = recs[i:]
	}
	page := RecordPage{Records: make([]CallRecord, 0, min(len(recs), limit))}
	for _, l := range recs[:min(len(recs), limit)] {
		page.Records = append(page.Records, l.rec)
	}
	if len(recs) > limit {
		last := recs[limit-1]
		page.Next = strconv.FormatInt(last.rec.Started.UnixNano(), 10) + ":" + last.id
	}
	return page, nil
}

func parseCursor(s string) (time.Time, string, bool) {
	ns, id, ok := strings.Cut(s, ":")
	n, err := strconv.ParseInt(ns, 10, 64)
	if !ok || err != nil || id == "" {
		return time.Time{}, "", false
	}
	return time.Unix(0, n), id, true
}

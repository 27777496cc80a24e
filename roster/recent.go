package roster

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The room's recent calls are a view of the call records: a hash per room
// whose fields are the peer ids of the phone participants who left, and
// whose values name the record that holds the leave, with when the caller
// left (by 100ms's clock, for the order) and when the roster wrote it (by
// its own clock, for RecentTTL): "<left ns> <written ns> <record id>".
// Writing a leave again rewrites the same field, so nothing is listed
// twice.
func recentCallsKey(roomID string) string { return "sipconnect:call-records-left:" + roomID }

// listEnded lists the leave s, kept in the record recordID, among its
// room's recent calls, and trims the listing now and then.
func (r *Roster) listEnded(ctx context.Context, recordID string, s step) error {
	v := strconv.FormatInt(s.At.UnixNano(), 10) + " " + strconv.FormatInt(r.cfg.Clock().UnixNano(), 10) + " " + recordID
	if err := r.hset(ctx, recentCallsKey(s.RoomID), s.PeerID, []byte(v), r.cfg.RecentTTL); err != nil {
		return err
	}
	r.trimRecent(ctx, s.RoomID)
	return nil
}

// listedCall is one field of a room's recent calls.
type listedCall struct {
	peerID, recordID string
	left, written    time.Time
}

func parseListed(peerID string, v []byte) (listedCall, bool) {
	left, rest, ok1 := strings.Cut(string(v), " ")
	written, id, ok2 := strings.Cut(rest, " ")
	l, err1 := strconv.ParseInt(left, 10, 64)
	w, err2 := strconv.ParseInt(written, 10, 64)
	if !ok1 || !ok2 || err1 != nil || err2 != nil || id == "" {
		return listedCall{}, false
	}
	return listedCall{peerID: peerID, recordID: id, left: time.Unix(0, l).UTC(), written: time.Unix(0, w)}, true
}

// listed reads a room's recent calls, newest first, and the fields of
// those written longer than RecentTTL ago or that do not parse: stale, for
// a trim to delete.
func (r *Roster) listed(ctx context.Context, roomID string) (calls []listedCall, stale []string, err error) {
	all, err := r.hgetAll(ctx, recentCallsKey(roomID))
	if err != nil {
		return nil, nil, err
	}
	now := r.cfg.Clock()
	calls = make([]listedCall, 0, len(all))
	for peerID, v := range all {
		c, ok := parseListed(peerID, v)
		if !ok || now.Sub(c.written) > r.cfg.RecentTTL {
			stale = append(stale, peerID)
			continue
		}
		calls = append(calls, c)
	}
	slices.SortFunc(calls, func(a, b listedCall) int {
		if c := b.left.Compare(a.left); c != 0 {
			return c
		}
		return strings.Compare(a.peerID, b.peerID)
	})
	return calls, stale, nil
}

// trimRecent counts a leave of the room and, every trimEvery leaves,
// deletes the room's oldest recent calls beyond RecentCalls (and those
// older than RecentTTL) from the listing; the records stay, for RecordTTL.
// Concurrent trims delete the same fields, so instances need not agree on
// who trims; a leave listed while a trim runs is the newest and stays.
func (r *Roster) trimRecent(ctx context.Context, roomID string) {
	if n, err := r.incrBy(ctx, endedCountKey(roomID), 1, r.cfg.RecentTTL); err != nil || n%int64(r.trimEvery) != 0 {
		return
	}
	calls, drop, err := r.listed(ctx, roomID)
	if err != nil {
		return
	}
	for _, c := range calls[min(len(calls), r.cfg.RecentCalls):] {
		drop = append(drop, c.peerID)
	}
	// At most maxTrimDeletes, so that no leave pays for a backlog all at
	// once; a delete that fails is left to the next trim.
	for _, peerID := range drop[:min(len(drop), maxTrimDeletes)] {
		if err := r.hdel(ctx, recentCallsKey(roomID), peerID); err != nil {
			return
		}
	}
}

// Recent returns the calls of a room that ended within RecentTTL, newest
// first, at most RecentCalls of them: a view of their call records, one per
// phone participant who left. It reads the room's listing and then the
// records of the newest RecentCalls it names, eight at once (and
// further ones in place of records that are gone); it returns an error
// wrapping ErrUnavailable when the store does not answer any of them.
func (r *Roster) Recent(ctx context.Context, roomID string) ([]EndedCall, error) {
	calls, _, err := r.listed(ctx, roomID)
	if err != nil {
		return nil, err
	}
	out := make([]EndedCall, 0, min(len(calls), r.cfg.RecentCalls))
	// The records are read as many as are still wanted at a time; a
	// record that is gone makes room for the next listed.
	for len(out) < r.cfg.RecentCalls && len(calls) > 0 {
		batch := calls[:min(len(calls), r.cfg.RecentCalls-len(out))]
		calls = calls[len(batch):]
		ended := make([]EndedCall, len(batch))
		found := make([]bool, len(batch))
		if err := readEach(ctx, len(batch), func(ctx context.Context, i int) error {
			fields, err := r.recordFields(ctx, batch[i].recordID)
			ended[i], found[i] = endedFrom(batch[i].recordID, batch[i].peerID, fields)
			return err
		}); err != nil {
			return nil, err
		}
		for i, e := range ended {
			if found[i] {
				out = append(out, e)
			}
		}
	}
	slices.SortFunc(out, newestFirst)
	return out, nil
}

// newestFirst orders ended calls as Recent answers them: newest first, then
// by peer id.
func newestFirst(a, b EndedCall) int {
	if c := b.LeftAt.Compare(a.LeftAt); c != 0 {
		return c
	}
	return strings.Compare(a.PeerID, b.PeerID)
}

// endedFrom builds the ended call of peerID from the steps of the record
// recordID; false when the record is gone (RecordTTL is shorter than
// RecentTTL) or holds no leave of the peer. A participant listed before
// its call was known is listed again, under the call's record, when the
// call's tie lands.
func endedFrom(recordID, peerID string, fields map[string][]byte) (EndedCall, bool) {
	var left step
	if json.Unmarshal(fields["left:"+peerID], &left) != nil {
		return EndedCall{}, false
	}
	e := EndedCall{Participant: Participant{RoomID: left.RoomID, PeerID: peerID, UserID: left.UserID, Role: left.Role,
		JoinedAt: left.Joined}, LeftAt: left.At, Duration: left.Duration, Reason: left.LeaveNote}
	if !strings.HasPrefix(recordID, peerPrefix) {
		e.CallID = recordID
	}
	var joined step
	if json.Unmarshal(fields["joined:"+peerID], &joined) == nil {
		e.Role = cmpOr(e.Role, joined.Role)
		if e.JoinedAt.IsZero() {
			e.JoinedAt = joined.At
		}
	}
	// The masked number: a dial-in's caller, or a dial-out's callee (the
	// number a dial-in called is not masked, and is not shown).
	for name, v := range fields {
		kind, _, _ := strings.Cut(name, ":")
		var s step
		if e.From != "" || (kind != "answered" && kind != "dialout") || json.Unmarshal(v, &s) != nil {
			continue
		}
		if kind == "answered" {
			e.From = s.From
		} else {
			e.From = s.To
		}
	}
	return e, true
}

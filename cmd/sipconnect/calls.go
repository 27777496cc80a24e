package main

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/hmssip/interconnect-go/roster"
	"github.com/hmssip/interconnect-go/store"
)

// The page sizes of the call records: GET /calls?limit= and calls list
// --limit take 1..maxRecordPage, roster.DefaultRecordPage by default.
const maxRecordPage = 1000

// recordQuery is what GET /calls and calls list select: the records of a
// room (all when empty) that started within since (all when 0), limit of
// them, after the cursor after.
type recordQuery struct {
	roomID string
	since  time.Duration
	limit  int
	after  string
}

// filter is q as the roster takes it, since counted back from now.
func (q recordQuery) filter(now time.Time) roster.RecordFilter {
	f := roster.RecordFilter{RoomID: q.roomID, Limit: q.limit, After: q.after}
	if q.since > 0 {
		f.Since = now.Add(-q.since)
	}
	return f
}

// parseRecordQuery reads the query of GET /calls; its error names the
// parameter that is wrong.
func parseRecordQuery(v map[string][]string) (recordQuery, error) {
	get := func(name string) string {
		if vs := v[name]; len(vs) > 0 {
			return vs[0]
		}
		return ""
	}
	q := recordQuery{roomID: get("room_id"), limit: roster.DefaultRecordPage, after: get("after")}
	if q.roomID != "" {
		if msg := checkID("room_id", q.roomID); msg != "" {
			return q, errors.New(msg)
		}
	}
	if s := get("since"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return q, fmt.Errorf("invalid since %q: want a positive duration such as 90m or 24h", s)
		}
		q.since = d
	}
	if s := get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxRecordPage {
			return q, fmt.Errorf("invalid limit %q: want a number from 1 to %d", s, maxRecordPage)
		}
		q.limit = n
	}
	return q, nil
}

// errBadAfter is the answer to a cursor Records did not give.
const errBadAfter = "invalid after: not the next cursor of a page of GET /calls"

// calls answers GET /calls?room_id=&since=&limit=&after=: a page of call
// records, newest first, with the cursor of the next page.
func (p phones) calls(w http.ResponseWriter, r *http.Request) {
	if !p.authorized(w, r) {
		return
	}
	q, err := parseRecordQuery(r.URL.Query())
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, err.Error())
		return
	}
	page, err := p.roster.Records(r.Context(), q.filter(time.Now()))
	switch {
	case errors.Is(err, roster.ErrBadCursor):
		writeJSONError(w, http.StatusBadRequest, errBadAfter)
		return
	case errors.Is(err, roster.ErrUnavailable), errors.Is(err, store.ErrUnavailable):
		writeJSONError(w, http.StatusServiceUnavailable, "the call records are unavailable")
		return
	case err != nil:
		writeJSONError(w, http.StatusInternalServerError, "reading the call records failed")
		return
	}
	writeJSON(w, http.StatusOK, page)
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hmssip/interconnect-go/roster"
	"github.com/hmssip/interconnect-go/store"
)

const callsUsage = `usage: sipconnect calls <subcommand> [flags]

subcommands:
  list     print the call records of a running serve's shared store, newest first

Run 'sipconnect calls <subcommand> -h' for the flags of a subcommand.`

// callsNote ends the usage of calls list.
const callsNote = `Reads the records serve keeps in the Redis it shares (serve --redis, or SIPCONNECT_REDIS_URL):
one per call, inbound or outbound, kept 7 days after its last step. The number shown is masked.
The same records answer GET /calls?room_id=&since=&limit=&after= on serve, with its admin token.`

// errNoCallStore is the error of calls without a shared store.
var errNoCallStore = errors.New("calls list reads the store a running serve shares: give --redis URL or set SIPCONNECT_REDIS_URL")

// callsCmd lists the call records a running serve keeps in its shared
// store.
func (e env) callsCmd(ctx context.Context, args []string) error {
	_, args, err := e.group("calls", callsUsage, []string{"list"}, args)
	if err != nil {
		return err
	}
	return e.callsList(ctx, args)
}

func (e env) callsList(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("calls list", flag.ContinueOnError)
	var q recordQuery
	var redisURL string
	var asJSON bool
	fs.StringVar(&q.roomID, "room-id", "", "only the calls of this room `ID` (callers who joined it)")
	fs.DurationVar(&q.since, "since", 0, "only the calls that started within this `DURATION`, e.g. 1h (default: all that are kept)")
	fs.IntVar(&q.limit, "limit", roster.DefaultRecordPage, "print at most `N` records, the newest")
	fs.StringVar(&redisURL, "redis", "", "`URL` of the Redis serve shares (default $SIPCONNECT_REDIS_URL)")
	fs.BoolVar(&asJSON, "json", false, "print a JSON array of the records")
	cmd, err := e.parse(fs, "calls list [--room-id ID] [--since DURATION] [--limit N] [--redis URL] [--json]", args, callsNote)
	if err != nil {
		return err
	}
	switch {
	case q.since < 0:
		return cmd.usagef("--since must not be negative, not %s", q.since)
	case q.limit < 1:
		return cmd.usagef("--limit must be at least 1, not %d", q.limit)
	}
	if q.roomID != "" {
		if msg := checkID("room_id", q.roomID); msg != "" {
			return cmd.usagef("--room-id: %s", strings.TrimPrefix(msg, "invalid room_id: "))
		}
	}
	if redisURL == "" && e.getenv("SIPCONNECT_REDIS_URL") == "" {
		return errNoCallStore
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	st, err := e.sharedStore(ctx, redisURL)
	if err != nil {
		return err
	}
	defer st.Close()
	// Read only: the roster is never given a call, a webhook or Start.
	r, err := e.recordsRoster(st)
	if err != nil {
		return err
	}
	defer r.Close()
	f := q.filter(time.Now())
	recs := []roster.CallRecord{}
	for len(recs) < q.limit {
		f.Limit = min(q.limit-len(recs), maxRecordPage)
		page, err := r.Records(ctx, f)
		if err != nil {
			return err
		}
		recs = append(recs, page.Records...)
		if page.Next == "" || len(page.Records) == 0 {
			break
		}
		f.After = page.Next
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(recs)
	}
	return printRecords(e.stdout, recs)
}

// printRecords prints records as a table, a row each, every text field
// through cell: the number and the carrier's statuses come from outside.
func printRecords(w io.Writer, recs []roster.CallRecord) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CALL ID\tDIRECTION\tCARRIER\tFROM\tROOM ID\tOUTCOME\tDIAL\tSIP\tTOTAL\tIN ROOM\tSTARTED")
	for _, c := range recs {
		outcome := c.Outcome
		if c.Reason != "" {
			outcome += " (" + c.Reason + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", cell(c.CallID), cell(c.Direction), cell(c.Carrier), cell(c.From), cell(c.RoomID),
			cell(outcome), cell(c.DialStatus), cell(c.SIPResponse), duration(c.Duration()), duration(c.InRoom()), c.Started.UTC().Format(time.RFC3339))
	}
	return tw.Flush()
}

// cell is s as a cell of a printed table: "-" when empty, and quoted
// with Go escapes (strconv.Quote) when it holds a control character, a
// tab, invalid UTF-8 or another rune that is not printable. Much of what
// the tables show was chosen by someone else (a participant's name, a
// caller's number, a carrier's status): quoted, a line break cannot
// forge a row, nor an escape sequence reach the operator's terminal.
func cell(s string) string {
	if s == "" {
		return "-"
	}
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}

// duration shows d to the second, or to the millisecond under a second;
// "-" when it is 0 (the call goes on, or the caller never joined).
func duration(d time.Duration) string {
	switch {
	case d <= 0:
		return "-"
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// recordsRoster is a roster on the shared store for a command that reads
// or adds call records, never given a webhook or Start; its warnings go to
// stderr.
func (e env) recordsRoster(st store.Store) (*roster.Roster, error) {
	return roster.New(roster.Config{Store: st, Logger: slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
}

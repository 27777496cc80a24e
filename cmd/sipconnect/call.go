package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/hmssip/interconnect-go/activeroom"
	"github.com/hmssip/interconnect-go/headers"
	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/roster"
	"github.com/hmssip/interconnect-go/sipout"
)

// call rings a phone (or a SIP URI) through an outbound trunk and brings the
// callee into the room of a room code.
func (e env) call(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("call", flag.ContinueOnError)
	var r sipout.CallRequest
	var ringTimeout int
	var asJSON bool
	var redisURL string
	fs.StringVar(&r.To, "to", "", "callee: a phone `number` in E.164 (+14155550100) or a sip: URI (required)")
	fs.StringVar(&r.RoomCode, "room-code", "", "room `code` of the room and role the callee joins (required)")
	fs.StringVar(&r.TrunkID, "trunk-id", "", "`id` of the outbound trunk that places the call (required)")
	fs.StringVar(&r.Name, "name", "", "callee's display `name` in the room")
	fs.StringVar(&r.UserID, "user-id", "", "callee's user `id` in the room (default: a fresh sipconnect-call-... id, printed while it rings)")
	headerFlag(fs, "custom SIP header `X-Name=value` for the INVITE (repeatable)", func(name, value string) {
		r.Headers = append(r.Headers, headers.Field{Name: name, Value: value})
	})
	fs.BoolVar(&r.Video, "video", false, "ask for a video call (SIP endpoints that send video)")
	fs.IntVar(&ringTimeout, "ring-timeout", int(sipout.DefaultRingTimeout/time.Second), fmt.Sprintf("whole `seconds` to wait for an answer, at most %d", sipout.MaxRingTimeout/time.Second))
	fs.BoolVar(&asJSON, "json", false, `print {"id":...}`)
	fs.StringVar(&redisURL, "redis", "", "record the call in the Redis `URL` a running serve shares, for calls list and GET /calls (default $SIPCONNECT_REDIS_URL)")
	if _, err := e.parse(fs, "call --to NUMBER|SIP-URI --room-code CODE --trunk-id ID [--name NAME] [--user-id ID] [--header X-Name=value]... [--video] [--ring-timeout SECONDS] [--redis URL] [--json]",
		args, demoNote); err != nil {
		return err
	}
	maxRing := int(sipout.MaxRingTimeout / time.Second)
	switch {
	case ringTimeout < 1:
		return fmt.Errorf("--ring-timeout must be at least 1 second, not %d", ringTimeout)
	case ringTimeout > maxRing:
		// Checked here, before the seconds become a time.Duration, which
		// a huge number would overflow.
		return fmt.Errorf("--ring-timeout must be at most %d seconds (%v), not %d", maxRing, sipout.MaxRingTimeout, ringTimeout)
	}
	r.RingTimeout = time.Duration(ringTimeout) * time.Second

	s, err := e.session(false)
	if err != nil {
		return err
	}
	defer s.close()
	if s.fake != nil {
		if r.To == demoNoAnswer {
			// Time out on the fake's side too, as 100ms answers 408.
			s.fake.SetMaxRing(r.RingTimeout)
		} else {
			s.fake.SetCallAnswer(r.To, demoRingFor)
		}
	}
	if r.UserID == "" {
		// A user id of its own lets a callee who answers after we gave up
		// be found and removed: 100ms gives no call id before the answer.
		r.UserID = "sipconnect-call-" + throwawayToken()[:12]
	}
	// The demo records only where --redis says: not in the store a real
	// serve shares.
	if redisURL == "" && s.fake == nil {
		redisURL = e.getenv("SIPCONNECT_REDIS_URL")
	}
	record, err := e.dialOutRecorder(ctx, redisURL)
	if err != nil {
		return err
	}
	defer record.close()
	stop := e.ringing(r)
	res, err := sipout.NewClient(s.api).Call(ctx, r)
	stop(err == nil)
	record.dialOut(ctx, r, res, err)
	switch {
	case errors.Is(err, sipout.ErrNoAnswer):
		return fmt.Errorf("no answer: nobody picked up within the ring timeout (%v); %s", r.RingTimeout, lateAnswerHint(r))
	case err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()):
		return fmt.Errorf("interrupted while the phone rang: 100ms has no way to cancel a call, so it may still ring; %s", lateAnswerHint(r))
	case errors.Is(err, hmsapi.ErrMaybeSent):
		// The request reached 100ms, or may have, and failed without an
		// answer to read: the phone may ring, or have answered already.
		return fmt.Errorf("%w; the call may have been placed: the phone may ring or have answered, so check before calling again. %s", err, lateAnswerHint(r))
	case err != nil:
		return err
	}
	if err := e.printResult(asJSON, struct {
		ID string `json:"id"`
	}{res.ID}, res.ID); err != nil {
		return err
	}
	if s.fake == nil || asJSON {
		return nil
	}
	// Demo mode: show the callee among the room's live peers.
	roomID := demoCallRoomID
	if calls := s.fake.Calls(); len(calls) > 0 {
		roomID = calls[len(calls)-1].RoomID
	}
	peers, err := activeroom.NewClient(s.api).Peers(ctx, roomID, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\nlive peers of room %s:\n", roomID)
	if err := printPeers(e.stdout, peers); err != nil {
		return err
	}
	if p, ok := s.fake.CallPeer(res.ID); ok {
		fmt.Fprintf(e.stdout, "the callee is peer %s\n", p.ID)
	}
	return nil
}

// dialOutRecorder records a dial-out's result in the shared store, when
// there is one.
type dialOutRecorder struct {
	st     *sharedRedis
	roster *roster.Roster
}

// dialOutRecorder connects to the Redis at rawURL, or records nothing when
// rawURL is empty. A store that does not answer fails the command before
// the phone rings.
func (e env) dialOutRecorder(ctx context.Context, rawURL string) (dialOutRecorder, error) {
	if rawURL == "" {
		return dialOutRecorder{}, nil
	}
	st, err := e.sharedStore(ctx, rawURL)
	if err != nil {
		return dialOutRecorder{}, fmt.Errorf("--redis: %w", err)
	}
	r, err := e.recordsRoster(st)
	if err != nil {
		st.Close()
		return dialOutRecorder{}, err
	}
	return dialOutRecorder{st: st, roster: r}, nil
}

// dialOut records the call's result: answered, or how it failed. An
// interrupted command still records it.
func (d dialOutRecorder) dialOut(ctx context.Context, req sipout.CallRequest, res sipout.CallResult, err error) {
	if d.roster == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	d.roster.RecordDialOut(ctx, req, res, err)
}

func (d dialOutRecorder) close() {
	if d.roster != nil {
		_ = d.roster.Close()
		d.st.Close()
	}
}

// lateAnswerHint says how to remove the callee if the phone answers after
// the command gave up. 100ms returns a call's id only once it is answered,
// so an unanswered call has none: the callee is found by user id.
func lateAnswerHint(r sipout.CallRequest) string {
	return fmt.Sprintf("100ms gives no call id before the phone answers. If it answers late, the callee joins the room of room code %s "+
		"with user id %s: find its peer id with 'sipconnect peers list --room-id ROOM_ID --user-id %s' "+
		"and remove it with 'sipconnect peers remove --room-id ROOM_ID --peer-id PEER_ID'",
		r.RoomCode, r.UserID, r.UserID)
}

// ringing shows on stderr that the phone rings, until the returned
// function is called (with whether it was answered). 100ms answers the
// call request, with the call id, only once the phone answers, so there is
// no id to show before: it shows the user id the callee will have. On a
// terminal it draws a spinner with the seconds rung; otherwise it writes a
// plain line every 5 seconds.
func (e env) ringing(r sipout.CallRequest) func(answered bool) {
	tty := isTerminal(e.stderr)
	start := time.Now()
	done := make(chan struct{})
	finished := make(chan struct{})
	shown := false
	tick := 5 * time.Second
	if tty {
		tick = 200 * time.Millisecond
	}
	go func() {
		defer close(finished)
		// A request refused at once (a bad number, say) rings nothing:
		// say nothing for it.
		select {
		case <-done:
			return
		case <-time.After(ringingDelay):
		}
		shown = true
		fmt.Fprintf(e.stderr, "ringing %s for up to %v as user id %s (100ms gives the call id when the phone answers; Ctrl-C gives up)\n",
			r.To, r.RingTimeout, r.UserID)
		t := time.NewTicker(tick)
		defer t.Stop()
		frames := `|/-\`
		for i := 0; ; i++ {
			select {
			case <-done:
				if tty {
					fmt.Fprint(e.stderr, "\r\033[K")
				}
				return
			case <-t.C:
				rung := time.Since(start).Truncate(time.Second)
				if tty {
					fmt.Fprintf(e.stderr, "\r%c ringing %s: %v of %v", frames[i%len(frames)], r.To, rung, r.RingTimeout)
				} else {
					fmt.Fprintf(e.stderr, "still ringing %s: %v of %v\n", r.To, rung, r.RingTimeout)
				}
			}
		}
	}()
	return func(answered bool) {
		close(done)
		<-finished
		if answered && shown {
			fmt.Fprintf(e.stderr, "answered after %v\n", time.Since(start).Truncate(100*time.Millisecond))
		}
	}
}

// ringingDelay is how long a call request runs before ringing shows it.
const ringingDelay = 200 * time.Millisecond

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

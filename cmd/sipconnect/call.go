package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/hmssip/interconnect-go/activeroom"
	"github.com/hmssip/interconnect-go/headers"
	"github.com/hmssip/interconnect-go/sipout"
)

// call rings a phone (or a SIP URI) through an outbound trunk and brings the
// callee into the room of a room code.
func (e env) call(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("call", flag.ContinueOnError)
	var r sipout.CallRequest
	var ringTimeout int
	var asJSON bool
	fs.StringVar(&r.To, "to", "", "callee: a phone `number` in E.164 (+14155550100) or a sip: URI (required)")
	fs.StringVar(&r.RoomCode, "room-code", "", "room `code` of the room and role the callee joins (required)")
	fs.StringVar(&r.TrunkID, "trunk-id", "", "`id` of the outbound trunk that places the call (required)")
	fs.StringVar(&r.Name, "name", "", "callee's display `name` in the room")
	fs.StringVar(&r.UserID, "user-id", "", "callee's user `id` in the room")
	headerFlag(fs, "custom SIP header `X-Name=value` for the INVITE (repeatable)", func(name, value string) {
		r.Headers = append(r.Headers, headers.Field{Name: name, Value: value})
	})
	fs.BoolVar(&r.Video, "video", false, "ask for a video call (SIP endpoints that send video)")
	fs.IntVar(&ringTimeout, "ring-timeout", int(sipout.DefaultRingTimeout/time.Second), "whole `seconds` to wait for an answer")
	fs.BoolVar(&asJSON, "json", false, `print {"id":...}`)
	cmd, err := e.parse(fs, "call --to NUMBER|SIP-URI --room-code CODE --trunk-id ID [--name NAME] [--user-id ID] [--header X-Name=value]... [--video] [--ring-timeout SECONDS] [--json]",
		args, demoNote)
	if err != nil {
		return err
	}
	switch {
	case r.To == "":
		return cmd.usagef("--to is required")
	case r.RoomCode == "":
		return cmd.usagef("--room-code is required")
	case r.TrunkID == "":
		return cmd.usagef("--trunk-id is required")
	case ringTimeout < 1:
		return fmt.Errorf("--ring-timeout must be at least 1 second, not %d", ringTimeout)
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
	res, err := sipout.NewClient(s.api).Call(ctx, r)
	switch {
	case errors.Is(err, sipout.ErrNoAnswer):
		return fmt.Errorf("no answer: nobody picked up within the ring timeout (%v)", r.RingTimeout)
	case err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()):
		return errors.New("interrupted while the phone rang: 100ms has no way to cancel a call, so it may still ring")
	case err != nil:
		return err
	}
	if asJSON {
		if err := json.NewEncoder(e.stdout).Encode(struct {
			ID string `json:"id"`
		}{res.ID}); err != nil {
			return err
		}
	} else if _, err := fmt.Fprintln(e.stdout, res.ID); err != nil {
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

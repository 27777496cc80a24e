package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/hmssip/interconnect-go/sipout"
)

// errDTMFNeedsAppCredentials is dtmf's error when only a management token
// is set.
var errDTMFNeedsAppCredentials = errors.New("dtmf needs HMS_ACCESS_KEY and HMS_APP_SECRET: it mints a client auth token for the room, which a management token alone cannot")

// dtmf plays DTMF tones to the SIP peers of a room.
func (e env) dtmf(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("dtmf", flag.ContinueOnError)
	var r sipout.DTMFRequest
	fs.StringVar(&r.RoomID, "room-id", "", "room `id` whose SIP peers hear the tones (required)")
	fs.StringVar(&r.Digits, "digits", "", "the tones: `digits` 0-9, *, #, a-d (required)")
	if _, err := e.parse(fs, "dtmf --room-id ID --digits DIGITS", args,
		"Environment: HMS_ACCESS_KEY and HMS_APP_SECRET (a management token cannot mint the room's client auth token).\n"+demoNote); err != nil {
		return err
	}
	if e.hasAPICredentials() && (e.getenv("HMS_ACCESS_KEY") == "" || e.getenv("HMS_APP_SECRET") == "") {
		return errDTMFNeedsAppCredentials
	}
	s, ctx, done, err := e.timedSession(ctx, true)
	if err != nil {
		return err
	}
	defer done()
	if err := sipout.NewClient(s.api).SendDTMF(ctx, r); err != nil {
		return err
	}
	if s.fake != nil {
		fmt.Fprintf(e.stderr, "the simulated phones of room %s heard: %s\n", r.RoomID, strings.Join(s.fake.DTMF(r.RoomID), " "))
	}
	return nil
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

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
	cmd, err := e.parse(fs, "dtmf --room-id ID --digits DIGITS", args,
		"Environment: HMS_ACCESS_KEY and HMS_APP_SECRET (a management token cannot mint the room's client auth token).\n"+demoNote)
	if err != nil {
		return err
	}
	switch {
	case r.RoomID == "":
		return cmd.usagef("--room-id is required")
	case r.Digits == "":
		return cmd.usagef("--digits is required")
	}
	if e.hasAPICredentials() && (e.getenv("HMS_ACCESS_KEY") == "" || e.getenv("HMS_APP_SECRET") == "") {
		return errDTMFNeedsAppCredentials
	}
	s, err := e.session(true)
	if err != nil {
		return err
	}
	defer s.close()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := sipout.NewClient(s.api).SendDTMF(ctx, r); err != nil {
		return err
	}
	if s.fake != nil {
		fmt.Fprintf(e.stderr, "the simulated phones of room %s heard: %s\n", r.RoomID, strings.Join(s.fake.DTMF(r.RoomID), " "))
	}
	return nil
}

// Command pin-dialin serves one Twilio number for many 100ms rooms: each
// caller is asked for a meeting PIN and joins the room the PIN names.
//
// It issues one PIN for each room id given on the command line (role
// ROLE, default "guest") and prints them, then serves the webhooks:
// configure the number's voice webhook as PUBLIC_URL/twilio/voice. Wrong
// PINs are asked again up to three times per call; ten wrong PINs from one
// number within an hour of its first attempt lock it out for the rest of
// that hour (a fixed window, not an hour from the tenth).
//
//	pin-dialin [room-id...]
//
// Environment, with the names the sipconnect command reads:
// HMS_MANAGEMENT_TOKEN (or HMS_ACCESS_KEY and HMS_APP_SECRET),
// HMS_API_BASE_URL, TWILIO_AUTH_TOKEN, SIP_USERNAME and SIP_PASSWORD; and
// ROLE, PUBLIC_URL (default http://ADDR) and ADDR (default 127.0.0.1:8080).
// The PINs live in this process's memory; several instances would share a
// Redis store instead (package store/redisstore).
//
// Without 100ms credentials it needs no account: it runs on an in-memory
// fake of the 100ms API holding the rooms given (demo-room by default),
// with a throwaway Twilio auth token when TWILIO_AUTH_TOKEN is unset, and
// says so; with the throwaway token it prints a sample call signed with it
// as a curl line that works as printed.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"

	"github.com/hmssip/interconnect-go/examples/internal/usage"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/pins"
	"github.com/hmssip/interconnect-go/roomcode"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/store"
	"github.com/hmssip/interconnect-go/twiml"
)

// newMux issues a PIN for each room and returns the webhook routes.
func newMux(ctx context.Context, getenv func(string) string, rooms []string, out io.Writer, logger *slog.Logger) (*http.ServeMux, error) {
	api, _, err := usage.API(nil, getenv, nil)
	if err != nil {
		return nil, err
	}
	cache := roomcode.NewCache(roomcode.NewClient(api), roomcode.CacheConfig{CreateIfMissing: true, Logger: logger})

	shared := store.NewMemory()
	dir, err := pins.NewDirectory(shared, pins.DirectoryConfig{})
	if err != nil {
		return nil, err
	}
	role := getenv("ROLE")
	if role == "" {
		role = "guest"
	}
	for _, room := range rooms {
		pin, err := dir.Issue(ctx, pins.Target{RoomID: room, Role: role})
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(out, "room %s: PIN %s\n", room, pin)
	}

	handler, err := sipconnect.NewHandler(sipconnect.HandlerConfig{
		Carrier: sipconnect.Twilio(sipconnect.TwilioConfig{
			AuthToken: getenv("TWILIO_AUTH_TOKEN"),
			Dial:      twiml.Dial{Action: "/twilio/dial-status"}, // relative to PublicURL
		}),
		PublicURL:   getenv("PUBLIC_URL"),
		PIN:         &pins.Config{Resolver: dir, Cache: cache, Store: shared},
		Credentials: sipconnect.Credentials{Username: getenv("SIP_USERNAME"), Password: getenv("SIP_PASSWORD")},
		Logger:      logger,
	})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/twilio/voice", handler)
	mux.Handle(pins.DefaultPath, handler.PINHandler())
	mux.Handle("/twilio/dial-status", handler.StatusHandler())
	return mux, nil
}

const usageText = `usage: pin-dialin [room-id...]

Issues one PIN per room id (role ROLE, default guest), prints them, and
serves Twilio's voice webhook at PUBLIC_URL/twilio/voice. Environment:
HMS_MANAGEMENT_TOKEN (or HMS_ACCESS_KEY and HMS_APP_SECRET), HMS_API_BASE_URL,
TWILIO_AUTH_TOKEN, SIP_USERNAME, SIP_PASSWORD, ROLE, PUBLIC_URL, ADDR.
Without 100ms credentials it runs on an in-memory fake of the 100ms API.
`

// withDemo is usage.DemoEnv with a fake holding rooms, each with role ROLE
// (guest by default).
func withDemo(getenv func(string) string, rooms []string, out io.Writer) (func(string) string, func()) {
	role := getenv("ROLE")
	if role == "" {
		role = "guest"
	}
	return usage.DemoEnv(getenv, out, func() *hmstest.Server {
		var seed []hmstest.Option
		for _, r := range rooms {
			seed = append(seed, hmstest.WithRoom(r, role))
		}
		return hmstest.NewServer(seed...)
	}, "")
}

func main() {
	usage.Check(usageText, true)
	if err := run(os.Getenv, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(getenv func(string) string, rooms []string) error {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if len(rooms) == 0 {
		rooms = []string{"demo-room"}
	}
	getenv, stop := withDemo(getenv, rooms, os.Stderr)
	defer stop()
	return usage.ServeTwilio(getenv, logger, func(getenv func(string) string) (http.Handler, error) {
		return newMux(context.Background(), getenv, rooms, os.Stdout, logger)
	})
}

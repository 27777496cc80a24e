// Command twilio-dialin is a complete Twilio dial-in server: each call to
// the Twilio number joins the 100ms room ROOM_ID with role ROLE, through the
// room's enabled room code (looked up once, then cached).
//
//	twilio-dialin
//
// Configure the number's voice webhook as POST PUBLIC_URL/twilio/voice.
// Environment, with the names the sipconnect command reads:
// HMS_MANAGEMENT_TOKEN (or HMS_ACCESS_KEY and HMS_APP_SECRET),
// HMS_API_BASE_URL, TWILIO_AUTH_TOKEN, SIP_USERNAME and SIP_PASSWORD;
// and ROOM_ID, ROLE, PUBLIC_URL (default http://ADDR) and ADDR (default
// 127.0.0.1:8080). With 100ms credentials, ROOM_ID and ROLE are required.
//
// Without 100ms credentials it needs no account: it runs on an in-memory
// fake of the 100ms API (room demo-room, role guest), with a throwaway
// Twilio auth token when TWILIO_AUTH_TOKEN is unset, and says so; with the
// throwaway token it prints a sample call signed with it as a curl line
// that works as printed.
package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/hmssip/interconnect-go/examples/internal/usage"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/roomcode"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/twiml"
)

const usageText = `usage: twilio-dialin

Serves Twilio's voice webhook at PUBLIC_URL/twilio/voice: each call joins
the 100ms room ROOM_ID with role ROLE. Environment: HMS_MANAGEMENT_TOKEN
(or HMS_ACCESS_KEY and HMS_APP_SECRET), HMS_API_BASE_URL, TWILIO_AUTH_TOKEN,
SIP_USERNAME, SIP_PASSWORD, ROOM_ID, ROLE, PUBLIC_URL, ADDR. Without 100ms
credentials it runs on an in-memory fake of the 100ms API.
`

func newMux(getenv func(string) string, logger *slog.Logger) (*http.ServeMux, error) {
	if getenv("ROOM_ID") == "" || getenv("ROLE") == "" {
		return nil, errors.New("twilio-dialin: set ROOM_ID and ROLE: the 100ms room id callers join, and the role they join with")
	}
	api, _, err := usage.API(nil, getenv, nil)
	if err != nil {
		return nil, err
	}
	client := roomcode.NewClient(api)
	cache := roomcode.NewCache(client, roomcode.CacheConfig{TTL: 5 * time.Minute, CreateIfMissing: true, Logger: logger})

	handler, err := sipconnect.NewHandler(sipconnect.HandlerConfig{
		Carrier: sipconnect.Twilio(sipconnect.TwilioConfig{
			AuthToken: getenv("TWILIO_AUTH_TOKEN"),
			Dial:      twiml.Dial{Action: "/twilio/dial-status"}, // relative to PublicURL
		}),
		PublicURL:   getenv("PUBLIC_URL"),
		Room:        sipconnect.CachedRoom(cache, getenv("ROOM_ID"), getenv("ROLE")),
		Credentials: sipconnect.Credentials{Username: getenv("SIP_USERNAME"), Password: getenv("SIP_PASSWORD")},
		Logger:      logger,
	})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/twilio/voice", handler)
	mux.Handle("/twilio/dial-status", handler.StatusHandler())
	return mux, nil
}

// withDemo is usage.DemoEnv with a fake holding room demo-room, role
// guest, which ROOM_ID and ROLE name.
func withDemo(getenv func(string) string, out io.Writer) (func(string) string, func()) {
	return usage.DemoEnv(getenv, out, func() *hmstest.Server { return hmstest.NewServer(hmstest.WithRoom("demo-room", "guest")) },
		", room demo-room, role guest", "ROOM_ID", "demo-room", "ROLE", "guest")
}

func main() {
	usage.Check(usageText, false)
	if err := run(os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(getenv func(string) string) error {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	getenv, stop := withDemo(getenv, os.Stderr)
	defer stop()
	return usage.ServeTwilio(getenv, logger, func(getenv func(string) string) (http.Handler, error) {
		return newMux(getenv, logger)
	})
}

// Command twilio-dialin is a complete Twilio dial-in server: each call to
// the Twilio number joins the 100ms room ROOM_ID with role ROLE, through the
// room's enabled room code (looked up once, then cached).
//
// Configure the number's voice webhook as POST PUBLIC_URL/twilio/voice.
// Environment: TWILIO_AUTH_TOKEN, PUBLIC_URL, HMS_ACCESS_KEY,
// HMS_APP_SECRET, SIP_USERNAME, SIP_PASSWORD, ROOM_ID, ROLE, and optionally
// HMS_API_BASE_URL and ADDR (default 127.0.0.1:8080).
package main

import (
	"log"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/roomcode"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/twiml"
)

func newMux(getenv func(string) string, logger *slog.Logger) (*http.ServeMux, error) {
	opts := []hmsapi.Option{hmsapi.WithAppCredentials(getenv("HMS_ACCESS_KEY"), getenv("HMS_APP_SECRET"))}
	if base := getenv("HMS_API_BASE_URL"); base != "" {
		opts = append(opts, hmsapi.WithBaseURL(base))
	}
	api, err := hmsapi.New(opts...)
	if err != nil {
		return nil, err
	}
	client := roomcode.NewClient(api)
	cache := roomcode.NewCache(client, roomcode.CacheOptions{TTL: 5 * time.Minute, CreateIfMissing: true, Logger: logger})

	handler, err := sipconnect.NewHandler(sipconnect.HandlerConfig{
		AuthToken:   getenv("TWILIO_AUTH_TOKEN"),
		PublicURL:   getenv("PUBLIC_URL"),
		Room:        sipconnect.CachedRoom(cache, getenv("ROOM_ID"), getenv("ROLE")),
		Credentials: sipconnect.Credentials{Username: getenv("SIP_USERNAME"), Password: getenv("SIP_PASSWORD")},
		Dial:        twiml.Dial{Action: "/twilio/dial-status"}, // relative to PublicURL
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

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	mux, err := newMux(os.Getenv, logger)
	if err != nil {
		log.Fatal(err)
	}
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	logger.Info("listening", "addr", addr)
	log.Fatal(srv.ListenAndServe())
}

// Command pin-dialin serves one Twilio number for many 100ms rooms: each
// caller is asked for a meeting PIN and joins the room the PIN names.
//
// It issues one PIN for each room id given on the command line (role
// ROLE, default "guest") and prints them, then serves the webhooks:
// configure the number's voice webhook as PUBLIC_URL/twilio/voice. Wrong
// PINs are asked again up to three times per call; ten wrong PINs from one
// number lock it out for an hour.
//
// Environment: TWILIO_AUTH_TOKEN, PUBLIC_URL, HMS_ACCESS_KEY,
// HMS_APP_SECRET, SIP_USERNAME, SIP_PASSWORD, ROLE, and optionally
// HMS_API_BASE_URL and ADDR (default 127.0.0.1:8080). The PINs live in this
// process's memory; several instances would share a Redis store instead
// (package store/redisstore).
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/roomcode"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/store"
	"github.com/hmssip/interconnect-go/twiml"
)

// newMux issues a PIN for each room and returns the webhook routes.
func newMux(ctx context.Context, getenv func(string) string, rooms []string, out io.Writer, logger *slog.Logger) (*http.ServeMux, error) {
	opts := []hmsapi.Option{hmsapi.WithAppCredentials(getenv("HMS_ACCESS_KEY"), getenv("HMS_APP_SECRET"))}
	if base := getenv("HMS_API_BASE_URL"); base != "" {
		opts = append(opts, hmsapi.WithBaseURL(base))
	}
	api, err := hmsapi.New(opts...)
	if err != nil {
		return nil, err
	}
	cache := roomcode.NewCache(roomcode.NewClient(api), roomcode.CacheOptions{CreateIfMissing: true, Logger: logger})

	shared := store.NewMemory()
	pins, err := sipconnect.NewPINDirectory(shared, sipconnect.PINDirectoryOptions{})
	if err != nil {
		return nil, err
	}
	role := getenv("ROLE")
	if role == "" {
		role = "guest"
	}
	for _, room := range rooms {
		pin, err := pins.Issue(ctx, sipconnect.PINTarget{RoomID: room, Role: role})
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(out, "room %s: PIN %s\n", room, pin)
	}

	handler, err := sipconnect.NewHandler(sipconnect.HandlerConfig{
		AuthToken:   getenv("TWILIO_AUTH_TOKEN"),
		PublicURL:   getenv("PUBLIC_URL"),
		PIN:         &sipconnect.PINConfig{Resolver: pins, Cache: cache, Store: shared},
		Credentials: sipconnect.Credentials{Username: getenv("SIP_USERNAME"), Password: getenv("SIP_PASSWORD")},
		Dial:        twiml.Dial{Action: "/twilio/dial-status"},
		Logger:      logger,
	})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/twilio/voice", handler)
	mux.Handle(sipconnect.DefaultPINPath, handler.PINHandler())
	mux.Handle("/twilio/dial-status", handler.StatusHandler())
	return mux, nil
}

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	mux, err := newMux(context.Background(), os.Getenv, os.Args[1:], os.Stdout, logger)
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

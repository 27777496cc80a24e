// Command phone-roster shows who is on the phone when a server runs as
// several instances: two instances share one store (Redis in production,
// memory here). A caller is bridged by instance A; 100ms's join webhook
// reaches instance A and, retried, instance B; the roster and the "hang up
// this caller" click are served by instance B.
//
// It runs on the in-memory fake of the 100ms API and needs no account.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/hmssip/interconnect-go/activeroom"
	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmsevents"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/roster"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/store"
)

// instance is one server: a dial-in handler, a 100ms webhook receiver and a
// roster, all on the shared store.
type instance struct {
	voice  *sipconnect.Handler
	events *hmsevents.Receiver
	roster *roster.Roster
}

const secretHeader, secret = "X-Webhook-Secret", "demo-webhook-secret"

func newInstance(shared store.Store, peers *activeroom.Client, logger *slog.Logger) (*instance, error) {
	r, err := roster.New(roster.Config{Store: shared, Peers: peers, Logger: logger})
	if err != nil {
		return nil, err
	}
	voice, err := sipconnect.NewHandler(sipconnect.HandlerConfig{
		InsecureSkipSignature: true, // this demo sends its own calls; check Twilio's signatures in production
		Room:                  sipconnect.StaticRoom("abc-defg-hij"),
		Roster:                r,
		Logger:                logger,
	})
	if err != nil {
		return nil, err
	}
	events, err := hmsevents.NewReceiver(hmsevents.Config{SecretHeader: secretHeader, Secret: secret,
		Store: shared, Handler: r, Logger: logger})
	if err != nil {
		return nil, err
	}
	return &instance{voice: voice, events: events, roster: r}, nil
}

func run(ctx context.Context, out io.Writer) error {
	api := hmstest.NewServer(hmstest.WithRoom("room-1", "guest"))
	defer api.Close()
	core, err := hmsapi.New(hmsapi.WithBaseURL(api.URL), hmsapi.WithAppCredentials(api.AccessKey(), api.AppSecret()))
	if err != nil {
		return err
	}
	defer core.CloseIdleConnections()
	peers := activeroom.NewClient(core)
	logger := slog.New(slog.DiscardHandler)
	shared := store.NewMemory()
	a, err := newInstance(shared, peers, logger)
	if err != nil {
		return err
	}
	b, err := newInstance(shared, peers, logger)
	if err != nil {
		return err
	}

	// 1. Twilio asks instance A what to do with a call.
	form := "CallSid=CA42&From=%2B14155550123&To=%2B18005550100"
	req := httptest.NewRequest(http.MethodPost, "/twilio/voice", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	a.voice.ServeHTTP(rec, req)
	userID := sipconnect.CallUserID("CA42")
	fmt.Fprintf(out, "A bridges the call with X-100ms-UserID=%s: %t\n", userID, strings.Contains(rec.Body.String(), userID))

	// 2. The caller joins the room as a SIP peer, and 100ms sends the join
	// webhook to A, then again to B.
	peer := api.AddPeer("room-1", hmstest.Peer{UserID: userID, SIP: true})
	join := fmt.Sprintf(`{"version":"2.0","id":"evt-1","type":"peer.join.success","timestamp":"2001-01-01T09:00:00Z",`+
		`"data":{"room_id":"room-1","peer_id":%q,"user_id":%q,"type":"sip","joined_at":"2001-01-01T09:00:00Z"}}`, peer.ID, userID)
	for _, inst := range []*instance{a, b} {
		req := httptest.NewRequest(http.MethodPost, "/100ms/events", strings.NewReader(join))
		req.Header.Set(secretHeader, secret)
		rec := httptest.NewRecorder()
		inst.events.ServeHTTP(rec, req)
		fmt.Fprintln(out, "webhook answered", rec.Code)
	}

	// 3. Instance B lists who is on the phone, and hangs the caller up.
	phones, err := b.roster.Phones(ctx, "room-1")
	if err != nil {
		return err
	}
	for _, p := range phones {
		fmt.Fprintf(out, "B: on the phone in room-1: call %s from %s since %s\n", p.CallID, p.From, p.JoinedAt.Format(time.TimeOnly))
	}
	if err := b.roster.HangUp(ctx, "room-1", peer.ID, "meeting over"); err != nil {
		return err
	}
	fmt.Fprintln(out, "B: hung up; live peers left in room-1:", len(api.Peers("room-1")))
	return nil
}

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

package hmsevents_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"

	"github.com/hmssip/interconnect-go/hmsevents"
)

// sample is a peer.join.success of a phone caller, as 100ms sends it.
const sample = `{
  "version": "2.0",
  "id": "6c75de35-b778-4fb0-88ae-114c28dc285f",
  "account_id": "60b8e13a6eb86d8101b57354",
  "app_id": "60b8e13a6eb86d8101b57352",
  "timestamp": "2021-11-30T12:58:49Z",
  "type": "peer.join.success",
  "data": {
    "room_id": "60b8e13a6eb86d8101b57354",
    "room_name": "weekly sync",
    "session_id": "610f81ee870dde099a249948",
    "peer_id": "83b869e1-9a4b-4037-84b2-913cf76e4392",
    "user_id": "call-CA3f9a0c1d2e",
    "user_name": "Phone caller",
    "role": "guest",
    "joined_at": "2021-11-30T12:58:49.97291247Z",
    "session_started_at": "2021-11-30T12:50:01Z",
    "type": "sip"
  }
}`

// The receiver answers 100ms's first delivery and ignores its retry.
func ExampleNewReceiver() {
	receiver, err := hmsevents.NewReceiver(hmsevents.Config{
		SecretHeader: "X-Webhook-Secret", // as set in the 100ms dashboard
		Secret:       "value-from-the-dashboard",
		Handler: hmsevents.HandlerFunc(func(ctx context.Context, e hmsevents.Event) error {
			if e.Type != hmsevents.TypePeerJoinSuccess {
				return nil
			}
			p, err := e.Peer()
			if err != nil {
				return err
			}
			fmt.Printf("%s joined room %s (sip: %t)\n", p.UserID, p.RoomID, p.IsSIP())
			return nil
		}),
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /hooks/100ms", receiver)

	for range 2 { // the delivery, then a retry of the same event
		req := httptest.NewRequest(http.MethodPost, "/hooks/100ms", strings.NewReader(sample))
		req.Header.Set("X-Webhook-Secret", "value-from-the-dashboard")
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		fmt.Println(rec.Code)
	}
	// Output:
	// call-CA3f9a0c1d2e joined room 60b8e13a6eb86d8101b57354 (sip: true)
	// 200
	// 200
}

// Behind a reverse proxy, the allow list is checked against the address
// the proxy forwards, and only when the request comes through the proxy.
func ExampleConfig_trustForwardedFor() {
	receiver, err := hmsevents.NewReceiver(hmsevents.Config{
		SecretHeader:      "X-Webhook-Secret",
		Secret:            "value-from-the-dashboard",
		AllowedNetworks:   []netip.Prefix{netip.MustParsePrefix("34.100.213.146/32")}, // one of 100ms's senders
		TrustForwardedFor: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},        // the load balancers
		Handler:           hmsevents.HandlerFunc(func(context.Context, hmsevents.Event) error { return nil }),
		Logger:            slog.New(slog.DiscardHandler),
	})
	if err != nil {
		panic(err)
	}
	for _, forwarded := range []string{"34.100.213.146", "34.100.213.146, 203.0.113.9"} {
		req := httptest.NewRequest(http.MethodPost, "/hooks/100ms", strings.NewReader(sample))
		req.RemoteAddr = "10.1.2.3:51000" // the load balancer
		req.Header.Set("X-Forwarded-For", forwarded)
		req.Header.Set("X-Webhook-Secret", "value-from-the-dashboard")
		rec := httptest.NewRecorder()
		receiver.ServeHTTP(rec, req)
		fmt.Printf("%s: %d\n", forwarded, rec.Code)
	}
	// Output:
	// 34.100.213.146: 200
	// 34.100.213.146, 203.0.113.9: 403
}

// A Config may be printed or logged: the secret never shows.
func ExampleConfig_String() {
	cfg := hmsevents.Config{SecretHeader: "X-Webhook-Secret", Secret: "value-from-the-dashboard"}
	fmt.Printf("%+v\n", cfg)
	// Output:
	// hmsevents.Config{SecretHeader:"X-Webhook-Secret", Secret:"[REDACTED]", Insecure:false, AllowedNetworks:[], TrustForwardedFor:[], MaxBodyBytes:0, DedupeTTL:0s, StoreTimeout:0s, HandlerTimeout:0s, Store:nil, Handler:nil, Logger:nil}
}

func ExampleEvent_Peer() {
	var e hmsevents.Event
	if err := json.Unmarshal([]byte(sample), &e); err != nil {
		panic(err)
	}
	p, err := e.Peer()
	if err != nil {
		panic(err)
	}
	fmt.Println(e.Type, e.Timestamp)
	fmt.Println(p.PeerID, p.UserID, p.IsSIP())
	fmt.Println(p.JoinedAt.Format("15:04:05.000"), p.JoinedAt.Sub(p.SessionStartedAt))
	// Output:
	// peer.join.success 2021-11-30 12:58:49 +0000 UTC
	// 83b869e1-9a4b-4037-84b2-913cf76e4392 call-CA3f9a0c1d2e true
	// 12:58:49.972 8m48.97291247s
}

func ExampleEvent_Room() {
	e := hmsevents.Event{Type: hmsevents.TypeRoomEndSuccess, Data: json.RawMessage(`{
		"room_id": "60b8e13a6eb86d8101b57354", "session_id": "610f81ee870dde099a249948",
		"lock_room": true, "reason": "meeting over", "source": "api"}`)}
	r, err := e.Room()
	if err != nil {
		panic(err)
	}
	fmt.Println(r.RoomID, r.LockRoom, r.Reason, r.Source)
	// Output:
	// 60b8e13a6eb86d8101b57354 true meeting over api
}

func ExampleEvent_Session() {
	e := hmsevents.Event{Type: hmsevents.TypeSessionCloseSuccess, Data: json.RawMessage(`{
		"room_id": "60b8e13a6eb86d8101b57354", "session_id": "610f81ee870dde099a249948", "session_duration": 600,
		"session_started_at": "2021-11-30T12:48:49.97291247Z", "session_stopped_at": "2021-11-30T12:58:49.97291247Z"}`)}
	s, err := e.Session()
	if err != nil {
		panic(err)
	}
	fmt.Println(s.SessionID, s.Duration, s.SessionStoppedAt.Sub(s.SessionStartedAt))
	// Output:
	// 610f81ee870dde099a249948 10m0s 10m0s
}

func ExamplePeerEvent_IsSIP() {
	for _, typ := range []string{"sip", "regular"} {
		fmt.Println(typ, hmsevents.PeerEvent{Type: typ}.IsSIP())
	}
	// Output:
	// sip true
	// regular false
}

// An application's type can implement Handler; HandlerFunc adapts a
// function. Returning an error makes 100ms deliver the event again.
func ExampleHandlerFunc() {
	var h hmsevents.Handler = hmsevents.HandlerFunc(func(_ context.Context, e hmsevents.Event) error {
		fmt.Println("got", e.Type, string(e.Data))
		return nil
	})
	_ = h.HandleEvent(context.Background(), hmsevents.Event{ID: "1", Type: "recording.success", Data: json.RawMessage(`{"size":1}`)})
	// Output:
	// got recording.success {"size":1}
}

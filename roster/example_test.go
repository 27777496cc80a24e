package roster_test

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/hmssip/interconnect-go/activeroom"
	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/roster"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/store"
)

func ExampleNew() {
	r, err := roster.New(roster.Config{Store: store.NewMemory(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	ctx := context.Background()
	joined := time.Date(2001, 1, 1, 9, 0, 0, 0, time.UTC)
	// From 100ms's peer.join.success and peer.leave.success webhooks (type "sip").
	_ = r.Join(ctx, roster.Join{RoomID: "room-1", PeerID: "peer-1", UserID: sipconnect.CallUserID("CA123"), JoinedAt: joined})
	phones, _ := r.Phones(ctx, "room-1")
	fmt.Println(len(phones), phones[0].PeerID, phones[0].UserID)
	_ = r.Leave(ctx, roster.Leave{RoomID: "room-1", PeerID: "peer-1", Duration: 5 * time.Minute, Reason: "client request"})
	recent, _ := r.Recent(ctx, "room-1")
	fmt.Println(len(recent), recent[0].Duration, recent[0].Reason)
	// Output:
	// 1 peer-1 pstn-6ea3fd03ef6f75d97263
	// 1 5m0s client request
}

// A roster heals from 100ms: Reconcile lists the live phone callers whose
// join webhooks were lost (here, all of them: the store is new).
func ExampleRoster_Reconcile() {
	api := hmstest.NewServer(hmstest.WithRoom("room-1", "guest"))
	defer api.Close()
	api.AddPeer("room-1", hmstest.Peer{ID: "peer-phone", UserID: sipconnect.CallUserID("CA1"), SIP: true})
	api.AddPeer("room-1", hmstest.Peer{ID: "peer-web", UserID: "alice"})
	core, _ := hmsapi.New(hmsapi.WithBaseURL(api.URL), hmsapi.WithAppCredentials(api.AccessKey(), api.AppSecret()))
	r, _ := roster.New(roster.Config{Store: store.NewMemory(),
		Peers: activeroom.NewClient(core), Logger: slog.New(slog.DiscardHandler)})
	defer r.Close()

	if err := r.Reconcile(context.Background(), "room-1"); err != nil {
		fmt.Println(err)
		return
	}
	phones, _ := r.Phones(context.Background(), "room-1")
	for _, p := range phones {
		fmt.Println(p.PeerID, p.UserID)
	}
	// Output: peer-phone pstn-8b6398d087e48123e80b
}

// Start reconciles at start and then checks for a wiped store every
// WipeCheckInterval (and reconciles every ReconcileInterval when set),
// until Close.
func ExampleRoster_Start() {
	api := hmstest.NewServer(hmstest.WithRoom("room-1", "guest"))
	defer api.Close()
	core, _ := hmsapi.New(hmsapi.WithBaseURL(api.URL), hmsapi.WithAppCredentials(api.AccessKey(), api.AppSecret()))
	r, _ := roster.New(roster.Config{Store: store.NewMemory(),
		Peers: activeroom.NewClient(core), Logger: slog.New(slog.DiscardHandler)})
	fmt.Println(r.Start(context.Background()))
	wiped, err := r.CheckWipe(context.Background())
	fmt.Println(wiped, err)
	fmt.Println(r.Close())
	// Output:
	// <nil>
	// false <nil>
	// <nil>
}

// Close stops the goroutines that write call records again after a store
// stall, and Start's loop.
func ExampleRoster_Close() {
	r, _ := roster.New(roster.Config{Store: store.NewMemory()})
	fmt.Println(r.Close())
	// Output: <nil>
}

// CheckWipe tells when the store lost its data, and then reconciles every
// room the roster knows with 100ms.
func ExampleRoster_CheckWipe() {
	api := hmstest.NewServer(hmstest.WithRoom("room-1", "guest"))
	defer api.Close()
	api.AddPeer("room-1", hmstest.Peer{ID: "peer-phone", UserID: sipconnect.CallUserID("CA1"), SIP: true})
	core, _ := hmsapi.New(hmsapi.WithBaseURL(api.URL), hmsapi.WithAppCredentials(api.AccessKey(), api.AppSecret()))
	shared := store.NewMemory()
	r, _ := roster.New(roster.Config{Store: shared,
		Peers: activeroom.NewClient(core), Logger: slog.New(slog.DiscardHandler)})
	defer r.Close()
	ctx := context.Background()
	_ = r.Reconcile(ctx, "room-1")
	wiped, _ := r.CheckWipe(ctx) // learns the store's mark
	fmt.Println("wiped:", wiped)

	_, _ = shared.Delete(ctx, store.DefaultEpochKey) // the store loses its data...
	_, _ = shared.Delete(ctx, "sipconnect:phones:room-1")
	wiped, _ = r.CheckWipe(ctx) // ...and the roster heals from 100ms
	phones, _ := r.Phones(ctx, "room-1")
	fmt.Println("wiped:", wiped, "listed:", len(phones))
	// Output:
	// wiped: false
	// wiped: true listed: 1
}

package sipconnect_test

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/hmssip/interconnect-go/activeroom"
	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/store"
)

// A roster heals from 100ms: Reconcile lists the live phone callers whose
// join webhooks were lost (here, all of them: the store is new).
func ExampleRoster_Reconcile() {
	api := hmstest.NewServer(hmstest.WithRoom("room-1", "guest"))
	defer api.Close()
	api.AddPeer("room-1", hmstest.Peer{ID: "peer-phone", UserID: sipconnect.CallUserID("CA1"), SIP: true})
	api.AddPeer("room-1", hmstest.Peer{ID: "peer-web", UserID: "alice"})
	core, _ := hmsapi.New(hmsapi.WithBaseURL(api.URL), hmsapi.WithAppCredentials(api.AccessKey(), api.AppSecret()))
	roster, _ := sipconnect.NewRoster(sipconnect.RosterConfig{Store: store.NewMemory(),
		Peers: activeroom.NewClient(core), Logger: slog.New(slog.DiscardHandler)})
	defer roster.Close()

	if err := roster.Reconcile(context.Background(), "room-1"); err != nil {
		fmt.Println(err)
		return
	}
	phones, _ := roster.Phones(context.Background(), "room-1")
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
	roster, _ := sipconnect.NewRoster(sipconnect.RosterConfig{Store: store.NewMemory(),
		Peers: activeroom.NewClient(core), Logger: slog.New(slog.DiscardHandler)})
	fmt.Println(roster.Start(context.Background()))
	wiped, err := roster.CheckWipe(context.Background())
	fmt.Println(wiped, err)
	fmt.Println(roster.Close())
	// Output:
	// <nil>
	// false <nil>
	// <nil>
}

func ExampleIsCallUserID() {
	fmt.Println(sipconnect.IsCallUserID(sipconnect.CallUserID("CA0123")))
	fmt.Println(sipconnect.IsCallUserID("alice"))
	// Output:
	// true
	// false
}

// Close stops the goroutines that write call records again after a store
// stall, and Start's loop.
func ExampleRoster_Close() {
	roster, _ := sipconnect.NewRoster(sipconnect.RosterConfig{Store: store.NewMemory()})
	fmt.Println(roster.Close())
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
	roster, _ := sipconnect.NewRoster(sipconnect.RosterConfig{Store: shared,
		Peers: activeroom.NewClient(core), Logger: slog.New(slog.DiscardHandler)})
	defer roster.Close()
	ctx := context.Background()
	_ = roster.Reconcile(ctx, "room-1")
	wiped, _ := roster.CheckWipe(ctx) // learns the store's mark
	fmt.Println("wiped:", wiped)

	_, _ = shared.Delete(ctx, store.DefaultEpochKey) // the store loses its data...
	_, _ = shared.Delete(ctx, "sipconnect:phones:room-1")
	wiped, _ = roster.CheckWipe(ctx) // ...and the roster heals from 100ms
	phones, _ := roster.Phones(ctx, "room-1")
	fmt.Println("wiped:", wiped, "listed:", len(phones))
	// Output:
	// wiped: false
	// wiped: true listed: 1
}

package activeroom_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hmssip/interconnect-go/activeroom"
	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmstest"
)

const roomID = "6560c7a8e4b0a1b2c3d4e5f6"

// demo starts a fake API whose room has a host, a guest and a phone caller
// (whose SIP address carried the user id "caller-1"), and returns a client
// of it. Call the returned function when done.
func demo() (*activeroom.Client, *hmstest.Server, func()) {
	at := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	srv := hmstest.NewServer(
		hmstest.WithPeer(roomID, hmstest.Peer{ID: "peer-host", Name: "Nick", UserID: "teacher-81", Role: "host", JoinedAt: at}),
		hmstest.WithPeer(roomID, hmstest.Peer{ID: "peer-guest", Name: "John", UserID: "student-3461", Role: "guest", JoinedAt: at.Add(time.Minute)}),
		hmstest.WithPeer(roomID, hmstest.Peer{ID: "peer-phone", Name: "+1 555 0100", UserID: "caller-1", Role: "guest", JoinedAt: at.Add(2 * time.Minute), SIP: true}),
	)
	return activeroom.NewClient(srv.API()), srv, srv.Close
}

func ExampleNewClient() {
	srv := hmstest.NewServer(hmstest.WithPeer(roomID, hmstest.Peer{ID: "peer-1", Name: "Ann", Role: "host"}))
	defer srv.Close()

	// The fake's core has its URL and app credentials; the real API's is
	// hmsapi.New(hmsapi.WithAppCredentials(accessKey, appSecret)).
	rooms := activeroom.NewClient(srv.API())

	peers, err := rooms.Peers(context.Background(), roomID, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range peers {
		fmt.Println(p.ID, p.Name, p.Role)
	}
	// Output:
	// peer-1 Ann host
}

func ExampleClient_API() {
	rooms, _, done := demo()
	defer done()
	// The core is shared with the other resources (roomcode, sipout).
	fmt.Println(rooms.API() != nil)
	// Output:
	// true
}

func ExampleClient_Peers() {
	rooms, _, done := demo()
	defer done()
	ctx := context.Background()

	all, _ := rooms.Peers(ctx, roomID, nil)
	for _, p := range all {
		fmt.Println(p.JoinedAt.Format(time.TimeOnly), p.ID, p.Role, p.UserID)
	}
	guests, _ := rooms.Peers(ctx, roomID, &activeroom.Filter{Role: "guest"})
	fmt.Println(len(guests), "guests")
	nobody, err := rooms.Peers(ctx, roomID, &activeroom.Filter{UserID: "nobody"})
	fmt.Println(len(nobody), err)
	// Output:
	// 09:00:00 peer-host host teacher-81
	// 09:01:00 peer-guest guest student-3461
	// 09:02:00 peer-phone guest caller-1
	// 2 guests
	// 0 <nil>
}

func ExampleClient_Peer() {
	rooms, _, done := demo()
	defer done()
	ctx := context.Background()

	p, err := rooms.Peer(ctx, roomID, "peer-phone")
	fmt.Println(p.Name, p.UserID, len(p.Tracks), err)
	_, err = rooms.Peer(ctx, roomID, "peer-gone")
	fmt.Println(errors.Is(err, activeroom.ErrNoPeer), errors.Is(err, hmsapi.ErrNotFound))
	// Output:
	// +1 555 0100 caller-1 0 <nil>
	// true true
}

func ExampleClient_FindByUserID() {
	rooms, srv, done := demo()
	defer done()
	ctx := context.Background()

	p, err := rooms.FindByUserID(ctx, roomID, "caller-1")
	fmt.Println(p.ID, err)

	_, err = rooms.FindByUserID(ctx, roomID, "caller-2")
	fmt.Println(errors.Is(err, activeroom.ErrNoPeer))

	// The same caller twice: FindByUserID does not guess which is the call.
	srv.AddPeer(roomID, hmstest.Peer{ID: "peer-phone-2", UserID: "caller-1", JoinedAt: time.Date(2024, 5, 1, 9, 5, 0, 0, time.UTC)})
	_, err = rooms.FindByUserID(ctx, roomID, "caller-1")
	var several *activeroom.SeveralPeersError
	if errors.As(err, &several) {
		for _, p := range several.Peers {
			fmt.Println(p.ID)
		}
	}
	fmt.Println(err)
	// Output:
	// peer-phone <nil>
	// true
	// peer-phone
	// peer-phone-2
	// activeroom: 2 peers of room "6560c7a8e4b0a1b2c3d4e5f6" have user id "caller-1"
}

func ExampleClient_RemovePeer() {
	rooms, srv, done := demo()
	defer done()
	ctx := context.Background()

	// Hang up the phone caller whose SIP address carried X-100ms-UserID: caller-1.
	caller, err := rooms.FindByUserID(ctx, roomID, "caller-1")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rooms.RemovePeer(ctx, roomID, caller.ID, "call ended"))
	fmt.Println(len(srv.Peers(roomID)), "peers left")

	err = rooms.RemovePeer(ctx, roomID, caller.ID, "call ended")
	fmt.Println(errors.Is(err, activeroom.ErrNoPeer)) // already gone

	err = rooms.RemovePeer(ctx, roomID, caller.ID, "bad\nreason")
	fmt.Println(err)
	// Output:
	// <nil>
	// 2 peers left
	// true
	// hmsapi: invalid reason: control character at byte 3
}

func ExampleClient_RemoveRole() {
	rooms, srv, done := demo()
	defer done()

	fmt.Println(rooms.RemoveRole(context.Background(), roomID, "guest", "breakout is over"))
	for _, p := range srv.Peers(roomID) {
		fmt.Println(p.ID)
	}
	// Output:
	// <nil>
	// peer-host
}

func ExampleClient_UpdatePeer() {
	rooms, _, done := demo()
	defer done()

	p, err := rooms.UpdatePeer(context.Background(), roomID, "peer-phone",
		activeroom.Update{Name: "Front desk", Metadata: `{"phone":true}`})
	fmt.Println(p.Name, p.Role, p.Metadata, err)
	// Output:
	// Front desk guest {"phone":true} <nil>
}

func ExampleClient_EndRoom() {
	rooms, srv, done := demo()
	defer done()
	ctx := context.Background()

	fmt.Println(rooms.EndRoom(ctx, roomID, "Class has ended", true))
	fmt.Println(len(srv.Peers(roomID)), "peers left")
	reqs := srv.Requests()
	fmt.Println(reqs[len(reqs)-1].Body)
	// Output:
	// <nil>
	// 0 peers left
	// {"reason":"Class has ended","lock":true}
}

func ExamplePeer_UnmarshalJSON() {
	var p activeroom.Peer
	err := json.Unmarshal([]byte(`{"id":"2e8fc83e","user_id":"tutor_1","metadata":{"is_hand_raised":true},
		"joined_at":"2022-10-06T05:22:41.635589462Z","tracks":{"780a28e0":{"type":"audio","mute":true}}}`), &p)
	fmt.Println(p.ID, p.Metadata, p.JoinedAt.Format(time.RFC3339), p.Tracks[0].ID, p.Tracks[0].Type, err)
	// Output:
	// 2e8fc83e {"is_hand_raised":true} 2022-10-06T05:22:41Z 780a28e0 audio <nil>
}

func ExampleSeveralPeersError() {
	err := error(&activeroom.SeveralPeersError{RoomID: "r1", UserID: "caller-1", Peers: make([]activeroom.Peer, 2)})
	fmt.Println(err)
	// Output:
	// activeroom: 2 peers of room "r1" have user id "caller-1"
}

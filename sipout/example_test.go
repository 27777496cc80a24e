package sipout_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hmssip/interconnect-go/headers"
	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/sipout"
)

// demo starts a fake API with a room whose guest code is abc-defg-hij, and
// a client on it with app credentials (DTMF needs them).
func demo() (*hmstest.Server, *sipout.Client) {
	srv := hmstest.NewServer(
		hmstest.WithRoom("6560c7a8e4b0a1b2c3d4e5f6", "host", "guest"),
		hmstest.WithCode("6560c7a8e4b0a1b2c3d4e5f6", "guest", "abc-defg-hij", true),
	)
	return srv, sipout.NewClient(srv.API())
}

// demoTrunk is demo with a trunk created, and returns the trunk's id too.
func demoTrunk() (*hmstest.Server, *sipout.Client, string) {
	srv, client := demo()
	trunk, err := client.CreateTrunk(context.Background(), sipout.Trunk{Address: "acme.pstn.twilio.com", From: "+14155550100"})
	if err != nil {
		panic(err)
	}
	return srv, client, trunk
}

func ExampleNewClient() {
	srv, _ := demo() // the fake; this example makes its own client of it
	defer srv.Close()

	// One core serves every resource client: sipout, roomcode, activeroom.
	// The fake's core has its URL and app credentials; the real API's is
	// hmsapi.New(hmsapi.WithAppCredentials(accessKey, appSecret)).
	api := srv.API()
	client := sipout.NewClient(api)
	fmt.Println(client.API() == api)

	ctx := context.Background()
	trunk, err := client.CreateTrunk(ctx, sipout.Trunk{
		Username: "acme", Password: "trunk-password",
		Address: "acme.pstn.twilio.com", From: "+14155550100",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	call, err := client.Call(ctx, sipout.CallRequest{
		To: "+14155550123", RoomCode: "abc-defg-hij", TrunkID: trunk, Name: "Alex",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	err = client.SendDTMF(ctx, sipout.DTMFRequest{RoomID: "6560c7a8e4b0a1b2c3d4e5f6", Digits: "1234#"})
	fmt.Println(call.ID != "", err, srv.DTMF("6560c7a8e4b0a1b2c3d4e5f6"))
	// Output:
	// true
	// true <nil> [1 2 3 4 #]
}

func ExampleClient_CreateTrunk() {
	srv, client := demo()
	defer srv.Close()
	ctx := context.Background()

	id, err := client.CreateTrunk(ctx, sipout.Trunk{
		Username: "acme", Password: "trunk-password",
		Address: "acme.pstn.twilio.com", From: "+14155550100",
	})
	fmt.Println(len(id), err)

	// Checked before sending: a scheme, or a number that is not E.164.
	_, err = client.CreateTrunk(ctx, sipout.Trunk{Address: "sip:acme.pstn.twilio.com", From: "+14155550100"})
	fmt.Println(err)
	_, err = client.CreateTrunk(ctx, sipout.Trunk{Address: "acme.pstn.twilio.com", From: "+1 415 555 0100"})
	fmt.Println(errors.Is(err, hmsapi.ErrInvalidInput))
	fmt.Println("requests:", srv.RequestCount())
	// Output:
	// 24 <nil>
	// hmsapi: invalid address: has a scheme: give host[:port] only, like example.pstn.twilio.com or 203.0.113.7:5060
	// true
	// requests: 1
}

func ExampleClient_UpdateTrunk() {
	srv, client := demo()
	defer srv.Close()
	ctx := context.Background()
	trunk := sipout.Trunk{Username: "acme", Password: "old-password", Address: "acme.pstn.twilio.com", From: "+14155550100"}
	id, _ := client.CreateTrunk(ctx, trunk)

	trunk.Password = "new-password"
	trunk.Address = "acme.pstn.twilio.com:5061"
	updated, err := client.UpdateTrunk(ctx, id, trunk)
	fmt.Println(updated == id, err)
	fmt.Println(srv.Trunks()[0].Address)
	// Output:
	// true <nil>
	// acme.pstn.twilio.com:5061
}

func ExampleClient_Call() {
	srv, client, trunk := demoTrunk()
	defer srv.Close()
	ctx := context.Background()

	srv.SetCallAnswer("+14155550123", 100*time.Millisecond) // the simulated phone
	call, err := client.Call(ctx, sipout.CallRequest{
		To:       "+14155550123",
		RoomCode: "abc-defg-hij",
		TrunkID:  trunk,
		Name:     "Alex (support)",
		UserID:   "crm-contact-77",
		Headers:  headers.List{{Name: "X-Ticket", Value: "T-1042"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	peer, _ := srv.CallPeer(call.ID)
	fmt.Println(peer.Name, peer.UserID, peer.Role, peer.SIP)
	// Output:
	// Alex (support) crm-contact-77 guest true
}

func ExampleClient_Call_noAnswer() {
	srv, client, trunk := demoTrunk()
	defer srv.Close()
	ctx := context.Background()

	srv.SetCallNoAnswer("+14155550123")
	srv.SetMaxRing(50 * time.Millisecond) // 100ms gives up and answers 408
	_, err := client.Call(ctx, sipout.CallRequest{To: "+14155550123", RoomCode: "abc-defg-hij", TrunkID: trunk})
	fmt.Println(errors.Is(err, sipout.ErrNoAnswer))
	fmt.Println(err)
	// Output:
	// true
	// sipout: no answer: hmsapi: POST /sip/outbound/call: 408 Request Timeout: timed out
}

func ExampleClient_Call_badInput() {
	srv, client := demo()
	defer srv.Close()
	ctx := context.Background()

	for _, r := range []sipout.CallRequest{
		{To: "(415) 555-0123", RoomCode: "abc-defg-hij", TrunkID: "t1"},
		{To: "+14155550123", RoomCode: "6560c7a8e4b0a1b2c3d4e5f6", TrunkID: "t1"},
		{To: "+14155550123", RoomCode: "abc-defg-hij", TrunkID: "t1",
			Headers: headers.List{{Name: "P-Asserted-Identity", Value: "<sip:+14155550100@acme>"}}},
		{To: "+14155550123", RoomCode: "abc-defg-hij", TrunkID: "t1",
			Headers: headers.List{{Name: "X-Note", Value: "line 1\r\nVia: injected"}}},
	} {
		_, err := client.Call(ctx, r)
		fmt.Println(err)
	}
	fmt.Println("requests:", srv.RequestCount())
	// Output:
	// hmsapi: invalid to: "(415) 555-0123" is neither an E.164 number (+ then 1 to 15 digits, like +14155550100) nor a sip: or sips: URI
	// hmsapi: invalid room code: this is a room id, not a room code (room codes look like abc-defg-hij; get one with the Room Code API)
	// hmsapi: invalid header P-Asserted-Identity: P-Asserted-Identity is reserved: 100ms sets it itself and would ignore this value
	// hmsapi: invalid header X-Note: value: control character U+000D at byte 6
	// requests: 0
}

func ExampleClient_SendDTMF() {
	srv, client, trunk := demoTrunk()
	defer srv.Close()
	ctx := context.Background()
	_, _ = client.Call(ctx, sipout.CallRequest{To: "+14155550123", RoomCode: "abc-defg-hij", TrunkID: trunk})

	// The phone is now a SIP peer of the room: play it an extension.
	err := client.SendDTMF(ctx, sipout.DTMFRequest{RoomID: "6560c7a8e4b0a1b2c3d4e5f6", Digits: "204#"})
	fmt.Println(err, srv.DTMF("6560c7a8e4b0a1b2c3d4e5f6"))

	err = client.SendDTMF(ctx, sipout.DTMFRequest{RoomID: "6560c7a8e4b0a1b2c3d4e5f6", Digits: "1, 2"})
	fmt.Println(err)

	// A core with a management token alone cannot mint the app token.
	mgmt, _ := hmsapi.New(hmsapi.WithBaseURL(srv.URL), hmsapi.WithManagementToken("a-management-token"))
	err = sipout.NewClient(mgmt).SendDTMF(ctx, sipout.DTMFRequest{RoomID: "6560c7a8e4b0a1b2c3d4e5f6", Digits: "1"})
	fmt.Println(errors.Is(err, hmsapi.ErrNoAppCredentials))
	// Output:
	// <nil> [2 0 4 #]
	// hmsapi: invalid digits: ',' at byte 1 is not a DTMF digit: want 0-9 * # a b c d
	// true
}

func ExampleTrunk() {
	t := sipout.Trunk{Username: "acme", Password: "trunk-password", Address: "acme.pstn.twilio.com", From: "+14155550100"}
	fmt.Println(t)
	fmt.Printf("%+v\n", t)
	fmt.Printf("%#v\n", t)
	// Output:
	// acme:[REDACTED]@acme.pstn.twilio.com from +14155550100
	// acme:[REDACTED]@acme.pstn.twilio.com from +14155550100
	// sipout.Trunk{Username:"acme", Password:"[REDACTED]", Address:"acme.pstn.twilio.com", From:"+14155550100"}
}

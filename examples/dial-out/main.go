// Command dial-out calls a phone into a 100ms room and, once it answers,
// plays it DTMF tones (an extension, a conference PIN).
//
// Usage: dial-out [+number or sip:URI] (default +14155550123).
//
// With HMS_ACCESS_KEY and HMS_APP_SECRET it talks to 100ms (or to
// HMS_API_BASE_URL); it then needs HMS_ROOM_CODE (the room and role the
// callee joins as), HMS_ROOM_ID (the same room's id, for DTMF: no endpoint
// turns a code into a room id), and either HMS_SIP_TRUNK_ID or the trunk
// to create: HMS_SIP_TRUNK_ADDRESS, HMS_SIP_TRUNK_FROM and, when the
// provider asks for them, SIP_TRUNK_USERNAME and
// SIP_TRUNK_PASSWORD. DIGITS sets the tones (default 1234#). DTMF needs
// the app secret: a management token (HMS_MANAGEMENT_TOKEN) places the call
// but cannot send DTMF. Without credentials it runs against an in-memory
// fake of the API, whose simulated phone answers after a moment.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/hmssip/interconnect-go/examples/internal/usage"
	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/sipout"
)

const usageText = "usage: dial-out [+number or sip:URI]\n\nCalls a phone into a 100ms room and plays it DTMF tones. See go doc for\nthe environment. Without credentials it runs on an in-memory fake of the\n100ms API.\n"

func main() {
	usage.Check(usageText, true)
	to := "+14155550123"
	if len(os.Args) > 1 {
		to = os.Args[1]
	}
	if err := run(context.Background(), os.Stdout, os.Getenv, to); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// The fake's room, code and trunk.
const (
	demoRoomID   = "6560c7a8e4b0a1b2c3d4e5f6"
	demoRoomCode = "abc-defg-hij"
)

func run(ctx context.Context, w io.Writer, getenv func(string) string, to string) error {
	env := func(key, fallback string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return fallback
	}
	var opts []hmsapi.Option
	roomCode, roomID := getenv("HMS_ROOM_CODE"), getenv("HMS_ROOM_ID")
	trunkID := getenv("HMS_SIP_TRUNK_ID")
	trunk := sipout.Trunk{
		Username: getenv("SIP_TRUNK_USERNAME"),
		Password: getenv("SIP_TRUNK_PASSWORD"),
		Address:  getenv("HMS_SIP_TRUNK_ADDRESS"),
		From:     getenv("HMS_SIP_TRUNK_FROM"),
	}
	switch {
	case getenv("HMS_ACCESS_KEY") != "":
		opts = append(opts, hmsapi.WithAppCredentials(getenv("HMS_ACCESS_KEY"), getenv("HMS_APP_SECRET")))
	case getenv("HMS_MANAGEMENT_TOKEN") != "":
		opts = append(opts, hmsapi.WithManagementToken(getenv("HMS_MANAGEMENT_TOKEN")))
	default:
		fake := hmstest.NewServer(
			hmstest.WithRoom(demoRoomID, "host", "guest"),
			hmstest.WithCode(demoRoomID, "guest", demoRoomCode, true),
		)
		defer fake.Close()
		fake.SetCallAnswer(to, 300*time.Millisecond)
		fmt.Fprintln(w, "no 100ms credentials: using the in-memory fake API")
		opts = append(opts, hmsapi.WithBaseURL(fake.URL), hmsapi.WithAppCredentials(fake.AccessKey(), fake.AppSecret()))
		roomCode, roomID, trunkID = demoRoomCode, demoRoomID, ""
		trunk = sipout.Trunk{Username: "demo", Password: "demo-trunk-password", Address: "demo.pstn.twilio.com", From: "+14155550100"}
	}
	if base := getenv("HMS_API_BASE_URL"); base != "" {
		opts = append(opts, hmsapi.WithBaseURL(base))
	}
	var missing []string
	for _, v := range []struct{ name, value string }{{"HMS_ROOM_CODE", roomCode}, {"HMS_ROOM_ID", roomID}} {
		if v.value == "" {
			missing = append(missing, v.name)
		}
	}
	if trunkID == "" && trunk.Address == "" {
		missing = append(missing, "HMS_SIP_TRUNK_ID or HMS_SIP_TRUNK_ADDRESS")
	}
	if len(missing) > 0 {
		return fmt.Errorf("dial-out: set %s", strings.Join(missing, ", "))
	}
	api, err := hmsapi.New(opts...)
	if err != nil {
		return err
	}
	defer api.CloseIdleConnections()
	client := sipout.NewClient(api)

	if trunkID == "" {
		if trunkID, err = client.CreateTrunk(ctx, trunk); err != nil {
			return err
		}
		fmt.Fprintf(w, "created trunk %v\n", trunk) // the password prints as [REDACTED]
	}
	fmt.Fprintf(w, "calling %s into room code %s...\n", to, roomCode)
	call, err := client.Call(ctx, sipout.CallRequest{To: to, RoomCode: roomCode, TrunkID: trunkID, Name: "Phone " + to})
	switch {
	case errors.Is(err, sipout.ErrNoAnswer):
		fmt.Fprintln(w, "no answer")
		return nil
	case err != nil:
		return err
	}
	fmt.Fprintf(w, "answered: call %s, the phone is in the room\n", call.ID)

	digits := env("DIGITS", "1234#")
	if err := client.SendDTMF(ctx, sipout.DTMFRequest{RoomID: roomID, Digits: digits}); err != nil {
		return err
	}
	fmt.Fprintf(w, "sent DTMF %s\n", digits)
	return nil
}

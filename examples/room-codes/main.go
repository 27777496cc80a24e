// Command room-codes lists and creates room codes through the Room Code
// API. With HMS_MANAGEMENT_TOKEN (or HMS_ACCESS_KEY and HMS_APP_SECRET) it
// talks to 100ms (or to HMS_API_BASE_URL), and the room id argument is
// required; without credentials it runs against an in-memory fake of the
// API, on room demo-room unless the argument names another.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/hmssip/interconnect-go/examples/internal/usage"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/roomcode"
)

const usageText = "usage: room-codes [room-id]\n\nCreates the room's codes and lists the enabled ones. Environment:\nHMS_MANAGEMENT_TOKEN (or HMS_ACCESS_KEY and HMS_APP_SECRET), HMS_API_BASE_URL;\nwith them the room id is required. Without credentials it runs on an\nin-memory fake of the 100ms API, on room demo-room by default.\n"

// errNeedRoomID is run's error when credentials are set and no room id is
// given: the demo's room would be created in the real account.
var errNeedRoomID = errors.New("room-codes: the room-id argument is required with 100ms credentials: give the id of a room of yours")

func main() {
	usage.Check(usageText, true)
	roomID := ""
	if len(os.Args) > 1 {
		roomID = os.Args[1]
	}
	err := run(context.Background(), os.Stdout, os.Getenv, roomID)
	switch {
	case errors.Is(err, errNeedRoomID):
		fmt.Fprintf(os.Stderr, "%v\n\n%s", err, usageText)
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// run creates and lists the codes of roomID; "" is demo-room on the fake,
// and an error with credentials.
func run(ctx context.Context, w io.Writer, getenv func(string) string, roomID string) error {
	if roomID == "" {
		if usage.HasCredentials(getenv) {
			return errNeedRoomID
		}
		roomID = "demo-room"
	}
	api, stop, err := usage.API(w, getenv, func() *hmstest.Server {
		return hmstest.NewServer(hmstest.WithRoom(roomID, "host", "guest"))
	})
	if err != nil {
		return err
	}
	defer stop()
	client := roomcode.NewClient(api)

	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	created, err := client.Create(ctx, roomID)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "created %d codes\n", len(created))
	for code, err := range client.All(ctx, roomID, &roomcode.ListOptions{Enabled: roomcode.EnabledOnly}) {
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%-8s %s  sip:%s@sip.100ms.live\n", code.Role, code.Code, code.Code)
	}
	return nil
}

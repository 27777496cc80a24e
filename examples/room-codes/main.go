// Command room-codes lists and creates room codes through the Room Code
// API. With HMS_MANAGEMENT_TOKEN (or HMS_ACCESS_KEY and HMS_APP_SECRET) and
// a room id as its argument it talks to 100ms (or to HMS_API_BASE_URL);
// without credentials it runs against an in-memory fake of the API.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/hmssip/interconnect-go/examples/internal/usage"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/roomcode"
)

const usageText = "usage: room-codes [room-id]\n\nCreates the room's codes and lists the enabled ones. Environment:\nHMS_MANAGEMENT_TOKEN (or HMS_ACCESS_KEY and HMS_APP_SECRET), HMS_API_BASE_URL.\nWithout credentials it runs on an in-memory fake of the 100ms API.\n"

func main() {
	usage.Check(usageText, true)
	roomID := "demo-room"
	if len(os.Args) > 1 {
		roomID = os.Args[1]
	}
	if err := run(context.Background(), os.Stdout, os.Getenv, roomID); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer, getenv func(string) string, roomID string) error {
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

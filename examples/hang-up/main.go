// Command hang-up ends a phone call that was bridged into a 100ms room: it
// finds the caller's peer by the user id its SIP address carried
// (X-100ms-UserID) and removes it from the room, which hangs up the call.
//
//	hang-up [room-id user-id]
//
// With HMS_MANAGEMENT_TOKEN (or HMS_ACCESS_KEY and HMS_APP_SECRET) it talks
// to 100ms (or to HMS_API_BASE_URL); without credentials it runs against an
// in-memory fake of the API whose room holds a host and the caller.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/hmssip/interconnect-go/activeroom"
	"github.com/hmssip/interconnect-go/examples/internal/usage"
	"github.com/hmssip/interconnect-go/hmstest"
)

const usageText = "usage: hang-up [room-id user-id]\n\nRemoves the caller whose user id is given from the room. Environment:\nHMS_MANAGEMENT_TOKEN (or HMS_ACCESS_KEY and HMS_APP_SECRET), HMS_API_BASE_URL.\nWithout credentials it runs on an in-memory fake of the 100ms API.\n"

func main() {
	usage.Check(usageText, true)
	roomID, userID := "demo-room", "caller-1"
	switch len(os.Args) {
	case 1:
	case 3:
		roomID, userID = os.Args[1], os.Args[2]
	default:
		fmt.Fprintln(os.Stderr, "usage: hang-up [room-id user-id]")
		os.Exit(2)
	}
	if err := run(context.Background(), os.Stdout, os.Getenv, roomID, userID); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// reason is what the peers that stay in the room are told.
const reason = "call ended"

func run(ctx context.Context, w io.Writer, getenv func(string) string, roomID, userID string) error {
	api, stop, err := usage.API(w, getenv, func() *hmstest.Server {
		return hmstest.NewServer(
			hmstest.WithPeer(roomID, hmstest.Peer{Name: "Host", UserID: "host-1", Role: "host"}),
			hmstest.WithPeer(roomID, hmstest.Peer{Name: "+1 555 0100", UserID: userID, Role: "guest", SIP: true}),
		)
	})
	if err != nil {
		return err
	}
	defer stop()
	rooms := activeroom.NewClient(api)

	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	caller, err := rooms.FindByUserID(ctx, roomID, userID)
	var several *activeroom.SeveralPeersError
	var legs []activeroom.Peer
	switch {
	case err == nil:
		legs = []activeroom.Peer{caller}
	case errors.Is(err, activeroom.ErrNoPeer):
		// Whoever wanted the caller gone has what they wanted.
		fmt.Fprintf(w, "no peer with user id %q in room %s: nothing to hang up\n", userID, roomID)
		return nil
	case errors.As(err, &several):
		// The user id joined more than once (a redial before the first leg
		// dropped): hanging up the caller means every leg.
		legs = several.Peers
	default:
		return err
	}
	for _, p := range legs {
		err := rooms.RemovePeer(ctx, roomID, p.ID, reason)
		switch {
		case errors.Is(err, activeroom.ErrNoPeer):
			fmt.Fprintf(w, "peer %s (%s) had already left\n", p.ID, p.Name)
		case err != nil:
			return err
		default:
			// Removal is asynchronous at 100ms: the request is accepted.
			fmt.Fprintf(w, "hanging up peer %s (%s, joined %s)\n", p.ID, p.Name, p.JoinedAt.Format(time.RFC3339))
		}
	}
	return nil
}

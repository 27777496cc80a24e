package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/hmssip/interconnect-go/activeroom"
)

const peersUsage = `usage: sipconnect peers <subcommand> [flags]

subcommands:
  list     list the live peers of a room
  remove   remove a peer from a room (for a phone participant: hang up)

Run 'sipconnect peers <subcommand> -h' for the flags of a subcommand.`

// peers lists the live peers of a room, or removes one.
func (e env) peers(ctx context.Context, args []string) error {
	sub, args, err := e.group("peers", peersUsage, []string{"list", "remove"}, args)
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("peers "+sub, flag.ContinueOnError)
	var roomID, peerID, reason string
	var f activeroom.Filter
	var asJSON bool
	fs.StringVar(&roomID, "room-id", "", "room `id` (required)")
	var synopsis string
	if sub == "list" {
		synopsis = "peers list --room-id ID [--user-id ID] [--role ROLE] [--json]"
		fs.StringVar(&f.UserID, "user-id", "", "only the peers with this user `id`")
		fs.StringVar(&f.Role, "role", "", "only the peers of this `role`")
		fs.BoolVar(&asJSON, "json", false, "print a JSON array with the API's field names")
	} else {
		synopsis = "peers remove --room-id ID --peer-id ID [--reason TEXT]"
		fs.StringVar(&peerID, "peer-id", "", "`id` of the peer to remove (required)")
		fs.StringVar(&reason, "reason", "", "`text` shown to the peers that stay")
	}
	if _, err := e.parse(fs, synopsis, args, demoNote); err != nil {
		return err
	}

	s, ctx, done, err := e.timedSession(ctx, false)
	if err != nil {
		return err
	}
	defer done()
	client := activeroom.NewClient(s.api)
	if sub == "remove" {
		// 100ms removes the peer asynchronously: success means accepted.
		return client.RemovePeer(ctx, roomID, peerID, reason)
	}
	peers, err := client.Peers(ctx, roomID, &f)
	if err != nil {
		return err
	}
	if asJSON {
		if peers == nil {
			peers = []activeroom.Peer{}
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(peers)
	}
	return printPeers(e.stdout, peers)
}

// printPeers prints peers as a table, a row each: "-" for an empty field,
// and a field with a control or other non-printable character quoted
// (cell), since a participant picks their own name and user id.
func printPeers(w io.Writer, peers []activeroom.Peer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PEER ID\tNAME\tUSER ID\tROLE\tJOINED")
	for _, p := range peers {
		joined := "-"
		if !p.JoinedAt.IsZero() {
			joined = p.JoinedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", cell(p.ID), cell(p.Name), cell(p.UserID), cell(p.Role), joined)
	}
	return tw.Flush()
}

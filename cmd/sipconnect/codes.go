package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/roomcode"
)

const codesUsage = `usage: sipconnect codes <subcommand> [flags]

subcommands:
  list     list a room's codes
  create   create codes for a room: one per role, or one for --role
  enable   enable a code
  disable  disable a code

Run 'sipconnect codes <subcommand> -h' for the flags of a subcommand.`

func (e env) codes(ctx context.Context, args []string) error {
	sub, args, err := e.group("codes", codesUsage, []string{"list", "create", "enable", "disable"}, args)
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("codes "+sub, flag.ContinueOnError)
	var roomID, role, code, enabled string
	var asJSON bool
	fs.BoolVar(&asJSON, "json", false, "print JSON with the API's field names")
	var synopsis string
	switch sub {
	case "list":
		synopsis = "codes list --room-id ID [--role ROLE] [--enabled true|false] [--json]"
		fs.StringVar(&roomID, "room-id", "", "room `id` (required)")
		fs.StringVar(&role, "role", "", "only codes of this `role`")
		fs.StringVar(&enabled, "enabled", "", "only enabled (true) or disabled (false) codes")
	case "create":
		synopsis = "codes create --room-id ID [--role ROLE] [--json]"
		fs.StringVar(&roomID, "room-id", "", "room `id` (required)")
		fs.StringVar(&role, "role", "", "create for this `role` only (default: every role)")
	case "enable", "disable":
		synopsis = "codes " + sub + " --code CODE [--json]"
		fs.StringVar(&code, "code", "", "room `code` (required)")
	}
	cmd, err := e.parse(fs, synopsis, args)
	if err != nil {
		return err
	}
	var filter roomcode.EnabledFilter
	switch enabled {
	case "":
	case "true":
		filter = roomcode.EnabledOnly
	case "false":
		filter = roomcode.DisabledOnly
	default:
		return cmd.usagef("--enabled must be true or false, not %q", enabled)
	}
	if sub == "enable" || sub == "disable" {
		if err := roomcode.ValidateCode(code); err != nil {
			// Refused before anything is sent: a room id here is a common mistake.
			return fmt.Errorf("invalid room code: %w", err)
		}
	}

	api, err := e.apiClient()
	if err != nil {
		return err
	}
	defer api.CloseIdleConnections()
	client := roomcode.NewClient(api)
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()

	var out []roomcode.RoomCode
	single := false
	switch sub {
	case "list":
		for rc, err := range client.All(ctx, roomID, &roomcode.ListOptions{Role: role, Enabled: filter, Limit: roomcode.MaxLimit}) {
			if err != nil {
				return err
			}
			out = append(out, rc)
		}
	case "create":
		if role != "" {
			rc, err := client.CreateForRole(ctx, roomID, role)
			if err != nil {
				return err
			}
			out, single = []roomcode.RoomCode{rc}, true
		} else if out, err = client.Create(ctx, roomID); err != nil {
			return err
		}
	case "enable", "disable":
		rc, err := client.SetEnabled(ctx, code, sub == "enable")
		if err != nil {
			return err
		}
		out, single = []roomcode.RoomCode{rc}, true
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if single {
			return enc.Encode(out[0])
		}
		if out == nil {
			out = []roomcode.RoomCode{}
		}
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CODE\tROLE\tENABLED\tROOM ID\tCREATED")
	for _, rc := range out {
		created := "-"
		if !rc.CreatedAt.IsZero() {
			created = rc.CreatedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%t\t%s\t%s\n", cell(rc.Code), cell(rc.Role), rc.Enabled, cell(rc.RoomID), created)
	}
	return tw.Flush()
}

// apiClient makes the 100ms API core from the environment.
func (e env) apiClient(extra ...hmsapi.Option) (*hmsapi.Client, error) {
	opts := slices.Clone(extra)
	switch {
	case e.getenv("HMS_MANAGEMENT_TOKEN") != "":
		opts = append(opts, hmsapi.WithManagementToken(e.getenv("HMS_MANAGEMENT_TOKEN")))
	case e.getenv("HMS_ACCESS_KEY") != "" || e.getenv("HMS_APP_SECRET") != "":
		opts = append(opts, hmsapi.WithAppCredentials(e.getenv("HMS_ACCESS_KEY"), e.getenv("HMS_APP_SECRET")))
	default:
		return nil, fmt.Errorf("no 100ms credentials: set HMS_MANAGEMENT_TOKEN, or HMS_ACCESS_KEY and HMS_APP_SECRET")
	}
	if base := e.getenv("HMS_API_BASE_URL"); base != "" {
		opts = append(opts, hmsapi.WithBaseURL(base))
	}
	return hmsapi.New(opts...)
}

// hasAPICredentials reports whether the environment names 100ms credentials.
func (e env) hasAPICredentials() bool {
	return e.getenv("HMS_MANAGEMENT_TOKEN") != "" || e.getenv("HMS_ACCESS_KEY") != "" || e.getenv("HMS_APP_SECRET") != ""
}

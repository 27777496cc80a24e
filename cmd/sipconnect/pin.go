package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/pins"
	"github.com/hmssip/interconnect-go/roomcode"
)

// pinWalkthrough plays a simulated caller of the PIN menu against the
// server at base (reached at the public URL pub): the call arrives, a wrong
// PIN, then the right one. It prints each step and the TwiML answered.
func (e env) pinWalkthrough(o *output, base, pub, authToken, rightPIN string) error {
	// A wrong PIN: the right one with its last digit changed.
	last := rightPIN[len(rightPIN)-1]
	wrongPIN := rightPIN[:len(rightPIN)-1] + string('0'+(last-'0'+1)%10)
	o.say("a simulated caller, step by step:", "a simulated caller, step by step")
	form := sampleForm()
	next := pub + "/twilio/voice"
	for _, step := range []struct{ say, digits string }{
		{"the call arrives at " + next, ""},
		{"the caller enters a wrong PIN, " + wrongPIN, wrongPIN},
		{"the caller enters the PIN of " + demoPINRooms[0].RoomID + ", " + rightPIN, rightPIN},
	} {
		if step.digits != "" {
			form.Set("Digits", step.digits)
		}
		o.say("> "+step.say, "the simulated caller", "step", step.say)
		answer, err := signedPost(base+strings.TrimPrefix(next, pub), next, authToken, form)
		if err != nil {
			return err
		}
		o.say(answer, "the carrier gets this answer", "answer", answer)
		if step.digits == rightPIN {
			break
		}
		if next, err = gatherAction(answer); err != nil {
			return err
		}
	}
	return nil
}

// gatherAction returns the action URL of the <Gather> of a TwiML answer.
func gatherAction(doc string) (string, error) {
	var r struct {
		Gather struct {
			Action string `xml:"action,attr"`
		}
	}
	if err := xml.Unmarshal([]byte(doc), &r); err != nil {
		return "", err
	}
	if r.Gather.Action == "" {
		return "", errors.New("the answer has no <Gather action>")
	}
	if _, err := url.Parse(r.Gather.Action); err != nil {
		return "", err
	}
	return r.Gather.Action, nil
}

const pinsUsage = `usage: sipconnect pins <subcommand> [flags]

subcommands:
  create   issue a meeting PIN for a room's role, for serve --pin
  list     print the live PINs of a room
  revoke   make a PIN stop working

Run 'sipconnect pins <subcommand> -h' for the flags of a subcommand.`

// errNoStore is the error of pins without a shared store.
var errNoStore = errors.New("pins create needs a shared store that serve --pin reads too: give --redis URL or set SIPCONNECT_REDIS_URL")

// pins manages meeting PINs in the shared store that serve --pin reads.
func (e env) pins(ctx context.Context, args []string) error {
	sub, args, err := e.group("pins", pinsUsage, []string{"create", "list", "revoke"}, args)
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("pins "+sub, flag.ContinueOnError)
	var t pins.Target
	var asJSON bool
	var redisURL string
	var ttl time.Duration
	fs.StringVar(&redisURL, "redis", "", "`URL` of the Redis that serve --pin reads (default $SIPCONNECT_REDIS_URL)")
	var synopsis string
	switch sub {
	case "create":
		fs.StringVar(&t.RoomID, "room-id", "", "room `id` the PIN leads to (required)")
		fs.StringVar(&t.Role, "role", "", "`role` the caller joins with (required)")
		fs.DurationVar(&ttl, "ttl", 0, "how long the PIN works, e.g. 24h (default: until revoked)")
		fs.BoolVar(&asJSON, "json", false, `print {"pin":...,"room_id":...,"role":...}`)
		synopsis = "pins create --room-id ID --role ROLE [--ttl DURATION] [--redis URL] [--json]"
	case "list":
		fs.StringVar(&t.RoomID, "room-id", "", "room `id` whose PINs to list (required)")
		fs.BoolVar(&asJSON, "json", false, "print a JSON array")
		synopsis = "pins list --room-id ID [--redis URL] [--json]"
	default:
		synopsis = "pins revoke PIN [--redis URL]"
	}
	var pin string
	if sub == "revoke" && len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		pin, args = args[0], args[1:]
	}
	cmd, err := e.parse(fs, synopsis, args)
	if err != nil {
		return err
	}
	switch {
	case sub == "revoke" && pin == "" && fs.NArg() == 1:
		pin = fs.Arg(0)
	case sub == "revoke" && pin == "":
		return cmd.usagef("the PIN to revoke is required")
	case ttl < 0:
		return cmd.usagef("--ttl must not be negative, not %s", ttl)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if sub == "create" && e.hasAPICredentials() {
		if err := e.checkRoomRole(ctx, t.RoomID, t.Role); err != nil {
			return err
		}
	}
	st, err := e.sharedStore(ctx, redisURL)
	if err != nil {
		return err
	}
	defer st.Close()
	dir, err := pins.NewDirectory(st, pins.DirectoryConfig{})
	if err != nil {
		return err
	}
	switch sub {
	case "revoke":
		live, err := dir.Revoke(ctx, pin)
		if err != nil {
			return err
		}
		if !live {
			return errors.New("no such live PIN (the PIN given to pins revoke)")
		}
		_, err = fmt.Fprintln(e.stdout, "revoked")
		return err
	case "list":
		listed, err := dir.List(ctx, t.RoomID)
		if err != nil {
			return err
		}
		if asJSON {
			type row struct {
				PIN       string `json:"pin"`
				RoomID    string `json:"room_id"`
				Role      string `json:"role"`
				ExpiresAt string `json:"expires_at,omitempty"`
			}
			rows := []row{}
			for _, p := range listed {
				r := row{PIN: p.PIN, RoomID: p.Target.RoomID, Role: p.Target.Role}
				if !p.ExpiresAt.IsZero() {
					r.ExpiresAt = p.ExpiresAt.Format(time.RFC3339)
				}
				rows = append(rows, r)
			}
			return json.NewEncoder(e.stdout).Encode(rows)
		}
		for _, p := range listed {
			exp := "never"
			if !p.ExpiresAt.IsZero() {
				exp = p.ExpiresAt.Format(time.RFC3339)
			}
			fmt.Fprintf(e.stdout, "%s  %s  expires %s\n", p.PIN, p.Target.Role, exp)
		}
		return nil
	}
	pin, err = dir.IssueWithTTL(ctx, t, ttl)
	if err != nil {
		return err
	}
	return e.printResult(asJSON, struct {
		PIN    string `json:"pin"`
		RoomID string `json:"room_id"`
		Role   string `json:"role"`
	}{pin, t.RoomID, t.Role}, pin)
}

// checkRoomRole asks 100ms whether roomID exists and has role, and names
// the flag that is wrong when not. A role without a room code yet gets one,
// as serve would make it for the first caller.
func (e env) checkRoomRole(ctx context.Context, roomID, role string) error {
	api, err := e.apiClient()
	if err != nil {
		return err
	}
	defer api.CloseIdleConnections()
	codes := roomcode.NewClient(api)
	page, err := codes.List(ctx, roomID, &roomcode.ListOptions{Role: role})
	if errors.Is(err, hmsapi.ErrNotFound) {
		return fmt.Errorf("--room-id: 100ms has no room %q", roomID)
	}
	if err != nil {
		return err
	}
	if len(page.Data) > 0 {
		return nil
	}
	if _, err := codes.CreateForRole(ctx, roomID, role); errors.Is(err, hmsapi.ErrNotFound) {
		return fmt.Errorf("--role: room %q has no role %q", roomID, role)
	} else if err != nil {
		return err
	}
	return nil
}

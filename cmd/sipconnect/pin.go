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

	"github.com/hmssip/interconnect-go/sipconnect"
)

// pinWalkthrough plays a simulated caller of the PIN menu against the
// server at base (reached at the public URL pub): the call arrives, a wrong
// PIN, then the right one. It prints each step and the TwiML answered.
func (e env) pinWalkthrough(base, pub, authToken, rightPIN string) error {
	// A wrong PIN: the right one with its last digit changed.
	last := rightPIN[len(rightPIN)-1]
	wrongPIN := rightPIN[:len(rightPIN)-1] + string('0'+(last-'0'+1)%10)
	fmt.Fprintln(e.stdout, "a simulated caller, step by step:")
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
		fmt.Fprintf(e.stdout, "> %s\n", step.say)
		answer, err := signedPost(base+strings.TrimPrefix(next, pub), next, authToken, form)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s\n", answer)
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

Run 'sipconnect pins <subcommand> -h' for the flags of a subcommand.`

// errNoStore is the error of pins create without a shared store.
var errNoStore = errors.New("pins create needs a shared store that serve --pin reads too: give --redis URL or set SIPCONNECT_REDIS_URL")

// pins issues meeting PINs into the shared store that serve --pin reads.
func (e env) pins(ctx context.Context, args []string) error {
	_, args, err := e.group("pins", pinsUsage, []string{"create"}, args)
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("pins create", flag.ContinueOnError)
	var t sipconnect.PINTarget
	var asJSON bool
	var redisURL string
	fs.StringVar(&t.RoomID, "room-id", "", "room `id` the PIN leads to (required)")
	fs.StringVar(&t.Role, "role", "", "`role` the caller joins with (required)")
	fs.BoolVar(&asJSON, "json", false, `print {"pin":...,"room_id":...,"role":...}`)
	fs.StringVar(&redisURL, "redis", "", "`URL` of the Redis that serve --pin reads (default $SIPCONNECT_REDIS_URL)")
	cmd, err := e.parse(fs, "pins create --room-id ID --role ROLE [--redis URL] [--json]", args)
	if err != nil {
		return err
	}
	switch {
	case t.RoomID == "":
		return cmd.usagef("--room-id is required")
	case t.Role == "":
		return cmd.usagef("--role is required")
	}
	st, err := e.sharedStore(ctx, redisURL)
	if err != nil {
		return err
	}
	defer st.Close()
	dir, err := sipconnect.NewPINDirectory(st, sipconnect.PINDirectoryOptions{})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	pin, err := dir.Issue(ctx, t)
	if err != nil {
		return err
	}
	if asJSON {
		return json.NewEncoder(e.stdout).Encode(struct {
			PIN    string `json:"pin"`
			RoomID string `json:"room_id"`
			Role   string `json:"role"`
		}{pin, t.RoomID, t.Role})
	}
	_, err = fmt.Fprintln(e.stdout, pin)
	return err
}

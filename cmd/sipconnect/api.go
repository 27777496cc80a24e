package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmstest"
)

// The demo world: what the embedded fake of the 100ms API holds when a
// command that calls the API (call, trunks, peers, dtmf) runs without 100ms
// credentials. Each command starts a fresh fake, so nothing persists from
// one command to the next. The names are printed in the demo banner and in
// the usage of call.
const (
	demoCallRoomID = "demo-room"       // with roles host and guest
	demoRoomCode   = "demo-guest-code" // the enabled code of demo-room's guest role
	demoTrunkID    = "demo-trunk"      // an outbound trunk
	demoNoAnswer   = "+15550199"       // a phone that never answers
	demoRingFor    = 500 * time.Millisecond
	demoHostPeerID = "8f0c2a4e-1b3d-4c5e-9f60-718293a4b5c6" // Alice, in a browser
	demoSIPPeerID  = "2d4e6f80-9a1b-4c3d-8e5f-60718293a4b5" // a caller on the phone
)

// demoNote is the line the usage of the API commands ends with.
var demoNote = fmt.Sprintf("Without 100ms credentials this runs on an embedded fake (demo mode): room id %s, room code %s,\n"+
	"trunk id %s; every number answers, except %s, which never does.", demoCallRoomID, demoRoomCode, demoTrunkID, demoNoAnswer)

// newDemoFake starts the embedded fake with the demo world.
func newDemoFake() *hmstest.Server {
	now := time.Now().UTC().Truncate(time.Second)
	fake := hmstest.NewServer(
		hmstest.WithRoom(demoCallRoomID, "host", "guest"),
		hmstest.WithCode(demoCallRoomID, "guest", demoRoomCode, true),
		hmstest.WithTrunk(hmstest.Trunk{ID: demoTrunkID, Username: "demo", Password: throwawayToken(),
			Address: "demo.pstn.example.com", From: "+15550100"}),
		hmstest.WithPeer(demoCallRoomID, hmstest.Peer{ID: demoHostPeerID, Name: "Alice", UserID: "alice", Role: "host", JoinedAt: now.Add(-10 * time.Minute)}),
		hmstest.WithPeer(demoCallRoomID, hmstest.Peer{ID: demoSIPPeerID, Name: "Dial-in caller", UserID: "pstn-demo", Role: "guest", JoinedAt: now.Add(-5 * time.Minute), SIP: true}),
	)
	fake.SetCallNoAnswer(demoNoAnswer)
	return fake
}

// apiSession is the 100ms API core a command calls through: one made from
// the environment, or, in demo mode, one on the embedded fake.
type apiSession struct {
	api  *hmsapi.Client
	fake *hmstest.Server // demo mode only
}

func (s *apiSession) close() {
	s.api.CloseIdleConnections()
	if s.fake != nil {
		s.fake.Close()
	}
}

// session makes the core the API commands share. Without 100ms credentials
// it starts the demo fake and says so on stderr. With app credentials it
// uses them even when HMS_MANAGEMENT_TOKEN is set too, since only they can
// mint the app tokens DTMF needs.
func (e env) session(preferApp bool) (*apiSession, error) {
	if !e.hasAPICredentials() {
		fake := newDemoFake()
		fmt.Fprintf(e.stderr, "*** DEMO MODE: no 100ms credentials, so this runs on an embedded fake of the 100ms API: room %s, room code %s, trunk %s. ***\n",
			demoCallRoomID, demoRoomCode, demoTrunkID)
		return &apiSession{api: fake.API(), fake: fake}, nil
	}
	var api *hmsapi.Client
	var err error
	if preferApp && e.getenv("HMS_ACCESS_KEY") != "" && e.getenv("HMS_APP_SECRET") != "" {
		opts := []hmsapi.Option{hmsapi.WithAppCredentials(e.getenv("HMS_ACCESS_KEY"), e.getenv("HMS_APP_SECRET"))}
		if base := e.getenv("HMS_API_BASE_URL"); base != "" {
			opts = append(opts, hmsapi.WithBaseURL(base))
		}
		api, err = hmsapi.New(opts...)
	} else {
		api, err = e.apiClient()
	}
	if err != nil {
		return nil, err
	}
	return &apiSession{api: api}, nil
}

// timedSession is session for a command that makes a few API calls, with
// ctx bounded to a minute. done ends ctx and closes the session.
func (e env) timedSession(ctx context.Context, preferApp bool) (s *apiSession, callCtx context.Context, done func(), err error) {
	s, err = e.session(preferApp)
	if err != nil {
		return nil, nil, nil, err
	}
	callCtx, cancel := context.WithTimeout(ctx, time.Minute)
	return s, callCtx, func() { cancel(); s.close() }, nil
}

// printResult prints a command's result: v as JSON with --json, else line.
func (e env) printResult(asJSON bool, v any, line string) error {
	if asJSON {
		return json.NewEncoder(e.stdout).Encode(v)
	}
	_, err := fmt.Fprintln(e.stdout, line)
	return err
}

// group picks the subcommand of a command that has several (codes, trunks,
// peers): it answers help, and refuses a missing or unknown subcommand with
// the group's usage. "NAME help SUB" is "NAME SUB -h".
func (e env) group(name, usage string, subs []string, args []string) (string, []string, error) {
	usage += "\n\n" + helpFooter
	want := subs[len(subs)-1]
	if len(subs) > 1 {
		want = strings.Join(subs[:len(subs)-1], ", ") + " or " + want
	}
	if len(args) == 0 {
		return "", nil, &usageError{msg: name + " needs a subcommand: " + want, usage: usage}
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "-h", "-help", "--help", "help":
		if sub == "help" && len(args) > 0 {
			sub, args = args[0], []string{"-h"}
			break
		}
		fmt.Fprintln(e.stdout, usage)
		return "", nil, errHelp
	}
	for _, s := range subs {
		if s == sub {
			return sub, args, nil
		}
	}
	return "", nil, &usageError{msg: fmt.Sprintf("unknown %s subcommand %q (want %s)%s", name, sub, want, didYouMean(sub, subs)), usage: usage}
}

// headerFlag registers the repeatable --header X-Name=value flag.
func headerFlag(fs *flag.FlagSet, usage string, add func(name, value string)) {
	fs.Func("header", usage, func(v string) error {
		name, value, ok := strings.Cut(v, "=")
		if !ok {
			return errors.New("want X-Name=value")
		}
		add(name, value)
		return nil
	})
}

// Command sipconnect builds 100ms SIP dial-in addresses and TwiML, manages
// room codes and SIP outbound trunks, calls phones into rooms, lists and
// removes the peers of live rooms, plays DTMF, and serves the dial-in
// webhook of Twilio or of another carrier.
//
// Usage:
//
//	sipconnect uri    --room-code CODE [--display-name NAME] [--user-id ID] [--header X-Name=value]... [--host HOST] [--transport udp|tcp|tls]
//	sipconnect twiml  --room-code CODE [--display-name NAME] [--user-id ID] [--header X-Name=value]...
//	                  [--username U] [--password P] [--caller-id ID] [--timeout SECONDS] [--answer-on-bridge] [--action URL]
//	sipconnect codes list    --room-id ID [--role ROLE] [--enabled true|false] [--json]
//	sipconnect codes create  --room-id ID [--role ROLE] [--json]
//	sipconnect codes enable  --code CODE [--json]
//	sipconnect codes disable --code CODE [--json]
//	sipconnect call          --to NUMBER|SIP-URI --room-code CODE --trunk-id ID [--name NAME] [--user-id ID]
//	                         [--header X-Name=value]... [--video] [--ring-timeout SECONDS] [--redis URL] [--json]
//	sipconnect trunks create --address HOST[:PORT] --from NUMBER [--json]
//	sipconnect trunks update --trunk-id ID --address HOST[:PORT] --from NUMBER [--json]
//	sipconnect peers list    --room-id ID [--user-id ID] [--role ROLE] [--json]
//	sipconnect peers remove  --room-id ID --peer-id ID [--reason TEXT]
//	sipconnect dtmf          --room-id ID --digits DIGITS
//	sipconnect pins create   --room-id ID --role ROLE [--ttl DURATION] [--redis URL] [--json]
//	sipconnect pins list     --room-id ID [--redis URL] [--json]
//	sipconnect pins revoke   PIN [--redis URL]
//	sipconnect calls list    [--room-id ID] [--since DURATION] [--limit N] [--redis URL] [--json]
//	sipconnect serve  [--addr 127.0.0.1:8080] [--public-url URL] [--room-code CODE | --room-id ID --role ROLE | --pin]
//	                  [--display-name-from caller-name|none] [--insecure-skip-signature] [--redis URL]
//	                  [--provider CARRIER] [--max-conns N] [--drain DURATION] [--grace DURATION]
//	                  [--metrics-addr ADDR] [--log-format text|json] [--log-level debug|info|warn|error]
//	sipconnect version
//	sipconnect help <command>
//	sipconnect completion bash|zsh|fish
//
// Every command's usage ends by pointing at sipconnect help <command> and
// at sipconnect completion.
//
// Environment: HMS_MANAGEMENT_TOKEN, or HMS_ACCESS_KEY and HMS_APP_SECRET
// (dtmf needs the latter: it mints a client auth token for the room);
// HMS_API_BASE_URL (default https://api.100ms.live/v2); SIP_USERNAME and
// SIP_PASSWORD (flags win); SIP_TRUNK_USERNAME and SIP_TRUNK_PASSWORD for
// trunks; TWILIO_AUTH_TOKEN for serve; SIPCONNECT_REDIS_URL (or --redis),
// the Redis that pins, calls list and the instances of serve share.
//
// This command is a module of its own, so that the SDK's users never
// download go-redis; install it from a clone of the repository with
// go install ./cmd/sipconnect.
//
// Demo mode: with no 100ms credentials, call, trunks, peers and dtmf run on
// an embedded fake of the 100ms API holding room demo-room (room code
// demo-guest-code, with Alice in a browser and one caller on the phone) and
// trunk demo-trunk, so that
//
//	sipconnect call --to +15550100 --room-code demo-guest-code --trunk-id demo-trunk
//
// rings a simulated phone that answers, prints the call id and then the
// room's live peers, the new SIP peer among them (+15550199 never answers).
// Each command starts a fresh fake: nothing persists between commands. With
// no 100ms credentials and no --room-code, serve runs in demo mode too and
// prints a signed curl command to try it; with --pin it prints the PINs of
// its demo rooms and walks a simulated caller through a wrong PIN and then
// the right one, printing each TwiML answer. codes needs credentials.
//
// serve --pin answers the voice webhook with a PIN prompt and takes the
// digits at /twilio/pin; the PIN decides the room. pins create issues PINs
// into a shared store that serve --pin reads.
//
// With HMS_WEBHOOK_SECRET_HEADER ("Name: value") set, serve takes 100ms
// webhooks at POST /100ms/events and keeps the phone roster, giving each
// bridged caller a user id derived from its call id; with
// SIPCONNECT_ADMIN_TOKEN set it serves GET /rooms/{room_id}/phones,
// DELETE /rooms/{room_id}/phones/{peer_id} and GET
// /calls?room_id=&since=&limit=&after= (the call records, newest first, a
// page at a time) to that bearer token. Without them those paths answer
// 404. Demo mode posts its simulated caller's join webhook itself and
// prints the roster; after a DELETE hangs the caller up, it posts the
// caller's leave webhook too, as 100ms would.
//
// With --provider, serve answers that carrier's webhooks at /<provider>/voice
// and /<provider>/pin (dial status at /<provider>/dial-status), verified with
// the carrier's key; outside demo mode a missing key refuses to start.
// sipconnect serve -h lists the carriers and the variable of each one's key,
// from the table in provider.go.
// In demo mode a throwaway key signs the sample request printed as a curl
// line.
//
// serve answers GET /healthz (liveness: 200 while the process serves) and
// GET /readyz (readiness: 503 while it drains, and while the Redis that the
// PIN directory or the roster keeps its state in does not answer a ping
// within half a second). serve --redis warns at start when that Redis
// persists nothing (neither AOF nor RDB): PINs are durable data. It reads at most 64 KiB of
// headers (more gets 431), waits at most 5 s for a request's headers and
// 10 s for the whole request, and holds at most --max-conns connections
// (default 1024; more wait to be accepted). On SIGINT or SIGTERM it answers
// 503 at /readyz and goes on serving for --drain (default 5 s; 0 in demo
// mode), then stops accepting and gives the requests in flight --grace
// (default 10 s) to finish before closing their connections: it exits 0
// within drain + grace. A second signal stops it at once.
//
// serve answers GET /metrics in Prometheus text format (demo mode: on
// --addr; otherwise with --metrics-addr, on a listener of its own) and,
// with OTEL_EXPORTER_OTLP_ENDPOINT set, sends traces over OTLP/HTTP.
// --log-format json makes every line it prints a JSON record;
// --log-level drops the lines below a level.
//
// Output goes to stdout, diagnostics to stderr; no command prints a token,
// app secret, auth token or trunk password. Exit status: 0 on success, 2 on
// a usage error, 1 on any other error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
)

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// usageError reports a problem in how the command was called; run prints
// it followed by usage, or by the list of commands when usage is empty.
type usageError struct{ msg, usage string }

func (e *usageError) Error() string { return e.msg }

// usagef returns a usage error shown with the list of commands.
func usagef(format string, args ...any) error { return &usageError{msg: fmt.Sprintf(format, args...)} }

var usage = `usage: sipconnect <command> [flags]

commands:
  uri     print the SIP address of a room
  twiml   print the TwiML that dials a room
  codes   list, create, enable or disable room codes (list|create|enable|disable)
  call    call a phone into a room through a SIP outbound trunk
  trunks  create or update SIP outbound trunks (create|update)
  peers   list or remove the live peers of a room (list|remove)
  dtmf    play DTMF tones to the SIP peers of a room
  pins    issue meeting PINs for serve --pin (create|list|revoke)
  calls   list the call records of a running serve's shared store (list)
  serve   serve the dial-in webhook of a carrier (--provider):
          ` + providerChoices() + `
  version print the version of sipconnect and of the Go it was built with
  help    show the help of a command: sipconnect help <command>
  completion  print a shell completion script (bash|zsh|fish)

Without 100ms credentials, call, trunks, peers, dtmf and serve run in demo
mode on an embedded fake of the 100ms API.

Run 'sipconnect <command> -h' or 'sipconnect help <command>' for the flags
of a command.`

// commands are the commands run knows, for "did you mean" and completion.
var commands = []string{"uri", "twiml", "codes", "call", "trunks", "peers", "dtmf", "pins", "calls", "serve", "version", "help", "completion"}

// main runs the command. The first SIGINT or SIGTERM ends ctx (serve then
// drains and stops); a second one closes hurry (serve stops at once).
func main() {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithCancel(context.Background())
	hurry := make(chan struct{})
	go func() {
		<-sigs
		cancel()
		<-sigs
		close(hurry)
	}()
	code := runWith(ctx, hurry, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	signal.Stop(sigs)
	os.Exit(code)
}

// env gives commands what they read from the process.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	// hurry is closed by a second signal, after the one that ended the
	// command's context; nil when there is none.
	hurry <-chan struct{}
}

// run executes the command line args and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	return runWith(ctx, nil, args, stdout, stderr, getenv)
}

// runWith is run with the channel a second signal closes.
func runWith(ctx context.Context, hurry <-chan struct{}, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	e := env{stdout: stdout, stderr: stderr, getenv: getenv, hurry: hurry}
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "uri":
		err = e.uri(args[1:])
	case "twiml":
		err = e.twiml(args[1:])
	case "codes":
		err = e.codes(ctx, args[1:])
	case "call":
		err = e.call(ctx, args[1:])
	case "trunks":
		err = e.trunks(ctx, args[1:])
	case "peers":
		err = e.peers(ctx, args[1:])
	case "dtmf":
		err = e.dtmf(ctx, args[1:])
	case "pins":
		err = e.pins(ctx, args[1:])
	case "calls":
		err = e.callsCmd(ctx, args[1:])
	case "serve":
		err = e.serve(ctx, args[1:])
	case "version", "-version", "--version":
		err = e.version(args[1:])
	case "completion":
		err = e.completion(ctx, args[1:])
	case "help":
		if len(args) > 1 && args[1] != "help" && slices.Contains(commands, args[1]) {
			return runWith(ctx, hurry, append(slices.Clone(args[1:]), "-h"), stdout, stderr, getenv)
		}
		if len(args) > 1 && args[1] != "help" {
			err = usagef("unknown command %q%s", args[1], didYouMean(args[1], commands))
			break
		}
		fmt.Fprintln(stdout, usage)
		return exitOK
	case "-h", "-help", "--help":
		fmt.Fprintln(stdout, usage)
		return exitOK
	default:
		err = usagef("unknown command %q%s", args[0], didYouMean(args[0], commands))
	}
	var ue *usageError
	var reported *reportedError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errHelp):
		return exitOK
	case errors.As(err, &reported):
		return exitError
	case errors.As(err, &ue):
		u := ue.usage
		if u == "" {
			u = usage
		}
		fmt.Fprintf(stderr, "sipconnect: %s\n%s\n", err, u)
		return exitUsage
	default:
		// Errors of package sipconnect already start with its name.
		err = userFacing(err, getenv)
		fmt.Fprintf(stderr, "sipconnect: %s\n", strings.TrimPrefix(err.Error(), "sipconnect: "))
		return exitError
	}
}

// version prints the module version from the build information (for
// example v1.2.3, or (devel) when built from a working tree) and the Go
// version.
func (e env) version(args []string) error {
	if _, err := e.parse(flag.NewFlagSet("version", flag.ContinueOnError), "version", args); err != nil {
		return err
	}
	_, err := fmt.Fprintln(e.stdout, versionLine())
	return err
}

func versionLine() string {
	goVersion := runtime.Version()
	if bi, ok := debug.ReadBuildInfo(); ok && bi.GoVersion != "" {
		goVersion = bi.GoVersion
	}
	return "sipconnect " + moduleVersion() + " " + goVersion
}

// moduleVersion is the version of sipconnect in its build information:
// v1.2.3, (devel) when built from a working tree, or unknown.
func moduleVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "unknown"
}

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/hmssip/interconnect-go/headers"
	"github.com/hmssip/interconnect-go/sipconnect"
)

// errHelp is returned after -h printed a command's usage.
var errHelp = errors.New("help requested")

// command is a parsed (sub)command: its synopsis and flags. Usage errors
// found after parsing, such as a missing or conflicting flag, are made with
// its usagef, so that they show this command's usage rather than the list of
// commands.
type command struct {
	fs       *flag.FlagSet
	synopsis string
	note     string // after the flags, when not empty
}

// usage returns the synopsis line, the flag list and the note.
func (c *command) usage() string {
	u := "usage: sipconnect " + c.synopsis
	if flags := strings.TrimRight(flagList(c.fs), "\n"); flags != "" {
		u += "\n" + flags
	}
	if c.note != "" {
		u += "\n\n" + c.note
	}
	return u + "\n\n" + helpFooter
}

// helpFooter ends the usage of every command: where to find the others'
// help and the completion scripts.
const helpFooter = "Run 'sipconnect help <command>' for the help of any command, 'sipconnect help' for the list;\n" +
	"'sipconnect completion bash|zsh|fish' prints a shell completion script."

// usagef returns a usage error that run prints with the command's usage.
func (c *command) usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...), usage: c.usage()}
}

// parse parses args into fs. A parse error or a stray argument is a usage
// error that carries the command's usage; -h prints that usage to stdout.
// The command it returns makes the usage errors found later. A note, when
// given, ends the usage.
func (e env) parse(fs *flag.FlagSet, synopsis string, args []string, note ...string) (*command, error) {
	c := &command{fs: fs, synopsis: synopsis, note: strings.Join(note, "\n")}
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprintln(e.stdout, c.usage())
		return nil, errHelp
	case err != nil:
		msg := strings.Replace(err.Error(), "flag -", "flag --", 1)
		if name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -"); ok {
			msg = "unknown flag --" + name + didYouMean("--"+name, flagNames(fs))
		}
		return nil, c.usagef("%s", msg)
	case fs.NArg() > 0:
		return nil, c.usagef("unexpected argument %q", fs.Arg(0))
	}
	if missing := missingRequired(fs, synopsisFlags(synopsis)); len(missing) == 1 {
		return nil, c.usagef("%s is required", missing[0])
	} else if len(missing) > 1 {
		return nil, c.usagef("%s are required", joinAnd(missing))
	}
	return c, nil
}

// synopsisFlags returns the names of the flags a synopsis shows, in its
// order.
func synopsisFlags(synopsis string) []string {
	var names []string
	for _, w := range strings.Fields(synopsis) {
		w = strings.Trim(w, "[]|.")
		if name, ok := strings.CutPrefix(w, "--"); ok {
			names = append(names, name)
		}
	}
	return names
}

// flagList is the flag list of fs for -h, each flag shown as --name, as the
// synopsis and the README write them.
func flagList(fs *flag.FlagSet) string {
	var b strings.Builder
	fs.SetOutput(&b)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	lines := strings.SplitAfter(b.String(), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "  -") {
			lines[i] = "  --" + l[3:]
		}
	}
	return strings.Join(lines, "")
}

// addressFlags are the flags that describe a SIP address.
type addressFlags struct {
	roomCode, displayName, userID, host, transport string
	headers                                        headers.List
}

func (a *addressFlags) register(fs *flag.FlagSet, withHost bool) {
	fs.StringVar(&a.roomCode, "room-code", "", "room `code` of the room to join (required)")
	fs.StringVar(&a.displayName, "display-name", "", "caller's display `name` (X-100ms-Display-Name)")
	fs.StringVar(&a.userID, "user-id", "", "caller's user `id` (X-100ms-UserID)")
	fs.Func("header", "custom header `X-Name=value` (repeatable)", func(v string) error {
		name, value, ok := strings.Cut(v, "=")
		if !ok {
			return errors.New("want X-Name=value")
		}
		a.headers = append(a.headers, headers.Field{Name: name, Value: value})
		return nil
	})
	if withHost {
		fs.StringVar(&a.host, "host", sipconnect.DefaultHost, "SIP `host`")
		fs.StringVar(&a.transport, "transport", "", "SIP transport: udp, tcp or tls")
	}
}

// address validates the flags into an Address. A missing room code is a
// usage error of cmd; an invalid value is an ordinary error.
func (a *addressFlags) address(cmd *command) (sipconnect.Address, error) {
	if a.roomCode == "" {
		return sipconnect.Address{}, cmd.usagef("--room-code is required")
	}
	opts := []sipconnect.AddressOption{sipconnect.WithDisplayName(a.displayName), sipconnect.WithUserID(a.userID)}
	for _, h := range a.headers {
		opts = append(opts, sipconnect.WithHeader(h.Name, h.Value))
	}
	if a.host != "" {
		opts = append(opts, sipconnect.WithHost(a.host))
	}
	if a.transport != "" {
		opts = append(opts, sipconnect.WithTransport(sipconnect.Transport(a.transport)))
	}
	return sipconnect.NewAddress(a.roomCode, opts...)
}

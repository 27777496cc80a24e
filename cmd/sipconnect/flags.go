package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/hmssip/interconnect-go/headers"
	"github.com/hmssip/interconnect-go/sipconnect"
)

// errHelp is returned after -h printed a command's flags.
var errHelp = errors.New("help requested")

// parse parses args into fs. A parse error or a stray argument is a usage
// error that carries the command's flag list; -h prints that list to
// stdout.
func (e env) parse(fs *flag.FlagSet, synopsis string, args []string) error {
	fs.SetOutput(new(strings.Builder))
	fs.Usage = func() {}
	err := fs.Parse(args)
	flags := flagList(fs)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprintf(e.stdout, "usage: sipconnect %s\n%s", synopsis, flags)
		return errHelp
	case err != nil:
		return usagef("%v\nusage: sipconnect %s\n%s", err, synopsis, strings.TrimRight(flags, "\n"))
	case fs.NArg() > 0:
		return usagef("unexpected argument %q\nusage: sipconnect %s", fs.Arg(0), synopsis)
	}
	return nil
}

func flagList(fs *flag.FlagSet) string {
	var b strings.Builder
	fs.SetOutput(&b)
	fs.PrintDefaults()
	return b.String()
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
// usage error; an invalid value is an ordinary error.
func (a *addressFlags) address() (sipconnect.Address, error) {
	if a.roomCode == "" {
		return sipconnect.Address{}, usagef("--room-code is required")
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

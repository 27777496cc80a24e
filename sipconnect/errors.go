package sipconnect

import (
	"errors"

	"github.com/hmssip/interconnect-go/headers"
	"github.com/hmssip/interconnect-go/internal/ascii"
)

// Reasons an address is refused, besides those of packages headers and
// roomcode; an [*Error] wraps one.
var (
	ErrHost      = errors.New("not a valid host name, IPv4 address or [IPv6] address with optional port")
	ErrTransport = errors.New(`transport must be "udp", "tcp" or "tls"`)
	ErrTooLong   = errors.New("too long for Twilio")
	ErrScheme    = errors.New(`scheme must be "sip:"`)
	ErrSyntax    = errors.New("malformed SIP address")
)

// Error reports an address part that cannot be used. Field is "room code",
// "host", "transport", "address" (scheme, syntax, or over [MaxURILen]),
// "headers" (after '?': syntax, escaping, or over [MaxHeadersLen]),
// "header name", or the name of the header at fault. Err is the reason: an
// Err* value of this package, a [*headers.Error] or an error of
// [roomcode.ValidateCode]. Messages never quote header values.
type Error struct {
	Field string
	Err   error
}

// Error returns the field, quoted unless printable, and the reason.
func (e *Error) Error() string {
	field := ascii.QuoteUnlessPrintable(e.Field)
	var he *headers.Error
	if errors.As(e.Err, &he) {
		return "sipconnect: invalid " + field + ": " + he.Reason()
	}
	return "sipconnect: invalid " + field + ": " + e.Err.Error()
}

// Unwrap returns the reason.
func (e *Error) Unwrap() error { return e.Err }

// ConfigError is a configuration NewHandler refuses at start rather than
// when a caller rings: Field is its path ("pins.Config.Cache"), Reason
// what is wrong and what to do.
type ConfigError struct {
	Field  string
	Reason string
}

// Error returns "sipconnect: " followed by the field and the reason.
func (e *ConfigError) Error() string { return "sipconnect: " + e.Field + ": " + e.Reason }

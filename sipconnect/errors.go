package sipconnect

import (
	"errors"

	"github.com/hmssip/interconnect-go/headers"
	"github.com/hmssip/interconnect-go/internal/ascii"
)

// Reasons an address is refused, besides those of package headers (for header
// names and values) and package roomcode (for the room code). An [*Error]
// wraps one of them or one of those.
var (
	ErrHost      = errors.New("not a valid host name, IPv4 address or [IPv6] address with optional port")
	ErrTransport = errors.New(`transport must be "udp", "tcp" or "tls"`)
	ErrTooLong   = errors.New("too long for Twilio")
	ErrScheme    = errors.New(`scheme must be "sip:"`)
	ErrSyntax    = errors.New("malformed SIP address")
)

// Error reports an address part that cannot be used: which field and why.
// Field is one of:
//
//   - "room code": the room code (the user part of the address);
//   - "host": the host and port;
//   - "transport": the ";transport=" parameter;
//   - "address": the address as a whole: its scheme or syntax, or the part
//     before '?' over [MaxURILen];
//   - "headers": the part after '?': its syntax, a value's escaping, or its
//     length over [MaxHeadersLen];
//   - "header name": a header name that is empty or whose escaping is
//     malformed;
//   - otherwise the name of the header at fault, as given: [headers.DisplayName],
//     [headers.UserID] or a custom header's name, for a value that cannot be
//     sent or a name that is not allowed.
//
// Err is the reason: one of this package's Err* values, a [*headers.Error],
// or an error of [roomcode.ValidateCode]; match it with [errors.Is] or
// [errors.As]. Length errors give the length and the limit. Messages never
// quote header values, which may hold personal data.
type Error struct {
	Field string
	Err   error
}

// Error returns the message: the field and the reason. A field that is
// not printable ASCII (a header name holding a line break, say) is quoted,
// so that the message stays one line.
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

// ConfigError reports a configuration that NewHandler refuses, so that the
// mistake shows when the server starts rather than when a caller rings.
// Field is the path of the field at fault, such as
// "HandlerConfig.Credentials.Password" or "pins.Config.Cache"; Reason says
// what is wrong and what to do.
type ConfigError struct {
	Field  string
	Reason string
}

// Error returns "sipconnect: " followed by the field and the reason.
func (e *ConfigError) Error() string { return "sipconnect: " + e.Field + ": " + e.Reason }

package sipconnect

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
)

// redacted stands in for a password wherever credentials are shown.
const redacted = "[REDACTED]"

// Credentials are the workspace's SIP username and password, from the
// Developer section of the 100ms dashboard. Twilio presents them to the 100ms
// bridge when it dials the address (<Sip username password>).
//
// Credentials never show the password: String, GoString, Format (every verb,
// including %v, %+v, %#v, %s and %q), LogValue and MarshalJSON all print
// [REDACTED] in its place, so a Credentials value may be logged or wrapped in
// an error safely. Read Password directly to use it.
type Credentials struct {
	Username string
	Password string
}

// IsZero reports whether neither a username nor a password is set.
func (c Credentials) IsZero() bool { return c.Username == "" && c.Password == "" }

// String returns "username:[REDACTED]", or the username alone when there is
// no password.
func (c Credentials) String() string {
	if c.Password == "" {
		return c.Username
	}
	return c.Username + ":" + redacted
}

// GoString returns a Go-syntax form with the password redacted.
func (c Credentials) GoString() string {
	pw := ""
	if c.Password != "" {
		pw = redacted
	}
	return "sipconnect.Credentials{Username:" + strconv.Quote(c.Username) + ", Password:" + strconv.Quote(pw) + "}"
}

// Format implements [fmt.Formatter] so that no verb or flag reveals the
// password: %#v prints GoString, %q the quoted String, and every other verb
// String.
func (c Credentials) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		_, _ = f.Write([]byte(c.GoString()))
	case verb == 'q':
		_, _ = f.Write([]byte(strconv.Quote(c.String())))
	default:
		_, _ = f.Write([]byte(c.String()))
	}
}

// LogValue implements [slog.LogValuer]: a group with the username and a
// redacted password.
func (c Credentials) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("username", c.Username)}
	if c.Password != "" {
		attrs = append(attrs, slog.String("password", redacted))
	}
	return slog.GroupValue(attrs...)
}

// MarshalJSON encodes the credentials with the password redacted, so that a
// struct holding them can be dumped as JSON without leaking it.
func (c Credentials) MarshalJSON() ([]byte, error) {
	v := struct {
		Username string `json:"username"`
		Password string `json:"password,omitempty"`
	}{Username: c.Username}
	if c.Password != "" {
		v.Password = redacted
	}
	return json.Marshal(v)
}

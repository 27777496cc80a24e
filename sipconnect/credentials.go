package sipconnect

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
)

// redacted stands in for a password wherever credentials are shown.
const redacted = "[REDACTED]"

// Credentials are the workspace's SIP username and password (100ms
// dashboard, Developer section). Every way of printing them (String,
// GoString, Format with any verb, LogValue, MarshalJSON) shows [REDACTED]
// for the password; read Password to use it.
type Credentials struct {
	Username string
	Password string
}

// IsZero reports whether neither a username nor a password is set.
func (c Credentials) IsZero() bool { return c.Username == "" && c.Password == "" }

// String returns "username:[REDACTED]", or the username alone.
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

// Format implements [fmt.Formatter]: GoString for %#v, String otherwise.
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

// LogValue implements [slog.LogValuer], redacted.
func (c Credentials) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("username", c.Username)}
	if c.Password != "" {
		attrs = append(attrs, slog.String("password", redacted))
	}
	return slog.GroupValue(attrs...)
}

// MarshalJSON encodes the credentials, redacted.
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

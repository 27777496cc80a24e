package twiml

import (
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/hmssip/interconnect-go/internal/secret"
)

// sipView is Sip without its methods, printed with the password redacted.
type sipView Sip

func (s Sip) redacted() sipView {
	v := sipView(s)
	if v.Password != "" {
		v.Password = secret.Redacted
	}
	return v
}

// String returns the fields of s with the password redacted.
func (s Sip) String() string { return fmt.Sprintf("%+v", s.redacted()) }

// GoString returns s as Go syntax with the password redacted.
func (s Sip) GoString() string {
	return "twiml.Sip" + strings.TrimPrefix(fmt.Sprintf("%#v", s.redacted()), "twiml.sipView")
}

// Format prints s like a struct for every verb and flag, with the password
// redacted.
func (s Sip) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, s.GoString())
		return
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), s.redacted())
}

// LogValue implements [slog.LogValuer]: the URI and username, never the
// password.
func (s Sip) LogValue() slog.Value {
	return slog.GroupValue(slog.String("uri", s.URI), slog.String("username", s.Username),
		slog.String("password", secret.New(s.Password).String()))
}

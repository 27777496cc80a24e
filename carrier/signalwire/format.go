package signalwire

import (
	"fmt"
	"log/slog"

	"github.com/hmssip/interconnect-go/internal/secret"
	"github.com/hmssip/interconnect-go/internal/xmlwrite"
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
func (s Sip) GoString() string { return secret.GoStringAs("signalwire.Sip", s.redacted()) }

// Format prints s like a struct for every verb and flag, with the password
// redacted.
func (s Sip) Format(f fmt.State, verb rune) { secret.FormatAs(f, verb, "signalwire.Sip", s.redacted()) }

// LogValue implements [slog.LogValuer]: the URI and username, never the
// password.
func (s Sip) LogValue() slog.Value { return xmlwrite.SIPLogValue(s.URI, s.Username, s.Password) }

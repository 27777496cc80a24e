package xmlwrite

import (
	"log/slog"

	"github.com/hmssip/interconnect-go/internal/secret"
)

// Error is the invalid-document error of every XML document package:
// twiml, carrier/telnyx, carrier/signalwire and carrier/plivo each declare
// their Error as this type, with their own Error and Unwrap methods.
type Error struct {
	// Path locates the element, such as "Response/Dial[1]/Sip[2]".
	Path string
	// Attribute is the attribute at fault, "#text" for the element's text,
	// or "" for the element itself.
	Attribute string
	// Offset is the byte offset of the bad character in the value, or -1.
	Offset int
	// Err is the reason, one of the package's Err* values, possibly
	// wrapped with detail.
	Err error
}

// Message returns the message of e as package pkg reports it; see
// [ErrorMessage].
func (e *Error) Message(pkg string) string {
	return ErrorMessage(pkg, e.Path, e.Attribute, e.Offset, e.Err)
}

// Fail returns the *Error for a problem with the attribute attr (Text for
// the element's text, "" for the element) of the element at l.
func (l Loc) Fail(attr string, off int, reason error) *Error {
	return &Error{Path: l.Path(), Attribute: attr, Offset: off, Err: reason}
}

// The <Sip> nouns of TwiML, TeXML and cXML carry a password. Their
// String, GoString and Format methods print a copy of the noun with the
// password replaced by [secret.Redacted] ([secret.GoStringAs],
// [secret.FormatAs]); their LogValue is SIPLogValue.

// SIPLogValue is the slog value of a <Sip> noun: the URI and username,
// never the password.
func SIPLogValue(uri, username, password string) slog.Value {
	return slog.GroupValue(slog.String("uri", uri), slog.String("username", username),
		slog.String("password", secret.New(password).String()))
}

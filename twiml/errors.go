package twiml

import (
	"errors"

	"github.com/hmssip/interconnect-go/internal/xmlwrite"
)

// Reasons a document is refused. An [*Error] wraps one of them. All but
// ErrRejectPosition and ErrTooManyNouns are the same values as the
// like-named errors of the carrier packages (carrier/telnyx,
// carrier/signalwire, carrier/plivo), so one errors.Is test serves every
// document.
var (
	ErrRequired       = xmlwrite.ErrRequired
	ErrRange          = xmlwrite.ErrRange
	ErrWholeUnits     = xmlwrite.ErrWholeUnits
	ErrEnum           = xmlwrite.ErrEnum
	ErrDuplicate      = xmlwrite.ErrDuplicate
	ErrInvalidChar    = xmlwrite.ErrInvalidChar
	ErrInvalidUTF8    = xmlwrite.ErrInvalidUTF8
	ErrXMLChar        = xmlwrite.ErrXMLChar
	ErrRejectPosition = errors.New("<Reject> must be the first verb")
	ErrTooManyNouns   = errors.New("more than 10 nouns in one <Dial>")
	ErrNoUsername     = xmlwrite.ErrNoUsername
	ErrNilVerb        = xmlwrite.ErrNil
)

// Error reports an invalid document. Path locates the element, with its
// position among its siblings counted from 1, such as
// "Response/Dial[1]/Sip[2]"; Attribute is the attribute at fault, "#text" for
// the element's text, or "" for the element itself; Offset is the byte
// offset of the bad character in the value, or -1; Err is the reason, one
// of this package's Err* values, possibly wrapped with detail. It never
// holds an attribute's value that may be a secret.
type Error xmlwrite.Error

// Error returns the message: the element, the attribute and the reason.
func (e *Error) Error() string { return (*xmlwrite.Error)(e).Message("twiml") }

// Unwrap returns the reason.
func (e *Error) Unwrap() error { return e.Err }

func fail(l xmlwrite.Loc, attr string, off int, reason error) error {
	return (*Error)(l.Fail(attr, off, reason))
}

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

// Error reports an invalid document: the element (with its position among
// its siblings, counted from 1), the attribute ("#text" for the element's
// text) and the reason.
type Error struct {
	// Path locates the element, such as "Response/Dial[1]/Sip[2]".
	Path string
	// Attribute is the attribute at fault, "#text" for the element's text,
	// or "" for the element itself.
	Attribute string
	// Offset is the byte offset of the bad character in the value, or -1.
	Offset int
	// Err is the reason, one of this package's Err* values, possibly wrapped
	// with detail.
	Err error
}

// Error returns the message: the element, the attribute and the reason.
func (e *Error) Error() string {
	return xmlwrite.ErrorMessage("twiml", e.Path, e.Attribute, e.Offset, e.Err)
}

// Unwrap returns the reason.
func (e *Error) Unwrap() error { return e.Err }

func fail(l xmlwrite.Loc, attr string, off int, reason error) error {
	return &Error{Path: l.Path(), Attribute: attr, Offset: off, Err: reason}
}

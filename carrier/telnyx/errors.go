package telnyx

import (
	"github.com/hmssip/interconnect-go/internal/xmlwrite"
)

// Reasons a document is refused. An [*Error] wraps one of them.
var (
	ErrRequired    = xmlwrite.ErrRequired
	ErrRange       = xmlwrite.ErrRange
	ErrWholeUnits  = xmlwrite.ErrWholeUnits
	ErrEnum        = xmlwrite.ErrEnum
	ErrDuplicate   = xmlwrite.ErrDuplicate
	ErrInvalidChar = xmlwrite.ErrInvalidChar
	ErrInvalidUTF8 = xmlwrite.ErrInvalidUTF8
	ErrXMLChar     = xmlwrite.ErrXMLChar
	ErrNoUsername  = xmlwrite.ErrNoUsername
	ErrNil         = xmlwrite.ErrNil
)

// Error reports an invalid document: the element (with its position among
// its siblings, counted from 1), the attribute ("#text" for the element's
// text) and the reason. It never holds an attribute's value when that value
// may be a secret (the SIP password).
type Error struct {
	// Path locates the element, such as "Response/Dial[1]/Sip[1]".
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
	return xmlwrite.ErrorMessage("telnyx", e.Path, e.Attribute, e.Offset, e.Err)
}

// Unwrap returns the reason.
func (e *Error) Unwrap() error { return e.Err }

func fail(l xmlwrite.Loc, attr string, off int, reason error) error {
	return &Error{Path: l.Path(), Attribute: attr, Offset: off, Err: reason}
}

// result returns the encoder's output and, if it recorded a problem, the
// *Error that reports it at l.
func result(e *xmlwrite.Enc, l xmlwrite.Loc) ([]byte, error) {
	if e.Err != nil {
		return e.Buf, fail(l, e.Attr, e.Off, e.Err)
	}
	return e.Buf, nil
}

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

// Error reports an invalid document. Path locates the element, with its
// position among its siblings counted from 1, such as
// "Response/Dial[1]/Sip[1]"; Attribute is the attribute at fault, "#text" for
// the element's text, or "" for the element itself; Offset is the byte
// offset of the bad character in the value, or -1; Err is the reason, one
// of this package's Err* values, possibly wrapped with detail. It never
// holds an attribute's value that may be a secret.
type Error xmlwrite.Error

// Error returns the message: the element, the attribute and the reason.
func (e *Error) Error() string { return (*xmlwrite.Error)(e).Message("telnyx") }

// Unwrap returns the reason.
func (e *Error) Unwrap() error { return e.Err }

func fail(l xmlwrite.Loc, attr string, off int, reason error) error {
	return (*Error)(l.Fail(attr, off, reason))
}

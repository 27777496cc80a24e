package twiml

import (
	"errors"

	"github.com/hmssip/interconnect-go/internal/xmlwrite"
)

// Reasons a document is refused. An [*Error] wraps one of them.
var (
	ErrRequired       = errors.New("required")
	ErrRange          = errors.New("out of range")
	ErrWholeUnits     = errors.New("not a whole number of the attribute's unit")
	ErrEnum           = errors.New("not one of the allowed values")
	ErrDuplicate      = errors.New("value listed twice")
	ErrInvalidChar    = errors.New("character not allowed")
	ErrInvalidUTF8    = errors.New("invalid UTF-8")
	ErrXMLChar        = errors.New("character XML 1.0 cannot carry")
	ErrRejectPosition = errors.New("<Reject> must be the first verb")
	ErrTooManyNouns   = errors.New("more than 10 nouns in one <Dial>")
	ErrNoUsername     = errors.New("password given without username")
	ErrNilVerb        = errors.New("nil verb or noun")
)

// textAttr stands for an element's text content in [Error.Attribute].
const textAttr = "#text"

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

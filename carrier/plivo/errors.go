package plivo

import (
	"errors"

	"github.com/hmssip/interconnect-go/internal/xmlwrite"
)

// Reasons a document is refused. An [*Error] wraps one of them. Those
// that package twiml has too (ErrRequired, ErrRange, ErrEnum,
// ErrInvalidChar, ErrInvalidUTF8, ErrXMLChar, ErrNilVerb) are the same
// values.
var (
	ErrRequired    = xmlwrite.ErrRequired
	ErrRange       = xmlwrite.ErrRange
	ErrWholeUnits  = errors.New("not a whole number of seconds")
	ErrEnum        = xmlwrite.ErrEnum
	ErrInvalidChar = xmlwrite.ErrInvalidChar
	ErrInvalidUTF8 = xmlwrite.ErrInvalidUTF8
	ErrXMLChar     = xmlwrite.ErrXMLChar
	ErrTooLong     = errors.New("too long")
	ErrDuplicate   = errors.New("listed twice")
	ErrNilVerb     = xmlwrite.ErrNil
	// ErrHeaderName means a sipHeaders name Plivo would refuse or rename:
	// Plivo sends each name as X-PH-<name> and drops a pair whose name is
	// not one upper-case letter followed by lower-case letters and digits
	// (support.plivo.com "What are the rules for SIP headers"). 100ms
	// recognises only X-100ms-Display-Name and X-100ms-UserID: put those in
	// the SIP URI instead.
	ErrHeaderName = errors.New("not a name Plivo sends unchanged as X-PH-<name>")
	// ErrHeaderValue means a sipHeaders value Plivo cannot carry: only
	// letters, digits and % are allowed, so "," "=" and spaces, which the
	// k=v,k2=v2 list cannot hold either, are refused.
	ErrHeaderValue = errors.New("character Plivo's sipHeaders value cannot carry")
	// ErrCredentials means SIP credentials were given for a Plivo dial:
	// Plivo's <User> noun has no username or password attribute.
	ErrCredentials = errors.New("no SIP username or password attribute on Plivo's <User> noun")
)

// Error reports an invalid document. Path locates the element, with its
// position among its siblings counted from 1, such as
// "Response/Dial[1]/User[1]"; Attribute is the attribute at fault, "#text" for
// the element's text, or "" for the element itself; Offset is the byte
// offset of the bad character in the value, or -1; Err is the reason, one
// of this package's Err* values, possibly wrapped with detail. It never
// holds an attribute's value that may be a secret.
type Error xmlwrite.Error

// Error returns the message: the element, the attribute and the reason.
func (e *Error) Error() string { return (*xmlwrite.Error)(e).Message("plivo") }

// Unwrap returns the reason.
func (e *Error) Unwrap() error { return e.Err }

func fail(l xmlwrite.Loc, attr string, off int, reason error) error {
	return (*Error)(l.Fail(attr, off, reason))
}

// CheckCredentials returns nil when username and password are both empty,
// and otherwise an [*Error] wrapping [ErrCredentials] (naming the field,
// never its value): Plivo's <User> noun has no SIP credential attributes
// (plivo.com/docs/voice/xml/dial/user; plivo-go xml/plivoxml.go
// UserElement has only sendDigits, sendOnPreanswer and sipHeaders). Call it
// when a dial-in handler is configured, so that credentials meant for 100ms
// are refused at start-up rather than silently dropped on every call.
func CheckCredentials(username, password string) error {
	switch {
	case username != "":
		return &Error{Path: "Response/Dial/User", Attribute: "username", Offset: -1, Err: ErrCredentials}
	case password != "":
		return &Error{Path: "Response/Dial/User", Attribute: "password", Offset: -1, Err: ErrCredentials}
	}
	return nil
}

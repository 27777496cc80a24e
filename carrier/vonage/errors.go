package vonage

import (
	"errors"
	"strconv"
)

// Reasons an NCCO is refused. An [*Error] wraps one of them.
var (
	ErrRequired    = errors.New("required")
	ErrRange       = errors.New("out of range")
	ErrWholeUnits  = errors.New("not a whole number of seconds")
	ErrEnum        = errors.New("not one of the allowed values")
	ErrInvalidChar = errors.New("character not allowed")
	ErrInvalidUTF8 = errors.New("invalid UTF-8")
	ErrTooLong     = errors.New("too long")
	ErrDuplicate   = errors.New("listed twice")
	ErrNilAction   = errors.New("nil action")
	// ErrHeaderName means a header name Vonage cannot send as given: it
	// prepends X- to every key, so the name must be a SIP token starting
	// with X-.
	ErrHeaderName = errors.New("not a SIP header name starting with X-")
	// ErrCredentials means SIP credentials were given for a Vonage dial:
	// the sip endpoint has no username or password field.
	ErrCredentials = errors.New("no SIP username or password field on Vonage's sip endpoint")
)

// Error reports an invalid NCCO: the path of the action and field, such as
// "[1].endpoint[0].headers[2]", the field name and the reason. It never
// holds a secret.
type Error struct {
	// Path locates the object, such as "[0]" or "[0].endpoint[0]".
	Path string
	// Field is the JSON field at fault, or "" for the object itself.
	Field string
	// Offset is the byte offset of the bad character in the value, or -1.
	Offset int
	// Err is the reason, one of this package's Err* values, possibly
	// wrapped with detail.
	Err error
}

// Error returns the message: the path, the field and the reason.
func (e *Error) Error() string {
	s := "vonage: ncco" + e.Path
	if e.Field != "" {
		s += "." + e.Field
	}
	s += ": " + e.Err.Error()
	if e.Offset >= 0 {
		s += " at byte " + strconv.Itoa(e.Offset)
	}
	return s
}

// Unwrap returns the reason.
func (e *Error) Unwrap() error { return e.Err }

// CheckCredentials returns nil when username and password are both empty,
// and otherwise an [*Error] wrapping [ErrCredentials] naming the field,
// never its value: Vonage's sip endpoint has no credential fields
// (vonage-java-sdk SipEndpoint has uri, headers and standard_headers only).
// Call it when a dial-in handler is configured.
func CheckCredentials(username, password string) error {
	switch {
	case username != "":
		return &Error{Path: "[].endpoint[]", Field: "username", Offset: -1, Err: ErrCredentials}
	case password != "":
		return &Error{Path: "[].endpoint[]", Field: "password", Offset: -1, Err: ErrCredentials}
	}
	return nil
}

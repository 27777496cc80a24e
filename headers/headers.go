package headers

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/hmssip/interconnect-go/internal/ascii"
)

// The URI headers that 100ms reads from a dial-in address. Header names are
// case-insensitive; these are the spellings the 100ms documentation uses and
// the ones this module emits.
const (
	// DisplayName carries the name shown for the phone peer in the room.
	// Without it, 100ms shows the caller's masked phone number.
	DisplayName = "X-100ms-Display-Name"

	// UserID carries the caller's user id in the application's own terms;
	// 100ms echoes it in peer events and webhooks.
	UserID = "X-100ms-UserID"
)

// Length bounds, in bytes of the unescaped UTF-8 string.
const (
	// MaxNameLen is the longest header name accepted.
	MaxNameLen = 64

	// MaxValueLen is the longest header value accepted. Escaping can triple
	// a value's size; Twilio refuses a headers part of 1024 bytes or more.
	MaxValueLen = 256
)

// Reasons a header name or value is refused. An [*Error] wraps exactly one of
// them, so callers can test with [errors.Is]. [ErrTooLong] comes with the
// length and the limit, as in "too long: 300 bytes, at most 256".
var (
	ErrEmptyName       = errors.New("empty header name")
	ErrNameChar        = errors.New("character not allowed in a header name")
	ErrNotExtension    = errors.New(`custom header name must start with "X-"`)
	ErrTwilioPrefix    = errors.New(`header names starting with "X-Twilio" are reserved by Twilio`)
	ErrReservedName    = errors.New("100ms header must be set through its own option")
	ErrDuplicate       = errors.New("header given more than once (names are case-insensitive)")
	ErrControl         = errors.New("control character")
	ErrInvalidUTF8     = errors.New("invalid UTF-8")
	ErrNoncharacter    = errors.New("noncharacter U+FFFE or U+FFFF")
	ErrTooLong         = errors.New("too long")
	ErrInvalidEscaping = errors.New("invalid escaping")
)

// Part says whether an [Error] concerns a header's name or its value.
type Part uint8

// The parts of a header.
const (
	NamePart Part = iota
	ValuePart
)

// Error reports a header name or value that cannot be sent. Its message names
// the header and the reason and, for a single bad character, its position and
// code point; it never quotes a value, which may hold personal data.
type Error struct {
	Name   string // the header concerned, as given
	Part   Part   // whether the name or the value is at fault
	Offset int    // byte offset of the offending character, or -1
	Rune   rune   // the offending code point when there is one, else -1
	Err    error  // one of the Err* reasons of this package, possibly wrapped with detail
}

// Error returns the message: the header, the reason and where.
func (e *Error) Error() string {
	var b []byte
	b = append(b, "headers: "...)
	switch {
	case e.Part == NamePart:
		b = fmt.Appendf(b, "header name %q: ", e.Name)
	case e.Name == "":
		// A value whose header is not known yet, such as the input of Unescape.
	default:
		b = fmt.Appendf(b, "value of %s: ", printableName(e.Name))
	}
	return string(e.appendReason(b))
}

// Reason returns the message without the package prefix and without the
// header's name: the reason and, where there is one, the position.
func (e *Error) Reason() string { return string(e.appendReason(nil)) }

func (e *Error) appendReason(b []byte) []byte {
	b = append(b, e.Err.Error()...)
	if e.Rune >= 0 {
		b = fmt.Appendf(b, " %U", e.Rune)
	}
	if e.Offset >= 0 {
		b = fmt.Appendf(b, " at byte %d", e.Offset)
	}
	return b
}

// Unwrap returns the reason: one of the Err* values of this package,
// possibly wrapped with detail such as a length and its limit.
func (e *Error) Unwrap() error { return e.Err }

// printableName returns name for use in a message, quoted when it is not a
// plain token.
func printableName(name string) string {
	if name != "" && validToken(name) {
		return name
	}
	return fmt.Sprintf("%q", name)
}

// tooLong returns [ErrTooLong] with the length n and the limit max.
func tooLong(n, max int) error {
	return fmt.Errorf("%w: %d bytes, at most %d", ErrTooLong, n, max)
}

func nameError(name string, off int, r rune, err error) *Error {
	return &Error{Name: name, Part: NamePart, Offset: off, Rune: r, Err: err}
}

func valueError(name string, off int, r rune, err error) *Error {
	return &Error{Name: name, Part: ValuePart, Offset: off, Rune: r, Err: err}
}

// isTokenByte reports whether c may appear in an RFC 3261 token:
// alphanumerics and - . ! % * _ + ` ' ~.
func isTokenByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '-', '.', '!', '%', '*', '_', '+', '`', '\'', '~':
		return true
	}
	return false
}

func validToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isTokenByte(s[i]) {
			return false
		}
	}
	return true
}

// ValidateName reports whether name is a syntactically valid SIP header name:
// a non-empty RFC 3261 token of at most [MaxNameLen] bytes.
func ValidateName(name string) error {
	if name == "" {
		return nameError(name, -1, -1, ErrEmptyName)
	}
	for i := 0; i < len(name); i++ {
		if !isTokenByte(name[i]) {
			r, _ := utf8.DecodeRuneInString(name[i:])
			return nameError(name, i, r, ErrNameChar)
		}
	}
	if len(name) > MaxNameLen {
		return nameError(name, -1, -1, tooLong(len(name), MaxNameLen))
	}
	return nil
}

// ValidateCustomName reports whether name may be used for an application's
// own header next to the 100ms ones: a valid name ([ValidateName]) that starts
// with "X-", does not start with "X-Twilio" (Twilio drops those) and is not
// [DisplayName] or [UserID], which have options of their own. Case is ignored
// throughout.
func ValidateCustomName(name string) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	switch {
	case !ascii.HasPrefixFold(name, "X-"):
		return nameError(name, -1, -1, ErrNotExtension)
	case ascii.HasPrefixFold(name, "X-Twilio"):
		return nameError(name, -1, -1, ErrTwilioPrefix)
	case ascii.EqualFold(name, DisplayName), ascii.EqualFold(name, UserID):
		return nameError(name, -1, -1, ErrReservedName)
	}
	return nil
}

// ValidateValue reports whether value may be sent as the value of the header
// called name: valid UTF-8 of at most [MaxValueLen] bytes with no control
// character (U+0000–U+001F, U+007F, U+0080–U+009F) and no U+FFFE or U+FFFF.
// The name only labels the error. The empty value is valid; builders omit it.
func ValidateValue(name, value string) error {
	for i := 0; i < len(value); {
		c := value[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7F {
				return valueError(name, i, rune(c), ErrControl)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(value[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return valueError(name, i, -1, ErrInvalidUTF8)
		case r >= 0x80 && r <= 0x9F:
			return valueError(name, i, r, ErrControl)
		case r == 0xFFFE || r == 0xFFFF:
			return valueError(name, i, r, ErrNoncharacter)
		}
		i += size
	}
	if len(value) > MaxValueLen {
		return valueError(name, -1, -1, tooLong(len(value), MaxValueLen))
	}
	return nil
}

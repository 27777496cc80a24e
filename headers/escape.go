package headers

import (
	"strings"

	"github.com/hmssip/interconnect-go/internal/ascii"
)

// rawAllowed reports whether c may stand unescaped in an RFC 3261 hname or
// hvalue: unreserved (alphanumerics and - _ . ! ~ * ' ( )) or one of
// [ ] / ? : + $.
func rawAllowed(c byte) bool {
	if ascii.PercentKept(c) {
		return true
	}
	switch c {
	case '!', '*', '\'', '(', ')', '[', ']', '/', '?', ':', '+', '$':
		return true
	}
	return false
}

// Escape returns s escaped for use as a header name or value in a SIP URI:
// every byte other than A-Z a-z 0-9 - . _ ~ becomes %HH with uppercase hex.
// It returns s itself, without allocating, when nothing needs escaping.
// Escape does not validate; see [ValidateValue].
func Escape(s string) string {
	n := ascii.PercentLen(s)
	if n == len(s) {
		return s
	}
	return string(ascii.AppendPercent(make([]byte, 0, n), s))
}

// Unescape decodes an escaped header name or value as RFC 3261 defines them:
// %HH in either case stands for the byte HH, '+' is a literal plus (never a
// space), and the other bytes allowed unescaped (alphanumerics,
// - _ . ! ~ * ' ( ) [ ] / ? : + $) stand for themselves. Any other byte, or a
// '%' not followed by two hex digits, is an error wrapping
// [ErrInvalidEscaping]; its Offset is the position in s. Unescape returns s
// itself, without allocating, when s holds no escape. The result is not
// validated; see [ValidateValue].
func Unescape(s string) (string, error) {
	escapes := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return "", &Error{Part: ValuePart, Offset: i, Rune: -1, Err: ErrInvalidEscaping}
			}
			escapes++
			i += 2
		case !rawAllowed(c):
			return "", &Error{Part: ValuePart, Offset: i, Rune: rune(c), Err: ErrInvalidEscaping}
		}
	}
	if escapes == 0 {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s) - 2*escapes)
	for {
		i := strings.IndexByte(s, '%')
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		b.WriteString(s[:i])
		b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
		s = s[i+3:]
	}
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

package headers

import "strings"

const upperHex = "0123456789ABCDEF"

// keep reports whether Escape leaves c as it is: A-Z a-z 0-9 - . _ ~.
func keep(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return c == '-' || c == '.' || c == '_' || c == '~'
}

// rawAllowed reports whether c may stand unescaped in an RFC 3261 hname or
// hvalue: unreserved (alphanumerics and - _ . ! ~ * ' ( )) or one of
// [ ] / ? : + $.
func rawAllowed(c byte) bool {
	if keep(c) {
		return true
	}
	switch c {
	case '!', '*', '\'', '(', ')', '[', ']', '/', '?', ':', '+', '$':
		return true
	}
	return false
}

// EscapedLen returns the length of Escape(s) without building it.
func EscapedLen(s string) int {
	n := len(s)
	for i := 0; i < len(s); i++ {
		if !keep(s[i]) {
			n += 2
		}
	}
	return n
}

// Escape returns s escaped for use as a header name or value in a SIP URI:
// every byte other than A-Z a-z 0-9 - . _ ~ becomes %HH with uppercase hex.
// It returns s itself, without allocating, when nothing needs escaping.
// Escape does not validate; see [ValidateValue].
func Escape(s string) string {
	n := EscapedLen(s)
	if n == len(s) {
		return s
	}
	return string(appendEscape(make([]byte, 0, n), s))
}

// AppendEscape appends the escaped form of s (see [Escape]) to dst and
// returns the extended slice.
func AppendEscape(dst []byte, s string) []byte {
	return appendEscape(dst, s)
}

func appendEscape(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if keep(c) {
			continue
		}
		dst = append(dst, s[start:i]...)
		dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		start = i + 1
	}
	return append(dst, s[start:]...)
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

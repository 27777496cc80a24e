package vonage

import (
	"fmt"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Invalid UTF-8 and the
// noncharacters U+FFFE and U+FFFF are refused; with strict, so are control
// characters (C0, DEL, C1), which in a URI, URL or SIP header value would
// be an injection; otherwise they are escaped as \u00XX. U+2028 and U+2029
// are escaped for JavaScript consumers. On an error it returns the offset.
func appendString(dst []byte, s string, strict bool) ([]byte, int, error) {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7F && c != '"' && c != '\\' {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			if strict && (c < 0x20 || c == 0x7F) {
				return dst, i, fmt.Errorf("%w: control character %#02x", ErrInvalidChar, c)
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return dst, i, ErrInvalidUTF8
		case r == 0xFFFE || r == 0xFFFF:
			return dst, i, fmt.Errorf("%w: noncharacter %U", ErrInvalidChar, r)
		case strict && r >= 0x80 && r <= 0x9F:
			return dst, i, fmt.Errorf("%w: control character %U", ErrInvalidChar, r)
		case r == 0x2028 || r == 0x2029:
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			start = i + size
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"'), -1, nil
}

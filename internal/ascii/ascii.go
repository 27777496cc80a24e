// Package ascii holds the byte-level text rules of SIP: it compares strings
// ignoring ASCII case, as SIP compares header names, URI schemes and
// parameter names, quotes names that are not printable ASCII before they go
// into a message, and percent-encodes SIP URI header names and values.
package ascii

import "strconv"

// EqualFold reports whether a and b are equal ignoring ASCII case. Unlike
// [strings.EqualFold] it does not fold non-ASCII letters (the Kelvin sign
// is not 'k'), which no valid SIP token holds.
func EqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

// HasPrefixFold reports whether s starts with prefix, ignoring ASCII case.
func HasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && EqualFold(s[:len(prefix)], prefix)
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// QuoteUnlessPrintable returns s as it is when it is printable ASCII, and
// quoted (strconv.Quote) otherwise, so that a name put into a message
// cannot break the line it is logged on.
func QuoteUnlessPrintable(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			return strconv.Quote(s)
		}
	}
	return s
}

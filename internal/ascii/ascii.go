// Package ascii compares strings ignoring ASCII case, as SIP compares
// header names, URI schemes and parameter names.
package ascii

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

// Package sipescape percent-encodes SIP URI header names and values: the
// escaping of package headers, shared with the code that renders an address
// into a caller's buffer.
package sipescape

const upperHex = "0123456789ABCDEF"

// Kept reports whether escaping leaves c as it is: A-Z a-z 0-9 - . _ ~.
func Kept(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return c == '-' || c == '.' || c == '_' || c == '~'
}

// Len returns the length of the escaped form of s without building it.
func Len(s string) int {
	n := len(s)
	for i := 0; i < len(s); i++ {
		if !Kept(s[i]) {
			n += 2
		}
	}
	return n
}

// Append appends s to dst with every byte but those [Kept] percent-encoded
// as %HH with uppercase hex, and returns the extended slice.
func Append(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if Kept(c) {
			continue
		}
		dst = append(dst, s[start:i]...)
		dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		start = i + 1
	}
	return append(dst, s[start:]...)
}

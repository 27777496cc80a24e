package ascii

// Percent-encoding of SIP URI header names and values: the escaping of
// package headers, shared with the code that renders an address into a
// caller's buffer.

const upperHex = "0123456789ABCDEF"

// PercentKept reports whether escaping leaves c as it is: A-Z a-z 0-9 - . _ ~.
func PercentKept(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return c == '-' || c == '.' || c == '_' || c == '~'
}

// PercentLen returns the length of the escaped form of s without building it.
func PercentLen(s string) int {
	n := len(s)
	for i := 0; i < len(s); i++ {
		if !PercentKept(s[i]) {
			n += 2
		}
	}
	return n
}

// AppendPercent appends s to dst with every byte but those [PercentKept]
// percent-encoded as %HH with uppercase hex, and returns the extended slice.
func AppendPercent(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if PercentKept(c) {
			continue
		}
		dst = append(dst, s[start:i]...)
		dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		start = i + 1
	}
	return append(dst, s[start:]...)
}

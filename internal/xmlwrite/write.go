package xmlwrite

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Text is the attribute named in an error about an element's text.
const Text = "#text"

// ErrorMessage returns the message of a document error:
// "<pkg>: <path>[ text| attribute <attr>]: <reason>[ at byte <offset>]".
func ErrorMessage(pkg, path, attr string, offset int, reason error) string {
	s := pkg + ": " + path
	switch attr {
	case "":
	case Text:
		s += " text"
	default:
		s += " attribute " + attr
	}
	s += ": " + reason.Error()
	if offset >= 0 {
		s += " at byte " + strconv.Itoa(offset)
	}
	return s
}

// WriteTo writes doc to w, or returns renderErr without writing anything.
func WriteTo(w io.Writer, doc []byte, renderErr error) (int64, error) {
	if renderErr != nil {
		return 0, renderErr
	}
	n, err := w.Write(doc)
	return int64(n), err
}

// WriteHTTP sends doc with status 200, its Content-Type and its length, or
// returns renderErr without writing anything, so that the caller can still
// answer something else.
func WriteHTTP(w http.ResponseWriter, contentType string, doc []byte, renderErr error) error {
	if renderErr != nil {
		return renderErr
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(doc)))
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(doc)
	return err
}

// SIPURIReasons are a package's sentinels for CheckSIPURI's refusals.
type SIPURIReasons struct{ Required, TooLong, InvalidChar error }

// CheckSIPURI checks a SIP URI a document carries: present, at most maxLen
// bytes, sip: or sips:, and nothing but printable ASCII that RFC 3261
// allows unescaped. It returns the byte offset of a bad character (or -1)
// and an error wrapping the package's reason.
func CheckSIPURI(uri string, maxLen int, r SIPURIReasons) (int, error) {
	if uri == "" {
		return -1, fmt.Errorf("%w: the SIP URI", r.Required)
	}
	if len(uri) > maxLen {
		return -1, fmt.Errorf("%w: %d bytes, at most %d", r.TooLong, len(uri), maxLen)
	}
	lower := strings.ToLower(uri[:min(len(uri), 5)])
	if !strings.HasPrefix(lower, "sip:") && !strings.HasPrefix(lower, "sips:") {
		return -1, fmt.Errorf("%w: want a sip: or sips: URI", r.InvalidChar)
	}
	if i := sipURIBadByte(uri); i >= 0 {
		return i, fmt.Errorf("%w: %s (percent-encode it)", r.InvalidChar, describeByteAt(uri, i))
	}
	return -1, nil
}

// sipURIBadByte returns the offset of the first byte of uri that a SIP URI
// may not carry unescaped (a control character, a space, a byte outside
// printable ASCII, or one of " < > \ ^ ` { | }), or -1.
func sipURIBadByte(uri string) int {
	for i := 0; i < len(uri); i++ {
		if sipBad[uri[i]] != 0 {
			return i
		}
	}
	return -1
}

// sipBad is 1 at each byte a SIP URI cannot hold raw: the controls, space,
// " < > \ ^ ` { | }, DEL and every byte from 0x80.
const sipBad = "\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x01\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x01\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x01\x00" +
	"\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x01\x01\x00\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01"

// describeByteAt names the character that starts at byte i of s for an
// error message: 'é' (U+00E9), or the byte in hex when s holds no valid
// UTF-8 there.
func describeByteAt(s string, i int) string {
	r, size := utf8.DecodeRuneInString(s[i:])
	if r == utf8.RuneError && size <= 1 {
		return fmt.Sprintf("byte %#02x (invalid UTF-8)", s[i])
	}
	return fmt.Sprintf("%q (%U)", r, r)
}

// ValidLanguage accepts a language tag of letters and digits in
// hyphen-separated groups of 1 to 8, at most 35 bytes, such as en-US or
// en-GB-WLS.
func ValidLanguage(l string) bool {
	if len(l) > 35 {
		return false
	}
	n := 0 // length of the current group
	for i := 0; i < len(l); i++ {
		c := l[i]
		switch {
		case c == '-':
			if n == 0 {
				return false
			}
			n = 0
		case c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			if n++; n > 8 {
				return false
			}
		default:
			return false
		}
	}
	return n > 0
}

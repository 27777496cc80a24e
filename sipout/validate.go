package sipout

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hmssip/interconnect-go/headers"
	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/internal/ascii"
)

// Bounds on the arguments, in bytes. 100ms documents none; these keep a
// mistake (a whole file passed as a name) from reaching the API.
const (
	// MaxToLen is the longest callee, a phone number or SIP URI, accepted.
	MaxToLen = 256
	// MaxNameLen is the longest display name of a callee accepted.
	MaxNameLen = 256
	// MaxUserIDLen is the longest user id of a callee accepted, and of
	// the peer a DTMF app token is minted for.
	MaxUserIDLen = 256
	// MaxAddressLen is the longest trunk address, host[:port], accepted:
	// a 253-byte host name, a colon and a port.
	MaxAddressLen = 259
	// MaxCredentialLen is the longest trunk username or password accepted.
	MaxCredentialLen = 256
)

func invalid(field, format string, args ...any) error {
	return &hmsapi.InputError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// e164Problem returns why s is not an E.164 number ("+" then 1 to 15
// digits, the first not 0), or "" when it is one.
func e164Problem(s string) string {
	const want = "want E.164: '+' then 1 to 15 digits, the first not 0, nothing else (like +14155550100)"
	switch {
	case s == "":
		return "empty"
	case s[0] != '+':
		return want + fmt.Sprintf(": %q has no leading '+'", truncate(s))
	case len(s) == 1:
		return want + ": no digits after '+'"
	case s[1] == '0':
		return want + ": the country code cannot start with 0"
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; c < '0' || c > '9' {
			return want + fmt.Sprintf(": %s at byte %d", describeByte(s, i), i)
		}
	}
	if n := len(s) - 1; n > 15 {
		return want + fmt.Sprintf(": %d digits", n)
	}
	return ""
}

// describeByte names the character at s[i] for an error message: quoted when
// printable, as a code point otherwise.
func describeByte(s string, i int) string {
	r, size := utf8.DecodeRuneInString(s[i:])
	switch {
	case r == utf8.RuneError && size == 1:
		return fmt.Sprintf("byte %#02x", s[i])
	case unicode.IsPrint(r):
		return strconv.QuoteRune(r)
	default:
		return fmt.Sprintf("%U", r)
	}
}

// truncate shortens s for quoting in an error message.
func truncate(s string) string {
	const max = 32
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// checkTo checks a callee: an E.164 number or a sip:/sips: URI. A URI may
// have parameters (;transport=tcp) but no headers (?...), which would add
// headers to the INVITE unchecked, and no percent-encoded control
// character (%0D%0A), which would break its lines once decoded.
func checkTo(to string) error {
	const field = "to"
	switch {
	case to == "":
		return invalid(field, "empty: want an E.164 number (+14155550100) or a SIP URI (sip:alice@example.com)")
	case len(to) > MaxToLen:
		return invalid(field, "%d bytes, at most %d", len(to), MaxToLen)
	case to[0] == '+':
		if p := e164Problem(to); p != "" {
			return invalid(field, "%s", p)
		}
		return nil
	}
	rest, ok := cutSIPScheme(to)
	if !ok {
		return invalid(field, "%q is neither an E.164 number (+ then 1 to 15 digits, like +14155550100) nor a sip: or sips: URI", truncate(to))
	}
	for i := 0; i < len(rest); i++ {
		if c := rest[i]; c <= ' ' || c >= 0x7f || strings.IndexByte("\"<>\\^`{|}", c) >= 0 {
			j := i + len(to) - len(rest)
			return invalid(field, "%s at byte %d of the SIP URI (percent-encode it)", describeByte(to, j), j)
		}
	}
	offset := len(to) - len(rest)
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		// A SIP URI's headers (sip:bob@host?Route=...) become headers of
		// the INVITE, past the checks of CallRequest.Headers.
		return invalid(field, "'?' at byte %d: URI headers are not allowed in to; use CallRequest.Headers (percent-encode a '?' of the user part as %%3F)", i+offset)
	}
	for i := 0; i < len(rest); i++ {
		if rest[i] != '%' {
			continue
		}
		if i+2 >= len(rest) || !isHex(rest[i+1]) || !isHex(rest[i+2]) {
			return invalid(field, "'%%' not followed by two hex digits at byte %d of the SIP URI", i+offset)
		}
		// A decoded control character (%0D%0A) could break the INVITE's
		// lines wherever the URI is decoded.
		if c := unhex(rest[i+1])<<4 | unhex(rest[i+2]); c < 0x20 || c == 0x7f {
			return invalid(field, "percent-encoded control character %s at byte %d of the SIP URI", rest[i:i+3], i+offset)
		}
	}
	user, hostport, ok := strings.Cut(rest, "@")
	switch {
	case !ok:
		return invalid(field, "SIP URI without '@': want sip:user@host")
	case user == "":
		return invalid(field, "SIP URI with an empty user part")
	}
	if i := strings.IndexByte(hostport, ';'); i >= 0 {
		hostport = hostport[:i]
	}
	if p := hostPortProblem(hostport); p != "" {
		return invalid(field, "host of the SIP URI: %s", p)
	}
	return nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// unhex returns the value of the hex digit c.
func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// cutSIPScheme returns s without its sip: or sips: scheme (any case).
func cutSIPScheme(s string) (string, bool) {
	for _, scheme := range []string{"sip:", "sips:"} {
		if ascii.HasPrefixFold(s, scheme) {
			return s[len(scheme):], true
		}
	}
	return s, false
}

// hostPortProblem returns why s is not host[:port], or "" when it is: a DNS
// name, an IPv4 address or a bracketed IPv6 address, and a port from 1 to
// 65535.
func hostPortProblem(s string) string {
	if s == "" {
		return "empty host"
	}
	if _, ok := cutSIPScheme(s); ok || strings.Contains(s, "://") {
		return "has a scheme: give host[:port] only, like example.pstn.twilio.com or 203.0.113.7:5060"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c <= ' ' || c == 0x7f:
			return fmt.Sprintf("space or control character %s at byte %d", describeByte(s, i), i)
		case c >= 0x80:
			return fmt.Sprintf("non-ASCII %s at byte %d (use the xn-- form of an internationalised name)", describeByte(s, i), i)
		case strings.IndexByte("/@;?#", c) >= 0:
			return fmt.Sprintf("%q at byte %d: want host[:port] only", c, i)
		}
	}
	var host, port string
	hasPort := false
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "'[' without ']'"
		}
		host = s[1:end]
		if a, err := netip.ParseAddr(host); err != nil || !a.Is6() || a.Zone() != "" {
			return fmt.Sprintf("%q is not an IPv6 address", truncate(host))
		}
		rest := s[end+1:]
		if rest != "" {
			if rest[0] != ':' {
				return fmt.Sprintf("unexpected %q after ']'", rest[0])
			}
			port, hasPort = rest[1:], true
		}
	} else {
		if strings.Count(s, ":") > 1 {
			return "an IPv6 address goes in brackets, like [2001:db8::1]:5060"
		}
		host, port, hasPort = strings.Cut(s, ":")
		if p := hostProblem(host); p != "" {
			return p
		}
	}
	if hasPort {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || port[0] == '0' || port[0] == '+' {
			return fmt.Sprintf("port %q: want 1 to 65535", truncate(port))
		}
	}
	return ""
}

// hostProblem checks a DNS name or an IPv4 address.
func hostProblem(host string) string {
	if host == "" {
		return "empty host"
	}
	if strings.Trim(host, "0123456789.") == "" {
		if a, err := netip.ParseAddr(host); err != nil || !a.Is4() {
			return fmt.Sprintf("%q is not an IPv4 address", truncate(host))
		}
		return ""
	}
	if len(host) > 253 {
		return fmt.Sprintf("host name of %d bytes, at most 253", len(host))
	}
	for label := range strings.SplitSeq(host, ".") {
		switch {
		case label == "":
			return fmt.Sprintf("host name %q has an empty label", truncate(host))
		case len(label) > 63:
			return fmt.Sprintf("host name label of %d bytes, at most 63", len(label))
		case label[0] == '-' || label[len(label)-1] == '-':
			return fmt.Sprintf("host name label %q starts or ends with '-'", truncate(label))
		}
		for i := 0; i < len(label); i++ {
			if c := label[i]; !(c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
				return fmt.Sprintf("%q in host name label %q", c, truncate(label))
			}
		}
	}
	return ""
}

// checkText checks a free-text argument (a display name, a user id): valid
// UTF-8 of at most max bytes without control characters.
func checkText(field, s string, max int) error {
	if len(s) > max {
		return invalid(field, "%d bytes, at most %d", len(s), max)
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return invalid(field, "invalid UTF-8 at byte %d", i)
		case unicode.IsControl(r):
			return invalid(field, "control character %U at byte %d", r, i)
		}
		i += size
	}
	return nil
}

// reservedHeaders are the headers 100ms sets itself and ignores when given
// (REFERENCE §8), by lower-case name and compact form, with the spelling
// used in messages.
var reservedHeaders = map[string]string{
	"to": "To", "t": "To",
	"from": "From", "f": "From",
	"via": "Via", "v": "Via",
	"contact": "Contact", "m": "Contact",
	"call-id": "Call-ID", "i": "Call-ID",
	"cseq":         "CSeq",
	"max-forwards": "Max-Forwards",
	"route":        "Route",
	"content-type": "Content-Type", "c": "Content-Type",
	"content-length": "Content-Length", "l": "Content-Length",
	"authorization":       "Authorization",
	"p-asserted-identity": "P-Asserted-Identity",
	"remote-party-id":     "Remote-Party-ID",
	"diversion":           "Diversion",
}

// headerField names a header in an InputError: by its name when that is a
// plain token, which cannot break a log line.
func headerField(name string) string {
	if headers.ValidateName(name) == nil {
		return "header " + name
	}
	return "header name"
}

// headerReason is the reason of a headers.Error, without the header's name
// and never quoting a value.
func headerReason(err error) string {
	var he *headers.Error
	if errors.As(err, &he) {
		return he.Reason()
	}
	return err.Error()
}

// checkHeaders checks the custom headers of a call and returns them as the
// API's name→value object, or nil when there are none.
func checkHeaders(list headers.List) (map[string]string, error) {
	if len(list) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(list))
	for i, f := range list {
		field := headerField(f.Name)
		if err := headers.ValidateName(f.Name); err != nil {
			return nil, invalid(field, "%s", headerReason(err))
		}
		if canon, ok := reservedHeaders[strings.ToLower(f.Name)]; ok {
			if !strings.EqualFold(canon, f.Name) {
				canon = f.Name + " (the compact form of " + canon + ")"
			}
			return nil, invalid(field, "%s is reserved: 100ms sets it itself and would ignore this value", canon)
		}
		if err := headers.ValidateValue(f.Name, f.Value); err != nil {
			return nil, invalid(field, "value: %s", headerReason(err))
		}
		for _, g := range list[:i] {
			if ascii.EqualFold(f.Name, g.Name) {
				return nil, invalid(field, "given more than once (header names are case-insensitive)")
			}
		}
		out[f.Name] = f.Value
	}
	return out, nil
}

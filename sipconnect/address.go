package sipconnect

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/hmssip/interconnect-go/headers"
	"github.com/hmssip/interconnect-go/internal/ascii"
	"github.com/hmssip/interconnect-go/roomcode"
)

// DefaultHost is the 100ms SIP bridge; MaxURILen and MaxHeadersLen are
// Twilio's limits on a SIP URI before and after '?' (error 21227).
const (
	DefaultHost   = "sip.100ms.live"
	MaxURILen     = 254
	MaxHeadersLen = 1023
)

// Transport is the SIP transport an address asks for (";transport="); the
// empty Transport asks for none.
type Transport string

// The transports a SIP URI may name.
const (
	TransportUDP Transport = "udp"
	TransportTCP Transport = "tcp"
	TransportTLS Transport = "tls"
)

// Address is the SIP address of a caller in a 100ms room, an immutable
// value: sip:<room code>@<host>[;transport=<t>][?<headers>].
type Address struct {
	roomCode    string
	host        string
	transport   Transport
	displayName string
	userID      string
	custom      headers.List
}

// AddressOption sets one part of an address made by [NewAddress].
type AddressOption struct {
	kind        optionKind
	name, value string
}

type optionKind uint8

const (
	optDisplayName optionKind = iota + 1
	optUserID
	optHeader
	optHost
	optTransport
)

// WithDisplayName sets X-100ms-Display-Name, the caller's name in the
// room; the empty name sets none.
func WithDisplayName(name string) AddressOption {
	return AddressOption{kind: optDisplayName, value: name}
}

// WithUserID sets X-100ms-UserID, your id for the caller, echoed in 100ms
// events; the empty id sets none.
func WithUserID(id string) AddressOption {
	return AddressOption{kind: optUserID, value: id}
}

// WithHeader adds a custom header, after the 100ms ones: its name starts
// with "X-" (not "X-Twilio", not a 100ms header) and does not repeat; an
// empty value is left out.
func WithHeader(name, value string) AddressOption {
	return AddressOption{kind: optHeader, name: name, value: value}
}

// WithHost sets the host, [DefaultHost] by default: a DNS name, IPv4 or
// [IPv6] address, with an optional ":port"; kept in lower case.
func WithHost(host string) AddressOption {
	return AddressOption{kind: optHost, value: host}
}

// WithTransport adds ";transport=" to the address.
func WithTransport(t Transport) AddressOption {
	return AddressOption{kind: optTransport, value: string(t)}
}

// NewAddress returns the address of roomCode's room with the parts the
// options set (later ones win, WithHeader adds), each validated; a problem
// is an [*Error] naming the field and the reason.
func NewAddress(roomCode string, opts ...AddressOption) (Address, error) {
	a := Address{roomCode: roomCode, host: DefaultHost}
	for _, o := range opts {
		switch o.kind {
		case optDisplayName:
			a.displayName = o.value
		case optUserID:
			a.userID = o.value
		case optHeader:
			a.custom = append(a.custom, headers.Field{Name: o.name, Value: o.value})
		case optHost:
			a.host = o.value
		case optTransport:
			a.transport = Transport(o.value)
		}
	}
	if err := a.normalize(); err != nil {
		return Address{}, err
	}
	return a, nil
}

// normalize validates every part of a, lower-cases the host and transport and
// drops custom headers with empty values.
func (a *Address) normalize() error {
	if err := roomcode.ValidateCode(a.roomCode); err != nil {
		return &Error{Field: "room code", Err: err}
	}
	if !validHost(a.host) {
		return &Error{Field: "host", Err: ErrHost}
	}
	a.host = lowerASCII(a.host)
	switch t := Transport(lowerASCII(string(a.transport))); t {
	case "", TransportUDP, TransportTCP, TransportTLS:
		a.transport = t
	default:
		return &Error{Field: "transport", Err: ErrTransport}
	}
	if err := headers.ValidateValue(headers.DisplayName, a.displayName); err != nil {
		return &Error{Field: headers.DisplayName, Err: err}
	}
	if err := headers.ValidateValue(headers.UserID, a.userID); err != nil {
		return &Error{Field: headers.UserID, Err: err}
	}
	if err := a.custom.ValidateCustom(); err != nil {
		field := err.(*headers.Error).Name
		if field == "" {
			field = "header name"
		}
		return &Error{Field: field, Err: err}
	}
	kept := a.custom[:0]
	for _, f := range a.custom {
		if f.Value != "" {
			kept = append(kept, f)
		}
	}
	if len(kept) == 0 {
		kept = nil
	}
	a.custom = kept
	if n := a.uriLen(); n > MaxURILen {
		return &Error{Field: "address", Err: fmt.Errorf("%w: %d bytes before '?', at most %d", ErrTooLong, n, MaxURILen)}
	}
	if n := a.headersLen(); n > MaxHeadersLen {
		return &Error{Field: "headers", Err: fmt.Errorf("%w: %d bytes after '?', at most %d", ErrTooLong, n, MaxHeadersLen)}
	}
	return nil
}

// uriLen is the length of the rendered address before '?'.
func (a *Address) uriLen() int {
	n := len("sip:") + len(a.roomCode) + len("@") + len(a.host)
	if a.transport != "" {
		n += len(";transport=") + len(a.transport)
	}
	return n
}

// headersLen is the length of the rendered address after '?'.
func (a *Address) headersLen() int {
	n := 0
	a.eachHeader(func(name, value string) {
		if n > 0 {
			n++ // '&'
		}
		n += ascii.PercentLen(name) + 1 + ascii.PercentLen(value)
	})
	return n
}

// eachHeader calls f for each header with a value, in rendering order:
// the one place that order is defined.
func (a *Address) eachHeader(f func(name, value string)) {
	if a.displayName != "" {
		f(headers.DisplayName, a.displayName)
	}
	if a.userID != "" {
		f(headers.UserID, a.userID)
	}
	for _, h := range a.custom {
		f(h.Name, h.Value)
	}
}

// RoomCode returns the room code, the user part of the address.
func (a Address) RoomCode() string { return a.roomCode }

// Host returns the host, with its port if one was given.
func (a Address) Host() string { return a.host }

// Transport returns the transport the address names, or "".
func (a Address) Transport() Transport { return a.transport }

// DisplayName returns the X-100ms-Display-Name value, or "".
func (a Address) DisplayName() string { return a.displayName }

// UserID returns the X-100ms-UserID value, or "".
func (a Address) UserID() string { return a.userID }

// Headers returns a copy of the custom headers, in order.
func (a Address) Headers() headers.List {
	if len(a.custom) == 0 {
		return nil
	}
	return append(headers.List(nil), a.custom...)
}

// Header returns the value of any header called name, ignoring case.
func (a Address) Header(name string) (string, bool) {
	switch {
	case ascii.EqualFold(name, headers.DisplayName):
		return a.displayName, a.displayName != ""
	case ascii.EqualFold(name, headers.UserID):
		return a.userID, a.userID != ""
	}
	return a.custom.Get(name)
}

// IsZero reports whether a is the zero Address.
func (a Address) IsZero() bool { return a.roomCode == "" }

// Equal reports whether a and b render the same address.
func (a Address) Equal(b Address) bool {
	if a.roomCode != b.roomCode || a.host != b.host || a.transport != b.transport ||
		a.displayName != b.displayName || a.userID != b.userID || len(a.custom) != len(b.custom) {
		return false
	}
	for i := range a.custom {
		if a.custom[i] != b.custom[i] {
			return false
		}
	}
	return true
}

// String returns the address as a SIP URI, headers escaped:
// sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20Doe.
func (a Address) String() string {
	if a.IsZero() {
		return ""
	}
	n := a.uriLen()
	if h := a.headersLen(); h > 0 {
		n += 1 + h
	}
	return string(a.AppendTo(make([]byte, 0, n)))
}

// AppendTo appends String's text to dst.
func (a Address) AppendTo(dst []byte) []byte {
	if a.IsZero() {
		return dst
	}
	dst = append(dst, "sip:"...)
	dst = append(dst, a.roomCode...)
	dst = append(dst, '@')
	dst = append(dst, a.host...)
	if a.transport != "" {
		dst = append(dst, ";transport="...)
		dst = append(dst, a.transport...)
	}
	sep := byte('?')
	a.eachHeader(func(name, value string) {
		dst = append(dst, sep)
		dst = ascii.AppendPercent(dst, name)
		dst = append(dst, '=')
		dst = ascii.AppendPercent(dst, value)
		sep = '&'
	})
	return dst
}

// MarshalText implements [encoding.TextMarshaler]; it returns String's bytes.
func (a Address) MarshalText() ([]byte, error) {
	return a.AppendTo(nil), nil
}

// UnmarshalText implements [encoding.TextUnmarshaler] with [ParseAddress].
func (a *Address) UnmarshalText(text []byte) error {
	b, err := ParseAddress(string(text))
	if err != nil {
		return err
	}
	*a = b
	return nil
}

// ParseAddress is the strict inverse of String: ParseAddress(a.String())
// equals a. Scheme and header names match in any case, %HH decodes in
// either case, '+' stays a plus, ";transport=" is the only parameter, and
// every rule of [NewAddress] applies. Errors are [*Error] values.
func ParseAddress(s string) (Address, error) {
	const scheme = "sip:"
	if len(s) < len(scheme) || !ascii.EqualFold(s[:len(scheme)], scheme) {
		return Address{}, &Error{Field: "address", Err: ErrScheme}
	}
	rest := s[len(scheme):]
	at := strings.IndexByte(rest, '@')
	if at < 0 {
		return Address{}, &Error{Field: "address", Err: fmt.Errorf("%w: no '@' after the room code", ErrSyntax)}
	}
	a := Address{roomCode: rest[:at]}
	rest = rest[at+1:]
	var query string
	if q := strings.IndexByte(rest, '?'); q >= 0 {
		rest, query = rest[:q], rest[q+1:]
		if query == "" {
			return Address{}, &Error{Field: "headers", Err: fmt.Errorf("%w: '?' with no header after it", ErrSyntax)}
		}
	}
	if semi := strings.IndexByte(rest, ';'); semi >= 0 {
		if err := a.parseParams(rest[semi+1:]); err != nil {
			return Address{}, err
		}
		rest = rest[:semi]
	}
	a.host = rest
	if query != "" {
		if err := a.parseHeaders(query); err != nil {
			return Address{}, err
		}
	}
	if err := a.normalize(); err != nil {
		return Address{}, err
	}
	return a, nil
}

func (a *Address) parseParams(params string) error {
	for more := true; more; {
		var p string
		p, params, more = strings.Cut(params, ";")
		name, value, _ := strings.Cut(p, "=")
		if !ascii.EqualFold(name, "transport") || a.transport != "" {
			return &Error{Field: "address", Err: fmt.Errorf("%w: unsupported or repeated URI parameter", ErrSyntax)}
		}
		if value == "" {
			return &Error{Field: "transport", Err: ErrTransport}
		}
		a.transport = Transport(value)
	}
	return nil
}

func (a *Address) parseHeaders(query string) error {
	var seenName, seenUser bool
	for more := true; more; {
		var h string
		h, query, more = strings.Cut(query, "&")
		rawName, rawValue, ok := strings.Cut(h, "=")
		if !ok || rawName == "" {
			return &Error{Field: "headers", Err: fmt.Errorf("%w: header without name=value", ErrSyntax)}
		}
		name, err := headers.Unescape(rawName)
		if err != nil {
			he := *err.(*headers.Error)
			he.Part = headers.NamePart
			he.Name = rawName
			return &Error{Field: "header name", Err: &he}
		}
		value, err := headers.Unescape(rawValue)
		if err != nil {
			he := *err.(*headers.Error)
			he.Name = name
			return &Error{Field: "headers", Err: &he}
		}
		switch {
		case ascii.EqualFold(name, headers.DisplayName):
			if seenName {
				return duplicate(name)
			}
			seenName, a.displayName = true, value
		case ascii.EqualFold(name, headers.UserID):
			if seenUser {
				return duplicate(name)
			}
			seenUser, a.userID = true, value
		default:
			a.custom = append(a.custom, headers.Field{Name: name, Value: value})
		}
	}
	return nil
}

func duplicate(name string) error {
	return &Error{Field: name, Err: &headers.Error{Name: name, Part: headers.NamePart, Offset: -1, Rune: -1, Err: headers.ErrDuplicate}}
}

// validHost reports whether h is a DNS name, an IPv4 address or a bracketed
// IPv6 address, followed optionally by ":port".
func validHost(h string) bool {
	if strings.HasPrefix(h, "[") {
		end := strings.IndexByte(h, ']')
		if end < 0 {
			return false
		}
		ip, err := netip.ParseAddr(h[1:end])
		if err != nil || !ip.Is6() || ip.Zone() != "" {
			return false
		}
		return validPort(h[end+1:])
	}
	name := h
	if colon := strings.IndexByte(h, ':'); colon >= 0 {
		name = h[:colon]
		if !validPort(h[colon:]) {
			return false
		}
	}
	return validDNSName(name)
}

// validPort reports whether s is empty or ":" followed by a port 1–65535.
func validPort(s string) bool {
	if s == "" {
		return true
	}
	if s[0] != ':' || len(s) < 2 || len(s) > 6 || s[1] == '0' {
		return false
	}
	n, err := strconv.ParseUint(s[1:], 10, 16)
	return err == nil && n > 0
}

// validDNSName reports whether s is a host name or an IPv4 address (RFC
// 3261 §25.1): labels of letters, digits and hyphens, none empty, none
// starting or ending with a hyphen, and a last label that starts with a
// letter; a name whose last label starts with a digit must be an IPv4
// address, four numbers up to 255 without leading zeros.
func validDNSName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	if last := s[strings.LastIndexByte(s, '.')+1:]; last != "" && '0' <= last[0] && last[0] <= '9' {
		ip, err := netip.ParseAddr(s)
		return err == nil && ip.Is4()
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// lowerASCII returns s with ASCII letters lowered, s itself if it has none
// in upper case.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

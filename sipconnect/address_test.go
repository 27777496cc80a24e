package sipconnect_test

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/headers"
	"github.com/hmssip/interconnect-go/roomcode"
	"github.com/hmssip/interconnect-go/sipconnect"
)

// exampleAddress is the example address of REFERENCE.md §1.
const exampleAddress = "sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20Doe&X-100ms-UserID=xyz"

func TestNewAddressExample(t *testing.T) {
	a, err := sipconnect.NewAddress("abc-defg-hij",
		sipconnect.WithDisplayName("John Doe"), sipconnect.WithUserID("xyz"))
	require.NoError(t, err)
	assert.Equal(t, exampleAddress, a.String())
	assert.Equal(t, exampleAddress, string(a.AppendTo(nil)))
	text, err := a.MarshalText()
	require.NoError(t, err)
	assert.Equal(t, exampleAddress, string(text))
}

func TestNewAddress(t *testing.T) {
	long := strings.Repeat("a", 200)
	tests := []struct {
		name string
		code string
		opts []sipconnect.AddressOption
		want string
	}{
		{"bare", "abc-defg-hij", nil, "sip:abc-defg-hij@sip.100ms.live"},
		{"3-3-3", "hkj-sdf-fda", nil, "sip:hkj-sdf-fda@sip.100ms.live"},
		{"case kept in the user part", "Abc-DEFG-hij", nil, "sip:Abc-DEFG-hij@sip.100ms.live"},
		{"user id only", "abc-defg-hij", []sipconnect.AddressOption{sipconnect.WithUserID("u-1")},
			"sip:abc-defg-hij@sip.100ms.live?X-100ms-UserID=u-1"},
		{"empty values omitted", "abc-defg-hij", []sipconnect.AddressOption{
			sipconnect.WithDisplayName(""), sipconnect.WithUserID(""), sipconnect.WithHeader("X-Empty", "")},
			"sip:abc-defg-hij@sip.100ms.live"},
		{"header order: 100ms first, custom in order given", "abc-defg-hij", []sipconnect.AddressOption{
			sipconnect.WithHeader("X-B", "2"), sipconnect.WithUserID("u"), sipconnect.WithHeader("X-A", "1"),
			sipconnect.WithDisplayName("n")},
			"sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=n&X-100ms-UserID=u&X-B=2&X-A=1"},
		{"later option wins", "abc-defg-hij", []sipconnect.AddressOption{
			sipconnect.WithDisplayName("a"), sipconnect.WithDisplayName("b")},
			"sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=b"},
		{"vectors", "abc-defg-hij", []sipconnect.AddressOption{
			sipconnect.WithDisplayName("José Müller"), sipconnect.WithUserID("Tom&Jerry=1+1?%"),
			sipconnect.WithHeader("X-Emoji", "😀")},
			"sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=Jos%C3%A9%20M%C3%BCller&X-100ms-UserID=Tom%26Jerry%3D1%2B1%3F%25&X-Emoji=%F0%9F%98%80"},
		{"host, port and transport", "abc-defg-hij", []sipconnect.AddressOption{
			sipconnect.WithHost("SIP.Example.COM:5061"), sipconnect.WithTransport(sipconnect.TransportTLS)},
			"sip:abc-defg-hij@sip.example.com:5061;transport=tls"},
		{"IPv4 host", "abc-defg-hij", []sipconnect.AddressOption{sipconnect.WithHost("192.0.2.10:5060"),
			sipconnect.WithTransport("UDP")},
			"sip:abc-defg-hij@192.0.2.10:5060;transport=udp"},
		{"IPv6 host", "abc-defg-hij", []sipconnect.AddressOption{sipconnect.WithHost("[2001:db8::1]:5060")},
			"sip:abc-defg-hij@[2001:db8::1]:5060"},
		{"headers part at the limit", "abc-defg-hij", []sipconnect.AddressOption{
			sipconnect.WithHeader("X-A", long), sipconnect.WithHeader("X-B", long),
			sipconnect.WithHeader("X-C", long), sipconnect.WithHeader("X-D", long),
			sipconnect.WithHeader("X-E", strings.Repeat("b", 1023-4*205-4))},
			"sip:abc-defg-hij@sip.100ms.live?X-A=" + long + "&X-B=" + long + "&X-C=" + long + "&X-D=" + long +
				"&X-E=" + strings.Repeat("b", 1023-4*205-4)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := sipconnect.NewAddress(tt.code, tt.opts...)
			require.NoError(t, err)
			assert.Equal(t, tt.want, a.String())
			back, err := sipconnect.ParseAddress(a.String())
			require.NoError(t, err)
			assert.True(t, a.Equal(back), "parse of %s gave %s", a, back)
			assert.Equal(t, a, back)
		})
	}
}

// hostile lists inputs an attacker or a careless caller might send, each with
// the field it must be refused for and the reason. Anything accepted must
// render an address whose headers are exactly the ones the caller set.
var hostile = []struct {
	name   string
	code   string
	opts   []sipconnect.AddressOption
	field  string // "" when accepted
	reason error
}{
	// Header values.
	{"CR in name", "abc-defg-hij", dn("John\rDoe"), headers.DisplayName, headers.ErrControl},
	{"LF in name", "abc-defg-hij", dn("John\nVia: x"), headers.DisplayName, headers.ErrControl},
	{"CRLF in user id", "abc-defg-hij", uid("u\r\nX-Evil: 1"), headers.UserID, headers.ErrControl},
	{"NUL", "abc-defg-hij", dn("a\x00b"), headers.DisplayName, headers.ErrControl},
	{"TAB", "abc-defg-hij", dn("a\tb"), headers.DisplayName, headers.ErrControl},
	{"DEL", "abc-defg-hij", dn("a\x7fb"), headers.DisplayName, headers.ErrControl},
	{"C1 NEL", "abc-defg-hij", dn("a\u0085b"), headers.DisplayName, headers.ErrControl},
	{"C1 CSI", "abc-defg-hij", uid("\u009b31m"), headers.UserID, headers.ErrControl},
	{"invalid UTF-8", "abc-defg-hij", dn("Jos\xe9"), headers.DisplayName, headers.ErrInvalidUTF8},
	{"overlong UTF-8 slash", "abc-defg-hij", dn("\xc0\xaf"), headers.DisplayName, headers.ErrInvalidUTF8},
	{"U+FFFE", "abc-defg-hij", dn("a\uFFFE"), headers.DisplayName, headers.ErrNoncharacter},
	{"U+FFFF", "abc-defg-hij", uid("\uFFFF"), headers.UserID, headers.ErrNoncharacter},
	{"over-long value", "abc-defg-hij", dn(strings.Repeat("x", headers.MaxValueLen+1)), headers.DisplayName, headers.ErrTooLong},
	{"custom value with LF", "abc-defg-hij", hdr("X-Tenant", "a\nb"), "X-Tenant", headers.ErrControl},
	{"ampersand injection", "abc-defg-hij", dn("x&X-100ms-UserID=admin"), "", nil},
	{"equals", "abc-defg-hij", dn("a=b"), "", nil},
	{"question mark", "abc-defg-hij", dn("a?b"), "", nil},
	{"percent", "abc-defg-hij", dn("100%"), "", nil},
	{"pre-escaped", "abc-defg-hij", dn("%0D%0A"), "", nil},
	{"plus", "abc-defg-hij", uid("+14155550100"), "", nil},
	{"semicolon", "abc-defg-hij", dn("a;transport=tcp"), "", nil},
	{"at", "abc-defg-hij", dn("a@evil.example"), "", nil},
	{"angle brackets", "abc-defg-hij", dn("<sip:evil@x>"), "", nil},
	{"double quote", "abc-defg-hij", dn(`"quoted"`), "", nil},
	{"space", "abc-defg-hij", uid("a b"), "", nil},
	// Room codes.
	{"empty room code", "", nil, "room code", roomcode.ErrEmptyCode},
	{"over-long room code", strings.Repeat("a", 30) + "-" + strings.Repeat("b", 30) + "-" + strings.Repeat("c", 30), nil, "room code", roomcode.ErrCodeLength},
	{"room id as code", "63f4a1b2c3d4e5f6a7b8c9d0", nil, "room code", roomcode.ErrRoomID},
	{"room id, docs style", "329ek8g8f2e4g30487862vdb", nil, "room code", roomcode.ErrRoomID},
	{"at in room code", "abc-defg-hij@evil.example", nil, "room code", roomcode.ErrCodeFormat},
	{"semicolon in room code", "abc-defg-hij;transport=tcp", nil, "room code", roomcode.ErrCodeFormat},
	{"question mark in room code", "abc-defg-hij?X-100ms-UserID=admin", nil, "room code", roomcode.ErrCodeFormat},
	{"colon in room code", "sip:abc-defg-hij", nil, "room code", roomcode.ErrCodeFormat},
	{"slash in room code", "abc/defg-hij", nil, "room code", roomcode.ErrCodeFormat},
	{"space in room code", "abc-defg-hij ", nil, "room code", roomcode.ErrCodeFormat},
	{"inner space in room code", "abc defg-hij", nil, "room code", roomcode.ErrCodeFormat},
	{"CRLF in room code", "abc-defg-hij\r\n", nil, "room code", roomcode.ErrCodeFormat},
	{"digits in room code", "abc-d3fg-hij", nil, "room code", roomcode.ErrCodeFormat},
	{"two groups", "abc-defg", nil, "room code", roomcode.ErrCodeFormat},
	{"four groups", "abc-defg-hij-klm", nil, "room code", roomcode.ErrCodeFormat},
	{"empty group", "abc--hij", nil, "room code", roomcode.ErrCodeFormat},
	{"trailing hyphen", "abc-defg-", nil, "room code", roomcode.ErrCodeFormat},
	{"non-ASCII letter", "abc-défg-hij", nil, "room code", roomcode.ErrCodeFormat},
	{"uppercase room code", "ABC-DEFG-HIJ", nil, "", nil},
	// Custom header names.
	{"header body", "abc-defg-hij", hdr("body", "x"), "body", headers.ErrNotExtension},
	{"header Via", "abc-defg-hij", hdr("Via", "SIP/2.0/UDP evil"), "Via", headers.ErrNotExtension},
	{"header X-Twilio-Foo", "abc-defg-hij", hdr("X-Twilio-Foo", "x"), "X-Twilio-Foo", headers.ErrTwilioPrefix},
	{"header X Foo", "abc-defg-hij", hdr("X Foo", "x"), "X Foo", headers.ErrNameChar},
	{"header name with =", "abc-defg-hij", hdr("X-A=b&X-100ms-UserID", "x"), "X-A=b&X-100ms-UserID", headers.ErrNameChar},
	{"header name with CRLF", "abc-defg-hij", hdr("X-A\r\nVia", "x"), "X-A\r\nVia", headers.ErrNameChar},
	{"empty header name", "abc-defg-hij", hdr("", "x"), "header name", headers.ErrEmptyName},
	{"100ms name as custom header", "abc-defg-hij", hdr("x-100ms-display-name", "x"), "x-100ms-display-name", headers.ErrReservedName},
	{"duplicate differing in case", "abc-defg-hij", append(hdr("X-Tenant", "a"), hdr("x-TENANT", "b")...), "x-TENANT", headers.ErrDuplicate},
	// Hosts, transports and lengths.
	{"host with user part", "abc-defg-hij", host("evil@example.com"), "host", sipconnect.ErrHost},
	{"host with path", "abc-defg-hij", host("example.com/x"), "host", sipconnect.ErrHost},
	{"host with params", "abc-defg-hij", host("example.com;lr"), "host", sipconnect.ErrHost},
	{"empty host", "abc-defg-hij", host(""), "host", sipconnect.ErrHost},
	{"port zero", "abc-defg-hij", host("example.com:0"), "host", sipconnect.ErrHost},
	{"port too large", "abc-defg-hij", host("example.com:65536"), "host", sipconnect.ErrHost},
	{"IPv6 zone", "abc-defg-hij", host("[fe80::1%25eth0]"), "host", sipconnect.ErrHost},
	// A last label that starts with a digit is no host name (RFC 3261
	// §25.1, toplabel), so the host must be an IPv4 address.
	{"five numbers", "abc-defg-hij", host("1.2.3.4.5"), "host", sipconnect.ErrHost},
	{"one number", "abc-defg-hij", host("123"), "host", sipconnect.ErrHost},
	{"three numbers", "abc-defg-hij", host("10.0.0"), "host", sipconnect.ErrHost},
	{"number over 255", "abc-defg-hij", host("10.0.0.256"), "host", sipconnect.ErrHost},
	{"top label a number", "abc-defg-hij", host("sip.example.9com"), "host", sipconnect.ErrHost},
	{"bad transport", "abc-defg-hij", []sipconnect.AddressOption{sipconnect.WithTransport("sctp")}, "transport", sipconnect.ErrTransport},
	{"headers part past 1023 bytes", "abc-defg-hij", []sipconnect.AddressOption{
		sipconnect.WithDisplayName(strings.Repeat("é", 128)), sipconnect.WithUserID(strings.Repeat("é", 128))},
		"headers", sipconnect.ErrTooLong},
	{"address part past 254 bytes", "abc-defg-hij", host(strings.Repeat("a", 60) + "." + strings.Repeat("b", 60) + "." +
		strings.Repeat("c", 60) + "." + strings.Repeat("d", 60)), "address", sipconnect.ErrTooLong},
}

func dn(s string) []sipconnect.AddressOption {
	return []sipconnect.AddressOption{sipconnect.WithDisplayName(s)}
}
func uid(s string) []sipconnect.AddressOption {
	return []sipconnect.AddressOption{sipconnect.WithUserID(s)}
}
func host(s string) []sipconnect.AddressOption {
	return []sipconnect.AddressOption{sipconnect.WithHost(s)}
}
func hdr(name, value string) []sipconnect.AddressOption {
	return []sipconnect.AddressOption{sipconnect.WithHeader(name, value)}
}

func TestHostileInputs(t *testing.T) {
	require.GreaterOrEqual(t, len(hostile), 40)
	for _, tt := range hostile {
		t.Run(tt.name, func(t *testing.T) {
			a, err := sipconnect.NewAddress(tt.code, tt.opts...)
			if tt.reason != nil {
				var se *sipconnect.Error
				require.ErrorAs(t, err, &se)
				assert.Equal(t, tt.field, se.Field)
				assert.ErrorIs(t, err, tt.reason)
				assert.True(t, a.IsZero(), "nothing half-built")
				if strings.ContainsAny(tt.field, "\r\n\x00") {
					assert.Contains(t, err.Error(), strconv.Quote(tt.field), "a field that is not printable is quoted")
				} else {
					assert.Contains(t, err.Error(), tt.field)
				}
				assert.NotContains(t, err.Error(), "\n", "one line")
				assert.NotContains(t, err.Error(), "\r", "one line")
				return
			}
			require.NoError(t, err)
			assertNoInjection(t, a)
		})
	}
}

// assertNoInjection checks that a's rendering holds exactly the headers a was
// given, with their values intact, and nothing a SIP parser would split on.
func assertNoInjection(t *testing.T, a sipconnect.Address) {
	t.Helper()
	s := a.String()
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] >= 0x7f || strings.IndexByte(`"<>`, s[i]) >= 0 {
			t.Fatalf("%q holds byte %q", s, s[i])
		}
	}
	base, query, _ := strings.Cut(s, "?")
	assert.Equal(t, 1, strings.Count(base, "@"), "one '@' in %s", s)
	assert.Equal(t, strings.Count(base, ";"), boolToInt(a.Transport() != ""), "params in %s", s)
	want := 0
	if a.DisplayName() != "" {
		want++
	}
	if a.UserID() != "" {
		want++
	}
	want += len(a.Headers())
	if query == "" {
		assert.Zero(t, want)
	} else {
		assert.Len(t, strings.Split(query, "&"), want, "headers in %s", s)
	}
	back, err := sipconnect.ParseAddress(s)
	require.NoError(t, err)
	assert.Equal(t, a, back)
}

func boolToInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestParseAddress(t *testing.T) {
	tests := []struct {
		in       string
		want     string // canonical String(); "" when an error is expected
		field    string
		reason   error
		name, id string
	}{
		{in: exampleAddress, want: exampleAddress, name: "John Doe", id: "xyz"},
		{in: "SIP:abc-defg-hij@SIP.100MS.LIVE?x-100ms-display-name=John%20doe&X-100MS-USERID=xyz",
			want: "sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20doe&X-100ms-UserID=xyz", name: "John doe", id: "xyz"},
		{in: "sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=Jos%c3%a9", want: "sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=Jos%C3%A9", name: "José"},
		{in: "sip:abc-defg-hij@sip.100ms.live?X-100ms-UserID=+1415", want: "sip:abc-defg-hij@sip.100ms.live?X-100ms-UserID=%2B1415", id: "+1415"},
		{in: "sip:abc-defg-hij@sip.100ms.live?X-100ms-UserID=a:b/c[d]$", want: "sip:abc-defg-hij@sip.100ms.live?X-100ms-UserID=a%3Ab%2Fc%5Bd%5D%24", id: "a:b/c[d]$"},
		{in: "sip:abc-defg-hij@sip.100ms.live;transport=TCP", want: "sip:abc-defg-hij@sip.100ms.live;transport=tcp"},
		{in: "sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=&X-Foo=1", want: "sip:abc-defg-hij@sip.100ms.live?X-Foo=1"},
		{in: "sips:abc-defg-hij@sip.100ms.live", field: "address", reason: sipconnect.ErrScheme},
		{in: "tel:+14155550100", field: "address", reason: sipconnect.ErrScheme},
		{in: "", field: "address", reason: sipconnect.ErrScheme},
		{in: "sip:abc-defg-hij", field: "address", reason: sipconnect.ErrSyntax},
		{in: "sip:@sip.100ms.live", field: "room code", reason: roomcode.ErrEmptyCode},
		{in: "sip:abc-defg-hij@sip.100ms.live?", field: "headers", reason: sipconnect.ErrSyntax},
		{in: "sip:abc-defg-hij@sip.100ms.live?X-Foo", field: "headers", reason: sipconnect.ErrSyntax},
		{in: "sip:abc-defg-hij@sip.100ms.live?X-Foo=1&", field: "headers", reason: sipconnect.ErrSyntax},
		{in: "sip:abc-defg-hij@sip.100ms.live?=1", field: "headers", reason: sipconnect.ErrSyntax},
		{in: "sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%2", field: "headers", reason: headers.ErrInvalidEscaping},
		{in: "sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%zzDoe", field: "headers", reason: headers.ErrInvalidEscaping},
		{in: "sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John Doe", field: "headers", reason: headers.ErrInvalidEscaping},
		{in: "sip:abc-defg-hij@sip.100ms.live?X%2=1", field: "header name", reason: headers.ErrInvalidEscaping},
		{in: "sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=a%0D%0AVia:%20x", field: headers.DisplayName, reason: headers.ErrControl},
		{in: "sip:abc-defg-hij@sip.100ms.live?X-100ms-UserID=a&x-100ms-userid=b", field: "x-100ms-userid", reason: headers.ErrDuplicate},
		{in: "sip:abc-defg-hij@sip.100ms.live?Via=x", field: "Via", reason: headers.ErrNotExtension},
		{in: "sip:abc-defg-hij@sip.100ms.live?X%20Foo=x", field: "X Foo", reason: headers.ErrNameChar},
		{in: "sip:abc-defg-hij@sip.100ms.live;lr", field: "address", reason: sipconnect.ErrSyntax},
		{in: "sip:abc-defg-hij@sip.100ms.live;transport=tcp;transport=udp", field: "address", reason: sipconnect.ErrSyntax},
		{in: "sip:abc-defg-hij@sip.100ms.live;transport=", field: "transport", reason: sipconnect.ErrTransport},
		{in: "sip:abc-defg-hij@sip.100ms.live;transport=ws", field: "transport", reason: sipconnect.ErrTransport},
		{in: "sip:abc-defg-hij@evil@sip.100ms.live", field: "host", reason: sipconnect.ErrHost},
		{in: "sip:63f4a1b2c3d4e5f6a7b8c9d0@sip.100ms.live", field: "room code", reason: roomcode.ErrRoomID},
		{in: "sip:abc-defg-hij:pw@sip.100ms.live", field: "room code", reason: roomcode.ErrCodeFormat},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			a, err := sipconnect.ParseAddress(tt.in)
			if tt.reason != nil {
				var se *sipconnect.Error
				require.ErrorAs(t, err, &se)
				assert.Equal(t, tt.field, se.Field)
				assert.ErrorIs(t, err, tt.reason)
				assert.True(t, a.IsZero())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, a.String())
			assert.Equal(t, tt.name, a.DisplayName())
			assert.Equal(t, tt.id, a.UserID())
			var u sipconnect.Address
			require.NoError(t, u.UnmarshalText([]byte(tt.in)))
			assert.Equal(t, a, u)
		})
	}
}

func TestUnmarshalTextLeavesValueOnError(t *testing.T) {
	a, err := sipconnect.NewAddress("abc-defg-hij")
	require.NoError(t, err)
	before := a
	require.Error(t, a.UnmarshalText([]byte("sip:bad")))
	assert.Equal(t, before, a)
}

func TestAddressAccessors(t *testing.T) {
	a, err := sipconnect.NewAddress("abc-defg-hij", sipconnect.WithDisplayName("n"),
		sipconnect.WithHeader("X-Tenant", "acme"), sipconnect.WithTransport(sipconnect.TransportTCP))
	require.NoError(t, err)
	assert.Equal(t, "abc-defg-hij", a.RoomCode())
	assert.Equal(t, sipconnect.DefaultHost, a.Host())
	assert.Equal(t, sipconnect.TransportTCP, a.Transport())
	v, ok := a.Header("x-100ms-display-name")
	assert.True(t, ok)
	assert.Equal(t, "n", v)
	_, ok = a.Header(headers.UserID)
	assert.False(t, ok)
	v, ok = a.Header("X-TENANT")
	assert.True(t, ok)
	assert.Equal(t, "acme", v)

	hs := a.Headers()
	hs[0].Value = "changed"
	v, _ = a.Header("X-Tenant")
	assert.Equal(t, "acme", v, "Headers returns a copy")

	var zero sipconnect.Address
	assert.True(t, zero.IsZero())
	assert.Empty(t, zero.String())
	assert.False(t, zero.Equal(a))
}

func TestErrorMessages(t *testing.T) {
	_, err := sipconnect.NewAddress("abc-defg-hij", sipconnect.WithDisplayName("John\r\nDoe"))
	assert.EqualError(t, err, "sipconnect: invalid X-100ms-Display-Name: control character U+000D at byte 4")
	_, err = sipconnect.NewAddress("63f4a1b2c3d4e5f6a7b8c9d0")
	assert.EqualError(t, err, "sipconnect: invalid room code: "+roomcode.ErrRoomID.Error())
	assert.Contains(t, err.Error(), "this is a room id, not a room code")
}

// TestErrorMessagesAndFields checks, for each kind of failure, the exact
// message (lengths come with their limit) and that the Field it sets is one
// that Error's documentation lists.
func TestErrorMessagesAndFields(t *testing.T) {
	doc := errorTypeDoc(t)
	longName := "X-" + strings.Repeat("a", 98)
	newAddr := func(code string, opts ...sipconnect.AddressOption) error {
		_, err := sipconnect.NewAddress(code, opts...)
		return err
	}
	parse := func(s string) error {
		_, err := sipconnect.ParseAddress(s)
		return err
	}
	tests := []struct {
		name     string
		err      error
		field    string
		isHeader bool // Field is the name of the header at fault
		reason   error
		want     string // the exact message, or "" for any
	}{
		{"over-long display name", newAddr("abc-defg-hij", sipconnect.WithDisplayName(strings.Repeat("x", 300))),
			headers.DisplayName, true, headers.ErrTooLong, "sipconnect: invalid X-100ms-Display-Name: too long: 300 bytes, at most 256"},
		{"over-long user id", newAddr("abc-defg-hij", sipconnect.WithUserID(strings.Repeat("x", 257))),
			headers.UserID, true, headers.ErrTooLong, "sipconnect: invalid X-100ms-UserID: too long: 257 bytes, at most 256"},
		{"over-long custom header name", newAddr("abc-defg-hij", sipconnect.WithHeader(longName, "x")),
			longName, true, headers.ErrTooLong, "sipconnect: invalid " + longName + ": too long: 100 bytes, at most 64"},
		{"over-long custom header value", newAddr("abc-defg-hij", sipconnect.WithHeader("X-Tenant", strings.Repeat("x", 300))),
			"X-Tenant", true, headers.ErrTooLong, "sipconnect: invalid X-Tenant: too long: 300 bytes, at most 256"},
		{"empty custom header name", newAddr("abc-defg-hij", sipconnect.WithHeader("", "x")),
			"header name", false, headers.ErrEmptyName, "sipconnect: invalid header name: empty header name"},
		{"header name with a line break", newAddr("abc-defg-hij", sipconnect.WithHeader("X-A\r\nVia", "x")),
			"X-A\r\nVia", true, headers.ErrNameChar, `sipconnect: invalid "X-A\r\nVia": character not allowed in a header name U+000D at byte 3`},
		{"custom header name not X-", newAddr("abc-defg-hij", sipconnect.WithHeader("Via", "x")),
			"Via", true, headers.ErrNotExtension, `sipconnect: invalid Via: custom header name must start with "X-"`},
		{"repeated header", parse("sip:abc-defg-hij@sip.100ms.live?X-100ms-UserID=a&x-100ms-userid=b"),
			"x-100ms-userid", true, headers.ErrDuplicate, ""},
		{"room code", newAddr(""), "room code", false, roomcode.ErrEmptyCode, ""},
		{"host", newAddr("abc-defg-hij", sipconnect.WithHost("")), "host", false, sipconnect.ErrHost, ""},
		{"transport", newAddr("abc-defg-hij", sipconnect.WithTransport("sctp")), "transport", false, sipconnect.ErrTransport, ""},
		{"address too long", newAddr("abc-defg-hij", sipconnect.WithHost(strings.Repeat("a", 60)+"."+strings.Repeat("b", 60)+"."+
			strings.Repeat("c", 60)+"."+strings.Repeat("d", 60))), "address", false, sipconnect.ErrTooLong,
			"sipconnect: invalid address: too long for Twilio: 260 bytes before '?', at most 254"},
		{"scheme", parse("tel:+14155550100"), "address", false, sipconnect.ErrScheme, ""},
		{"headers too long", newAddr("abc-defg-hij", sipconnect.WithDisplayName(strings.Repeat("é", 128)),
			sipconnect.WithUserID(strings.Repeat("é", 128))), "headers", false, sipconnect.ErrTooLong,
			"sipconnect: invalid headers: too long for Twilio: 1573 bytes after '?', at most 1023"},
		{"header value escaping", parse("sip:abc-defg-hij@sip.100ms.live?X-Tenant=a%2"), "headers", false, headers.ErrInvalidEscaping, ""},
		{"header name escaping", parse("sip:abc-defg-hij@sip.100ms.live?X%2=1"), "header name", false, headers.ErrInvalidEscaping, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var se *sipconnect.Error
			require.ErrorAs(t, tt.err, &se)
			assert.Equal(t, tt.field, se.Field)
			assert.ErrorIs(t, tt.err, tt.reason)
			if tt.want != "" {
				assert.EqualError(t, tt.err, tt.want)
			}
			if tt.isHeader {
				var he *headers.Error
				require.ErrorAs(t, tt.err, &he)
				assert.Equal(t, he.Name, se.Field)
				assert.Contains(t, doc, "the name of the header at fault")
			} else {
				assert.Contains(t, doc, `"`+se.Field+`"`, "Field %q is not documented", se.Field)
			}
		})
	}
}

// errorTypeDoc returns the doc comment of sipconnect.Error.
func errorTypeDoc(t *testing.T) string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "errors.go", nil, parser.ParseComments)
	require.NoError(t, err)
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.TYPE {
			for _, s := range g.Specs {
				if s.(*ast.TypeSpec).Name.Name == "Error" {
					// Join the lines so a phrase split across them still matches.
					return strings.Join(strings.Fields(g.Doc.Text()), " ")
				}
			}
		}
	}
	t.Fatal("no type Error in errors.go")
	return ""
}

func FuzzAddressRoundTrip(f *testing.F) {
	f.Add("abc-defg-hij", "John Doe", "xyz", "X-Tenant", "acme")
	f.Add("abc-defg-hij", "Tom&Jerry=1+1?%", "José Müller", "X-Emoji", "😀")
	f.Add("abc-defg-hij", "x&X-100ms-UserID=admin", "a\r\nb", "X-A", "%0D%0A")
	f.Add("ABC-def-G", "", "", "Via", "x")
	f.Fuzz(func(t *testing.T, code, name, id, hname, hvalue string) {
		a, err := sipconnect.NewAddress(code, sipconnect.WithDisplayName(name), sipconnect.WithUserID(id),
			sipconnect.WithHeader(hname, hvalue))
		if err != nil {
			var se *sipconnect.Error
			if !errors.As(err, &se) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		back, err := sipconnect.ParseAddress(a.String())
		if err != nil {
			t.Fatalf("ParseAddress(%q): %v", a.String(), err)
		}
		if back.RoomCode() != code || back.DisplayName() != name || back.UserID() != id {
			t.Fatalf("round trip of %q changed the parts", a.String())
		}
		if v, _ := back.Header(hname); v != hvalue {
			t.Fatalf("round trip of %q changed %s", a.String(), hname)
		}
		if !back.Equal(a) {
			t.Fatalf("round trip of %q: %q", a.String(), back.String())
		}
	})
}

func FuzzParseAddress(f *testing.F) {
	f.Add(exampleAddress)
	f.Add("sip:abc-defg-hij@sip.100ms.live;transport=tcp?X-Foo=%2B&x-100ms-userid=a")
	f.Add("sip:abc-defg-hij@[::1]:5060?X-100ms-Display-Name=%0D%0A")
	f.Add("sip:abc-defg-hij@h?X-A=1&X-a=2")
	f.Add("sip:a-b-c@h?%")
	f.Fuzz(func(t *testing.T, s string) {
		a, err := sipconnect.ParseAddress(s)
		if err != nil {
			return
		}
		again, err := sipconnect.ParseAddress(a.String())
		if err != nil {
			t.Fatalf("ParseAddress(%q) ok, but its String %q fails: %v", s, a.String(), err)
		}
		if !again.Equal(a) || again.String() != a.String() {
			t.Fatalf("%q -> %q -> %q", s, a.String(), again.String())
		}
	})
}

func BenchmarkNewAddressString(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		a, err := sipconnect.NewAddress("abc-defg-hij",
			sipconnect.WithDisplayName("John Doe"), sipconnect.WithUserID("xyz"))
		if err != nil {
			b.Fatal(err)
		}
		if len(a.String()) != len(exampleAddress) {
			b.Fatal("wrong length")
		}
	}
}

func BenchmarkNewAddressAppendTo(b *testing.B) {
	b.ReportAllocs()
	buf := make([]byte, 0, 256)
	for b.Loop() {
		a, err := sipconnect.NewAddress("abc-defg-hij",
			sipconnect.WithDisplayName("John Doe"), sipconnect.WithUserID("xyz"))
		if err != nil {
			b.Fatal(err)
		}
		buf = a.AppendTo(buf[:0])
	}
}

func BenchmarkParseAddress(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		a, err := sipconnect.ParseAddress(exampleAddress)
		if err != nil || a.DisplayName() != "John Doe" {
			b.Fatal(err)
		}
	}
}

func TestAllocationBudgets(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage instrumentation allocates")
	}
	build := testing.AllocsPerRun(200, func() {
		a, _ := sipconnect.NewAddress("abc-defg-hij", sipconnect.WithDisplayName("John Doe"), sipconnect.WithUserID("xyz"))
		_ = a.String()
	})
	assert.LessOrEqual(t, build, 2.0, "build + String")
	parse := testing.AllocsPerRun(200, func() { _, _ = sipconnect.ParseAddress(exampleAddress) })
	assert.LessOrEqual(t, parse, 4.0, "parse")
}

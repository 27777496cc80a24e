package sipout_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/headers"
	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/sipout"
)

// TestBadInputSendsNothing checks that every argument that cannot be right
// is refused with an *hmsapi.InputError naming it, and that nothing reaches
// the API.
func TestBadInputSendsNothing(t *testing.T) {
	srv := hmstest.NewServer(hmstest.WithRoom(roomID, "host"), hmstest.WithCode(roomID, "host", roomCode, true))
	t.Cleanup(srv.Close)
	api, err := hmsapi.New(hmsapi.WithBaseURL(srv.URL), hmsapi.WithAppCredentials(srv.AccessKey(), srv.AppSecret()))
	require.NoError(t, err)
	t.Cleanup(api.CloseIdleConnections)
	c := sipout.NewClient(api)
	ctx := context.Background()

	call := func(mod func(*sipout.CallRequest)) func() error {
		return func() error {
			r := sipout.CallRequest{To: "+14155550100", RoomCode: roomCode, TrunkID: "trunk-1"}
			mod(&r)
			_, err := c.Call(ctx, r)
			return err
		}
	}
	withHeaders := func(fs ...headers.Field) func() error {
		return call(func(r *sipout.CallRequest) { r.Headers = fs })
	}
	to := func(s string) func() error { return call(func(r *sipout.CallRequest) { r.To = s }) }
	goodTrunk := sipout.Trunk{Username: "u", Password: "pw", Address: "example.pstn.twilio.com", From: "+14155550100"}
	trunk := func(mod func(*sipout.Trunk)) func() error {
		return func() error {
			tr := goodTrunk
			mod(&tr)
			_, err := c.CreateTrunk(ctx, tr)
			return err
		}
	}
	address := func(s string) func() error { return trunk(func(t *sipout.Trunk) { t.Address = s }) }
	dtmf := func(digits string) func() error {
		return func() error { return c.SendDTMF(ctx, sipout.DTMFRequest{RoomID: roomID, Digits: digits}) }
	}

	tests := []struct {
		name   string
		do     func() error
		field  string
		reason string
	}{
		{"to without +", to("12345"), "to", "neither an E.164 number"},
		{"to with punctuation", to("+1 (555) 0100"), "to", "' ' at byte 2"},
		{"to with dashes", to("+1-555-0100"), "to", "'-' at byte 2"},
		{"to with leading 0", to("+0441234"), "to", "cannot start with 0"},
		{"to of 16 digits", to("+1234567890123456"), "to", "16 digits"},
		{"to of +", to("+"), "to", "no digits"},
		{"to empty", to(""), "to", "empty"},
		{"to tel URI", to("tel:+14155550100"), "to", "neither"},
		{"SIP URI with a space", to("sip:al ice@example.com"), "to", "' ' at byte 6"},
		{"SIP URI with CRLF", to("sip:alice@example.com\r\nVia: x"), "to", "U+000D"},
		{"SIP URI without user", to("sip:@example.com"), "to", "empty user"},
		{"SIP URI without @", to("sips:example.com"), "to", "without '@'"},
		{"SIP URI with a bad host", to("sip:alice@exa_mple.com"), "to", "host of the SIP URI"},
		{"SIP URI with a bad port", to("sip:alice@example.com:0"), "to", "port"},
		{"to too long", to("sip:" + strings.Repeat("a", 300) + "@example.com"), "to", "at most 256"},
		{"SIP URI headers smuggling Call-ID and Route", to("sip:bob@example.com?Call-ID=x&Route=%3Csip:evil%3E"), "to",
			"URI headers are not allowed in to; use CallRequest.Headers"},
		{"SIP URI header with encoded CRLF", to("sip:bob@example.com?X-A=%0D%0AVia:%20evil"), "to", "URI headers are not allowed"},
		{"SIP URI empty headers", to("sip:bob@example.com?"), "to", "URI headers are not allowed"},
		{"SIP URI headers after parameters", to("sip:bob@example.com;transport=tcp?X-A=1"), "to", "URI headers are not allowed"},
		{"SIP URI '?' in the user part", to("sip:bob?X-A=1@example.com"), "to", "URI headers are not allowed"},
		{"SIP URI encoded CRLF user", to("sip:%0D%0A@example.com"), "to", "percent-encoded control character %0D at byte 4"},
		{"SIP URI encoded lower-case LF", to("sip:bob%0a@example.com"), "to", "percent-encoded control character %0a"},
		{"SIP URI encoded NUL", to("sip:bob%00@example.com"), "to", "percent-encoded control character %00"},
		{"SIP URI encoded unit separator", to("sip:bob%1F@example.com"), "to", "percent-encoded control character %1F"},
		{"SIP URI encoded DEL", to("sip:bob%7f@example.com"), "to", "percent-encoded control character %7f"},
		{"SIP URI encoded CR in a parameter", to("sip:bob@example.com;x=%0D"), "to", "percent-encoded control character %0D"},
		{"SIP URI broken escape", to("sip:bob%0@example.com"), "to", "'%' not followed by two hex digits"},
		{"SIP URI escape at the end", to("sip:bob@example.com;x=%"), "to", "'%' not followed by two hex digits"},
		{"room id as room code", call(func(r *sipout.CallRequest) { r.RoomCode = roomID }), "room code", "this is a room id, not a room code"},
		{"malformed room code", call(func(r *sipout.CallRequest) { r.RoomCode = "abc-defg" }), "room code", "three hyphen-separated groups"},
		{"empty room code", call(func(r *sipout.CallRequest) { r.RoomCode = "" }), "room code", "empty room code"},
		{"empty trunk id", call(func(r *sipout.CallRequest) { r.TrunkID = "" }), "trunk id", "empty"},
		{"dot-segment trunk id", call(func(r *sipout.CallRequest) { r.TrunkID = ".." }), "trunk id", "dot-segment"},
		{"name with LF", call(func(r *sipout.CallRequest) { r.Name = "Al\nice" }), "name", "control character U+000A at byte 2"},
		{"name invalid UTF-8", call(func(r *sipout.CallRequest) { r.Name = "Al\xffice" }), "name", "invalid UTF-8"},
		{"name too long", call(func(r *sipout.CallRequest) { r.Name = strings.Repeat("n", 257) }), "name", "at most 256"},
		{"user id with C1 control", call(func(r *sipout.CallRequest) { r.UserID = "u\u0085" }), "user id", "U+0085"},
		{"negative ring timeout", call(func(r *sipout.CallRequest) { r.RingTimeout = -1 }), "ring timeout", "negative"},
		{"reserved Via", withHeaders(headers.Field{Name: "Via", Value: "SIP/2.0/UDP x"}), "header Via", "Via is reserved: 100ms sets it itself and would ignore"},
		{"reserved Contact", withHeaders(headers.Field{Name: "contact", Value: "<sip:x@y>"}), "header contact", "reserved"},
		{"reserved P-Asserted-Identity", withHeaders(headers.Field{Name: "P-Asserted-Identity", Value: "<sip:+1@y>"}), "header P-Asserted-Identity", "reserved"},
		{"reserved compact v", withHeaders(headers.Field{Name: "v", Value: "SIP/2.0/UDP x"}), "header v", "v (the compact form of Via) is reserved"},
		{"reserved compact m", withHeaders(headers.Field{Name: "M", Value: "x"}), "header M", "compact form of Contact"},
		{"reserved Diversion", withHeaders(headers.Field{Name: "DIVERSION", Value: "x"}), "header DIVERSION", "reserved"},
		{"CR LF in a value", withHeaders(headers.Field{Name: "X-Ticket", Value: "1\r\nVia: evil"}), "header X-Ticket", "control character U+000D at byte 1"},
		{"NUL in a value", withHeaders(headers.Field{Name: "X-Ticket", Value: "1\x00"}), "header X-Ticket", "control character"},
		{"invalid UTF-8 value", withHeaders(headers.Field{Name: "X-Ticket", Value: "\xc3"}), "header X-Ticket", "invalid UTF-8"},
		{"name not a token", withHeaders(headers.Field{Name: "X Ticket", Value: "1"}), "header name", "character not allowed in a header name"},
		{"name with LF", withHeaders(headers.Field{Name: "X-A\nVia", Value: "1"}), "header name", "U+000A"},
		{"empty name", withHeaders(headers.Field{Name: "", Value: "1"}), "header name", "empty header name"},
		{"duplicate name", withHeaders(headers.Field{Name: "X-A", Value: "1"}, headers.Field{Name: "x-a", Value: "2"}), "header x-a", "more than once"},
		{"value too long", withHeaders(headers.Field{Name: "X-A", Value: strings.Repeat("v", 257)}), "header X-A", "at most 256"},
		{"invalid digit e", dtmf("12e"), "digits", "'e' at byte 2 is not a DTMF digit"},
		{"space digit", dtmf("1 2"), "digits", "' ' at byte 1"},
		{"comma digit", dtmf("1,2"), "digits", "',' at byte 1"},
		{"empty digits", dtmf(""), "digits", "empty"},
		{"too many digits", dtmf(strings.Repeat("1", 65)), "digits", "65 characters, at most 64"},
		{"DTMF room id empty", func() error { return c.SendDTMF(ctx, sipout.DTMFRequest{Digits: "1"}) }, "room id", "empty"},
		{"DTMF role with LF", func() error { return c.SendDTMF(ctx, sipout.DTMFRequest{RoomID: roomID, Digits: "1", Role: "a\nb"}) }, "role", "control"},
		{"trunk address with scheme", address("sip:example.pstn.twilio.com"), "address", "has a scheme"},
		{"trunk address URL", address("https://example.com"), "address", "has a scheme"},
		{"trunk address with space", address("example .com"), "address", "space or control character"},
		{"trunk address with LF", address("example.com\n"), "address", "U+000A"},
		{"trunk address port 0", address("example.com:0"), "address", "want 1 to 65535"},
		{"trunk address port 65536", address("example.com:65536"), "address", "want 1 to 65535"},
		{"trunk address port not a number", address("example.com:sip"), "address", "port"},
		{"trunk address empty port", address("example.com:"), "address", "port"},
		{"trunk address bare IPv6", address("2001:db8::1"), "address", "brackets"},
		{"trunk address bad IPv4", address("203.0.113.256"), "address", "not an IPv4 address"},
		{"trunk address with path", address("example.com/sip"), "address", "'/'"},
		{"trunk address with user", address("user@example.com"), "address", "'@'"},
		{"trunk address empty label", address("example..com"), "address", "empty label"},
		{"trunk address non-ASCII", address("exämple.com"), "address", "xn--"},
		{"trunk address empty", address(""), "address", "empty"},
		{"trunk address too long", address(strings.Repeat("a.", 130) + "com"), "address", "at most 259"},
		{"trunk from not E.164", trunk(func(t *sipout.Trunk) { t.From = "14155550100" }), "from", "no leading '+'"},
		{"trunk from empty", trunk(func(t *sipout.Trunk) { t.From = "" }), "from", "empty"},
		{"trunk password without username", trunk(func(t *sipout.Trunk) { t.Username = "" }), "username", "give both"},
		{"trunk username without password", trunk(func(t *sipout.Trunk) { t.Password = "" }), "password", "give both"},
		{"trunk password with LF", trunk(func(t *sipout.Trunk) { t.Password = "pw\n" }), "password", "control character at byte 2"},
		{"trunk username with control", trunk(func(t *sipout.Trunk) { t.Username = "u\x01" }), "username", "control"},
		{"update with empty trunk id", func() error { _, err := c.UpdateTrunk(ctx, "", goodTrunk); return err }, "trunk id", "empty"},
		{"update with bad trunk", func() error {
			_, err := c.UpdateTrunk(ctx, "t1", sipout.Trunk{Address: "a.com", From: "+1 555"})
			return err
		}, "from", "' ' at byte 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			var in *hmsapi.InputError
			require.ErrorAs(t, err, &in)
			assert.ErrorIs(t, err, hmsapi.ErrInvalidInput)
			assert.Equal(t, tt.field, in.Field)
			assert.Contains(t, in.Reason, tt.reason)
			assert.NotContains(t, err.Error(), "\n", "one line")
			assert.NotContains(t, err.Error(), "\r")
		})
	}
	assert.Equal(t, 0, srv.RequestCount(), "no bad input reaches the API")
}

// TestGoodInputIsAccepted goes through the forms every check must let pass,
// on a server that answers everything.
func TestGoodInputIsAccepted(t *testing.T) {
	c, mux, n := setup(t)
	mux.HandleFunc("POST /sip/outbound/call", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{"id":"c1"}`)) })
	mux.HandleFunc("POST /sip/outbound/trunks", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{"id":"t1"}`)) })
	ctx := context.Background()
	for _, to := range []string{
		"+1", "+14155550100", "+123456789012345", "sip:alice@example.com", "SIP:alice@example.com:5060", "sips:+14155550100@203.0.113.7",
		"sip:alice@[2001:db8::1]:5061;transport=tls", "sip:bob%20b@example.com", "sip:alice@localhost",
		"sip:alice@example.com;transport=tcp", "sip:+14155550100@example.com;user=phone;transport=udp", "sip:bob%3Fx%7E%2f@example.com",
	} {
		_, err := c.Call(ctx, sipout.CallRequest{To: to, RoomCode: "ABC-defg-hij", TrunkID: "t1"})
		assert.NoError(t, err, to)
	}
	_, err := c.Call(ctx, sipout.CallRequest{To: "+1", RoomCode: roomCode, TrunkID: "t1", Name: "José Müller 😀", UserID: "user:42",
		Headers: headers.List{{Name: "X-Ticket", Value: "42"}, {Name: "Subject", Value: "Support call"}, {Name: "x-empty", Value: ""},
			{Name: "User-to-User", Value: "56a390f3d2b7310023a2;encoding=hex"}, {Name: "X-Via", Value: "1"}}})
	assert.NoError(t, err)
	for _, addr := range []string{"example.pstn.twilio.com", "example.pstn.twilio.com:5061", "203.0.113.7", "203.0.113.7:5060",
		"[2001:db8::1]", "[2001:db8::1]:5060", "sip-1.example.com", "localhost:65535"} {
		_, err := c.CreateTrunk(ctx, sipout.Trunk{Address: addr, From: "+14155550100"})
		assert.NoError(t, err, addr)
	}
	_, err = c.CreateTrunk(ctx, sipout.Trunk{Username: "user", Password: "pässwörd with spaces \"quoted\"", Address: "a.com", From: "+1"})
	assert.NoError(t, err)
	assert.EqualValues(t, 12+1+8+1, n.Load())
}

func TestRoomIDErrorIsRoomcodes(t *testing.T) {
	c, _, _ := setup(t)
	_, err := c.Call(context.Background(), sipout.CallRequest{To: "+1", RoomCode: roomID, TrunkID: "t"})
	assert.EqualError(t, err, "hmsapi: invalid room code: this is a room id, not a room code (room codes look like abc-defg-hij; get one with the Room Code API)")
	assert.False(t, errors.Is(err, sipout.ErrNoAnswer))
}

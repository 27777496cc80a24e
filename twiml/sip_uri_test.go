package twiml_test

import (
	"encoding/xml"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/twiml"
)

// A <Sip> URI is refused, not escaped, when it holds a byte a SIP URI
// cannot carry raw: a CR LF would become a header line once a SIP stack
// copies the URI's headers into the INVITE.
func TestSipURIRawCharactersRefused(t *testing.T) {
	for _, tc := range []struct {
		name, uri string
		off       int
	}{
		{"CR LF", "sip:abc-defg-hij@sip.100ms.live?X-100ms-UserID=a\r\nX-100ms-Role: admin", 48},
		{"LF", "sip:a@b?X-A=1\nVia: x", 13},
		{"space", "sip:a@b?X-100ms-Display-Name=Jos Doe", 32},
		{"raw UTF-8", "sip:a@b?X-100ms-Display-Name=Jos\u00e9", 32},
		{"tab", "sip:a@b;transport=tcp\t", 21},
		{"angle bracket", "sip:a@b?X-A=<x>", 12},
		{"DEL", "sip:a@b\x7f", 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := twiml.Response{&twiml.Dial{Nouns: []twiml.Noun{&twiml.Sip{URI: tc.uri}}}}
			out, err := doc.AppendXML([]byte("keep"))
			var e *twiml.Error
			require.ErrorAs(t, err, &e)
			assert.ErrorIs(t, err, twiml.ErrInvalidChar)
			assert.Equal(t, "Response/Dial[1]/Sip[1]", e.Path)
			assert.Equal(t, "#text", e.Attribute)
			assert.Equal(t, tc.off, e.Offset)
			assert.Equal(t, "keep", string(out), "nothing half-written")
		})
	}
}

// Every address the SDK makes, headers percent-encoded, still renders,
// and reads back as itself.
func TestSipURIAcceptsSDKAddresses(t *testing.T) {
	for _, opts := range [][]sipconnect.AddressOption{
		nil,
		{sipconnect.WithTransport(sipconnect.TransportTLS)},
		{sipconnect.WithDisplayName("José Doe-O'Brien (Sales) & Co. 😀"), sipconnect.WithUserID("user 42/β"),
			sipconnect.WithHeader("X-Ticket", `a"b<c>d\e{f}|^`+"`"), sipconnect.WithTransport(sipconnect.TransportTCP)},
		{sipconnect.WithHost("[2001:db8::1]:5061"), sipconnect.WithDisplayName("100% sure?&=;")},
	} {
		addr, err := sipconnect.NewAddress("abc-defg-hij", opts...)
		require.NoError(t, err)
		out, err := twiml.Response{&twiml.Dial{Nouns: []twiml.Noun{&twiml.Sip{URI: addr.String()}}}}.AppendXML(nil)
		require.NoError(t, err, addr.String())
		var d struct {
			Sip string `xml:"Dial>Sip"`
		}
		require.NoError(t, xml.Unmarshal(out, &d))
		assert.Equal(t, addr.String(), d.Sip)
	}
}

package signalwire_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/carrier/signalwire"
	"github.com/hmssip/interconnect-go/sipconnect"
)

// A <Sip> URI is refused, not escaped, when it holds a byte a SIP URI
// cannot carry raw: a CR LF would become a header line once a SIP stack
// copies the URI's headers into the INVITE.
func TestSipURIRawCharactersRefused(t *testing.T) {
	for _, tc := range []struct {
		uri string
		off int
	}{
		{"sip:abc-defg-hij@sip.100ms.live?X-100ms-UserID=a\r\nX-100ms-Role: admin", 48},
		{"sip:a@b?X-100ms-Display-Name=Jos Doe", 32},
		{"sip:a@b?X-100ms-Display-Name=Jos\u00e9", 32},
		{"sip:a@b?X-A=<x>", 12},
	} {
		doc := signalwire.Response{&signalwire.Dial{Nouns: []signalwire.Noun{&signalwire.Sip{URI: tc.uri}}}}
		out, err := doc.AppendXML([]byte("keep"))
		var e *signalwire.Error
		require.ErrorAs(t, err, &e, "%q", tc.uri)
		assert.ErrorIs(t, err, signalwire.ErrInvalidChar, "%q", tc.uri)
		assert.Equal(t, "Response/Dial[1]/Sip[1]", e.Path, "%q", tc.uri)
		assert.Equal(t, "#text", e.Attribute, "%q", tc.uri)
		assert.Equal(t, tc.off, e.Offset, "%q", tc.uri)
		assert.Equal(t, "keep", string(out), "nothing half-written")
	}
}

// Every address the SDK makes, headers percent-encoded, still renders.
func TestSipURIAcceptsSDKAddresses(t *testing.T) {
	addr, err := sipconnect.NewAddress("abc-defg-hij", sipconnect.WithTransport(sipconnect.TransportTCP),
		sipconnect.WithDisplayName("José Doe-O'Brien & Co. 😀"), sipconnect.WithUserID("user 42/β"),
		sipconnect.WithHeader("X-Ticket", `a"b<c>d\e{f}|^`))
	require.NoError(t, err)
	_, err = signalwire.Response{&signalwire.Dial{Nouns: []signalwire.Noun{&signalwire.Sip{URI: addr.String()}}}}.AppendXML(nil)
	assert.NoError(t, err, addr.String())
}

package xmlwrite

import (
	"bytes"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestErrorMessage(t *testing.T) {
	reason := errors.New("out of range")
	assert.Equal(t, "twiml: Response/Dial[1]: out of range", ErrorMessage("twiml", "Response/Dial[1]", "", -1, reason))
	assert.Equal(t, "telnyx: Response/Say[2] text: out of range at byte 3", ErrorMessage("telnyx", "Response/Say[2]", Text, 3, reason))
	assert.Equal(t, "plivo: Response/Dial[1] attribute timeout: out of range", ErrorMessage("plivo", "Response/Dial[1]", "timeout", -1, reason))
}

func TestWrite(t *testing.T) {
	var buf bytes.Buffer
	n, err := WriteTo(&buf, []byte("<Response/>"), nil)
	assert.NoError(t, err)
	assert.EqualValues(t, 11, n)
	bad := errors.New("invalid")
	n, err = WriteTo(&buf, nil, bad)
	assert.ErrorIs(t, err, bad)
	assert.Zero(t, n)
	assert.Equal(t, "<Response/>", buf.String())

	rec := httptest.NewRecorder()
	assert.NoError(t, WriteHTTP(rec, "text/xml; charset=utf-8", []byte("<Response/>"), nil))
	assert.Equal(t, 200, rec.Code)
	assert.Equal(t, "11", rec.Header().Get("Content-Length"))
	assert.Equal(t, "text/xml; charset=utf-8", rec.Header().Get("Content-Type"))
	rec = httptest.NewRecorder()
	assert.ErrorIs(t, WriteHTTP(rec, "text/xml", nil, bad), bad)
	assert.Empty(t, rec.Header())
	assert.Zero(t, rec.Body.Len())
}

func TestCheckSIPURI(t *testing.T) {
	r := SIPURIReasons{Required: errors.New("required"), TooLong: errors.New("too long"), InvalidChar: errors.New("bad char")}
	off, err := CheckSIPURI("sip:abc-defg-hij@sip.100ms.live?X-100ms-UserID=xyz", 100, r)
	assert.NoError(t, err)
	assert.Equal(t, -1, off)
	_, err = CheckSIPURI("SIPS:a@b", 100, r)
	assert.NoError(t, err)
	for _, tc := range []struct {
		uri    string
		reason error
		off    int
	}{
		{"", r.Required, -1},
		{"sip:" + string(make([]byte, 200)), r.TooLong, -1},
		{"tel:+14155550100", r.InvalidChar, -1},
		{"sip:a b@host", r.InvalidChar, 5},
		{"sip:a@host\r\nVia: x", r.InvalidChar, 10},
		{"sip:a<b>@host", r.InvalidChar, 5},
		{"sip:é@host", r.InvalidChar, 4},
	} {
		off, err := CheckSIPURI(tc.uri, 100, r)
		assert.ErrorIs(t, err, tc.reason, "%q", tc.uri)
		assert.Equal(t, tc.off, off, "%q", tc.uri)
	}
}

// The message names the character at the offset: the rune that starts
// there, or the byte when it starts no valid UTF-8.
func TestCheckSIPURINamesTheCharacter(t *testing.T) {
	r := SIPURIReasons{Required: errors.New("required"), TooLong: errors.New("too long"), InvalidChar: errors.New("bad char")}
	for _, tc := range []struct {
		uri, want string
		off       int
	}{
		{"sip:Jos\u00e9@host", `bad char: 'é' (U+00E9) (percent-encode it)`, 7},
		{"sip:a@host\r\nVia: x", `bad char: '\r' (U+000D) (percent-encode it)`, 10},
		{"sip:a b@host", `bad char: ' ' (U+0020) (percent-encode it)`, 5},
		{"sip:a@h?x=\U0001F600", `bad char: '😀' (U+1F600) (percent-encode it)`, 10},
		{"sip:a\xc3@host", `bad char: byte 0xc3 (invalid UTF-8) (percent-encode it)`, 5},
		{"sip:a\xff", `bad char: byte 0xff (invalid UTF-8) (percent-encode it)`, 5},
	} {
		off, err := CheckSIPURI(tc.uri, 100, r)
		assert.EqualError(t, err, tc.want, "%q", tc.uri)
		assert.Equal(t, tc.off, off, "%q", tc.uri)
	}
}

func TestValidLanguage(t *testing.T) {
	for _, ok := range []string{"en", "en-US", "en-GB-WLS", "cmn-Hans-CN"} {
		assert.True(t, ValidLanguage(ok), ok)
	}
	for _, bad := range []string{"", "-", "en-", "en_US", "en US", "toolonggroup", "en-US\n", string(make([]byte, 36))} {
		assert.False(t, ValidLanguage(bad), "%q", bad)
	}
}

// TestSIPURIBadByteEveryByte checks the bit masks of sipURIBadByte against
// the rule they encode, byte by byte.
func TestSIPURIBadByteEveryByte(t *testing.T) {
	for b := 0; b < 256; b++ {
		c := byte(b)
		want := c <= ' ' || c >= 0x7F || strings.IndexByte("\"<>\\^`{|}", c) >= 0
		if got := sipURIBadByte("sip:a"+string([]byte{c})) == 5; got != want {
			t.Errorf("byte %#02x: refused %v, want %v", c, got, want)
		}
	}
	if i := sipURIBadByte("sip:abc-defg-hij@sip.100ms.live;transport=tls?X-100ms-Display-Name=John%20Doe&X-100ms-UserID=xyz"); i != -1 {
		t.Errorf("the example address refused at %d", i)
	}
}

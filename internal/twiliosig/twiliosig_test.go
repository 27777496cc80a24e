package twiliosig

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The vector of Twilio's security documentation (REFERENCE §6).
func TestSignTwilioVector(t *testing.T) {
	params := url.Values{
		"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+14158675310"}, "Digits": {"1234"},
		"From": {"+14158675310"}, "To": {"+18005551212"},
	}
	const u = "https://example.com/myapp.php?foo=1&bar=2"
	sig := Sign([]byte("12345"), u, params)
	assert.Equal(t, "L/OH5YylLD5NRKLltdqwSvS0BnU=", sig)
	assert.True(t, Valid(NewMAC([]byte("12345")), u, params, sig))
	assert.True(t, Valid(NewMAC([]byte("12345")), "https://example.com:443/myapp.php?foo=1&bar=2", params, sig))
	assert.False(t, Valid(NewMAC([]byte("12346")), u, params, sig))
	assert.False(t, Valid(NewMAC([]byte("12345")), u, params, sig+"\n"))
}

func TestOtherPortForm(t *testing.T) {
	for in, want := range map[string]string{
		"https://a.example/x":     "https://a.example:443/x",
		"https://a.example:443/x": "https://a.example/x",
		"http://a.example/x?y=1":  "http://a.example:80/x?y=1",
	} {
		got, ok := OtherPortForm(in)
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
	_, ok := OtherPortForm("https://a.example:8443/x")
	assert.False(t, ok)
}

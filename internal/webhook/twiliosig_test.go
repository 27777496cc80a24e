package webhook

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net/url"
	"slices"
	"sync"
	"testing"
	"unicode/utf16"

	"github.com/hmssip/interconnect-go/internal/secret"
	"github.com/stretchr/testify/assert"
)

// The vector of Twilio's security documentation (REFERENCE §6).
func TestSignTwilioVector(t *testing.T) {
	params := url.Values{
		"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+14158675310"}, "Digits": {"1234"},
		"From": {"+14158675310"}, "To": {"+18005551212"},
	}
	const u = "https://example.com/myapp.php?foo=1&bar=2"
	for _, ru := range []SigRules{TwilioRules, SignalWireRules} {
		sig := ru.Sign([]byte("12345"), u, params)
		assert.Equal(t, "L/OH5YylLD5NRKLltdqwSvS0BnU=", sig)
		assert.True(t, ru.Valid(NewSigMAC([]byte("12345")), u, params, sig))
		assert.True(t, ru.Valid(NewSigMAC([]byte("12345")), "https://example.com:443/myapp.php?foo=1&bar=2", params, sig))
		assert.False(t, ru.Valid(NewSigMAC([]byte("12346")), u, params, sig))
		assert.False(t, ru.Valid(NewSigMAC([]byte("12345")), u, params, sig+"\n"))
	}
}

func hmacOf(key, s string) string {
	m := hmac.New(sha1.New, []byte(key))
	m.Write([]byte(s))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func TestRulesOrder(t *testing.T) {
	const u = "https://x/"
	p := url.Values{"B": {"2", "1"}, "\uff01": {"a"}, "\U0001F600": {"b"}}
	assert.Equal(t, hmacOf("k", u+"B1B2\uff01a\U0001F600b"), TwilioRules.Sign([]byte("k"), u, p))
	assert.Equal(t, hmacOf("k", u+"B2B1\U0001F600b\uff01a"), SignalWireRules.Sign([]byte("k"), u, p))
	assert.Equal(t, []string{"2", "1"}, p["B"], "the caller's values are not reordered")
}

func TestCompareUTF16(t *testing.T) {
	words := []string{"", "a", "ab", "b", "é", "\u00e9\u00e9", "\ud7ff", "\ue000", "\uff01", "\ufffd", "\uffff",
		"\U00010000", "\U0001F600", "\U0010FFFF", "a\U0001F600", "a\uffff", "\u0800"}
	for _, x := range words {
		for _, y := range words {
			want := slices.Compare(utf16.Encode([]rune(x)), utf16.Encode([]rune(y)))
			assert.Equal(t, want, CompareUTF16(x, y), "%q %q", x, y)
		}
	}
	// Bytes that are not UTF-8 compare as bytes.
	assert.Equal(t, 1, CompareUTF16("\xff", "\xfe\x01"))
	assert.Equal(t, 1, CompareUTF16("\xf0\x9f", "\xef\xbc"), "truncated characters: bytes, not UTF-16")
}

func TestOtherPortForm(t *testing.T) {
	for in, want := range map[string]string{
		"https://a.example/x":              "https://a.example:443/x",
		"https://a.example:443/x":          "https://a.example/x",
		"http://a.example/x?y=1":           "http://a.example:80/x?y=1",
		"http://a.example":                 "http://a.example:80",
		"HTTPS://a.example?x":              "HTTPS://a.example:443?x",
		"https://u:p@a.example:443/x":      "https://u:p@a.example/x",
		"https://[::1]/x":                  "https://[::1]:443/x",
		"https://[::1]:443/x":              "https://[::1]/x",
		"https://h/caf\xc3\xa9?q=\xc3\xa9": "https://h:443/caf\xc3\xa9?q=\xc3\xa9",
		"https://h:443/a b/{x}#f":          "https://h/a b/{x}#f",
	} {
		got, ok := OtherPortForm(in)
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
		back, ok := OtherPortForm(got)
		assert.True(t, ok, got)
		assert.Equal(t, in, back, "the other form of the other form")
	}
	// Any other port is removed, as twilio-go's removePort and SignalWire's
	// validateRequest remove it; the port-less form's other form is then
	// the one with the default port.
	for in, want := range map[string]string{
		"https://a.example:8443/x?y=1":    "https://a.example/x?y=1",
		"http://a.example:443/x":          "http://a.example/x",
		"https://a.example:80":            "https://a.example",
		"https://u:p@a.example:8443/x":    "https://u:p@a.example/x",
		"https://[::1]:8443/x":            "https://[::1]/x",
		"https://h:8443/caf\xc3\xa9#f":    "https://h/caf\xc3\xa9#f",
		"HTTP://a.example:8080?q=:1":      "HTTP://a.example?q=:1",
		"https://a.example:08443/x/:9/y/": "https://a.example/x/:9/y/",
	} {
		got, ok := OtherPortForm(in)
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"https://a.example:/x", "https://a.example:84x3/x", "ftp://a/x", "https:///x", "/x"} {
		_, ok := OtherPortForm(in)
		assert.False(t, ok, in)
	}
}

func TestBodyHashMatches(t *testing.T) {
	const h = "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a" // sha256("{}")
	assert.True(t, BodyHashMatches("https://x/?bodySHA256="+h, []byte("{}")))
	assert.False(t, BodyHashMatches("https://x/?bodySHA256=44136FA355B3678A1146AD16F7E8649E94FB4FC21FE77E8310C060F61CAAFF8A", []byte("{}")))
	assert.False(t, BodyHashMatches("https://x/?bodySHA256="+h, []byte("{ }")))
	assert.False(t, BodyHashMatches("https://x/", []byte("{}")))
}

func TestSentURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://h/hooks/caf\xc3\xa9":      "https://h/hooks/caf%C3%A9",
		"https://H:443/a b/{x}?q=\xc3\xa9": "https://H:443/a%20b/%7Bx%7D?q=\xc3\xa9",
		"https://h?x=1":                    "https://h/?x=1",
		"http://h":                         "http://h/",
		"https://h/a%2fb?":                 "https://h/a%2fb?",
	} {
		u, err := url.Parse(in)
		if assert.NoError(t, err, in) {
			assert.Equal(t, want, SentURL(in, u), in)
		}
	}
}

// A SigPool's states are reused across goroutines: each check sees only
// its own request, however they interleave.
func TestSigPoolConcurrent(t *testing.T) {
	const u = "https://example.com/myapp.php?foo=1&bar=2"
	pool := NewSigPool(TwilioRules, secret.New("12345"))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				params := url.Values{"CallSid": {fmt.Sprintf("CA%d-%d", g, i)}}
				sig := TwilioRules.Sign([]byte("12345"), u, params)
				if !pool.Valid(u, params, sig) {
					t.Errorf("a valid signature refused: %s", params.Encode())
				}
				if pool.Valid(u, url.Values{"CallSid": {"other"}}, sig) {
					t.Errorf("another request's signature accepted: %s", params.Encode())
				}
			}
		})
	}
	wg.Wait()
	assert.False(t, NewSigPool(TwilioRules, secret.New("12346")).Valid(u, url.Values{"CallSid": {"CA0-0"}}, TwilioRules.Sign([]byte("12345"), u, url.Values{"CallSid": {"CA0-0"}})))
}

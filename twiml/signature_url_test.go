package twiml_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/hmssip/interconnect-go/twiml"
)

// The other port form is built on the URL as requested: raw non-ASCII
// bytes are not re-encoded, so a signature for either form matches.
func TestPortFormKeepsRawBytes(t *testing.T) {
	p := url.Values{"A": {"1"}}
	for _, pair := range [][2]string{
		{"https://h/hooks/café?n=é", "https://h:443/hooks/café?n=é"},
		{"http://h:80/ü", "http://h/ü"},
	} {
		assert.True(t, twiml.ValidateSignature(vectorToken, pair[0], p, twiml.Signature(vectorToken, pair[1], p)), pair[0])
		assert.True(t, twiml.ValidateSignature(vectorToken, pair[1], p, twiml.Signature(vectorToken, pair[0], p)), pair[1])
	}
	// The re-encoded form is another URL.
	assert.False(t, twiml.ValidateSignature(vectorToken, "https://h/hooks/café", p,
		twiml.Signature(vectorToken, "https://h:443/hooks/caf%C3%A9", p)))
}

// twilio-go's ValidateBody compares bodySHA256 with the lowercase hex of
// the body's SHA-256 as strings.
func TestBodyHashLowercaseOnly(t *testing.T) {
	body := []byte(`{"CallSid":"CA1"}`)
	lower := jsonURL("https://example.com/hook", body)
	upper := "https://example.com/hook?bodySHA256=" + strings.ToUpper(strings.TrimPrefix(lower, "https://example.com/hook?bodySHA256="))
	assert.True(t, twiml.ValidateJSONSignature(vectorToken, lower, body, twiml.Signature(vectorToken, lower, nil)))
	assert.False(t, twiml.ValidateJSONSignature(vectorToken, upper, body, twiml.Signature(vectorToken, upper, nil)))
}

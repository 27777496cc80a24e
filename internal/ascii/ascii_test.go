package ascii_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/hmssip/interconnect-go/internal/ascii"
)

func TestEqualFold(t *testing.T) {
	assert.True(t, ascii.EqualFold("X-100MS-USERID", "X-100ms-UserID"))
	assert.True(t, ascii.EqualFold("x-100ms-userid", "X-100ms-UserID"))
	assert.True(t, ascii.EqualFold("", ""))
	assert.False(t, ascii.EqualFold("X-100ms-UserI", "X-100ms-UserID"))
	assert.False(t, ascii.EqualFold("X-100ms-UserIE", "X-100ms-UserID"))
	// The Kelvin sign folds to 'k' in Unicode, but never in a SIP header name.
	assert.False(t, ascii.EqualFold("X-\u212A", "X-k"))
	// '@' and '`' sit next to the letters; they do not fold.
	assert.False(t, ascii.EqualFold("@", "`"))
}

func TestHasPrefixFold(t *testing.T) {
	assert.True(t, ascii.HasPrefixFold("x-twilio-foo", "X-Twilio"))
	assert.True(t, ascii.HasPrefixFold("SIP:abc", "sip:"))
	assert.False(t, ascii.HasPrefixFold("X-", "X-Twilio"))
	assert.False(t, ascii.HasPrefixFold("Y-Twilio", "X-Twilio"))
}

func TestQuoteUnlessPrintable(t *testing.T) {
	assert.Equal(t, "X-Tenant", ascii.QuoteUnlessPrintable("X-Tenant"))
	assert.Equal(t, `"X-A\r\nVia"`, ascii.QuoteUnlessPrintable("X-A\r\nVia"))
	assert.Equal(t, `"é"`, ascii.QuoteUnlessPrintable("é"))
}

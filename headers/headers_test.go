package headers_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/headers"
)

func TestValidateValue(t *testing.T) {
	tests := []struct {
		name   string
		value  string
		reason error // nil: valid
		offset int
		r      rune
	}{
		{"plain", "John Doe", nil, 0, 0},
		{"empty", "", nil, 0, 0},
		{"punctuation", `Tom&Jerry=1+1?%;@<>"`, nil, 0, 0},
		{"unicode", "José Müller 😀", nil, 0, 0},
		{"max length", strings.Repeat("a", headers.MaxValueLen), nil, 0, 0},
		{"CR", "John\rDoe", headers.ErrControl, 4, '\r'},
		{"LF", "John\nX-Evil: 1", headers.ErrControl, 4, '\n'},
		{"NUL", "\x00", headers.ErrControl, 0, 0},
		{"TAB", "a\tb", headers.ErrControl, 1, '\t'},
		{"ESC", "a\x1b[31m", headers.ErrControl, 1, 0x1b},
		{"DEL", "a\x7f", headers.ErrControl, 1, 0x7f},
		{"C1 NEL", "a\u0085b", headers.ErrControl, 1, 0x85},
		{"C1 CSI", "\u009b", headers.ErrControl, 0, 0x9b},
		{"invalid UTF-8", "ab\xffcd", headers.ErrInvalidUTF8, 2, -1},
		{"truncated UTF-8", "ab\xc3", headers.ErrInvalidUTF8, 2, -1},
		{"surrogate", "\xed\xa0\x80", headers.ErrInvalidUTF8, 0, -1},
		{"U+FFFE", "a\uFFFE", headers.ErrNoncharacter, 1, 0xFFFE},
		{"U+FFFF", "\uFFFF", headers.ErrNoncharacter, 0, 0xFFFF},
		{"too long", strings.Repeat("a", headers.MaxValueLen+1), headers.ErrTooLong, -1, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := headers.ValidateValue(headers.DisplayName, tt.value)
			if tt.reason == nil {
				assert.NoError(t, err)
				return
			}
			var he *headers.Error
			require.ErrorAs(t, err, &he)
			assert.ErrorIs(t, err, tt.reason)
			assert.Equal(t, headers.DisplayName, he.Name)
			assert.Equal(t, headers.ValuePart, he.Part)
			assert.Equal(t, tt.offset, he.Offset)
			assert.Equal(t, tt.r, he.Rune)
			assert.NotContains(t, err.Error(), tt.value, "the message must not quote the value")
			assert.Contains(t, err.Error(), headers.DisplayName)
		})
	}
}

func TestValidateCustomName(t *testing.T) {
	tests := []struct {
		name   string
		reason error
	}{
		{"X-Foo", nil},
		{"x-room-token", nil},
		{"X-A.b_c~d!e*f+g`h'i%j", nil},
		{"", headers.ErrEmptyName},
		{"body", headers.ErrNotExtension},
		{"Via", headers.ErrNotExtension},
		{"From", headers.ErrNotExtension},
		{"X", headers.ErrNotExtension},
		{"X-Twilio-Foo", headers.ErrTwilioPrefix},
		{"x-twilio", headers.ErrTwilioPrefix},
		{"X-100ms-Display-Name", headers.ErrReservedName},
		{"x-100MS-userid", headers.ErrReservedName},
		{"X Foo", headers.ErrNameChar},
		{"X-Foo:", headers.ErrNameChar},
		{"X-Foo=1", headers.ErrNameChar},
		{"X-Foo&Via", headers.ErrNameChar},
		{"X-Foo\r\nVia", headers.ErrNameChar},
		{"X-Fö", headers.ErrNameChar},
		{"X-" + strings.Repeat("a", headers.MaxNameLen), headers.ErrTooLong},
	}
	for _, tt := range tests {
		err := headers.ValidateCustomName(tt.name)
		if tt.reason == nil {
			assert.NoError(t, err, tt.name)
			continue
		}
		assert.ErrorIs(t, err, tt.reason, "%q", tt.name)
		var he *headers.Error
		if assert.ErrorAs(t, err, &he, "%q", tt.name) {
			assert.Equal(t, headers.NamePart, he.Part)
			assert.Equal(t, tt.name, he.Name)
		}
	}
}

func TestErrorMessage(t *testing.T) {
	err := headers.ValidateValue(headers.UserID, "ab\r\n")
	assert.EqualError(t, err, "headers: value of X-100ms-UserID: control character U+000D at byte 2")
	err = headers.ValidateCustomName("X Foo")
	assert.EqualError(t, err, `headers: header name "X Foo": character not allowed in a header name U+0020 at byte 1`)
	err = headers.ValidateCustomName("Via")
	assert.EqualError(t, err, `headers: header name "Via": custom header name must start with "X-"`)
}

func TestListValidateCustomAndGet(t *testing.T) {
	l := headers.List{{Name: "X-Room", Value: "1"}, {Name: "X-Tenant", Value: "acme"}}
	require.NoError(t, l.ValidateCustom())
	v, ok := l.Get("x-TENANT")
	assert.True(t, ok)
	assert.Equal(t, "acme", v)
	_, ok = l.Get("X-Missing")
	assert.False(t, ok)

	dup := headers.List{{Name: "X-Room", Value: "1"}, {Name: "x-room", Value: "2"}}
	err := dup.ValidateCustom()
	assert.ErrorIs(t, err, headers.ErrDuplicate)

	bad := headers.List{{Name: "X-Room", Value: "a\nb"}}
	assert.ErrorIs(t, bad.ValidateCustom(), headers.ErrControl)
}

func TestNamesMatchIgnoringASCIICase(t *testing.T) {
	l := headers.List{{Name: headers.UserID, Value: "u1"}, {Name: "X-k", Value: "kelvin"}}
	v, ok := l.Get("X-100MS-USERID")
	assert.True(t, ok)
	assert.Equal(t, "u1", v)
	_, ok = l.Get("X-100ms-UserI")
	assert.False(t, ok)
	// The Kelvin sign folds to 'k' in Unicode, but never in a SIP header name.
	_, ok = l.Get("X-\u212A")
	assert.False(t, ok)
	assert.ErrorIs(t, headers.ValidateCustomName("X-100MS-USERID"), headers.ErrReservedName)
	assert.ErrorIs(t, headers.ValidateCustomName("x-TWILIO-a"), headers.ErrTwilioPrefix)
}

// TestTooLongSaysLengthAndLimit checks that a length error gives the length
// and the limit, and still matches ErrTooLong.
func TestTooLongSaysLengthAndLimit(t *testing.T) {
	longName := "X-" + strings.Repeat("a", 98)
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"value", headers.ValidateValue(headers.DisplayName, strings.Repeat("a", 300)),
			"headers: value of X-100ms-Display-Name: too long: 300 bytes, at most 256"},
		{"name", headers.ValidateName(longName),
			`headers: header name "` + longName + `": too long: 100 bytes, at most 64`},
		{"custom name", headers.ValidateCustomName(longName),
			`headers: header name "` + longName + `": too long: 100 bytes, at most 64`},
		{"list", headers.List{{Name: "X-Tenant", Value: strings.Repeat("é", 129)}}.ValidateCustom(),
			"headers: value of X-Tenant: too long: 258 bytes, at most 256"},
	}
	for _, tt := range tests {
		assert.EqualError(t, tt.err, tt.want, tt.name)
		assert.ErrorIs(t, tt.err, headers.ErrTooLong, tt.name)
		var he *headers.Error
		if assert.ErrorAs(t, tt.err, &he, tt.name) {
			assert.Equal(t, -1, he.Offset)
			assert.Equal(t, rune(-1), he.Rune)
		}
	}
}

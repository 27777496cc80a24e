package headers_test

import (
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/headers"
)

// Vectors from RFC 3261 §19.1 as REFERENCE.md §4 spells them out, plus the
// kept set and the bytes that generic encoders get wrong.
var escapeTests = []struct {
	in, out string
}{
	{"John Doe", "John%20Doe"},
	{"Tom&Jerry=1+1?%", "Tom%26Jerry%3D1%2B1%3F%25"},
	{"José Müller", "Jos%C3%A9%20M%C3%BCller"},
	{"😀", "%F0%9F%98%80"},
	{"", ""},
	{"xyz", "xyz"},
	{"AZaz09-._~", "AZaz09-._~"},
	{"a+b", "a%2Bb"},
	{"a;b@c:d/e", "a%3Bb%40c%3Ad%2Fe"},
	{`<"'>`, "%3C%22%27%3E"},
	{"!*'()[]$", "%21%2A%27%28%29%5B%5D%24"},
	{"\r\n", "%0D%0A"},
	{"\xff", "%FF"},
}

func TestEscape(t *testing.T) {
	for _, tt := range escapeTests {
		assert.Equal(t, tt.out, headers.Escape(tt.in), "Escape(%q)", tt.in)
		got, err := headers.Unescape(tt.out)
		require.NoError(t, err, "Unescape(%q)", tt.out)
		assert.Equal(t, tt.in, got, "Unescape(%q)", tt.out)
	}
}

func TestEscapeDoesNotAllocateWhenNothingToEscape(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() { _ = headers.Escape("abc-DEF_123.~") })
	assert.Zero(t, allocs)
	allocs = testing.AllocsPerRun(100, func() { _, _ = headers.Unescape("abc+def") })
	assert.Zero(t, allocs)
}

func TestUnescape(t *testing.T) {
	tests := []struct {
		in   string
		want string
		off  int // -1: no error
	}{
		{"John%20Doe", "John Doe", -1},
		{"john%2fdoe%2F", "john/doe/", -1},
		{"a+b", "a+b", -1}, // '+' is a plus in SIP, never a space
		{"[::1]:5060/?$", "[::1]:5060/?$", -1},
		{"%e2%82%ac", "€", -1},
		{"%", "", 0},
		{"ab%2", "", 2},
		{"%G0", "", 0},
		{"%0g", "", 0},
		{"a b", "", 1},
		{"a&b", "", 1},
		{"a=b", "", 1},
		{"a;b", "", 1},
		{"a@b", "", 1},
		{`a"b`, "", 1},
		{"a<b", "", 1},
		{"a\nb", "", 1},
		{"é", "", 0},
	}
	for _, tt := range tests {
		got, err := headers.Unescape(tt.in)
		if tt.off < 0 {
			require.NoError(t, err, "Unescape(%q)", tt.in)
			assert.Equal(t, tt.want, got, "Unescape(%q)", tt.in)
			continue
		}
		var he *headers.Error
		require.ErrorAs(t, err, &he, "Unescape(%q)", tt.in)
		assert.ErrorIs(t, err, headers.ErrInvalidEscaping)
		assert.Equal(t, tt.off, he.Offset, "Unescape(%q) offset", tt.in)
		assert.Empty(t, got)
	}
}

func FuzzEscapeRoundTrip(f *testing.F) {
	for _, tt := range escapeTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := headers.Escape(s)
		for i := 0; i < len(e); i++ {
			c := e[i]
			ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
				c == '-' || c == '.' || c == '_' || c == '~' || c == '%'
			if !ok {
				t.Fatalf("Escape(%q) = %q holds %q", s, e, c)
			}
		}
		got, err := headers.Unescape(e)
		if err != nil || got != s {
			t.Fatalf("Unescape(Escape(%q)) = %q, %v", s, got, err)
		}
	})
}

func FuzzUnescape(f *testing.F) {
	for _, s := range []string{"John%20Doe", "%", "%zz", "a+b", "%F0%9F%98%80", "a&b=c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := headers.Unescape(s)
		if err != nil {
			if !errors.Is(err, headers.ErrInvalidEscaping) {
				t.Fatalf("Unescape(%q) error %v does not wrap ErrInvalidEscaping", s, err)
			}
			return
		}
		// Decoding then encoding is canonical: a second round gives the same value.
		again, err := headers.Unescape(headers.Escape(got))
		if err != nil || again != got {
			t.Fatalf("round trip of %q: %q, %v", got, again, err)
		}
		if utf8.ValidString(s) && len(got) > len(s) {
			t.Fatalf("Unescape(%q) grew to %q", s, got)
		}
	})
}

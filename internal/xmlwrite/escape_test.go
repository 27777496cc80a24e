package xmlwrite_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/internal/xmlwrite"
)

func TestAppendText(t *testing.T) {
	out, err := xmlwrite.AppendText([]byte("<Sip>"), "sip:a@b?x=1&y=<2>\r")
	require.NoError(t, err)
	assert.Equal(t, "<Sip>sip:a@b?x=1&amp;y=&lt;2&gt;&#xD;", string(out))

	out, err = xmlwrite.AppendText([]byte("<Sip>"), "sip:abc-defg-hij@sip.100ms.live?X-100ms-UserID=a&X-Tenant=b")
	require.NoError(t, err)
	assert.Equal(t, "<Sip>sip:abc-defg-hij@sip.100ms.live?X-100ms-UserID=a&amp;X-Tenant=b", string(out))

	out, err = xmlwrite.AppendText([]byte("keep"), "ok\x00")
	assert.ErrorIs(t, err, xmlwrite.ErrXMLChar)
	assert.EqualError(t, err, "character XML 1.0 cannot carry: U+0000 at byte 2")
	assert.Equal(t, "keep", string(out))

	out, err = xmlwrite.AppendText([]byte("keep"), "ok\xff")
	assert.ErrorIs(t, err, xmlwrite.ErrInvalidUTF8)
	assert.EqualError(t, err, "invalid UTF-8 at byte 2")
	assert.Equal(t, "keep", string(out))
}

func TestEscape(t *testing.T) {
	long := strings.Repeat("abcdefgh", 6) // takes the wide scans
	for _, tt := range []struct {
		in         string
		text, attr string
		bad        int
		r          rune
	}{
		{`a&b<c>d"e'f`, `a&amp;b&lt;c&gt;d"e'f`, `a&amp;b&lt;c&gt;d&quot;e'f`, -1, 0},
		{"a\tb\nc\rd", "a\tb\nc&#xD;d", "a&#x9;b&#xA;c&#xD;d", -1, 0},
		{long + `&"`, long + `&amp;"`, long + "&amp;&quot;", -1, 0},
		{"José \U0001F600 \uFFFD", "José \U0001F600 \uFFFD", "José \U0001F600 \uFFFD", -1, 0},
		{"ab\x1bc", "", "", 2, 0x1b},
		{"a\x7f", "a\x7f", "a\x7f", -1, 0},
		{"ab\xffc", "", "", 2, utf8.RuneError},
		{"a\uFFFE", "", "", 1, 0xFFFE},
		{long + "\uFFFF", "", "", len(long), 0xFFFF},
	} {
		for _, inAttr := range []bool{false, true} {
			out, bad, r := xmlwrite.Escape([]byte("pre"), tt.in, inAttr)
			assert.Equal(t, tt.bad, bad, "%q attr=%v", tt.in, inAttr)
			if tt.bad >= 0 {
				assert.Equal(t, tt.r, r, "%q", tt.in)
				continue
			}
			want := tt.text
			if inAttr {
				want = tt.attr
			}
			assert.Equal(t, "pre"+want, string(out), "%q attr=%v", tt.in, inAttr)
		}
	}
}

func TestEscapeDoesNotAllocate(t *testing.T) {
	buf := make([]byte, 0, 256)
	s := "sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20Doe&X-100ms-UserID=xyz"
	allocs := testing.AllocsPerRun(100, func() { buf, _, _ = xmlwrite.Escape(buf[:0], s, false) })
	assert.Zero(t, allocs)
}

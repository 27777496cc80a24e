package xmlwrite

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestEncKeepsFirstProblem(t *testing.T) {
	e := Enc{}
	e.Open("X")
	e.Str("a", "1&2")
	e.Duration("d", 1500*time.Millisecond, time.Second, 1, 9)
	e.Int("n", 99, 1, 9)
	e.CloseText("X", "")
	assert.True(t, errors.Is(e.Err, ErrWholeUnits))
	assert.Equal(t, "d", e.Attr)
	assert.Equal(t, `<X a="1&amp;2"`, string(e.Buf))

	e = Enc{}
	e.Open("X")
	e.Flag("f", true)
	e.Int("n", 9, 1, 9)
	List(&e, "l", []string{"b", "a"}, func(string) bool { return true })
	e.CloseText("X", "t<")
	assert.NoError(t, e.Err)
	assert.Equal(t, `<X f="true" n="9" l="b a">t&lt;</X>`, string(e.Buf))
}

func TestLocPath(t *testing.T) {
	l := Loc{Verb: "Dial", VI: 2}
	assert.Equal(t, "Response/Dial[2]", l.Path())
	assert.Equal(t, "Response/Dial[2]/Sip[3]", l.In("Sip", 2).Path())
	assert.True(t, HasSIPScheme("SIPS:x"))
	assert.False(t, HasSIPScheme("sipx:x"))
}

func TestAppendResponse(t *testing.T) {
	verb := func(dst []byte, l Loc) ([]byte, error) {
		if l.VI == 2 {
			return dst, errors.New("bad " + l.Path())
		}
		return append(dst, "<V/>"...), nil
	}
	doc, err := AppendResponse([]byte("x"), 0, verb)
	assert.NoError(t, err)
	assert.Equal(t, "x"+Declaration+"<Response/>", string(doc))
	doc, err = AppendResponse([]byte("x"), 1, verb)
	assert.NoError(t, err)
	assert.Equal(t, "x"+Declaration+"<Response><V/></Response>", string(doc))
	doc, err = AppendResponse([]byte("x"), 3, verb)
	assert.EqualError(t, err, "bad Response/?[2]")
	assert.Equal(t, "x", string(doc), "nothing half-written")
}

func TestCheckSIP(t *testing.T) {
	for _, tt := range []struct {
		uri, user, pass, attr string
		err                   error
	}{
		{"sip:a@b", "", "", "", nil},
		{"SIPS:a@b", "u", "p", "", nil},
		{"", "", "", Text, ErrRequired},
		{"tel:+1", "", "", Text, ErrInvalidChar},
		{"sip:a@b", "", "p", "password", ErrNoUsername},
	} {
		attr, _, err := CheckSIP(tt.uri, tt.user, tt.pass)
		assert.Equal(t, tt.attr, attr, tt.uri)
		assert.True(t, errors.Is(err, tt.err) && (err == nil) == (tt.err == nil), "%s: %v", tt.uri, err)
	}

	// The URI's characters are checked as CheckSIPURI checks them.
	for uri, off := range map[string]int{"sip:a@b?X-A=1\r\nVia: x": 13, "sip:a b": 5, "sip:Jos\u00e9@b": 7, "sips:a@b\x00": 8} {
		attr, gotOff, err := CheckSIP(uri, "", "")
		assert.ErrorIs(t, err, ErrInvalidChar, "%q", uri)
		assert.Equal(t, Text, attr, "%q", uri)
		assert.Equal(t, off, gotOff, "%q", uri)
	}
	attr, off, err := CheckSIP("sip:abc-defg-hij@sip.100ms.live;transport=tls?X-100ms-Display-Name=Jos%C3%A9%20Doe&X-100ms-UserID=x", "", "")
	assert.NoError(t, err)
	assert.Equal(t, "", attr)
	assert.Equal(t, -1, off)
}

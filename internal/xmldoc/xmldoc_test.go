package xmldoc

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

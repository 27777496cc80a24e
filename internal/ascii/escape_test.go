package ascii_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/hmssip/interconnect-go/internal/ascii"
)

func TestAppendAndLen(t *testing.T) {
	for _, tt := range []struct{ in, out string }{
		{"John Doe", "John%20Doe"},
		{"user 42", "user%2042"},
		{"Tom&Jerry=1+1?%", "Tom%26Jerry%3D1%2B1%3F%25"},
		{"José", "Jos%C3%A9"},
		{"AZaz09-._~", "AZaz09-._~"},
		{"\r\n\xff", "%0D%0A%FF"},
		{"", ""},
	} {
		assert.Equal(t, "pre"+tt.out, string(ascii.AppendPercent([]byte("pre"), tt.in)), "Append(%q)", tt.in)
		assert.Equal(t, len(tt.out), ascii.PercentLen(tt.in), "Len(%q)", tt.in)
	}
}

func TestKept(t *testing.T) {
	var kept []byte
	for c := 0; c < 256; c++ {
		if ascii.PercentKept(byte(c)) {
			kept = append(kept, byte(c))
		}
	}
	assert.Equal(t, "-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~", string(kept))
}

func TestAppendDoesNotAllocate(t *testing.T) {
	buf := make([]byte, 0, 64)
	allocs := testing.AllocsPerRun(100, func() { buf = ascii.AppendPercent(buf[:0], "X-100ms-Display-Name=John Doe") })
	assert.Zero(t, allocs)
}

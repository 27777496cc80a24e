package roomcode_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/hmssip/interconnect-go/roomcode"
)

// TestValidateCodeCountsGroups: the error says how many groups it found,
// in words a user reads.
func TestValidateCodeCountsGroups(t *testing.T) {
	for code, want := range map[string]string{"abc": "found 1 group", "abc-defg": "found 2 groups"} {
		err := roomcode.ValidateCode(code)
		assert.ErrorIs(t, err, roomcode.ErrCodeFormat, code)
		assert.True(t, strings.HasSuffix(err.Error(), want), "%q: %v", code, err)
	}
}

func TestValidateCode(t *testing.T) {
	tests := []struct {
		code   string
		reason error
	}{
		{"xvm-wxwo-gbl", nil},
		{"hkj-sdf-fda", nil},
		{"A-b-C", nil},
		{"", roomcode.ErrEmptyCode},
		{"63f4a1b2c3d4e5f6a7b8c9d0", roomcode.ErrRoomID},
		{"329ek8g8f2e4g30487862vdb", roomcode.ErrRoomID},
		{"abcdefghijklmnopqrstuvwx", roomcode.ErrCodeFormat}, // 24 letters, no digit: not an id
		{strings.Repeat("a", 63) + "-b-c", roomcode.ErrCodeLength},
		{"abc-defg", roomcode.ErrCodeFormat},
		{"abc-defg-hij-", roomcode.ErrCodeFormat},
		{"-abc-defg-hij", roomcode.ErrCodeFormat},
		{"abc-defg-hij-k", roomcode.ErrCodeFormat},
		{"abc_defg_hij", roomcode.ErrCodeFormat},
		{"abc-de1g-hij", roomcode.ErrCodeFormat},
		{"abc-defg-hij\x00", roomcode.ErrCodeFormat},
		{"abc-defg-hïj", roomcode.ErrCodeFormat},
	}
	for _, tt := range tests {
		err := roomcode.ValidateCode(tt.code)
		if tt.reason == nil {
			assert.NoError(t, err, "%q", tt.code)
			continue
		}
		assert.ErrorIs(t, err, tt.reason, "%q", tt.code)
	}
}

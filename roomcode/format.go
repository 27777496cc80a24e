package roomcode

import (
	"errors"
	"fmt"
)

// MaxCodeLen is the longest room code ValidateCode accepts, in bytes. Codes
// issued by 100ms are about a dozen letters long.
const MaxCodeLen = 64

// Reasons a string is not a room code, wrapped by the errors of ValidateCode.
var (
	ErrEmptyCode  = errors.New("empty room code")
	ErrCodeFormat = errors.New("a room code is three hyphen-separated groups of ASCII letters, like abc-defg-hij")
	ErrRoomID     = errors.New("this is a room id, not a room code (room codes look like abc-defg-hij; get one with the Room Code API)")
	ErrCodeLength = errors.New("room code too long")
)

// ValidateCode reports whether code has the form of a 100ms room code: three
// non-empty groups of ASCII letters joined by hyphens, such as "abc-defg-hij",
// at most MaxCodeLen bytes. Letters of either case are accepted, as 100ms's
// own validator accepts them, and case is kept: the user part of a SIP URI is
// case-sensitive. A 24-character alphanumeric string with a digit, the shape
// of a room id, fails with an error wrapping ErrRoomID, since passing a room
// id where a room code belongs is a common mistake.
func ValidateCode(code string) error {
	if code == "" {
		return ErrEmptyCode
	}
	if looksLikeRoomID(code) {
		return ErrRoomID
	}
	if len(code) > MaxCodeLen {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrCodeLength, len(code), MaxCodeLen)
	}
	groups, groupLen := 1, 0
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
			groupLen++
		case c == '-' && groupLen > 0 && groups < 3:
			groups++
			groupLen = 0
		case c == '-':
			return fmt.Errorf("%w: unexpected '-' at byte %d", ErrCodeFormat, i)
		case c < 0x20 || c >= 0x7F:
			return fmt.Errorf("%w: byte %#02x at byte %d", ErrCodeFormat, c, i)
		default:
			return fmt.Errorf("%w: unexpected %q at byte %d", ErrCodeFormat, c, i)
		}
	}
	if groups != 3 || groupLen == 0 {
		found := groups - boolInt(groupLen == 0)
		if found == 1 {
			return fmt.Errorf("%w: found 1 group", ErrCodeFormat)
		}
		return fmt.Errorf("%w: found %d groups", ErrCodeFormat, found)
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// looksLikeRoomID reports whether s has the shape of a 100ms room id:
// 24 ASCII letters and digits, at least one a digit.
func looksLikeRoomID(s string) bool {
	if len(s) != 24 {
		return false
	}
	digit := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			digit = true
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		default:
			return false
		}
	}
	return digit
}

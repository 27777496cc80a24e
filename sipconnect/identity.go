package sipconnect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hmssip/interconnect-go/headers"
	"github.com/hmssip/interconnect-go/roomcode"
)

// A Room decides the room code of the room a call joins (safe for
// concurrent use).
type Room interface {
	RoomCode(ctx context.Context, call Call) (string, error)
}

// RoomFunc is a Room of your own: it returns the room code of a call.
type RoomFunc func(ctx context.Context, call Call) (roomCode string, err error)

// RoomCode calls f.
func (f RoomFunc) RoomCode(ctx context.Context, call Call) (string, error) { return f(ctx, call) }

// StaticRoom sends every call to one room code, which NewHandler checks.
func StaticRoom(roomCode string) Room { return staticRoom(roomCode) }

type staticRoom string

func (r staticRoom) RoomCode(context.Context, Call) (string, error) { return string(r), nil }

// check returns the error NewAddress gives for the code with opts.
func (r staticRoom) check(opts []AddressOption) error {
	_, err := NewAddress(string(r), opts...)
	return err
}

// CachedRoom sends every call to the cached code of a room's role.
func CachedRoom(cache *roomcode.Cache, roomID, role string) Room {
	return cachedRoom{cache, roomID, role}
}

type cachedRoom struct {
	cache        *roomcode.Cache
	roomID, role string
}

func (r cachedRoom) RoomCode(ctx context.Context, _ Call) (string, error) {
	rc, err := r.cache.Code(ctx, r.roomID, r.role)
	return rc.Code, err
}

// Identity says who a caller is in the room.
type Identity struct {
	DisplayName, UserID string       // X-100ms-Display-Name, X-100ms-UserID
	Headers             headers.List // further custom X- headers
}

// IdentityFunc decides a caller's identity (safe for concurrent use).
type IdentityFunc func(ctx context.Context, call Call) (Identity, error)

// maxDisplayNameRunes bounds the display names CallerNameIdentity derives.
const maxDisplayNameRunes = 64

// CallerNameIdentity shows the caller-id name (Call.CallerName), cleaned
// by SanitizeDisplayName; a name that is a phone number is not used.
func CallerNameIdentity(_ context.Context, call Call) (Identity, error) {
	return Identity{DisplayName: SanitizeDisplayName(call.CallerName)}, nil
}

// SanitizeDisplayName makes untrusted text a display name NewAddress
// accepts: bad UTF-8, control and format characters (bidi overrides,
// zero-width spaces) dropped, spaces collapsed, at most 64 runes; a phone
// number gives "".
func SanitizeDisplayName(s string) string {
	var b strings.Builder
	space := false
	runes := 0
	for i := 0; i < len(s) && runes < maxDisplayNameRunes; {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size <= 1, r == 0xFFFE, r == 0xFFFF:
			continue
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r):
			continue
		}
		if space {
			if runes+2 > maxDisplayNameRunes {
				break
			}
			b.WriteByte(' ')
			runes++
			space = false
		}
		b.WriteRune(r)
		runes++
	}
	out := b.String()
	for len(out) > headers.MaxValueLen {
		_, size := utf8.DecodeLastRuneInString(out)
		out = out[:len(out)-size]
	}
	if looksLikePhoneNumber(out) {
		return ""
	}
	return out
}

// CallUserID is the X-100ms-UserID a call gets with a roster and no user
// id of its own: "pstn-" and 20 hex digits of the call id's SHA-256.
func CallUserID(callID string) string {
	sum := sha256.Sum256([]byte(callID))
	return "pstn-" + hex.EncodeToString(sum[:10])
}

// IsCallUserID reports whether userID has the form CallUserID gives.
func IsCallUserID(userID string) bool {
	h, ok := strings.CutPrefix(userID, "pstn-")
	if !ok || len(h) != 20 {
		return false
	}
	for _, c := range []byte(h) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

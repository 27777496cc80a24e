package roomcode_test

import (
	"testing"

	"github.com/hmssip/interconnect-go/internal/apisurface"
)

// TestPublicAPI pins the exported names of the package: each serves a user
// and is documented. Helpers the module shares between its own packages
// live under internal/.
func TestPublicAPI(t *testing.T) {
	apisurface.Check(t, ".", `
		AnyState Cache Cache.Code Cache.Invalidate Cache.Len CacheConfig Client Client.API
		Client.All Client.Create Client.CreateForRole Client.Disable Client.Enable Client.List
		Client.SetEnabled DefaultCacheTTL DefaultLookupTimeout DefaultMaxEntries DefaultMaxStale
		DefaultRefreshBackoff DisabledOnly EnabledFilter EnabledFilter.EncodeValues EnabledOnly
		ErrCodeFormat ErrCodeLength ErrEmptyCode ErrNoCode ErrRoomID ListOptions MaxCodeLen
		MaxLimit MinLimit NewCache NewClient Page RoomCode ValidateCode
	`)
}

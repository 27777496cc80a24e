package carrier_test

import (
	"testing"

	"github.com/hmssip/interconnect-go/internal/apisurface"
)

// TestPublicAPI pins the exported names of the package: each serves a user
// and is documented. Helpers the module shares between its own packages
// live under internal/.
func TestPublicAPI(t *testing.T) {
	want := []string{
		"ErrAudioPrompt", "ErrCredentials", "ErrNoPublicURL", "Probe", "SayOr", "Verbs",
	}
	apisurface.Check(t, ".", want)
}

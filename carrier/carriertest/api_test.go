package carriertest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/internal/apisurface"
)

// TestPublicAPI pins the exported names of the package: each serves a user
// and is documented. Helpers the module shares between its own packages
// live under internal/.
func TestPublicAPI(t *testing.T) {
	want := []string{
		"AssertCarriedIntact", "AssertForbidden", "AssertNoSecret", "AssertRefused", "CallerPhone", "Clock",
		"DecodeTwiMLShaped", "DecodeXML", "ExampleIdentity", "ExamplePIN", "ExampleRoom", "ExampleURI",
		"ForHostileNames", "LogBuffer", "LogBuffer.String", "LogBuffer.Write", "NewServer", "PINResolver",
		"Refusal", "RoomError", "Server", "Server.Do", "Server.URL", "TwilioSignature", "WithParams",
		"WithoutNonce", "XMLAnswer",
	}
	names, err := apisurface.Exported(".")
	require.NoError(t, err)
	var got []string
	for _, n := range names {
		got = append(got, n.Name)
		assert.True(t, n.Documented, "%s has no doc comment", n.Name)
	}
	assert.Equal(t, want, got)
}

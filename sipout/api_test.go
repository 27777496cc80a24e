package sipout_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/internal/apisurface"
)

// TestPublicAPI pins the exported names of the package: each serves a user
// and is documented.
func TestPublicAPI(t *testing.T) {
	want := []string{
		"CallRequest", "CallResult", "Client", "Client.API", "Client.Call", "Client.CreateTrunk", "Client.SendDTMF",
		"Client.UpdateTrunk", "DTMFRequest", "DefaultDTMFRole", "DefaultDTMFUserID", "DefaultRingTimeout", "ErrNoAnswer",
		"MaxAddressLen", "MaxCredentialLen", "MaxDTMFDigits", "MaxNameLen", "MaxToLen", "MaxUserIDLen", "NewClient",
		"RingMargin", "Trunk", "Trunk.Format", "Trunk.GoString", "Trunk.LogValue", "Trunk.MarshalJSON", "Trunk.String",
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

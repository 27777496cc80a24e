package sipout_test

import (
	"testing"

	"github.com/hmssip/interconnect-go/internal/apisurface"
)

// TestPublicAPI pins the exported names of the package: each serves a user
// and is documented.
func TestPublicAPI(t *testing.T) {
	apisurface.Check(t, ".", `
		CallRequest CallResult Client Client.API Client.Call Client.CreateTrunk Client.SendDTMF
		Client.UpdateTrunk DTMFRequest DefaultDTMFRole DefaultDTMFUserID DefaultRingTimeout ErrNoAnswer
		MaxAddressLen MaxCredentialLen MaxDTMFDigits MaxNameLen MaxToLen MaxUserIDLen NewClient
		RingMargin Trunk Trunk.Format Trunk.GoString Trunk.LogValue Trunk.MarshalJSON Trunk.String
	`)
}

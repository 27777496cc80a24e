package carriertest_test

import (
	"testing"

	"github.com/hmssip/interconnect-go/internal/apisurface"
)

// TestPublicAPI pins the exported names of the package: each serves a user
// and is documented. Helpers the module shares between its own packages
// live under internal/.
func TestPublicAPI(t *testing.T) {
	want := []string{
		"AssertCarriedIntact", "AssertExampleDial", "AssertForbidden", "AssertNoSecret", "AssertRefused",
		"CallerPhone", "Clock", "DecodeTwiMLShaped", "DecodeXML", "ExampleIdentity", "ExamplePIN",
		"ExampleRoom", "ExampleURI", "ForHostileNames", "HostileNames", "LogBuffer", "NewServer",
		"PINResolver", "Recorder", "Refusal", "RoomError", "Seen", "ServeExample", "Server", "Server.Do",
		"Server.URL", "SharedClock", "SharedClock.Advance", "SharedClock.Now", "SharedClock.Set",
		"TwiMLShapedIntact", "TwilioCall", "TwilioSignature", "WithParams", "WithoutNonce", "XMLAnswer",
	}
	apisurface.Check(t, ".", want)
}

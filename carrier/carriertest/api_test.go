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
		"Answer", "AssertCarriedIntact", "AssertExampleDial", "AssertForbidden", "AssertNilBodyRefused", "AssertNoSecret",
		"AssertRefused", "BodyOverTheLimit", "CallerPhone", "Carrier", "Clock", "DecodeTwiMLShaped", "DecodeXML", "DialIn",
		"ExampleIdentity", "ExamplePIN", "ExampleRoom", "ExampleURI", "FallbackAndDialStatus", "ForHostileNames",
		"HostileIdentity", "HostileNames", "LogBuffer", "NewServer", "PINFlow", "PINResolver", "Params", "Params.Form",
		"Recorder", "Refusal", "RoomError", "Run", "SIP", "Seen", "ServeExample", "Server", "Server.Do", "Server.URL",
		"SharedClock", "SharedClock.Advance", "SharedClock.Now", "SharedClock.Set", "TwiMLShaped", "TwiMLShapedIntact",
		"TwilioCall", "TwilioSignature", "WithParams", "WithoutNonce", "XMLAnswer",
	}
	apisurface.Check(t, ".", want)
}

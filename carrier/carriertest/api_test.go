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
		"Answer", "AssertForbidden", "AssertNilBodyRefused", "AssertNoSecret", "AssertRefused", "BodyOverTheLimit",
		"CallerPhone", "Carrier", "Clock", "DecodeXML", "DialIn", "ExamplePIN", "ExampleRoom", "ExampleURI",
		"FallbackAndDialStatus", "HostileIdentity", "HostileNames", "LogBuffer", "NewServer", "PINFlow", "PINResolver",
		"Params", "Params.Form", "Recorder", "Refusal", "Run", "SIP", "Seen", "ServeExample", "Server", "Server.Do",
		"Server.URL", "SharedClock", "SharedClock.Advance", "SharedClock.Now", "SharedClock.Set", "TwiMLShaped",
		"TwilioCall", "TwilioSignature", "WithParams", "XMLAnswer",
	}
	apisurface.Check(t, ".", want)
}

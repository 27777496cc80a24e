package vonage_test

import (
	"testing"

	"github.com/hmssip/interconnect-go/internal/apisurface"
)

// TestPublicAPI pins the exported names of the package and checks that
// each is documented.
func TestPublicAPI(t *testing.T) {
	want := []string{
		"Action", "Call", "CheckCredentials", "Config", "Config.Format", "Config.GoString", "Config.LogValue",
		"Config.MarshalJSON", "Config.String", "Connect", "ContentType", "DTMF", "DefaultLeeway", "DefaultMaxAge",
		"DefaultMaxBodyBytes", "ErrBodyTooLarge", "ErrCredentials", "ErrDuplicate", "ErrEnum", "ErrHeaderName",
		"ErrInvalidChar", "ErrInvalidToken", "ErrInvalidUTF8", "ErrMissingToken", "ErrNilAction", "ErrNoUUID",
		"ErrPayloadHash", "ErrQueryRepeated", "ErrQuerySyntax", "ErrQueryUTF8", "ErrRange", "ErrRequired", "ErrTooLong",
		"ErrWholeUnits", "Error", "Error.Error", "Error.Unwrap", "Header", "Input", "LoopForever", "MaxDigits",
		"MaxHeaderValueLen", "MaxTalkRunes", "MaxURILen", "Method", "MethodGet", "MethodPost", "NCCO", "NCCO.AppendJSON",
		"NCCO.MarshalJSON", "NCCO.WriteHTTP", "NCCO.WriteTo", "NewCarrier", "NewSignedRequest", "NewVerifier", "ParseCall",
		"QueryPayload", "SIPEndpoint", "Talk", "Verifier", "Verifier.Middleware", "Verifier.Verify", "VerifierOption",
		"WithClock", "WithLeeway", "WithMaxAge", "WithMaxBodyBytes",
	}
	apisurface.Check(t, ".", want)
}

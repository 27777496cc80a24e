package telnyx_test

import (
	"testing"

	"github.com/hmssip/interconnect-go/internal/apisurface"
)

// TestPublicAPI pins the exported names of the package and checks that
// each is documented.
func TestPublicAPI(t *testing.T) {
	want := []string{
		"Call", "CallAMD", "CallAnswered", "CallCompleted", "CallDTMF", "CallEvent", "CallInitiated", "CallRinging",
		"Config", "Config.Format", "Config.GoString", "Config.LogValue", "Config.MarshalJSON", "Config.String",
		"ContentType", "DefaultMaxBodyBytes", "DefaultTolerance", "Dial", "ErrBodyTooLarge", "ErrDuplicate", "ErrEnum",
		"ErrInvalidChar", "ErrInvalidSignature", "ErrInvalidUTF8", "ErrMissingSignature", "ErrMissingTimestamp", "ErrNil",
		"ErrNoUsername", "ErrRange", "ErrRequired", "ErrStaleTimestamp", "ErrWholeUnits", "ErrXMLChar", "Error",
		"Error.Error", "Error.Unwrap", "Gather", "GatherInput", "Hangup", "InputDTMF", "InputSpeech", "LoopForever",
		"Method", "MethodGet", "MethodPost", "NewCall", "NewCarrier", "NewSignedRequest", "NewVerifier", "Noun",
		"ParseCall", "Pause", "Redirect", "Response", "Response.AppendXML", "Response.MarshalText", "Response.Validate",
		"Response.WriteHTTP", "Response.WriteTo", "Say", "Signature", "SignatureHeader", "Sip", "Sip.Format",
		"Sip.GoString", "Sip.LogValue", "Sip.String", "TimestampHeader", "Verb", "Verifier", "Verifier.Check",
		"Verifier.Middleware", "Verifier.Verify", "VerifierOption", "WithClock", "WithMaxBodyBytes", "WithTolerance",
		"XMLDeclaration",
	}
	apisurface.Check(t, ".", want)
}

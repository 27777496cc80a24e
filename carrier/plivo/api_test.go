package plivo_test

import (
	"testing"

	"github.com/hmssip/interconnect-go/internal/apisurface"
)

// TestPublicAPI pins the exported names of the package and checks that
// each is documented.
func TestPublicAPI(t *testing.T) {
	want := []string{
		"AutoTimeout", "Call", "CheckCredentials", "Config", "Config.Format", "Config.GoString", "Config.LogValue",
		"Config.MarshalJSON", "Config.String", "ContentType", "DefaultMaxBodyBytes", "Dial", "ErrBodyTooLarge",
		"ErrCredentials", "ErrDuplicate", "ErrEnum", "ErrHeaderName", "ErrHeaderValue", "ErrInvalidChar",
		"ErrInvalidSignature", "ErrInvalidUTF8", "ErrMissingSignature", "ErrNilVerb", "ErrNoCallUUID", "ErrRange",
		"ErrRequired", "ErrTooLong", "ErrWholeUnits", "ErrXMLChar", "Error", "Error.Error", "Error.Unwrap", "GetInput",
		"Hangup", "HangupReason", "Header", "InputDTMF", "InputDTMFSpeech", "InputSpeech", "InputType", "LoopForever",
		"MaxCallerNameRunes", "MaxHeaderNameLen", "MaxHeaderValueLen", "MaxSpeakRunes", "MaxURILen", "Method", "MethodGet",
		"MethodPost", "NewCarrier", "NewSignedRequest", "NewVerifier", "NonceHeader", "ParseCall", "ReasonBusy",
		"ReasonRejected", "Redirect", "Response", "Response.AppendXML", "Response.MarshalText", "Response.WriteHTTP",
		"Response.WriteTo", "SignatureHeader", "SignatureV3", "Speak", "User", "ValidateSignatureV3", "Verb", "Verifier",
		"Verifier.Middleware", "Verifier.URL", "Verifier.Verify", "VerifierOption", "WithMaxBodyBytes", "XMLDeclaration",
	}
	apisurface.Check(t, ".", want)
}

package signalwire_test

import (
	"testing"

	"github.com/hmssip/interconnect-go/internal/apisurface"
)

// TestPublicAPI pins the exported names of the package and checks that
// each is documented.
func TestPublicAPI(t *testing.T) {
	want := []string{
		"Call", "CallAnswered", "CallCompleted", "CallEvent", "CallInitiated", "CallRinging", "Codec", "CodecG722",
		"CodecG729", "CodecOPUS", "CodecPCMA", "CodecPCMU", "Config", "Config.Format", "Config.GoString", "Config.LogValue",
		"Config.MarshalJSON", "Config.String", "ContentType", "DefaultMaxBodyBytes", "Dial", "ErrBodyHash",
		"ErrBodyTooLarge", "ErrDuplicate", "ErrEnum", "ErrInvalidChar", "ErrInvalidSignature", "ErrInvalidUTF8",
		"ErrMissingSignature", "ErrNil", "ErrNoUsername", "ErrRange", "ErrRequired", "ErrWholeUnits", "ErrXMLChar", "Error",
		"Error.Error", "Error.Unwrap", "Gather", "GatherInput", "Hangup", "InputDTMF", "InputSpeech", "LoopForever",
		"MaxSayText", "Method", "MethodGet", "MethodPost", "NewCall", "NewCarrier", "NewSignedRequest", "NewVerifier",
		"Noun", "ParseCall", "Response", "Response.AppendXML", "Response.MarshalText", "Response.Validate",
		"Response.WriteHTTP", "Response.WriteTo", "Say", "Signature", "SignatureHeader", "Sip", "Sip.Format",
		"Sip.GoString", "Sip.LogValue", "Sip.String", "TwilioSignatureHeader", "Verb", "Verifier", "Verifier.Middleware",
		"Verifier.URL", "Verifier.Verify", "VerifierOption", "WithMaxBodyBytes", "XMLDeclaration",
	}
	apisurface.Check(t, ".", want)
}

package signalwire_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/internal/apisurface"
)

// TestPublicAPI pins the exported names of the package and checks that
// each is documented.
func TestPublicAPI(t *testing.T) {
	want := []string{
		"Config", "Config.Format", "Config.GoString", "Config.LogValue", "Config.MarshalJSON", "Config.String", "NewCarrier",
		"Call", "CallAnswered", "CallCompleted", "CallEvent", "CallInitiated", "CallRinging",
		"Codec", "CodecG722", "CodecG729", "CodecOPUS", "CodecPCMA", "CodecPCMU",
		"ContentType", "DefaultMaxBodyBytes", "Dial",
		"ErrBodyHash", "ErrBodyTooLarge", "ErrDuplicate", "ErrEnum", "ErrInvalidChar", "ErrInvalidSignature", "ErrInvalidUTF8",
		"ErrMissingSignature", "ErrNil", "ErrNoUsername", "ErrRange", "ErrRequired", "ErrWholeUnits", "ErrXMLChar",
		"Error", "Error.Error", "Error.Unwrap", "Gather", "GatherInput", "Hangup", "InputDTMF", "InputSpeech",
		"LoopForever", "MaxSayText", "Method", "MethodGet", "MethodPost",
		"NewCall", "NewSignedRequest", "NewVerifier", "Noun", "ParseCall",
		"Response", "Response.AppendXML", "Response.MarshalText", "Response.Validate", "Response.WriteHTTP", "Response.WriteTo",
		"Say", "Signature", "SignatureHeader", "Sip", "Sip.Format", "Sip.GoString", "Sip.LogValue", "Sip.String",
		"TwilioSignatureHeader", "Verb", "Verifier", "Verifier.Middleware", "Verifier.URL", "Verifier.Verify", "VerifierOption",
		"WithMaxBodyBytes", "XMLDeclaration",
	}
	names, err := apisurface.Exported(".")
	require.NoError(t, err)
	var got []string
	for _, n := range names {
		got = append(got, n.Name)
		assert.True(t, n.Documented, "%s has no doc comment", n.Name)
	}
	assert.ElementsMatch(t, want, got)
}

package telnyx_test

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
		"Call", "CallAMD", "CallAnswered", "CallCompleted", "CallDTMF", "CallEvent", "CallInitiated", "CallRinging",
		"ContentType", "DefaultMaxBodyBytes", "DefaultTolerance", "Dial",
		"ErrBodyTooLarge", "ErrDuplicate", "ErrEnum", "ErrInvalidChar", "ErrInvalidSignature", "ErrInvalidUTF8",
		"ErrMissingSignature", "ErrMissingTimestamp", "ErrNil", "ErrNoUsername", "ErrRange", "ErrRequired",
		"ErrStaleTimestamp", "ErrWholeUnits", "ErrXMLChar", "Error", "Error.Error", "Error.Unwrap",
		"Gather", "GatherInput", "Hangup", "InputDTMF", "InputSpeech", "LoopForever", "Method", "MethodGet", "MethodPost",
		"NewCall", "NewSignedRequest", "NewVerifier", "Noun", "ParseCall", "Pause",
		"Redirect", "Response", "Response.AppendXML", "Response.MarshalText", "Response.Validate", "Response.WriteHTTP", "Response.WriteTo",
		"Say", "SignatureHeader", "Signature", "Sip", "Sip.Format", "Sip.GoString", "Sip.LogValue", "Sip.String",
		"TimestampHeader", "Verb", "Verifier", "Verifier.Check", "Verifier.Middleware", "Verifier.Verify", "VerifierOption",
		"WithClock", "WithMaxBodyBytes", "WithTolerance", "XMLDeclaration",
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

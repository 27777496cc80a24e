package twiml_test

import (
	"testing"

	"github.com/hmssip/interconnect-go/internal/apisurface"
)

// TestPublicAPI pins the exported names of the package: each serves a user
// and is documented. Helpers the module shares between its own packages
// live under internal/.
func TestPublicAPI(t *testing.T) {
	apisurface.Check(t, ".", `
		CallAnswered CallCompleted CallEvent CallInitiated CallRinging ContentType
		DefaultMaxBodyBytes Dial DoNotRecord DoNotTrim ErrBodyHash ErrBodyTooLarge
		ErrDuplicate ErrEnum ErrInvalidChar ErrInvalidSignature ErrInvalidUTF8 ErrMissingSignature
		ErrNilVerb ErrNoUsername ErrRange ErrRejectPosition ErrRequired ErrTooManyNouns
		ErrWholeUnits ErrXMLChar Error Error.Error Error.Unwrap Gather
		GatherInput GatherVerb Hangup InputDTMF InputSpeech LoopForever
		MachineDetection MachineDetectionDetectMessageEnd MachineDetectionEnable MaxNouns Method MethodGet
		MethodPost NewSignedRequest NewVerifier Noun Number Pause Play
		ReasonBusy ReasonRejected Record RecordFromAnswer RecordFromAnswerDual RecordFromRinging
		RecordFromRingingDual RecordingAbsent RecordingCompleted RecordingEvent RecordingInProgress RecordingTrack
		Redirect Reject RejectReason Response Response.AppendXML Response.MarshalText
		Response.Validate Response.WriteHTTP Response.WriteTo Say Signature SignatureHeader
		Sip Sip.Format Sip.GoString Sip.LogValue Sip.String TrackBoth TrackInbound TrackOutbound Trim TrimSilence
		ValidateJSONSignature ValidateSignature Verb Verifier Verifier.Middleware Verifier.URL
		Verifier.Verify VerifierOption WithMaxBodyBytes XMLDeclaration
	`)
}

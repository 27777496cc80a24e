package telnyx

import "slices"

// Method is the HTTP method Telnyx uses for a callback URL.
type Method string

// The methods TeXML accepts for callbacks.
const (
	MethodGet  Method = "GET"
	MethodPost Method = "POST"
)

func (m Method) valid() bool { return m == MethodGet || m == MethodPost }

// CallEvent is an event of Sip.StatusCallbackEvent. The values are those
// the TeXML <Dial> page lists for its nouns.
type CallEvent string

// The call progress events.
const (
	CallInitiated CallEvent = "initiated"
	CallRinging   CallEvent = "ringing"
	CallAnswered  CallEvent = "answered"
	CallAMD       CallEvent = "amd"
	CallDTMF      CallEvent = "dtmf"
	CallCompleted CallEvent = "completed"
)

func (e CallEvent) valid() bool {
	return slices.Contains([]CallEvent{CallInitiated, CallRinging, CallAnswered, CallAMD, CallDTMF, CallCompleted}, e)
}

// GatherInput is a kind of input <Gather> collects.
type GatherInput string

// The values of Gather.Input.
const (
	InputDTMF   GatherInput = "dtmf"
	InputSpeech GatherInput = "speech"
)

func (g GatherInput) valid() bool { return g == InputDTMF || g == InputSpeech }

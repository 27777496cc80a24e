package signalwire

import "slices"

// Method is the HTTP method SignalWire uses for a callback URL.
type Method string

// The methods cXML accepts for callbacks.
const (
	MethodGet  Method = "GET"
	MethodPost Method = "POST"
)

func (m Method) valid() bool { return m == MethodGet || m == MethodPost }

// CallEvent is an event of Sip.StatusCallbackEvent.
type CallEvent string

// The call progress events of SignalWire's <Sip> page.
const (
	CallInitiated CallEvent = "initiated"
	CallRinging   CallEvent = "ringing"
	CallAnswered  CallEvent = "answered"
	CallCompleted CallEvent = "completed"
)

func (e CallEvent) valid() bool {
	return slices.Contains([]CallEvent{CallInitiated, CallRinging, CallAnswered, CallCompleted}, e)
}

// Codec is an audio codec SignalWire offers to a SIP user agent.
type Codec string

// The codecs of SignalWire's <Sip> page.
const (
	CodecPCMU Codec = "PCMU"
	CodecPCMA Codec = "PCMA"
	CodecG722 Codec = "G722"
	CodecG729 Codec = "G729"
	CodecOPUS Codec = "OPUS"
)

func (c Codec) valid() bool {
	return slices.Contains([]Codec{CodecPCMU, CodecPCMA, CodecG722, CodecG729, CodecOPUS}, c)
}

// GatherInput is a kind of input <Gather> collects.
type GatherInput string

// The values of Gather.Input.
const (
	InputDTMF   GatherInput = "dtmf"
	InputSpeech GatherInput = "speech"
)

func (g GatherInput) valid() bool { return g == InputDTMF || g == InputSpeech }

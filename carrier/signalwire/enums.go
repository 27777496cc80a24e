package signalwire

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
	switch e {
	case CallInitiated, CallRinging, CallAnswered, CallCompleted:
		return true
	}
	return false
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
	switch c {
	case CodecPCMU, CodecPCMA, CodecG722, CodecG729, CodecOPUS:
		return true
	}
	return false
}

// GatherInput is a kind of input <Gather> collects.
type GatherInput string

// The values of Gather.Input.
const (
	InputDTMF   GatherInput = "dtmf"
	InputSpeech GatherInput = "speech"
)

func (g GatherInput) valid() bool { return g == InputDTMF || g == InputSpeech }

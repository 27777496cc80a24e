package twiml

import "slices"

// Method is the HTTP method Twilio uses for a callback URL.
type Method string

// The methods Twilio accepts for callbacks.
const (
	MethodGet  Method = "GET"
	MethodPost Method = "POST"
)

func (m Method) valid() bool { return slices.Contains([]Method{MethodGet, MethodPost}, m) }

// Record says whether and how <Dial> records the call.
type Record string

// The values of Dial.Record.
const (
	DoNotRecord           Record = "do-not-record"
	RecordFromAnswer      Record = "record-from-answer"
	RecordFromRinging     Record = "record-from-ringing"
	RecordFromAnswerDual  Record = "record-from-answer-dual"
	RecordFromRingingDual Record = "record-from-ringing-dual"
)

func (r Record) valid() bool {
	return slices.Contains([]Record{DoNotRecord, RecordFromAnswer, RecordFromRinging, RecordFromAnswerDual, RecordFromRingingDual}, r)
}

// Trim says whether silence is trimmed from a recording.
type Trim string

// The values of Dial.Trim.
const (
	TrimSilence Trim = "trim-silence"
	DoNotTrim   Trim = "do-not-trim"
)

func (t Trim) valid() bool { return slices.Contains([]Trim{TrimSilence, DoNotTrim}, t) }

// RecordingEvent is an event of Dial.RecordingStatusCallbackEvent.
type RecordingEvent string

// The recording status events.
const (
	RecordingInProgress RecordingEvent = "in-progress"
	RecordingCompleted  RecordingEvent = "completed"
	RecordingAbsent     RecordingEvent = "absent"
)

func (e RecordingEvent) valid() bool {
	return slices.Contains([]RecordingEvent{RecordingInProgress, RecordingCompleted, RecordingAbsent}, e)
}

// RecordingTrack is the audio track a <Dial> recording takes.
type RecordingTrack string

// The values of Dial.RecordingTrack.
const (
	TrackInbound  RecordingTrack = "inbound"
	TrackOutbound RecordingTrack = "outbound"
	TrackBoth     RecordingTrack = "both"
)

func (t RecordingTrack) valid() bool {
	return slices.Contains([]RecordingTrack{TrackInbound, TrackOutbound, TrackBoth}, t)
}

// CallEvent is an event of a noun's StatusCallbackEvent list.
type CallEvent string

// The call progress events.
const (
	CallInitiated CallEvent = "initiated"
	CallRinging   CallEvent = "ringing"
	CallAnswered  CallEvent = "answered"
	CallCompleted CallEvent = "completed"
)

func (e CallEvent) valid() bool {
	return slices.Contains([]CallEvent{CallInitiated, CallRinging, CallAnswered, CallCompleted}, e)
}

// MachineDetection turns on answering machine detection for a dialed noun.
type MachineDetection string

// The values of MachineDetection.
const (
	MachineDetectionEnable           MachineDetection = "Enable"
	MachineDetectionDetectMessageEnd MachineDetection = "DetectMessageEnd"
)

func (m MachineDetection) valid() bool {
	return slices.Contains([]MachineDetection{MachineDetectionEnable, MachineDetectionDetectMessageEnd}, m)
}

// RejectReason is the reason <Reject> gives: the caller hears a busy signal
// or the call is rejected.
type RejectReason string

// The values of Reject.Reason.
const (
	ReasonRejected RejectReason = "rejected"
	ReasonBusy     RejectReason = "busy"
)

func (r RejectReason) valid() bool {
	return slices.Contains([]RejectReason{ReasonRejected, ReasonBusy}, r)
}

// GatherInput is a kind of input <Gather> collects.
type GatherInput string

// The values of Gather.Input.
const (
	InputDTMF   GatherInput = "dtmf"
	InputSpeech GatherInput = "speech"
)

func (g GatherInput) valid() bool { return slices.Contains([]GatherInput{InputDTMF, InputSpeech}, g) }

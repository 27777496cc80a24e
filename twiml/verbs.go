package twiml

import (
	"fmt"
	"strings"
	"time"

	"github.com/hmssip/interconnect-go/internal/xmlwrite"
)

// MaxNouns is the most nouns one <Dial> may hold (Twilio's limit with
// enhanced SIP; without it Twilio dials only one <Sip>).
const MaxNouns = 10

// LoopForever is the Loop value of Say and Play that repeats until the call
// ends (Twilio's loop="0").
const LoopForever = -1

// Verb is an element of a [Response]: a *[Dial], *[Say], *[Play], *[Pause],
// *[Hangup], *[Reject], *[Redirect] or *[Gather]. The verbs are used through
// pointers so that rendering never copies them.
type Verb interface {
	verbName() string
	appendXML(dst []byte, l xmlwrite.Loc) ([]byte, error)
}

// Noun is an element of a [Dial]: a *[Sip] or a *[Number].
type Noun interface {
	nounName() string
	appendXML(dst []byte, l xmlwrite.Loc) ([]byte, error)
}

// GatherVerb is a verb a [Gather] may nest: a *[Say], *[Play] or *[Pause].
type GatherVerb interface {
	Verb
	gatherVerb()
}

// Dial connects the caller to the nouns it holds. The zero value of each
// field leaves the attribute out, so Twilio's default applies.
type Dial struct {
	Action       string        // URL Twilio requests when the dialed call ends
	Method       Method        // method for Action
	Timeout      time.Duration // ring time, whole seconds, 5s to 600s
	HangupOnStar bool          // let the caller end the dialed call with '*'
	TimeLimit    time.Duration // longest call, whole seconds, 1s to 4h
	// CallerID is the caller id presented to the dialed party. With a Sip
	// noun it may hold only letters, digits and + - _ .
	CallerID                      string
	Record                        Record
	Trim                          Trim
	RecordingStatusCallback       string
	RecordingStatusCallbackMethod Method
	RecordingStatusCallbackEvent  []RecordingEvent
	// AnswerOnBridge keeps the caller hearing ringing until the dialed party
	// answers; recommended for a bridge into a meeting.
	AnswerOnBridge bool
	RingTone       string // country code of the ringback tone, such as "us" or "de"
	RecordingTrack RecordingTrack
	Sequential     bool // dial the nouns one after the other instead of all at once
	ReferURL       string
	ReferMethod    Method

	Nouns []Noun // one to MaxNouns nouns
}

// Sip dials a SIP URI. URI is the element's text.
type Sip struct {
	URI                                string
	Username                           string
	Password                           string
	URL                                string // URL whose TwiML runs for the called party before the bridge
	Method                             Method
	StatusCallbackEvent                []CallEvent
	StatusCallback                     string
	StatusCallbackMethod               Method
	MachineDetection                   MachineDetection
	AmdStatusCallbackMethod            Method
	AmdStatusCallback                  string
	MachineDetectionTimeout            time.Duration // whole seconds, 3s to 60s
	MachineDetectionSpeechThreshold    time.Duration // whole milliseconds, 1s to 6s
	MachineDetectionSpeechEndThreshold time.Duration // whole milliseconds, 500ms to 5s
	MachineDetectionSilenceTimeout     time.Duration // whole milliseconds, 2s to 10s
}

// Number dials a phone number. Number is the element's text.
type Number struct {
	Number               string
	SendDigits           string // digits to play once answered: 0-9 * # and w for a pause
	URL                  string
	Method               Method
	StatusCallbackEvent  []CallEvent
	StatusCallback       string
	StatusCallbackMethod Method
}

// Say speaks Text.
type Say struct {
	Text     string
	Voice    string // such as "alice" or "Polly.Joanna"
	Loop     int    // times to speak; 0 leaves the attribute out; LoopForever repeats
	Language string // such as "en-US"
}

// Play plays the audio at URL, or the DTMF Digits.
type Play struct {
	URL    string
	Loop   int // times to play; 0 leaves the attribute out; LoopForever repeats
	Digits string
}

// Pause waits in silence.
type Pause struct {
	Length time.Duration // whole seconds, at least 1s; zero leaves it at Twilio's 1s
}

// Hangup ends the call.
type Hangup struct{}

// Reject declines the call without answering it, so it is not billed. It
// must be the first verb of a response.
type Reject struct {
	Reason RejectReason
}

// Redirect hands the call to the TwiML at URL.
type Redirect struct {
	URL    string
	Method Method
}

// Gather collects digits or speech, playing its nested verbs meanwhile.
type Gather struct {
	Input       []GatherInput
	Action      string
	Method      Method
	Timeout     time.Duration // silence before Gather ends, whole seconds, 1s to 600s
	FinishOnKey string        // one of 0-9 * #
	NumDigits   int           // digits to collect, at least 1; 0 leaves the attribute out
	Verbs       []GatherVerb
}

func (*Dial) verbName() string     { return "Dial" }
func (*Say) verbName() string      { return "Say" }
func (*Play) verbName() string     { return "Play" }
func (*Pause) verbName() string    { return "Pause" }
func (*Hangup) verbName() string   { return "Hangup" }
func (*Reject) verbName() string   { return "Reject" }
func (*Redirect) verbName() string { return "Redirect" }
func (*Gather) verbName() string   { return "Gather" }
func (*Sip) nounName() string      { return "Sip" }
func (*Number) nounName() string   { return "Number" }
func (*Say) gatherVerb()           {}
func (*Play) gatherVerb()          {}
func (*Pause) gatherVerb()         {}

// Each element's appendXML appends the element to dst, checking every value
// on the way. On error the output is incomplete and the caller discards it.

func (d *Dial) appendXML(dst []byte, l xmlwrite.Loc) ([]byte, error) {
	if d == nil {
		return dst, fail(l, "", -1, ErrNilVerb)
	}
	switch {
	case len(d.Nouns) == 0:
		return dst, fail(l, "", -1, fmt.Errorf("%w: at least one noun", ErrRequired))
	case len(d.Nouns) > MaxNouns:
		return dst, fail(l, "", -1, fmt.Errorf("%w: %d", ErrTooManyNouns, len(d.Nouns)))
	}
	e := xmlwrite.Open(dst, "Dial")
	e.Str("action", d.Action)
	e.Enum("method", string(d.Method), d.Method.valid())
	e.Duration("timeout", d.Timeout, time.Second, 5, 600)
	e.Flag("hangupOnStar", d.HangupOnStar)
	e.Duration("timeLimit", d.TimeLimit, time.Second, 1, 14400)
	e.Str("callerId", d.CallerID)
	e.Enum("record", string(d.Record), d.Record.valid())
	e.Enum("trim", string(d.Trim), d.Trim.valid())
	e.Str("recordingStatusCallback", d.RecordingStatusCallback)
	e.Enum("recordingStatusCallbackMethod", string(d.RecordingStatusCallbackMethod), d.RecordingStatusCallbackMethod.valid())
	xmlwrite.List(&e, "recordingStatusCallbackEvent", d.RecordingStatusCallbackEvent, RecordingEvent.valid)
	e.Flag("answerOnBridge", d.AnswerOnBridge)
	e.Enum("ringTone", d.RingTone, validRingTone(d.RingTone))
	e.Enum("recordingTrack", string(d.RecordingTrack), d.RecordingTrack.valid())
	e.Flag("sequential", d.Sequential)
	e.Str("referUrl", d.ReferURL)
	e.Enum("referMethod", string(d.ReferMethod), d.ReferMethod.valid())
	if e.Err != nil {
		return e.Result(l, fail)
	}
	e.Buf = append(e.Buf, '>')
	hasSip := false
	for i, n := range d.Nouns {
		if n == nil {
			return e.Buf, fail(l.In("?", i), "", -1, ErrNilVerb)
		}
		name := n.nounName()
		hasSip = hasSip || name == "Sip"
		var err error
		if e.Buf, err = n.appendXML(e.Buf, l.In(name, i)); err != nil {
			return e.Buf, err
		}
	}
	if hasSip && d.CallerID != "" {
		if err := checkSipCallerID(l, d.CallerID); err != nil {
			return e.Buf, err
		}
	}
	e.End("Dial")
	return e.Buf, nil
}

// checkSipCallerID checks a caller id used with <Sip>: letters, digits and
// + - _ . only.
func checkSipCallerID(l xmlwrite.Loc, id string) error {
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '+' || c == '-' || c == '_' || c == '.') {
			return fail(l, "callerId", i, fmt.Errorf("%w: with <Sip> only letters, digits, '+', '-', '_' and '.' are allowed", ErrInvalidChar))
		}
	}
	return nil
}

// validRingTone accepts two lower-case letters, optionally followed by a
// hyphen and a lower-case suffix (Twilio has "us-old").
func validRingTone(s string) bool {
	if s == "" {
		return true
	}
	cc, suffix, hasSuffix := strings.Cut(s, "-")
	if len(cc) != 2 || !isLowerWord(cc) {
		return false
	}
	return !hasSuffix || (suffix != "" && isLowerWord(suffix))
}

func isLowerWord(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

func (s *Sip) appendXML(dst []byte, l xmlwrite.Loc) ([]byte, error) {
	if s == nil {
		return dst, fail(l, "", -1, ErrNilVerb)
	}
	if attr, off, err := xmlwrite.CheckSIP(s.URI, s.Username, s.Password); err != nil {
		return dst, fail(l, attr, off, err)
	}
	e := xmlwrite.Open(dst, "Sip")
	e.Str("username", s.Username)
	e.Str("password", s.Password)
	e.Str("url", s.URL)
	e.Enum("method", string(s.Method), s.Method.valid())
	xmlwrite.List(&e, "statusCallbackEvent", s.StatusCallbackEvent, CallEvent.valid)
	e.Str("statusCallback", s.StatusCallback)
	e.Enum("statusCallbackMethod", string(s.StatusCallbackMethod), s.StatusCallbackMethod.valid())
	e.Enum("machineDetection", string(s.MachineDetection), s.MachineDetection.valid())
	e.Enum("amdStatusCallbackMethod", string(s.AmdStatusCallbackMethod), s.AmdStatusCallbackMethod.valid())
	e.Str("amdStatusCallback", s.AmdStatusCallback)
	e.Duration("machineDetectionTimeout", s.MachineDetectionTimeout, time.Second, 3, 60)
	e.Duration("machineDetectionSpeechThreshold", s.MachineDetectionSpeechThreshold, time.Millisecond, 1000, 6000)
	e.Duration("machineDetectionSpeechEndThreshold", s.MachineDetectionSpeechEndThreshold, time.Millisecond, 500, 5000)
	e.Duration("machineDetectionSilenceTimeout", s.MachineDetectionSilenceTimeout, time.Millisecond, 2000, 10000)
	e.CloseText("Sip", s.URI)
	return e.Result(l, fail)
}

func (n *Number) appendXML(dst []byte, l xmlwrite.Loc) ([]byte, error) {
	if n == nil {
		return dst, fail(l, "", -1, ErrNilVerb)
	}
	if n.Number == "" {
		return dst, fail(l, xmlwrite.Text, -1, ErrRequired)
	}
	if err := checkDigits(l, "sendDigits", n.SendDigits); err != nil {
		return dst, err
	}
	e := xmlwrite.Open(dst, "Number")
	e.Enum("sendDigits", n.SendDigits, true)
	e.Str("url", n.URL)
	e.Enum("method", string(n.Method), n.Method.valid())
	xmlwrite.List(&e, "statusCallbackEvent", n.StatusCallbackEvent, CallEvent.valid)
	e.Str("statusCallback", n.StatusCallback)
	e.Enum("statusCallbackMethod", string(n.StatusCallbackMethod), n.StatusCallbackMethod.valid())
	e.CloseText("Number", n.Number)
	return e.Result(l, fail)
}

// checkDigits accepts DTMF digits: 0-9, *, # and w (a half-second pause).
func checkDigits(l xmlwrite.Loc, attr, s string) error {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || c == '*' || c == '#' || c == 'w' || c == 'W') {
			return fail(l, attr, i, fmt.Errorf("%w: digits are 0-9 * # w", ErrInvalidChar))
		}
	}
	return nil
}

func loop(e *xmlwrite.Enc, n int) {
	switch {
	case e.Err != nil:
	case n < LoopForever:
		e.Fail("loop", -1, fmt.Errorf("%w: %d, want a count, 0 for unset or LoopForever", ErrRange, n))
	case n == LoopForever:
		e.Int64("loop", 0)
	case n > 0:
		e.Int64("loop", int64(n))
	}
}

func (s *Say) appendXML(dst []byte, l xmlwrite.Loc) ([]byte, error) {
	if s == nil {
		return dst, fail(l, "", -1, ErrNilVerb)
	}
	if s.Text == "" {
		return dst, fail(l, xmlwrite.Text, -1, ErrRequired)
	}
	e := xmlwrite.Open(dst, "Say")
	e.Str("voice", s.Voice)
	loop(&e, s.Loop)
	e.Str("language", s.Language)
	e.CloseText("Say", s.Text)
	return e.Result(l, fail)
}

func (p *Play) appendXML(dst []byte, l xmlwrite.Loc) ([]byte, error) {
	if p == nil {
		return dst, fail(l, "", -1, ErrNilVerb)
	}
	if p.URL == "" && p.Digits == "" {
		return dst, fail(l, xmlwrite.Text, -1, fmt.Errorf("%w: a URL or digits", ErrRequired))
	}
	if err := checkDigits(l, "digits", p.Digits); err != nil {
		return dst, err
	}
	e := xmlwrite.Open(dst, "Play")
	loop(&e, p.Loop)
	e.Enum("digits", p.Digits, true)
	e.CloseText("Play", p.URL)
	return e.Result(l, fail)
}

func (p *Pause) appendXML(dst []byte, l xmlwrite.Loc) ([]byte, error) {
	if p == nil {
		return dst, fail(l, "", -1, ErrNilVerb)
	}
	e := xmlwrite.Open(dst, "Pause")
	e.Duration("length", p.Length, time.Second, 1, 3600)
	e.CloseText("Pause", "")
	return e.Result(l, fail)
}

func (h *Hangup) appendXML(dst []byte, l xmlwrite.Loc) ([]byte, error) {
	if h == nil {
		return dst, fail(l, "", -1, ErrNilVerb)
	}
	return append(dst, "<Hangup/>"...), nil
}

func (r *Reject) appendXML(dst []byte, l xmlwrite.Loc) ([]byte, error) {
	if r == nil {
		return dst, fail(l, "", -1, ErrNilVerb)
	}
	if l.VI != 1 {
		return dst, fail(l, "", -1, ErrRejectPosition)
	}
	e := xmlwrite.Open(dst, "Reject")
	e.Enum("reason", string(r.Reason), r.Reason.valid())
	e.CloseText("Reject", "")
	return e.Result(l, fail)
}

func (r *Redirect) appendXML(dst []byte, l xmlwrite.Loc) ([]byte, error) {
	if r == nil {
		return dst, fail(l, "", -1, ErrNilVerb)
	}
	if r.URL == "" {
		return dst, fail(l, xmlwrite.Text, -1, ErrRequired)
	}
	e := xmlwrite.Open(dst, "Redirect")
	e.Enum("method", string(r.Method), r.Method.valid())
	e.CloseText("Redirect", r.URL)
	return e.Result(l, fail)
}

func (g *Gather) appendXML(dst []byte, l xmlwrite.Loc) ([]byte, error) {
	if g == nil {
		return dst, fail(l, "", -1, ErrNilVerb)
	}
	if k := g.FinishOnKey; k != "" && (len(k) != 1 || strings.IndexByte("0123456789*#", k[0]) < 0) {
		return dst, fail(l, "finishOnKey", -1, fmt.Errorf("%w: one of 0-9 * #", ErrEnum))
	}
	if g.NumDigits < 0 {
		return dst, fail(l, "numDigits", -1, fmt.Errorf("%w: %d", ErrRange, g.NumDigits))
	}
	e := xmlwrite.Open(dst, "Gather")
	xmlwrite.List(&e, "input", g.Input, GatherInput.valid)
	e.Str("action", g.Action)
	e.Enum("method", string(g.Method), g.Method.valid())
	e.Duration("timeout", g.Timeout, time.Second, 1, 600)
	e.Enum("finishOnKey", g.FinishOnKey, true)
	if g.NumDigits > 0 && e.Err == nil {
		e.Int64("numDigits", int64(g.NumDigits))
	}
	if e.Err != nil || len(g.Verbs) == 0 {
		e.CloseText("Gather", "")
		return e.Result(l, fail)
	}
	e.Buf = append(e.Buf, '>')
	for i, v := range g.Verbs {
		if v == nil {
			return e.Buf, fail(l.In("?", i), "", -1, ErrNilVerb)
		}
		var err error
		if e.Buf, err = v.appendXML(e.Buf, l.In(v.verbName(), i)); err != nil {
			return e.Buf, err
		}
	}
	e.End("Gather")
	return e.Buf, nil
}

package signalwire

import (
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/hmssip/interconnect-go/internal/xmlwrite"
)

// LoopForever is the Loop value of [Say] that repeats until the call ends
// (cXML's loop="0").
const LoopForever = -1

// MaxSayText is the most characters SignalWire speaks in one <Say>.
const MaxSayText = 4096

// Verb is an element of a [Response]: a *[Dial], *[Say], *[Gather] or
// *[Hangup].
type Verb interface {
	verbName() string
	appendXML(dst []byte, l xmlwrite.Loc) ([]byte, error)
}

// Noun is an element of a [Dial]. This package models one: *[Sip].
type Noun interface {
	nounName() string
	appendXML(dst []byte, l xmlwrite.Loc) ([]byte, error)
}

// Dial connects the caller to the nouns it holds. The zero value of each
// field leaves the attribute out, so SignalWire's default applies. The
// attributes are on SignalWire's cXML <Dial> page
// (signalwire.com/docs/compatibility-api/cxml/reference/voice/dial); that
// page gives no ranges for timeout and timeLimit, so Twilio's (5–600 s and
// 1 s–4 h), which cXML is compatible with, are enforced. Attributes come in
// the order of Twilio's helper libraries.
type Dial struct {
	Action       string        // URL SignalWire requests when the dialed call ends
	Method       Method        // method for Action
	Timeout      time.Duration // ring time, whole seconds, 5s to 600s
	HangupOnStar bool          // let the caller end the dialed call with '*'
	TimeLimit    time.Duration // longest call, whole seconds, 1s to 4h
	// CallerID is the caller id presented to the dialed party. With a Sip
	// noun, SignalWire accepts letters, digits and + - _ . but no spaces.
	CallerID string
	// AnswerOnBridge keeps the caller hearing ringing until the dialed party
	// answers; recommended for a bridge into a meeting.
	AnswerOnBridge bool

	Nouns []Noun // at least one
}

// Sip dials a SIP URI, URI being the element's text. SignalWire's <Sip>
// page documents password ("Password for SIP authentication"), codecs, url,
// method and the status callback attributes; username is the TwiML
// attribute it pairs with. SIP URI headers (the "?" part, carrying the
// X-100ms-* headers) are written as for Twilio. SignalWire dials SIP over
// TLS by default; add ";transport=tcp" or ";transport=udp" to the URI for a
// destination without TLS.
//
// Sip's String, GoString and Format methods print "[REDACTED]" in place of
// a non-empty Password, and so does its slog value.
type Sip struct {
	URI                  string
	Username             string
	Password             string
	URL                  string // URL of cXML run for the called party before the bridge
	Method               Method // method for URL
	StatusCallbackEvent  []CallEvent
	StatusCallback       string
	StatusCallbackMethod Method
	Codecs               []Codec // offered in this order; SignalWire's default is PCMU,PCMA
}

// Say speaks Text, at most [MaxSayText] characters.
type Say struct {
	Text     string
	Voice    string // such as "woman", "man", "Polly.Joanna" or "gcloud.en-US-Wavenet-A"
	Loop     int    // times to speak, at least 1; 0 leaves the attribute out; LoopForever repeats
	Language string // such as "en-US"
}

// Hangup ends the call.
type Hangup struct{}

// Gather collects digits, speaking its prompts meanwhile. The collected
// digits arrive as the Digits parameter ([Call.Digits]). SignalWire
// requests Action with POST (its default); this package writes no method
// attribute, which the <Gather> page's attribute list does not show.
type Gather struct {
	Action string
	// ActionOnEmptyResult requests Action even when nothing was entered,
	// instead of going on to the next verb.
	ActionOnEmptyResult bool
	// FinishOnKey holds the keys (0-9 * #) that end the input; SignalWire's
	// default is "#".
	FinishOnKey string
	Input       []GatherInput
	NumDigits   int           // digits to collect, at least 1; 0 leaves the attribute out
	Timeout     time.Duration // silence before Gather ends, whole seconds, 1s to 600s
	Prompt      []*Say        // spoken while waiting
}

func (*Dial) verbName() string   { return "Dial" }
func (*Say) verbName() string    { return "Say" }
func (*Hangup) verbName() string { return "Hangup" }
func (*Gather) verbName() string { return "Gather" }
func (*Sip) nounName() string    { return "Sip" }

func isSipCallerIDChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '+' || c == '-' || c == '_' || c == '.'
}

func isKey(c byte) bool { return '0' <= c && c <= '9' || c == '*' || c == '#' }

func (d *Dial) appendXML(dst []byte, l xmlwrite.Loc) ([]byte, error) {
	if d == nil {
		return dst, fail(l, "", -1, ErrNil)
	}
	if len(d.Nouns) == 0 {
		return dst, fail(l, "", -1, fmt.Errorf("%w: at least one noun", ErrRequired))
	}
	e := xmlwrite.Open(dst, "Dial")
	e.Str("action", d.Action)
	e.Enum("method", string(d.Method), d.Method.valid())
	e.Duration("timeout", d.Timeout, time.Second, 5, 600)
	e.Flag("hangupOnStar", d.HangupOnStar)
	e.Duration("timeLimit", d.TimeLimit, time.Second, 1, 14400)
	e.CheckChars("callerId", d.CallerID, isSipCallerIDChar, "with <Sip> only letters, digits, '+', '-', '_' and '.' are allowed")
	e.Str("callerId", d.CallerID)
	e.Flag("answerOnBridge", d.AnswerOnBridge)
	e.StartContent()
	if e.Err != nil {
		return e.Result(l, fail)
	}
	for i, n := range d.Nouns {
		if n == nil || n == (*Sip)(nil) {
			return e.Buf, fail(l.In("Sip", i), "", -1, ErrNil)
		}
		var err error
		if e.Buf, err = n.appendXML(e.Buf, l.In(n.nounName(), i)); err != nil {
			return e.Buf, err
		}
	}
	e.End("Dial")
	return e.Buf, nil
}

func (s *Sip) appendXML(dst []byte, l xmlwrite.Loc) ([]byte, error) {
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
	appendCodecs(&e, s.Codecs)
	e.CloseText("Sip", s.URI)
	return e.Result(l, fail)
}

// appendCodecs writes the comma-separated codecs attribute.
func appendCodecs(e *xmlwrite.Enc, cs []Codec) {
	if len(cs) == 0 || e.Err != nil {
		return
	}
	// List checks and writes space-separated; render into a scratch
	// encoder, then write the same values with commas.
	check := xmlwrite.Enc{}
	xmlwrite.List(&check, "codecs", cs, Codec.valid)
	if check.Err != nil {
		e.Fail(check.Attr, check.Off, check.Err)
		return
	}
	v := make([]byte, 0, 6*len(cs))
	for i, c := range cs {
		if i > 0 {
			v = append(v, ',')
		}
		v = append(v, c...)
	}
	e.Enum("codecs", string(v), true)
}

func (s *Say) appendXML(dst []byte, l xmlwrite.Loc) ([]byte, error) {
	if s == nil {
		return dst, fail(l, "", -1, ErrNil)
	}
	if s.Text == "" {
		return dst, fail(l, xmlwrite.Text, -1, ErrRequired)
	}
	if n := utf8.RuneCountInString(s.Text); n > MaxSayText {
		return dst, fail(l, xmlwrite.Text, -1, fmt.Errorf("%w: %d characters, want at most %d", ErrRange, n, MaxSayText))
	}
	e := xmlwrite.Open(dst, "Say")
	e.Str("voice", s.Voice)
	switch {
	case s.Loop == LoopForever:
		e.Enum("loop", "0", true)
	case s.Loop < LoopForever:
		e.Fail("loop", -1, fmt.Errorf("%w: %d, want a count, 0 for unset or LoopForever", ErrRange, s.Loop))
	default:
		e.Int("loop", s.Loop, 1, 1<<31-1)
	}
	e.Str("language", s.Language)
	e.CloseText("Say", s.Text)
	return e.Result(l, fail)
}

func (h *Hangup) appendXML(dst []byte, l xmlwrite.Loc) ([]byte, error) {
	if h == nil {
		return dst, fail(l, "", -1, ErrNil)
	}
	return append(dst, "<Hangup/>"...), nil
}

func (g *Gather) appendXML(dst []byte, l xmlwrite.Loc) ([]byte, error) {
	if g == nil {
		return dst, fail(l, "", -1, ErrNil)
	}
	e := xmlwrite.Open(dst, "Gather")
	e.Str("action", g.Action)
	e.Flag("actionOnEmptyResult", g.ActionOnEmptyResult)
	e.CheckChars("finishOnKey", g.FinishOnKey, isKey, "keys are 0-9 * #")
	e.Str("finishOnKey", g.FinishOnKey)
	xmlwrite.List(&e, "input", g.Input, GatherInput.valid)
	if g.NumDigits < 0 && e.Err == nil {
		e.Fail("numDigits", -1, fmt.Errorf("%w: %d, want at least 1", ErrRange, g.NumDigits))
	}
	e.Int("numDigits", g.NumDigits, 1, 1<<31-1)
	e.Duration("timeout", g.Timeout, time.Second, 1, 600)
	return xmlwrite.CloseChildren(&e, l, "Gather", "Say", g.Prompt, (*Say).appendXML, fail)
}

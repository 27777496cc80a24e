package telnyx

import (
	"fmt"
	"time"

	"github.com/hmssip/interconnect-go/internal/webhook"
	"github.com/hmssip/interconnect-go/internal/xmlwrite"
)

// LoopForever is the Loop value of [Say] that repeats until the call ends
// (TeXML's loop="0").
const LoopForever = -1

// Verb is an element of a [Response]: a *[Dial], *[Say], *[Gather],
// *[Pause], *[Redirect] or *[Hangup].
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
// field leaves the attribute out, so Telnyx's default applies. Attributes,
// ranges and their order are those of the TeXML <Dial> page
// (developers.telnyx.com/docs/voice/programmable-voice/texml-verbs/dial).
type Dial struct {
	Action string // URL Telnyx requests when the dialed call ends
	Method Method // method for Action
	// CallerID is the caller id presented to the dialed party; Telnyx
	// documents it as an E.164 number, so only that is accepted.
	CallerID string
	// FromDisplayName is the SIP From display name: at most 128 letters,
	// digits, spaces and - _ ~ ! . + (Telnyx's documented limits).
	FromDisplayName string
	HangupOnStar    bool          // let the caller end the dialed call with '*'
	Timeout         time.Duration // ring time, whole seconds, 5s to 120s (Telnyx's range; Twilio allows 600s)
	TimeLimit       time.Duration // longest call, whole seconds, 60s to 4h
	// AnswerOnBridge keeps the caller hearing ringing until the dialed party
	// answers; recommended for a bridge into a meeting.
	AnswerOnBridge bool

	Nouns []Noun // at least one
}

// Sip dials a SIP URI, URI being the element's text. Telnyx documents
// username and password attributes on <Sip> for SIP authentication, so the
// 100ms workspace credentials travel as in Twilio's document. The TeXML
// pages say nothing about URI headers: the X-100ms-* headers are sent in the
// URI (its "?" part) exactly as for Twilio, and whether Telnyx turns them
// into INVITE headers is not documented.
//
// Sip's String, GoString and Format methods print "[REDACTED]" in place of
// a non-empty Password, and so does its slog value.
type Sip struct {
	URI                  string
	Username             string
	Password             string
	StatusCallback       string
	StatusCallbackEvent  []CallEvent
	StatusCallbackMethod Method
	URL                  string // URL of TeXML run for the called party before the bridge
	Method               Method // method for URL
}

// Say speaks Text.
type Say struct {
	Text     string
	Voice    string // such as "man", "woman", "alice" or "Polly.Joanna"
	Language string // such as "en-US"; Telnyx uses it with voice "alice"
	Loop     int    // times to speak, 1 to 10; 0 leaves the attribute out; LoopForever repeats
}

// Pause waits in silence.
type Pause struct {
	Length time.Duration // whole seconds, 1s to 180s; zero leaves it at Telnyx's 1s
}

// Hangup ends the call.
type Hangup struct{}

// Redirect hands the call to the TeXML at URL; verbs after it are not run.
// Its one attribute is method, GET or POST, POST by default
// (developers.telnyx.com/docs/voice/programmable-voice/texml-verbs/redirect).
// After a [Gather] it brings a caller who entered nothing back to URL.
type Redirect struct {
	URL    string // required: the element's text
	Method Method // empty leaves Telnyx's default, POST
}

// Gather collects DTMF digits, speaking its prompts meanwhile. Telnyx
// documents no method attribute on <Gather>: it requests Action with the
// method configured on the TeXML application. The collected digits arrive
// as the Digits parameter ([Call.Digits]).
type Gather struct {
	Action string
	// Timeout is the time allowed between digits, whole seconds, 1s to 120s.
	Timeout time.Duration
	Input   []GatherInput
	// FinishOnKey holds the keys (0-9 * #) that end the input; Telnyx's
	// default is "#".
	FinishOnKey string
	// NumDigits is the number of digits to collect, 1 to 128; 0 leaves it
	// out. Telnyx gives no range: 128 is its documented maxDigits bound.
	NumDigits   int
	ValidDigits string // the keys (0-9 * #) accepted
	MinDigits   int    // 1 to 128; 0 leaves it out
	MaxDigits   int    // 1 to 128, at least MinDigits; 0 leaves it out
	Prompt      []*Say // spoken while waiting
}

func (*Dial) verbName() string   { return "Dial" }
func (*Say) verbName() string    { return "Say" }
func (*Pause) verbName() string  { return "Pause" }
func (*Hangup) verbName() string { return "Hangup" }
func (*Gather) verbName() string { return "Gather" }

func (*Redirect) verbName() string { return "Redirect" }
func (*Sip) nounName() string      { return "Sip" }

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
	e.CheckChars("callerId", d.CallerID, isE164Char, "want an E.164 number such as +14155550100")
	if d.CallerID != "" && e.Err == nil && !isE164(d.CallerID) {
		e.Fail("callerId", -1, fmt.Errorf("%w: want an E.164 number such as +14155550100", ErrInvalidChar))
	}
	e.Str("callerId", d.CallerID)
	if n := len(d.FromDisplayName); n > 128 && e.Err == nil {
		e.Fail("fromDisplayName", -1, fmt.Errorf("%w: %d bytes, want at most 128", ErrRange, n))
	}
	e.CheckChars("fromDisplayName", d.FromDisplayName, isDisplayNameChar, "letters, digits, spaces and - _ ~ ! . + only")
	e.Str("fromDisplayName", d.FromDisplayName)
	e.Flag("hangupOnStar", d.HangupOnStar)
	e.Duration("timeout", d.Timeout, time.Second, 5, 120)
	e.Duration("timeLimit", d.TimeLimit, time.Second, 60, 14400)
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

func isE164Char(c byte) bool { return c == '+' || '0' <= c && c <= '9' }

// isE164 accepts + followed by 2 to 15 digits, the first not 0: a number
// webhook.IsE164 accepts, with at least two digits.
func isE164(s string) bool { return len(s) >= 3 && webhook.IsE164(s) }

func isDisplayNameChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == ' ' || c == '-' || c == '_' || c == '~' || c == '!' || c == '.' || c == '+'
}

func isKey(c byte) bool { return '0' <= c && c <= '9' || c == '*' || c == '#' }

func (s *Sip) appendXML(dst []byte, l xmlwrite.Loc) ([]byte, error) {
	if attr, off, err := xmlwrite.CheckSIP(s.URI, s.Username, s.Password); err != nil {
		return dst, fail(l, attr, off, err)
	}
	e := xmlwrite.Open(dst, "Sip")
	e.Str("username", s.Username)
	e.Str("password", s.Password)
	e.Str("statusCallback", s.StatusCallback)
	xmlwrite.List(&e, "statusCallbackEvent", s.StatusCallbackEvent, CallEvent.valid)
	e.Enum("statusCallbackMethod", string(s.StatusCallbackMethod), s.StatusCallbackMethod.valid())
	e.Str("url", s.URL)
	e.Enum("method", string(s.Method), s.Method.valid())
	e.CloseText("Sip", s.URI)
	return e.Result(l, fail)
}

func (s *Say) appendXML(dst []byte, l xmlwrite.Loc) ([]byte, error) {
	if s == nil {
		return dst, fail(l, "", -1, ErrNil)
	}
	if s.Text == "" {
		return dst, fail(l, xmlwrite.Text, -1, ErrRequired)
	}
	e := xmlwrite.Open(dst, "Say")
	e.Str("voice", s.Voice)
	e.Str("language", s.Language)
	switch {
	case s.Loop == LoopForever:
		e.Enum("loop", "0", true)
	case s.Loop < LoopForever:
		e.Fail("loop", -1, fmt.Errorf("%w: %d, want 1 to 10, 0 for unset or LoopForever", ErrRange, s.Loop))
	default:
		e.Int("loop", s.Loop, 1, 10)
	}
	e.CloseText("Say", s.Text)
	return e.Result(l, fail)
}

func (p *Pause) appendXML(dst []byte, l xmlwrite.Loc) ([]byte, error) {
	if p == nil {
		return dst, fail(l, "", -1, ErrNil)
	}
	e := xmlwrite.Open(dst, "Pause")
	e.Duration("length", p.Length, time.Second, 1, 180)
	e.CloseText("Pause", "")
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
	e.Duration("timeout", g.Timeout, time.Second, 1, 120)
	xmlwrite.List(&e, "input", g.Input, GatherInput.valid)
	e.CheckChars("finishOnKey", g.FinishOnKey, isKey, "keys are 0-9 * #")
	e.Str("finishOnKey", g.FinishOnKey)
	e.Int("numDigits", g.NumDigits, 1, 128)
	e.CheckChars("validDigits", g.ValidDigits, isKey, "keys are 0-9 * #")
	e.Str("validDigits", g.ValidDigits)
	e.Int("minDigits", g.MinDigits, 1, 128)
	e.Int("maxDigits", g.MaxDigits, 1, 128)
	if g.MinDigits > 0 && g.MaxDigits > 0 && g.MinDigits > g.MaxDigits && e.Err == nil {
		e.Fail("maxDigits", -1, fmt.Errorf("%w: %d is less than minDigits %d", ErrRange, g.MaxDigits, g.MinDigits))
	}
	return xmlwrite.CloseChildren(&e, l, "Gather", "Say", g.Prompt, (*Say).appendXML, fail)
}

func (r *Redirect) appendXML(dst []byte, l xmlwrite.Loc) ([]byte, error) {
	if r == nil {
		return dst, fail(l, "", -1, ErrNil)
	}
	if r.URL == "" {
		return dst, fail(l, xmlwrite.Text, -1, ErrRequired)
	}
	e := xmlwrite.Open(dst, "Redirect")
	e.Enum("method", string(r.Method), r.Method.valid())
	e.CloseText("Redirect", r.URL)
	return e.Result(l, fail)
}

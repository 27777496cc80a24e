package plivo

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hmssip/interconnect-go/internal/xmlwrite"
)

// XMLDeclaration starts every document.
const XMLDeclaration = `<?xml version="1.0" encoding="UTF-8"?>`

// ContentType is the Content-Type of a rendered document.
const ContentType = "text/xml; charset=utf-8"

// LoopForever is the Loop value of [Speak] that repeats until the call ends
// (Plivo's loop="0").
const LoopForever = -1

// AutoTimeout is the [GetInput.DigitEndTimeout] value that lets Plivo
// choose the inter-digit timeout (digitEndTimeout="auto").
const AutoTimeout time.Duration = -1

// Documented limits (sources named on each).
const (
	// MaxSpeakRunes bounds Speak's text: plivo-go's SpeakElement refuses
	// more than 3000 characters.
	MaxSpeakRunes = 3000
	// MaxCallerNameRunes bounds Dial's callerName (Plivo Dial page: "maximum
	// of 50 characters").
	MaxCallerNameRunes = 50
	// MaxHeaderNameLen bounds a sipHeaders name as sent, X-PH- included
	// (support.plivo.com: "maximum length of 24 characters"; read strictly,
	// as the whole name).
	MaxHeaderNameLen = 24
	// MaxHeaderValueLen bounds a sipHeaders value (support.plivo.com: 120).
	MaxHeaderValueLen = 120
	// MaxURILen bounds User's SIP URI. Plivo documents none; this is a
	// choice matching the 255 + 1024 bytes 100ms addresses stay under.
	MaxURILen = 1279
)

// Method is an HTTP method for a callback URL.
type Method string

// Methods Plivo accepts for callbacks.
const (
	MethodGet  Method = "GET"
	MethodPost Method = "POST"
)

// InputType is what a [GetInput] listens for.
type InputType string

// Input types (plivo.com/docs/voice/xml/getinput: dtmf, speech, dtmf speech).
const (
	InputDTMF       InputType = "dtmf"
	InputSpeech     InputType = "speech"
	InputDTMFSpeech InputType = "dtmf speech"
)

// HangupReason is the reason a [Hangup] gives the caller's network.
type HangupReason string

// Hangup reasons (plivo-go HangupElement; Plivo Hangup page: rejected, busy).
const (
	ReasonRejected HangupReason = "rejected"
	ReasonBusy     HangupReason = "busy"
)

// Verb is an element of a [Response]: a *[Dial], *[Speak], *[GetInput],
// *[Redirect] or *[Hangup].
type Verb interface {
	verbName() string
	appendXML(e *enc, path string)
}

// Response is a Plivo XML document.
type Response struct {
	Verbs []Verb
}

// Dial connects the caller to the users it holds (plivo.com/docs/voice/xml/dial).
// Zero values leave attributes out, so Plivo's defaults apply.
type Dial struct {
	Action       string // URL Plivo requests when the dial ends
	Method       Method // method for Action, GET or POST
	HangupOnStar bool
	// TimeLimit is the longest call, whole seconds. Plivo: "positive
	// integer", calls over 86400 s end at 24 h; allowed here: 1s to 24h.
	TimeLimit time.Duration
	// Timeout is the ring time, whole seconds. Plivo: "positive integer",
	// no maximum documented; allowed here: 1s to 24h (a choice).
	Timeout    time.Duration
	CallerID   string // a phone number: optional +, then 1 to 20 digits (a choice)
	CallerName string // at most MaxCallerNameRunes characters
	// CallbackURL receives dial events; CallbackMethod is its method.
	CallbackURL    string
	CallbackMethod Method
	// NoRedirect renders redirect="false": Plivo requests Action and
	// continues with the next verb instead of its answer (default true).
	NoRedirect bool

	Users []*User // one or more SIP users, dialled at once
}

// User dials a SIP URI (plivo.com/docs/voice/xml/dial/user). It has no
// credential attributes: see [CheckCredentials].
type User struct {
	// URI is the SIP URI, the element's text: "sip:" or "sips:", printable
	// ASCII without spaces or any of " < > \ ^ ` { | }, so the X-100ms
	// headers in its "?" part must be percent-encoded already (as
	// sipconnect.Address renders them).
	URI string
	// SendDigits are DTMF tones sent on answer: 0-9 * # and w/W pauses.
	SendDigits      string
	SendOnPreanswer bool
	// SIPHeaders become sipHeaders="Name=value,...", which Plivo sends as
	// X-PH-Name headers. See [Header] for the rules.
	SIPHeaders []Header
}

// Header is one custom header of User's sipHeaders. Name is given without
// Plivo's X-PH- prefix and must be an upper-case ASCII letter followed by
// lower-case letters and digits, at most 19 characters (24 with X-PH-);
// Value holds only letters, digits and %, at most 120 characters
// (support.plivo.com "What are the rules for SIP headers"; the User page
// allows letters and digits only, the custom-headers guide adds %).
// Anything else Plivo would drop or rename, so it is an error here.
type Header struct {
	Name, Value string
}

// Speak reads text aloud (plivo.com/docs/voice/xml/speak).
type Speak struct {
	Text string // required, at most MaxSpeakRunes characters
	// Voice is WOMAN (Plivo's default), MAN, or an Amazon Polly voice
	// written Polly.<Name> (plivo-go ValidateLanguageVoice).
	Voice string
	// Language is a language tag such as en-US (Plivo's default) or en-GB.
	Language string
	// Loop repeats the text: 1 or more times, or LoopForever. Zero leaves
	// the attribute out (once).
	Loop int
}

// GetInput collects the caller's digits (plivo.com/docs/voice/xml/getinput;
// Plivo recommends it over the older GetDigits even for digits only).
type GetInput struct {
	Action    string // required: the URL that receives Digits
	Method    Method
	InputType InputType // required; InputDTMF for a PIN
	// ExecutionTimeout is how long input is awaited after the prompts end:
	// whole seconds, 5s to 60s (Plivo's default 15s).
	ExecutionTimeout time.Duration
	// DigitEndTimeout is the wait between digits: whole seconds, 2s to 10s,
	// or AutoTimeout.
	DigitEndTimeout time.Duration
	// FinishOnKey submits the digits: one of 0-9 * #, or "none" to disable;
	// empty leaves Plivo's default (#).
	FinishOnKey string
	// NumDigits is the most digits collected: 1 to 99 (Plivo documents a
	// lower bound only; 99 is GetDigits' default, used here as the cap).
	NumDigits int
	// NoRedirect renders redirect="false" (Plivo's default is true).
	NoRedirect bool
	// NoLog renders log="false", keeping the digits out of Plivo's logs:
	// set it for a PIN.
	NoLog bool

	Prompts []*Speak // spoken while waiting
}

// Hangup ends the call (plivo-go HangupElement).
type Hangup struct {
	Reason HangupReason
	// Schedule hangs up after this long, whole seconds, 1s to 24h (a
	// choice: Plivo documents a positive integer).
	Schedule time.Duration
}

// Redirect hands the call to the XML at URL; elements after it are not run
// (Plivo's call-control XML page: Redirect fetches and executes XML from a
// different URL, method GET or POST, POST by default). After a [GetInput],
// which goes on to the next element when no input arrives
// (plivo.com/docs/voice/xml/getinput, executionTimeout), it brings a caller
// who entered nothing back to URL.
type Redirect struct {
	URL    string // required, a fully qualified URL: the element's text
	Method Method // empty leaves Plivo's default, POST
}

func (*Dial) verbName() string     { return "Dial" }
func (*Redirect) verbName() string { return "Redirect" }
func (*Speak) verbName() string    { return "Speak" }
func (*GetInput) verbName() string { return "GetInput" }
func (*Hangup) verbName() string   { return "Hangup" }

// AppendXML appends the document to dst. On an error, an [*Error] naming
// the element and attribute, it returns dst unchanged (its original length).
func (r *Response) AppendXML(dst []byte) ([]byte, error) {
	e := &enc{buf: dst}
	e.buf = append(e.buf, XMLDeclaration...)
	e.buf = append(e.buf, "<Response>"...)
	for i, v := range r.Verbs {
		if e.err != nil {
			break
		}
		path := "Response/"
		if v == nil || isNilVerb(v) {
			e.fail(path+"["+strconv.Itoa(i+1)+"]", "", -1, ErrNilVerb)
			break
		}
		v.appendXML(e, path+v.verbName()+"["+strconv.Itoa(i+1)+"]")
	}
	if e.err != nil {
		return dst, e.err
	}
	return append(e.buf, "</Response>"...), nil
}

func isNilVerb(v Verb) bool {
	switch v := v.(type) {
	case *Dial:
		return v == nil
	case *Speak:
		return v == nil
	case *GetInput:
		return v == nil
	case *Hangup:
		return v == nil
	case *Redirect:
		return v == nil
	}
	return false
}

// MarshalText renders the document into a new slice.
func (r *Response) MarshalText() ([]byte, error) { return r.AppendXML(nil) }

// WriteTo renders the document and writes it to w; nothing is written when
// the document is invalid.
func (r *Response) WriteTo(w io.Writer) (int64, error) {
	b, err := r.AppendXML(nil)
	if err != nil {
		return 0, err
	}
	n, err := w.Write(b)
	return int64(n), err
}

// WriteHTTP renders the document and writes it with status 200 and
// [ContentType]. On an invalid document it writes nothing and returns the
// error, so the caller can answer a fallback instead.
func (r *Response) WriteHTTP(w http.ResponseWriter) error {
	b, err := r.AppendXML(nil)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ContentType)
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(b)
	return err
}

// enc appends elements, keeping the first problem.
type enc struct {
	buf []byte
	err error
}

func (e *enc) fail(path, attr string, off int, reason error) {
	if e.err == nil {
		e.err = &Error{Path: path, Attribute: attr, Offset: off, Err: reason}
	}
}

func (e *enc) open(name string) {
	e.buf = append(e.buf, '<')
	e.buf = append(e.buf, name...)
}

// attr appends name="value" escaped, or nothing for an empty value.
func (e *enc) attr(path, name, value string) {
	if value == "" || e.err != nil {
		return
	}
	e.buf = append(e.buf, ' ')
	e.buf = append(e.buf, name...)
	e.buf = append(e.buf, '=', '"')
	out, bad, r := xmlwrite.Escape(e.buf, value, true)
	if bad >= 0 {
		e.fail(path, name, bad, refusal(r))
		return
	}
	e.buf = append(out, '"')
}

func refusal(r rune) error {
	if r == utf8.RuneError {
		return ErrInvalidUTF8
	}
	return fmt.Errorf("%w: %U", ErrXMLChar, r)
}

func (e *enc) raw(name, value string) {
	if e.err != nil {
		return
	}
	e.buf = append(e.buf, ' ')
	e.buf = append(e.buf, name...)
	e.buf = append(e.buf, '=', '"')
	e.buf = append(e.buf, value...)
	e.buf = append(e.buf, '"')
}

func (e *enc) flag(name string, b bool, value string) {
	if b {
		e.raw(name, value)
	}
}

func (e *enc) method(path, name string, m Method) {
	if m == "" || e.err != nil {
		return
	}
	if m != MethodGet && m != MethodPost {
		e.fail(path, name, -1, fmt.Errorf("%w: %q, want GET or POST", ErrEnum, string(m)))
		return
	}
	e.raw(name, string(m))
}

// seconds appends d as whole seconds within [min, max], or nothing for 0.
func (e *enc) seconds(path, name string, d time.Duration, min, max int64) {
	if d == 0 || e.err != nil {
		return
	}
	if d%time.Second != 0 {
		e.fail(path, name, -1, fmt.Errorf("%w: %v", ErrWholeUnits, d))
		return
	}
	if s := int64(d / time.Second); s < min || s > max {
		e.fail(path, name, -1, fmt.Errorf("%w: %v, want %ds to %ds", ErrRange, d, min, max))
		return
	}
	e.raw(name, strconv.FormatInt(int64(d/time.Second), 10))
}

// text closes the start tag, appends text escaped and the end tag.
func (e *enc) text(path, name, text string) {
	if e.err != nil {
		return
	}
	e.buf = append(e.buf, '>')
	out, bad, r := xmlwrite.Escape(e.buf, text, false)
	if bad >= 0 {
		e.fail(path, textAttr, bad, refusal(r))
		return
	}
	e.buf = append(out, "</"...)
	e.buf = append(e.buf, name...)
	e.buf = append(e.buf, '>')
}

func (d *Dial) appendXML(e *enc, path string) {
	if len(d.Users) == 0 {
		e.fail(path, "", -1, fmt.Errorf("%w: at least one <User>", ErrRequired))
		return
	}
	if n := utf8.RuneCountInString(d.CallerName); n > MaxCallerNameRunes {
		e.fail(path, "callerName", -1, fmt.Errorf("%w: %d characters, at most %d", ErrTooLong, n, MaxCallerNameRunes))
		return
	}
	if d.CallerID != "" && !validCallerID(d.CallerID) {
		e.fail(path, "callerId", -1, fmt.Errorf("%w: want an optional + and 1 to 20 digits", ErrInvalidChar))
		return
	}
	e.open("Dial")
	e.attr(path, "action", d.Action)
	e.method(path, "method", d.Method)
	e.flag("hangupOnStar", d.HangupOnStar, "true")
	e.seconds(path, "timeLimit", d.TimeLimit, 1, 86400)
	e.seconds(path, "timeout", d.Timeout, 1, 86400)
	e.attr(path, "callerId", d.CallerID)
	e.attr(path, "callerName", d.CallerName)
	e.attr(path, "callbackUrl", d.CallbackURL)
	e.method(path, "callbackMethod", d.CallbackMethod)
	e.flag("redirect", d.NoRedirect, "false")
	if e.err != nil {
		return
	}
	e.buf = append(e.buf, '>')
	for i, u := range d.Users {
		p := path + "/User[" + strconv.Itoa(i+1) + "]"
		if u == nil {
			e.fail(p, "", -1, ErrNilVerb)
			return
		}
		u.appendXML(e, p)
		if e.err != nil {
			return
		}
	}
	e.buf = append(e.buf, "</Dial>"...)
}

func validCallerID(s string) bool {
	s = strings.TrimPrefix(s, "+")
	if len(s) == 0 || len(s) > 20 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func (u *User) appendXML(e *enc, path string) {
	if off, err := xmlwrite.CheckSIPURI(u.URI, MaxURILen, sipURIReasons); err != nil {
		e.fail(path, textAttr, off, err)
		return
	}
	for i := 0; i < len(u.SendDigits); i++ {
		if !strings.ContainsRune("0123456789*#wW", rune(u.SendDigits[i])) {
			e.fail(path, "sendDigits", i, fmt.Errorf("%w: want 0-9 * # w W", ErrInvalidChar))
			return
		}
	}
	e.open("User")
	e.attr(path, "sendDigits", u.SendDigits)
	e.flag("sendOnPreanswer", u.SendOnPreanswer, "true")
	if len(u.SIPHeaders) > 0 {
		if err := checkHeaders(path, u.SIPHeaders); err != nil {
			e.err = err
			return
		}
		e.buf = append(e.buf, ` sipHeaders="`...)
		e.buf = appendSIPHeaders(e.buf, u.SIPHeaders)
		e.buf = append(e.buf, '"')
	}
	e.text(path, "User", u.URI)
}

func (s *Speak) appendXML(e *enc, path string) {
	if s.Text == "" {
		e.fail(path, textAttr, -1, fmt.Errorf("%w: text to speak", ErrRequired))
		return
	}
	if n := utf8.RuneCountInString(s.Text); n > MaxSpeakRunes {
		e.fail(path, textAttr, -1, fmt.Errorf("%w: %d characters, at most %d", ErrTooLong, n, MaxSpeakRunes))
		return
	}
	if s.Voice != "" && !validVoice(s.Voice) {
		e.fail(path, "voice", -1, fmt.Errorf("%w: %q, want WOMAN, MAN or Polly.<Name>", ErrEnum, s.Voice))
		return
	}
	if s.Language != "" && !xmlwrite.ValidLanguage(s.Language) {
		e.fail(path, "language", -1, fmt.Errorf("%w: %q, want a tag such as en-US", ErrInvalidChar, s.Language))
		return
	}
	if s.Loop < LoopForever || s.Loop > 1000 {
		e.fail(path, "loop", -1, fmt.Errorf("%w: %d, want 1 to 1000 or LoopForever", ErrRange, s.Loop))
		return
	}
	e.open("Speak")
	e.attr(path, "voice", s.Voice)
	e.attr(path, "language", s.Language)
	switch {
	case s.Loop == LoopForever:
		e.raw("loop", "0")
	case s.Loop > 0:
		e.raw("loop", strconv.Itoa(s.Loop))
	}
	e.text(path, "Speak", s.Text)
}

func validVoice(v string) bool {
	if v == "WOMAN" || v == "MAN" {
		return true
	}
	name, ok := strings.CutPrefix(v, "Polly.")
	if !ok || name == "" || len(name) > 32 {
		return false
	}
	for _, r := range name {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '-' || r == '_' || r > 0x7F && r != utf8.RuneError) {
			return false
		}
	}
	return utf8.ValidString(name)
}

func (g *GetInput) appendXML(e *enc, path string) {
	if g.Action == "" {
		e.fail(path, "action", -1, ErrRequired)
		return
	}
	switch g.InputType {
	case InputDTMF, InputSpeech, InputDTMFSpeech:
	case "":
		e.fail(path, "inputType", -1, ErrRequired)
		return
	default:
		e.fail(path, "inputType", -1, fmt.Errorf("%w: %q, want dtmf, speech or dtmf speech", ErrEnum, string(g.InputType)))
		return
	}
	switch k := g.FinishOnKey; {
	case k == "", k == "none":
	case len(k) == 1 && strings.Contains("0123456789*#", k):
	default:
		e.fail(path, "finishOnKey", -1, fmt.Errorf("%w: %q, want one of 0-9 * # or none", ErrEnum, k))
		return
	}
	if g.NumDigits < 0 || g.NumDigits > 99 {
		e.fail(path, "numDigits", -1, fmt.Errorf("%w: %d, want 1 to 99", ErrRange, g.NumDigits))
		return
	}
	e.open("GetInput")
	e.attr(path, "action", g.Action)
	e.method(path, "method", g.Method)
	e.raw("inputType", string(g.InputType))
	e.seconds(path, "executionTimeout", g.ExecutionTimeout, 5, 60)
	if g.DigitEndTimeout == AutoTimeout {
		e.raw("digitEndTimeout", "auto")
	} else {
		e.seconds(path, "digitEndTimeout", g.DigitEndTimeout, 2, 10)
	}
	e.attr(path, "finishOnKey", g.FinishOnKey)
	if g.NumDigits > 0 {
		e.raw("numDigits", strconv.Itoa(g.NumDigits))
	}
	e.flag("redirect", g.NoRedirect, "false")
	e.flag("log", g.NoLog, "false")
	if e.err != nil {
		return
	}
	if len(g.Prompts) == 0 {
		e.buf = append(e.buf, "/>"...)
		return
	}
	e.buf = append(e.buf, '>')
	for i, s := range g.Prompts {
		p := path + "/Speak[" + strconv.Itoa(i+1) + "]"
		if s == nil {
			e.fail(p, "", -1, ErrNilVerb)
			return
		}
		s.appendXML(e, p)
		if e.err != nil {
			return
		}
	}
	e.buf = append(e.buf, "</GetInput>"...)
}

func (h *Hangup) appendXML(e *enc, path string) {
	switch h.Reason {
	case "", ReasonRejected, ReasonBusy:
	default:
		e.fail(path, "reason", -1, fmt.Errorf("%w: %q, want rejected or busy", ErrEnum, string(h.Reason)))
		return
	}
	e.open("Hangup")
	if h.Reason != "" {
		e.raw("reason", string(h.Reason))
	}
	e.seconds(path, "schedule", h.Schedule, 1, 86400)
	if e.err == nil {
		e.buf = append(e.buf, "/>"...)
	}
}

func (r *Redirect) appendXML(e *enc, path string) {
	if r.URL == "" {
		e.fail(path, textAttr, -1, fmt.Errorf("%w: the URL", ErrRequired))
		return
	}
	e.open("Redirect")
	e.method(path, "method", r.Method)
	e.text(path, "Redirect", r.URL)
}

// sipURIReasons are the reasons xmlwrite.CheckSIPURI refuses a URI with.
var sipURIReasons = xmlwrite.SIPURIReasons{Required: ErrRequired, TooLong: ErrTooLong, InvalidChar: ErrInvalidChar}

package plivo

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hmssip/interconnect-go/internal/xmlwrite"
)

// XMLDeclaration starts every document.
const XMLDeclaration = xmlwrite.Declaration

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
	// MaxSpeakRunes bounds Speak's text. No Plivo documentation page found
	// states a limit for <Speak>; 3000 is the bound Plivo's SDKs carry:
	// plivo-java declares MAX_CONTENT_LENGTH = 3000 in
	// src/main/java/com/plivo/api/xml/Speak.java (plivo/plivo-java), and
	// plivo-go's SpeakElement refused more than 3000 characters from commit
	// ce39d5b to ad4c38c (2019, xml/plivoxml.go in plivo/plivo-go). Neither
	// SDK checks it today. It matches Amazon Polly's 3000 billed characters
	// per SynthesizeSpeech request (docs.aws.amazon.com, Polly
	// TextLengthExceededException).
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
	appendXML(dst []byte, l xmlwrite.Loc) ([]byte, error)
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
	out := append(dst, XMLDeclaration...)
	out = append(out, "<Response>"...)
	for i, v := range r.Verbs {
		l := xmlwrite.Loc{VI: i + 1}
		if v == nil || isNilVerb(v) {
			return dst, fail(l, "", -1, ErrNilVerb)
		}
		l.Verb = v.verbName()
		var err error
		if out, err = v.appendXML(out, l); err != nil {
			return dst, err
		}
	}
	return append(out, "</Response>"...), nil
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
	return xmlwrite.WriteTo(w, b, err)
}

// WriteHTTP renders the document and writes it with status 200 and
// [ContentType]. On an invalid document it writes nothing and returns the
// error, so the caller can answer a fallback instead.
func (r *Response) WriteHTTP(w http.ResponseWriter) error {
	b, err := r.AppendXML(nil)
	return xmlwrite.WriteHTTP(w, ContentType, b, err)
}

// method appends a callback method attribute, GET or POST.
func method(e *xmlwrite.Enc, name string, m Method) {
	if m == "" || e.Err != nil {
		return
	}
	if m != MethodGet && m != MethodPost {
		e.Fail(name, -1, fmt.Errorf("%w: %q, want GET or POST", ErrEnum, string(m)))
		return
	}
	e.Raw(name, string(m))
}

// seconds appends d as whole seconds within [min, max], or nothing for 0.
func seconds(e *xmlwrite.Enc, name string, d time.Duration, min, max int64) {
	if d == 0 || e.Err != nil {
		return
	}
	if d%time.Second != 0 {
		e.Fail(name, -1, fmt.Errorf("%w: %v", ErrWholeUnits, d))
		return
	}
	if s := int64(d / time.Second); s < min || s > max {
		e.Fail(name, -1, fmt.Errorf("%w: %v, want %ds to %ds", ErrRange, d, min, max))
		return
	}
	e.Int64(name, int64(d/time.Second))
}

func (d *Dial) appendXML(dst []byte, l xmlwrite.Loc) ([]byte, error) {
	if len(d.Users) == 0 {
		return dst, fail(l, "", -1, fmt.Errorf("%w: at least one <User>", ErrRequired))
	}
	if n := utf8.RuneCountInString(d.CallerName); n > MaxCallerNameRunes {
		return dst, fail(l, "callerName", -1, fmt.Errorf("%w: %d characters, at most %d", ErrTooLong, n, MaxCallerNameRunes))
	}
	if d.CallerID != "" && !validCallerID(d.CallerID) {
		return dst, fail(l, "callerId", -1, fmt.Errorf("%w: want an optional + and 1 to 20 digits", ErrInvalidChar))
	}
	e := xmlwrite.Open(dst, "Dial")
	e.Str("action", d.Action)
	method(&e, "method", d.Method)
	e.Flag("hangupOnStar", d.HangupOnStar)
	seconds(&e, "timeLimit", d.TimeLimit, 1, 86400)
	seconds(&e, "timeout", d.Timeout, 1, 86400)
	e.Str("callerId", d.CallerID)
	e.Str("callerName", d.CallerName)
	e.Str("callbackUrl", d.CallbackURL)
	method(&e, "callbackMethod", d.CallbackMethod)
	noFlag(&e, "redirect", d.NoRedirect)
	return xmlwrite.CloseChildren(&e, l, "Dial", "User", d.Users, (*User).appendXML, fail)
}

// noFlag appends name="false" when no is set: Plivo's flags that default
// to true.
func noFlag(e *xmlwrite.Enc, name string, no bool) {
	if no {
		e.Raw(name, "false")
	}
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

func (u *User) appendXML(dst []byte, l xmlwrite.Loc) ([]byte, error) {
	if off, err := xmlwrite.CheckSIPURI(u.URI, MaxURILen, sipURIReasons); err != nil {
		return dst, fail(l, xmlwrite.Text, off, err)
	}
	for i := 0; i < len(u.SendDigits); i++ {
		if !strings.ContainsRune("0123456789*#wW", rune(u.SendDigits[i])) {
			return dst, fail(l, "sendDigits", i, fmt.Errorf("%w: want 0-9 * # w W", ErrInvalidChar))
		}
	}
	e := xmlwrite.Open(dst, "User")
	e.Str("sendDigits", u.SendDigits)
	e.Flag("sendOnPreanswer", u.SendOnPreanswer)
	if len(u.SIPHeaders) > 0 && e.Err == nil {
		if err := checkHeaders(l, u.SIPHeaders); err != nil {
			return e.Buf, err
		}
		e.Buf = append(e.Buf, ` sipHeaders="`...)
		e.Buf = appendSIPHeaders(e.Buf, u.SIPHeaders)
		e.Buf = append(e.Buf, '"')
	}
	e.CloseText("User", u.URI)
	return e.Result(l, fail)
}

func (s *Speak) appendXML(dst []byte, l xmlwrite.Loc) ([]byte, error) {
	if s.Text == "" {
		return dst, fail(l, xmlwrite.Text, -1, fmt.Errorf("%w: text to speak", ErrRequired))
	}
	if n := utf8.RuneCountInString(s.Text); n > MaxSpeakRunes {
		return dst, fail(l, xmlwrite.Text, -1, fmt.Errorf("%w: %d characters, at most %d", ErrTooLong, n, MaxSpeakRunes))
	}
	voice, err := speakVoice(l, s.Voice, s.Language)
	if err != nil {
		return dst, err
	}
	if s.Loop < LoopForever || s.Loop > 1000 {
		return dst, fail(l, "loop", -1, fmt.Errorf("%w: %d, want 1 to 1000 or LoopForever", ErrRange, s.Loop))
	}
	e := xmlwrite.Open(dst, "Speak")
	e.Str("voice", voice)
	e.Str("language", s.Language)
	switch {
	case s.Loop == LoopForever:
		e.Raw("loop", "0")
	case s.Loop > 0:
		e.Int64("loop", int64(s.Loop))
	}
	e.CloseText("Speak", s.Text)
	return e.Result(l, fail)
}

// speakVoice checks Speak's voice and language as plivo-go's
// SpeakElement.SetLanguageVoice does (xml/plivoxml.go in
// github.com/plivo/plivo-go) and returns the voice to write: MAN and WOMAN
// in any case (strings.EqualFold), written as given, with any well-formed
// language tag; any other voice must be a Polly voice plivo-go lists for
// the language (ValidateLanguageVoice; see pollyVoices), written as
// plivo-go writes it, "Polly.<Name>". An unset language is Plivo's default,
// en-US; plivo-go, which always writes the language it is given, refuses a
// Polly voice with none.
func speakVoice(l xmlwrite.Loc, voice, lang string) (string, error) {
	if voice == "" || strings.EqualFold(voice, "MAN") || strings.EqualFold(voice, "WOMAN") {
		if lang != "" && !xmlwrite.ValidLanguage(lang) {
			return "", fail(l, "language", -1, fmt.Errorf("%w: %q, want a tag such as en-US", ErrInvalidChar, lang))
		}
		return voice, nil
	}
	if _, ok := pollyName(voice); !ok {
		return "", fail(l, "voice", -1, fmt.Errorf("%w: %q, want MAN, WOMAN or Polly.<Name>", ErrEnum, voice))
	}
	v, ok, found := pollyVoice(voice, lang)
	switch {
	case !found:
		return "", fail(l, "language", -1, fmt.Errorf("%w: %q has no Polly voices (plivo-go lists them for en-US, en-GB, fr-FR, ...)", ErrEnum, lang))
	case !ok:
		if lang == "" {
			lang = defaultLanguage
		}
		return "", fail(l, "voice", -1, fmt.Errorf("%w: %q is not a Polly voice for %s, want Polly. and one of %s", ErrEnum, voice, lang, strings.Join(pollyVoices[lang], ", ")))
	}
	return v, nil
}

func (g *GetInput) appendXML(dst []byte, l xmlwrite.Loc) ([]byte, error) {
	if g.Action == "" {
		return dst, fail(l, "action", -1, ErrRequired)
	}
	switch g.InputType {
	case InputDTMF, InputSpeech, InputDTMFSpeech:
	case "":
		return dst, fail(l, "inputType", -1, ErrRequired)
	default:
		return dst, fail(l, "inputType", -1, fmt.Errorf("%w: %q, want dtmf, speech or dtmf speech", ErrEnum, string(g.InputType)))
	}
	switch k := g.FinishOnKey; {
	case k == "", k == "none":
	case len(k) == 1 && strings.Contains("0123456789*#", k):
	default:
		return dst, fail(l, "finishOnKey", -1, fmt.Errorf("%w: %q, want one of 0-9 * # or none", ErrEnum, k))
	}
	if g.NumDigits < 0 || g.NumDigits > 99 {
		return dst, fail(l, "numDigits", -1, fmt.Errorf("%w: %d, want 1 to 99", ErrRange, g.NumDigits))
	}
	e := xmlwrite.Open(dst, "GetInput")
	e.Str("action", g.Action)
	method(&e, "method", g.Method)
	e.Raw("inputType", string(g.InputType))
	seconds(&e, "executionTimeout", g.ExecutionTimeout, 5, 60)
	if g.DigitEndTimeout == AutoTimeout {
		e.Raw("digitEndTimeout", "auto")
	} else {
		seconds(&e, "digitEndTimeout", g.DigitEndTimeout, 2, 10)
	}
	e.Str("finishOnKey", g.FinishOnKey)
	if g.NumDigits > 0 {
		e.Int64("numDigits", int64(g.NumDigits))
	}
	noFlag(&e, "redirect", g.NoRedirect)
	noFlag(&e, "log", g.NoLog)
	return xmlwrite.CloseChildren(&e, l, "GetInput", "Speak", g.Prompts, (*Speak).appendXML, fail)
}

func (h *Hangup) appendXML(dst []byte, l xmlwrite.Loc) ([]byte, error) {
	switch h.Reason {
	case "", ReasonRejected, ReasonBusy:
	default:
		return dst, fail(l, "reason", -1, fmt.Errorf("%w: %q, want rejected or busy", ErrEnum, string(h.Reason)))
	}
	e := xmlwrite.Open(dst, "Hangup")
	e.Raw("reason", string(h.Reason))
	seconds(&e, "schedule", h.Schedule, 1, 86400)
	e.CloseText("Hangup", "")
	return e.Result(l, fail)
}

func (r *Redirect) appendXML(dst []byte, l xmlwrite.Loc) ([]byte, error) {
	if r.URL == "" {
		return dst, fail(l, xmlwrite.Text, -1, fmt.Errorf("%w: the URL", ErrRequired))
	}
	e := xmlwrite.Open(dst, "Redirect")
	method(&e, "method", r.Method)
	e.CloseText("Redirect", r.URL)
	return e.Result(l, fail)
}

// sipURIReasons are the reasons xmlwrite.CheckSIPURI refuses a URI with.
var sipURIReasons = xmlwrite.SIPURIReasons{Required: ErrRequired, TooLong: ErrTooLong, InvalidChar: ErrInvalidChar}

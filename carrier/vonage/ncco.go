package vonage

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hmssip/interconnect-go/internal/xmlwrite"
)

// ContentType is the Content-Type of a rendered NCCO.
const ContentType = "application/json"

// LoopForever is the Loop value of [Talk] that repeats until the call ends
// (Vonage's loop 0).
const LoopForever = -1

// Limits (sources named on each).
const (
	// MaxTalkRunes bounds Talk's text: "up to 1,500 characters" (vonage-java-sdk
	// ncco/TalkAction.java).
	MaxTalkRunes = 1500
	// MaxDigits is the most digits an Input collects: "The maximum value is
	// 20" (vonage-java-sdk ncco/DtmfSettings.java).
	MaxDigits = 20
	// MaxHeaderValueLen bounds a SIP header value. Vonage documents none;
	// a choice matching 100ms's 1024-byte header budget.
	MaxHeaderValueLen = 1024
	// MaxURILen bounds the SIP URI (a choice, as in package plivo).
	MaxURILen = 1279
)

// Method is an HTTP method for an event URL.
type Method string

// Methods Vonage accepts for event URLs.
const (
	MethodGet  Method = "GET"
	MethodPost Method = "POST"
)

// Action is an element of an [NCCO]: a *[Connect], *[Talk] or *[Input].
type Action interface {
	actionName() string
	appendJSON(e *enc, path string)
}

// NCCO is a Vonage Call Control Object, a JSON array of actions
// (developer.vonage.com/voice/voice-api/ncco-reference).
type NCCO []Action

// Connect connects the call to a SIP endpoint. Zero values leave fields
// out, so Vonage's defaults apply. Field order follows vonage-java-sdk's
// ConnectAction.
type Connect struct {
	Endpoint SIPEndpoint
	// From is the caller id shown to the endpoint: E.164 digits, optionally
	// with a leading + (Vonage: "one of your Vonage virtual numbers").
	From string
	// Synchronous sets eventType "synchronous", so EventURL can answer
	// with an NCCO that replaces this one when the connect fails.
	Synchronous bool
	// Timeout is the ring time, whole seconds, 1s to 7200s (Vonage's
	// default 60s; the upper bound is a choice).
	Timeout time.Duration
	// Limit is the longest call, whole seconds, 1s to 7200s (Vonage: "The
	// default and maximum value is 7200 seconds").
	Limit       time.Duration
	EventURL    []string
	EventMethod Method
}

// SIPEndpoint is the sip endpoint of a [Connect]. It has no credential
// fields: see [CheckCredentials].
type SIPEndpoint struct {
	// URI is the SIP URI: "sip:" or "sips:", printable ASCII without spaces
	// or any of " < > \ ^ ` { | } (percent-encode them).
	URI string
	// Headers become the endpoint's headers object, in order.
	Headers []Header
}

// Header is a custom SIP header sent with the INVITE. Name is the full SIP
// name, which must start with X- (such as X-100ms-Display-Name): Vonage
// prepends X- to each key, so the key is rendered without it ("100ms-
// Display-Name"). Value may not hold control characters.
type Header struct {
	Name, Value string
}

// Talk reads text aloud. Field order follows vonage-java-sdk's TalkAction.
type Talk struct {
	Text    string // required, at most MaxTalkRunes characters
	BargeIn bool   // stop speaking when the caller presses a key; the next action must be an Input
	// Loop repeats the text 1 to 100 times (a choice), or LoopForever;
	// zero leaves the field out (once).
	Loop int
	// Level is the volume, -1 to 1; zero leaves Vonage's default (0).
	Level float64
	// Language is a language tag such as en-US or en-GB.
	Language string
	// Style is the vocal style of Language, 0 to 100 (a choice); zero is
	// Vonage's default and is left out.
	Style   int
	Premium bool
}

// Input collects the caller's DTMF digits; the result goes to EventURL.
// It always renders type ["dtmf"].
type Input struct {
	DTMF        DTMF
	EventURL    []string
	EventMethod Method
}

// DTMF holds the dtmf settings of an [Input] (vonage-java-sdk
// ncco/DtmfSettings.java).
type DTMF struct {
	// MaxDigits is 1 to MaxDigits; zero leaves Vonage's default (4).
	MaxDigits int
	// SubmitOnHash sends the digits when the caller presses #.
	SubmitOnHash bool
	// TimeOut is the wait after the last key, whole seconds, 1s to 10s
	// ("Max is 10"); zero leaves Vonage's default (3s). A time-out of 0s
	// cannot be expressed.
	TimeOut time.Duration
}

func (*Connect) actionName() string { return "connect" }
func (*Talk) actionName() string    { return "talk" }
func (*Input) actionName() string   { return "input" }

// AppendJSON appends the NCCO to dst as compact JSON. On an error, an
// [*Error] naming the action and field, it returns dst unchanged.
func (n NCCO) AppendJSON(dst []byte) ([]byte, error) {
	e := &enc{buf: dst}
	e.buf = append(e.buf, '[')
	for i, a := range n {
		path := "[" + strconv.Itoa(i) + "]"
		if a == nil || isNil(a) {
			e.fail(path, "", -1, ErrNilAction)
			break
		}
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.buf = append(e.buf, `{"action":"`...)
		e.buf = append(e.buf, a.actionName()...)
		e.buf = append(e.buf, '"')
		a.appendJSON(e, path)
		e.buf = append(e.buf, '}')
		if e.err != nil {
			break
		}
	}
	if e.err != nil {
		return dst, e.err
	}
	return append(e.buf, ']'), nil
}

func isNil(a Action) bool {
	switch a := a.(type) {
	case *Connect:
		return a == nil
	case *Talk:
		return a == nil
	case *Input:
		return a == nil
	}
	return false
}

// MarshalJSON renders the NCCO, so it can be embedded in other JSON.
func (n NCCO) MarshalJSON() ([]byte, error) { return n.AppendJSON(nil) }

// WriteTo renders the NCCO and writes it to w; nothing is written when it
// is invalid.
func (n NCCO) WriteTo(w io.Writer) (int64, error) {
	b, err := n.AppendJSON(nil)
	return xmlwrite.WriteTo(w, b, err)
}

// WriteHTTP renders the NCCO and writes it with status 200 and
// [ContentType]. On an invalid NCCO it writes nothing and returns the error.
func (n NCCO) WriteHTTP(w http.ResponseWriter) error {
	b, err := n.AppendJSON(nil)
	return xmlwrite.WriteHTTP(w, ContentType, b, err)
}

type enc struct {
	buf []byte
	err error
}

func (e *enc) fail(path, field string, off int, reason error) {
	if e.err == nil {
		e.err = &Error{Path: path, Field: field, Offset: off, Err: reason}
	}
}

func (e *enc) key(name string) {
	e.buf = append(e.buf, ',', '"')
	e.buf = append(e.buf, name...)
	e.buf = append(e.buf, '"', ':')
}

// str appends ,"name":"value" escaped, or nothing for an empty value. With
// strict, control characters are refused rather than escaped.
func (e *enc) str(path, name, value string, strict bool) {
	if value == "" || e.err != nil {
		return
	}
	e.key(name)
	e.quote(path, name, value, strict)
}

func (e *enc) quote(path, name, value string, strict bool) {
	out, bad, err := appendString(e.buf, value, strict)
	if err != nil {
		e.fail(path, name, bad, err)
		return
	}
	e.buf = out
}

func (e *enc) boolean(name string, b bool) {
	if b && e.err == nil {
		e.key(name)
		e.buf = append(e.buf, "true"...)
	}
}

func (e *enc) integer(name string, v int) {
	if e.err == nil {
		e.key(name)
		e.buf = strconv.AppendInt(e.buf, int64(v), 10)
	}
}

func (e *enc) seconds(path, name string, d time.Duration, min, max int64) {
	if d == 0 || e.err != nil {
		return
	}
	if d%time.Second != 0 {
		e.fail(path, name, -1, fmt.Errorf("%w: %v", ErrWholeUnits, d))
		return
	}
	s := int64(d / time.Second)
	if s < min || s > max {
		e.fail(path, name, -1, fmt.Errorf("%w: %v, want %ds to %ds", ErrRange, d, min, max))
		return
	}
	e.key(name)
	e.buf = strconv.AppendInt(e.buf, s, 10)
}

func (e *enc) urls(path, name string, us []string) {
	if len(us) == 0 || e.err != nil {
		return
	}
	e.key(name)
	e.buf = append(e.buf, '[')
	for i, u := range us {
		if u == "" {
			e.fail(path, name+"["+strconv.Itoa(i)+"]", -1, ErrRequired)
			return
		}
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.quote(path, name+"["+strconv.Itoa(i)+"]", u, true)
	}
	e.buf = append(e.buf, ']')
}

func (e *enc) method(path, name string, m Method) {
	if m == "" || e.err != nil {
		return
	}
	if m != MethodGet && m != MethodPost {
		e.fail(path, name, -1, fmt.Errorf("%w: %q, want GET or POST", ErrEnum, string(m)))
		return
	}
	e.key(name)
	e.buf = append(e.buf, '"')
	e.buf = append(e.buf, m...)
	e.buf = append(e.buf, '"')
}

func (c *Connect) appendJSON(e *enc, path string) {
	ep := path + ".endpoint[0]"
	if off, err := xmlwrite.CheckSIPURI(c.Endpoint.URI, MaxURILen, sipURIReasons); err != nil {
		e.fail(ep, "uri", off, err)
		return
	}
	if c.From != "" && !validNumber(c.From) {
		e.fail(path, "from", -1, fmt.Errorf("%w: want E.164 digits with an optional +", ErrInvalidChar))
		return
	}
	e.key("endpoint")
	e.buf = append(e.buf, `[{"type":"sip","uri":`...)
	e.quote(ep, "uri", c.Endpoint.URI, true)
	if len(c.Endpoint.Headers) > 0 {
		e.key("headers")
		e.buf = append(e.buf, '{')
		for i, h := range c.Endpoint.Headers {
			hp := ep + ".headers[" + strconv.Itoa(i) + "]"
			if off, err := checkHeaderName(h.Name); err != nil {
				e.fail(hp, "name", off, err)
				return
			}
			for _, g := range c.Endpoint.Headers[:i] {
				if strings.EqualFold(g.Name, h.Name) {
					e.fail(hp, "name", -1, fmt.Errorf("%w: %q", ErrDuplicate, h.Name))
					return
				}
			}
			if len(h.Value) > MaxHeaderValueLen {
				e.fail(hp, "value", -1, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLong, len(h.Value), MaxHeaderValueLen))
				return
			}
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			e.buf = append(e.buf, '"')
			e.buf = append(e.buf, h.Name[2:]...) // a checked token: no escaping
			e.buf = append(e.buf, '"', ':')
			e.quote(hp, "value", h.Value, true)
			if e.err != nil {
				return
			}
		}
		e.buf = append(e.buf, '}')
	}
	e.buf = append(e.buf, '}', ']')
	e.str(path, "from", c.From, true)
	if c.Synchronous && e.err == nil {
		e.key("eventType")
		e.buf = append(e.buf, `"synchronous"`...)
	}
	e.seconds(path, "timeout", c.Timeout, 1, 7200)
	e.seconds(path, "limit", c.Limit, 1, 7200)
	e.urls(path, "eventUrl", c.EventURL)
	e.method(path, "eventMethod", c.EventMethod)
}

func validNumber(s string) bool {
	s = strings.TrimPrefix(s, "+")
	if s == "" || len(s) > 15 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// checkHeaderName accepts X- followed by one or more RFC 3261 token
// characters.
func checkHeaderName(name string) (int, error) {
	if name == "" {
		return -1, fmt.Errorf("%w: header name", ErrRequired)
	}
	if len(name) < 3 || !strings.EqualFold(name[:2], "X-") {
		return 0, fmt.Errorf("%w: %q (Vonage prepends X- to every key)", ErrHeaderName, name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("-.!%*_+`'~", c) >= 0) {
			return i, fmt.Errorf("%w: not a token character", ErrHeaderName)
		}
	}
	return -1, nil
}

func (t *Talk) appendJSON(e *enc, path string) {
	switch {
	case t.Text == "":
		e.fail(path, "text", -1, ErrRequired)
		return
	case utf8.RuneCountInString(t.Text) > MaxTalkRunes:
		e.fail(path, "text", -1, fmt.Errorf("%w: %d characters, at most %d", ErrTooLong, utf8.RuneCountInString(t.Text), MaxTalkRunes))
		return
	case t.Loop < LoopForever || t.Loop > 100:
		e.fail(path, "loop", -1, fmt.Errorf("%w: %d, want 1 to 100 or LoopForever", ErrRange, t.Loop))
		return
	case math.IsNaN(t.Level) || t.Level < -1 || t.Level > 1:
		e.fail(path, "level", -1, fmt.Errorf("%w: %v, want -1 to 1", ErrRange, t.Level))
		return
	case t.Style < 0 || t.Style > 100:
		e.fail(path, "style", -1, fmt.Errorf("%w: %d, want 0 to 100", ErrRange, t.Style))
		return
	case t.Language != "" && !xmlwrite.ValidLanguage(t.Language):
		e.fail(path, "language", -1, fmt.Errorf("%w: %q, want a tag such as en-US", ErrInvalidChar, t.Language))
		return
	}
	e.str(path, "text", t.Text, false)
	e.boolean("bargeIn", t.BargeIn)
	switch {
	case t.Loop == LoopForever:
		e.integer("loop", 0)
	case t.Loop > 0:
		e.integer("loop", t.Loop)
	}
	if t.Level != 0 && e.err == nil {
		e.key("level")
		e.buf = strconv.AppendFloat(e.buf, t.Level, 'f', -1, 64)
	}
	e.str(path, "language", t.Language, true)
	if t.Style != 0 {
		e.integer("style", t.Style)
	}
	e.boolean("premium", t.Premium)
}

func (in *Input) appendJSON(e *enc, path string) {
	dp := path + ".dtmf"
	if d := in.DTMF.MaxDigits; d < 0 || d > MaxDigits {
		e.fail(dp, "maxDigits", -1, fmt.Errorf("%w: %d, want 1 to %d", ErrRange, d, MaxDigits))
		return
	}
	e.key("type")
	e.buf = append(e.buf, `["dtmf"]`...)
	e.key("dtmf")
	e.buf = append(e.buf, '{')
	mark := len(e.buf)
	if in.DTMF.MaxDigits > 0 {
		e.integer("maxDigits", in.DTMF.MaxDigits)
	}
	e.boolean("submitOnHash", in.DTMF.SubmitOnHash)
	e.seconds(dp, "timeOut", in.DTMF.TimeOut, 1, 10)
	if e.err != nil {
		return
	}
	if len(e.buf) > mark {
		// Drop the comma the first field's key wrote after the brace.
		copy(e.buf[mark:], e.buf[mark+1:])
		e.buf = e.buf[:len(e.buf)-1]
	}
	e.buf = append(e.buf, '}')
	e.urls(path, "eventUrl", in.EventURL)
	e.method(path, "eventMethod", in.EventMethod)
}

// sipURIReasons are the reasons xmlwrite.CheckSIPURI refuses a URI with.
var sipURIReasons = xmlwrite.SIPURIReasons{Required: ErrRequired, TooLong: ErrTooLong, InvalidChar: ErrInvalidChar}

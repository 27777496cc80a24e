// Package xmlwrite is the one writer of the call-control documents: TwiML
// (package twiml), SignalWire cXML, Telnyx TeXML and Plivo XML. It renders
// one element at a time, appended to a buffer, attributes in the order they
// are written, unset ones left out, every value escaped for XML 1.0 and
// checked on the way; the document packages wrap the problem an [Enc]
// records into their own error type, naming the element by its [Loc]. It
// also holds what every document package shares once a document is
// rendered (the message of a document error, writing to an io.Writer or an
// HTTP response), which the Vonage NCCO package uses too.
package xmlwrite

import (
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// Reasons a document is refused. Each is defined here once: twiml and the
// carrier packages export them under their own names, so errors.Is matches
// the same reason whichever package's document it came from.
var (
	ErrRequired    = errors.New("required")
	ErrRange       = errors.New("out of range")
	ErrWholeUnits  = errors.New("not a whole number of the attribute's unit")
	ErrEnum        = errors.New("not one of the allowed values")
	ErrDuplicate   = errors.New("value listed twice")
	ErrInvalidChar = errors.New("character not allowed")
	ErrNoUsername  = errors.New("password given without username")
	ErrNil         = errors.New("nil verb or noun")
)

// Declaration is the XML declaration every document starts with.
const Declaration = `<?xml version="1.0" encoding="UTF-8"?>`

// AppendResponse appends a whole document to dst: the declaration and a
// <Response> holding n verbs, the i-th (from 0) appended by verb at its
// location, whose Verb is "?" for verb to name. On error it returns dst with
// its original length and verb's error, so nothing is half-written.
func AppendResponse(dst []byte, n int, verb func(dst []byte, l Loc) ([]byte, error)) ([]byte, error) {
	start := len(dst)
	dst = append(dst, Declaration...)
	if n == 0 {
		return append(dst, "<Response/>"...), nil
	}
	dst = append(dst, "<Response>"...)
	for i := 0; i < n; i++ {
		var err error
		if dst, err = verb(dst, Loc{Verb: "?", VI: i + 1}); err != nil {
			return dst[:start], err
		}
	}
	return append(dst, "</Response>"...), nil
}

// CheckSIP checks what a <Sip> noun needs before it is written: a URI (its
// text) with a SIP scheme and only characters a SIP URI carries unescaped,
// as [CheckSIPURI] checks them (RFC 3261 §25.1: a header value in the URI
// is unreserved characters or %HH, so a raw CR LF, space or non-ASCII byte
// is refused rather than escaped for XML, which a SIP stack would copy
// into the INVITE), and a username with any password. It returns the
// attribute at fault (Text for the URI), the byte offset of a bad
// character (or -1) and the reason, or "", -1 and nil.
func CheckSIP(uri, username, password string) (string, int, error) {
	switch {
	case uri == "":
		return Text, -1, ErrRequired
	case !HasSIPScheme(uri):
		return Text, -1, fmt.Errorf(`%w: a SIP URI starts with "sip:" or "sips:"`, ErrInvalidChar)
	case password != "" && username == "":
		return "password", -1, ErrNoUsername
	}
	if i := sipURIBadByte(uri); i >= 0 {
		return Text, i, fmt.Errorf("%w: %s (percent-encode it)", ErrInvalidChar, describeByteAt(uri, i))
	}
	return "", -1, nil
}

// Loc locates an element in a document: a verb of the Response and, when
// Child is set, one of its children. Positions count from 1. The path string
// is built only when there is an error to report.
type Loc struct {
	Verb  string
	VI    int
	Child string
	CI    int
}

// In returns the location of the i-th (from 0) child named child.
func (l Loc) In(child string, i int) Loc {
	l.Child, l.CI = child, i+1
	return l
}

// Path returns the location as "Response/Dial[1]/Sip[1]".
func (l Loc) Path() string {
	p := "Response/" + l.Verb + "[" + strconv.Itoa(l.VI) + "]"
	if l.Child != "" {
		p += "/" + l.Child + "[" + strconv.Itoa(l.CI) + "]"
	}
	return p
}

// Enc appends one element to Buf, checking each value as it goes. The first
// problem is kept (Err, Attr, Off) and every later call does nothing, so an
// element reads as a flat list of its attributes; [Enc.Result] turns the
// problem into the caller's error type, and the caller throws the partial
// output away. The element's location stays out of Enc: copying it in
// costs more than rendering a short element.
type Enc struct {
	Buf  []byte
	Err  error
	Attr string
	Off  int
}

// Fail records a problem with the attribute attr (Text for the element's
// text, "" for the element) at byte offset off (-1 when none), unless one is
// recorded already.
func (e *Enc) Fail(attr string, off int, reason error) {
	if e.Err == nil {
		e.Err, e.Attr, e.Off = reason, attr, off
	}
}

// Result returns Buf and, if a problem was recorded, the error fail makes
// of it at l.
func (e *Enc) Result(l Loc, fail func(l Loc, attr string, off int, reason error) error) ([]byte, error) {
	if e.Err != nil {
		return e.Buf, fail(l, e.Attr, e.Off, e.Err)
	}
	return e.Buf, nil
}

// The failure paths below build their messages out of line: inlined into
// the rendering functions, their fmt arguments would enlarge every stack
// frame on the happy path.

//go:noinline
func (e *Enc) failEnum(name, value string) {
	e.Fail(name, -1, fmt.Errorf("%w: %q", ErrEnum, value))
}

//go:noinline
func (e *Enc) failDuplicate(name, value string) {
	e.Fail(name, -1, fmt.Errorf("%w: %q", ErrDuplicate, value))
}

//go:noinline
func (e *Enc) failInt(name string, v, min, max int) {
	e.Fail(name, -1, fmt.Errorf("%w: %d, want %d to %d", ErrRange, v, min, max))
}

//go:noinline
func (e *Enc) failDuration(name string, d, unit time.Duration, min, max int64) {
	if d%unit != 0 {
		e.Fail(name, -1, fmt.Errorf("%w: %v is not a whole number of %v", ErrWholeUnits, d, unit))
		return
	}
	e.Fail(name, -1, fmt.Errorf("%w: %v, want %v to %v", ErrRange, d, time.Duration(min)*unit, time.Duration(max)*unit))
}

//go:noinline
func (e *Enc) failChar(attr string, off int, r rune) {
	if r == utf8.RuneError {
		e.Fail(attr, off, ErrInvalidUTF8)
		return
	}
	e.Fail(attr, off, fmt.Errorf("%w: %U", ErrXMLChar, r))
}

// Open returns an Enc that appends to dst, with the start of the element
// name's start tag appended: how each element's rendering begins.
func Open(dst []byte, name string) Enc {
	e := Enc{Buf: dst}
	e.Open(name)
	return e
}

// Open appends the start of an element's start tag.
func (e *Enc) Open(name string) {
	e.Buf = append(e.Buf, '<')
	e.Buf = append(e.Buf, name...)
}

// Str appends name="value" with value escaped, or nothing when value is
// empty. It is small enough to inline, so an unset attribute costs a
// comparison.
func (e *Enc) Str(name, value string) {
	if value != "" && e.Err == nil {
		e.str(name, value)
	}
}

func (e *Enc) str(name, value string) {
	e.open(name)
	e.escape(name, value, true)
	e.Buf = append(e.Buf, '"')
}

// open appends the start of an attribute, up to its opening quote.
func (e *Enc) open(name string) {
	e.Buf = append(e.Buf, ' ')
	e.Buf = append(e.Buf, name...)
	e.Buf = append(e.Buf, '=', '"')
}

// Raw appends name="value" without escaping, or nothing when value is
// empty; value must be known safe.
func (e *Enc) Raw(name, value string) {
	if value == "" || e.Err != nil {
		return
	}
	e.open(name)
	e.Buf = append(e.Buf, value...)
	e.Buf = append(e.Buf, '"')
}

// Enum appends an enumerated attribute, or nothing when value is empty,
// after checking that it is valid. value must need no escaping when valid.
func (e *Enc) Enum(name, value string, valid bool) {
	if value != "" && e.Err == nil {
		e.enum(name, value, valid)
	}
}

func (e *Enc) enum(name, value string, valid bool) {
	if !valid {
		e.failEnum(name, value)
		return
	}
	e.open(name)
	e.Buf = append(e.Buf, value...)
	e.Buf = append(e.Buf, '"')
}

// Flag appends name="true" when b is set.
func (e *Enc) Flag(name string, b bool) {
	if b && e.Err == nil {
		e.Buf = append(e.Buf, ' ')
		e.Buf = append(e.Buf, name...)
		e.Buf = append(e.Buf, `="true"`...)
	}
}

// Int appends v when it is not zero and lies in min..max, and records
// ErrRange otherwise.
func (e *Enc) Int(name string, v, min, max int) {
	if v == 0 || e.Err != nil {
		return
	}
	if v < min || v > max {
		e.failInt(name, v, min, max)
		return
	}
	e.Int64(name, int64(v))
}

// Int64 appends name="v", zero included, unless a problem is recorded.
func (e *Enc) Int64(name string, v int64) {
	if e.Err != nil {
		return
	}
	e.open(name)
	e.Buf = strconv.AppendInt(e.Buf, v, 10)
	e.Buf = append(e.Buf, '"')
}

// Duration appends d as a whole number of units between min and max, or
// nothing when d is zero.
func (e *Enc) Duration(name string, d, unit time.Duration, min, max int64) {
	if d != 0 && e.Err == nil {
		e.duration(name, d, unit, min, max)
	}
}

func (e *Enc) duration(name string, d, unit time.Duration, min, max int64) {
	if v := int64(d / unit); d%unit == 0 && v >= min && v <= max {
		e.Int64(name, v)
		return
	}
	e.failDuration(name, d, unit, min, max)
}

// CloseChildren ends the element name at l with its children cs, each
// named child at its position and rendered by appendXML. Without children,
// or with a problem recorded, the element is self-closed. A nil child
// fails with ErrNil. Problems are reported through fail, as Result's are.
func CloseChildren[C any](e *Enc, l Loc, name, child string, cs []*C, appendXML func(*C, []byte, Loc) ([]byte, error), fail func(l Loc, attr string, off int, reason error) error) ([]byte, error) {
	if e.Err != nil || len(cs) == 0 {
		e.CloseText(name, "")
		return e.Result(l, fail)
	}
	e.StartContent()
	for i, c := range cs {
		cl := l.In(child, i)
		if c == nil {
			return e.Buf, fail(cl, "", -1, ErrNil)
		}
		var err error
		if e.Buf, err = appendXML(c, e.Buf, cl); err != nil {
			return e.Buf, err
		}
	}
	e.End(name)
	return e.Buf, nil
}

// List appends a space-separated list attribute, checking that every value
// is valid and listed once.
func List[T ~string](e *Enc, name string, vs []T, valid func(T) bool) {
	if len(vs) == 0 || e.Err != nil {
		return
	}
	for i, v := range vs {
		if !valid(v) {
			e.failEnum(name, string(v))
			return
		}
		for _, w := range vs[:i] {
			if v == w {
				e.failDuplicate(name, string(v))
				return
			}
		}
	}
	e.open(name)
	for i, v := range vs {
		if i > 0 {
			e.Buf = append(e.Buf, ' ')
		}
		e.Buf = append(e.Buf, v...)
	}
	e.Buf = append(e.Buf, '"')
}

// StartContent ends the start tag of an element that has children.
func (e *Enc) StartContent() {
	if e.Err == nil {
		e.Buf = append(e.Buf, '>')
	}
}

// CloseText ends the element: self-closed when text is empty, else with
// text escaped and an end tag.
func (e *Enc) CloseText(name, text string) {
	if e.Err != nil {
		return
	}
	if text == "" {
		e.Buf = append(e.Buf, '/', '>')
		return
	}
	e.Buf = append(e.Buf, '>')
	e.escape(Text, text, false)
	e.End(name)
}

// End appends an end tag.
func (e *Enc) End(name string) {
	if e.Err != nil {
		return
	}
	e.Buf = append(e.Buf, '<', '/')
	e.Buf = append(e.Buf, name...)
	e.Buf = append(e.Buf, '>')
}

// escape appends s escaped for text or, with inAttr, for a double-quoted
// attribute value (see [Escape]), and records an error for invalid UTF-8
// and for characters XML 1.0 cannot carry.
func (e *Enc) escape(attr, s string, inAttr bool) {
	out, bad, r := Escape(e.Buf, s, inAttr)
	e.Buf = out
	if bad >= 0 {
		e.failChar(attr, bad, r)
	}
}

// CheckChars records ErrInvalidChar at the first byte of s that ok refuses,
// with what in the message ("digits are 0-9 * #").
func (e *Enc) CheckChars(name, s string, ok func(byte) bool, what string) {
	if e.Err != nil {
		return
	}
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			e.Fail(name, i, fmt.Errorf("%w: %s", ErrInvalidChar, what))
			return
		}
	}
}

// HasSIPScheme reports whether uri starts with "sip:" or "sips:", in any case.
func HasSIPScheme(uri string) bool {
	if len(uri) < 4 || uri[0]|0x20 != 's' || uri[1]|0x20 != 'i' || uri[2]|0x20 != 'p' {
		return false
	}
	return uri[3] == ':' || len(uri) > 4 && uri[3]|0x20 == 's' && uri[4] == ':'
}

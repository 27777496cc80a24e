package twiml

import (
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/hmssip/interconnect-go/internal/xmlwrite"
)

// loc locates an element in a document. The path string is built only when
// there is an error to report, so rendering a valid document does not
// allocate.
type loc struct {
	verb  string
	vi    int
	child string
	ci    int
}

func (l loc) in(child string, i int) loc {
	l.child, l.ci = child, i+1
	return l
}

func (l loc) path() string {
	p := "Response/" + l.verb + "[" + strconv.Itoa(l.vi) + "]"
	if l.child != "" {
		p += "/" + l.child + "[" + strconv.Itoa(l.ci) + "]"
	}
	return p
}

func (l loc) fail(attr string, off int, reason error) error {
	return &Error{Path: l.path(), Attribute: attr, Offset: off, Err: reason}
}

// enc appends one element to buf, checking each value as it goes. The first
// problem is kept (in err, errAttr and errOff) and every later call does nothing,
// so an element's rendering reads as a flat list of its attributes; result
// turns the problem into an *Error and the caller throws the partial output
// away. The element's location stays out of enc: copying it in costs more
// than rendering a short element.
type enc struct {
	buf     []byte
	err     error
	errAttr string
	errOff  int
}

func (e *enc) fail(attr string, off int, reason error) {
	if e.err == nil {
		e.err, e.errAttr, e.errOff = reason, attr, off
	}
}

// result returns the output and, if a problem was recorded, the *Error
// that reports it at l.
func (e *enc) result(l loc) ([]byte, error) {
	if e.err != nil {
		return e.buf, l.fail(e.errAttr, e.errOff, e.err)
	}
	return e.buf, nil
}

// The failure paths below build their messages out of line: inlined into
// the rendering functions, their fmt arguments would enlarge every stack
// frame on the happy path.

//go:noinline
func (e *enc) failEnum(name, value string) {
	e.fail(name, -1, fmt.Errorf("%w: %q", ErrEnum, value))
}

//go:noinline
func (e *enc) failDuplicate(name, value string) {
	e.fail(name, -1, fmt.Errorf("%w: %q", ErrDuplicate, value))
}

//go:noinline
func (e *enc) failDuration(name string, d, unit time.Duration, min, max int64) {
	if d%unit != 0 {
		e.fail(name, -1, fmt.Errorf("%w: %v is not a whole number of %v", ErrWholeUnits, d, unit))
		return
	}
	e.fail(name, -1, fmt.Errorf("%w: %v, want %v to %v", ErrRange, d, time.Duration(min)*unit, time.Duration(max)*unit))
}

func (e *enc) open(name string) {
	e.buf = append(e.buf, '<')
	e.buf = append(e.buf, name...)
}

// attr appends name="value" with value escaped, or nothing when value is
// empty. It is small enough to inline, so an unset attribute costs a
// comparison.
func (e *enc) attr(name, value string) {
	if value != "" && e.err == nil {
		e.attrSlow(name, value)
	}
}

func (e *enc) attrSlow(name, value string) {
	e.raw(name, "")
	e.buf = e.escape(name, value, true)
	e.buf = append(e.buf, '"')
}

// raw appends name="value" without escaping; value must be known safe.
// With an empty value it appends the opening of the attribute only.
func (e *enc) raw(name, value string) {
	e.buf = append(e.buf, ' ')
	e.buf = append(e.buf, name...)
	e.buf = append(e.buf, '=', '"')
	if value != "" {
		e.buf = append(e.buf, value...)
		e.buf = append(e.buf, '"')
	}
}

// enum appends an enumerated attribute after checking that it is valid.
func (e *enc) enum(name, value string, valid bool) {
	if value == "" || e.err != nil {
		return
	}
	if !valid {
		e.failEnum(name, value)
		return
	}
	e.raw(name, value)
}

// flag appends name="true" when b is set.
func (e *enc) flag(name string, b bool) {
	if b && e.err == nil {
		e.buf = append(e.buf, ' ')
		e.buf = append(e.buf, name...)
		e.buf = append(e.buf, `="true"`...)
	}
}

func (e *enc) int(name string, v int64) {
	e.buf = append(e.buf, ' ')
	e.buf = append(e.buf, name...)
	e.buf = append(e.buf, '=', '"')
	e.buf = strconv.AppendInt(e.buf, v, 10)
	e.buf = append(e.buf, '"')
}

// duration appends d as a whole number of units between min and max, or
// nothing when d is zero.
func (e *enc) duration(name string, d, unit time.Duration, min, max int64) {
	if d == 0 || e.err != nil {
		return
	}
	if v := int64(d / unit); d%unit == 0 && v >= min && v <= max {
		e.int(name, v)
		return
	}
	e.failDuration(name, d, unit, min, max)
}

// list appends a space-separated list attribute, checking that every value
// is valid and listed once.
func list[T ~string](e *enc, name string, vs []T, valid func(T) bool) {
	if len(vs) == 0 || e.err != nil {
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
	e.raw(name, "")
	for i, v := range vs {
		if i > 0 {
			e.buf = append(e.buf, ' ')
		}
		e.buf = append(e.buf, v...)
	}
	e.buf = append(e.buf, '"')
}

// closeText ends the element: self-closed when text is empty, else with
// text escaped and an end tag.
func (e *enc) closeText(name, text string) {
	if e.err != nil {
		return
	}
	if text == "" {
		e.buf = append(e.buf, '/', '>')
		return
	}
	e.buf = append(e.buf, '>')
	e.buf = e.escape(textAttr, text, false)
	e.end(name)
}

func (e *enc) end(name string) {
	e.buf = append(e.buf, '<', '/')
	e.buf = append(e.buf, name...)
	e.buf = append(e.buf, '>')
}

// escape appends s to e.buf escaped for text or, with inAttr, for a
// double-quoted attribute value (see [xmlwrite.Escape]), and records an error
// for invalid UTF-8 and for characters XML 1.0 cannot carry.
func (e *enc) escape(attr, s string, inAttr bool) []byte {
	out, bad, r := xmlwrite.Escape(e.buf, s, inAttr)
	if bad >= 0 {
		e.failChar(attr, bad, r)
	}
	return out
}

//go:noinline
func (e *enc) failChar(attr string, off int, r rune) {
	if r == utf8.RuneError {
		e.fail(attr, off, ErrInvalidUTF8)
		return
	}
	e.fail(attr, off, fmt.Errorf("%w: %U", ErrXMLChar, r))
}

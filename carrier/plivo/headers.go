package plivo

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hmssip/interconnect-go/internal/ascii"
	"github.com/hmssip/interconnect-go/internal/xmlwrite"
)

// headerPrefix is what Plivo puts before every sipHeaders name.
const headerPrefix = "X-PH-"

// checkHeaders checks User's sipHeaders against Plivo's rules (see
// [Header]); the error names the header by its position, and its value
// only by offset.
func checkHeaders(l xmlwrite.Loc, hs []Header) error {
	fail := func(i int, attr string, off int, err error) error {
		return &Error{Path: l.Path() + "/sipHeaders[" + strconv.Itoa(i+1) + "]", Attribute: attr, Offset: off, Err: err}
	}
	for i, h := range hs {
		if h.Name == "" {
			return fail(i, "name", -1, fmt.Errorf("%w: header name", ErrRequired))
		}
		if off, why := badHeaderName(h.Name); why != "" {
			return fail(i, "name", off, fmt.Errorf("%w: %s", ErrHeaderName, why))
		}
		if n := len(headerPrefix) + len(h.Name); n > MaxHeaderNameLen {
			return fail(i, "name", -1, fmt.Errorf("%w: X-PH-%s is %d characters, at most %d", ErrTooLong, h.Name, n, MaxHeaderNameLen))
		}
		for _, g := range hs[:i] {
			if strings.EqualFold(g.Name, h.Name) {
				return fail(i, "name", -1, fmt.Errorf("%w: %q", ErrDuplicate, h.Name))
			}
		}
		if h.Value == "" {
			return fail(i, "value", -1, fmt.Errorf("%w: header value", ErrRequired))
		}
		if len(h.Value) > MaxHeaderValueLen {
			return fail(i, "value", -1, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLong, len(h.Value), MaxHeaderValueLen))
		}
		for j := 0; j < len(h.Value); j++ {
			if c := h.Value[j]; !isAlnum(c) && c != '%' {
				return fail(i, "value", j, fmt.Errorf("%w: want letters, digits and %% only", ErrHeaderValue))
			}
		}
	}
	return nil
}

// badHeaderName explains why Plivo would not send name unchanged as
// X-PH-<name>, or returns "".
func badHeaderName(name string) (int, string) {
	if ascii.HasPrefixFold(name, "x-") {
		return 0, "give the name without X- or X-PH-: Plivo always sends X-PH-<name>, so X-100ms-Display-Name and X-100ms-UserID cannot be sent this way; put them in the SIP URI"
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case i == 0 && !(c >= 'A' && c <= 'Z'):
			return 0, "must start with an upper-case letter (A-Z)"
		case i > 0 && !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9'):
			return i, "after the first letter only lower-case letters and digits are allowed"
		}
	}
	return -1, ""
}

func isAlnum(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}

// appendSIPHeaders appends Name=value,... for checked headers; every byte
// is a letter, a digit, % = or ",", so no XML escaping is needed.
func appendSIPHeaders(dst []byte, hs []Header) []byte {
	for i, h := range hs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, h.Name...)
		dst = append(dst, '=')
		dst = append(dst, h.Value...)
	}
	return dst
}

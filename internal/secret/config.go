package secret

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// GoStringAs returns view, a copy of a value with its secrets replaced by
// Redacted, in Go syntax under the type name typeName (such as
// "twiml.Sip") instead of the copy's own.
func GoStringAs(typeName string, view any) string {
	return renamed(fmt.Sprintf("%#v", view), typeName)
}

// FormatAs prints view, a copy of a value with its secrets replaced by
// Redacted, for the value's Format method: as fmt prints view with the
// same verb, flags, width and precision, under the type name typeName for
// %#v.
func FormatAs(f fmt.State, verb rune, typeName string, view any) {
	s := fmt.Sprintf(fmt.FormatString(f, verb), view)
	if verb == 'v' && f.Flag('#') {
		s = renamed(s, typeName)
	}
	_, _ = io.WriteString(f, s)
}

// renamed puts typeName in place of the type name that begins goSyntax.
func renamed(goSyntax, typeName string) string {
	if i := strings.IndexByte(goSyntax, '{'); i >= 0 {
		return typeName + goSyntax[i:]
	}
	return goSyntax
}

// FormatRedacted prints a value whose String and GoString leave its secrets
// out, as f and verb ask: %#v prints goString, %q the quoted str, and every
// other verb str, so that no verb or flag reaches the secrets.
func FormatRedacted(f fmt.State, verb rune, str, goString string) {
	switch {
	case verb == 'v' && f.Flag('#'):
		_, _ = io.WriteString(f, goString)
	case verb == 'q':
		_, _ = io.WriteString(f, strconv.Quote(str))
	default:
		_, _ = io.WriteString(f, str)
	}
}

// Redact returns Redacted for a non-empty s, and "" for "".
func Redact(s string) string {
	if s == "" {
		return ""
	}
	return Redacted
}

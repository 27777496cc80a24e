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
	s := fmt.Sprintf("%#v", view)
	if i := strings.IndexByte(s, '{'); i >= 0 {
		return typeName + s[i:]
	}
	return s
}

// FormatAs prints view, a copy of a value with its secrets replaced by
// Redacted, for the value's Format method: %#v as [GoStringAs] does with
// typeName, every other verb and flag as fmt prints view.
func FormatAs(f fmt.State, verb rune, typeName string, view any) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, GoStringAs(typeName, view))
		return
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), view)
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

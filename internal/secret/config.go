package secret

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// FormatConfig prints view, a configuration with its secrets replaced by
// Redacted, as f and verb ask, under the name typeName for %#v (view's own
// type is a method-less copy of the configuration's).
func FormatConfig(f fmt.State, verb rune, view any, typeName string) {
	s := fmt.Sprintf(fmt.FormatString(f, verb), view)
	if verb == 'v' && f.Flag('#') {
		s = strings.Replace(s, fmt.Sprintf("%T", view), typeName, 1)
	}
	_, _ = io.WriteString(f, s)
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

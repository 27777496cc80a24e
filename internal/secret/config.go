package secret

import (
	"fmt"
	"io"
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

// Redact returns Redacted for a non-empty s, and "" for "".
func Redact(s string) string {
	if s == "" {
		return ""
	}
	return Redacted
}

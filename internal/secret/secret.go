// Package secret holds credentials (passwords, tokens, app secrets) so that
// nothing prints them: no fmt verb or flag, no slog handler, no JSON encoder,
// and no reflection-based printer, which reaches unexported fields without
// calling their methods. The credential sits in a closure, and fmt prints a
// func as an address.
package secret

import (
	"fmt"
	"log/slog"
)

// Redacted is what a Secret prints instead of its value.
const Redacted = "[REDACTED]"

// Secret is a credential that never prints. The zero Secret holds "".
type Secret struct {
	get func() string
}

// New returns a Secret holding s.
func New(s string) Secret {
	return Secret{get: func() string { return s }}
}

// Value returns the credential, for use, never for display.
func (s Secret) Value() string {
	if s.get == nil {
		return ""
	}
	return s.get()
}

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.Value() == "" }

// String returns Redacted, or "" for an empty secret.
func (s Secret) String() string {
	if s.IsZero() {
		return ""
	}
	return Redacted
}

// GoString returns the same as String.
func (s Secret) GoString() string { return s.String() }

// Format prints String for every verb.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.String())) }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON encodes the redacted form.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + s.String() + `"`), nil }

package hmsevents

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/hmssip/interconnect-go/internal/secret"
)

// String returns the settings in Go syntax with the secret replaced by
// [REDACTED]; the store, handler and logger show only whether they are set.
func (c Config) String() string {
	var b strings.Builder
	b.WriteString("hmsevents.Config{SecretHeader:")
	b.WriteString(strconv.Quote(c.SecretHeader))
	b.WriteString(", Secret:")
	b.WriteString(strconv.Quote(c.redactedSecret()))
	fmt.Fprintf(&b, ", Insecure:%t, AllowedNetworks:%v, TrustForwardedFor:%v, MaxBodyBytes:%d, DedupeTTL:%v, StoreTimeout:%v, HandlerTimeout:%v",
		c.Insecure, c.AllowedNetworks, c.TrustForwardedFor, c.MaxBodyBytes, c.DedupeTTL, c.StoreTimeout, c.HandlerTimeout)
	fmt.Fprintf(&b, ", Store:%s, Handler:%s, Logger:%s}", set(c.Store != nil), set(c.Handler != nil), set(c.Logger != nil))
	return b.String()
}

// GoString returns the same as String.
func (c Config) GoString() string { return c.String() }

// Format implements [fmt.Formatter] so that no verb or flag prints the
// secret: %q prints the quoted String, every other verb String.
func (c Config) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		_, _ = f.Write([]byte(strconv.Quote(c.String())))
		return
	}
	_, _ = f.Write([]byte(c.String()))
}

// LogValue implements [slog.LogValuer]: the settings as a group, with the
// secret redacted.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("secret_header", c.SecretHeader),
		slog.String("secret", c.redactedSecret()),
		slog.Bool("insecure", c.Insecure),
		slog.Any("allowed_networks", c.AllowedNetworks),
		slog.Any("trust_forwarded_for", c.TrustForwardedFor),
		slog.Int64("max_body_bytes", c.MaxBodyBytes),
		slog.Duration("dedupe_ttl", c.DedupeTTL),
		slog.Duration("store_timeout", c.StoreTimeout),
		slog.Duration("handler_timeout", c.HandlerTimeout),
	)
}

func (c Config) redactedSecret() string {
	if c.Secret == "" {
		return ""
	}
	return secret.Redacted
}

func set(ok bool) string {
	if ok {
		return "set"
	}
	return "nil"
}

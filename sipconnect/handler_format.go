package sipconnect

import (
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/hmssip/interconnect-go/internal/secret"
)

// handlerConfigView is HandlerConfig without its methods, printed with the
// auth token redacted; its Credentials and Sip redact their passwords
// themselves.
type handlerConfigView HandlerConfig

func (c HandlerConfig) redacted() handlerConfigView {
	v := handlerConfigView(c)
	if v.AuthToken != "" {
		v.AuthToken = secret.Redacted
	}
	v.PublicURL = redactURL(v.PublicURL)
	return v
}

// redactURL returns u with the password of its user information, if any,
// shown as "xxxxx", as url.URL.Redacted does; a URL that does not parse
// is shown as [secret.Redacted] whole, since where its password ends is
// unknown.
func redactURL(u string) string {
	if !strings.Contains(u, "@") {
		return u
	}
	parsed, err := url.Parse(u)
	if err != nil {
		return secret.Redacted
	}
	return parsed.Redacted()
}

// String returns the fields of c, secrets redacted.
func (c HandlerConfig) String() string { return fmt.Sprintf("%+v", c.redacted()) }

// GoString returns c as Go syntax, secrets redacted.
func (c HandlerConfig) GoString() string {
	return secret.GoStringAs("sipconnect.HandlerConfig", c.redacted())
}

// Format implements [fmt.Formatter], secrets redacted.
func (c HandlerConfig) Format(f fmt.State, verb rune) {
	secret.FormatAs(f, verb, "sipconnect.HandlerConfig", c.redacted())
}

// LogValue implements [slog.LogValuer]: public URL, carrier, checks.
func (c HandlerConfig) LogValue() slog.Value {
	carrier := "twilio"
	if c.Carrier != nil {
		carrier = strings.ToLower(c.Carrier.Name())
	}
	return slog.GroupValue(slog.String("public_url", redactURL(c.PublicURL)), slog.String("carrier", carrier),
		slog.Bool("insecure_skip_signature", c.InsecureSkipSignature), slog.Any("credentials", c.Credentials))
}

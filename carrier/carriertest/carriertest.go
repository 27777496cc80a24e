// Package carriertest holds the contract every carrier adapter keeps,
// written once: a carrier's tests describe the carrier in a Carrier (its
// configuration, signed webhooks and answers) and Run checks the dial-in,
// the PIN menu, the fallbacks and dial statuses, hostile caller names and
// the body limit with it. Beside the contract: a handler served on
// loopback, the signature failures that must be refused with 403, and the
// configurations NewHandler must refuse without showing a secret.
package carriertest

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/sipconnect"
)

// The example call of 100ms's documentation (REFERENCE §1).
const (
	ExampleRoom = "abc-defg-hij"
	ExamplePIN  = "123456789"
	ExampleURI  = "sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20Doe&X-100ms-UserID=xyz"
)

// exampleIdentity gives every caller the example's display name and user id.
func exampleIdentity(context.Context, sipconnect.Call) (sipconnect.Identity, error) {
	return sipconnect.Identity{DisplayName: "John Doe", UserID: "xyz"}, nil
}

// HostileNames are the caller names that must reach the SIP URI intact
// or not at all, sent through Twilio and every carrier: header and URI
// injections, a long name, invalid UTF-8, control characters, phone
// numbers, and what a JSON document or a Plivo header list would split on.
func HostileNames() []string {
	return []string{
		"Eve\r\nX-100ms-UserID: admin",
		"x&X-100ms-UserID=admin",
		"x?X-100ms-UserID=admin",
		strings.Repeat("A", 5<<10),
		"Jos\xe9 \xff\xfe",
		"</Sip><Sip>sip:evil@attacker.example</Sip>",
		"\u0085\u009b\x7f\x00",
		CallerPhone,
		"+1 (415) 555-0123",
		// And what a JSON document or a Plivo header list would split on.
		`", "uri": "sip:evil@attacker.example`,
		`\"}]},{"action":"connect`,
		"a,X-PH-Evil=1",
		"</User><User>sip:evil@attacker.example</User>",
	}
}

// AssertNoSecret checks that formatting and logging v shows none of the
// secrets.
func AssertNoSecret(t *testing.T, v any, secrets ...string) {
	t.Helper()
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		outs = append(outs, fmt.Sprintf(verb, v))
	}
	var logs LogBuffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "value", v)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("config", "value", v)
	outs = append(outs, logs.String())
	for _, out := range outs {
		for _, s := range secrets {
			assert.NotContains(t, out, s)
			assert.NotContains(t, out, fmt.Sprintf("%x", s))
		}
	}
}

// AssertForbidden sends each request of cases, each failing the carrier's
// signature check, and checks that the handler refuses it with 403 and logs
// that it was not signed by title.
func AssertForbidden(t *testing.T, s *Server, title string, cases map[string]func() *http.Request) {
	t.Helper()
	for name, mk := range cases {
		status, _, body := s.Do(t, mk())
		assert.Equal(t, http.StatusForbidden, status, "%s: %s", name, body)
	}
	assert.Contains(t, s.Logs.String(), "without a valid "+title+" signature")
}

// A Refusal is a change to a carrier's handler configuration that
// NewHandler must refuse, with want in its error.
type Refusal = struct {
	Mutate func(*sipconnect.HandlerConfig)
	Want   string
}

// AssertRefused applies each Refusal to the configuration base makes, for
// the example room at https://voice.example.com, and checks that NewHandler
// refuses it, naming what it wants and none of secrets. It adds the
// refusal every carrier's handler shares: Twilio's AuthToken shorthand,
// which cannot go with a Carrier.
func AssertRefused(t *testing.T, base func() sipconnect.HandlerConfig, cases map[string]Refusal, secrets ...string) {
	t.Helper()
	shared := map[string]Refusal{
		"Twilio's auth token": {func(c *sipconnect.HandlerConfig) { c.AuthToken = "x" },
			"HandlerConfig.AuthToken: Twilio's shorthand, which cannot go with a Carrier"},
	}
	for _, cases := range []map[string]Refusal{shared, cases} {
		for name, tt := range cases {
			cfg := base()
			cfg.Room = sipconnect.StaticRoom(ExampleRoom)
			cfg.PublicURL = "https://voice.example.com"
			tt.Mutate(&cfg)
			_, err := sipconnect.NewHandler(cfg)
			require.Error(t, err, name)
			assert.Contains(t, err.Error(), tt.Want, name)
			for _, s := range secrets {
				assert.NotContains(t, err.Error(), s)
			}
		}
	}
}

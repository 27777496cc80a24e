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
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
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

// ExampleIdentity gives every caller the example's display name and user id.
func ExampleIdentity(context.Context, sipconnect.Call) (sipconnect.Identity, error) {
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

// carelessIdentity passes a hostile value through unchecked, as display
// name and user id.
func carelessIdentity(value string) sipconnect.IdentityFunc {
	return func(context.Context, sipconnect.Call) (sipconnect.Identity, error) {
		return sipconnect.Identity{DisplayName: value, UserID: value}, nil
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

// RoomError is a room lookup that fails with msg.
func RoomError(msg string) sipconnect.RoomFunc {
	return func(context.Context, sipconnect.Call) (string, error) { return "", errors.New(msg) }
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

// ForHostileNames answers the incoming call that request makes to a
// handler of base's configuration whose identity is each of HostileNames,
// unchecked, and gives check the answer, which must be 200.
func ForHostileNames(t *testing.T, base func() sipconnect.HandlerConfig, request func(s *Server) *http.Request, check func(name, body string)) {
	t.Helper()
	for _, name := range HostileNames() {
		cfg := base()
		cfg.Room = sipconnect.StaticRoom(ExampleRoom)
		cfg.Identity = carelessIdentity(name)
		s := NewServer(t, cfg)
		status, _, body := s.Do(t, request(s))
		require.Equal(t, http.StatusOK, status)
		check(name, body)
	}
}

// AssertCarriedIntact checks that the SIP URI of a call whose identity was
// the hostile name leads to the example room, carries no injected header,
// and carries the name as display name and user id intact or not at all.
func AssertCarriedIntact(t *testing.T, uri, name string) {
	t.Helper()
	addr, err := sipconnect.ParseAddress(uri)
	require.NoError(t, err)
	assert.Equal(t, ExampleRoom, addr.RoomCode())
	assert.Empty(t, addr.Headers(), "no header injected by %q", name)
	if addr.DisplayName() != "" {
		assert.Equal(t, name, addr.DisplayName(), "carried intact or not at all")
		assert.Equal(t, name, addr.UserID())
	}
}

// nonceRE matches the one-time nonce of a PIN step URL.
var nonceRE = regexp.MustCompile(`nonce=[A-Za-z0-9_-]{22}`)

// WithoutNonce replaces the one-time nonce of the PIN step URLs in s by
// "N", so that an answer can be compared with a golden file.
func WithoutNonce(s string) string { return nonceRE.ReplaceAllString(s, "nonce=N") }

// DecodeTwiMLShaped reads a TeXML or cXML answer.
func DecodeTwiMLShaped(t *testing.T, body string) XMLAnswer {
	t.Helper()
	return DecodeXML[XMLAnswer](t, body)
}

// AssertExampleDial checks a TeXML or cXML answer to the example call
// served by s: byte for byte the document written by hand from the
// carriers' <Dial> and <Sip> pages (a 30-second timeout and Sip
// credentials U and P), and the same read back by encoding/xml.
func AssertExampleDial(t *testing.T, s *Server, body string) {
	t.Helper()
	assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?><Response><Dial action="`+s.URL()+`/hooks/dial-status" timeout="30" answerOnBridge="true">`+
		`<Sip username="U" password="P">sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20Doe&amp;X-100ms-UserID=xyz</Sip></Dial></Response>`, body)
	a := DecodeTwiMLShaped(t, body)
	require.NotNil(t, a.Dial)
	require.Len(t, a.Dial.Sip, 1)
	assert.Equal(t, "U", a.Dial.Sip[0].Username)
	assert.Equal(t, "P", a.Dial.Sip[0].Password)
	assert.Equal(t, ExampleURI, a.Dial.Sip[0].URI)
}

// TwiMLShapedIntact is the check ForHostileNames gives a TeXML or cXML
// answer: the caller is still bridged, with one Sip noun whose URI
// carries the name intact or not at all.
func TwiMLShapedIntact(t *testing.T) func(name, body string) {
	return func(name, body string) {
		t.Helper()
		a := DecodeTwiMLShaped(t, body)
		require.NotNil(t, a.Dial, "the caller is still bridged: %q", name)
		require.Len(t, a.Dial.Sip, 1, "one Sip noun for %q", name)
		AssertCarriedIntact(t, a.Dial.Sip[0].URI, name)
	}
}

package vonage_test

import (
	"encoding/json"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/carrier/vonage"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))
}

// exampleNCCO is the example call: room code abc-defg-hij, display name
// John Doe, user id xyz, with a spoken fallback.
var exampleNCCO = vonage.NCCO{
	&vonage.Connect{
		Endpoint: vonage.SIPEndpoint{
			URI:     "sip:abc-defg-hij@sip.100ms.live",
			Headers: []vonage.Header{{Name: "X-100ms-Display-Name", Value: "John Doe"}, {Name: "X-100ms-UserID", Value: "xyz"}},
		},
		Synchronous: true,
		EventURL:    []string{"https://example.com/vonage/events"},
	},
	&vonage.Talk{Text: "Sorry, the meeting could not be reached.", Language: "en-US"},
}

// TestExampleDialIn renders the example call. Hand-checked against
// Vonage's NCCO shape (developer.vonage.com ncco-reference;
// vonage-java-sdk ConnectAction and SipEndpoint): a JSON array of actions,
// connect with endpoint [{"type":"sip","uri":...,"headers":{...}}], header
// keys without X- because Vonage prepends it, eventType "synchronous" so
// the event URL can replace the NCCO on failure, talk with text and
// language. The credentials U/P cannot be carried: CheckCredentials refuses
// them.
func TestExampleDialIn(t *testing.T) {
	err := vonage.CheckCredentials("U", "P")
	require.ErrorIs(t, err, vonage.ErrCredentials)
	assert.NotContains(t, err.Error(), `"P"`)
	require.ErrorIs(t, vonage.CheckCredentials("", "P"), vonage.ErrCredentials)
	require.NoError(t, vonage.CheckCredentials("", ""))

	got, err := exampleNCCO.MarshalJSON()
	require.NoError(t, err)
	golden(t, "dialin.json", got)

	var doc []struct {
		Action   string `json:"action"`
		Endpoint []struct {
			Type, URI string
			Headers   map[string]string
		} `json:"endpoint"`
		EventType string   `json:"eventType"`
		EventURL  []string `json:"eventUrl"`
		Text      string   `json:"text"`
		Language  string   `json:"language"`
	}
	require.NoError(t, json.Unmarshal(got, &doc))
	require.Len(t, doc, 2)
	assert.Equal(t, "connect", doc[0].Action)
	assert.Equal(t, "sip", doc[0].Endpoint[0].Type)
	assert.Equal(t, "sip:abc-defg-hij@sip.100ms.live", doc[0].Endpoint[0].URI)
	assert.Equal(t, map[string]string{"100ms-Display-Name": "John Doe", "100ms-UserID": "xyz"}, doc[0].Endpoint[0].Headers)
	assert.Equal(t, "synchronous", doc[0].EventType)
	assert.Equal(t, "talk", doc[1].Action)
	assert.Equal(t, "Sorry, the meeting could not be reached.", doc[1].Text)
}

// TestPINInput: hand-checked against vonage-java-sdk DtmfSettings
// (maxDigits up to 20, timeOut up to 10, submitOnHash) and InputAction
// (type ["dtmf"], eventUrl array).
func TestPINInput(t *testing.T) {
	n := vonage.NCCO{
		&vonage.Talk{Text: "Enter your meeting PIN, then press hash.", BargeIn: true, Loop: 2, Level: 0.5, Style: 2, Premium: true},
		&vonage.Input{DTMF: vonage.DTMF{MaxDigits: 12, SubmitOnHash: true, TimeOut: 5 * time.Second},
			EventURL: []string{"https://example.com/vonage/pin?attempt=1"}, EventMethod: vonage.MethodPost},
	}
	got, err := n.MarshalJSON()
	require.NoError(t, err)
	golden(t, "pin.json", got)
	var doc []map[string]any
	require.NoError(t, json.Unmarshal(got, &doc))
	assert.Equal(t, map[string]any{"maxDigits": 12.0, "submitOnHash": true, "timeOut": 5.0}, doc[1]["dtmf"])

	only, err := vonage.NCCO{&vonage.Input{DTMF: vonage.DTMF{SubmitOnHash: true}}}.MarshalJSON()
	require.NoError(t, err)
	assert.Equal(t, `[{"action":"input","type":["dtmf"],"dtmf":{"submitOnHash":true}}]`, string(only))
	empty, err := vonage.NCCO{&vonage.Input{}}.MarshalJSON()
	require.NoError(t, err)
	assert.Equal(t, `[{"action":"input","type":["dtmf"],"dtmf":{}}]`, string(empty))
}

func TestHostileValues(t *testing.T) {
	t.Run("escaped", func(t *testing.T) {
		text := "Tom & \"Jerry\" <3 , = \\ \t\x01 \u2028"
		n := vonage.NCCO{&vonage.Talk{Text: text}, &vonage.Connect{Endpoint: vonage.SIPEndpoint{
			URI: "sip:a@h", Headers: []vonage.Header{{Name: "X-Name", Value: `a&b "c", d=e <f>`}}}}}
		got, err := n.MarshalJSON()
		require.NoError(t, err)
		assert.True(t, json.Valid(got))
		var doc []struct {
			Text     string
			Endpoint []struct{ Headers map[string]string }
		}
		require.NoError(t, json.Unmarshal(got, &doc))
		assert.Equal(t, text, doc[0].Text)
		assert.Equal(t, `a&b "c", d=e <f>`, doc[1].Endpoint[0].Headers["Name"])
	})
	connect := func(ep vonage.SIPEndpoint) vonage.NCCO { return vonage.NCCO{&vonage.Connect{Endpoint: ep}} }
	tests := []struct {
		name        string
		n           vonage.NCCO
		path, field string
		err         error
	}{
		{"invalid UTF-8 in text", vonage.NCCO{&vonage.Talk{Text: "a\xffb"}}, "[0]", "text", vonage.ErrInvalidUTF8},
		{"U+FFFE in text", vonage.NCCO{&vonage.Talk{Text: "a\uFFFE"}}, "[0]", "text", vonage.ErrInvalidChar},
		{"CRLF in header value", connect(vonage.SIPEndpoint{URI: "sip:a@h", Headers: []vonage.Header{{"X-A", "1\r\nVia: x"}}}), "[0].endpoint[0].headers[0]", "value", vonage.ErrInvalidChar},
		{"C1 in header value", connect(vonage.SIPEndpoint{URI: "sip:a@h", Headers: []vonage.Header{{"X-A", "a\u0085"}}}), "[0].endpoint[0].headers[0]", "value", vonage.ErrInvalidChar},
		{"invalid UTF-8 in header value", connect(vonage.SIPEndpoint{URI: "sip:a@h", Headers: []vonage.Header{{"X-A", "\xc3"}}}), "[0].endpoint[0].headers[0]", "value", vonage.ErrInvalidUTF8},
		{"header without X-", connect(vonage.SIPEndpoint{URI: "sip:a@h", Headers: []vonage.Header{{"100ms-UserID", "x"}}}), "[0].endpoint[0].headers[0]", "name", vonage.ErrHeaderName},
		{"quote in header name", connect(vonage.SIPEndpoint{URI: "sip:a@h", Headers: []vonage.Header{{`X-A"b`, "x"}}}), "[0].endpoint[0].headers[0]", "name", vonage.ErrHeaderName},
		{"duplicate header", connect(vonage.SIPEndpoint{URI: "sip:a@h", Headers: []vonage.Header{{"X-A", "1"}, {"x-a", "2"}}}), "[0].endpoint[0].headers[1]", "name", vonage.ErrDuplicate},
		{"space in URI", connect(vonage.SIPEndpoint{URI: "sip:a b@h"}), "[0].endpoint[0]", "uri", vonage.ErrInvalidChar},
		{"quote in URI", connect(vonage.SIPEndpoint{URI: `sip:a"@h`}), "[0].endpoint[0]", "uri", vonage.ErrInvalidChar},
		{"no URI", connect(vonage.SIPEndpoint{}), "[0].endpoint[0]", "uri", vonage.ErrRequired},
		{"control in event URL", vonage.NCCO{&vonage.Input{EventURL: []string{"https://e.com/\n"}}}, "[0]", "eventUrl[0]", vonage.ErrInvalidChar},
		{"nil action", vonage.NCCO{(*vonage.Talk)(nil)}, "[0]", "", vonage.ErrNilAction},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := tt.n.AppendJSON([]byte("prefix"))
			assert.Equal(t, "prefix", string(out))
			require.ErrorIs(t, err, tt.err)
			var ve *vonage.Error
			require.True(t, errors.As(err, &ve))
			assert.Equal(t, tt.path, ve.Path)
			assert.Equal(t, tt.field, ve.Field)
		})
	}
}

func TestRanges(t *testing.T) {
	ep := vonage.SIPEndpoint{URI: "sip:a@h"}
	tests := []struct {
		name, field string
		a           vonage.Action
		err         error
	}{
		{"max digits high", "maxDigits", &vonage.Input{DTMF: vonage.DTMF{MaxDigits: 21}}, vonage.ErrRange},
		{"max digits negative", "maxDigits", &vonage.Input{DTMF: vonage.DTMF{MaxDigits: -1}}, vonage.ErrRange},
		{"time out high", "timeOut", &vonage.Input{DTMF: vonage.DTMF{TimeOut: 11 * time.Second}}, vonage.ErrRange},
		{"time out fraction", "timeOut", &vonage.Input{DTMF: vonage.DTMF{TimeOut: 1500 * time.Millisecond}}, vonage.ErrWholeUnits},
		{"event method", "eventMethod", &vonage.Input{EventMethod: "PUT"}, vonage.ErrEnum},
		{"connect timeout", "timeout", &vonage.Connect{Endpoint: ep, Timeout: 7201 * time.Second}, vonage.ErrRange},
		{"connect limit", "limit", &vonage.Connect{Endpoint: ep, Limit: -time.Second}, vonage.ErrRange},
		{"connect from", "from", &vonage.Connect{Endpoint: ep, From: "+1 555"}, vonage.ErrInvalidChar},
		{"talk empty", "text", &vonage.Talk{}, vonage.ErrRequired},
		{"talk long", "text", &vonage.Talk{Text: strings.Repeat("é", 1501)}, vonage.ErrTooLong},
		{"talk loop", "loop", &vonage.Talk{Text: "x", Loop: 101}, vonage.ErrRange},
		{"talk level", "level", &vonage.Talk{Text: "x", Level: 1.5}, vonage.ErrRange},
		{"talk level NaN", "level", &vonage.Talk{Text: "x", Level: math.NaN()}, vonage.ErrRange},
		{"talk style", "style", &vonage.Talk{Text: "x", Style: -1}, vonage.ErrRange},
		{"talk language", "language", &vonage.Talk{Text: "x", Language: "en_US"}, vonage.ErrInvalidChar},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := vonage.NCCO{tt.a}.MarshalJSON()
			require.ErrorIs(t, err, tt.err)
			var ve *vonage.Error
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tt.field, ve.Field)
		})
	}
	got, err := vonage.NCCO{&vonage.Talk{Text: "x", Loop: vonage.LoopForever, Level: -1},
		&vonage.Connect{Endpoint: ep, From: "447700900000", Timeout: 45 * time.Second, Limit: 7200 * time.Second, EventMethod: vonage.MethodGet}}.MarshalJSON()
	require.NoError(t, err)
	assert.Equal(t, `[{"action":"talk","text":"x","loop":0,"level":-1},`+
		`{"action":"connect","endpoint":[{"type":"sip","uri":"sip:a@h"}],"from":"447700900000","timeout":45,"limit":7200,"eventMethod":"GET"}]`, string(got))
}

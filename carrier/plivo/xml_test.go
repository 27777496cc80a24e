package plivo_test

import (
	"encoding/xml"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/carrier/plivo"
)

var update = flag.Bool("update", false, "rewrite golden files")

// exampleURI is 100ms's example address (REFERENCE §1): room code
// abc-defg-hij, display name John Doe, user id xyz. Plivo's sipHeaders
// cannot carry the X-100ms headers, so they travel in the URI.
const exampleURI = "sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20Doe&X-100ms-UserID=xyz"

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

// TestExampleDialIn renders the example call. Hand-checked against
// plivo.com/docs/voice/xml/dial and /dial/user: <Response> root, <Dial>
// holding a <User> whose text is the SIP URI, & escaped as &amp; in text;
// the credentials U/P cannot be carried (<User> has no such attributes), so
// CheckCredentials refuses them instead of dropping them.
func TestExampleDialIn(t *testing.T) {
	err := plivo.CheckCredentials("U", "P")
	require.ErrorIs(t, err, plivo.ErrCredentials)
	assert.NotContains(t, err.Error(), "P\"")
	var pe *plivo.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "username", pe.Attribute)
	require.NoError(t, plivo.CheckCredentials("", ""))

	r := &plivo.Response{Verbs: []plivo.Verb{&plivo.Dial{Users: []*plivo.User{{URI: exampleURI}}}}}
	got, err := r.MarshalText()
	require.NoError(t, err)
	golden(t, "dialin.xml", got)

	var doc struct {
		Dial struct {
			Users []string `xml:"User"`
		} `xml:"Dial"`
	}
	require.NoError(t, xml.Unmarshal(got, &doc))
	assert.Equal(t, []string{exampleURI}, doc.Dial.Users)
}

// pinInput is the PIN step's <GetInput>.
func pinInput() *plivo.GetInput {
	return &plivo.GetInput{
		Action: "https://example.com/plivo/pin?attempt=1", Method: plivo.MethodPost, InputType: plivo.InputDTMF,
		ExecutionTimeout: 10 * time.Second, DigitEndTimeout: 5 * time.Second, FinishOnKey: "#", NumDigits: 12, NoLog: true,
		Prompts: []*plivo.Speak{{Text: "Enter your meeting PIN, then press #.", Voice: "WOMAN", Language: "en-US"}},
	}
}

// TestPINPrompt renders the PIN step with its fallback. Hand-checked
// against plivo.com/docs/voice/xml/getinput (action, inputType dtmf,
// executionTimeout 5-60, digitEndTimeout 2-10, finishOnKey, numDigits, log)
// and /speak (voice WOMAN|MAN, language en-US).
func TestPINPrompt(t *testing.T) {
	r := &plivo.Response{Verbs: []plivo.Verb{
		pinInput(),
		&plivo.Speak{Text: "We did not get a PIN. Goodbye.", Loop: 1},
		&plivo.Hangup{},
	}}
	got, err := r.MarshalText()
	require.NoError(t, err)
	golden(t, "pin.xml", got)
	var doc struct {
		GetInput struct {
			Action string `xml:"action,attr"`
			Speak  string `xml:"Speak"`
		} `xml:"GetInput"`
	}
	require.NoError(t, xml.Unmarshal(got, &doc))
	assert.Equal(t, "https://example.com/plivo/pin?attempt=1", doc.GetInput.Action)
	assert.Equal(t, "Enter your meeting PIN, then press #.", doc.GetInput.Speak)
}

func TestHostileValues(t *testing.T) {
	t.Run("escaped", func(t *testing.T) {
		r := &plivo.Response{Verbs: []plivo.Verb{
			&plivo.Speak{Text: `Tom & "Jerry" <3 , = ok`},
			&plivo.Dial{Action: `https://e.com/a?x=1&y="2"<`, CallerName: "A&B", Users: []*plivo.User{{URI: exampleURI}}},
		}}
		got, err := r.MarshalText()
		require.NoError(t, err)
		assert.Contains(t, string(got), `<Speak>Tom &amp; "Jerry" &lt;3 , = ok</Speak>`)
		assert.Contains(t, string(got), `action="https://e.com/a?x=1&amp;y=&quot;2&quot;&lt;"`)
		var doc struct {
			Speak string `xml:"Speak"`
			Dial  struct {
				Action string `xml:"action,attr"`
			} `xml:"Dial"`
		}
		require.NoError(t, xml.Unmarshal(got, &doc))
		assert.Equal(t, `Tom & "Jerry" <3 , = ok`, doc.Speak)
		assert.Equal(t, `https://e.com/a?x=1&y="2"<`, doc.Dial.Action)
	})
	dial := func(u plivo.User) *plivo.Response {
		return &plivo.Response{Verbs: []plivo.Verb{&plivo.Dial{Users: []*plivo.User{&u}}}}
	}
	tests := []struct {
		name      string
		r         *plivo.Response
		path      string
		attr      string
		reason    error
		notInText string
	}{
		{"control char in text", &plivo.Response{Verbs: []plivo.Verb{&plivo.Speak{Text: "a\x01b"}}}, "Response/Speak[1]", "#text", plivo.ErrXMLChar, ""},
		{"invalid UTF-8", &plivo.Response{Verbs: []plivo.Verb{&plivo.Speak{Text: "a\xffb"}}}, "Response/Speak[1]", "#text", plivo.ErrInvalidUTF8, ""},
		{"U+FFFE in attribute", &plivo.Response{Verbs: []plivo.Verb{&plivo.Dial{CallerName: "a\uFFFE", Users: []*plivo.User{{URI: exampleURI}}}}}, "Response/Dial[1]", "callerName", plivo.ErrXMLChar, ""},
		{"space in URI", dial(plivo.User{URI: "sip:a b@h"}), "Response/Dial[1]/User[1]", "#text", plivo.ErrInvalidChar, ""},
		{"CRLF in URI", dial(plivo.User{URI: "sip:a@h?X-A=1\r\nVia: x"}), "Response/Dial[1]/User[1]", "#text", plivo.ErrInvalidChar, ""},
		{"not sip", dial(plivo.User{URI: "tel:+1"}), "Response/Dial[1]/User[1]", "#text", plivo.ErrInvalidChar, ""},
		{"comma in header value", dial(plivo.User{URI: exampleURI, SIPHeaders: []plivo.Header{{"Room", "a,b"}}}), "Response/Dial[1]/User[1]/sipHeaders[1]", "value", plivo.ErrHeaderValue, ""},
		{"equals in header value", dial(plivo.User{URI: exampleURI, SIPHeaders: []plivo.Header{{"Room", "a=b"}}}), "Response/Dial[1]/User[1]/sipHeaders[1]", "value", plivo.ErrHeaderValue, ""},
		{"space in header value", dial(plivo.User{URI: exampleURI, SIPHeaders: []plivo.Header{{"Name", "John Doe"}}}), "Response/Dial[1]/User[1]/sipHeaders[1]", "value", plivo.ErrHeaderValue, "John"},
		{"ampersand in header value", dial(plivo.User{URI: exampleURI, SIPHeaders: []plivo.Header{{"Room", "a&b"}}}), "Response/Dial[1]/User[1]/sipHeaders[1]", "value", plivo.ErrHeaderValue, ""},
		{"100ms display name header", dial(plivo.User{URI: exampleURI, SIPHeaders: []plivo.Header{{"X-100ms-Display-Name", "John"}}}), "Response/Dial[1]/User[1]/sipHeaders[1]", "name", plivo.ErrHeaderName, ""},
		{"hyphen in header name", dial(plivo.User{URI: exampleURI, SIPHeaders: []plivo.Header{{"Display-Name", "John"}}}), "Response/Dial[1]/User[1]/sipHeaders[1]", "name", plivo.ErrHeaderName, ""},
		{"lower-case header name", dial(plivo.User{URI: exampleURI, SIPHeaders: []plivo.Header{{"room", "x"}}}), "Response/Dial[1]/User[1]/sipHeaders[1]", "name", plivo.ErrHeaderName, ""},
		{"camel-case header name", dial(plivo.User{URI: exampleURI, SIPHeaders: []plivo.Header{{"UserId", "x"}}}), "Response/Dial[1]/User[1]/sipHeaders[1]", "name", plivo.ErrHeaderName, ""},
		{"long header name", dial(plivo.User{URI: exampleURI, SIPHeaders: []plivo.Header{{"Abcdefghijklmnopqrst", "x"}}}), "Response/Dial[1]/User[1]/sipHeaders[1]", "name", plivo.ErrTooLong, ""},
		{"long header value", dial(plivo.User{URI: exampleURI, SIPHeaders: []plivo.Header{{"Room", strings.Repeat("a", 121)}}}), "Response/Dial[1]/User[1]/sipHeaders[1]", "value", plivo.ErrTooLong, ""},
		{"duplicate header", dial(plivo.User{URI: exampleURI, SIPHeaders: []plivo.Header{{"Room", "a"}, {"Room", "b"}}}), "Response/Dial[1]/User[1]/sipHeaders[2]", "name", plivo.ErrDuplicate, ""},
		{"nil verb", &plivo.Response{Verbs: []plivo.Verb{(*plivo.Speak)(nil)}}, "Response/[1]", "", plivo.ErrNilVerb, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf := []byte("prefix")
			out, err := tt.r.AppendXML(buf)
			assert.Equal(t, "prefix", string(out), "buffer must come back at its original length")
			require.ErrorIs(t, err, tt.reason)
			var pe *plivo.Error
			require.True(t, errors.As(err, &pe))
			assert.Equal(t, tt.path, pe.Path)
			assert.Equal(t, tt.attr, pe.Attribute)
			if tt.notInText != "" {
				assert.NotContains(t, err.Error(), tt.notInText)
			}
		})
	}
}

func TestSIPHeadersRendered(t *testing.T) {
	r := &plivo.Response{Verbs: []plivo.Verb{&plivo.Dial{Users: []*plivo.User{{
		URI: exampleURI, SendDigits: "1w2", SIPHeaders: []plivo.Header{{"Room", "abc"}, {"Caller", "John%20Doe"}},
	}}}}}
	got, err := r.MarshalText()
	require.NoError(t, err)
	assert.Contains(t, string(got), `<User sendDigits="1w2" sipHeaders="Room=abc,Caller=John%20Doe">`)
}

func TestRanges(t *testing.T) {
	u := []*plivo.User{{URI: exampleURI}}
	tests := []struct {
		name string
		v    plivo.Verb
		attr string
		err  error
	}{
		{"dial timeout fraction", &plivo.Dial{Timeout: 1500 * time.Millisecond, Users: u}, "timeout", plivo.ErrWholeUnits},
		{"dial time limit over a day", &plivo.Dial{TimeLimit: 25 * time.Hour, Users: u}, "timeLimit", plivo.ErrRange},
		{"dial method", &plivo.Dial{Method: "PUT", Users: u}, "method", plivo.ErrEnum},
		{"dial caller id", &plivo.Dial{CallerID: "+1 555", Users: u}, "callerId", plivo.ErrInvalidChar},
		{"dial caller name", &plivo.Dial{CallerName: strings.Repeat("n", 51), Users: u}, "callerName", plivo.ErrTooLong},
		{"dial without users", &plivo.Dial{}, "", plivo.ErrRequired},
		{"send digits", &plivo.Dial{Users: []*plivo.User{{URI: exampleURI, SendDigits: "12x"}}}, "sendDigits", plivo.ErrInvalidChar},
		{"speak voice", &plivo.Speak{Text: "hi", Voice: "ROBOT"}, "voice", plivo.ErrEnum},
		{"speak language", &plivo.Speak{Text: "hi", Language: "en US"}, "language", plivo.ErrInvalidChar},
		{"speak loop", &plivo.Speak{Text: "hi", Loop: -2}, "loop", plivo.ErrRange},
		{"speak empty", &plivo.Speak{}, "#text", plivo.ErrRequired},
		{"speak long", &plivo.Speak{Text: strings.Repeat("é", 3001)}, "#text", plivo.ErrTooLong},
		{"input action", &plivo.GetInput{InputType: plivo.InputDTMF}, "action", plivo.ErrRequired},
		{"input type", &plivo.GetInput{Action: "https://e.com", InputType: "keys"}, "inputType", plivo.ErrEnum},
		{"execution timeout low", &plivo.GetInput{Action: "https://e.com", InputType: plivo.InputDTMF, ExecutionTimeout: 4 * time.Second}, "executionTimeout", plivo.ErrRange},
		{"execution timeout high", &plivo.GetInput{Action: "https://e.com", InputType: plivo.InputDTMF, ExecutionTimeout: 61 * time.Second}, "executionTimeout", plivo.ErrRange},
		{"digit end timeout", &plivo.GetInput{Action: "https://e.com", InputType: plivo.InputDTMF, DigitEndTimeout: 11 * time.Second}, "digitEndTimeout", plivo.ErrRange},
		{"finish on key", &plivo.GetInput{Action: "https://e.com", InputType: plivo.InputDTMF, FinishOnKey: "##"}, "finishOnKey", plivo.ErrEnum},
		{"num digits", &plivo.GetInput{Action: "https://e.com", InputType: plivo.InputDTMF, NumDigits: 100}, "numDigits", plivo.ErrRange},
		{"hangup reason", &plivo.Hangup{Reason: "gone"}, "reason", plivo.ErrEnum},
		{"hangup schedule", &plivo.Hangup{Schedule: -time.Second}, "schedule", plivo.ErrRange},
		{"redirect without URL", &plivo.Redirect{}, "#text", plivo.ErrRequired},
		{"redirect method", &plivo.Redirect{URL: "https://example.com/", Method: "PUT"}, "method", plivo.ErrEnum},
		{"redirect URL", &plivo.Redirect{URL: "https://example.com/\x00"}, "#text", plivo.ErrXMLChar},
		{"nil redirect", (*plivo.Redirect)(nil), "", plivo.ErrNilVerb},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := (&plivo.Response{Verbs: []plivo.Verb{tt.v}}).MarshalText()
			require.ErrorIs(t, err, tt.err)
			var pe *plivo.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tt.attr, pe.Attribute)
			out, err := (&plivo.Response{Verbs: []plivo.Verb{tt.v}}).AppendXML([]byte("keep"))
			assert.ErrorIs(t, err, tt.err)
			assert.Equal(t, "keep", string(out), "nothing half-written")
		})
	}
	ok := &plivo.Response{Verbs: []plivo.Verb{
		&plivo.GetInput{Action: "https://e.com", InputType: plivo.InputDTMFSpeech, DigitEndTimeout: plivo.AutoTimeout, FinishOnKey: "none", NoRedirect: true},
		&plivo.Speak{Text: "x", Voice: "Polly.Joanna", Loop: plivo.LoopForever},
		&plivo.Hangup{Reason: plivo.ReasonBusy, Schedule: time.Minute},
	}}
	got, err := ok.MarshalText()
	require.NoError(t, err)
	assert.Equal(t, plivo.XMLDeclaration+`<Response><GetInput action="https://e.com" inputType="dtmf speech" digitEndTimeout="auto" finishOnKey="none" redirect="false"/>`+
		`<Speak voice="Polly.Joanna" loop="0">x</Speak><Hangup reason="busy" schedule="60"/></Response>`, string(got))
}

// BenchmarkAppendXML renders the dial-in and PIN documents into a reused
// buffer.
func BenchmarkAppendXML(b *testing.B) {
	r := &plivo.Response{Verbs: []plivo.Verb{
		pinInput(),
		&plivo.Dial{Action: "https://example.com/plivo/dial", Timeout: 30 * time.Second, Users: []*plivo.User{
			{URI: exampleURI, SIPHeaders: []plivo.Header{{Name: "Tenant", Value: "acme"}}},
		}},
		&plivo.Redirect{URL: "https://example.com/plivo/pin?attempt=2"},
	}}
	buf := make([]byte, 0, 2048)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.AppendXML(buf); err != nil {
			b.Fatal(err)
		}
	}
}

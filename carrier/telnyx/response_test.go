package telnyx_test

import (
	"encoding/xml"
	"errors"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/carrier/telnyx"
)

const exampleURI = "sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20Doe&X-100ms-UserID=xyz"

func dialIn() telnyx.Response {
	return telnyx.Response{&telnyx.Dial{Nouns: []telnyx.Noun{
		&telnyx.Sip{URI: exampleURI, Username: "U", Password: "P"},
	}}}
}

// decoded mirrors the documents of these tests for encoding/xml.
type decoded struct {
	XMLName xml.Name `xml:"Response"`
	Dial    *struct {
		Timeout string `xml:"timeout,attr"`
		Sip     []struct {
			Username string `xml:"username,attr"`
			Password string `xml:"password,attr"`
			URI      string `xml:",chardata"`
		} `xml:"Sip"`
	} `xml:"Dial"`
	Gather *struct {
		Action      string `xml:"action,attr"`
		Timeout     string `xml:"timeout,attr"`
		Input       string `xml:"input,attr"`
		FinishOnKey string `xml:"finishOnKey,attr"`
		MinDigits   string `xml:"minDigits,attr"`
		MaxDigits   string `xml:"maxDigits,attr"`
		Say         []struct {
			Voice string `xml:"voice,attr"`
			Text  string `xml:",chardata"`
		} `xml:"Say"`
	} `xml:"Gather"`
	Say []struct {
		Voice    string `xml:"voice,attr"`
		Language string `xml:"language,attr"`
		Text     string `xml:",chardata"`
	} `xml:"Say"`
	Hangup *struct{} `xml:"Hangup"`
}

// The golden file was written by hand, not generated. Checked against
// Telnyx's TeXML pages (developers.telnyx.com/docs/voice/programmable-voice/
// texml-verbs/dial): <Response> is the root, <Dial> holds the <Sip> noun,
// <Sip> takes username and password attributes for SIP authentication and
// the SIP URI as its text, and the document starts with the same
// declaration as Telnyx's examples. The '&' between the two URI headers is
// written &amp;, as XML requires in text. The bytes equal 100ms's Twilio
// example document (REFERENCE §1), which TeXML, being TwiML-compatible,
// reads the same way.
func TestDialInGolden(t *testing.T) {
	want, err := os.ReadFile("testdata/dialin.xml")
	require.NoError(t, err)
	got, err := dialIn().AppendXML(nil)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))

	var d decoded
	require.NoError(t, xml.Unmarshal(got, &d))
	require.NotNil(t, d.Dial)
	require.Len(t, d.Dial.Sip, 1)
	assert.Equal(t, "U", d.Dial.Sip[0].Username)
	assert.Equal(t, "P", d.Dial.Sip[0].Password)
	assert.Equal(t, exampleURI, d.Dial.Sip[0].URI)
}

// The PIN prompt, hand-written from the TeXML <Gather> page: timeout 1–120
// seconds, input dtmf, finishOnKey from 0-9 * #, minDigits and maxDigits
// 1–128, <Say> nested; no method attribute (TeXML documents none).
func TestPINPromptGolden(t *testing.T) {
	want, err := os.ReadFile("testdata/pin.xml")
	require.NoError(t, err)
	say := func(text string) *telnyx.Say { return &telnyx.Say{Text: text, Voice: "alice", Language: "en-US"} }
	doc := telnyx.Response{
		&telnyx.Gather{
			Action: "https://example.com/telnyx/pin?attempt=1", Timeout: 10 * time.Second,
			Input: []telnyx.GatherInput{telnyx.InputDTMF}, FinishOnKey: "#", MinDigits: 9, MaxDigits: 16,
			Prompt: []*telnyx.Say{say("Please enter your meeting PIN, then press the pound key.")},
		},
		say("We did not get your PIN. Goodbye."),
		&telnyx.Hangup{},
	}
	got, err := doc.AppendXML(nil)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))

	var d decoded
	require.NoError(t, xml.Unmarshal(got, &d))
	require.NotNil(t, d.Gather)
	assert.Equal(t, "https://example.com/telnyx/pin?attempt=1", d.Gather.Action)
	assert.Equal(t, "10", d.Gather.Timeout)
	assert.Equal(t, "#", d.Gather.FinishOnKey)
	assert.Equal(t, "Please enter your meeting PIN, then press the pound key.", d.Gather.Say[0].Text)
	assert.NotNil(t, d.Hangup)
}

func TestAppendKeepsPrefixAndDoesNotAllocate(t *testing.T) {
	doc := dialIn()
	buf := append(make([]byte, 0, 1024), "prefix"...)
	out, err := doc.AppendXML(buf)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(out), "prefix<?xml"))
	allocs := testing.AllocsPerRun(20, func() { _, _ = doc.AppendXML(buf[:6]) })
	assert.LessOrEqual(t, allocs, 1.0)
}

// Hostile text is escaped so that it decodes back to itself, or refused
// with an *Error naming the element and attribute; a refused document
// leaves the caller's buffer at its original length.
func TestHostileValues(t *testing.T) {
	escaped := []string{`Tom & Jerry`, `<Hangup/>`, `say "hi"`, "tab\there", "line\nbreak", `a]]>b`, "José 😀"}
	for _, s := range escaped {
		doc := telnyx.Response{
			&telnyx.Say{Text: s, Voice: s, Language: s},
			&telnyx.Dial{Action: s, Nouns: []telnyx.Noun{&telnyx.Sip{URI: "sip:a@b?x=" + url.PathEscape(s) + "&y=1", Username: s, Password: s}}},
		}
		out, err := doc.AppendXML(nil)
		require.NoError(t, err, "%q", s)
		var d decoded
		require.NoError(t, xml.Unmarshal(out, &d), "%q", s)
		assert.Equal(t, s, d.Say[0].Text)
		assert.Equal(t, s, d.Say[0].Voice)
		assert.Equal(t, s, d.Say[0].Language)
		assert.Equal(t, s, d.Dial.Sip[0].Username)
		assert.Equal(t, s, d.Dial.Sip[0].Password)
		assert.Equal(t, "sip:a@b?x="+url.PathEscape(s)+"&y=1", d.Dial.Sip[0].URI)
	}

	refused := []struct {
		name, value string
		reason      error
		offset      int
	}{
		{"NUL", "a\x00b", telnyx.ErrXMLChar, 1},
		{"BEL", "ab\x07", telnyx.ErrXMLChar, 2},
		{"ESC", "\x1b[31m", telnyx.ErrXMLChar, 0},
		{"invalid UTF-8", "ok\xffno", telnyx.ErrInvalidUTF8, 2},
		{"truncated UTF-8", "\xe2\x82", telnyx.ErrInvalidUTF8, 0},
		{"U+FFFE", "x\uFFFE", telnyx.ErrXMLChar, 1},
		{"U+FFFF", "\uFFFF", telnyx.ErrXMLChar, 0},
	}
	for _, tc := range refused {
		cases := []struct {
			doc        telnyx.Response
			path, attr string
			reason     error // when not tc.reason
		}{
			{telnyx.Response{&telnyx.Say{Text: tc.value}}, "Response/Say[1]", "#text", nil},
			{telnyx.Response{&telnyx.Say{Text: "hi", Voice: tc.value}}, "Response/Say[1]", "voice", nil},
			{telnyx.Response{&telnyx.Hangup{}, &telnyx.Say{Text: "hi", Language: tc.value}}, "Response/Say[2]", "language", nil},
			// A SIP URI takes printable ASCII only, checked before XML.
			{telnyx.Response{&telnyx.Dial{Nouns: []telnyx.Noun{&telnyx.Sip{URI: "sip:" + tc.value}}}}, "Response/Dial[1]/Sip[1]", "#text", telnyx.ErrInvalidChar},
			{telnyx.Response{&telnyx.Dial{Nouns: []telnyx.Noun{&telnyx.Sip{URI: "sip:a@b", Username: "U", Password: tc.value}}}}, "Response/Dial[1]/Sip[1]", "password", nil},
			{telnyx.Response{&telnyx.Gather{Action: tc.value}}, "Response/Gather[1]", "action", nil},
			{telnyx.Response{&telnyx.Gather{Prompt: []*telnyx.Say{{Text: tc.value}}}}, "Response/Gather[1]/Say[1]", "#text", nil},
		}
		for _, c := range cases {
			buf := append(make([]byte, 0, 256), "keep"...)
			out, err := c.doc.AppendXML(buf)
			var e *telnyx.Error
			require.ErrorAs(t, err, &e, "%s %s %s", tc.name, c.path, c.attr)
			reason := tc.reason
			if c.reason != nil {
				reason = c.reason
			}
			assert.ErrorIs(t, err, reason, tc.name)
			assert.Equal(t, c.path, e.Path, tc.name)
			assert.Equal(t, c.attr, e.Attribute, tc.name)
			wantOff := tc.offset
			if c.attr == "#text" && strings.HasPrefix(c.path, "Response/Dial") {
				wantOff += len("sip:")
			}
			assert.Equal(t, wantOff, e.Offset, "%s %s", tc.name, c.attr)
			assert.Equal(t, "keep", string(out), "%s: buffer not restored", tc.name)
			if c.attr == "password" {
				assert.NotContains(t, err.Error(), tc.value)
			}
		}
	}
}

// Every out-of-range or unknown value is refused, with the element and the
// attribute in the error.
func TestRangesAndEnums(t *testing.T) {
	sip := func(s telnyx.Sip) telnyx.Response {
		if s.URI == "" {
			s.URI = exampleURI
		}
		return telnyx.Response{&telnyx.Dial{Nouns: []telnyx.Noun{&s}}}
	}
	dial := func(d telnyx.Dial) telnyx.Response {
		d.Nouns = []telnyx.Noun{&telnyx.Sip{URI: exampleURI}}
		return telnyx.Response{&d}
	}
	tests := []struct {
		name       string
		doc        telnyx.Response
		path, attr string
		reason     error
	}{
		{"timeout below 5s", dial(telnyx.Dial{Timeout: 4 * time.Second}), "Response/Dial[1]", "timeout", telnyx.ErrRange},
		{"timeout above 120s", dial(telnyx.Dial{Timeout: 121 * time.Second}), "Response/Dial[1]", "timeout", telnyx.ErrRange},
		{"Twilio's 600s timeout", dial(telnyx.Dial{Timeout: 600 * time.Second}), "Response/Dial[1]", "timeout", telnyx.ErrRange},
		{"fractional timeout", dial(telnyx.Dial{Timeout: 5500 * time.Millisecond}), "Response/Dial[1]", "timeout", telnyx.ErrWholeUnits},
		{"negative timeout", dial(telnyx.Dial{Timeout: -time.Second}), "Response/Dial[1]", "timeout", telnyx.ErrRange},
		{"timeLimit below 60s", dial(telnyx.Dial{TimeLimit: 59 * time.Second}), "Response/Dial[1]", "timeLimit", telnyx.ErrRange},
		{"timeLimit above 4h", dial(telnyx.Dial{TimeLimit: 4*time.Hour + time.Second}), "Response/Dial[1]", "timeLimit", telnyx.ErrRange},
		{"dial method", dial(telnyx.Dial{Method: "PUT"}), "Response/Dial[1]", "method", telnyx.ErrEnum},
		{"callerId not E.164", dial(telnyx.Dial{CallerID: "14155550100"}), "Response/Dial[1]", "callerId", telnyx.ErrInvalidChar},
		{"callerId letters", dial(telnyx.Dial{CallerID: "+1415abc"}), "Response/Dial[1]", "callerId", telnyx.ErrInvalidChar},
		{"callerId too long", dial(telnyx.Dial{CallerID: "+1234567890123456"}), "Response/Dial[1]", "callerId", telnyx.ErrInvalidChar},
		{"fromDisplayName char", dial(telnyx.Dial{FromDisplayName: "a@b"}), "Response/Dial[1]", "fromDisplayName", telnyx.ErrInvalidChar},
		{"fromDisplayName length", dial(telnyx.Dial{FromDisplayName: strings.Repeat("a", 129)}), "Response/Dial[1]", "fromDisplayName", telnyx.ErrRange},
		{"no nouns", telnyx.Response{&telnyx.Dial{}}, "Response/Dial[1]", "", telnyx.ErrRequired},
		{"nil noun", telnyx.Response{&telnyx.Dial{Nouns: []telnyx.Noun{(*telnyx.Sip)(nil)}}}, "Response/Dial[1]/Sip[1]", "", telnyx.ErrNil},
		{"no URI", telnyx.Response{&telnyx.Dial{Nouns: []telnyx.Noun{&telnyx.Sip{}}}}, "Response/Dial[1]/Sip[1]", "#text", telnyx.ErrRequired},
		{"not a SIP URI", sip(telnyx.Sip{URI: "https://example.com"}), "Response/Dial[1]/Sip[1]", "#text", telnyx.ErrInvalidChar},
		{"password alone", sip(telnyx.Sip{Password: "P"}), "Response/Dial[1]/Sip[1]", "password", telnyx.ErrNoUsername},
		{"sip method", sip(telnyx.Sip{Method: "post"}), "Response/Dial[1]/Sip[1]", "method", telnyx.ErrEnum},
		{"statusCallbackMethod", sip(telnyx.Sip{StatusCallbackMethod: "PATCH"}), "Response/Dial[1]/Sip[1]", "statusCallbackMethod", telnyx.ErrEnum},
		{"unknown event", sip(telnyx.Sip{StatusCallbackEvent: []telnyx.CallEvent{"busy"}}), "Response/Dial[1]/Sip[1]", "statusCallbackEvent", telnyx.ErrEnum},
		{"repeated event", sip(telnyx.Sip{StatusCallbackEvent: []telnyx.CallEvent{telnyx.CallAnswered, telnyx.CallAnswered}}), "Response/Dial[1]/Sip[1]", "statusCallbackEvent", telnyx.ErrDuplicate},
		{"say loop above 10", telnyx.Response{&telnyx.Say{Text: "hi", Loop: 11}}, "Response/Say[1]", "loop", telnyx.ErrRange},
		{"say loop negative", telnyx.Response{&telnyx.Say{Text: "hi", Loop: -2}}, "Response/Say[1]", "loop", telnyx.ErrRange},
		{"say without text", telnyx.Response{&telnyx.Say{}}, "Response/Say[1]", "#text", telnyx.ErrRequired},
		{"pause above 180s", telnyx.Response{&telnyx.Pause{Length: 181 * time.Second}}, "Response/Pause[1]", "length", telnyx.ErrRange},
		{"gather timeout above 120s", telnyx.Response{&telnyx.Gather{Timeout: 121 * time.Second}}, "Response/Gather[1]", "timeout", telnyx.ErrRange},
		{"gather timeout in ms", telnyx.Response{&telnyx.Gather{Timeout: 1500 * time.Millisecond}}, "Response/Gather[1]", "timeout", telnyx.ErrWholeUnits},
		{"gather input", telnyx.Response{&telnyx.Gather{Input: []telnyx.GatherInput{"voice"}}}, "Response/Gather[1]", "input", telnyx.ErrEnum},
		{"finishOnKey", telnyx.Response{&telnyx.Gather{FinishOnKey: "a"}}, "Response/Gather[1]", "finishOnKey", telnyx.ErrInvalidChar},
		{"validDigits", telnyx.Response{&telnyx.Gather{ValidDigits: "12x"}}, "Response/Gather[1]", "validDigits", telnyx.ErrInvalidChar},
		{"numDigits above 128", telnyx.Response{&telnyx.Gather{NumDigits: 129}}, "Response/Gather[1]", "numDigits", telnyx.ErrRange},
		{"numDigits negative", telnyx.Response{&telnyx.Gather{NumDigits: -1}}, "Response/Gather[1]", "numDigits", telnyx.ErrRange},
		{"minDigits above 128", telnyx.Response{&telnyx.Gather{MinDigits: 129}}, "Response/Gather[1]", "minDigits", telnyx.ErrRange},
		{"maxDigits below minDigits", telnyx.Response{&telnyx.Gather{MinDigits: 9, MaxDigits: 4}}, "Response/Gather[1]", "maxDigits", telnyx.ErrRange},
		{"nil prompt", telnyx.Response{&telnyx.Gather{Prompt: []*telnyx.Say{nil}}}, "Response/Gather[1]/Say[1]", "", telnyx.ErrNil},
		{"nil verb", telnyx.Response{nil}, "Response/?[1]", "", telnyx.ErrNil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.doc.Validate()
			var e *telnyx.Error
			require.ErrorAs(t, err, &e)
			assert.ErrorIs(t, err, tc.reason)
			assert.Equal(t, tc.path, e.Path)
			assert.Equal(t, tc.attr, e.Attribute)
			assert.Contains(t, err.Error(), tc.path)
			if tc.attr != "" && tc.attr != "#text" {
				assert.Contains(t, err.Error(), "attribute "+tc.attr)
			}
		})
	}
}

func TestBoundsAccepted(t *testing.T) {
	doc := telnyx.Response{
		&telnyx.Say{Text: "hi", Loop: telnyx.LoopForever},
		&telnyx.Say{Text: "hi", Loop: 10},
		&telnyx.Pause{Length: 180 * time.Second},
		&telnyx.Gather{Timeout: 120 * time.Second, NumDigits: 128, MinDigits: 1, MaxDigits: 128, FinishOnKey: "*#", ValidDigits: "0123456789"},
		&telnyx.Dial{Timeout: 5 * time.Second, TimeLimit: 14400 * time.Second, CallerID: "+14155550100",
			FromDisplayName: "Meet-ing_~!.+ 1", HangupOnStar: true, AnswerOnBridge: true, Method: telnyx.MethodGet, Action: "https://x",
			Nouns: []telnyx.Noun{&telnyx.Sip{URI: exampleURI, StatusCallbackEvent: []telnyx.CallEvent{telnyx.CallInitiated, telnyx.CallCompleted},
				StatusCallback: "https://s", StatusCallbackMethod: telnyx.MethodPost, URL: "https://u", Method: telnyx.MethodGet}}},
		&telnyx.Dial{Timeout: 120 * time.Second, Nouns: []telnyx.Noun{&telnyx.Sip{URI: exampleURI}}},
	}
	out, err := doc.AppendXML(nil)
	require.NoError(t, err)
	assert.Contains(t, string(out), `<Say loop="0">hi</Say>`)
	assert.Contains(t, string(out), `<Dial action="https://x" method="GET" callerId="+14155550100" fromDisplayName="Meet-ing_~!.+ 1" hangupOnStar="true" timeout="5" timeLimit="14400" answerOnBridge="true"><Sip statusCallback="https://s" statusCallbackEvent="initiated completed" statusCallbackMethod="POST" url="https://u" method="GET">`)
	var v any
	require.NoError(t, xml.Unmarshal(out, &v))
}

func TestWriteHTTP(t *testing.T) {
	rec := httptest.NewRecorder()
	require.NoError(t, dialIn().WriteHTTP(rec))
	assert.Equal(t, 200, rec.Code)
	assert.Equal(t, telnyx.ContentType, rec.Header().Get("Content-Type"))
	want, _ := os.ReadFile("testdata/dialin.xml")
	assert.Equal(t, string(want), rec.Body.String())

	rec = httptest.NewRecorder()
	err := telnyx.Response{&telnyx.Dial{}}.WriteHTTP(rec)
	assert.True(t, errors.Is(err, telnyx.ErrRequired))
	assert.Zero(t, rec.Body.Len())
	assert.Empty(t, rec.Header().Get("Content-Type"))
}

// Checked by hand against the TeXML <Redirect> page: the URL is the
// element's text and method (GET or POST) its one attribute. After a
// <Gather> it brings silence back to the same URL.
func TestRedirect(t *testing.T) {
	const action = "https://example.com/telnyx/pin?attempt=1&x=<y>"
	doc := telnyx.Response{
		&telnyx.Gather{Action: action, Prompt: []*telnyx.Say{{Text: "PIN?"}}},
		&telnyx.Redirect{URL: action, Method: telnyx.MethodPost},
	}
	got, err := doc.AppendXML(nil)
	require.NoError(t, err)
	assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?><Response>`+
		`<Gather action="https://example.com/telnyx/pin?attempt=1&amp;x=&lt;y&gt;"><Say>PIN?</Say></Gather>`+
		`<Redirect method="POST">https://example.com/telnyx/pin?attempt=1&amp;x=&lt;y&gt;</Redirect></Response>`, string(got))
	var d struct {
		Redirect struct {
			Method string `xml:"method,attr"`
			URL    string `xml:",chardata"`
		}
	}
	require.NoError(t, xml.Unmarshal(got, &d))
	assert.Equal(t, action, d.Redirect.URL)
	assert.Equal(t, "POST", d.Redirect.Method)

	got, err = telnyx.Response{&telnyx.Redirect{URL: "https://example.com/next"}}.AppendXML(nil)
	require.NoError(t, err)
	assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?><Response><Redirect>https://example.com/next</Redirect></Response>`, string(got))

	for _, tt := range []struct {
		r    *telnyx.Redirect
		want error
	}{
		{&telnyx.Redirect{}, telnyx.ErrRequired},
		{&telnyx.Redirect{URL: "https://example.com/", Method: "PUT"}, telnyx.ErrEnum},
		{&telnyx.Redirect{URL: "https://example.com/\x00"}, telnyx.ErrXMLChar},
		{nil, telnyx.ErrNil},
	} {
		buf := []byte("keep")
		out, err := telnyx.Response{tt.r}.AppendXML(buf)
		assert.ErrorIs(t, err, tt.want)
		var e *telnyx.Error
		assert.True(t, errors.As(err, &e))
		assert.Equal(t, "keep", string(out), "nothing half-written")
	}
}

// BenchmarkAppendXML renders the dial-in document into a reused buffer.
func BenchmarkAppendXML(b *testing.B) {
	doc := dialIn()
	buf := make([]byte, 0, 2048)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := doc.AppendXML(buf); err != nil {
			b.Fatal(err)
		}
	}
}

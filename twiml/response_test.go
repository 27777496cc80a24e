package twiml_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/twiml"
)

const (
	exampleAddress  = "sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20Doe&X-100ms-UserID=xyz"
	exampleDocument = `<?xml version="1.0" encoding="UTF-8"?><Response><Dial><Sip username="U" password="P">sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20Doe&amp;X-100ms-UserID=xyz</Sip></Dial></Response>`
)

func exampleResponse(user, pass string) twiml.Response {
	return twiml.Response{
		&twiml.Dial{Nouns: []twiml.Noun{
			&twiml.Sip{URI: exampleAddress, Username: user, Password: pass},
		}},
	}
}

func render(t *testing.T, r twiml.Response) string {
	t.Helper()
	b, err := r.AppendXML(nil)
	require.NoError(t, err)
	return string(b)
}

func TestExampleDocument(t *testing.T) {
	assert.Equal(t, exampleDocument, render(t, exampleResponse("U", "P")))
}

func TestCredentialsEscaped(t *testing.T) {
	got := render(t, exampleResponse(`a&b<c"d`, `p&<>"'`+"\t\n\r"))
	want := `<?xml version="1.0" encoding="UTF-8"?><Response><Dial><Sip username="a&amp;b&lt;c&quot;d" password="p&amp;&lt;&gt;&quot;'&#x9;&#xA;&#xD;">` +
		`sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20Doe&amp;X-100ms-UserID=xyz</Sip></Dial></Response>`
	assert.Equal(t, want, got)

	var doc struct {
		Dial struct {
			Sip struct {
				Username string `xml:"username,attr"`
				Password string `xml:"password,attr"`
				URI      string `xml:",chardata"`
			}
		}
	}
	require.NoError(t, xml.Unmarshal([]byte(got), &doc))
	assert.Equal(t, `a&b<c"d`, doc.Dial.Sip.Username)
	assert.Equal(t, `p&<>"'`+"\t\n\r", doc.Dial.Sip.Password)
	assert.Equal(t, exampleAddress, doc.Dial.Sip.URI)
}

// The golden file was written by hand from REFERENCE.md §5: the attribute
// order of <Dial> and <Sip>, the escaping of '&' in text and attributes.
func TestGoldenDialIn(t *testing.T) {
	r := twiml.Response{
		&twiml.Dial{
			Action:                       "https://example.com/twilio/dial-status",
			Method:                       twiml.MethodPost,
			Timeout:                      45 * time.Second,
			TimeLimit:                    time.Hour,
			CallerID:                     "+14155550100",
			Record:                       twiml.RecordFromAnswerDual,
			RecordingStatusCallbackEvent: []twiml.RecordingEvent{twiml.RecordingInProgress, twiml.RecordingCompleted},
			AnswerOnBridge:               true,
			Nouns: []twiml.Noun{&twiml.Sip{
				URI:                  exampleAddress,
				Username:             "U",
				Password:             "P",
				StatusCallbackEvent:  []twiml.CallEvent{twiml.CallInitiated, twiml.CallRinging, twiml.CallAnswered, twiml.CallCompleted},
				StatusCallback:       "https://example.com/twilio/sip-status?call=1&leg=a",
				StatusCallbackMethod: twiml.MethodPost,
			}},
		},
		&twiml.Say{Text: "The meeting has ended. Goodbye.", Voice: "alice", Language: "en-US"},
		&twiml.Hangup{},
	}
	want, err := os.ReadFile("testdata/dialin.xml")
	require.NoError(t, err)
	assert.Equal(t, string(want), render(t, r))
}

func TestRenderVerbs(t *testing.T) {
	tests := []struct {
		name string
		r    twiml.Response
		want string
	}{
		{"empty", twiml.Response{}, `<Response/>`},
		{"say and hangup", twiml.Response{&twiml.Say{Text: "Sorry, <we> can't connect you & goodbye."}, &twiml.Hangup{}},
			`<Response><Say>Sorry, &lt;we&gt; can't connect you &amp; goodbye.</Say><Hangup/></Response>`},
		{"say loop forever", twiml.Response{&twiml.Say{Text: "hold", Loop: twiml.LoopForever}}, `<Response><Say loop="0">hold</Say></Response>`},
		{"say CR kept", twiml.Response{&twiml.Say{Text: "a\r\nb"}}, "<Response><Say>a&#xD;\nb</Say></Response>"},
		{"reject", twiml.Response{&twiml.Reject{Reason: twiml.ReasonBusy}}, `<Response><Reject reason="busy"/></Response>`},
		{"reject bare", twiml.Response{&twiml.Reject{}}, `<Response><Reject/></Response>`},
		{"pause", twiml.Response{&twiml.Pause{Length: 2 * time.Second}, &twiml.Pause{}}, `<Response><Pause length="2"/><Pause/></Response>`},
		{"play", twiml.Response{&twiml.Play{URL: "https://x/a.mp3?a=1&b=2", Loop: 2}, &twiml.Play{Digits: "ww1234#"}},
			`<Response><Play loop="2">https://x/a.mp3?a=1&amp;b=2</Play><Play digits="ww1234#"/></Response>`},
		{"redirect", twiml.Response{&twiml.Redirect{URL: "/next", Method: twiml.MethodGet}}, `<Response><Redirect method="GET">/next</Redirect></Response>`},
		{"gather", twiml.Response{&twiml.Gather{
			Input: []twiml.GatherInput{twiml.InputDTMF}, Action: "/pin", Method: twiml.MethodPost, Timeout: 10 * time.Second,
			FinishOnKey: "#", NumDigits: 6, Verbs: []twiml.GatherVerb{&twiml.Say{Text: "Enter your PIN"}, &twiml.Pause{Length: time.Second}},
		}}, `<Response><Gather input="dtmf" action="/pin" method="POST" timeout="10" finishOnKey="#" numDigits="6"><Say>Enter your PIN</Say><Pause length="1"/></Gather></Response>`},
		{"empty gather", twiml.Response{&twiml.Gather{}}, `<Response><Gather/></Response>`},
		{"number and sip", twiml.Response{&twiml.Dial{
			HangupOnStar: true, Sequential: true, RingTone: "us-old", Trim: twiml.DoNotTrim, RecordingTrack: twiml.TrackBoth,
			RecordingStatusCallback: "/rec", RecordingStatusCallbackMethod: twiml.MethodGet, ReferURL: "/refer", ReferMethod: twiml.MethodPost,
			Nouns: []twiml.Noun{
				&twiml.Number{Number: "+14155550100", SendDigits: "w1", URL: "/whisper", Method: twiml.MethodGet,
					StatusCallbackEvent: []twiml.CallEvent{twiml.CallAnswered}, StatusCallback: "/s", StatusCallbackMethod: twiml.MethodPost},
				&twiml.Sip{URI: "sips:a-b-c@h", URL: "/u", Method: twiml.MethodPost, MachineDetection: twiml.MachineDetectionEnable,
					AmdStatusCallbackMethod: twiml.MethodGet, AmdStatusCallback: "/amd", MachineDetectionTimeout: 30 * time.Second,
					MachineDetectionSpeechThreshold: 2400 * time.Millisecond, MachineDetectionSpeechEndThreshold: 1200 * time.Millisecond,
					MachineDetectionSilenceTimeout: 5 * time.Second},
			}}},
			`<Response><Dial hangupOnStar="true" trim="do-not-trim" recordingStatusCallback="/rec" recordingStatusCallbackMethod="GET" ringTone="us-old" recordingTrack="both" sequential="true" referUrl="/refer" referMethod="POST">` +
				`<Number sendDigits="w1" url="/whisper" method="GET" statusCallbackEvent="answered" statusCallback="/s" statusCallbackMethod="POST">+14155550100</Number>` +
				`<Sip url="/u" method="POST" machineDetection="Enable" amdStatusCallbackMethod="GET" amdStatusCallback="/amd" machineDetectionTimeout="30" machineDetectionSpeechThreshold="2400" machineDetectionSpeechEndThreshold="1200" machineDetectionSilenceTimeout="5000">sips:a-b-c@h</Sip></Dial></Response>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, twiml.XMLDeclaration+tt.want, render(t, tt.r))
		})
	}
}

func TestValidation(t *testing.T) {
	sip := func(s twiml.Sip) twiml.Response {
		if s.URI == "" {
			s.URI = exampleAddress
		}
		return twiml.Response{&twiml.Dial{Nouns: []twiml.Noun{&s}}}
	}
	dial := func(d *twiml.Dial) twiml.Response {
		if d.Nouns == nil {
			d.Nouns = []twiml.Noun{&twiml.Sip{URI: exampleAddress}}
		}
		return twiml.Response{d}
	}
	many := make([]twiml.Noun, 11)
	for i := range many {
		many[i] = &twiml.Sip{URI: exampleAddress}
	}
	tests := []struct {
		name   string
		r      twiml.Response
		path   string
		attr   string
		reason error
	}{
		{"timeout too short", dial(&twiml.Dial{Timeout: 4 * time.Second}), "Response/Dial[1]", "timeout", twiml.ErrRange},
		{"timeout too long", dial(&twiml.Dial{Timeout: 601 * time.Second}), "Response/Dial[1]", "timeout", twiml.ErrRange},
		{"timeout fraction", dial(&twiml.Dial{Timeout: 5500 * time.Millisecond}), "Response/Dial[1]", "timeout", twiml.ErrWholeUnits},
		{"negative timeout", dial(&twiml.Dial{Timeout: -time.Second}), "Response/Dial[1]", "timeout", twiml.ErrRange},
		{"time limit", dial(&twiml.Dial{TimeLimit: 14401 * time.Second}), "Response/Dial[1]", "timeLimit", twiml.ErrRange},
		{"method", dial(&twiml.Dial{Method: "PUT"}), "Response/Dial[1]", "method", twiml.ErrEnum},
		{"lower-case method", dial(&twiml.Dial{Method: "post"}), "Response/Dial[1]", "method", twiml.ErrEnum},
		{"record", dial(&twiml.Dial{Record: "true"}), "Response/Dial[1]", "record", twiml.ErrEnum},
		{"trim", dial(&twiml.Dial{Trim: "yes"}), "Response/Dial[1]", "trim", twiml.ErrEnum},
		{"recording event", dial(&twiml.Dial{RecordingStatusCallbackEvent: []twiml.RecordingEvent{"done"}}), "Response/Dial[1]", "recordingStatusCallbackEvent", twiml.ErrEnum},
		{"recording event twice", dial(&twiml.Dial{RecordingStatusCallbackEvent: []twiml.RecordingEvent{"absent", "absent"}}), "Response/Dial[1]", "recordingStatusCallbackEvent", twiml.ErrDuplicate},
		{"ring tone", dial(&twiml.Dial{RingTone: "USA"}), "Response/Dial[1]", "ringTone", twiml.ErrEnum},
		{"recording track", dial(&twiml.Dial{RecordingTrack: "left"}), "Response/Dial[1]", "recordingTrack", twiml.ErrEnum},
		{"refer method", dial(&twiml.Dial{ReferMethod: "GETS"}), "Response/Dial[1]", "referMethod", twiml.ErrEnum},
		{"caller id with space", dial(&twiml.Dial{CallerID: "John Doe"}), "Response/Dial[1]", "callerId", twiml.ErrInvalidChar},
		{"no nouns", twiml.Response{&twiml.Dial{}}, "Response/Dial[1]", "", twiml.ErrRequired},
		{"eleven nouns", twiml.Response{&twiml.Dial{Nouns: many}}, "Response/Dial[1]", "", twiml.ErrTooManyNouns},
		{"nil noun", twiml.Response{&twiml.Dial{Nouns: []twiml.Noun{nil}}}, "Response/Dial[1]/?[1]", "", twiml.ErrNilVerb},
		{"nil verb", twiml.Response{&twiml.Hangup{}, nil}, "Response/?[2]", "", twiml.ErrNilVerb},
		{"typed nil verb", twiml.Response{(*twiml.Say)(nil)}, "Response/Say[1]", "", twiml.ErrNilVerb},
		{"typed nil noun", twiml.Response{&twiml.Dial{Nouns: []twiml.Noun{(*twiml.Sip)(nil)}}}, "Response/Dial[1]/Sip[1]", "", twiml.ErrNilVerb},
		{"typed nil gather verb", twiml.Response{&twiml.Gather{Verbs: []twiml.GatherVerb{(*twiml.Pause)(nil)}}}, "Response/Gather[1]/Pause[1]", "", twiml.ErrNilVerb},
		{"password without username", sip(twiml.Sip{Password: "P"}), "Response/Dial[1]/Sip[1]", "password", twiml.ErrNoUsername},
		{"sip uri empty", twiml.Response{&twiml.Dial{Nouns: []twiml.Noun{&twiml.Sip{}}}}, "Response/Dial[1]/Sip[1]", "#text", twiml.ErrRequired},
		{"sip uri scheme", sip(twiml.Sip{URI: "tel:+1415"}), "Response/Dial[1]/Sip[1]", "#text", twiml.ErrInvalidChar},
		{"sip uri NUL", sip(twiml.Sip{URI: "sip:a\x00b"}), "Response/Dial[1]/Sip[1]", "#text", twiml.ErrInvalidChar},
		{"username invalid UTF-8", sip(twiml.Sip{Username: "\xff"}), "Response/Dial[1]/Sip[1]", "username", twiml.ErrInvalidUTF8},
		{"password U+FFFE", sip(twiml.Sip{Username: "u", Password: "\uFFFE"}), "Response/Dial[1]/Sip[1]", "password", twiml.ErrXMLChar},
		{"password vertical tab", sip(twiml.Sip{Username: "u", Password: "a\vb"}), "Response/Dial[1]/Sip[1]", "password", twiml.ErrXMLChar},
		{"status events", sip(twiml.Sip{StatusCallbackEvent: []twiml.CallEvent{"busy"}}), "Response/Dial[1]/Sip[1]", "statusCallbackEvent", twiml.ErrEnum},
		{"machine detection", sip(twiml.Sip{MachineDetection: "enable"}), "Response/Dial[1]/Sip[1]", "machineDetection", twiml.ErrEnum},
		{"amd timeout", sip(twiml.Sip{MachineDetectionTimeout: 2 * time.Second}), "Response/Dial[1]/Sip[1]", "machineDetectionTimeout", twiml.ErrRange},
		{"speech threshold", sip(twiml.Sip{MachineDetectionSpeechThreshold: 999 * time.Millisecond}), "Response/Dial[1]/Sip[1]", "machineDetectionSpeechThreshold", twiml.ErrRange},
		{"speech end threshold", sip(twiml.Sip{MachineDetectionSpeechEndThreshold: 5001 * time.Millisecond}), "Response/Dial[1]/Sip[1]", "machineDetectionSpeechEndThreshold", twiml.ErrRange},
		{"silence timeout", sip(twiml.Sip{MachineDetectionSilenceTimeout: 10500 * time.Microsecond}), "Response/Dial[1]/Sip[1]", "machineDetectionSilenceTimeout", twiml.ErrWholeUnits},
		{"number empty", twiml.Response{&twiml.Dial{Nouns: []twiml.Noun{&twiml.Sip{URI: exampleAddress}, &twiml.Number{}}}}, "Response/Dial[1]/Number[2]", "#text", twiml.ErrRequired},
		{"send digits", twiml.Response{&twiml.Dial{Nouns: []twiml.Noun{&twiml.Number{Number: "+1", SendDigits: "12a"}}}}, "Response/Dial[1]/Number[1]", "sendDigits", twiml.ErrInvalidChar},
		{"reject second", twiml.Response{&twiml.Say{Text: "x"}, &twiml.Reject{}}, "Response/Reject[2]", "", twiml.ErrRejectPosition},
		{"reject reason", twiml.Response{&twiml.Reject{Reason: "nope"}}, "Response/Reject[1]", "reason", twiml.ErrEnum},
		{"say empty", twiml.Response{&twiml.Say{}}, "Response/Say[1]", "#text", twiml.ErrRequired},
		{"say control", twiml.Response{&twiml.Say{Text: "a\x1bb"}}, "Response/Say[1]", "#text", twiml.ErrXMLChar},
		{"say loop", twiml.Response{&twiml.Say{Text: "a", Loop: -2}}, "Response/Say[1]", "loop", twiml.ErrRange},
		{"play nothing", twiml.Response{&twiml.Play{}}, "Response/Play[1]", "#text", twiml.ErrRequired},
		{"play digits", twiml.Response{&twiml.Play{Digits: "1-2"}}, "Response/Play[1]", "digits", twiml.ErrInvalidChar},
		{"pause fraction", twiml.Response{&twiml.Pause{Length: 1500 * time.Millisecond}}, "Response/Pause[1]", "length", twiml.ErrWholeUnits},
		{"redirect empty", twiml.Response{&twiml.Redirect{}}, "Response/Redirect[1]", "#text", twiml.ErrRequired},
		{"gather input", twiml.Response{&twiml.Gather{Input: []twiml.GatherInput{"voice"}}}, "Response/Gather[1]", "input", twiml.ErrEnum},
		{"gather finish key", twiml.Response{&twiml.Gather{FinishOnKey: "##"}}, "Response/Gather[1]", "finishOnKey", twiml.ErrEnum},
		{"gather num digits", twiml.Response{&twiml.Gather{NumDigits: -1}}, "Response/Gather[1]", "numDigits", twiml.ErrRange},
		{"gather nested say", twiml.Response{&twiml.Gather{Verbs: []twiml.GatherVerb{&twiml.Pause{}, &twiml.Say{Text: "\x00"}}}}, "Response/Gather[1]/Say[2]", "#text", twiml.ErrXMLChar},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf := []byte("prefix")
			out, err := tt.r.AppendXML(buf)
			var te *twiml.Error
			require.ErrorAs(t, err, &te)
			assert.ErrorIs(t, err, tt.reason)
			assert.Equal(t, tt.path, te.Path)
			assert.Equal(t, tt.attr, te.Attribute)
			assert.Equal(t, "prefix", string(out), "nothing half-written")
			assert.Contains(t, err.Error(), tt.path)
			assert.ErrorIs(t, tt.r.Validate(), tt.reason)
		})
	}
}

func TestErrorMessage(t *testing.T) {
	_, err := twiml.Response{&twiml.Dial{Timeout: time.Second, Nouns: []twiml.Noun{&twiml.Sip{URI: exampleAddress}}}}.AppendXML(nil)
	assert.EqualError(t, err, "twiml: Response/Dial[1] attribute timeout: out of range: 1s, want 5s to 10m0s")
	_, err = twiml.Response{&twiml.Say{Text: "ok\x01"}}.AppendXML(nil)
	assert.EqualError(t, err, "twiml: Response/Say[1] text: character XML 1.0 cannot carry: U+0001 at byte 2")
}

func TestWriteHTTP(t *testing.T) {
	rec := httptest.NewRecorder()
	require.NoError(t, exampleResponse("U", "P").WriteHTTP(rec))
	assert.Equal(t, 200, rec.Code)
	assert.Equal(t, "text/xml; charset=utf-8", rec.Header().Get("Content-Type"))
	assert.Equal(t, exampleDocument, rec.Body.String())

	rec = httptest.NewRecorder()
	err := twiml.Response{&twiml.Say{}}.WriteHTTP(rec)
	assert.ErrorIs(t, err, twiml.ErrRequired)
	assert.Empty(t, rec.Body.String())
	assert.Empty(t, rec.Header().Get("Content-Type"), "nothing sent for an invalid document")
}

func TestWriteToAndMarshalText(t *testing.T) {
	var buf bytes.Buffer
	n, err := exampleResponse("U", "P").WriteTo(&buf)
	require.NoError(t, err)
	assert.Equal(t, int64(len(exampleDocument)), n)
	assert.Equal(t, exampleDocument, buf.String())

	buf.Reset()
	_, err = twiml.Response{&twiml.Reject{}, &twiml.Reject{}}.WriteTo(&buf)
	assert.ErrorIs(t, err, twiml.ErrRejectPosition)
	assert.Zero(t, buf.Len())

	text, err := exampleResponse("U", "P").MarshalText()
	require.NoError(t, err)
	assert.Equal(t, exampleDocument, string(text))
}

func TestAppendDoesNotAllocate(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage instrumentation allocates")
	}
	r := exampleResponse("U", "P")
	buf := make([]byte, 0, 1024)
	allocs := testing.AllocsPerRun(100, func() {
		var err error
		buf, err = r.AppendXML(buf[:0])
		if err != nil {
			panic(err)
		}
	})
	assert.LessOrEqual(t, allocs, 1.0)
}

// decoded mirrors the document for encoding/xml.
type decoded struct {
	XMLName xml.Name `xml:"Response"`
	Dial    struct {
		Action   string `xml:"action,attr"`
		CallerID string `xml:"callerId,attr"`
		Sip      struct {
			Username       string `xml:"username,attr"`
			Password       string `xml:"password,attr"`
			StatusCallback string `xml:"statusCallback,attr"`
			URI            string `xml:",chardata"`
		}
	}
	Say struct {
		Voice string `xml:"voice,attr"`
		Text  string `xml:",chardata"`
	}
	Redirect string `xml:"Redirect"`
}

func FuzzRenderDecode(f *testing.F) {
	f.Add("/action?a=1&b=2", "U", "P", "sip:abc-defg-hij@sip.100ms.live?a=1&b=2", "Hello <world> & \"friends\"", "alice", "/next")
	f.Add("", "u\t\n\r", "\"'<>&", "sip:x", "a\r\nb\rc", "", "/")
	f.Add("\x00", "\xff", "\uFFFE", "sip:\x1f", "\U0001F600", "x", "x")
	f.Fuzz(func(t *testing.T, action, user, pass, uri, text, voice, redirect string) {
		r := twiml.Response{
			&twiml.Dial{Action: action, Nouns: []twiml.Noun{&twiml.Sip{URI: uri, Username: user, Password: pass, StatusCallback: action}}},
			&twiml.Say{Text: text, Voice: voice},
			&twiml.Redirect{URL: redirect},
		}
		out, err := r.AppendXML(nil)
		if err != nil {
			var te *twiml.Error
			if !errors.As(err, &te) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			if len(out) != 0 {
				t.Fatalf("output on error: %q", out)
			}
			return
		}
		if !strings.HasPrefix(string(out), twiml.XMLDeclaration) {
			t.Fatalf("no declaration: %q", out)
		}
		var d decoded
		if err := xml.Unmarshal(out, &d); err != nil {
			t.Fatalf("encoding/xml cannot read %q: %v", out, err)
		}
		if d.Dial.Action != action || d.Dial.Sip.Username != user || d.Dial.Sip.Password != pass ||
			d.Dial.Sip.URI != uri || d.Dial.Sip.StatusCallback != action || d.Say.Text != text ||
			d.Say.Voice != voice || d.Redirect != redirect {
			t.Fatalf("round trip changed values:\n%q\n%+v", out, d)
		}
	})
}

func BenchmarkAppendXML(b *testing.B) {
	r := exampleResponse("U", "P")
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = r.AppendXML(buf[:0])
	}
}

// TestEveryPositionChecked puts a character at every position of a long
// value, so that the wide scans' blocks and tails are all exercised.
func TestEveryPositionChecked(t *testing.T) {
	base := strings.Repeat("abcdefgh", 6) // 48 bytes: three 16-byte blocks
	for pos := 0; pos < len(base); pos++ {
		for _, tc := range []struct {
			insert string
			reason error // nil: accepted
			want   string
		}{
			{"\x01", twiml.ErrXMLChar, ""},
			{"\x1f", twiml.ErrXMLChar, ""},
			{"\xff", twiml.ErrInvalidUTF8, ""},
			{"\uFFFE", twiml.ErrXMLChar, ""},
			{"&", nil, "&amp;"},
			{"<", nil, "&lt;"},
			{"é", nil, "é"},
			{"\x7f", nil, "\x7f"},
		} {
			text := base[:pos] + tc.insert + base[pos:]
			out, err := twiml.Response{&twiml.Say{Text: text}}.AppendXML(nil)
			if tc.reason != nil {
				var te *twiml.Error
				require.ErrorAs(t, err, &te, "pos %d %q", pos, tc.insert)
				assert.ErrorIs(t, err, tc.reason)
				assert.Equal(t, pos, te.Offset)
				continue
			}
			require.NoError(t, err, "pos %d %q", pos, tc.insert)
			assert.Contains(t, string(out), "<Say>"+base[:pos]+tc.want+base[pos:]+"</Say>")
		}
	}
}

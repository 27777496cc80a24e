package carriertest

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/pins"
	"github.com/hmssip/interconnect-go/sipconnect"
)

// A Carrier describes one carrier to the contract every adapter keeps:
// how its webhooks are sent and signed, and how its answers read. Run
// checks the contract with it.
type Carrier struct {
	// Title is the carrier's name, as its sipconnect.Carrier gives it and
	// the handler's logs say it.
	Title string
	// Config is the handler's configuration: the carrier, at Clock, with
	// its dial action at /hooks/dial-status and a 30-second timeout, and
	// the SIP credentials U and P when it can send them.
	Config func() sipconnect.HandlerConfig
	// Method is the method the carrier sends its webhooks by; "" is POST.
	Method string
	// Request is the webhook the carrier sends by method to url, which may
	// hold a query, signed at Clock: the test call, with the id CallID,
	// from CallerPhone to +18005550100, with params set on it.
	Request func(t *testing.T, method, url string, params Params) *http.Request
	// CallID is the test call's id, as the handler logs it.
	CallID string
	// Input is the params of the webhook that answers a PIN prompt with
	// digits; "" is silence. nil: Digits, left out for silence.
	Input func(digits string) Params
	// ContentType is the answers' Content-Type.
	ContentType string
	// Decode reads an answer of the carrier.
	Decode func(t *testing.T, body string) Answer
	// Example is the answer to 100ms's example call served at base,
	// written by hand from the carrier's pages, and Bridged the endpoint
	// it dials.
	Example func(base string) string
	Bridged SIP
	// Goodbye is the answer that says prompt, if any, and ends the call.
	Goodbye func(prompt string) string
	// StepTail is a regular expression for what the carrier's PIN step
	// URLs hold after their nonce.
	StepTail string
	// PINPrompt, if any, checks the carrier's own attributes in the first
	// PIN prompt's answer.
	PINPrompt func(t *testing.T, body string)
	// DialFailed and DialDone are the params of the dial status webhook of
	// a dial that failed and of one that completed; Failed and Done are
	// the DialStatus each gives OnDialStatus, whose Form holds at least
	// the values in theirs.
	DialFailed, DialDone Params
	Failed, Done         sipconnect.DialStatus
	// ErrBodyTooLarge is the carrier package's error for a body over the
	// limit.
	ErrBodyTooLarge error
}

// Params are a webhook's parameters in the carrier's own names, set on
// the test call's: a form's values as fmt.Sprint writes them, a JSON
// body's as encoding/json does.
type Params map[string]any

// Form sets p on the form base and returns it.
func (p Params) Form(base url.Values) url.Values {
	for k, v := range p {
		base.Set(k, fmt.Sprint(v))
	}
	return base
}

// An Answer is what the contract reads in a carrier's answer.
type Answer struct {
	Prompts []string // what it says, in order
	Action  string   // where the digits a PIN prompt collects go
	Dial    []SIP    // the endpoints it dials
}

// A SIP is a dialed endpoint: its URI and credentials, and the SIP
// headers the carrier sends beside the URI as 100ms receives them.
type SIP struct {
	URI, Username, Password string
	Headers                 map[string]string
}

func (c Carrier) input(digits string) Params {
	switch {
	case c.Input != nil:
		return c.Input(digits)
	case digits == "":
		return nil
	}
	return Params{"Digits": digits}
}

func (c Carrier) method() string {
	if c.Method == "" {
		return http.MethodPost
	}
	return c.Method
}

// send sends c's webhook to u with params and returns the status and
// the body.
func (c Carrier) send(t *testing.T, s *Server, u string, params Params) (int, string) {
	t.Helper()
	status, _, body := s.Do(t, c.Request(t, c.method(), u, params))
	return status, body
}

// Run checks, each in a subtest, that c's adapter keeps the contract:
// DialIn, PINFlow, FallbackAndDialStatus, HostileIdentity and
// BodyOverTheLimit.
func Run(t *testing.T, c Carrier) {
	t.Run("DialIn", func(t *testing.T) { DialIn(t, c) })
	t.Run("PINFlow", func(t *testing.T) { PINFlow(t, c) })
	t.Run("FallbackAndDialStatus", func(t *testing.T) { FallbackAndDialStatus(t, c) })
	t.Run("HostileIdentity", func(t *testing.T) { HostileIdentity(t, c) })
	t.Run("BodyOverTheLimit", func(t *testing.T) { BodyOverTheLimit(t, c) })
}

// DialIn checks that 100ms's example call, to a static room or routed by
// the called number, is answered with c.Example, which dials c.Bridged
// as John Doe, and that the logs name the call but show the caller's
// number only masked.
func DialIn(t *testing.T, c Carrier) {
	assert.Equal(t, c.Title, c.Config().Carrier.Name())
	for name, route := range map[string]func(*sipconnect.HandlerConfig){
		"static room": func(cfg *sipconnect.HandlerConfig) { cfg.Room = sipconnect.StaticRoom(ExampleRoom) },
		"routed by the called number, its + restored": func(cfg *sipconnect.HandlerConfig) {
			cfg.Numbers = map[string]sipconnect.Route{"+18005550100": {Room: sipconnect.StaticRoom(ExampleRoom)}}
		},
	} {
		cfg := c.Config()
		route(&cfg)
		cfg.Identity = exampleIdentity
		s := NewServer(t, cfg)
		status, ctype, body := s.Do(t, c.Request(t, c.method(), s.URL()+"/hooks/voice", nil))
		require.Equal(t, http.StatusOK, status, body)
		assert.Equal(t, c.ContentType, ctype)
		assert.Equal(t, c.Example(s.URL()), body, name)
		a := c.Decode(t, body)
		require.Len(t, a.Dial, 1, name)
		assert.Equal(t, c.Bridged, a.Dial[0], name)
		assert.Empty(t, a.Prompts, name)
		room, display, id := carried(t, a.Dial[0])
		assert.Equal(t, []string{ExampleRoom, "John Doe", "xyz"}, []string{room, display, id})
		logs := s.Logs.String()
		assert.Contains(t, logs, `"call_sid":"`+c.CallID+`"`)
		assert.Contains(t, logs, sipconnect.MaskNumber(CallerPhone))
		assert.NotContains(t, logs, strings.TrimPrefix(CallerPhone, "+"))
	}
}

// PINFlow walks the PIN menu: welcome, a wrong PIN, silence, then the
// right PIN, which bridges the caller. Each step URL counts its attempt
// and holds a one-time nonce: a step whose counter was changed, before
// or after signing, one without its nonce and one sent again are all
// refused with 403. The PIN never reaches the logs.
func PINFlow(t *testing.T, c Carrier) {
	cfg := c.Config()
	cfg.PIN = &pins.Config{Resolver: PINResolver(), Path: "/hooks/pin"}
	s := NewServer(t, cfg)
	steps := []string{s.URL() + "/hooks/voice"}
	said := []string{"Welcome.", "Sorry, that PIN is not valid.", "We did not receive a PIN."}
	for i, input := range []Params{nil, c.input("111111111"), c.input("")} {
		status, body := c.send(t, s, steps[i], input)
		require.Equal(t, http.StatusOK, status, body)
		if i == 0 && c.PINPrompt != nil {
			c.PINPrompt(t, body)
		}
		a := c.Decode(t, body)
		assert.Equal(t, []string{said[i], "Please enter your meeting PIN, then press pound."}, a.Prompts)
		assert.Regexp(t, `^`+regexp.QuoteMeta(fmt.Sprintf("%s/hooks/pin?attempt=%d&nonce=", s.URL(), i+1))+`[\w-]{22}`+c.StepTail+`$`, a.Action)
		steps = append(steps, a.Action)
	}
	step1, step3 := steps[1], steps[3]

	pin := func(u string) int { status, _ := c.send(t, s, u, c.input(ExamplePIN)); return status }
	assert.Equal(t, http.StatusForbidden, pin(strings.Replace(step3, "attempt=3", "attempt=1", 1)), "a changed attempt counter, signed")
	req := c.Request(t, c.method(), step3, c.input(ExamplePIN))
	req.URL.RawQuery = strings.Replace(req.URL.RawQuery, "attempt=3", "attempt=2", 1)
	status, _, _ := s.Do(t, req)
	assert.Equal(t, http.StatusForbidden, status, "an attempt counter changed after signing")
	assert.Equal(t, http.StatusForbidden, pin(s.URL()+"/hooks/pin?attempt=1"), "a step URL without its nonce")

	status, body := c.send(t, s, step3, c.input(ExamplePIN))
	require.Equal(t, http.StatusOK, status, body)
	a := c.Decode(t, body)
	require.Len(t, a.Dial, 1, "the right PIN bridges the caller")
	assert.Equal(t, c.Bridged, a.Dial[0])
	assert.Empty(t, a.Prompts)
	assert.NotContains(t, s.Logs.String(), ExamplePIN)
	status, _ = c.send(t, s, step1, c.input("111111111"))
	assert.Equal(t, http.StatusForbidden, status, "a step is good once, even sent again as signed")
	assert.Equal(t, http.StatusForbidden, pin(step3), "a step sent again after the caller was bridged")
}

// FallbackAndDialStatus checks that a room that cannot be found is
// answered with the fallback prompt, its cause logged, and that a dial
// status reaches OnDialStatus and is answered with the dial-failed prompt
// or, for a completed dial, by ending the call.
func FallbackAndDialStatus(t *testing.T, c Carrier) {
	cfg := c.Config()
	cfg.Room = sipconnect.RoomFunc(func(context.Context, sipconnect.Call) (string, error) { return "", errors.New("100ms is down") })
	var got sipconnect.DialStatus
	cfg.OnDialStatus = func(_ context.Context, st sipconnect.DialStatus) { got = st }
	s := NewServer(t, cfg)
	status, body := c.send(t, s, s.URL()+"/hooks/voice", nil)
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, c.Goodbye("Sorry, we cannot connect your call to the meeting right now. Please try again later."), body)
	assert.Contains(t, s.Logs.String(), "100ms is down")
	for _, tt := range []struct {
		params Params
		want   sipconnect.DialStatus
		prompt string
	}{{c.DialFailed, c.Failed, "Sorry, the meeting could not be reached. Please try again later."}, {c.DialDone, c.Done, ""}} {
		got = sipconnect.DialStatus{}
		status, body = c.send(t, s, s.URL()+"/hooks/dial-status", tt.params)
		require.Equal(t, http.StatusOK, status)
		assert.Equal(t, c.Goodbye(tt.prompt), body)
		for k, v := range tt.want.Form {
			assert.Equal(t, v, got.Form[k], k)
		}
		tt.want.Form, got.Form = nil, nil
		assert.Equal(t, tt.want, got)
	}
}

// HostileIdentity checks that each of HostileNames, given unchecked as
// the caller's display name and user id, leaves the caller bridged to the
// example room with the name intact or not at all, and nothing injected.
func HostileIdentity(t *testing.T, c Carrier) {
	for _, name := range HostileNames() {
		cfg := c.Config()
		cfg.Room = sipconnect.StaticRoom(ExampleRoom)
		cfg.Identity = func(context.Context, sipconnect.Call) (sipconnect.Identity, error) {
			return sipconnect.Identity{DisplayName: name, UserID: name}, nil
		}
		s := NewServer(t, cfg)
		status, body := c.send(t, s, s.URL()+"/hooks/voice", nil)
		require.Equal(t, http.StatusOK, status)
		a := c.Decode(t, body)
		require.Len(t, a.Dial, 1, "the caller is still bridged, once: %q", name)
		assert.Empty(t, a.Prompts, name)
		room, display, id := carried(t, a.Dial[0])
		assert.Equal(t, ExampleRoom, room)
		if display != "" || id != "" {
			assert.Equal(t, name, display, "carried intact or not at all")
			assert.Equal(t, name, id)
		}
		if c.Bridged.Headers != nil {
			assert.Equal(t, c.Bridged.URI, a.Dial[0].URI, "the URI is left alone")
		}
	}
}

// BodyOverTheLimit checks that the adapter, even without signatures,
// refuses a webhook POST over the limit with 413 and c.ErrBodyTooLarge,
// an error of the carrier's package, not of twiml's.
func BodyOverTheLimit(t *testing.T, c Carrier) {
	a, err := c.Config().Carrier.Adapter(sipconnect.CarrierSettings{InsecureSkipSignature: true, MaxBodyBytes: 16})
	require.NoError(t, err)
	_, status, err := a.Verify(httptest.NewRecorder(), c.Request(t, http.MethodPost, "https://voice.example.com/hooks/voice", nil))
	assert.Equal(t, http.StatusRequestEntityTooLarge, status)
	require.ErrorIs(t, err, c.ErrBodyTooLarge)
	assert.EqualError(t, err, strings.ToLower(c.Title)+": request body too large: over 16 bytes")
}

// AssertNilBodyRefused checks that parse, a carrier's ParseCall, returns
// an error, not a panic, for a POST built in process with a nil body.
func AssertNilBodyRefused[C any](t *testing.T, parse func(*http.Request) (C, error)) {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, "https://voice.example.com/voice", nil)
	require.NoError(t, err)
	require.NotPanics(t, func() { _, err = parse(r) })
	assert.Error(t, err)
}

// carried reads the room, display name and user id that the endpoint
// carries, in its URI or beside it, and checks that it carries no other
// header.
func carried(t *testing.T, sip SIP) (room, name, id string) {
	t.Helper()
	addr, err := sipconnect.ParseAddress(sip.URI)
	require.NoError(t, err)
	assert.Empty(t, addr.Headers(), "no header injected in %q", sip.URI)
	name, id = addr.DisplayName(), addr.UserID()
	for k, v := range sip.Headers {
		switch k {
		case "X-100ms-Display-Name":
			name = v
		case "X-100ms-UserID":
			id = v
		default:
			t.Errorf("header %s: %q injected", k, v)
		}
	}
	return addr.RoomCode(), name, id
}

// PINResolver knows one PIN, ExamplePIN, which leads to the example room
// with the example identity.
func PINResolver() pins.Resolver {
	return pins.ResolverFunc(func(_ context.Context, pin string, _ sipconnect.Call) (pins.Target, error) {
		if pin == ExamplePIN {
			return pins.Target{RoomCode: ExampleRoom, Identity: &sipconnect.Identity{DisplayName: "John Doe", UserID: "xyz"}}, nil
		}
		return pins.Target{}, pins.ErrUnknown
	})
}

const xmlDeclaration = `<?xml version="1.0" encoding="UTF-8"?>`

// DecodeXML reads an XML answer, which starts with the XML declaration,
// into a T.
func DecodeXML[T any](t *testing.T, body string) T {
	t.Helper()
	require.True(t, strings.HasPrefix(body, xmlDeclaration), body)
	var a T
	require.NoError(t, xml.Unmarshal([]byte(body), &a), body)
	return a
}

// XMLAnswer is a TwiML-shaped answer (TeXML, cXML) as encoding/xml
// reads it.
type XMLAnswer struct {
	XMLName xml.Name `xml:"Response"`
	Dial    *struct {
		Action         string `xml:"action,attr"`
		Timeout        string `xml:"timeout,attr"`
		AnswerOnBridge string `xml:"answerOnBridge,attr"`
		Sip            []struct {
			Username string `xml:"username,attr"`
			Password string `xml:"password,attr"`
			URI      string `xml:",chardata"`
		} `xml:"Sip"`
	} `xml:"Dial"`
	Gather *struct {
		Action              string   `xml:"action,attr"`
		Timeout             string   `xml:"timeout,attr"`
		Input               string   `xml:"input,attr"`
		FinishOnKey         string   `xml:"finishOnKey,attr"`
		ActionOnEmptyResult string   `xml:"actionOnEmptyResult,attr"`
		Say                 []string `xml:"Say"`
	} `xml:"Gather"`
	Redirect *struct {
		Method string `xml:"method,attr"`
		URL    string `xml:",chardata"`
	} `xml:"Redirect"`
	Say    []string  `xml:"Say"`
	Hangup *struct{} `xml:"Hangup"`
}

// TwiMLShaped fills in c what the carriers whose answers are TwiML-shaped
// (TeXML, cXML) share: their Content-Type, how an answer reads, their
// goodbye, and their answer to the example call, written by hand from
// the carriers' <Dial> and <Sip> pages (a 30-second timeout and Sip
// credentials U and P).
func TwiMLShaped(c Carrier) Carrier {
	c.ContentType = "text/xml; charset=utf-8"
	c.Decode = func(t *testing.T, body string) Answer {
		t.Helper()
		x := DecodeXML[XMLAnswer](t, body)
		a := Answer{Prompts: x.Say}
		if x.Gather != nil {
			a.Prompts, a.Action = append(a.Prompts, x.Gather.Say...), x.Gather.Action
		}
		for i := 0; x.Dial != nil && i < len(x.Dial.Sip); i++ {
			s := x.Dial.Sip[i]
			a.Dial = append(a.Dial, SIP{URI: s.URI, Username: s.Username, Password: s.Password})
		}
		return a
	}
	c.Example = func(base string) string {
		return xmlDeclaration + `<Response><Dial action="` + base + `/hooks/dial-status" timeout="30" answerOnBridge="true">` +
			`<Sip username="U" password="P">sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20Doe&amp;X-100ms-UserID=xyz</Sip></Dial></Response>`
	}
	c.Bridged = SIP{URI: ExampleURI, Username: "U", Password: "P"}
	c.Goodbye = func(prompt string) string {
		if prompt != "" {
			prompt = "<Say>" + prompt + "</Say>"
		}
		return xmlDeclaration + "<Response>" + prompt + "<Hangup/></Response>"
	}
	return c
}

package signalwire_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"time"

	"github.com/hmssip/interconnect-go/carrier/signalwire"
	"github.com/hmssip/interconnect-go/sipconnect"
)

// The 100ms dial-in: a <Dial> with one <Sip> noun carrying the 100ms SIP
// credentials and the SIP address with its X-100ms headers.
func ExampleResponse_AppendXML() {
	doc := signalwire.Response{&signalwire.Dial{Nouns: []signalwire.Noun{&signalwire.Sip{
		URI:      "sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20Doe&X-100ms-UserID=xyz",
		Username: "U",
		Password: "P",
	}}}}
	out, err := doc.AppendXML(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(out))
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?><Response><Dial><Sip username="U" password="P">sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20Doe&amp;X-100ms-UserID=xyz</Sip></Dial></Response>
}

func ExampleResponse_Validate() {
	err := signalwire.Response{&signalwire.Dial{CallerID: "John Doe",
		Nouns: []signalwire.Noun{&signalwire.Sip{URI: "sip:abc-defg-hij@sip.100ms.live"}}}}.Validate()
	var e *signalwire.Error
	fmt.Println(errors.As(err, &e), e.Path, e.Attribute, e.Offset)
	fmt.Println(err)
	// Output:
	// true Response/Dial[1] callerId 4
	// signalwire: Response/Dial[1] attribute callerId: character not allowed: with <Sip> only letters, digits, '+', '-', '_' and '.' are allowed at byte 4
}

// A PIN prompt that requests the action URL even when nothing is entered.
func ExampleGather() {
	doc := signalwire.Response{&signalwire.Gather{
		Action: "https://example.com/signalwire/pin", ActionOnEmptyResult: true, FinishOnKey: "#",
		Input: []signalwire.GatherInput{signalwire.InputDTMF}, Timeout: 10 * time.Second,
		Prompt: []*signalwire.Say{{Text: "Enter your meeting PIN, then press pound."}},
	}}
	_, _ = doc.WriteTo(os.Stdout)
	fmt.Println()
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?><Response><Gather action="https://example.com/signalwire/pin" actionOnEmptyResult="true" finishOnKey="#" input="dtmf" timeout="10"><Say>Enter your meeting PIN, then press pound.</Say></Gather></Response>
}

func ExampleResponse_WriteTo() {
	_, _ = signalwire.Response{&signalwire.Say{Text: "Sorry, the meeting is not available.", Voice: "woman"}, &signalwire.Hangup{}}.WriteTo(os.Stdout)
	fmt.Println()
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?><Response><Say voice="woman">Sorry, the meeting is not available.</Say><Hangup/></Response>
}

func ExampleResponse_WriteHTTP() {
	rec := httptest.NewRecorder()
	_ = signalwire.Response{&signalwire.Hangup{}}.WriteHTTP(rec)
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	fmt.Println(rec.Body.String())
	// Output:
	// 200 text/xml; charset=utf-8
	// <?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>
}

func ExampleResponse_MarshalText() {
	b, err := signalwire.Response{&signalwire.Say{Text: "<Hangup/>"}}.MarshalText()
	fmt.Println(string(b), err)
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?><Response><Say>&lt;Hangup/&gt;</Say></Response> <nil>
}

func ExampleSip_String() {
	s := signalwire.Sip{URI: "sip:abc-defg-hij@sip.100ms.live", Username: "U", Password: "P"}
	fmt.Println(s.String())
	// Output:
	// {URI:sip:abc-defg-hij@sip.100ms.live Username:U Password:[REDACTED] URL: Method: StatusCallbackEvent:[] StatusCallback: StatusCallbackMethod: Codecs:[]}
}

func ExampleSignature() {
	fmt.Println(signalwire.Signature("PSK_example", "https://voice.example.com/voice",
		url.Values{"CallSid": {"CA1"}, "From": {"+14155550100"}}))
	// Output:
	// 9EL+pizwtfTLTGfT+7AWvRIyMv4=
}

// A handler behind the Verifier's middleware, tested with a request signed
// by NewSignedRequest.
func ExampleNewSignedRequest() {
	v, err := signalwire.NewVerifier("PSK_example", "https://voice.example.com")
	if err != nil {
		fmt.Println(err)
		return
	}
	h := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		call, _ := signalwire.ParseCall(r)
		fmt.Println("call", call.ID, "from", call.From)
		_ = signalwire.Response{&signalwire.Hangup{}}.WriteHTTP(w)
	}))
	req, _ := signalwire.NewSignedRequest(http.MethodPost, "https://voice.example.com/signalwire/voice", "PSK_example",
		url.Values{"CallSid": {"CA1"}, "From": {"+14155550100"}})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Code)

	forged, _ := signalwire.NewSignedRequest(http.MethodPost, "https://voice.example.com/signalwire/voice", "guessed",
		url.Values{"CallSid": {"CA1"}})
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, forged)
	fmt.Println(rec.Code)
	// Output:
	// call CA1 from +14155550100
	// 200
	// 403
}

func ExampleVerifier_Verify() {
	v, _ := signalwire.NewVerifier("PSK_example", "https://voice.example.com")
	req, _ := signalwire.NewSignedRequest(http.MethodGet, "https://voice.example.com/signalwire/pin?attempt=2", "PSK_example",
		url.Values{"Digits": {"123456789"}})
	fmt.Println(v.Verify(httptest.NewRecorder(), req))
	req.Header.Del(signalwire.SignatureHeader)
	fmt.Println(v.Verify(httptest.NewRecorder(), req))
	// Output:
	// <nil>
	// signalwire: missing X-SignalWire-Signature header
}

func ExampleVerifier_URL() {
	v, _ := signalwire.NewVerifier("PSK_example", "https://voice.example.com/app")
	r := httptest.NewRequest(http.MethodPost, "/signalwire/voice?step=1", nil)
	fmt.Println(v.URL(r))
	// Output:
	// https://voice.example.com/app/signalwire/voice?step=1
}

func ExampleNewCall() {
	call := signalwire.NewCall(url.Values{"CallSid": {"CA1"}, "From": {"+14155550100"}, "Direction": {"inbound"}})
	fmt.Println(call.ID, call.From, call.Direction)
	// Output:
	// CA1 +14155550100 inbound
}

func ExampleParseCall() {
	r := httptest.NewRequest(http.MethodGet, "/signalwire/voice?CallSid=CA1&Digits=42", nil)
	call, err := signalwire.ParseCall(r)
	fmt.Println(call.ID, call.Digits, err)
	// Output:
	// CA1 42 <nil>
}

func ExampleNewCarrier() {
	handler, err := sipconnect.NewHandler(sipconnect.HandlerConfig{
		Carrier: signalwire.NewCarrier(signalwire.Config{
			SigningKey: "PSK_example-signing-key",
			Dial:       signalwire.Dial{Action: "/signalwire/dial-status"},
		}),
		PublicURL:   "https://voice.example.com", // what SignalWire's webhook URL starts with
		Room:        sipconnect.StaticRoom("abc-defg-hij"),
		Credentials: sipconnect.Credentials{Username: "U", Password: "P"},
		Identity: func(context.Context, sipconnect.Call) (sipconnect.Identity, error) {
			return sipconnect.Identity{DisplayName: "John Doe", UserID: "xyz"}, nil
		},
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	mux.Handle("/signalwire/voice", handler)
	mux.Handle("/signalwire/dial-status", handler.StatusHandler())

	params := url.Values{"CallSid": {"sw-abc"}, "From": {"+14155550100"}, "To": {"+18005550100"}}
	req, err := signalwire.NewSignedRequest(http.MethodPost, "https://voice.example.com/signalwire/voice", "PSK_example-signing-key", params)
	if err != nil {
		fmt.Println(err)
		return
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	fmt.Println(rec.Code)
	fmt.Println(rec.Body.String())
	// Output:
	// 200
	// <?xml version="1.0" encoding="UTF-8"?><Response><Dial action="https://voice.example.com/signalwire/dial-status" answerOnBridge="true"><Sip username="U" password="P">sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20Doe&amp;X-100ms-UserID=xyz</Sip></Dial></Response>
}

package plivo_test

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

	"github.com/hmssip/interconnect-go/carrier/plivo"
	"github.com/hmssip/interconnect-go/sipconnect"
)

// The dial-in: the X-100ms headers travel in the SIP URI, percent-encoded.
func ExampleResponse_MarshalText() {
	r := &plivo.Response{Verbs: []plivo.Verb{
		&plivo.Dial{Users: []*plivo.User{{
			URI: "sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20Doe&X-100ms-UserID=xyz",
		}}},
	}}
	b, err := r.MarshalText()
	fmt.Println(string(b), err)
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?><Response><Dial><User>sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20Doe&amp;X-100ms-UserID=xyz</User></Dial></Response> <nil>
}

// A PIN prompt; on an error the buffer comes back unchanged.
func ExampleResponse_AppendXML() {
	r := &plivo.Response{Verbs: []plivo.Verb{
		&plivo.GetInput{
			Action: "https://example.com/plivo/pin", InputType: plivo.InputDTMF,
			ExecutionTimeout: 10 * time.Second, NumDigits: 9, NoLog: true,
			Prompts: []*plivo.Speak{{Text: "Enter your PIN."}},
		},
		&plivo.Hangup{},
	}}
	buf, err := r.AppendXML(make([]byte, 0, 512))
	fmt.Println(string(buf), err)

	bad := &plivo.Response{Verbs: []plivo.Verb{&plivo.Dial{Users: []*plivo.User{{
		URI:        "sip:abc-defg-hij@sip.100ms.live",
		SIPHeaders: []plivo.Header{{Name: "X-100ms-UserID", Value: "xyz"}},
	}}}}}
	buf, err = bad.AppendXML(buf[:0])
	fmt.Println(len(buf), errors.Is(err, plivo.ErrHeaderName))
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?><Response><GetInput action="https://example.com/plivo/pin" inputType="dtmf" executionTimeout="10" numDigits="9" log="false"><Speak>Enter your PIN.</Speak></GetInput><Hangup/></Response> <nil>
	// 0 true
}

func ExampleResponse_WriteTo() {
	r := &plivo.Response{Verbs: []plivo.Verb{&plivo.Speak{Text: "Sorry, the meeting is closed."}, &plivo.Hangup{}}}
	_, err := r.WriteTo(os.Stdout)
	fmt.Println()
	fmt.Println(err)
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?><Response><Speak>Sorry, the meeting is closed.</Speak><Hangup/></Response>
	// <nil>
}

func ExampleResponse_WriteHTTP() {
	rec := httptest.NewRecorder()
	err := (&plivo.Response{Verbs: []plivo.Verb{&plivo.Hangup{Reason: plivo.ReasonRejected}}}).WriteHTTP(rec)
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"), err)
	fmt.Println(rec.Body.String())
	// Output:
	// 200 text/xml; charset=utf-8 <nil>
	// <?xml version="1.0" encoding="UTF-8"?><Response><Hangup reason="rejected"/></Response>
}

// 100ms's SIP username and password cannot be given to Plivo.
func ExampleCheckCredentials() {
	fmt.Println(plivo.CheckCredentials("", ""))
	fmt.Println(plivo.CheckCredentials("U", "P"))
	// Output:
	// <nil>
	// plivo: Response/Dial/User attribute username: no SIP username or password attribute on Plivo's <User> noun
}

func ExampleSignatureV3() {
	sig, err := plivo.SignatureV3("token", http.MethodPost, "https://example.com/plivo/voice",
		"12345", url.Values{"CallUUID": {"abc"}, "From": {"+14155550100"}})
	fmt.Println(sig, err)
	// Output:
	// 6xzsJUT2VMigMgHCGRsNqFEzNRQpao5v/zC79K4M6lY= <nil>
}

// During an auth token rotation the header holds several signatures.
func ExampleValidateSignatureV3() {
	params := url.Values{"CallUUID": {"abc"}, "From": {"+14155550100"}}
	sig, _ := plivo.SignatureV3("token", http.MethodPost, "https://example.com/plivo/voice", "12345", params)
	fmt.Println(plivo.ValidateSignatureV3("token", http.MethodPost, "https://example.com/plivo/voice", "12345", params, "old-signature,"+sig))
	fmt.Println(plivo.ValidateSignatureV3("token", http.MethodPost, "https://example.com/plivo/voice", "12345", params, "old-signature"))
	// Output:
	// true
	// false
}

// A handler behind the Verifier, tested with NewSignedRequest.
func ExampleNewSignedRequest() {
	v, err := plivo.NewVerifier("auth-token", "https://voice.example.com")
	if err != nil {
		panic(err)
	}
	h := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := plivo.ParseCall(r)
		fmt.Println(c.ID, c.From, c.Digits, err)
	}))
	req, err := plivo.NewSignedRequest(http.MethodPost, "https://voice.example.com/plivo/voice", "auth-token", "nonce-1",
		url.Values{"CallUUID": {"abc"}, "From": {"+14155550100"}, "To": {"+14155550199"}, "Digits": {"123456789"}})
	if err != nil {
		panic(err)
	}
	h.ServeHTTP(httptest.NewRecorder(), req)

	req.Header.Set(plivo.SignatureHeader, "forged")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Code)
	// Output:
	// abc +14155550100 123456789 <nil>
	// 403
}

func ExampleParseCall() {
	req := httptest.NewRequest(http.MethodGet, "/plivo/voice?CallUUID=abc&From=%2B14155550100&To=%2B14155550199&Direction=inbound", nil)
	c, err := plivo.ParseCall(req)
	fmt.Println(c.ID, c.From, c.To, c.Direction, err)
	// Output:
	// abc +14155550100 +14155550199 inbound <nil>
}

func ExampleVerifier_Verify() {
	v, _ := plivo.NewVerifier("auth-token", "https://voice.example.com", plivo.WithMaxBodyBytes(16<<10))
	req := httptest.NewRequest(http.MethodPost, "/plivo/voice", nil)
	fmt.Println(v.Verify(httptest.NewRecorder(), req))
	// Output:
	// plivo: missing X-Plivo-Signature-V3 or X-Plivo-Signature-V3-Nonce header
}

func ExampleVerifier_URL() {
	v, _ := plivo.NewVerifier("auth-token", "https://voice.example.com/base")
	req := httptest.NewRequest(http.MethodPost, "/plivo/voice?attempt=1", nil)
	req.Host = "internal:8080"
	fmt.Println(v.URL(req))
	// Output:
	// https://voice.example.com/base/plivo/voice?attempt=1
}

func ExampleNewCarrier() {
	handler, err := sipconnect.NewHandler(sipconnect.HandlerConfig{
		Carrier: plivo.NewCarrier(plivo.Config{
			AuthToken: "plivo-auth-token",
			Dial:      plivo.Dial{Action: "/plivo/dial-status"},
		}),
		PublicURL: "https://voice.example.com", // what Plivo's answer URL starts with
		Room:      sipconnect.StaticRoom("abc-defg-hij"),
		// No Credentials: Plivo cannot send them.
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
	mux.Handle("/plivo/voice", handler)
	mux.Handle("/plivo/dial-status", handler.StatusHandler())

	params := url.Values{"CallUUID": {"plivo-abc"}, "From": {"14155550100"}, "To": {"18005550100"}}
	req, err := plivo.NewSignedRequest(http.MethodPost, "https://voice.example.com/plivo/voice", "plivo-auth-token", "nonce-1", params)
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
	// <?xml version="1.0" encoding="UTF-8"?><Response><Dial action="https://voice.example.com/plivo/dial-status"><User>sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20Doe&amp;X-100ms-UserID=xyz</User></Dial></Response>
}

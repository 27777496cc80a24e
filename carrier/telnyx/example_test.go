package telnyx_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"time"

	"github.com/hmssip/interconnect-go/carrier/telnyx"
	"github.com/hmssip/interconnect-go/sipconnect"
)

// The 100ms dial-in: a <Dial> with one <Sip> noun carrying the 100ms SIP
// credentials and the SIP address with its X-100ms headers.
func ExampleResponse_AppendXML() {
	doc := telnyx.Response{&telnyx.Dial{Nouns: []telnyx.Noun{&telnyx.Sip{
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

// Telnyx rings a <Dial> for 5 to 120 seconds: Twilio's 600 is refused.
func ExampleResponse_Validate() {
	doc := telnyx.Response{&telnyx.Dial{Timeout: 600 * time.Second,
		Nouns: []telnyx.Noun{&telnyx.Sip{URI: "sip:abc-defg-hij@sip.100ms.live"}}}}
	err := doc.Validate()
	var e *telnyx.Error
	fmt.Println(errors.As(err, &e), e.Path, e.Attribute, errors.Is(err, telnyx.ErrRange))
	fmt.Println(err)
	// Output:
	// true Response/Dial[1] timeout true
	// telnyx: Response/Dial[1] attribute timeout: out of range: 10m0s, want 5s to 2m0s
}

// A PIN prompt: digits end with '#', and the caller hears a goodbye when
// nothing is entered.
func ExampleGather() {
	doc := telnyx.Response{
		&telnyx.Gather{
			Action: "https://example.com/telnyx/pin", Timeout: 10 * time.Second,
			Input: []telnyx.GatherInput{telnyx.InputDTMF}, FinishOnKey: "#", MaxDigits: 16,
			Prompt: []*telnyx.Say{{Text: "Enter your meeting PIN, then press pound."}},
		},
		&telnyx.Say{Text: "Goodbye."},
		&telnyx.Hangup{},
	}
	_, _ = doc.WriteTo(os.Stdout)
	fmt.Println()
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?><Response><Gather action="https://example.com/telnyx/pin" timeout="10" input="dtmf" finishOnKey="#" maxDigits="16"><Say>Enter your meeting PIN, then press pound.</Say></Gather><Say>Goodbye.</Say><Hangup/></Response>
}

func ExampleResponse_WriteTo() {
	doc := telnyx.Response{&telnyx.Say{Text: "Please hold.", Voice: "woman"}, &telnyx.Pause{Length: 2 * time.Second}}
	_, _ = doc.WriteTo(os.Stdout)
	fmt.Println()
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?><Response><Say voice="woman">Please hold.</Say><Pause length="2"/></Response>
}

func ExampleResponse_WriteHTTP() {
	rec := httptest.NewRecorder()
	_ = telnyx.Response{&telnyx.Hangup{}}.WriteHTTP(rec)
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	fmt.Println(rec.Body.String())
	// Output:
	// 200 text/xml; charset=utf-8
	// <?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>
}

func ExampleResponse_MarshalText() {
	b, err := telnyx.Response{&telnyx.Say{Text: "Tom & Jerry"}}.MarshalText()
	fmt.Println(string(b), err)
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?><Response><Say>Tom &amp; Jerry</Say></Response> <nil>
}

// A Sip prints its password redacted.
func ExampleSip_String() {
	s := telnyx.Sip{URI: "sip:abc-defg-hij@sip.100ms.live", Username: "U", Password: "P"}
	fmt.Println(s.String())
	fmt.Printf("%v\n", &s)
	// Output:
	// {URI:sip:abc-defg-hij@sip.100ms.live Username:U Password:[REDACTED] StatusCallback: StatusCallbackEvent:[] StatusCallbackMethod: URL: Method:}
	// {sip:abc-defg-hij@sip.100ms.live U [REDACTED]  []   }
}

// exampleKey is a fixed test key, so the example's output is stable; a real
// Verifier gets the account's public key from the Mission Control Portal.
var exampleKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))

// A handler behind the Verifier's middleware, tested with a request signed
// by NewSignedRequest. The signer and the Verifier share one fixed clock.
func ExampleNewSignedRequest() {
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	pub := base64.StdEncoding.EncodeToString(exampleKey.Public().(ed25519.PublicKey))
	v, err := telnyx.NewVerifier(pub, telnyx.WithClock(func() time.Time { return at }))
	if err != nil {
		fmt.Println(err)
		return
	}
	h := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		call, _ := telnyx.ParseCall(r)
		fmt.Println("call", call.ID, "from", call.From)
		_ = telnyx.Response{&telnyx.Hangup{}}.WriteHTTP(w)
	}))

	req, _ := telnyx.NewSignedRequest("https://voice.example.com/telnyx/voice",
		url.Values{"CallSid": {"v3:abc"}, "From": {"+14155550100"}}, exampleKey, at)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Code)

	// Ten minutes later the same request is refused.
	late, _ := telnyx.NewSignedRequest("https://voice.example.com/telnyx/voice",
		url.Values{"CallSid": {"v3:abc"}}, exampleKey, at.Add(-10*time.Minute))
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, late)
	fmt.Println(rec.Code)
	// Output:
	// call v3:abc from +14155550100
	// 200
	// 403
}

func ExampleVerifier_Check() {
	at := time.Unix(1900000000, 0)
	pub := base64.StdEncoding.EncodeToString(exampleKey.Public().(ed25519.PublicKey))
	v, _ := telnyx.NewVerifier(pub, telnyx.WithClock(func() time.Time { return at }))
	body := []byte(`CallSid=v3%3Aabc`)
	h := http.Header{}
	h.Set(telnyx.TimestampHeader, "1900000000")
	h.Set(telnyx.SignatureHeader, telnyx.Signature(exampleKey, "1900000000", body))
	fmt.Println(v.Check(h, body))
	fmt.Println(v.Check(h, []byte(`CallSid=v3%3Aabd`)))
	// Output:
	// <nil>
	// telnyx: invalid Telnyx-Signature-Ed25519
}

func ExampleVerifier_Verify() {
	at := time.Unix(1900000000, 0)
	pub := base64.StdEncoding.EncodeToString(exampleKey.Public().(ed25519.PublicKey))
	v, _ := telnyx.NewVerifier(pub, telnyx.WithClock(func() time.Time { return at }))
	req, _ := telnyx.NewSignedRequest("https://voice.example.com/telnyx/pin",
		url.Values{"Digits": {"123456789"}}, exampleKey, at)
	err := v.Verify(httptest.NewRecorder(), req)
	fmt.Println(err, req.PostForm.Get("Digits"))

	req.Header.Del(telnyx.SignatureHeader)
	fmt.Println(v.Verify(httptest.NewRecorder(), req))
	// Output:
	// <nil> 123456789
	// telnyx: missing Telnyx-Signature-Ed25519 header
}

func ExampleSignature() {
	fmt.Println(telnyx.Signature(exampleKey, "1900000000", []byte("CallSid=v3%3Aabc")))
	// Output:
	// oHKree/37gh60249GAm0CBEpel0h3SkKjEvr0oqFOFwbqUUmVT3LMeegLWtY9lebwcqziyCdK4PQIzkhMoCjDA==
}

func ExampleNewCall() {
	call := telnyx.NewCall(url.Values{"CallSid": {"v3:abc"}, "From": {"+14155550100"}, "To": {"+14155550199"}, "Digits": {"42"}})
	fmt.Println(call.ID, call.From, call.To, call.Digits)
	// Output:
	// v3:abc +14155550100 +14155550199 42
}

func ExampleParseCall() {
	r := httptest.NewRequest(http.MethodGet, "/telnyx/voice?CallSid=v3%3Aabc&From=%2B14155550100", nil)
	call, err := telnyx.ParseCall(r)
	fmt.Println(call.ID, call.From, err)
	// Output:
	// v3:abc +14155550100 <nil>
}

func ExampleNewCarrier() {
	// Telnyx signs with its private key; the handler checks with the
	// account's public key. The key pair and the clock here are fixed for
	// the example.
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	publicKey := base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))
	now := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)

	handler, err := sipconnect.NewHandler(sipconnect.HandlerConfig{
		Carrier: telnyx.NewCarrier(telnyx.Config{
			PublicKey:       publicKey,
			Dial:            telnyx.Dial{Action: "/telnyx/dial-status", Timeout: 30 * time.Second},
			VerifierOptions: []telnyx.VerifierOption{telnyx.WithClock(func() time.Time { return now })},
		}),
		PublicURL:   "https://voice.example.com",
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
	mux.Handle("POST /telnyx/voice", handler)
	mux.Handle("POST /telnyx/dial-status", handler.StatusHandler())

	params := url.Values{"CallSid": {"v3:abc"}, "From": {"+14155550100"}, "To": {"+18005550100"}}
	req, err := telnyx.NewSignedRequest("https://voice.example.com/telnyx/voice", params, key, now)
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
	// <?xml version="1.0" encoding="UTF-8"?><Response><Dial action="https://voice.example.com/telnyx/dial-status" timeout="30" answerOnBridge="true"><Sip username="U" password="P">sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20Doe&amp;X-100ms-UserID=xyz</Sip></Dial></Response>
}

package twiml_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"time"

	"github.com/hmssip/interconnect-go/twiml"
)

func ExampleResponse_AppendXML() {
	doc := twiml.Response{
		&twiml.Dial{Nouns: []twiml.Noun{
			&twiml.Sip{
				URI:      "sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20Doe&X-100ms-UserID=xyz",
				Username: "U",
				Password: "P",
			},
		}},
	}
	buf, err := doc.AppendXML(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(buf))
	// Output: <?xml version="1.0" encoding="UTF-8"?><Response><Dial><Sip username="U" password="P">sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20Doe&amp;X-100ms-UserID=xyz</Sip></Dial></Response>
}

func ExampleResponse_WriteTo_fallback() {
	fallback := twiml.Response{
		&twiml.Say{Text: "Sorry, we cannot connect you to the meeting right now.", Voice: "alice"},
		&twiml.Hangup{},
	}
	if _, err := fallback.WriteTo(os.Stdout); err != nil {
		fmt.Println(err)
	}
	// Output: <?xml version="1.0" encoding="UTF-8"?><Response><Say voice="alice">Sorry, we cannot connect you to the meeting right now.</Say><Hangup/></Response>
}

func ExampleResponse_Validate() {
	doc := twiml.Response{&twiml.Dial{
		Timeout: 2 * time.Second,
		Nouns:   []twiml.Noun{&twiml.Sip{URI: "sip:abc-defg-hij@sip.100ms.live"}},
	}}
	fmt.Println(doc.Validate())
	// Output: twiml: Response/Dial[1] attribute timeout: out of range: 2s, want 5s to 10m0s
}

func ExampleResponse_WriteHTTP() {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		doc := twiml.Response{&twiml.Reject{Reason: twiml.ReasonBusy}}
		if err := doc.WriteHTTP(w); err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/voice", nil))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	fmt.Println(rec.Body.String())
	// Output:
	// 200 text/xml; charset=utf-8
	// <?xml version="1.0" encoding="UTF-8"?><Response><Reject reason="busy"/></Response>
}

func ExampleValidateSignature() {
	params := url.Values{
		"CallSid": {"CA1234567890ABCDE"},
		"Caller":  {"+14158675310"},
		"Digits":  {"1234"},
		"From":    {"+14158675310"},
		"To":      {"+18005551212"},
	}
	const u = "https://example.com/myapp.php?foo=1&bar=2"
	fmt.Println(twiml.Signature("12345", u, params))
	fmt.Println(twiml.ValidateSignature("12345", u, params, "L/OH5YylLD5NRKLltdqwSvS0BnU="))
	params.Set("Digits", "0000")
	fmt.Println(twiml.ValidateSignature("12345", u, params, "L/OH5YylLD5NRKLltdqwSvS0BnU="))
	// Output:
	// L/OH5YylLD5NRKLltdqwSvS0BnU=
	// true
	// false
}

func ExampleVerifier_Middleware() {
	v, err := twiml.NewVerifier("auth-token", "https://voice.example.com")
	if err != nil {
		fmt.Println(err)
		return
	}
	voice := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = twiml.Response{&twiml.Say{Text: "Hello " + r.PostForm.Get("CallSid")}}.WriteHTTP(w)
	}))

	serve := func(req *http.Request) {
		rec := httptest.NewRecorder()
		voice.ServeHTTP(rec, req)
		fmt.Println(rec.Code)
	}
	form := url.Values{"CallSid": {"CA1"}}
	req, err := twiml.NewSignedRequest(http.MethodPost, "https://voice.example.com/voice", "auth-token", form)
	if err != nil {
		fmt.Println(err)
		return
	}
	serve(req)
	forged, _ := twiml.NewSignedRequest(http.MethodPost, "https://voice.example.com/voice", "auth-token", form)
	forged.Header.Set(twiml.SignatureHeader, "forged")
	serve(forged)
	// Output:
	// 200
	// 403
}

func ExampleNewSignedRequest() {
	v, err := twiml.NewVerifier("auth-token", "https://voice.example.com")
	if err != nil {
		fmt.Println(err)
		return
	}
	voice := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = twiml.Response{&twiml.Say{Text: "Call " + r.FormValue("CallSid")}}.WriteHTTP(w)
	}))

	// A POST webhook, with the parameters in a form body...
	params := url.Values{"CallSid": {"CA1"}, "From": {"+14155550100"}}
	req, err := twiml.NewSignedRequest(http.MethodPost, "https://voice.example.com/voice", "auth-token", params)
	if err != nil {
		fmt.Println(err)
		return
	}
	rec := httptest.NewRecorder()
	voice.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Body.String())

	// ...and a GET one, with the parameters in the query string.
	params.Set("CallSid", "CA2")
	req, err = twiml.NewSignedRequest(http.MethodGet, "https://voice.example.com/voice", "auth-token", params)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(req.URL)
	rec = httptest.NewRecorder()
	voice.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Body.String())

	// Signed with another account's token: refused.
	req, _ = twiml.NewSignedRequest(http.MethodPost, "https://voice.example.com/voice", "other-token", params)
	rec = httptest.NewRecorder()
	voice.ServeHTTP(rec, req)
	fmt.Println(rec.Code)
	// Output:
	// 200 <?xml version="1.0" encoding="UTF-8"?><Response><Say>Call CA1</Say></Response>
	// https://voice.example.com/voice?CallSid=CA2&From=%2B14155550100
	// 200 <?xml version="1.0" encoding="UTF-8"?><Response><Say>Call CA2</Say></Response>
	// 403
}

func ExampleValidateJSONSignature() {
	body := []byte(`{"CallSid":"CA1"}`)
	sum := sha256.Sum256(body)
	u := "https://voice.example.com/hook?bodySHA256=" + hex.EncodeToString(sum[:])
	sig := twiml.Signature("auth-token", u, nil) // Twilio signs the URL alone
	fmt.Println(twiml.ValidateJSONSignature("auth-token", u, body, sig))
	fmt.Println(twiml.ValidateJSONSignature("auth-token", u, []byte(`{"CallSid":"CA2"}`), sig))
	// Output:
	// true
	// false
}

func ExampleSip_String() {
	sip := twiml.Sip{URI: "sip:abc-defg-hij@sip.100ms.live", Username: "U", Password: "P"}
	fmt.Printf("%+v\n", sip)
	// Output: {URI:sip:abc-defg-hij@sip.100ms.live Username:U Password:[REDACTED] URL: Method: StatusCallbackEvent:[] StatusCallback: StatusCallbackMethod: MachineDetection: AmdStatusCallbackMethod: AmdStatusCallback: MachineDetectionTimeout:0s MachineDetectionSpeechThreshold:0s MachineDetectionSpeechEndThreshold:0s MachineDetectionSilenceTimeout:0s}
}

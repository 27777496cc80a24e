package vonage_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/hmssip/interconnect-go/carrier/vonage"
	"github.com/hmssip/interconnect-go/sipconnect"
)

// The dial-in: Vonage prepends X- to each header key.
func ExampleNCCO_MarshalJSON() {
	n := vonage.NCCO{&vonage.Connect{Endpoint: vonage.SIPEndpoint{
		URI:     "sip:abc-defg-hij@sip.100ms.live",
		Headers: []vonage.Header{{Name: "X-100ms-Display-Name", Value: "John Doe"}, {Name: "X-100ms-UserID", Value: "xyz"}},
	}}}
	b, err := n.MarshalJSON()
	fmt.Println(string(b), err)
	// Output:
	// [{"action":"connect","endpoint":[{"type":"sip","uri":"sip:abc-defg-hij@sip.100ms.live","headers":{"100ms-Display-Name":"John Doe","100ms-UserID":"xyz"}}]}] <nil>
}

// A PIN prompt; on an error the buffer comes back unchanged.
func ExampleNCCO_AppendJSON() {
	n := vonage.NCCO{
		&vonage.Talk{Text: "Enter your meeting PIN, then press hash.", BargeIn: true},
		&vonage.Input{DTMF: vonage.DTMF{MaxDigits: 12, SubmitOnHash: true, TimeOut: 5 * time.Second},
			EventURL: []string{"https://example.com/vonage/pin"}},
	}
	buf, err := n.AppendJSON(make([]byte, 0, 512))
	fmt.Println(string(buf), err)

	buf, err = vonage.NCCO{&vonage.Input{DTMF: vonage.DTMF{MaxDigits: 21}}}.AppendJSON(buf[:0])
	fmt.Println(len(buf), errors.Is(err, vonage.ErrRange), err)
	// Output:
	// [{"action":"talk","text":"Enter your meeting PIN, then press hash.","bargeIn":true},{"action":"input","type":["dtmf"],"dtmf":{"maxDigits":12,"submitOnHash":true,"timeOut":5},"eventUrl":["https://example.com/vonage/pin"]}] <nil>
	// 0 true vonage: ncco[0].dtmf.maxDigits: out of range: 21, want 1 to 20
}

func ExampleNCCO_WriteTo() {
	_, err := vonage.NCCO{&vonage.Talk{Text: "Sorry, the meeting is closed."}}.WriteTo(os.Stdout)
	fmt.Println()
	fmt.Println(err)
	// Output:
	// [{"action":"talk","text":"Sorry, the meeting is closed."}]
	// <nil>
}

func ExampleNCCO_WriteHTTP() {
	rec := httptest.NewRecorder()
	err := vonage.NCCO{&vonage.Talk{Text: "Goodbye."}}.WriteHTTP(rec)
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"), err, rec.Body.String())
	// Output:
	// 200 application/json <nil> [{"action":"talk","text":"Goodbye."}]
}

func ExampleCheckCredentials() {
	fmt.Println(vonage.CheckCredentials("", ""))
	fmt.Println(vonage.CheckCredentials("U", "P"))
	// Output:
	// <nil>
	// vonage: ncco[].endpoint[].username: no SIP username or password field on Vonage's sip endpoint
}

// A handler behind the Verifier, tested with NewSignedRequest on a fixed
// clock shared by the signer and the verifier.
func ExampleNewSignedRequest() {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	v, err := vonage.NewVerifier("signature-secret", vonage.WithClock(func() time.Time { return now }))
	if err != nil {
		panic(err)
	}
	h := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := vonage.ParseCall(r)
		fmt.Println(c.ID, c.From, c.Digits, err)
	}))
	body := []byte(`{"uuid":"u1","from":"447700900000","to":"447700900001","dtmf":{"digits":"123456789"}}`)
	req, err := vonage.NewSignedRequest(http.MethodPost, "https://voice.example.com/vonage/pin", "signature-secret", body, now)
	if err != nil {
		panic(err)
	}
	h.ServeHTTP(httptest.NewRecorder(), req)

	stale, _ := vonage.NewSignedRequest(http.MethodPost, "https://voice.example.com/vonage/pin", "signature-secret", body, now.Add(-time.Hour))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, stale)
	fmt.Println(rec.Code)
	// Output:
	// u1 447700900000 123456789 <nil>
	// 403
}

func ExampleParseCall() {
	req := httptest.NewRequest(http.MethodGet, "/vonage/answer?uuid=u1&conversation_uuid=c1&from=447700900000&to=447700900001", nil)
	c, err := vonage.ParseCall(req)
	fmt.Println(c.ID, c.ConversationID, c.From, c.To, err)
	// Output:
	// u1 c1 447700900000 447700900001 <nil>
}

func ExampleVerifier_Verify() {
	v, _ := vonage.NewVerifier("signature-secret", vonage.WithLeeway(5*time.Second), vonage.WithMaxAge(time.Minute), vonage.WithMaxBodyBytes(16<<10))
	req := httptest.NewRequest(http.MethodPost, "/vonage/answer", nil)
	fmt.Println(v.Verify(httptest.NewRecorder(), req))
	// Output:
	// vonage: missing Authorization: Bearer token
}

// A GET webhook's payload_hash covers its query written as a JSON object in
// the order sent: the SHA-256 of these bytes.
func ExampleQueryPayload() {
	b, err := vonage.QueryPayload("uuid=abc&from=447700900000&to=447700900001&text=a%2Bb+%3C1%3E")
	fmt.Println(string(b), err)
	_, err = vonage.QueryPayload("from=1&from=2")
	fmt.Println(errors.Is(err, vonage.ErrQueryRepeated))
	// Output:
	// {"uuid":"abc","from":"447700900000","to":"447700900001","text":"a+b <1>"} <nil>
	// true
}

func ExampleNewCarrier() {
	now := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	handler, err := sipconnect.NewHandler(sipconnect.HandlerConfig{
		Carrier: vonage.NewCarrier(vonage.Config{
			SignatureSecret: "vonage-signature-secret",
			VerifierOptions: []vonage.VerifierOption{vonage.WithClock(func() time.Time { return now })},
		}),
		PublicURL: "https://voice.example.com",
		Room:      sipconnect.StaticRoom("abc-defg-hij"),
		// No Credentials: Vonage cannot send them.
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
	mux.Handle("/vonage/answer", handler)

	// The answer webhook by POST, its JSON body covered by the token.
	body := []byte(`{"uuid":"vonage-abc","conversation_uuid":"CON-abc","from":"14155550100","to":"18005550100"}`)
	req, err := vonage.NewSignedRequest(http.MethodPost, "https://voice.example.com/vonage/answer", "vonage-signature-secret", body, now)
	if err != nil {
		fmt.Println(err)
		return
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	fmt.Println(rec.Body.String())
	// Output:
	// 200 application/json
	// [{"action":"connect","endpoint":[{"type":"sip","uri":"sip:abc-defg-hij@sip.100ms.live","headers":{"100ms-Display-Name":"John Doe","100ms-UserID":"xyz"}}]}]
}

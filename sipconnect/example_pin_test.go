package sipconnect_test

import (
	"context"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/hmssip/interconnect-go/pins"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/twiml"
)

func ExampleHandler_PINHandler() {
	// Your own database of PINs; a *pins.Directory works the same way.
	resolver := pins.ResolverFunc(func(_ context.Context, pin string, _ sipconnect.Call) (pins.Target, error) {
		if pin == "123456789" {
			return pins.Target{RoomCode: "abc-defg-hij", Identity: &sipconnect.Identity{DisplayName: "Host"}}, nil
		}
		return pins.Target{}, pins.ErrUnknown
	})
	handler, err := sipconnect.NewHandler(sipconnect.HandlerConfig{
		AuthToken: "twilio-auth-token",
		PublicURL: "https://voice.example.com",
		PIN:       &pins.Config{Resolver: resolver}, // the PIN step at /twilio/pin
		Logger:    slog.New(slog.DiscardHandler),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	mux.Handle("/twilio/voice", handler)
	mux.Handle(pins.DefaultPath, handler.PINHandler())

	twilio := func(u, digits string) string {
		form := url.Values{"CallSid": {"CA123"}, "From": {"+14155550100"}}
		if digits != "" {
			form.Set("Digits", digits)
		}
		req, _ := twiml.NewSignedRequest(http.MethodPost, u, "twilio-auth-token", form)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		return rec.Body.String()
	}
	prompt := twilio("https://voice.example.com/twilio/voice", "")
	// The step URL carries the attempt and a one-time nonce, random each
	// call (shown here as N).
	step := html.UnescapeString(regexp.MustCompile(`action="([^"]*)"`).FindStringSubmatch(prompt)[1])
	fmt.Println(regexp.MustCompile(`nonce=[\w-]+`).ReplaceAllString(prompt, "nonce=N"))
	fmt.Println(twilio(step, "123456789"))
	fmt.Println(twilio(step, "123456789")) // the same step again: refused
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?><Response><Gather input="dtmf" action="https://voice.example.com/twilio/pin?attempt=1&amp;nonce=N" method="POST" timeout="6" finishOnKey="#"><Say>Welcome.</Say><Say>Please enter your meeting PIN, then press pound.</Say></Gather><Redirect method="POST">https://voice.example.com/twilio/pin?attempt=1&amp;nonce=N</Redirect></Response>
	// <?xml version="1.0" encoding="UTF-8"?><Response><Dial answerOnBridge="true"><Sip>sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=Host</Sip></Dial></Response>
	// Forbidden
}

func ExampleRoute() {
	handler, err := sipconnect.NewHandler(sipconnect.HandlerConfig{
		AuthToken: "twilio-auth-token",
		PublicURL: "https://voice.example.com",
		Numbers: map[string]sipconnect.Route{
			"+18005550100": {Room: sipconnect.StaticRoom("sal-esxx-xyz")}, // sales
			"+18005550199": {Room: sipconnect.StaticRoom("sup-port-abc")}, // support
		},
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, to := range []string{"+18005550199", "+18005550123"} {
		form := url.Values{"CallSid": {"CA123"}, "To": {to}}
		req, _ := twiml.NewSignedRequest(http.MethodPost, "https://voice.example.com/twilio/voice", "twilio-auth-token", form)
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		fmt.Println(rec.Body.String())
	}
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?><Response><Dial answerOnBridge="true"><Sip>sip:sup-port-abc@sip.100ms.live</Sip></Dial></Response>
	// <?xml version="1.0" encoding="UTF-8"?><Response><Say>Sorry, we cannot connect your call to the meeting right now. Please try again later.</Say><Hangup/></Response>
}

func ExampleHandlerConfig_String() {
	cfg := sipconnect.HandlerConfig{AuthToken: "twilio-auth-token", PublicURL: "https://voice.example.com"}
	fmt.Println(strings.Contains(fmt.Sprintf("%+v", cfg), "twilio-auth-token"), strings.Contains(fmt.Sprintf("%+v", cfg), "[REDACTED]"))
	// Output: false true
}

func ExampleCallUserID() {
	// The X-100ms-UserID a bridged call gets when HandlerConfig.Roster is
	// set and the identity gives none: derived from the call id only.
	fmt.Println(sipconnect.CallUserID("CA00000000000000000000000000000001"))
	// Output: pstn-f1d4275ab1c13055b77d
}

func ExampleIsCallUserID() {
	fmt.Println(sipconnect.IsCallUserID(sipconnect.CallUserID("CA0123")))
	fmt.Println(sipconnect.IsCallUserID("alice"))
	// Output:
	// true
	// false
}

func ExampleTwilio() {
	// Twilio is the carrier of a HandlerConfig whose Carrier is nil, made
	// with HandlerConfig.AuthToken; its configuration holds the rest of
	// what Twilio's documents say.
	twilio := sipconnect.Twilio(sipconnect.TwilioConfig{
		AuthToken: "twilio-auth-token",
		Dial:      twiml.Dial{Action: "/twilio/dial-status", Timeout: 30 * time.Second},
		Fallback:  twiml.Response{&twiml.Reject{Reason: twiml.ReasonBusy}},
	})
	h, err := sipconnect.NewHandler(sipconnect.HandlerConfig{
		Carrier:   twilio,
		PublicURL: "https://voice.example.com",
		Room:      sipconnect.StaticRoom("abc-defg-hij"),
		Logger:    slog.New(slog.DiscardHandler),
	})
	fmt.Println(twilio.Name(), err, h != nil)
	// Output: Twilio <nil> true
}

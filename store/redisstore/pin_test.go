package redisstore_test

import (
	"context"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hmssip/interconnect-go/pins"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/store/redisstore"
	"github.com/hmssip/interconnect-go/twiml"
)

// TestPINFlowAcrossTwoInstances: two server instances share one real
// Redis. A PIN issued through one is resolved by the other, and wrong PINs
// entered on either count towards one lockout of the caller's number.
func TestPINFlowAcrossTwoInstances(t *testing.T) {
	client := testClient(t)
	shared := redisstore.New(client, redisstore.WithPrefix(testPrefix(t, client)))
	const token, public = "twilio-auth-token-0123456789", "https://voice.example.com"
	instance := func() *sipconnect.Handler {
		dir, err := pins.NewDirectory(shared, pins.DirectoryConfig{RoomCodesOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		h, err := sipconnect.NewHandler(sipconnect.HandlerConfig{AuthToken: token, PublicURL: public,
			PIN:    &pins.Config{Resolver: dir, Store: shared, LockoutFailures: 4, LockoutWindow: time.Hour},
			Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	a, b := instance(), instance()
	issuer, err := pins.NewDirectory(shared, pins.DirectoryConfig{})
	if err != nil {
		t.Fatal(err)
	}
	pin, err := issuer.Issue(context.Background(), pins.Target{RoomCode: "abc-defg-hij"})
	if err != nil {
		t.Fatal(err)
	}
	serve := func(h http.Handler, u string, form url.Values) string {
		req, err := twiml.NewSignedRequest(http.MethodPost, u, token, form)
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d", rec.Code)
		}
		return rec.Body.String()
	}
	// step enters digits at a PIN step that the other instance issued: the
	// step's nonce is in the shared store.
	step := func(h *sipconnect.Handler, from, digits string) string {
		form := url.Values{"CallSid": {"CA1"}, "From": {from}}
		other := a
		if h == a {
			other = b
		}
		prompt := serve(other, public+"/twilio/voice", form)
		m := regexp.MustCompile(`action="([^"]*)"`).FindStringSubmatch(prompt)
		if m == nil {
			return prompt // no PIN prompt (locked out)
		}
		form.Set("Digits", digits)
		return serve(h.PINHandler(), html.UnescapeString(m[1]), form)
	}
	if got := step(b, "+14155550100", pin); !strings.Contains(got, "sip:abc-defg-hij@sip.100ms.live") {
		t.Fatalf("a PIN issued elsewhere is resolved: %s", got)
	}
	// Four wrong PINs, alternating between the instances, lock the number out
	// on both.
	for i, h := range []*sipconnect.Handler{a, b, a, b} {
		step(h, "+14155550666", "000000000"+string(rune('0'+i)))
	}
	for _, h := range []*sipconnect.Handler{a, b} {
		if got := step(h, "+14155550666", pin); !strings.Contains(got, "Too many incorrect PINs") {
			t.Errorf("the number is locked out on every instance: %s", got)
		}
	}
	if got := step(a, "+14155550777", pin); !strings.Contains(got, "<Dial") {
		t.Errorf("another number is not: %s", got)
	}
}

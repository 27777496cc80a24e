package conformance

import (
	"math/rand/v2"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/twilio/twilio-go/client"

	"github.com/hmssip/interconnect-go/twiml"
)

const twToken = "conformance_auth_token_0123456789abcdef"

// twVerdict is twiml's Verifier's verdict; ok is false when no Go server
// would hand the request to a handler.
func twVerdict(t *testing.T, h hookReq, sig string) (accepted, ok bool) {
	t.Helper()
	v, err := twiml.NewVerifier(twToken, h.Base)
	if err != nil {
		t.Fatal(err)
	}
	r, err := h.request(twiml.SignatureHeader, sig)
	if err != nil {
		return false, false
	}
	return v.Verify(httptest.NewRecorder(), r) == nil, true
}

// twilioGo is twilio-go v1.31.0's verdict: ValidateBody, which parses a
// form body itself and checks a JSON body's bodySHA256.
func twilioGo(h hookReq, sig string) bool {
	rv := client.NewRequestValidator(twToken)
	return rv.ValidateBody(h.URL(), h.Body, sig)
}

// twilioGoRebuildsExactly reports whether twilio-go's other port form of
// u is u with the port changed: twilio-go builds it with net/url's
// URL.String, which percent-encodes what a path may not hold raw
// (non-ASCII bytes, braces), so for such a URL it checks a URL Twilio
// never requested.
func twilioGoRebuildsExactly(u string) bool {
	p, err := url.Parse(u)
	return err == nil && p.String() == u
}

// TestTwilioConformance checks package twiml against twilio-go v1.31.0's
// client.RequestValidator on random requests: every request twiml signs
// (Signature, NewSignedRequest), twilio-go's Validate and ValidateBody
// accept, as do twiml's Verifier, ValidateSignature and
// ValidateJSONSignature; for requests with one signed byte or signature
// character changed, twiml's verdict is twilio-go's. twilio-go exports no
// signing function, so only twiml signs.
//
// The domain, narrower than SignalWire's where twilio-go cannot express a
// case or differs from Twilio's documented rule:
//   - a form body's names are distinct: Validate takes a map[string]string
//     and ValidateBody keeps the first value of a repeated name, while
//     twiml (and twilio-node) append each value, sorted;
//   - a URL net/url would re-encode is signed in the form requested only,
//     as twilio-go rebuilds the other port form with URL.String.
//
// Requests to a non-default port (127.0.0.1:8080) are signed with it or
// without it: twilio-go tries the URL with any port removed, and so does
// twiml.
func TestTwilioConformance(t *testing.T) {
	g := &gen{r: rand.New(rand.NewPCG(20240611, 11)), uniqueNames: true}
	const n = 2500
	var accepted, sent, sameFormOnly int
	for i := range n {
		h := g.next()
		if h.SignedBase != h.Base && !twilioGoRebuildsExactly(h.URL()) {
			h.SignedBase = h.Base
			sameFormOnly++
		}
		sig := twiml.Signature(twToken, h.SignedURL(), h.params())
		if !twilioGo(h, sig) {
			t.Errorf("#%d: twilio-go refuses twiml.Signature: %s %q signed as %q body %q", i, h.Method, h.URL(), h.SignedURL(), h.Body)
			continue
		}
		if ok, delivered := twVerdict(t, h, sig); !delivered {
			t.Fatalf("#%d: generated request not deliverable: %+v", i, h)
		} else if !ok {
			t.Errorf("#%d: the Verifier refuses a request twilio-go accepts: %s %q signed as %q body %q", i, h.Method, h.URL(), h.SignedURL(), h.Body)
			continue
		}
		var fn bool
		if h.JSON {
			fn = twiml.ValidateJSONSignature(twToken, h.URL(), h.Body, sig)
		} else {
			fn = twiml.ValidateSignature(twToken, h.URL(), h.params(), sig)
		}
		if !fn {
			t.Errorf("#%d: ValidateSignature/ValidateJSONSignature refuse a request twilio-go accepts: %q", i, h.URL())
			continue
		}
		accepted++

		if h.JSON {
			continue
		}
		// twiml.NewSignedRequest signs the URL it sends, as net/url
		// encodes it: twilio-go and the Verifier must both accept it.
		p, _ := urlValues(h.Body)
		req, err := twiml.NewSignedRequest(h.Method, h.SignedURL(), twToken, p)
		if err != nil {
			t.Fatalf("#%d: NewSignedRequest(%q): %v", i, h.SignedURL(), err)
		}
		got := delivered(h, req)
		s := req.Header.Get(twiml.SignatureHeader)
		if !twilioGo(got, s) {
			t.Errorf("#%d: twilio-go refuses NewSignedRequest(%s, %q)", i, h.Method, h.SignedURL())
		} else if ok, _ := twVerdict(t, got, s); !ok {
			t.Errorf("#%d: the Verifier refuses NewSignedRequest(%s, %q)", i, h.Method, h.SignedURL())
		} else {
			sent++
		}
	}
	t.Logf("%d random requests: accepted by twilio-go and twiml %d (%d signed in the requested form only, as twilio-go re-encodes the other); NewSignedRequest accepted by both %d",
		n, accepted, sameFormOnly, sent)

	checkMutations(t, g, 2500, func() (hookReq, string) {
		h := g.next()
		if h.SignedBase != h.Base && !twilioGoRebuildsExactly(h.URL()) {
			h.SignedBase = h.Base
		}
		return h, twiml.Signature(twToken, h.SignedURL(), h.params())
	}, func(m hookReq, sig string) (bool, bool) { return twVerdict(t, m, sig) }, twilioGo)
}

// TestTwilioUncoveredBody: a POST whose body is not a form and whose URL
// has no bodySHA256, sent with the signature of its URL alone. twilio-go's
// ValidateBody parses the body as a form and signs its "parameters", so it
// refuses; so does twiml's Verifier, which passes no body on that no
// signature covers.
func TestTwilioUncoveredBody(t *testing.T) {
	for _, body := range []string{`{"CallSid":"CAforged","From":"+15550001111"}`, "CallSid=CAforged"} {
		h := hookReq{Method: "POST", Base: "https://voice.example.com", URI: "/voice?x=1", Body: []byte(body), JSON: true}
		sig := twiml.Signature(twToken, h.URL(), nil)
		if twilioGo(h, sig) {
			t.Errorf("twilio-go accepts the URL's signature for the body %q", body)
		}
		if ok, delivered := twVerdict(t, h, sig); !delivered || ok {
			t.Errorf("the Verifier accepts the URL's signature for the body %q (delivered %v)", body, delivered)
		}
	}
}

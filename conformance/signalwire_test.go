package conformance

import (
	"encoding/base64"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hmssip/interconnect-go/carrier/signalwire"
)

const swKey = "PSK_conformance_signing_key_0123456789"

// swOracle asks @signalwire/compatibility-api for a signature or a verdict.
type swOracle struct{ o *oracle }

func (s swOracle) req(h hookReq, op, url string) map[string]any {
	return map[string]any{
		"carrier": "signalwire", "op": op, "key": swKey, "url": url, "method": h.Method,
		"form": h.Form, "json": h.JSON, "body": base64.StdEncoding.EncodeToString(h.Body),
	}
}

// sign is getExpectedTwilioSignature for the URL the carrier signed.
func (s swOracle) sign(t *testing.T, h hookReq) string {
	var sig string
	s.o.call(t, s.req(h, "sign", h.SignedURL()), &sig)
	return sig
}

// valid is the official validator's verdict on the request as received.
func (s swOracle) valid(t *testing.T, h hookReq, sig string) bool {
	req := s.req(h, "validate", h.URL())
	req["signature"] = sig
	var ok bool
	s.o.call(t, req, &ok)
	return ok
}

// swVerdict is our Verifier's verdict; ok is false when no Go server would
// hand the request to a handler.
func swVerdict(t *testing.T, v *signalwire.Verifier, h hookReq, sig string) (accepted, ok bool) {
	t.Helper()
	r, err := h.request(signalwire.SignatureHeader, sig)
	if err != nil {
		return false, false
	}
	return v.Verify(httptest.NewRecorder(), r) == nil, true
}

func swVerifier(t *testing.T, base string) *signalwire.Verifier {
	t.Helper()
	v, err := signalwire.NewVerifier(swKey, base)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestSignalWireConformance checks carrier/signalwire against SignalWire's
// official Node SDK on random requests: a request the SDK signs, our
// Verifier accepts; one we sign (Signature, NewSignedRequest), the SDK's
// validator accepts, and the signatures are equal; and for requests with
// one signed byte or signature character changed, our verdict is the
// SDK's.
//
// The domain: what a Go HTTP server hands to a handler, in valid UTF-8
// (the oracle speaks JSON), with lowercase scheme and host and no
// backslash in the path. The SDK parses the URL with url-parse, which
// lowercases the host and turns "\" before the query into "/"; our
// Verifier signs the URL as received and refuses a path whose "/" became
// "\". Requests to the bases' non-default port (127.0.0.1:8080) are
// signed with it or without it: the SDK tries the URL with any port
// removed, and so do we.
func TestSignalWireConformance(t *testing.T) {
	o := swOracle{startOracle(t)}
	g := &gen{r: rand.New(rand.NewPCG(20240611, 7))}
	const n = 2500
	var accepted, signedOurs, sent, forms, gets, jsons int
	for i := range n {
		h := g.next()
		switch {
		case h.Form:
			forms++
		case h.JSON:
			jsons++
		default:
			gets++
		}
		v := swVerifier(t, h.Base)
		official := o.sign(t, h)
		if ok, delivered := swVerdict(t, v, h, official); !delivered {
			t.Fatalf("#%d: generated request not deliverable: %+v", i, h)
		} else if !ok {
			t.Errorf("#%d: false refusal of the SDK's signature: %s %q signed as %q body %q", i, h.Method, h.URL(), h.SignedURL(), h.Body)
			continue
		}
		if !o.valid(t, h, official) {
			t.Fatalf("#%d: the SDK refuses its own signature: %q signed as %q", i, h.URL(), h.SignedURL())
		}
		accepted++

		ours := signalwire.Signature(swKey, h.SignedURL(), h.params())
		if ours != official {
			t.Errorf("#%d: Signature = %s, the SDK's %s for %q body %q", i, ours, official, h.SignedURL(), h.Body)
		} else if !o.valid(t, h, ours) {
			t.Errorf("#%d: the SDK refuses our signature", i)
		} else {
			signedOurs++
		}

		if h.JSON {
			continue
		}
		// NewSignedRequest: the form's parameters sent as a POST body, or
		// appended to the query of a GET.
		p, _ := urlValues(h.Body)
		req, err := signalwire.NewSignedRequest(h.Method, h.SignedURL(), swKey, p)
		if err != nil {
			t.Fatalf("#%d: NewSignedRequest(%q): %v", i, h.SignedURL(), err)
		}
		got := delivered(h, req)
		if !o.valid(t, got, req.Header.Get(signalwire.SignatureHeader)) {
			t.Errorf("#%d: the SDK refuses NewSignedRequest(%s, %q): sent %q", i, h.Method, h.SignedURL(), got.URL())
		} else if ok, _ := swVerdict(t, v, got, req.Header.Get(signalwire.SignatureHeader)); !ok {
			t.Errorf("#%d: our Verifier refuses NewSignedRequest(%s, %q)", i, h.Method, h.SignedURL())
		} else {
			sent++
		}
	}
	t.Logf("%d random requests (%d GET, %d form POST, %d JSON POST): SDK-signed accepted by ours %d, ours equal to the SDK's and accepted by it %d, NewSignedRequest accepted by both %d",
		n, gets, forms, jsons, accepted, signedOurs, sent)

	checkMutations(t, g, 2500, func() (hookReq, string) {
		h := g.next()
		return h, o.sign(t, h)
	}, func(m hookReq, sig string) (bool, bool) {
		return swVerdict(t, swVerifier(t, m.Base), m, sig)
	}, func(m hookReq, sig string) bool { return o.valid(t, m, sig) })
}

// TestSignalWireRepeatedValues pins the finding the conformance test
// generalises: SignalWire signs a repeated name's values in the order sent.
func TestSignalWireRepeatedValues(t *testing.T) {
	o := swOracle{startOracle(t)}
	h := hookReq{Method: http.MethodPost, Base: "https://voice.example.com", SignedBase: "https://voice.example.com",
		URI: "/voice", Body: []byte("Digits=2&Digits=1"), Form: true}
	sig := o.sign(t, h)
	if ok, _ := swVerdict(t, swVerifier(t, h.Base), h, sig); !ok {
		t.Fatal("Digits=2&Digits=1 signed by SignalWire's SDK is refused")
	}
	h.Body = []byte("Digits=1&Digits=2")
	if o.valid(t, h, sig) {
		t.Fatal("the SDK accepts the values reordered; the test no longer tells the orders apart")
	}
	if ok, _ := swVerdict(t, swVerifier(t, h.Base), h, sig); ok {
		t.Fatal("our Verifier accepts the values reordered")
	}
}

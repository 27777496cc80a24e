package conformance

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// This file generates webhook requests in Twilio's signature scheme, which
// SignalWire shares, for the SignalWire and Twilio conformance tests.

// hookReq is one webhook request: what the carrier sends and the URL form
// it signed.
type hookReq struct {
	Method     string
	Base       string // the public base URL the verifier is configured with
	SignedBase string // Base, or Base with the default port added or its port removed
	URI        string // path and query as sent, byte for byte
	Body       []byte
	Form, JSON bool
}

// URL is the URL a verifier sees: the base followed by the request URI.
func (h hookReq) URL() string { return h.Base + h.URI }

// SignedURL is the URL the carrier signed.
func (h hookReq) SignedURL() string { return h.SignedBase + h.URI }

// params are the form parameters as net/url parses them (nil unless a form
// POST).
func (h hookReq) params() url.Values {
	if !h.Form {
		return nil
	}
	p, err := url.ParseQuery(string(h.Body))
	if err != nil {
		panic(fmt.Sprintf("generated form %q: %v", h.Body, err))
	}
	return p
}

// request is the request as a Go server reads it off the wire, with the
// signature in header; an error means no server would hand it to a handler.
func (h hookReq) request(header, sig string) (*http.Request, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: hooks.internal\r\n", h.Method, h.URI)
	switch {
	case h.Form:
		b.WriteString("Content-Type: application/x-www-form-urlencoded\r\n")
	case h.JSON:
		b.WriteString("Content-Type: application/json\r\n")
	}
	if h.Method == http.MethodPost {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(h.Body))
	}
	fmt.Fprintf(&b, "%s: %s\r\n\r\n", header, sig)
	b.Write(h.Body)
	return http.ReadRequest(bufio.NewReader(&b))
}

// gen draws random requests.
type gen struct {
	r *rand.Rand
	// uniqueNames keeps a form body's names distinct.
	uniqueNames bool
}

// Characters drawn for names and values: ASCII that is unreserved, that
// must be escaped and that separates (space, +, &, =, %, ?, #), and
// non-ASCII of one to four bytes, among them U+FF01 and U+1F600, whose
// UTF-16 order is the reverse of their byte order.
var (
	valueRunes = []rune("abcXYZ019-._~ +&=%?#/!*'(),;:@$\"<>[]{}|\\^`éüß中\uff01\ue000\U0001F600\U00010348")
	nameRunes  = []rune("abcdCDxyz_019éü中\uff01\ue000\U0001F600\U00010348")
	// Names SignalWire and Twilio send.
	knownNames = []string{"CallSid", "AccountSid", "From", "To", "Digits", "CallStatus", "Caller", "SpeechResult"}
)

func (g *gen) pick(rs []rune, min, max int) string {
	n := min + g.r.IntN(max-min+1)
	var b strings.Builder
	for range n {
		b.WriteRune(rs[g.r.IntN(len(rs))])
	}
	return b.String()
}

func (g *gen) name() string {
	if g.r.IntN(3) == 0 {
		return knownNames[g.r.IntN(len(knownNames))]
	}
	return g.pick(nameRunes, 1, 4)
}

const hexDigits = "0123456789ABCDEF"

// pctByte writes %XX in upper or lower case.
func (g *gen) pctByte(b *strings.Builder, c byte) {
	s := "%" + string(hexDigits[c>>4]) + string(hexDigits[c&15])
	if g.r.IntN(2) == 0 {
		s = strings.ToLower(s)
	}
	b.WriteString(s)
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0
}

// component encodes s as a form or query name or value, choosing for each
// byte among the encodings a parser decodes back to it: unreserved bytes
// raw or escaped, a space as + or %20, some sub-delimiters raw, non-ASCII
// raw (when allowed) or escaped.
func (g *gen) component(s string, rawNonASCII bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case unreserved(c) && g.r.IntN(5) > 0:
			b.WriteByte(c)
		case c == ' ' && g.r.IntN(2) == 0:
			b.WriteByte('+')
		case strings.IndexByte("!*'(),:@$/", c) >= 0 && g.r.IntN(2) == 0:
			b.WriteByte(c)
		case c >= utf8.RuneSelf:
			// A whole character, raw or escaped.
			_, n := utf8.DecodeRuneInString(s[i:])
			if rawNonASCII && g.r.IntN(2) == 0 {
				b.WriteString(s[i : i+n])
			} else {
				for j := range n {
					g.pctByte(&b, s[i+j])
				}
			}
			i += n - 1
		default:
			g.pctByte(&b, c)
		}
	}
	return b.String()
}

// pairs encodes n parameters: name=value, a bare name or name= (an empty
// value). Names repeat unless unique is set.
func (g *gen) pairs(n int, unique, rawNonASCII bool) string {
	var parts []string
	seen := map[string]bool{}
	var names []string
	for range n {
		k := g.name()
		if len(names) > 0 && !unique && g.r.IntN(3) == 0 {
			k = names[g.r.IntN(len(names))]
		}
		if unique && seen[k] {
			continue
		}
		seen[k] = true
		names = append(names, k)
		ek := g.component(k, rawNonASCII)
		switch g.r.IntN(8) {
		case 0:
			parts = append(parts, ek)
		case 1:
			parts = append(parts, ek+"=")
		default:
			parts = append(parts, ek+"="+g.component(g.pick(valueRunes, 0, 8), rawNonASCII))
		}
	}
	return strings.Join(parts, "&")
}

// path draws a path: segments of unreserved bytes, sub-delimiters, %XX
// escapes of any byte and raw non-ASCII characters.
func (g *gen) path() string {
	var b strings.Builder
	for range 1 + g.r.IntN(3) {
		b.WriteByte('/')
		for range g.r.IntN(8) {
			switch x := g.r.IntN(10); {
			case x < 5:
				b.WriteByte("abcXYZ09-._~"[g.r.IntN(12)])
			case x < 6:
				b.WriteByte("!$&'()*+,;=:@"[g.r.IntN(13)])
			case x < 8:
				g.pctByte(&b, byte(g.r.IntN(256)))
			default:
				b.WriteString(string([]rune("éü中\uff01😀")[g.r.IntN(5)]))
			}
		}
	}
	return b.String()
}

// bases are public base URLs, each with its other port form. A base with
// a non-default port is requested with it only (oneWay): its other form,
// without the port, is one a request may be signed over, but a request to
// the port-less base is never signed with the non-default port.
var bases = []struct {
	a, b   string
	oneWay bool
}{
	{"https://voice.example.com", "https://voice.example.com:443", false},
	{"https://hooks.example.net/app", "https://hooks.example.net:443/app", false},
	{"http://127.0.0.1:8080", "http://127.0.0.1", true},
	{"http://voice.example.org", "http://voice.example.org:80", false},
}

// next draws one request: GET, form POST or JSON POST; a base with or
// without its port, signed in either form.
func (g *gen) next() hookReq {
	pick := bases[g.r.IntN(len(bases))]
	b := [2]string{pick.a, pick.b}
	if g.r.IntN(2) == 0 && !pick.oneWay {
		b[0], b[1] = b[1], b[0]
	}
	h := hookReq{Base: b[0], SignedBase: b[0]}
	if g.r.IntN(2) == 0 {
		h.SignedBase = b[1]
	}
	query := g.pairs(g.r.IntN(4), false, true)
	switch x := g.r.IntN(10); {
	case x < 3:
		h.Method = http.MethodGet
	case x < 8:
		h.Method, h.Form = http.MethodPost, true
		h.Body = []byte(g.pairs(g.r.IntN(7), g.uniqueNames, true))
	default:
		h.Method, h.JSON = http.MethodPost, true
		doc := map[string]string{"CallSid": "CA" + g.pick(nameRunes, 4, 8), "SpeechResult": g.pick(valueRunes, 0, 12)}
		h.Body, _ = json.Marshal(doc)
		sum := sha256.Sum256(h.Body)
		hash := "bodySHA256=" + hex.EncodeToString(sum[:])
		if query == "" || g.r.IntN(2) == 0 {
			query = strings.Trim(hash+"&"+query, "&")
		} else {
			query += "&" + hash
		}
	}
	h.URI = g.path()
	if query != "" || g.r.IntN(8) == 0 {
		h.URI += "?" + query
	}
	return h
}

// mutation is h with one signed byte, or one signature character, changed.
// Bytes of the URI and body are replaced with printable ASCII (non-ASCII
// bytes are left alone: a lone byte of a UTF-8 sequence cannot cross the
// oracle's JSON); a backslash is never written into the URI, see the
// SignalWire test.
func (g *gen) mutate(h hookReq, sig string) (hookReq, string, string) {
	for {
		switch x := g.r.IntN(10); {
		case x < 4:
			i := g.r.IntN(len(h.URI))
			c := byte(0x21 + g.r.IntN(0x7e-0x21+1))
			if h.URI[i] >= utf8.RuneSelf || c == h.URI[i] || c == '\\' {
				continue
			}
			m := h
			m.URI = h.URI[:i] + string(c) + h.URI[i+1:]
			return m, sig, fmt.Sprintf("URI[%d] %q→%q", i, h.URI[i], c)
		case x < 7:
			if len(h.Body) == 0 {
				continue
			}
			i := g.r.IntN(len(h.Body))
			c := byte(0x20 + g.r.IntN(0x7e-0x20+1))
			if h.Body[i] >= utf8.RuneSelf || c == h.Body[i] {
				continue
			}
			m := h
			m.Body = bytes.Clone(h.Body)
			m.Body[i] = c
			return m, sig, fmt.Sprintf("body[%d] %q→%q", i, h.Body[i], c)
		default:
			const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
			i := g.r.IntN(len(sig))
			c := alphabet[g.r.IntN(len(alphabet))]
			if c == sig[i] {
				continue
			}
			return h, sig[:i] + string(c) + sig[i+1:], fmt.Sprintf("signature[%d] %q→%q", i, sig[i], c)
		}
	}
}

// urlValues parses a form body.
func urlValues(body []byte) (url.Values, error) { return url.ParseQuery(string(body)) }

// sentURI is the request URI of req, built for a URL under base, as the
// handler behind a proxy that strips base's path prefix receives it.
// delivered is the request a NewSignedRequest helper built for h, as a server
// receives it: its request URI below h's base, and its body.
func delivered(h hookReq, req *http.Request) hookReq {
	got := hookReq{Method: h.Method, Base: h.Base, URI: sentURI(h.Base, req), Form: h.Form}
	if req.Body != nil {
		got.Body, _ = io.ReadAll(req.Body)
	}
	return got
}

func sentURI(base string, req *http.Request) string {
	u, err := url.Parse(base)
	if err != nil {
		panic(err)
	}
	return strings.TrimPrefix(req.URL.RequestURI(), u.Path)
}

// checkMutations draws mutations of signed requests until n of them could
// be delivered to a Go server, and fails the test on each one that ours and
// theirs judge differently. next returns a signed request and its
// signature; ours reports whether the request was delivered, and whether
// this SDK accepted it; theirs is the reference's verdict.
func checkMutations(t *testing.T, g *gen, n int, next func() (hookReq, string), ours func(m hookReq, sig string) (accepted, delivered bool),
	theirs func(m hookReq, sig string) bool) {
	t.Helper()
	var falseAccept, falseRefuse, bothAccept, bothRefuse, undeliverable int
	for i := 0; i < n; {
		h, sig := next()
		m, msig, what := g.mutate(h, sig)
		ok, delivered := ours(m, msig)
		if !delivered {
			undeliverable++
			continue
		}
		i++
		switch their := theirs(m, msig); {
		case ok && !their:
			falseAccept++
			t.Errorf("false acceptance: %s of %s %q (signed %q) body %q", what, m.Method, h.URL(), h.SignedURL(), h.Body)
		case !ok && their:
			falseRefuse++
			t.Errorf("false refusal: %s of %s %q (signed %q) body %q", what, m.Method, h.URL(), h.SignedURL(), h.Body)
		case ok:
			bothAccept++
		default:
			bothRefuse++
		}
	}
	t.Logf("%d mutations: %d refused by both, %d accepted by both (an equivalent spelling), %d false acceptances, %d false refusals; %d more not deliverable by a Go server, skipped",
		n, bothRefuse, bothAccept, falseAccept, falseRefuse, undeliverable)
}

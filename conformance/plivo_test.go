package conformance

import (
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/carrier/plivo"
)

// plivoNodeAccepts asks plivo-node's validateV3Signature about a request:
// body is the raw form body of a POST (read with Node's querystring).
func plivoNodeAccepts(t testing.TB, o *oracle, method, uri, nonce, token, sig, body string) bool {
	t.Helper()
	var ok bool
	o.call(t, map[string]any{
		"carrier": "plivo", "op": "validate",
		"method": method, "uri": uri, "nonce": nonce, "token": token, "signature": sig, "body": body,
	}, &ok)
	return ok
}

// plivoRequest is one webhook request as Plivo sends it and a server behind
// a proxy sees it.
type plivoRequest struct {
	method string
	base   string // scheme://host[/prefix]: the Verifier's public base URL
	uri    string // the request URI the server receives: path and query
	body   string // the raw form body of a POST
	token  string
	nonce  string
	header string // X-Plivo-Signature-V3
}

func (r plivoRequest) url() string { return r.base + r.uri }

// ours serves r through a Verifier's Middleware and reports whether the
// handler behind it was reached.
func (r plivoRequest) ours(t testing.TB) bool {
	t.Helper()
	v, err := plivo.NewVerifier(r.token, r.base)
	require.NoError(t, err)
	reached := false
	h := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { reached = true }))
	req := httptest.NewRequest(r.method, "/", strings.NewReader(r.body))
	req.Host = "attacker.example" // the public base comes from configuration
	req.RequestURI = r.uri
	if req.URL, err = url.ParseRequestURI(r.uri); err != nil {
		return false // net/http answers 400 before any handler
	}
	if r.method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set(plivo.SignatureHeader, r.header)
	req.Header.Set(plivo.NonceHeader, r.nonce)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return reached && rec.Code == http.StatusOK
}

func (r plivoRequest) node(t testing.TB, o *oracle) bool {
	t.Helper()
	return plivoNodeAccepts(t, o, r.method, r.url(), r.nonce, r.token, r.header, r.body)
}

// plivoGen draws random Plivo webhook requests. Its domain leaves out what
// plivo-node and plivo-go (whose reading SignatureV3 follows) sign
// differently, which the recorded plivo-go vectors cover instead
// (TestPlivoGoVectors):
//   - paths hold only [a-z0-9-] segments: plivo-go signs the decoded path,
//     plivo-node the raw one (a %-escape), UTF-8-encoded a second time (raw
//     non-ASCII);
//   - no name repeats within the query or within the body: plivo-go signs
//     the first value, plivo-node all of them, sorted (the Verifier refuses
//     them: the mutations append such duplicates);
//   - no name or value ends in '.' or '&', which plivo-go trims from the
//     end of the signed string and plivo-node keeps (the Verifier refuses a
//     last value losing bytes that way);
//   - text is valid UTF-8 (plivo-node decodes a stray %FF as U+FFFD) from
//     characters whose UTF-8 byte order is their UTF-16 order (plivo-node
//     sorts names by UTF-16 code units), always %-escaped when not ASCII;
//     no ';' or invalid escape, which plivo-go drops and plivo-node keeps;
//   - nonces and tokens are ASCII (plivo-node UTF-8-encodes both again);
//   - a query is absent or holds at least one pair (plivo-go signs a query
//     of empty pairs only as a lone "?").
type plivoGen struct{ r *rand.Rand }

var plivoRunes = []rune("abcdefXYZ0123456789 +&=%/?#;.-_~*:@!'\"éü€中😀")

func (g plivoGen) text(min, max int) string {
	for {
		n := min + g.r.IntN(max-min+1)
		var b strings.Builder
		for range n {
			b.WriteRune(plivoRunes[g.r.IntN(len(plivoRunes))])
		}
		s := b.String()
		if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "&") {
			return s
		}
	}
}

// escape writes s for a query or form body: unreserved bytes raw (now and
// then %-escaped), a space as '+' or %20, every other byte %-escaped, in
// either hex case.
func (g plivoGen) escape(s string) string {
	const upper, lower = "0123456789ABCDEF", "0123456789abcdef"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		unreserved := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.~", c) >= 0
		switch {
		case unreserved && g.r.IntN(10) > 0:
			b.WriteByte(c)
		case c == ' ' && g.r.IntN(2) == 0:
			b.WriteByte('+')
		default:
			hex := upper
			if g.r.IntN(2) == 0 {
				hex = lower
			}
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// params draws n parameters with distinct names, some with empty values.
func (g plivoGen) params(n int) url.Values {
	p := url.Values{}
	for len(p) < n {
		v := g.text(0, 10)
		if g.r.IntN(5) == 0 {
			v = ""
		}
		p[g.text(1, 6)] = []string{v}
	}
	return p
}

// encode writes p in random order, an empty value now and then as a bare
// name, with now and then an empty pair ("&&", a leading or trailing '&').
func (g plivoGen) encode(p url.Values) string {
	var pairs []string
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range p {
			if !yield(k) {
				return
			}
		}
	}) {
		pair := g.escape(k)
		if v := p.Get(k); v != "" || g.r.IntN(2) == 0 {
			pair += "=" + g.escape(v)
		}
		pairs = append(pairs, pair)
	}
	g.r.Shuffle(len(pairs), func(i, j int) { pairs[i], pairs[j] = pairs[j], pairs[i] })
	if len(pairs) > 0 && g.r.IntN(8) == 0 {
		pairs = slices.Insert(pairs, g.r.IntN(len(pairs)+1), "")
	}
	return strings.Join(pairs, "&")
}

func (g plivoGen) ascii(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[g.r.IntN(len(alphabet))]
	}
	return string(b)
}

// request draws a request and signs it with SignatureV3 (or, one time in
// four, builds it with NewSignedRequest), with up to two signatures of
// other tokens beside it in the header (key rotation).
func (g plivoGen) request(t testing.TB) plivoRequest {
	t.Helper()
	r := plivoRequest{
		method: []string{http.MethodGet, http.MethodPost}[g.r.IntN(2)],
		base:   []string{"https://voice.example.com", "http://hooks.example.org:8443", "https://Voice.Example.COM/prefix"}[g.r.IntN(3)],
		token:  g.ascii("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyz", 20+g.r.IntN(21)),
		nonce:  g.ascii("0123456789", 20),
	}
	const seg = "abcdefghijklmnopqrstuvwxyz0123456789-"
	for range 1 + g.r.IntN(3) {
		r.uri += "/" + g.ascii(seg, 1+g.r.IntN(8))
	}
	if g.r.IntN(8) == 0 {
		r.uri += "/"
	}
	var query, params url.Values
	switch {
	case r.method == http.MethodGet && g.r.IntN(10) > 0, r.method == http.MethodPost && g.r.IntN(2) == 0:
		query = g.params(1 + g.r.IntN(6))
	}
	if r.method == http.MethodPost && g.r.IntN(8) > 0 {
		params = g.params(1 + g.r.IntN(8))
	}
	if query != nil {
		r.uri += "?" + g.encode(query)
	}
	var sig string
	if g.r.IntN(4) == 0 {
		if r.method == http.MethodGet {
			// Split the query: part in the URL, part appended by NewSignedRequest.
			params = url.Values{}
			for k, v := range query {
				if g.r.IntN(2) == 0 {
					params[k] = v
					delete(query, k)
				}
			}
			r.uri = strings.SplitN(r.uri, "?", 2)[0]
			if len(query) > 0 {
				r.uri += "?" + g.encode(query)
			} else if g.r.IntN(2) == 0 {
				r.uri += "?" // a URL ending in '?', parameters right after it
			}
		}
		req, err := plivo.NewSignedRequest(r.method, r.url(), r.token, r.nonce, params)
		require.NoError(t, err)
		r.uri = strings.TrimPrefix(req.URL.String(), r.base)
		r.body = readAll(t, req)
		sig = req.Header.Get(plivo.SignatureHeader)
		require.Equal(t, r.nonce, req.Header.Get(plivo.NonceHeader))
	} else {
		if params != nil {
			r.body = g.encode(params)
		}
		var err error
		sig, err = plivo.SignatureV3(r.token, r.method, r.url(), r.nonce, params)
		require.NoError(t, err, r.url())
	}
	sigs := []string{sig}
	for range g.r.IntN(3) {
		other, err := plivo.SignatureV3(g.ascii("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 20), r.method, r.url(), r.nonce, mustParse(r.body, r.method))
		require.NoError(t, err)
		sigs = append(sigs, other)
	}
	g.r.Shuffle(len(sigs), func(i, j int) { sigs[i], sigs[j] = sigs[j], sigs[i] })
	r.header = strings.Join(sigs, ",")
	return r
}

func readAll(t testing.TB, req *http.Request) string {
	t.Helper()
	b, err := io.ReadAll(req.Body)
	require.NoError(t, err)
	return string(b)
}

// replaceByte returns s with the byte at i replaced by one of repl that
// differs from it.
func (g plivoGen) replaceByte(s string, i int, repl string) string {
	for {
		c := repl[g.r.IntN(len(repl))]
		if c != s[i] {
			return s[:i] + string(c) + s[i+1:]
		}
	}
}

// Letters that are not hex digits: put in place of any byte of a query or
// body, they change what it decodes to (a hex digit in another case would
// not).
const nonHex = "ghijklmnopqrstuvwxyzGHIJKLMNOPQRSTUVWXYZ"

// mutate changes one thing the carrier signs in r: a byte of the query, of
// the body, of the path, of the host, of the nonce or of the matching
// signature, or appends a second value to a signed name. kind names it.
func (g plivoGen) mutate(r plivoRequest, i int) (m plivoRequest, kind string) {
	m = r
	path, query, _ := strings.Cut(r.uri, "?")
	switch k := i % 7; {
	case k == 0 && query != "":
		j := len(path) + 1 + g.r.IntN(len(query))
		m.uri = g.replaceByte(r.uri, j, nonHex)
		return m, "query byte"
	case k == 1 && r.body != "":
		m.body = g.replaceByte(r.body, g.r.IntN(len(r.body)), nonHex)
		return m, "body byte"
	case k == 2 && (query != "" || r.body != ""):
		// A second value for a signed name, appended: plivo-go would sign
		// the first only, plivo-node signs both.
		pairs := r.body
		if query != "" {
			pairs = query
		}
		p, _ := url.ParseQuery(pairs)
		names := slices.Sorted(func(yield func(string) bool) {
			for n := range p {
				if !yield(n) {
					return
				}
			}
		})
		name := names[g.r.IntN(len(names))]
		dup := g.escape(name) + "=" + g.escape(g.text(0, 6))
		if query != "" {
			m.uri += "&" + dup
		} else {
			m.body += "&" + dup
		}
		return m, "appended duplicate"
	case k == 3:
		var positions []int
		for j := 1; j < len(path); j++ {
			if path[j] != '/' {
				positions = append(positions, j)
			}
		}
		m.uri = g.replaceByte(r.uri, positions[g.r.IntN(len(positions))], nonHex)
		return m, "path byte"
	case k == 4:
		// A byte of the host name (a letter in the port would not parse).
		host := len(strings.SplitN(r.base, "://", 2)[0]) + 3
		end := strings.IndexAny(r.base[host:], ":/")
		if end < 0 {
			end = len(r.base) - host
		}
		m.base = g.replaceByte(r.base, host+g.r.IntN(end), nonHex)
		return m, "host byte"
	case k == 5:
		m.nonce = g.replaceByte(r.nonce, g.r.IntN(len(r.nonce)), "0123456789abcdef")
		return m, "nonce byte"
	default:
		// One byte of the signature that matches (not the '=' padding).
		want, _ := plivo.SignatureV3(r.token, r.method, r.url(), r.nonce, mustParse(r.body, r.method))
		at := strings.Index(r.header, want)
		m.header = g.replaceByte(r.header, at+g.r.IntN(len(want)-1), "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
		return m, "signature byte"
	}
}

func mustParse(body, method string) url.Values {
	if method != http.MethodPost || body == "" {
		return nil
	}
	p, err := url.ParseQuery(body)
	if err != nil {
		panic(err)
	}
	return p
}

func TestPlivoAgainstPlivoNode(t *testing.T) {
	o := startOracle(t)
	g := plivoGen{rand.New(rand.NewPCG(20260514, 7))}
	const n = 2500
	var accepted, viaNode, falseAcc, falseRef, bothRefuse, bothAccept int
	kinds := map[string]int{}
	for i := range n {
		r := g.request(t)
		node, ours := r.node(t, o), r.ours(t)
		if !node || !ours {
			t.Errorf("genuine request %d: plivo-node accepts %v, ours %v: %s %s body %q header %q",
				i, node, ours, r.method, r.url(), r.body, r.header)
		}
		if node {
			viaNode++
		}
		if ours {
			accepted++
		}

		m, kind := g.mutate(r, i)
		kinds[kind]++
		node, ours = m.node(t, o), m.ours(t)
		switch {
		case ours && !node:
			falseAcc++
			t.Errorf("false acceptance (%s): %s %s body %q", kind, m.method, m.url(), m.body)
		case node && !ours:
			falseRef++
			t.Errorf("false refusal (%s): %s %s body %q", kind, m.method, m.url(), m.body)
		case node && ours:
			bothAccept++
			t.Errorf("a mutation both accept (%s): %s %s body %q", kind, m.method, m.url(), m.body)
		default:
			bothRefuse++
		}
	}
	t.Logf("random requests: %d, accepted by plivo-node %d, by the Verifier %d", n, viaNode, accepted)
	t.Logf("mutations: %d (%v): both refuse %d, false acceptances %d, false refusals %d", n, kinds, bothRefuse, falseAcc, falseRef)
	assert.Equal(t, n, accepted)
	assert.Equal(t, n, viaNode)
	assert.Zero(t, falseAcc)
	assert.Zero(t, falseRef)
	assert.Equal(t, n, bothRefuse)
	assert.Len(t, kinds, 7)
}

// TestPlivoGoVectors checks SignatureV3 and the Verifier against signatures
// recorded from plivo-go v7.60.2 (testdata/plivo-go-vectors.json, whose
// provenance field says how), on the requests where plivo-go and
// plivo-node differ among others, and checks plivo-node's verdict on each.
func TestPlivoGoVectors(t *testing.T) {
	o := startOracle(t)
	raw, err := os.ReadFile(filepath.Join("testdata", "plivo-go-vectors.json"))
	require.NoError(t, err)
	var file struct {
		Provenance map[string]string `json:"provenance"`
		Vectors    []struct {
			Note       string            `json:"note"`
			Method     string            `json:"method"`
			URL        string            `json:"url"`
			Params     map[string]string `json:"params"`
			Nonce      string            `json:"nonce"`
			Signature  string            `json:"plivo_go_signature"`
			Ours       string            `json:"ours"`
			NodeAccept bool              `json:"plivo_node_accepts"`
		} `json:"vectors"`
	}
	require.NoError(t, json.Unmarshal(raw, &file))
	require.Contains(t, file.Provenance["commit"], "273a8369467eeb2e2603d3916a0f6587dbde4ec4")
	token := file.Provenance["auth_token"]
	require.NotEmpty(t, token)
	require.GreaterOrEqual(t, len(file.Vectors), 20)
	for _, vec := range file.Vectors {
		t.Run(vec.Note, func(t *testing.T) {
			var params url.Values
			if vec.Params != nil {
				params = url.Values{}
				for k, v := range vec.Params {
					params.Set(k, v)
				}
			}
			got, err := plivo.SignatureV3(token, vec.Method, vec.URL, vec.Nonce, params)
			valid := plivo.ValidateSignatureV3(token, vec.Method, vec.URL, vec.Nonce, params, vec.Signature)
			switch vec.Ours {
			case "sign":
				require.NoError(t, err)
				assert.Equal(t, vec.Signature, got)
				assert.True(t, valid)
			case "trimmed":
				require.NoError(t, err)
				assert.Equal(t, vec.Signature, got)
				assert.False(t, valid)
			case "refuse":
				require.Error(t, err)
				assert.False(t, valid)
			default:
				t.Fatalf("ours %q", vec.Ours)
			}
			// Through the Verifier, when the request can be sent as is.
			if vec.Method == http.MethodPost || params == nil {
				u, err := url.Parse(vec.URL)
				require.NoError(t, err)
				r := plivoRequest{
					method: vec.Method, base: u.Scheme + "://" + u.Host,
					token: token, nonce: vec.Nonce, header: vec.Signature,
				}
				r.uri = strings.TrimPrefix(vec.URL, r.base)
				if params != nil {
					r.body = params.Encode()
				}
				assert.Equal(t, vec.Ours == "sign", r.ours(t), "Verifier")
			}
			var node bool
			o.call(t, map[string]any{
				"carrier": "plivo", "op": "validate", "method": vec.Method, "uri": vec.URL,
				"nonce": vec.Nonce, "token": token, "signature": vec.Signature, "params": vec.Params,
			}, &node)
			assert.Equal(t, vec.NodeAccept, node, "plivo-node")
		})
	}
}

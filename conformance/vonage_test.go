package conformance

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/hmssip/interconnect-go/carrier/vonage"
)

// vonageNow is the one clock of the Vonage checks: the Verifier's WithClock,
// the golang-jwt reference's WithTimeFunc and, in the oracle, @vonage/jwt's
// Date.now (see oracle/vonage.js).
var vonageNow = time.Date(2031, 7, 8, 9, 10, 11, 0, time.UTC)

// The Verifier's defaults, which the reference applies too.
const (
	vonageLeeway = vonage.DefaultLeeway
	vonageMaxAge = vonage.DefaultMaxAge
)

// vonageCase is one webhook request.
type vonageCase struct {
	method   string
	rawQuery string
	body     []byte
	token    string // "" for no Authorization header
}

// queryRef is the oracle's rendering of a GET's payload under Vonage's
// published rule.
type queryRef struct {
	JSON     string `json:"json"`
	SHA256   string `json:"sha256"`
	Repeated bool   `json:"repeated"`
}

func askQueryPayload(t *testing.T, o *oracle, rawQuery string) queryRef {
	t.Helper()
	var ref queryRef
	o.call(t, map[string]any{"carrier": "vonage", "op": "queryPayload", "query": rawQuery}, &ref)
	return ref
}

// vonageOurs is our Verifier's verdict.
func vonageOurs(t *testing.T, secret string, c vonageCase) error {
	t.Helper()
	v, err := vonage.NewVerifier(secret, vonage.WithClock(func() time.Time { return vonageNow }))
	if err != nil {
		t.Fatal(err)
	}
	var rd io.Reader
	if c.body != nil {
		rd = bytes.NewReader(c.body)
	}
	r := httptest.NewRequest(c.method, "/vonage/answer", rd)
	r.URL.RawQuery = c.rawQuery
	if c.token != "" {
		r.Header.Set("Authorization", "Bearer "+c.token)
	}
	return v.Verify(httptest.NewRecorder(), r)
}

// vonageReference is the published algorithm, apart from package vonage:
// the token checked with golang-jwt (HS256, the fixed clock, the leeway, iat
// required and at most the maximum age old) and, with @vonage/jwt's
// verifySignature asked too, payload_hash compared with the SHA-256 of the
// raw body of a POST or of the oracle's JSON.stringify of a GET's query.
// The package's documented choices are applied by name: a GET with a body,
// a query that repeats a name and a query with parameters but no
// payload_hash are refused, a GET without parameters needs no payload_hash.
// It returns the verdict, why, and the SDK's verdict on the token alone.
func vonageReference(t *testing.T, o *oracle, secret string, c vonageCase) (ok bool, why string, sdkToken bool) {
	t.Helper()
	if c.token == "" {
		return false, "no token", false
	}
	o.call(t, map[string]any{"carrier": "vonage", "op": "verifyToken", "token": c.token, "secret": secret, "now": vonageNow.Unix()}, &sdkToken)
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(c.token, claims, func(*jwt.Token) (any, error) { return []byte(secret), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithTimeFunc(func() time.Time { return vonageNow }),
		jwt.WithLeeway(vonageLeeway), jwt.WithIssuedAt())
	if err != nil {
		return false, "token: " + err.Error(), sdkToken
	}
	iat, err := claims.GetIssuedAt()
	if err != nil || iat == nil {
		return false, "token: no iat", sdkToken
	}
	if vonageNow.Sub(iat.Time) > vonageMaxAge+vonageLeeway {
		return false, "token: too old", sdkToken
	}
	hash, hasHash := claims["payload_hash"].(string)
	_, present := claims["payload_hash"]
	if c.method == http.MethodGet {
		if len(c.body) > 0 {
			return false, "GET with a body", sdkToken
		}
		ref := askQueryPayload(t, o, c.rawQuery)
		switch {
		case ref.Repeated:
			return false, "query repeats a name", sdkToken
		case !present:
			return ref.JSON == "{}", "no payload_hash", sdkToken
		}
		return hasHash && hash == ref.SHA256, "payload_hash of the query", sdkToken
	}
	if len(c.body) == 0 {
		return false, "POST without a body", sdkToken
	}
	sum := sha256.Sum256(c.body)
	return hasHash && hash == hex.EncodeToString(sum[:]), "payload_hash of the body", sdkToken
}

// vonageMint signs claims with golang-jwt, as Vonage signs a webhook.
func vonageMint(t *testing.T, method jwt.SigningMethod, secret string, claims jwt.MapClaims) string {
	t.Helper()
	key := any([]byte(secret))
	if method == jwt.SigningMethodNone {
		key = jwt.UnsafeAllowNoneSignatureType
	}
	tok, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// isArrayIndex reports whether a JavaScript object would order name before
// the others ("0", "17"): such names are left out of the random queries,
// since the rule's object could then not keep the order sent (Vonage sends
// none).
func isArrayIndex(name string) bool {
	if name == "" || len(name) > 10 || (len(name) > 1 && name[0] == '0') {
		return false
	}
	for _, c := range name {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

type param struct{ name, value string }

// escapeQuery writes a name or value with one of the spellings a sender may
// use: url.QueryEscape's, %20 for spaces, every byte escaped, or lowercase
// hex.
func escapeQuery(r *rand.Rand, s string) string {
	switch r.IntN(4) {
	case 0:
		return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
	case 1:
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			fmt.Fprintf(&b, "%%%02X", s[i])
		}
		return b.String()
	case 2:
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			fmt.Fprintf(&b, "%%%02x", s[i])
		}
		return b.String()
	}
	return url.QueryEscape(s)
}

func encodeQuery(r *rand.Rand, ps []param) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = escapeQuery(r, p.name) + "=" + escapeQuery(r, p.value)
		if p.value == "" && r.IntN(2) == 0 {
			parts[i] = escapeQuery(r, p.name) // a bare name
		}
	}
	return strings.Join(parts, "&")
}

// randomParams is an answer webhook's parameters in a random order, with
// random extra names and unicode values.
func randomParams(r *rand.Rand) []param {
	ps := []param{
		{"uuid", fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", r.Uint32(), r.IntN(1<<16), r.IntN(1<<16), r.IntN(1<<16), r.Uint64()>>16)},
		{"conversation_uuid", fmt.Sprintf("CON-%08x-%04x", r.Uint32(), r.IntN(1<<16))},
		{"from", fmt.Sprintf("44%010d", r.IntN(1e10))},
		{"to", fmt.Sprintf("1%010d", r.IntN(1e10))},
		{"region_url", "https://api-us-3.vonage.com"},
	}
	seen := map[string]bool{}
	for _, p := range ps {
		seen[p.name] = true
	}
	for range r.IntN(5) {
		name := randomRunes(r, 10)
		if name == "" || seen[name] || isArrayIndex(name) {
			continue
		}
		seen[name] = true
		ps = append(ps, param{name, randomRunes(r, 30)})
	}
	r.Shuffle(len(ps), func(i, j int) { ps[i], ps[j] = ps[j], ps[i] })
	return ps[:1+r.IntN(len(ps))]
}

// vonageBody is a POST answer or event webhook's JSON.
func vonageBody(r *rand.Rand) []byte {
	m := map[string]any{"uuid": fmt.Sprintf("%032x", r.Uint64()), "from": fmt.Sprintf("44%010d", r.IntN(1e10)),
		"to": fmt.Sprintf("1%010d", r.IntN(1e10)), "conversation_uuid": fmt.Sprintf("CON-%016x", r.Uint64()),
		"status": "answered", "custom_data": map[string]any{"note": randomRunes(r, 30)}}
	for range r.IntN(3) {
		m[randomRunes(r, 8)] = randomRunes(r, 30)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		panic(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestVonageConformance: random GET and POST webhooks signed as Vonage's
// published rule says, and mutations of them; our Verifier's verdict must be
// the reference's on every one, and @vonage/jwt must agree with the
// reference on the token.
func TestVonageConformance(t *testing.T) {
	o := startOracle(t)
	r := rand.New(rand.NewPCG(20310708, 91011))
	secret := func() string {
		const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
		b := make([]byte, 32)
		for i := range b {
			b[i] = chars[r.IntN(len(chars))]
		}
		return string(b)
	}
	counts := map[string][2]int{} // kind → accepted, refused
	var falseAccept, falseRefuse, tokenDisagree, payloadMismatch int
	check := func(kind, sec string, c vonageCase) {
		t.Helper()
		want, why, sdkToken := vonageReference(t, o, sec, c)
		err := vonageOurs(t, sec, c)
		got := err == nil
		n := counts[kind]
		if got {
			n[0]++
		} else {
			n[1]++
		}
		counts[kind] = n
		switch {
		case got && !want:
			falseAccept++
			t.Errorf("%s: false acceptance (%s): %s ?%s body %q", kind, why, c.method, c.rawQuery, c.body)
		case !got && want:
			falseRefuse++
			t.Errorf("%s: false refusal (%v): %s ?%s body %q", kind, err, c.method, c.rawQuery, c.body)
		}
		// Where the reference refuses for the token, @vonage/jwt must too,
		// except for the rules it does not apply (iat required, maximum
		// age); where the reference's token is good, it must accept.
		tokenGood := !strings.HasPrefix(why, "token") && why != "no token"
		if c.token != "" && sdkToken != tokenGood && why != "token: no iat" && why != "token: too old" {
			tokenDisagree++
			t.Errorf("%s: @vonage/jwt says %v, reference %q", kind, sdkToken, why)
		}
	}

	const webhooks = 2000
	for i := range webhooks {
		sec := secret()
		iat := vonageNow.Add(-time.Duration(r.IntN(240)) * time.Second)
		claims := jwt.MapClaims{"iat": iat.Unix(), "jti": fmt.Sprintf("%016x", r.Uint64()), "iss": "Vonage",
			"api_key": fmt.Sprintf("%08x", r.Uint32()), "application_id": fmt.Sprintf("%016x", r.Uint64())}
		if r.IntN(2) == 0 {
			claims["exp"] = iat.Add(5 * time.Minute).Unix()
		}
		if r.IntN(3) == 0 {
			claims["nbf"] = iat.Unix()
		}
		var c vonageCase
		var ps []param
		kind := "POST webhook"
		if i%2 == 0 {
			kind = "GET webhook"
			ps = randomParams(r)
			q := encodeQuery(r, ps)
			ref := askQueryPayload(t, o, q)
			// Our rendering is byte for byte JSON.stringify's.
			mine, err := vonage.QueryPayload(q)
			if err != nil || string(mine) != ref.JSON {
				payloadMismatch++
				t.Errorf("QueryPayload(%q) = %q, %v; JSON.stringify: %q", q, mine, err, ref.JSON)
			}
			claims["payload_hash"] = ref.SHA256
			c = vonageCase{method: http.MethodGet, rawQuery: q}
		} else {
			body := vonageBody(r)
			claims["payload_hash"] = sha256Hex(body)
			c = vonageCase{method: http.MethodPost, body: body}
		}
		c.token = vonageMint(t, jwt.SigningMethodHS256, sec, claims)
		check(kind, sec, c)

		resign := func(change func(jwt.MapClaims)) string {
			cl := jwt.MapClaims{}
			for k, v := range claims {
				cl[k] = v
			}
			change(cl)
			return vonageMint(t, jwt.SigningMethodHS256, sec, cl)
		}
		for j := range 2 {
			m := c
			var name string
			switch k := (i + j*5) % 10; {
			case k < 5 && c.method == http.MethodGet:
				switch k {
				case 0:
					name = "GET: a value changed"
					p := append([]param(nil), ps...)
					x := r.IntN(len(p))
					p[x].value += string(rune('0' + r.IntN(10)))
					m.rawQuery = encodeQuery(r, p)
				case 1:
					name = "GET: order changed"
					if len(ps) < 2 {
						name = "GET: a parameter added"
						m.rawQuery = encodeQuery(r, append(append([]param(nil), ps...), param{"extra", "1"}))
						break
					}
					p := append([]param(nil), ps...)
					x := r.IntN(len(p) - 1)
					p[x], p[x+1] = p[x+1], p[x]
					m.rawQuery = encodeQuery(r, p)
				case 2:
					name = "GET: a parameter dropped or repeated"
					p := append([]param(nil), ps...)
					if len(p) > 1 && r.IntN(2) == 0 {
						x := r.IntN(len(p))
						p = append(p[:x], p[x+1:]...)
					} else {
						x := p[r.IntN(len(p))]
						if r.IntN(2) == 0 {
							x.value = "447700900001"
						}
						p = append(p, x)
					}
					m.rawQuery = encodeQuery(r, p)
				case 3:
					// The same parameters spelt another way: the payload
					// is of the decoded values, so this must be accepted.
					name = "GET: re-encoded, same parameters"
					m.rawQuery = encodeQuery(r, ps)
				case 4:
					name = "GET: token without payload_hash, or query dropped"
					if r.IntN(2) == 0 {
						m.token = resign(func(cl jwt.MapClaims) { delete(cl, "payload_hash") })
					} else {
						m.rawQuery = ""
					}
				}
			case k < 5:
				switch k {
				case 0, 1:
					name = "POST: a body byte changed"
					b := bytes.Clone(c.body)
					b[r.IntN(len(b))] ^= byte(1 + r.IntN(255))
					m.body = b
				case 2:
					name = "POST: whitespace added"
					m.body = append([]byte(" "), c.body...)
				case 3:
					// The query of a POST is not covered and not read.
					name = "POST: query added"
					m.rawQuery = "from=447700900001"
				case 4:
					name = "POST: body dropped, query added"
					m.body = nil
					m.rawQuery = "from=447700900001"
				}
			case k == 5:
				name = "token: signature byte changed"
				parts := strings.Split(c.token, ".")
				sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
				sig[r.IntN(len(sig))] ^= byte(1 + r.IntN(255))
				m.token = parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(sig)
			case k == 6:
				name = "token: another secret"
				other := secret()
				m.token = vonageMint(t, jwt.SigningMethodHS256, other, claims)
			case k == 7:
				name = "token: payload_hash changed"
				h := []byte(claims["payload_hash"].(string))
				x := r.IntN(len(h))
				h[x] = "0123456789abcdef"[(strings.IndexByte("0123456789abcdef", h[x])+1+r.IntN(15))%16]
				if r.IntN(2) == 0 {
					m.token = resign(func(cl jwt.MapClaims) { cl["payload_hash"] = string(h) })
				} else {
					// The claims edited, the signature kept.
					parts := strings.Split(c.token, ".")
					cl := jwt.MapClaims{}
					for k, v := range claims {
						cl[k] = v
					}
					cl["payload_hash"] = string(h)
					seg, _ := json.Marshal(cl)
					m.token = parts[0] + "." + base64.RawURLEncoding.EncodeToString(seg) + "." + parts[2]
				}
			case k == 8:
				switch r.IntN(3) {
				case 0:
					name = "token: expired"
					m.token = resign(func(cl jwt.MapClaims) {
						cl["exp"] = vonageNow.Add(-time.Duration(60+r.IntN(3600)) * time.Second).Unix()
					})
				case 1:
					name = "token: not yet valid"
					m.token = resign(func(cl jwt.MapClaims) { cl["nbf"] = vonageNow.Add(time.Duration(60+r.IntN(3600)) * time.Second).Unix() })
				default:
					name = "token: iat missing or too old (our rule)"
					if r.IntN(2) == 0 {
						m.token = resign(func(cl jwt.MapClaims) { delete(cl, "iat") })
					} else {
						m.token = resign(func(cl jwt.MapClaims) {
							cl["iat"] = vonageNow.Add(-time.Duration(6*60+r.IntN(3600)) * time.Second).Unix()
							cl["exp"] = vonageNow.Add(time.Hour).Unix()
							delete(cl, "nbf")
						})
					}
				}
			case k == 9:
				name = "token: another algorithm or none"
				switch r.IntN(3) {
				case 0:
					m.token = vonageMint(t, jwt.SigningMethodHS512, sec, claims)
				case 1:
					m.token = vonageMint(t, jwt.SigningMethodHS384, sec, claims)
				default:
					m.token = vonageMint(t, jwt.SigningMethodNone, sec, claims)
				}
			}
			check(name, sec, m)
		}
	}

	kinds := make([]string, 0, len(counts))
	var accepted, mutations int
	for k, n := range counts {
		kinds = append(kinds, k)
		if strings.HasSuffix(k, "webhook") {
			accepted += n[0]
		} else {
			mutations += n[0] + n[1]
		}
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		t.Logf("%-55s accepted %5d  refused %5d", k, counts[k][0], counts[k][1])
	}
	t.Logf("Vonage: %d signed webhooks accepted, %d mutations; %d false acceptances, %d false refusals, "+
		"%d token verdicts unlike @vonage/jwt's, %d QueryPayload texts unlike JSON.stringify's",
		accepted, mutations, falseAccept, falseRefuse, tokenDisagree, payloadMismatch)
	if accepted < 2000 || mutations < 2000 {
		t.Fatalf("too few cases: %d webhooks accepted, %d mutations", accepted, mutations)
	}
}

// TestVonageVectors checks the GET vectors of testdata/vonage_get_vectors.json,
// whose provenance is written in the file: our payload text and hash, a
// token for each accepted, and the finding (a token for one caller's number
// refused on another's) reproduced.
func TestVonageVectors(t *testing.T) {
	o := startOracle(t)
	raw, err := os.ReadFile("testdata/vonage_get_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Vectors []struct {
			Query   string `json:"query"`
			Payload string `json:"payload"`
			SHA256  string `json:"sha256"`
		} `json:"vectors"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Vectors) < 5 {
		t.Fatalf("%d vectors", len(file.Vectors))
	}
	const sec = "vonage-vector-secret-0123456789abcdef"
	hashOf := map[string]string{}
	for _, v := range file.Vectors {
		if ref := askQueryPayload(t, o, v.Query); ref.JSON != v.Payload || ref.SHA256 != v.SHA256 {
			t.Errorf("vector %q no longer what the rule gives: %+v", v.Query, ref)
		}
		if sha256Hex([]byte(v.Payload)) != v.SHA256 {
			t.Errorf("vector %q: sha256 of the payload is not %s", v.Query, v.SHA256)
		}
		got, err := vonage.QueryPayload(v.Query)
		if err != nil || string(got) != v.Payload {
			t.Errorf("QueryPayload(%q) = %q, %v; want %q", v.Query, got, err, v.Payload)
		}
		tok := vonageMint(t, jwt.SigningMethodHS256, sec, jwt.MapClaims{"iat": vonageNow.Unix(), "payload_hash": v.SHA256})
		if err := vonageOurs(t, sec, vonageCase{method: http.MethodGet, rawQuery: v.Query, token: tok}); err != nil {
			t.Errorf("vector %q refused: %v", v.Query, err)
		}
		hashOf[v.Query] = v.SHA256
	}
	tok := vonageMint(t, jwt.SigningMethodHS256, sec, jwt.MapClaims{"iat": vonageNow.Unix(), "payload_hash": hashOf["from=447700900000"]})
	if err := vonageOurs(t, sec, vonageCase{method: http.MethodGet, rawQuery: "from=447700900001", token: tok}); err == nil {
		t.Error("a token minted for ?from=447700900000 was accepted on ?from=447700900001")
	}
}

package vonage_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/carrier/carriertest"
	"github.com/hmssip/interconnect-go/carrier/vonage"
	"github.com/hmssip/interconnect-go/internal/apisurface"
	"github.com/hmssip/interconnect-go/pins"
	"github.com/hmssip/interconnect-go/sipconnect"
)

const vonageSecret = "vonage-signature-secret-0123456789abcdef"

// vonageRequest signs a request as Vonage signs a webhook, built here with
// golang-jwt apart from package vonage: HS256 with the signature secret,
// iat at, and payload_hash the hex SHA-256 of the body when there is one,
// or for a GET of its query as a JSON object in the order sent.
func vonageRequest(t *testing.T, key, method, fullURL string, body []byte, at time.Time) *http.Request {
	t.Helper()
	claims := jwt.MapClaims{"iat": at.Unix(), "exp": at.Add(5 * time.Minute).Unix(), "jti": "test", "iss": "Vonage"}
	var rd *bytes.Reader
	payload := body
	if method == http.MethodGet {
		payload = vonageQueryJSON(t, fullURL)
	}
	if len(payload) > 0 {
		sum := sha256.Sum256(payload)
		claims["payload_hash"] = hex.EncodeToString(sum[:])
	}
	rd = bytes.NewReader(body)
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(key))
	require.NoError(t, err)
	req, err := http.NewRequest(method, fullURL, rd)
	require.NoError(t, err)
	if len(body) > 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	return req
}

// vonageQueryJSON is the query of fullURL as Vonage hashes it for a GET: a
// JSON object of the decoded parameters in the order sent (the test URLs
// hold no characters that encoding/json and JSON.stringify write apart).
func vonageQueryJSON(t *testing.T, fullURL string) []byte {
	t.Helper()
	u, err := url.Parse(fullURL)
	require.NoError(t, err)
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	b.WriteByte('{')
	for _, pair := range strings.Split(u.RawQuery, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, err = url.QueryUnescape(k)
		require.NoError(t, err)
		v, err = url.QueryUnescape(v)
		require.NoError(t, err)
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		require.NoError(t, enc.Encode(k))
		b.Truncate(b.Len() - 1) // Encode's newline
		b.WriteByte(':')
		require.NoError(t, enc.Encode(v))
		b.Truncate(b.Len() - 1)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// vonageAnswer is the answer webhook's JSON (POST); Vonage sends numbers
// without "+".
func vonageAnswer(extra map[string]any) []byte {
	m := map[string]any{"uuid": "vonage-leg-0123", "conversation_uuid": "CON-0123", "from": strings.TrimPrefix(carriertest.CallerPhone, "+"),
		"to": "18005550100", "region_url": "https://api-us-3.vonage.com"}
	for k, v := range extra {
		m[k] = v
	}
	b, _ := json.Marshal(m)
	return b
}

func vonageHandlerConfig() sipconnect.HandlerConfig {
	return sipconnect.HandlerConfig{
		Carrier: vonage.NewCarrier(vonage.Config{
			SignatureSecret: vonageSecret,
			Connect:         vonage.Connect{Timeout: 30 * time.Second, EventURL: []string{"/hooks/dial-status"}, Synchronous: true},
			VerifierOptions: []vonage.VerifierOption{vonage.WithClock(carriertest.Clock)},
		}),
	}
}

// ncco is an NCCO as encoding/json reads it.
type ncco []struct {
	Action   string `json:"action"`
	Endpoint []struct {
		Type    string            `json:"type"`
		URI     string            `json:"uri"`
		Headers map[string]string `json:"headers"`
	} `json:"endpoint"`
	EventType string   `json:"eventType"`
	Timeout   int      `json:"timeout"`
	EventURL  []string `json:"eventUrl"`
	Text      string   `json:"text"`
	BargeIn   bool     `json:"bargeIn"`
	Type      []string `json:"type"`
	DTMF      *struct {
		MaxDigits    int  `json:"maxDigits"`
		SubmitOnHash bool `json:"submitOnHash"`
		TimeOut      int  `json:"timeOut"`
	} `json:"dtmf"`
	EventMethod string `json:"eventMethod"`
}

func decodeNCCO(t *testing.T, body string) ncco {
	t.Helper()
	var n ncco
	d := json.NewDecoder(strings.NewReader(body))
	d.DisallowUnknownFields()
	require.NoError(t, d.Decode(&n), body)
	return n
}

// vonageCarrier is Vonage to the carrier contract: NCCOs answering JSON
// POSTs, or for a GET the call in the query, and no SIP credentials.
func vonageCarrier(method string) carriertest.Carrier {
	return carriertest.Carrier{
		Title: "Vonage", Config: vonageHandlerConfig, Method: method,
		Request: func(t *testing.T, method, u string, p carriertest.Params) *http.Request {
			if method == http.MethodGet {
				q := p.Form(url.Values{"uuid": {"vonage-leg-0123"}, "from": {"14155550123"}, "to": {"18005550100"}})
				return vonageRequest(t, vonageSecret, method, u+"?"+q.Encode(), nil, carriertest.Clock())
			}
			return vonageRequest(t, vonageSecret, method, u, vonageAnswer(p), carriertest.Clock())
		},
		CallID:          "vonage-leg-0123",
		ErrBodyTooLarge: vonage.ErrBodyTooLarge,
		// Silence: Vonage posts the input event with timed_out and no digits.
		Input: func(digits string) carriertest.Params {
			return carriertest.Params{"dtmf": map[string]any{"digits": digits, "timed_out": digits == ""}, "speech": nil}
		},
		ContentType: "application/json",
		Decode: func(t *testing.T, body string) carriertest.Answer {
			var a carriertest.Answer
			for _, action := range decodeNCCO(t, body) {
				switch action.Action {
				case "talk":
					a.Prompts = append(a.Prompts, action.Text)
				case "input":
					require.Empty(t, a.Action, "one input action")
					require.Len(t, action.EventURL, 1)
					a.Action = action.EventURL[0]
				case "connect":
					for _, e := range action.Endpoint {
						assert.Equal(t, "sip", e.Type)
						sip := carriertest.SIP{URI: e.URI, Headers: map[string]string{}}
						for k, v := range e.Headers { // Vonage sends each as X-key.
							sip.Headers["X-"+k] = v
						}
						a.Dial = append(a.Dial, sip)
					}
				default:
					t.Errorf("unexpected action %q", action.Action)
				}
			}
			return a
		},
		// Written by hand from the NCCO reference (connect, sip endpoint):
		// Vonage adds X- to each header key, so the keys are written
		// without it; no credentials, which the endpoint cannot carry.
		Example: func(base string) string {
			return `[{"action":"connect","endpoint":[{"type":"sip","uri":"sip:abc-defg-hij@sip.100ms.live","headers":{"100ms-Display-Name":"John Doe","100ms-UserID":"xyz"}}],` +
				`"eventType":"synchronous","timeout":30,"eventUrl":["` + base + `/hooks/dial-status"]}]`
		},
		Bridged: carriertest.SIP{URI: "sip:abc-defg-hij@sip.100ms.live",
			Headers: map[string]string{"X-100ms-Display-Name": "John Doe", "X-100ms-UserID": "xyz"}},
		Goodbye: func(prompt string) string {
			if prompt == "" {
				return `[]`
			}
			return `[{"action":"talk","text":"` + prompt + `"}]`
		},
		StepTail: `&step=[^&]+`,
		PINPrompt: func(t *testing.T, body string) {
			n := decodeNCCO(t, body)
			require.Len(t, n, 3)
			assert.False(t, n[0].BargeIn)
			assert.True(t, n[1].BargeIn, "the caller may type during the last prompt")
			assert.Equal(t, []string{"dtmf"}, n[2].Type)
			require.NotNil(t, n[2].DTMF)
			assert.Equal(t, 20, n[2].DTMF.MaxDigits, "Vonage's most, not its default of 4")
			assert.True(t, n[2].DTMF.SubmitOnHash)
			assert.Equal(t, 6, n[2].DTMF.TimeOut)
			assert.Equal(t, "POST", n[2].EventMethod)
		},
		DialFailed: carriertest.Params{"uuid": "leg-b", "status": "timeout", "duration": "0"},
		Failed: sipconnect.DialStatus{CallSid: "CON-0123", DialCallSid: "leg-b", DialCallStatus: "no-answer", DialCallDuration: "0",
			Form: url.Values{"status": {"timeout"}}},
		DialDone: carriertest.Params{"uuid": "leg-b", "status": "answered"},
		Done:     sipconnect.DialStatus{CallSid: "CON-0123", DialCallSid: "leg-b", DialCallStatus: "answered"},
	}
}

func TestVonageContract(t *testing.T) {
	carriertest.Run(t, vonageCarrier(http.MethodPost))
	t.Run("GET/DialIn", func(t *testing.T) { carriertest.DialIn(t, vonageCarrier(http.MethodGet)) })
}

func TestVonageSignatureFailures(t *testing.T) {
	s := carriertest.ServeExample(t, vonageHandlerConfig())
	u := s.URL() + "/hooks/voice"
	cases := map[string]func() *http.Request{
		"flipped bit": func() *http.Request {
			r := vonageRequest(t, vonageSecret, http.MethodPost, u, vonageAnswer(nil), carriertest.Clock())
			tok := []byte(r.Header.Get("Authorization"))
			tok[len(tok)-3] ^= 1
			r.Header.Set("Authorization", string(tok))
			return r
		},
		"changed parameter": func() *http.Request {
			r := vonageRequest(t, vonageSecret, http.MethodPost, u, vonageAnswer(nil), carriertest.Clock())
			r2, _ := http.NewRequest(http.MethodPost, u, bytes.NewReader(vonageAnswer(map[string]any{"from": "14155550199"})))
			r2.Header = r.Header
			return r2
		},
		"stale token": func() *http.Request {
			return vonageRequest(t, vonageSecret, http.MethodPost, u, vonageAnswer(nil), carriertest.Clock().Add(-time.Hour))
		},
		"wrong key": func() *http.Request {
			return vonageRequest(t, "other-secret", http.MethodPost, u, vonageAnswer(nil), carriertest.Clock())
		},
		"missing header": func() *http.Request {
			r := vonageRequest(t, vonageSecret, http.MethodPost, u, vonageAnswer(nil), carriertest.Clock())
			r.Header.Del("Authorization")
			return r
		},
	}
	carriertest.AssertForbidden(t, s, "Vonage", cases)
}

// Digits are read from the signed body only, never from a GET's query.
func TestVonageDigitsNotFromAGETQuery(t *testing.T) {
	cfg := vonageHandlerConfig()
	cfg.PIN = &pins.Config{Resolver: carriertest.PINResolver(), Path: "/hooks/pin"}
	s := carriertest.NewServer(t, cfg)
	_, _, body := s.Do(t, vonageRequest(t, vonageSecret, http.MethodPost, s.URL()+"/hooks/voice", vonageAnswer(nil), carriertest.Clock()))
	step := decodeNCCO(t, body)[2].EventURL[0]
	req := vonageRequest(t, vonageSecret, http.MethodGet, step+"&dtmf.digits="+carriertest.ExamplePIN+"&uuid=x", nil, carriertest.Clock())
	status, _, body := s.Do(t, req)
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, "We did not receive a PIN.", decodeNCCO(t, body)[0].Text)
}

func TestVonageRefusesWhatItCannotExpress(t *testing.T) {
	carriertest.AssertRefused(t, vonageHandlerConfig, map[string]carriertest.Refusal{
		"SIP credentials": {func(c *sipconnect.HandlerConfig) {
			c.Credentials = sipconnect.Credentials{Username: "U", Password: "P"}
		},
			"HandlerConfig.Credentials cannot be sent by Vonage (vonage: ncco[].endpoint[].username: no SIP username or password field on Vonage's sip endpoint): leave them empty"},
		"endpoint in Connect": {func(c *sipconnect.HandlerConfig) {
			c.Carrier = vonage.NewCarrier(vonage.Config{SignatureSecret: vonageSecret, Connect: vonage.Connect{Endpoint: vonage.SIPEndpoint{URI: "sip:x@y"}}})
		}, "Config.Connect.Endpoint: leave it empty"},
		"no secret": {func(c *sipconnect.HandlerConfig) { c.Carrier = vonage.NewCarrier(vonage.Config{}) },
			"Config.SignatureSecret is required"},
		"connect limit": {func(c *sipconnect.HandlerConfig) {
			c.Carrier = vonage.NewCarrier(vonage.Config{SignatureSecret: vonageSecret, Connect: vonage.Connect{Limit: 3 * time.Hour}})
		}, "Config.Connect: vonage: ncco[0].limit"},
		"voice name": {func(c *sipconnect.HandlerConfig) {
			c.Carrier = vonage.NewCarrier(vonage.Config{SignatureSecret: vonageSecret, DialFailed: sipconnect.Prompt{Text: "x", Voice: "Polly.Joanna"}})
		}, `Config.DialFailed: vonage: Prompt.Voice "Polly.Joanna" cannot be used`},
		"audio prompt": {func(c *sipconnect.HandlerConfig) {
			c.Carrier = vonage.NewCarrier(vonage.Config{SignatureSecret: vonageSecret, Fallback: sipconnect.Prompt{AudioURL: "https://example.com/a.mp3"}})
		}, "vonage: Prompt.AudioURL cannot be used"},
		"PIN of more than 20 digits": {func(c *sipconnect.HandlerConfig) {
			c.PIN = &pins.Config{Resolver: carriertest.PINResolver(), MaxDigits: 24}
		}, "vonage: pins.Config.MaxDigits 24: an input action collects at most 20 digits"},
		"PIN timeout over 10s": {func(c *sipconnect.HandlerConfig) {
			c.PIN = &pins.Config{Resolver: carriertest.PINResolver(), Timeout: 20 * time.Second}
		}, "vonage: pins.Config.Timeout 20s"},
	}, vonageSecret)
}

func TestVonageConfigShowsNoSecret(t *testing.T) {
	cfg := vonage.Config{SignatureSecret: vonageSecret}
	carriertest.AssertNoSecret(t, cfg, vonageSecret)
	carriertest.AssertNoSecret(t, vonage.NewCarrier(cfg), vonageSecret)
	b, err := json.Marshal(cfg)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"SignatureSecret":"[REDACTED]"`)
}

const sigSecret = "vonage-signature-secret-0123456789abcdef"

// fixed is the one clock of these tests, for the signer and the verifier.
var fixed = time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)

// refToken builds a token with golang-jwt directly, independently of the
// package's signer.
func refToken(t *testing.T, key string, iat time.Time, body []byte, extra jwt.MapClaims) string {
	t.Helper()
	c := jwt.MapClaims{"iat": iat.Unix(), "exp": iat.Add(5 * time.Minute).Unix(), "jti": "j1", "api_key": "abc123"}
	if body != nil {
		s := sha256.Sum256(body)
		c["payload_hash"] = hex.EncodeToString(s[:])
	}
	for k, v := range extra {
		c[k] = v
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(key))
	require.NoError(t, err)
	return tok
}

// verifierAt is a Verifier of sigSecret whose clock stands at now.
func verifierAt(t *testing.T, now time.Time, opts ...vonage.VerifierOption) *vonage.Verifier {
	t.Helper()
	v, err := vonage.NewVerifier(sigSecret, append([]vonage.VerifierOption{vonage.WithClock(func() time.Time { return now })}, opts...)...)
	require.NoError(t, err)
	return v
}

// signedAt is the request vonage.NewSignedRequest signs with sigSecret at
// at, which must succeed.
func signedAt(t *testing.T, method, fullURL string, body []byte, at time.Time) *http.Request {
	t.Helper()
	r, err := vonage.NewSignedRequest(method, fullURL, sigSecret, body, at)
	require.NoError(t, err)
	return r
}

const answerBody = `{"from":"447700900000","to":"447700900001","uuid":"aaaaaaaa-bbbb-cccc-dddd-0123456789ab","conversation_uuid":"CON-aaaaaaaa-bbbb-cccc-dddd-0123456789ab"}`

func TestMiddleware(t *testing.T) {
	v := verifierAt(t, fixed, vonage.WithMaxBodyBytes(1024))
	var got vonage.Call
	var err error
	h := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, err = vonage.ParseCall(r)
		require.NoError(t, err)
	}))
	req := func(method, target, body, tok string) *http.Request {
		r := httptest.NewRequest(method, target, strings.NewReader(body))
		if tok != "" {
			r.Header.Set("Authorization", "Bearer "+tok)
		}
		return r
	}
	serve := func(r *http.Request) int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec.Code
	}
	good := refToken(t, sigSecret, fixed.Add(-10*time.Second), []byte(answerBody), nil)
	assert.Equal(t, http.StatusOK, serve(req(http.MethodPost, "/vonage/answer", answerBody, good)))
	assert.Equal(t, "aaaaaaaa-bbbb-cccc-dddd-0123456789ab", got.ID)
	assert.Equal(t, "447700900000", got.From)

	// A GET's payload_hash covers its query as a JSON object in the order
	// sent, written here by hand from Vonage's rule.
	getQuery := "uuid=u1&from=447700900000&to=447700900001&conversation_uuid=c1"
	getTok := refToken(t, sigSecret, fixed, []byte(`{"uuid":"u1","from":"447700900000","to":"447700900001","conversation_uuid":"c1"}`), nil)
	assert.Equal(t, http.StatusOK, serve(req(http.MethodGet, "/vonage/answer?"+getQuery, "", getTok)))
	assert.Equal(t, "u1", got.ID)
	assert.Equal(t, "c1", got.ConversationID)

	input := `{"uuid":"u2","dtmf":{"digits":"123456789","timed_out":false}}`
	assert.Equal(t, http.StatusOK, serve(req(http.MethodPost, "/vonage/pin", input, refToken(t, sigSecret, fixed, []byte(input), nil))))
	assert.Equal(t, "123456789", got.Digits)

	flipped := []byte(good)
	flipped[len(flipped)-5] ^= 1
	none := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"iat": fixed.Unix()})
	noneTok, _ := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	for name, r := range map[string]*http.Request{
		"flipped bit":      req(http.MethodPost, "/vonage/answer", answerBody, string(flipped)),
		"changed body":     req(http.MethodPost, "/vonage/answer", strings.Replace(answerBody, "447700900000", "447700900009", 1), good),
		"expired":          req(http.MethodPost, "/vonage/answer", answerBody, refToken(t, sigSecret, fixed.Add(-time.Hour), []byte(answerBody), nil)),
		"too old, no exp":  req(http.MethodPost, "/vonage/answer", answerBody, refToken(t, sigSecret, fixed.Add(-time.Hour), []byte(answerBody), jwt.MapClaims{"exp": fixed.Add(time.Hour).Unix()})),
		"not yet valid":    req(http.MethodPost, "/vonage/answer", answerBody, refToken(t, sigSecret, fixed, []byte(answerBody), jwt.MapClaims{"nbf": fixed.Add(time.Hour).Unix()})),
		"issued in future": req(http.MethodPost, "/vonage/answer", answerBody, refToken(t, sigSecret, fixed.Add(time.Hour), []byte(answerBody), nil)),
		"wrong key":        req(http.MethodPost, "/vonage/answer", answerBody, refToken(t, "other-secret", fixed, []byte(answerBody), nil)),
		"missing header":   req(http.MethodPost, "/vonage/answer", answerBody, ""),
		"no payload_hash":  req(http.MethodPost, "/vonage/answer", answerBody, refToken(t, sigSecret, fixed, nil, nil)),
		"alg none":         req(http.MethodPost, "/vonage/answer", "", noneTok),
		"no iat":           req(http.MethodGet, "/vonage/answer", "", refToken(t, sigSecret, fixed, nil, jwt.MapClaims{"iat": nil})),
		"GET, no hash":     req(http.MethodGet, "/vonage/answer?"+getQuery, "", refToken(t, sigSecret, fixed, nil, nil)),
		"GET, reordered":   req(http.MethodGet, "/vonage/answer?from=447700900000&uuid=u1&to=447700900001&conversation_uuid=c1", "", getTok),
		"GET with a body":  req(http.MethodGet, "/vonage/answer?"+getQuery, answerBody, refToken(t, sigSecret, fixed, []byte(answerBody), nil)),
		"basic, not bearer": func() *http.Request {
			r := req(http.MethodGet, "/", "", "")
			r.Header.Set("Authorization", "Basic "+good)
			return r
		}(),
	} {
		assert.Equal(t, http.StatusForbidden, serve(r), name)
	}
	big := strings.Repeat("x", 2000)
	assert.Equal(t, http.StatusRequestEntityTooLarge, serve(req(http.MethodPost, "/vonage/answer", big, refToken(t, sigSecret, fixed, []byte(big), nil))))
}

// The clock is the Verifier's, never the real date: a token minted at the
// fixed time is accepted years from now only by a Verifier on that clock.
func TestClockIsInjected(t *testing.T) {
	later := fixed.AddDate(7, 0, 0)
	v := verifierAt(t, later, vonage.WithLeeway(0))
	r := signedAt(t, http.MethodPost, "https://e.com/vonage/answer", []byte(answerBody), later.Add(-4*time.Minute))
	require.NoError(t, v.Verify(httptest.NewRecorder(), r))
	r = signedAt(t, http.MethodPost, "https://e.com/vonage/answer", []byte(answerBody), later.Add(-6*time.Minute))
	require.ErrorIs(t, v.Verify(httptest.NewRecorder(), r), vonage.ErrInvalidToken)
}

// A request built in process with http.NewRequest and a nil body has
// r.Body == nil: ParseCall reads it as an empty body, which is not JSON,
// and returns an error instead of panicking.
func TestParseCallNilBody(t *testing.T) {
	for _, method := range []string{http.MethodPost, http.MethodPut} {
		r, err := http.NewRequest(method, "https://e.com/vonage/answer", nil)
		require.NoError(t, err)
		require.Nil(t, r.Body)
		var c vonage.Call
		require.NotPanics(t, func() { c, err = vonage.ParseCall(r) }, method)
		require.Error(t, err, method)
		assert.Contains(t, err.Error(), "vonage: parsing webhook JSON", method)
		assert.Empty(t, c.ID)
	}
}

func TestNewSignedRequest(t *testing.T) {
	v := verifierAt(t, fixed)
	r := signedAt(t, http.MethodGet, "https://e.com/vonage/answer?uuid=u1", nil, fixed)
	require.NoError(t, v.Verify(httptest.NewRecorder(), r))
	r = signedAt(t, http.MethodPost, "https://e.com/vonage/answer", []byte(answerBody), fixed)
	require.NoError(t, v.Verify(httptest.NewRecorder(), r))
	c, err := vonage.ParseCall(r)
	require.NoError(t, err)
	assert.Equal(t, "CON-aaaaaaaa-bbbb-cccc-dddd-0123456789ab", c.ConversationID)

	// The package's token checks out with golang-jwt directly.
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(tok, claims, func(*jwt.Token) (any, error) { return []byte(sigSecret), nil },
		jwt.WithTimeFunc(func() time.Time { return fixed }))
	require.NoError(t, err)
	sum := sha256.Sum256([]byte(answerBody))
	assert.Equal(t, hex.EncodeToString(sum[:]), claims["payload_hash"])

	_, err = vonage.NewSignedRequest(http.MethodGet, "https://e.com/", sigSecret, []byte("x"), fixed)
	require.Error(t, err)
	_, err = vonage.NewSignedRequest(http.MethodPost, "https://e.com/", "", nil, fixed)
	require.Error(t, err)
	assert.NotContains(t, fmt.Sprint(err), sigSecret)
}

func TestSecretsNeverPrinted(t *testing.T) {
	v, err := vonage.NewVerifier(sigSecret)
	require.NoError(t, err)
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		assert.NotContains(t, fmt.Sprintf(f, v), sigSecret, f)
		assert.NotContains(t, fmt.Sprintf(f, *v), sigSecret, f)
	}
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(answerBody))
	r.Header.Set("Authorization", "Bearer "+refToken(t, "wrong", fixed, []byte(answerBody), nil))
	err = v.Verify(httptest.NewRecorder(), r)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), sigSecret)
}

// TestPOSTWithoutABodyIsRefused: a token captured from any signed POST,
// replayed with the body left out and the call described in the URL's
// query, must not be accepted.
func TestPOSTWithoutABodyIsRefused(t *testing.T) {
	v := verifierAt(t, fixed)
	reached := 0
	h := v.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached++ }))
	captured := refToken(t, sigSecret, fixed, []byte(answerBody), nil)
	for _, tok := range []string{captured, refToken(t, sigSecret, fixed, nil, nil)} {
		r := httptest.NewRequest(http.MethodPost, "/vonage/voice?from=447700900002&to=447700900003", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		assert.Equal(t, http.StatusForbidden, rec.Code)
	}
	assert.Zero(t, reached)
}

// TestGETQueryIsSigned: Vonage's payload_hash of a GET covers its query, so
// a token minted for one caller's number must not vouch for another.
func TestGETQueryIsSigned(t *testing.T) {
	v := verifierAt(t, fixed)
	r := signedAt(t, http.MethodGet, "https://e.com/vonage/answer?From=447700900000", nil, fixed)
	require.NoError(t, v.Verify(httptest.NewRecorder(), r))
	r.URL.RawQuery = "From=447700900001"
	require.ErrorIs(t, v.Verify(httptest.NewRecorder(), r), vonage.ErrPayloadHash)
}

func TestQueryPayload(t *testing.T) {
	// Expected texts written by hand from Vonage's rule (object of the query
	// parameters in the order sent, converted to a JSON string with no
	// whitespace) and JSON.stringify's escaping.
	for raw, want := range map[string]string{
		"":                          `{}`,
		"&&":                        `{}`,
		"b=2&a=1":                   `{"b":"2","a":"1"}`,
		"from=%2B447700900000":      `{"from":"+447700900000"}`,
		"name=John+Doe&debug":       `{"name":"John Doe","debug":""}`,
		"x=%3C%3E%26%2F":            `{"x":"<>&/"}`,
		"q=%22%5C":                  `{"q":"\"\\"}`,
		"c=%08%09%0A%0C%0D%01%1F":   `{"c":"\b\t\n\f\r\u0001\u001f"}`,
		"d=%7F%E2%80%A8%E2%80%A9":   "{\"d\":\"\x7f\u2028\u2029\"}",
		"%C3%A9=%F0%9F%98%80":       `{"é":"😀"}`,
		"=empty-name":               `{"":"empty-name"}`,
		"uuid=u1&from=1&to=2&z=%20": `{"uuid":"u1","from":"1","to":"2","z":" "}`,
	} {
		got, err := vonage.QueryPayload(raw)
		require.NoError(t, err, raw)
		assert.Equal(t, want, string(got), raw)
	}
	for raw, want := range map[string]error{
		"a=1&a=2":     vonage.ErrQueryRepeated,
		"a=1&b&a":     vonage.ErrQueryRepeated,
		"a=%FF":       vonage.ErrQueryUTF8,
		"%ED%A0%80=x": vonage.ErrQueryUTF8,
		"a=1;b=2":     vonage.ErrQuerySyntax,
		"a=%zz":       vonage.ErrQuerySyntax,
	} {
		_, err := vonage.QueryPayload(raw)
		assert.ErrorIs(t, err, want, raw)
	}
}

// TestGETWithoutParameters: nothing to tamper with, so the token may leave
// payload_hash out; one it has must be the hash of "{}".
func TestGETWithoutParameters(t *testing.T) {
	v := verifierAt(t, fixed)
	check := func(target, tok string) error {
		r := httptest.NewRequest(http.MethodGet, target, nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		return v.Verify(httptest.NewRecorder(), r)
	}
	require.NoError(t, check("/vonage/answer", refToken(t, sigSecret, fixed, nil, nil)))
	require.NoError(t, check("/vonage/answer", refToken(t, sigSecret, fixed, []byte("{}"), nil)))
	require.NoError(t, check("/vonage/answer?", refToken(t, sigSecret, fixed, []byte("{}"), nil)))
	require.ErrorIs(t, check("/vonage/answer", refToken(t, sigSecret, fixed, []byte(answerBody), nil)), vonage.ErrPayloadHash)
	require.ErrorIs(t, check("/vonage/answer?uuid=u1", refToken(t, sigSecret, fixed, []byte("{}"), nil)), vonage.ErrPayloadHash)
	// A repeated name is refused even with a hash of either reading.
	for _, payload := range []string{`{"a":"1"}`, `{"a":"2"}`, `{"a":["1","2"]}`} {
		err := check("/vonage/answer?a=1&a=2", refToken(t, sigSecret, fixed, []byte(payload), nil))
		require.ErrorIs(t, err, vonage.ErrPayloadHash, payload)
		require.ErrorIs(t, err, vonage.ErrQueryRepeated, payload)
	}
	_, err := vonage.NewSignedRequest(http.MethodGet, "https://e.com/?a=1&a=2", sigSecret, nil, fixed)
	require.ErrorIs(t, err, vonage.ErrQueryRepeated)
	assert.NotContains(t, err.Error(), sigSecret)
}

// TestPublicAPI pins the exported names of the package and checks that
// each is documented.
func TestPublicAPI(t *testing.T) {
	want := []string{
		"Action", "Call", "CheckCredentials", "Config", "Config.Format", "Config.GoString", "Config.LogValue",
		"Config.MarshalJSON", "Config.String", "Connect", "ContentType", "DTMF", "DefaultLeeway", "DefaultMaxAge",
		"DefaultMaxBodyBytes", "ErrBodyTooLarge", "ErrCredentials", "ErrDuplicate", "ErrEnum", "ErrHeaderName",
		"ErrInvalidChar", "ErrInvalidToken", "ErrInvalidUTF8", "ErrMissingToken", "ErrNilAction", "ErrNoUUID",
		"ErrPayloadHash", "ErrQueryRepeated", "ErrQuerySyntax", "ErrQueryUTF8", "ErrRange", "ErrRequired", "ErrTooLong",
		"ErrWholeUnits", "Error", "Error.Error", "Error.Unwrap", "Header", "Input", "LoopForever", "MaxDigits",
		"MaxHeaderValueLen", "MaxTalkRunes", "MaxURILen", "Method", "MethodGet", "MethodPost", "NCCO", "NCCO.AppendJSON",
		"NCCO.MarshalJSON", "NCCO.WriteHTTP", "NCCO.WriteTo", "NewCarrier", "NewSignedRequest", "NewVerifier", "ParseCall",
		"QueryPayload", "SIPEndpoint", "Talk", "Verifier", "Verifier.Middleware", "Verifier.Verify", "VerifierOption",
		"WithClock", "WithLeeway", "WithMaxAge", "WithMaxBodyBytes",
	}
	apisurface.Check(t, ".", want)
}

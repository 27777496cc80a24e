package plivo_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/carrier/carriertest"
	"github.com/hmssip/interconnect-go/carrier/plivo"
	"github.com/hmssip/interconnect-go/internal/apisurface"
	"github.com/hmssip/interconnect-go/pins"
	"github.com/hmssip/interconnect-go/sipconnect"
)

const plivoToken = "plivo-auth-token-0123456789abcdef"

// plivoRequest signs a request as Plivo signs with signature V3, written
// out here from REFERENCE §7 apart from package plivo: HMAC-SHA256 of
// U + "." + nonce, U being scheme://host/path, then "?" and, for a POST,
// the query sorted as k=v&... and "." before the body parameters sorted
// as k1v1k2v2 (the query part and "." only when there is a query); for a
// GET the query sorted as k=v&....
func plivoRequest(t *testing.T, token, method, fullURL string, params url.Values) *http.Request {
	t.Helper()
	base, query, _ := strings.Cut(fullURL, "?")
	sortedQuery := func(raw string) string {
		pairs := strings.Split(raw, "&")
		sort.Strings(pairs)
		return strings.Join(pairs, "&")
	}
	var req *http.Request
	var err error
	u := base
	if method == http.MethodGet {
		if len(params) > 0 {
			if query != "" {
				query += "&"
			}
			query += params.Encode()
		}
		if query != "" {
			u += "?" + sortedQuery(query)
			fullURL = base + "?" + query
		}
		req, err = http.NewRequest(method, fullURL, nil)
	} else {
		keys := make([]string, 0, len(params))
		for k := range params {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var body strings.Builder
		for _, k := range keys {
			body.WriteString(k + params.Get(k))
		}
		switch {
		case query != "" && body.Len() > 0:
			u += "?" + sortedQuery(query) + "." + body.String()
		case query != "":
			u += "?" + sortedQuery(query)
		case body.Len() > 0:
			u += "?" + body.String()
		}
		req, err = http.NewRequest(method, fullURL, strings.NewReader(params.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	require.NoError(t, err)
	const nonce = "12345678901234567890"
	mac := hmac.New(sha256.New, []byte(token))
	mac.Write([]byte(u + "." + nonce))
	req.Header.Set("X-Plivo-Signature-V3", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	req.Header.Set("X-Plivo-Signature-V3-Nonce", nonce)
	return req
}

func plivoCall(extra ...string) url.Values {
	// Plivo sends numbers without "+".
	return carriertest.WithParams(url.Values{"CallUUID": {"plivo-call-0123"}, "From": {strings.TrimPrefix(carriertest.CallerPhone, "+")},
		"To": {"18005550100"}, "CallStatus": {"ringing"}, "Direction": {"inbound"}}, extra...)
}

func plivoHandlerConfig() sipconnect.HandlerConfig {
	return sipconnect.HandlerConfig{
		Carrier: plivo.NewCarrier(plivo.Config{
			AuthToken: plivoToken,
			Dial:      plivo.Dial{Action: "/hooks/dial-status", Timeout: 30 * time.Second},
		}),
	}
}

// plivoAnswer is a Plivo XML answer as encoding/xml reads it.
type plivoAnswer struct {
	XMLName xml.Name `xml:"Response"`
	Dial    *struct {
		Action  string `xml:"action,attr"`
		Timeout string `xml:"timeout,attr"`
		User    []struct {
			SIPHeaders string `xml:"sipHeaders,attr"`
			URI        string `xml:",chardata"`
		} `xml:"User"`
	} `xml:"Dial"`
	GetInput *struct {
		Action           string   `xml:"action,attr"`
		Method           string   `xml:"method,attr"`
		InputType        string   `xml:"inputType,attr"`
		ExecutionTimeout string   `xml:"executionTimeout,attr"`
		DigitEndTimeout  string   `xml:"digitEndTimeout,attr"`
		FinishOnKey      string   `xml:"finishOnKey,attr"`
		Log              string   `xml:"log,attr"`
		Speak            []string `xml:"Speak"`
	} `xml:"GetInput"`
	Redirect *struct {
		Method string `xml:"method,attr"`
		URL    string `xml:",chardata"`
	} `xml:"Redirect"`
	Speak  []string  `xml:"Speak"`
	Hangup *struct{} `xml:"Hangup"`
}

func decodePlivo(t *testing.T, body string) plivoAnswer {
	t.Helper()
	return carriertest.DecodeXML[plivoAnswer](t, body)
}

// plivoCarrier is Plivo to the carrier contract: Plivo XML answers to webhooks
// sent by method, and no SIP credentials.
func plivoCarrier(method string) carriertest.Carrier {
	return carriertest.Carrier{
		Title: "Plivo", Config: plivoHandlerConfig, Method: method,
		Request: func(t *testing.T, method, u string, p carriertest.Params) *http.Request {
			return plivoRequest(t, plivoToken, method, u, p.Form(plivoCall()))
		},
		CallID:          "plivo-call-0123",
		ErrBodyTooLarge: plivo.ErrBodyTooLarge,
		ContentType:     "text/xml; charset=utf-8",
		Decode: func(t *testing.T, body string) carriertest.Answer {
			x := decodePlivo(t, body)
			a := carriertest.Answer{Prompts: x.Speak}
			if x.GetInput != nil {
				a.Prompts, a.Action = append(a.Prompts, x.GetInput.Speak...), x.GetInput.Action
			}
			for i := 0; x.Dial != nil && i < len(x.Dial.User); i++ {
				u := x.Dial.User[i]
				sip := carriertest.SIP{URI: u.URI}
				if u.SIPHeaders != "" { // Plivo sends each name=value pair as X-PH-name.
					sip.Headers = map[string]string{}
					for h := range strings.SplitSeq(u.SIPHeaders, ",") {
						name, value, _ := strings.Cut(h, "=")
						sip.Headers["X-PH-"+name] = value
					}
				}
				a.Dial = append(a.Dial, sip)
			}
			return a
		},
		// Written by hand from Plivo's <Dial> and <User> pages: no
		// credentials (Plivo has no attribute for them), the X-100ms
		// headers in the URI.
		Example: func(base string) string {
			return `<?xml version="1.0" encoding="UTF-8"?><Response><Dial action="` + base + `/hooks/dial-status" timeout="30">` +
				`<User>sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20Doe&amp;X-100ms-UserID=xyz</User></Dial></Response>`
		},
		Bridged: carriertest.SIP{URI: carriertest.ExampleURI},
		Goodbye: func(prompt string) string {
			if prompt != "" {
				prompt = "<Speak>" + prompt + "</Speak>"
			}
			return `<?xml version="1.0" encoding="UTF-8"?><Response>` + prompt + `<Hangup/></Response>`
		},
		PINPrompt: func(t *testing.T, body string) {
			a := decodePlivo(t, body).GetInput
			assert.Equal(t, []string{"POST", "dtmf", "6", "6", "#"}, []string{a.Method, a.InputType, a.ExecutionTimeout, a.DigitEndTimeout, a.FinishOnKey})
			assert.Equal(t, "false", a.Log, "the PIN stays out of Plivo's logs")
			r := decodePlivo(t, body).Redirect
			require.NotNil(t, r, "silence after <GetInput> comes back to the step")
			assert.Equal(t, a.Action, r.URL)
		},
		DialFailed: carriertest.Params{"DialStatus": "timeout", "DialALegUUID": "plivo-call-0123", "DialBLegUUID": "", "DialHangupCause": "NO_ANSWER"},
		Failed:     sipconnect.DialStatus{CallSid: "plivo-call-0123", DialCallStatus: "no-answer", Form: url.Values{"DialStatus": {"timeout"}}},
		DialDone:   carriertest.Params{"DialStatus": "completed", "DialBLegUUID": "leg-b"},
		Done:       sipconnect.DialStatus{CallSid: "plivo-call-0123", DialCallSid: "leg-b", DialCallStatus: "completed"},
	}
}

func TestPlivoContract(t *testing.T) {
	for _, method := range []string{http.MethodPost, http.MethodGet} {
		t.Run(method, func(t *testing.T) { carriertest.Run(t, plivoCarrier(method)) })
	}
}

func TestPlivoSignatureFailures(t *testing.T) {
	s := carriertest.ServeExample(t, plivoHandlerConfig())
	u := s.URL() + "/hooks/voice"
	cases := map[string]func() *http.Request{
		"flipped bit": func() *http.Request {
			r := plivoRequest(t, plivoToken, http.MethodPost, u, plivoCall())
			sig, _ := base64.StdEncoding.DecodeString(r.Header.Get("X-Plivo-Signature-V3"))
			sig[0] ^= 1
			r.Header.Set("X-Plivo-Signature-V3", base64.StdEncoding.EncodeToString(sig))
			return r
		},
		"changed parameter": func() *http.Request {
			r := plivoRequest(t, plivoToken, http.MethodPost, u, plivoCall())
			r2, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(plivoCall("From", "14155550199").Encode()))
			r2.Header = r.Header
			return r2
		},
		"changed nonce": func() *http.Request {
			r := plivoRequest(t, plivoToken, http.MethodPost, u, plivoCall())
			r.Header.Set("X-Plivo-Signature-V3-Nonce", "other-nonce")
			return r
		},
		"wrong token": func() *http.Request { return plivoRequest(t, "other-token", http.MethodPost, u, plivoCall()) },
		"missing nonce": func() *http.Request {
			r := plivoRequest(t, plivoToken, http.MethodPost, u, plivoCall())
			r.Header.Del("X-Plivo-Signature-V3-Nonce")
			return r
		},
		"missing header": func() *http.Request {
			r := plivoRequest(t, plivoToken, http.MethodPost, u, plivoCall())
			r.Header.Del("X-Plivo-Signature-V3")
			return r
		},
		"GET query moved": func() *http.Request {
			r := plivoRequest(t, plivoToken, http.MethodGet, u, plivoCall())
			r.URL.RawQuery += "&Digits=1"
			return r
		},
	}
	carriertest.AssertForbidden(t, s, "Plivo", cases)
	// During key rotation Plivo sends several signatures, comma-separated.
	r := plivoRequest(t, plivoToken, http.MethodPost, u, plivoCall())
	r.Header.Set("X-Plivo-Signature-V3", plivoRequest(t, "old-token", http.MethodPost, u, plivoCall()).Header.Get("X-Plivo-Signature-V3")+","+r.Header.Get("X-Plivo-Signature-V3"))
	status, _, _ := s.Do(t, r)
	assert.Equal(t, http.StatusOK, status)
}

func TestPlivoRefusesWhatItCannotExpress(t *testing.T) {
	carriertest.AssertRefused(t, plivoHandlerConfig, map[string]carriertest.Refusal{
		"SIP credentials": {func(c *sipconnect.HandlerConfig) {
			c.Credentials = sipconnect.Credentials{Username: "U", Password: "P"}
		},
			"HandlerConfig.Credentials cannot be sent by Plivo (plivo: Response/Dial/User attribute username: no SIP username or password attribute on Plivo's <User> noun): leave them empty"},
		"SIP password alone": {func(c *sipconnect.HandlerConfig) { c.Credentials = sipconnect.Credentials{Password: "P"} },
			"attribute password"},
		"X-100ms header in sipHeaders": {func(c *sipconnect.HandlerConfig) {
			c.Carrier = plivo.NewCarrier(plivo.Config{AuthToken: plivoToken,
				User: plivo.User{SIPHeaders: []plivo.Header{{Name: "X-100ms-Display-Name", Value: "John"}}}})
		}, "X-100ms-Display-Name and X-100ms-UserID cannot be sent this way; put them in the SIP URI"},
		"URI in User": {func(c *sipconnect.HandlerConfig) {
			c.Carrier = plivo.NewCarrier(plivo.Config{AuthToken: plivoToken, User: plivo.User{URI: "sip:x@y"}})
		}, "Config.User.URI: leave it empty"},
		"no auth token": {func(c *sipconnect.HandlerConfig) { c.Carrier = plivo.NewCarrier(plivo.Config{}) },
			"Config.AuthToken is required"},
		"no public URL": {func(c *sipconnect.HandlerConfig) { c.PublicURL = "" }, "HandlerConfig.PublicURL is required with Plivo"},
		"Twilio voice": {func(c *sipconnect.HandlerConfig) {
			c.Carrier = plivo.NewCarrier(plivo.Config{AuthToken: plivoToken, Fallback: sipconnect.Prompt{Text: "x", Voice: "alice"}})
		}, "Config.Fallback: plivo:"},
		"PIN timeout over Plivo's 10s between digits": {func(c *sipconnect.HandlerConfig) {
			c.PIN = &pins.Config{Resolver: carriertest.PINResolver(), Timeout: 15 * time.Second}
		}, "plivo: pins.Config.Timeout 15s"},
	}, plivoToken, `"P"`)
}

func TestPlivoConfigShowsNoSecret(t *testing.T) {
	cfg := plivo.Config{AuthToken: plivoToken}
	carriertest.AssertNoSecret(t, cfg, plivoToken)
	carriertest.AssertNoSecret(t, plivo.NewCarrier(cfg), plivoToken)
}

const (
	token = "MAMDA5ZDJIMDM1NZVMZD"
	nonce = "05429567804466091622"
	base  = "https://voice.example.com/prefix"
)

// refSign is Plivo's V3 signature written out by hand, independently of
// the package: the caller spells out the string U that plivo-go's
// GenerateUrl builds, and this signs U + "." + nonce.
func refSign(key, u, nonce string) string {
	h := hmac.New(sha256.New, []byte(key))
	h.Write([]byte(u + "." + nonce))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

var answerParams = url.Values{
	"CallUUID": {"2fd6b1cc-9a3e-11ee-b9d1-0242ac120002"},
	"From":     {"+14155550100"},
	"To":       {"+14155550199"},
	"Digits":   {"1234#"},
}

func TestSignatureVectors(t *testing.T) {
	tests := []struct {
		name, method, url string
		params            url.Values
		u                 string // U as plivo-go's GenerateUrl builds it, written by hand
	}{
		{
			"POST with query", http.MethodPost, base + "/plivo/voice?step=2&attempt=1", answerParams,
			base + "/plivo/voice?attempt=1&step=2.CallUUID2fd6b1cc-9a3e-11ee-b9d1-0242ac120002Digits1234#From+14155550100To+14155550199",
		},
		{
			"POST without query", http.MethodPost, base + "/plivo/voice", answerParams,
			base + "/plivo/voice?CallUUID2fd6b1cc-9a3e-11ee-b9d1-0242ac120002Digits1234#From+14155550100To+14155550199",
		},
		{
			"POST with query, no body", http.MethodPost, base + "/plivo/voice?attempt=1", nil,
			base + "/plivo/voice?attempt=1",
		},
		{
			"GET", http.MethodGet, base + "/plivo/voice?To=%2B14155550199&From=%2B14155550100&CallUUID=abc", nil,
			base + "/plivo/voice?CallUUID=abc&From=+14155550100&To=+14155550199",
		},
		{
			"GET without query", http.MethodGet, base + "/plivo/voice", nil,
			base + "/plivo/voice",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := refSign(token, tt.u, nonce)
			got, err := plivo.SignatureV3(token, tt.method, tt.url, nonce, tt.params)
			require.NoError(t, err)
			assert.Equal(t, want, got)
			assert.True(t, plivo.ValidateSignatureV3(token, tt.method, tt.url, nonce, tt.params, want))
			assert.False(t, plivo.ValidateSignatureV3("other", tt.method, tt.url, nonce, tt.params, want))
			assert.False(t, plivo.ValidateSignatureV3(token, tt.method, tt.url, nonce+"1", tt.params, want))
		})
	}
}

func TestSignatureRotation(t *testing.T) {
	u := base + "/plivo/voice?CallUUID2fd6b1cc-9a3e-11ee-b9d1-0242ac120002Digits1234#From+14155550100To+14155550199"
	old, cur := refSign("old-token", u, nonce), refSign(token, u, nonce)
	assert.True(t, plivo.ValidateSignatureV3(token, http.MethodPost, base+"/plivo/voice", nonce, answerParams, old+","+cur))
	assert.True(t, plivo.ValidateSignatureV3(token, http.MethodPost, base+"/plivo/voice", nonce, answerParams, old+", "+cur))
	assert.False(t, plivo.ValidateSignatureV3(token, http.MethodPost, base+"/plivo/voice", nonce, answerParams, old+","+old))
	_, err := plivo.SignatureV3(token, http.MethodPost, base, nonce, url.Values{"a": {"1", "2"}})
	require.Error(t, err)
}

func TestMiddleware(t *testing.T) {
	v, err := plivo.NewVerifier(token, base, plivo.WithMaxBodyBytes(1024))
	require.NoError(t, err)
	var got plivo.Call
	h := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, err = plivo.ParseCall(r)
		require.NoError(t, err)
		w.WriteHeader(http.StatusOK)
	}))
	// The server sees only the path: the public base comes from configuration.
	serve := func(req *http.Request) int {
		req.Host = "attacker.example"
		req.RequestURI = strings.TrimPrefix(req.URL.String(), base) // a proxy strips /prefix
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	postU := base + "/plivo/voice?attempt=1.CallUUID2fd6b1cc-9a3e-11ee-b9d1-0242ac120002Digits1234#From+14155550100To+14155550199"
	post := func(sig string, params url.Values, body string) *http.Request {
		if body == "" {
			body = params.Encode()
		}
		r := httptest.NewRequest(http.MethodPost, base+"/plivo/voice?attempt=1", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if sig != "" {
			r.Header.Set(plivo.SignatureHeader, sig)
			r.Header.Set(plivo.NonceHeader, nonce)
		}
		return r
	}
	good := refSign(token, postU, nonce)

	assert.Equal(t, http.StatusOK, serve(post(good, answerParams, "")))
	assert.Equal(t, "2fd6b1cc-9a3e-11ee-b9d1-0242ac120002", got.ID)
	assert.Equal(t, "1234#", got.Digits)
	assert.Equal(t, http.StatusOK, serve(post("bogus,"+good, answerParams, "")), "rotation: second signature matches")

	flipped := []byte(good)
	flipped[3] ^= 1
	changed := url.Values{}
	for k, vs := range answerParams {
		changed[k] = vs
	}
	changed.Set("Digits", "9999#")
	for name, req := range map[string]*http.Request{
		"flipped bit":       post(string(flipped), answerParams, ""),
		"changed parameter": post(good, changed, ""),
		"wrong key":         post(refSign("wrong", postU, nonce), answerParams, ""),
		"missing header":    post("", answerParams, ""),
		"repeated param":    post(good, nil, answerParams.Encode()+"&Digits=1"),
	} {
		assert.Equal(t, http.StatusForbidden, serve(req), name)
	}
	big := post(good, nil, "x="+strings.Repeat("a", 2000))
	assert.Equal(t, http.StatusRequestEntityTooLarge, serve(big))

	getURL := base + "/plivo/voice?CallUUID=abc&From=%2B1555"
	gr := httptest.NewRequest(http.MethodGet, getURL, nil)
	gr.Header.Set(plivo.SignatureHeader, refSign(token, base+"/plivo/voice?CallUUID=abc&From=+1555", nonce))
	gr.Header.Set(plivo.NonceHeader, nonce)
	assert.Equal(t, http.StatusOK, serve(gr))
	assert.Equal(t, "+1555", got.From)
}

func TestNewSignedRequest(t *testing.T) {
	const base = "https://voice.example.com"
	v, err := plivo.NewVerifier(token, base)
	require.NoError(t, err)
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		req, err := plivo.NewSignedRequest(m, base+"/plivo/voice?attempt=2", token, nonce, answerParams)
		require.NoError(t, err)
		require.NoError(t, v.Verify(httptest.NewRecorder(), req), m)
		c, err := plivo.ParseCall(req)
		require.NoError(t, err)
		assert.Equal(t, "+14155550100", c.From)
	}
	_, err = plivo.NewSignedRequest(http.MethodPut, base, token, nonce, nil)
	require.Error(t, err)
	_, err = plivo.NewSignedRequest(http.MethodGet, base, "", nonce, nil)
	require.Error(t, err)
}

func TestSecretsNeverPrinted(t *testing.T) {
	v, err := plivo.NewVerifier(token, base)
	require.NoError(t, err)
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		assert.NotContains(t, fmt.Sprintf(f, v), token, f)
		assert.NotContains(t, fmt.Sprintf(f, *v), token, f)
	}
	_, err = plivo.NewVerifier(token, "ftp://x")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), token)
	// Nor the public base URL's password.
	_, err = plivo.NewVerifier(token, "https://hook:s3cr3t-pass@voice.example.com/answer#frag")
	require.Error(t, err)
	assert.EqualError(t, err, "plivo: public base URL has a fragment: want http(s)://host[/prefix]")
	req, err := plivo.NewSignedRequest(http.MethodPost, base, token, nonce, answerParams)
	require.NoError(t, err)
	body, _ := io.ReadAll(req.Body)
	assert.NotContains(t, string(body), token)
}

// TestQueryThatTheSignatureCannotPinDown: plivo-go's signed string keeps
// one value of a query name, and drops a pair holding ';' or an invalid
// escape, while a handler may read every pair: a signed GET with a name
// added (in front, behind, escaped, bare) must be refused, not read with
// the added value.
func TestQueryThatTheSignatureCannotPinDown(t *testing.T) {
	v, err := plivo.NewVerifier(token, base)
	require.NoError(t, err)
	var reached int
	h := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached++ }))
	signed, err := plivo.NewSignedRequest(http.MethodGet, base+"/plivo/pin?attempt=1", token, nonce,
		url.Values{"Digits": {"9999"}, "From": {"+14155550100"}})
	require.NoError(t, err)
	serve := func(rawQuery string) int {
		req := httptest.NewRequest(http.MethodGet, base+"/plivo/pin?"+rawQuery, nil)
		req.RequestURI = "/plivo/pin?" + rawQuery // as the server sees it behind the public base
		req.Header = signed.Header.Clone()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	require.Equal(t, http.StatusOK, serve(signed.URL.RawQuery), "the signed request itself")
	for _, forged := range []string{
		"Digits=0000&" + signed.URL.RawQuery,                             // a second Digits, read first by a handler
		"From=%2B10000000001&" + signed.URL.RawQuery,                     // a second From
		"attempt=1&" + signed.URL.RawQuery,                               // the same value twice
		"Dig%69ts=0000&" + signed.URL.RawQuery,                           // the same name, escaped
		signed.URL.RawQuery + "&Digits",                                  // a bare name repeated
		signed.URL.RawQuery + "&Digits=0000",                             // a second Digits, behind
		signed.URL.RawQuery + "&x=1;y=2",                                 // a pair net/url drops
		strings.Replace(signed.URL.RawQuery, "Digits=", "Digits=%zz", 1), // a value that does not decode
	} {
		assert.Equal(t, http.StatusForbidden, serve(forged), forged)
	}
	assert.Equal(t, 1, reached)
}

// TestDecodedQuery: plivo-go (since 2020), plivo-python and plivo-node sign
// the decoded query, so %-escapes and '+' are signed as the characters they
// stand for and a bare name as "name=".
func TestDecodedQuery(t *testing.T) {
	const host = "https://voice.example.com"
	v, err := plivo.NewVerifier(token, host)
	require.NoError(t, err)
	verify := func(method, target, body, sig string) error {
		var r *http.Request
		if method == http.MethodGet {
			r = httptest.NewRequest(method, target, nil)
		} else {
			r = httptest.NewRequest(method, target, strings.NewReader(body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		r.Header.Set(plivo.SignatureHeader, sig)
		r.Header.Set(plivo.NonceHeader, nonce)
		return v.Verify(httptest.NewRecorder(), r)
	}

	// plivo-go v7.60.2's ComputeSignatureV3("tok", <URL>, "GET", "n", nil).
	const goSig = "F3DbZPXwY212iNSDtV5uxApVdi+CQB4Eap+t3Gc5sa8="
	escaped := host + "/hooks/voice?CallUUID=abc&From=%2B14155550100"
	got, err := plivo.SignatureV3("tok", http.MethodGet, escaped, "n", nil)
	require.NoError(t, err)
	assert.Equal(t, goSig, got)
	assert.Equal(t, refSign("tok", host+"/hooks/voice?CallUUID=abc&From=+14155550100", "n"), goSig)

	sig := refSign(token, host+"/hooks/voice?CallUUID=abc&From=+14155550100", nonce)
	require.NoError(t, verify(http.MethodGet, escaped, "", sig), "a %-escape in a GET query")
	require.NoError(t, verify(http.MethodGet, host+"/hooks/voice?CallUUID=abc&From=%2b14155550100", "", sig), "lower-case hex")
	// '+' is a space: the same signature on From=+1... is someone else's number.
	assert.ErrorIs(t, verify(http.MethodGet, host+"/hooks/voice?CallUUID=abc&From=+14155550100", "", sig), plivo.ErrInvalidSignature)

	postSig := refSign(token, host+"/hooks/voice?next=a b/é.CallUUIDabcFrom+14155550100", nonce)
	require.NoError(t, verify(http.MethodPost, host+"/hooks/voice?next=a+b%2F%C3%A9", "From=%2B14155550100&CallUUID=abc", postSig), "a POST with an escaped query")
	assert.ErrorIs(t, verify(http.MethodPost, host+"/hooks/voice?next=a%2Bb%2F%C3%A9", "From=%2B14155550100&CallUUID=abc", postSig), plivo.ErrInvalidSignature)

	bare := refSign(token, host+"/hooks/voice?CallUUID=abc&debug=", nonce)
	require.NoError(t, verify(http.MethodGet, host+"/hooks/voice?debug&CallUUID=abc", "", bare), "a bare name is signed as name=")
	require.NoError(t, verify(http.MethodGet, host+"/hooks/voice?debug=&CallUUID=abc", "", bare))
	assert.ErrorIs(t, verify(http.MethodGet, host+"/hooks/voice?debug=1&CallUUID=abc", "", bare), plivo.ErrInvalidSignature)

	// The decoded path, as plivo-go's parsedUrl.Path.
	pathSig := refSign(token, host+"/hooks/a b?x=1", nonce)
	require.NoError(t, verify(http.MethodGet, host+"/hooks/a%20b?x=1", "", pathSig))
}

// TestNewSignedRequestOnAnEmptyQuery: a URL ending in '?' gets the
// parameters right after it, and the Verifier accepts the request.
func TestNewSignedRequestOnAnEmptyQuery(t *testing.T) {
	const host = "https://voice.example.com"
	v, err := plivo.NewVerifier(token, host)
	require.NoError(t, err)
	req, err := plivo.NewSignedRequest(http.MethodGet, host+"/plivo/voice?", token, nonce, url.Values{"From": {"+14155550100"}})
	require.NoError(t, err)
	assert.Equal(t, "From=%2B14155550100", req.URL.RawQuery)
	require.NoError(t, v.Verify(httptest.NewRecorder(), req))
	assert.Equal(t, refSign(token, host+"/plivo/voice?From=+14155550100", nonce), req.Header.Get(plivo.SignatureHeader))
}

// TestTrimmedValues: plivo-go trims every trailing '.' of a POST's signed
// string and every trailing '&' of the sorted query, so a last value ending
// in one of them is not covered in full (and plivo-node keeps it): SignatureV3
// computes what plivo-go sends, the Verifier refuses it.
func TestTrimmedValues(t *testing.T) {
	const host = "https://voice.example.com"
	for _, tt := range []struct {
		method, url string
		params      url.Values
		u           string
	}{
		{http.MethodPost, host + "/v?a=1", url.Values{"Digits": {"12.."}}, host + "/v?a=1.Digits12"},
		{http.MethodPost, host + "/v?a=1.", nil, host + "/v?a=1"},
		{http.MethodPost, host + "/v?a=1", url.Values{"b.": {""}}, host + "/v?a=1.b"},
		{http.MethodGet, host + "/v?a=1&b=x%26", nil, host + "/v?a=1&b=x"},
		{http.MethodPost, host + "/v?a=1&b=x%26", url.Values{"c": {"2"}}, host + "/v?a=1&b=x.c2"},
		{http.MethodGet, host + "/v", url.Values{"b": {"x&&"}}, host + "/v?b=x"},
	} {
		want := refSign(token, tt.u, nonce)
		got, err := plivo.SignatureV3(token, tt.method, tt.url, nonce, tt.params)
		require.NoError(t, err)
		assert.Equal(t, want, got, tt.url)
		assert.False(t, plivo.ValidateSignatureV3(token, tt.method, tt.url, nonce, tt.params, want), tt.url)
	}
	// A trailing '.' of the query is no loss when a body follows it.
	u := host + "/v?a=1..Digits12"
	assert.True(t, plivo.ValidateSignatureV3(token, http.MethodPost, host+"/v?a=1.", nonce, url.Values{"Digits": {"12"}}, refSign(token, u, nonce)))
}

// TestEmptyQueryPairs: empty pairs between others are skipped, as plivo-go
// and plivo-node both do; a query of empty pairs only is signed by plivo-go
// as a lone "?" and by plivo-node not at all, and is refused.
func TestEmptyQueryPairs(t *testing.T) {
	const host = "https://voice.example.com"
	assert.True(t, plivo.ValidateSignatureV3(token, http.MethodGet, host+"/v?a=1&&b=2&", nonce, nil, refSign(token, host+"/v?a=1&b=2", nonce)))
	assert.False(t, plivo.ValidateSignatureV3(token, http.MethodGet, host+"/v?&&", nonce, nil, refSign(token, host+"/v?", nonce)))
	_, err := plivo.SignatureV3(token, http.MethodGet, host+"/v?&&", nonce, nil)
	require.Error(t, err)
	assert.False(t, plivo.ValidateSignatureV3(token, http.MethodPost, host+"/v?&", nonce, answerParams,
		refSign(token, host+"/v?.CallUUID2fd6b1cc-9a3e-11ee-b9d1-0242ac120002Digits1234#From+14155550100To+14155550199", nonce)))
}

// Checked by hand against Plivo's XML pages: <Redirect> holds the URL as
// text and takes method (GET or POST); after a <GetInput> that received
// nothing, Plivo goes on to it.
func TestRedirect(t *testing.T) {
	const action = "https://example.com/plivo/pin?attempt=1&x=<y>"
	doc := &plivo.Response{Verbs: []plivo.Verb{
		&plivo.GetInput{Action: action, InputType: plivo.InputDTMF, Prompts: []*plivo.Speak{{Text: "PIN?"}}},
		&plivo.Redirect{URL: action, Method: plivo.MethodPost},
	}}
	got, err := doc.AppendXML(nil)
	require.NoError(t, err)
	assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?><Response>`+
		`<GetInput action="https://example.com/plivo/pin?attempt=1&amp;x=&lt;y&gt;" inputType="dtmf"><Speak>PIN?</Speak></GetInput>`+
		`<Redirect method="POST">https://example.com/plivo/pin?attempt=1&amp;x=&lt;y&gt;</Redirect></Response>`, string(got))
	d := decodePlivo(t, string(got))
	require.NotNil(t, d.Redirect)
	assert.Equal(t, action, d.Redirect.URL)
	assert.Equal(t, "POST", d.Redirect.Method)

	got, err = (&plivo.Response{Verbs: []plivo.Verb{&plivo.Redirect{URL: "https://example.com/next"}}}).AppendXML(nil)
	require.NoError(t, err)
	assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?><Response><Redirect>https://example.com/next</Redirect></Response>`, string(got))
}

// TestPublicAPI pins the exported names of the package and checks that
// each is documented.
func TestPublicAPI(t *testing.T) {
	want := []string{
		"AutoTimeout", "Call", "CheckCredentials", "Config", "Config.Format", "Config.GoString", "Config.LogValue",
		"Config.MarshalJSON", "Config.String", "ContentType", "DefaultMaxBodyBytes", "Dial", "ErrBodyTooLarge",
		"ErrCredentials", "ErrDuplicate", "ErrEnum", "ErrHeaderName", "ErrHeaderValue", "ErrInvalidChar",
		"ErrInvalidSignature", "ErrInvalidUTF8", "ErrMissingSignature", "ErrNilVerb", "ErrNoCallUUID", "ErrRange",
		"ErrRequired", "ErrTooLong", "ErrWholeUnits", "ErrXMLChar", "Error", "Error.Error", "Error.Unwrap", "GetInput",
		"Hangup", "HangupReason", "Header", "InputDTMF", "InputDTMFSpeech", "InputSpeech", "InputType", "LoopForever",
		"MaxCallerNameRunes", "MaxHeaderNameLen", "MaxHeaderValueLen", "MaxSpeakRunes", "MaxURILen", "Method", "MethodGet",
		"MethodPost", "NewCarrier", "NewSignedRequest", "NewVerifier", "NonceHeader", "ParseCall", "ReasonBusy",
		"ReasonRejected", "Redirect", "Response", "Response.AppendXML", "Response.MarshalText", "Response.WriteHTTP",
		"Response.WriteTo", "SignatureHeader", "SignatureV3", "Speak", "User", "ValidateSignatureV3", "Verb", "Verifier",
		"Verifier.Middleware", "Verifier.URL", "Verifier.Verify", "VerifierOption", "WithMaxBodyBytes", "XMLDeclaration",
	}
	apisurface.Check(t, ".", want)
}

func TestParseCallNilBody(t *testing.T) { carriertest.AssertNilBodyRefused(t, plivo.ParseCall) }

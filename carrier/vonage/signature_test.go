package vonage_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/carrier/vonage"
)

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

const answerBody = `{"from":"447700900000","to":"447700900001","uuid":"aaaaaaaa-bbbb-cccc-dddd-0123456789ab","conversation_uuid":"CON-aaaaaaaa-bbbb-cccc-dddd-0123456789ab"}`

func TestMiddleware(t *testing.T) {
	v, err := vonage.NewVerifier(sigSecret, vonage.WithClock(func() time.Time { return fixed }), vonage.WithMaxBodyBytes(1024))
	require.NoError(t, err)
	var got vonage.Call
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
	v, err := vonage.NewVerifier(sigSecret, vonage.WithClock(func() time.Time { return later }), vonage.WithLeeway(0))
	require.NoError(t, err)
	r, err := vonage.NewSignedRequest(http.MethodPost, "https://e.com/vonage/answer", sigSecret, []byte(answerBody), later.Add(-4*time.Minute))
	require.NoError(t, err)
	require.NoError(t, v.Verify(httptest.NewRecorder(), r))
	r, err = vonage.NewSignedRequest(http.MethodPost, "https://e.com/vonage/answer", sigSecret, []byte(answerBody), later.Add(-6*time.Minute))
	require.NoError(t, err)
	require.ErrorIs(t, v.Verify(httptest.NewRecorder(), r), vonage.ErrInvalidToken)
}

func TestNewSignedRequest(t *testing.T) {
	v, err := vonage.NewVerifier(sigSecret, vonage.WithClock(func() time.Time { return fixed }))
	require.NoError(t, err)
	r, err := vonage.NewSignedRequest(http.MethodGet, "https://e.com/vonage/answer?uuid=u1", sigSecret, nil, fixed)
	require.NoError(t, err)
	require.NoError(t, v.Verify(httptest.NewRecorder(), r))
	r, err = vonage.NewSignedRequest(http.MethodPost, "https://e.com/vonage/answer", sigSecret, []byte(answerBody), fixed)
	require.NoError(t, err)
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
	v, err := vonage.NewVerifier(sigSecret, vonage.WithClock(func() time.Time { return fixed }))
	require.NoError(t, err)
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
	v, err := vonage.NewVerifier(sigSecret, vonage.WithClock(func() time.Time { return fixed }))
	require.NoError(t, err)
	r, err := vonage.NewSignedRequest(http.MethodGet, "https://e.com/vonage/answer?From=447700900000", sigSecret, nil, fixed)
	require.NoError(t, err)
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
	v, err := vonage.NewVerifier(sigSecret, vonage.WithClock(func() time.Time { return fixed }))
	require.NoError(t, err)
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
	_, err = vonage.NewSignedRequest(http.MethodGet, "https://e.com/?a=1&a=2", sigSecret, nil, fixed)
	require.ErrorIs(t, err, vonage.ErrQueryRepeated)
	assert.NotContains(t, err.Error(), sigSecret)
}

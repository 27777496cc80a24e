package secret_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/carrier/plivo"
	"github.com/hmssip/interconnect-go/carrier/signalwire"
	"github.com/hmssip/interconnect-go/carrier/telnyx"
	"github.com/hmssip/interconnect-go/carrier/vonage"
	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmsevents"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/pins"
	"github.com/hmssip/interconnect-go/roomcode"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/store"
	"github.com/hmssip/interconnect-go/twiml"
)

// Secrets planted in every configuration below. Each is long and unlike
// anything else a value holds, so finding one is never a coincidence.
const (
	sipPassword   = "sip-password-4f0c9e1d7a"
	twilioToken   = "twilio-auth-token-8b2e6f13c5"
	signingKey    = "signalwire-signing-key-2d7a90e4b1"
	plivoToken    = "plivo-auth-token-61c3f8a0d9"
	vonageSecret  = "vonage-signature-secret-93e05b7c2a"
	mgmtToken     = "management-token-0a7d4c91e6"
	appSecret     = "app-secret-5e18b2fd04"
	webhookSecret = "webhook-secret-header-c4a9173e5f"
)

var planted = []string{sipPassword, twilioToken, signingKey, plivoToken, vonageSecret, mgmtToken, appSecret, webhookSecret}

// leak is where a walk found a secret in plain text.
type leak struct{ path, secret string }

// walker follows every value reachable from a root through reflection, as a
// printer or a debugger would: exported and unexported fields, pointers,
// interfaces, maps, slices and arrays. It cannot look into a func (a
// closure's captured variables) or behind an unsafe.Pointer, which is why
// package secret keeps credentials in a closure.
type walker struct {
	seen  map[uintptr]map[reflect.Type]bool
	leaks []leak
	steps int
}

func (w *walker) check(path string, b []byte) {
	for _, s := range planted {
		if bytes.Contains(b, []byte(s)) {
			w.leaks = append(w.leaks, leak{path, s})
		}
	}
}

func (w *walker) walk(path string, v reflect.Value) {
	w.steps++
	if v.Type() == transportType {
		// The HTTP client's idle connections keep the bytes last written
		// on the wire in their buffers, the Authorization header of the
		// last request among them, until the next request overwrites
		// them: that is the wire, not a copy the SDK keeps.
		return
	}
	switch v.Kind() {
	case reflect.String:
		w.check(path, []byte(v.String()))
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		p := v.Pointer()
		if w.seen[p][v.Type()] {
			return
		}
		if w.seen[p] == nil {
			w.seen[p] = map[reflect.Type]bool{}
		}
		w.seen[p][v.Type()] = true
		w.walk(path, v.Elem())
	case reflect.Interface:
		if !v.IsNil() {
			w.walk(path, v.Elem())
		}
	case reflect.Struct:
		t := v.Type()
		for i := range v.NumField() {
			w.walk(path+"."+t.Field(i).Name, v.Field(i))
		}
	case reflect.Slice:
		if v.IsNil() {
			return
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			w.check(path, v.Bytes())
			return
		}
		for i := range v.Len() {
			w.walk(fmt.Sprintf("%s[%d]", path, i), v.Index(i))
		}
	case reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			b := make([]byte, v.Len())
			for i := range b {
				b[i] = byte(v.Index(i).Uint())
			}
			w.check(path, b)
			return
		}
		for i := range v.Len() {
			w.walk(fmt.Sprintf("%s[%d]", path, i), v.Index(i))
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			w.walk(path+"{key}", it.Key())
			w.walk(fmt.Sprintf("%s[%v]", path, it.Key()), it.Value())
		}
	}
}

var transportType = reflect.TypeFor[http.Transport]()

// reach walks root and returns every secret found in plain text.
func reach(root any) ([]leak, int) {
	w := &walker{seen: map[uintptr]map[reflect.Type]bool{}}
	w.walk(reflect.TypeOf(root).String(), reflect.ValueOf(root))
	return w.leaks, w.steps
}

// The walker finds what it must find: a secret in an unexported string, a
// byte slice, a map value and behind interfaces and pointers.
func TestWalkerFindsPlainSecrets(t *testing.T) {
	type inner struct {
		b []byte
		m map[string]any
	}
	type outer struct {
		s  string
		in *inner
		i  any
	}
	for name, root := range map[string]any{
		"string":    &outer{s: "x" + mgmtToken},
		"bytes":     &outer{in: &inner{b: []byte(sipPassword)}},
		"map value": &outer{in: &inner{m: map[string]any{"k": &[]string{appSecret}}}},
		"map key":   outer{i: map[string]int{webhookSecret: 1}},
		"array":     outer{i: [len(plivoToken)]byte([]byte(plivoToken))},
	} {
		leaks, _ := reach(root)
		require.NotEmpty(t, leaks, name)
	}
	leaks, _ := reach(&outer{s: "nothing here", i: secretHolder()})
	require.Empty(t, leaks)
}

func secretHolder() any { return struct{ f func() string }{func() string { return appSecret }} }

// TestNoSecretReachableByReflection builds every SDK value that is given a
// secret (handlers of all five carriers with the PIN flow and a cached room,
// the carriers' verifiers, the REST core with a static token and with minted
// tokens, the webhook receiver), uses each once where use fills a cache,
// and walks all that is reachable from it: no secret may sit there as a
// plain string or byte slice.
func TestNoSecretReachableByReflection(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC)
	clock := func() time.Time { return now }

	api := hmstest.NewServer(hmstest.WithRoom("room-1", "guest"), hmstest.WithCode("room-1", "guest", "gst-abcd-xyz", true),
		hmstest.WithAppCredentials("access-key", appSecret), hmstest.WithStaticToken(mgmtToken), hmstest.WithClock(clock))
	t.Cleanup(api.Close)

	minted, err := hmsapi.New(hmsapi.WithBaseURL(api.URL), hmsapi.WithAppCredentials("access-key", appSecret), hmsapi.WithClock(clock))
	require.NoError(t, err)
	static, err := hmsapi.New(hmsapi.WithBaseURL(api.URL), hmsapi.WithManagementToken(mgmtToken))
	require.NoError(t, err)
	for _, c := range []*hmsapi.Client{minted, static} {
		_, err := roomcode.NewClient(c).List(ctx, "room-1", nil)
		require.NoError(t, err, "a request that makes the core mint and keep its token")
		t.Cleanup(c.CloseIdleConnections)
	}
	cache := roomcode.NewCache(roomcode.NewClient(minted), roomcode.CacheConfig{})
	shared := store.NewMemory()
	dir, err := pins.NewDirectory(shared, pins.DirectoryConfig{})
	require.NoError(t, err)

	const public = "https://voice.example.com"
	creds := sipconnect.Credentials{Username: "sip-user", Password: sipPassword}
	pub, _, err := ed25519.GenerateKey(bytes.NewReader(make([]byte, 64)))
	require.NoError(t, err)
	handlers := map[string]sipconnect.HandlerConfig{
		"twilio":     {AuthToken: twilioToken, Credentials: creds},
		"telnyx":     {Carrier: telnyx.NewCarrier(telnyx.Config{PublicKey: base64.StdEncoding.EncodeToString(pub)}), Credentials: creds},
		"signalwire": {Carrier: signalwire.NewCarrier(signalwire.Config{SigningKey: signingKey}), Credentials: creds},
		"plivo":      {Carrier: plivo.NewCarrier(plivo.Config{AuthToken: plivoToken})},
		"vonage":     {Carrier: vonage.NewCarrier(vonage.Config{SignatureSecret: vonageSecret})},
	}
	roots := map[string]any{"hmsapi.Client with minted tokens": minted, "hmsapi.Client with a static token": static, "roomcode.Cache": cache}
	for name, cfg := range handlers {
		cfg.PublicURL = public
		cfg.Logger = slog.New(slog.DiscardHandler)
		cfg.Room = sipconnect.CachedRoom(cache, "room-1", "guest")
		cfg.PIN = &pins.Config{Resolver: dir, Cache: cache, Store: shared}
		h, err := sipconnect.NewHandler(cfg)
		require.NoError(t, err, name)
		roots["sipconnect.Handler for "+name] = h
		if cfg.Carrier != nil {
			roots["sipconnect.Carrier "+name] = cfg.Carrier
		}
	}

	// One Twilio call through the handler, so that whatever a call fills is
	// walked too.
	req, err := twiml.NewSignedRequest(http.MethodPost, public+"/twilio/voice", twilioToken,
		url.Values{"CallSid": {"CA1"}, "From": {"+14155550100"}, "To": {"+18005550100"}})
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	roots["sipconnect.Handler for twilio"].(*sipconnect.Handler).ServeHTTP(rec, req)
	require.Contains(t, rec.Body.String(), `password="`+sipPassword+`"`, "the answer itself carries the password")

	tv, err := twiml.NewVerifier(twilioToken, public)
	require.NoError(t, err)
	sv, err := signalwire.NewVerifier(signingKey, public)
	require.NoError(t, err)
	pv, err := plivo.NewVerifier(plivoToken, public)
	require.NoError(t, err)
	vv, err := vonage.NewVerifier(vonageSecret)
	require.NoError(t, err)
	rv, err := hmsevents.NewReceiver(hmsevents.Config{SecretHeader: "X-Hook-Secret", Secret: webhookSecret,
		Handler: hmsevents.HandlerFunc(func(context.Context, hmsevents.Event) error { return nil })})
	require.NoError(t, err)
	for name, v := range map[string]any{"twiml.Verifier": tv, "signalwire.Verifier": sv, "plivo.Verifier": pv, "vonage.Verifier": vv, "hmsevents.Receiver": rv} {
		roots[name] = v
	}

	for name, root := range roots {
		leaks, steps := reach(root)
		require.Greater(t, steps, 3, "%s: the walk went nowhere", name)
		var found []string
		for _, l := range leaks {
			found = append(found, l.path+" holds "+strings.SplitN(l.secret, "-", 2)[0]+"'s secret")
		}
		assert.Empty(t, found, "%s: a secret is reachable in plain text", name)
	}
}

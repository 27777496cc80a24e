package pins_test

import (
	"context"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/carrier/carriertest"
	"github.com/hmssip/interconnect-go/internal/apisurface"
	"github.com/hmssip/interconnect-go/pins"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/store"
	"github.com/hmssip/interconnect-go/twiml"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files of the PIN prompts")

// pinAnswer is a PIN-flow answer as encoding/xml reads it.
type pinAnswer struct {
	XMLName xml.Name `xml:"Response"`
	Gather  *struct {
		Action      string   `xml:"action,attr"`
		Method      string   `xml:"method,attr"`
		Timeout     string   `xml:"timeout,attr"`
		FinishOnKey string   `xml:"finishOnKey,attr"`
		Input       string   `xml:"input,attr"`
		Say         []string `xml:"Say"`
	} `xml:"Gather"`
	Redirect *struct {
		URL string `xml:",chardata"`
	} `xml:"Redirect"`
	Dial *struct {
		Sip struct {
			URI string `xml:",chardata"`
		}
	}
	Say    []string  `xml:"Say"`
	Hangup *struct{} `xml:"Hangup"`
}

func decodePIN(t *testing.T, body string) pinAnswer {
	t.Helper()
	var a pinAnswer
	require.NoError(t, xml.Unmarshal([]byte(body), &a), body)
	return a
}

// pinServer is a dial-in server with the PIN flow, mounted under /hooks on
// loopback; its URL is the public URL Twilio signs.
type pinServer struct {
	srv   *carriertest.Server
	dir   *pins.Directory
	store store.Store
	clock *sharedClock
}

func newPINServer(t *testing.T, mutate func(*sipconnect.HandlerConfig)) *pinServer {
	t.Helper()
	p := &pinServer{clock: &sharedClock{}}
	p.clock.Set(time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC))
	p.store = store.NewMemory(store.WithClock(p.clock.Now))
	dir, err := pins.NewDirectory(p.store, pins.DirectoryConfig{RoomCodesOnly: true})
	require.NoError(t, err)
	p.dir = dir
	cfg := sipconnect.HandlerConfig{
		AuthToken:   authToken,
		Credentials: sipconnect.Credentials{Username: "sip-user", Password: sipPassword},
		PIN:         &pins.Config{Resolver: dir, Path: "/hooks/pin", Store: p.store, LockoutFailures: 5, LockoutWindow: time.Hour},
	}
	if mutate != nil {
		mutate(&cfg)
	}
	p.srv = carriertest.NewServer(t, cfg)
	return p
}

func (p *pinServer) issue(t *testing.T, target pins.Target) string {
	t.Helper()
	pin, err := p.dir.Issue(context.Background(), target)
	require.NoError(t, err)
	return pin
}

// send makes a signed request, as Twilio makes it, to fullURL.
func (p *pinServer) send(t *testing.T, method, fullURL string, params url.Values) (int, string) {
	t.Helper()
	req, err := twiml.NewSignedRequest(method, fullURL, authToken, params)
	require.NoError(t, err)
	return p.do(t, req)
}

func (p *pinServer) do(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	status, _, body := p.srv.Do(t, req)
	return status, body
}

// call starts a call and returns the first <Gather> action.
func (p *pinServer) call(t *testing.T, method string, form url.Values) string {
	t.Helper()
	status, body := p.send(t, method, p.srv.URL()+"/hooks/voice", form)
	require.Equal(t, 200, status, body)
	a := decodePIN(t, body)
	require.NotNil(t, a.Gather, body)
	return a.Gather.Action
}

// nonceRE matches the one-time nonce of a PIN step URL.
var nonceRE = regexp.MustCompile(`nonce=[A-Za-z0-9_-]{22}`)

// withoutNonce writes every step nonce in s as N.
func withoutNonce(s string) string { return nonceRE.ReplaceAllString(s, "nonce=N") }

// enter sends digits to a step and returns the answer.
func (p *pinServer) enter(t *testing.T, method, action string, form url.Values, digits string) pinAnswer {
	t.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	f.Set("Digits", digits)
	status, body := p.send(t, method, action, f)
	require.Equal(t, 200, status, body)
	return decodePIN(t, body)
}

func TestPINFlow(t *testing.T) {
	for _, method := range []string{http.MethodPost, http.MethodGet} {
		t.Run(method, func(t *testing.T) {
			p := newPINServer(t, func(cfg *sipconnect.HandlerConfig) { menuOf(cfg).LockoutFailures = 100 })
			pin := p.issue(t, pins.Target{RoomCode: "abc-defg-hij", Identity: &sipconnect.Identity{DisplayName: "Guest"}})
			form := callForm()

			action := p.call(t, method, form)
			assert.Equal(t, p.srv.URL()+"/hooks/pin?attempt=1&nonce=N", withoutNonce(action))
			a := p.enter(t, method, action, form, pin)
			require.NotNil(t, a.Dial, "the right PIN bridges the caller")
			assert.Equal(t, "sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=Guest", a.Dial.Sip.URI)

			// Wrong, wrong, right.
			action = p.call(t, method, form)
			a = p.enter(t, method, action, form, "1111111111")
			require.NotNil(t, a.Gather)
			assert.Equal(t, []string{"Sorry, that PIN is not valid.", "Please enter your meeting PIN, then press pound."}, a.Gather.Say)
			assert.Equal(t, p.srv.URL()+"/hooks/pin?attempt=2&nonce=N", withoutNonce(a.Gather.Action))
			a = p.enter(t, method, a.Gather.Action, form, "22")
			require.NotNil(t, a.Gather)
			assert.Equal(t, p.srv.URL()+"/hooks/pin?attempt=3&nonce=N", withoutNonce(a.Gather.Action))
			a = p.enter(t, method, a.Gather.Action, form, pin)
			require.NotNil(t, a.Dial, "bridged on the third attempt")

			// Wrong three times: goodbye and hang up.
			action = p.call(t, method, form)
			for i := range 3 {
				a = p.enter(t, method, action, form, "9999999999")
				if i < 2 {
					require.NotNil(t, a.Gather)
					action = a.Gather.Action
				}
			}
			assert.Nil(t, a.Gather)
			assert.Equal(t, []string{"Sorry, we could not find your meeting. Goodbye."}, a.Say)
			assert.NotNil(t, a.Hangup)

			// Silence: asked again.
			action = p.call(t, method, form)
			a = p.enter(t, method, action, form, "")
			require.NotNil(t, a.Gather)
			assert.Equal(t, []string{"We did not receive a PIN.", "Please enter your meeting PIN, then press pound."}, a.Gather.Say)
			assert.Equal(t, p.srv.URL()+"/hooks/pin?attempt=2&nonce=N", withoutNonce(a.Gather.Action))
			require.NotNil(t, a.Redirect, "silence after <Gather> comes back to the step")
			assert.Equal(t, a.Gather.Action, a.Redirect.URL)

			logs := p.srv.Logs.String()
			assert.NotContains(t, logs, pin)
			assert.NotContains(t, logs, callerPhone)
			assert.NotContains(t, logs, sipPassword)
			assert.Contains(t, logs, sipconnect.MaskNumber(callerPhone))
		})
	}
}

func TestPINStepForgeriesAreRefused(t *testing.T) {
	p := newPINServer(t, nil)
	pin := p.issue(t, pins.Target{RoomCode: "abc-defg-hij"})
	form := callForm("Digits", "1234512345")
	action := p.call(t, http.MethodPost, callForm())

	// A changed attempt counter: signed for attempt=1, sent to attempt=2.
	req, err := twiml.NewSignedRequest(http.MethodPost, action, authToken, form)
	require.NoError(t, err)
	req.URL, err = url.Parse(strings.Replace(action, "attempt=1", "attempt=2", 1))
	require.NoError(t, err)
	status, _ := p.do(t, req)
	assert.Equal(t, http.StatusForbidden, status)

	// A replay of a signed step with other digits.
	signed, err := twiml.NewSignedRequest(http.MethodPost, action, authToken, form)
	require.NoError(t, err)
	other := callForm("Digits", pin)
	replay, err := http.NewRequest(http.MethodPost, action, strings.NewReader(other.Encode()))
	require.NoError(t, err)
	replay.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	replay.Header.Set(twiml.SignatureHeader, signed.Header.Get(twiml.SignatureHeader))
	status, _ = p.do(t, replay)
	assert.Equal(t, http.StatusForbidden, status)

	// The same by GET: the digits are in the signed URL.
	getReq, err := twiml.NewSignedRequest(http.MethodGet, action, authToken, form)
	require.NoError(t, err)
	q := getReq.URL.Query()
	q.Set("Digits", pin)
	getReq.URL.RawQuery = q.Encode()
	status, _ = p.do(t, getReq)
	assert.Equal(t, http.StatusForbidden, status)

	// No signature at all.
	status, _ = p.do(t, mustRequest(t, http.MethodPost, action, form))
	assert.Equal(t, http.StatusForbidden, status)
}

func mustRequest(t *testing.T, method, u string, form url.Values) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

func TestPINLockout(t *testing.T) {
	p := newPINServer(t, nil) // 5 wrong PINs an hour lock a number out
	pin := p.issue(t, pins.Target{RoomCode: "abc-defg-hij"})
	mallory := callForm("From", "+14155550666")
	spare := p.call(t, http.MethodPost, mallory) // a step issued before the lockout
	// Two calls: 3 wrong PINs, then 2 more.
	for _, tries := range []int{3, 2} {
		action := p.call(t, http.MethodPost, mallory)
		for range tries {
			a := p.enter(t, http.MethodPost, action, mallory, "0000000000")
			if a.Gather != nil {
				action = a.Gather.Action
			}
		}
	}
	// Locked: at the next call, before any lookup, and for the right PIN.
	status, body := p.send(t, http.MethodPost, p.srv.URL()+"/hooks/voice", mallory)
	require.Equal(t, 200, status)
	a := decodePIN(t, body)
	assert.Nil(t, a.Gather)
	assert.Equal(t, []string{"Too many incorrect PINs were entered from this number. Please try again later. Goodbye."}, a.Say)
	assert.NotNil(t, a.Hangup)
	a = p.enter(t, http.MethodPost, spare, mallory, pin)
	assert.Nil(t, a.Dial, "a locked-out number is not bridged, even with the right PIN")

	// Another number is not locked out.
	action := p.call(t, http.MethodPost, callForm())
	assert.NotNil(t, p.enter(t, http.MethodPost, action, callForm(), pin).Dial)

	// The window ends on the store's clock.
	p.clock.Advance(time.Hour + time.Second)
	action = p.call(t, http.MethodPost, mallory)
	assert.NotNil(t, p.enter(t, http.MethodPost, action, mallory, pin).Dial)
}

func TestPINStoreDownAsksToTryLater(t *testing.T) {
	p := newPINServer(t, func(cfg *sipconnect.HandlerConfig) {
		menuOf(cfg).Store = downStore{}
		menuOf(cfg).Resolver = pins.ResolverFunc(func(context.Context, string, sipconnect.Call) (pins.Target, error) {
			return pins.Target{RoomCode: "abc-defg-hij"}, nil
		})
	})
	// No step can be issued: the caller is told at once, not after typing
	// a PIN that cannot be checked.
	status, body := p.send(t, http.MethodPost, p.srv.URL()+"/hooks/voice", callForm())
	require.Equal(t, 200, status)
	a := decodePIN(t, body)
	assert.Nil(t, a.Gather)
	assert.Equal(t, []string{"Sorry, we cannot check your PIN right now. Please try again later. Goodbye."}, a.Say)
	assert.NotNil(t, a.Hangup)
}

// downStore is a store whose every call fails as an unreachable Redis does.
type downStore struct{ store.Store }

func (downStore) Get(context.Context, string) ([]byte, error) { return nil, store.ErrUnavailable }
func (downStore) SetNX(context.Context, string, []byte, time.Duration) (bool, error) {
	return false, store.ErrUnavailable
}
func (downStore) Delete(context.Context, string) (bool, error) { return false, store.ErrUnavailable }
func (downStore) IncrBy(context.Context, string, int64, time.Duration) (int64, error) {
	return 0, store.ErrUnavailable
}

// TestPINLockoutHoldsUnderParallelCalls sends many signed PIN steps from
// one number at once, with a resolver slow enough that they overlap: no
// more PINs are looked up than the lockout allows.
func TestPINLockoutHoldsUnderParallelCalls(t *testing.T) {
	var lookups atomic.Int32
	p := newPINServer(t, func(cfg *sipconnect.HandlerConfig) {
		menuOf(cfg).Resolver = pins.ResolverFunc(func(context.Context, string, sipconnect.Call) (pins.Target, error) {
			lookups.Add(1)
			time.Sleep(20 * time.Millisecond)
			return pins.Target{}, pins.ErrUnknown
		})
	}) // 5 wrong PINs an hour
	// 60 calls reach the PIN prompt before any of them enters a PIN.
	actions := make([]string, 60)
	for i := range actions {
		actions[i] = p.call(t, http.MethodPost, callForm("CallSid", fmt.Sprintf("CA%032d", i)))
	}
	var wg sync.WaitGroup
	for i := range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			form := callForm("CallSid", fmt.Sprintf("CA%032d", i), "Digits", fmt.Sprintf("%010d", i))
			status, _ := p.send(t, http.MethodPost, actions[i], form)
			assert.Equal(t, 200, status)
		}()
	}
	wg.Wait()
	assert.LessOrEqual(t, lookups.Load(), int32(5), "PINs looked up from one number")
}

// TestPINLockoutFailsClosed: when the store can be read but not counted in
// (a Redis replica during a failover), no PIN is looked up.
func TestPINLockoutFailsClosed(t *testing.T) {
	var lookups atomic.Int32
	p := newPINServer(t, func(cfg *sipconnect.HandlerConfig) {
		menuOf(cfg).Store = readOnlyStore{store.NewMemory()}
		menuOf(cfg).Resolver = pins.ResolverFunc(func(context.Context, string, sipconnect.Call) (pins.Target, error) {
			lookups.Add(1)
			return pins.Target{}, pins.ErrUnknown
		})
	})
	for range 10 {
		a := p.enter(t, http.MethodPost, p.call(t, http.MethodPost, callForm()), callForm(), "1234567890")
		assert.Equal(t, []string{"Sorry, we cannot check your PIN right now. Please try again later. Goodbye."}, a.Say)
	}
	assert.Zero(t, lookups.Load())
}

// readOnlyStore answers reads but refuses to count.
type readOnlyStore struct{ store.Store }

func (readOnlyStore) IncrBy(context.Context, string, int64, time.Duration) (int64, error) {
	return 0, fmt.Errorf("%w: READONLY", store.ErrUnavailable)
}

// TestPINRightPINGivesItsChargeBack: a caller who dials in many times with
// a right PIN, from a number shared by many people (an office), is never
// locked out.
func TestPINRightPINGivesItsChargeBack(t *testing.T) {
	p := newPINServer(t, nil) // 5 wrong PINs an hour
	pin := p.issue(t, pins.Target{RoomCode: "abc-defg-hij"})
	for range 20 {
		a := p.enter(t, http.MethodPost, p.call(t, http.MethodPost, callForm()), callForm(), pin)
		require.NotNil(t, a.Dial)
	}
}

func TestPINResolverErrorsAndRoutes(t *testing.T) {
	var lookups atomic.Int32
	p := newPINServer(t, func(cfg *sipconnect.HandlerConfig) {
		menuOf(cfg).Resolver = pins.ResolverFunc(func(_ context.Context, pin string, _ sipconnect.Call) (pins.Target, error) {
			lookups.Add(1)
			switch pin {
			case "4242":
				return pins.Target{RoomCode: "hst-abcd-xyz", Identity: &sipconnect.Identity{DisplayName: "Host"}}, nil
			case "500":
				return pins.Target{}, errors.New("database down")
			}
			return pins.Target{}, pins.ErrUnknown
		})
		cfg.Numbers = map[string]sipconnect.Route{
			"+18005550100": {PIN: true},
			"+18005550111": {Room: sipconnect.StaticRoom("sal-esxx-xyz")},
			"+18005550199": {},
		}
	})
	action := p.call(t, http.MethodPost, callForm())
	a := p.enter(t, http.MethodPost, action, callForm(), "4242")
	require.NotNil(t, a.Dial)
	assert.Equal(t, "sip:hst-abcd-xyz@sip.100ms.live?X-100ms-Display-Name=Host", a.Dial.Sip.URI)
	a = p.enter(t, http.MethodPost, p.call(t, http.MethodPost, callForm()), callForm(), "500")
	assert.Equal(t, []string{"Sorry, we cannot check your PIN right now. Please try again later. Goodbye."}, a.Say)
	before := lookups.Load()
	a = p.enter(t, http.MethodPost, p.call(t, http.MethodPost, callForm()), callForm(), "12ab")
	require.NotNil(t, a.Gather, "not digits: a wrong PIN")
	assert.Equal(t, before, lookups.Load(), "not looked up")

	// Routing by the number called.
	_, body := p.send(t, http.MethodPost, p.srv.URL()+"/hooks/voice", callForm("To", "+18005550111"))
	require.NotNil(t, decodePIN(t, body).Dial)
	assert.Equal(t, "sip:sal-esxx-xyz@sip.100ms.live", decodePIN(t, body).Dial.Sip.URI)
	for _, to := range []string{"+18005550199", "+18005550123"} {
		_, body = p.send(t, http.MethodPost, p.srv.URL()+"/hooks/voice", callForm("To", to))
		a = decodePIN(t, body)
		assert.Nil(t, a.Dial, to)
		assert.Nil(t, a.Gather, to)
		assert.Equal(t, []string{"Sorry, we cannot connect your call to the meeting right now. Please try again later."}, a.Say, "the fallback for %s", to)
	}
}

func TestNewHandlerChecksRoutesAndPIN(t *testing.T) {
	dir, err := pins.NewDirectory(store.NewMemory(), pins.DirectoryConfig{})
	require.NoError(t, err)
	base := sipconnect.HandlerConfig{InsecureSkipSignature: true}
	for name, mutate := range map[string]func(*sipconnect.HandlerConfig){
		"no room, no PIN":  func(*sipconnect.HandlerConfig) {},
		"number not E.164": func(c *sipconnect.HandlerConfig) { c.Numbers = map[string]sipconnect.Route{"18005550100": {}} },
		"room id in a route": func(c *sipconnect.HandlerConfig) {
			c.Numbers = map[string]sipconnect.Route{"+18005550100": {Room: sipconnect.StaticRoom("6560c7a8e4b0a1b2c3d4e5f6")}}
		},
		"PIN route without PIN": func(c *sipconnect.HandlerConfig) {
			c.Numbers = map[string]sipconnect.Route{"+18005550100": {PIN: true}}
		},
		"PIN without a resolver": func(c *sipconnect.HandlerConfig) { c.PIN = &pins.Config{} },
		"PIN timeout not seconds": func(c *sipconnect.HandlerConfig) {
			c.PIN = &pins.Config{Resolver: dir, Timeout: 1500 * time.Millisecond}
		},
		"PIN prompt bad text": func(c *sipconnect.HandlerConfig) {
			c.PIN = &pins.Config{Resolver: dir, Prompts: pins.Prompts{Welcome: sipconnect.Prompt{Text: "a\x00b"}}}
		},
	} {
		cfg := base
		mutate(&cfg)
		_, err := sipconnect.NewHandler(cfg)
		assert.Error(t, err, name)
	}
}

func TestPINDirectory(t *testing.T) {
	clk := &sharedClock{}
	clk.Set(time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC))
	s := store.NewMemory(store.WithClock(clk.Now))
	dir, err := pins.NewDirectory(s, pins.DirectoryConfig{TTL: time.Hour})
	require.NoError(t, err)
	ctx := context.Background()

	const n = 5000
	seen := map[string]bool{}
	var first [10]int
	for range n {
		pin, err := dir.Issue(ctx, pins.Target{RoomID: "6560c7a8e4b0a1b2c3d4e5f6", Role: "guest"})
		require.NoError(t, err)
		require.Len(t, pin, pins.DefaultLength)
		require.Empty(t, strings.Trim(pin, "0123456789"), "digits only")
		require.False(t, seen[pin], "no duplicate among live PINs")
		seen[pin] = true
		first[pin[0]-'0']++
	}
	assert.Less(t, chiSquare(first[:], n), chiSquareBound9, "first digits %v", first)
	// The bound catches a generator that never draws a leading zero.
	biased := [10]int{0, n / 9, n / 9, n / 9, n / 9, n / 9, n / 9, n / 9, n / 9, n - 8*(n/9)}
	assert.Greater(t, chiSquare(biased[:], n), chiSquareBound9)

	var pin string
	for p := range seen {
		pin = p
		break
	}
	target, err := dir.ResolvePIN(ctx, pin, sipconnect.Call{})
	require.NoError(t, err)
	assert.Equal(t, pins.Target{RoomID: "6560c7a8e4b0a1b2c3d4e5f6", Role: "guest"}, target)
	revoked, err := dir.Revoke(ctx, pin)
	require.NoError(t, err)
	assert.True(t, revoked)
	_, err = dir.ResolvePIN(ctx, pin, sipconnect.Call{})
	assert.ErrorIs(t, err, pins.ErrUnknown)

	clk.Advance(time.Hour + time.Second)
	for p := range seen {
		_, err = dir.ResolvePIN(ctx, p, sipconnect.Call{})
		assert.ErrorIs(t, err, pins.ErrUnknown, "expired with the TTL")
		break
	}

	for _, bad := range []pins.Target{{}, {RoomCode: "6560c7a8e4b0a1b2c3d4e5f6"}, {RoomID: "room", Role: ".."}, {RoomID: "abc-defg-hij", Role: "guest"}} {
		_, err := dir.Issue(ctx, bad)
		assert.Error(t, err, "%+v", bad)
	}
	for _, length := range []int{5, 19, -1} {
		_, err := pins.NewDirectory(s, pins.DirectoryConfig{Length: length})
		assert.Error(t, err, length)
	}
}

// chiSquareBound9 is the 99.9th percentile of the chi-square distribution
// with 9 degrees of freedom: a uniform generator exceeds it once in a
// thousand runs of the test.
const chiSquareBound9 = 27.88

func chiSquare(counts []int, n int) float64 {
	expected := float64(n) / float64(len(counts))
	var x float64
	for _, c := range counts {
		x += math.Pow(float64(c)-expected, 2) / expected
	}
	return x
}

// TestPINPromptsGolden checks the default prompts against golden files that
// were read against Twilio's <Gather>, <Say>, <Redirect> and <Hangup>
// documentation (REFERENCE.md §5 and §10): a DTMF <Gather> ending on '#'
// that posts to the step's URL with its attempt number, the prompts inside
// it, then a <Redirect> that brings silence back to the same step.
func TestPINPromptsGolden(t *testing.T) {
	h, err := sipconnect.NewHandler(sipconnect.HandlerConfig{
		AuthToken: authToken, PublicURL: "https://voice.example.com",
		PIN: &pins.Config{Resolver: pins.ResolverFunc(func(context.Context, string, sipconnect.Call) (pins.Target, error) {
			return pins.Target{}, pins.ErrUnknown
		}), LockoutFailures: 100},
		Logger: slog.New(slog.DiscardHandler),
	})
	require.NoError(t, err)
	serve := func(handler http.Handler, u string, digits string) string {
		form := callForm()
		if digits != "-" {
			form.Set("Digits", digits)
		}
		req, err := twiml.NewSignedRequest(http.MethodPost, u, authToken, form)
		require.NoError(t, err)
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		require.Equal(t, 200, rec.Code)
		return rec.Body.String()
	}
	// step answers digits at the step the previous answer asks for.
	step := func(prev, digits string) string {
		a := decodePIN(t, prev)
		require.NotNil(t, a.Gather, prev)
		return serve(h.PINHandler(), a.Gather.Action, digits)
	}
	welcome := serve(h, "https://voice.example.com/twilio/voice", "-")
	wrong := step(welcome, "123")
	docs := map[string]string{
		"pin-welcome.xml": welcome,
		"pin-wrong.xml":   wrong,
		"pin-silence.xml": step(serve(h, "https://voice.example.com/twilio/voice", "-"), ""),
		"pin-goodbye.xml": step(step(wrong, "123"), "123"),
	}
	for name, doc := range docs {
		// Each step's nonce is random: the golden files write it N.
		doc = withoutNonce(doc)
		path := filepath.Join("testdata", name)
		if *updateGolden {
			require.NoError(t, os.WriteFile(path, []byte(doc+"\n"), 0o644))
		}
		want, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, strings.TrimSuffix(string(want), "\n"), doc, name)
		var any pinAnswer
		require.NoError(t, xml.Unmarshal([]byte(doc), &any))
	}
}

// TestPINRefundAcrossTheWindow: a right PIN whose lookup outlasts the
// lockout window gives its charge back without leaving the count below
// zero, which would grant extra guesses in the new window.
func TestPINRefundAcrossTheWindow(t *testing.T) {
	var p *pinServer
	p = newPINServer(t, func(cfg *sipconnect.HandlerConfig) {
		menuOf(cfg).Resolver = pins.ResolverFunc(func(_ context.Context, pin string, _ sipconnect.Call) (pins.Target, error) {
			if pin == "1234567890" {
				p.clock.Advance(2 * time.Hour) // the window ends during the lookup
				return pins.Target{RoomCode: "abc-defg-hij"}, nil
			}
			return pins.Target{}, pins.ErrUnknown
		})
	}) // 5 wrong PINs an hour
	a := p.enter(t, http.MethodPost, p.call(t, http.MethodPost, callForm()), callForm(), "1234567890")
	require.NotNil(t, a.Dial)
	if v, err := p.store.Get(context.Background(), pins.FailuresKey(callerPhone)); err == nil {
		assert.NotEqual(t, "-1", string(v), "no count below zero")
	}
	// Still exactly 5 wrong PINs before the lockout.
	looked := 0
	for range 7 {
		status, body := p.send(t, http.MethodPost, p.srv.URL()+"/hooks/voice", callForm())
		require.Equal(t, 200, status)
		if a = decodePIN(t, body); a.Gather == nil {
			continue // locked out at the prompt
		}
		a = p.enter(t, http.MethodPost, a.Gather.Action, callForm(), "9999999999")
		if a.Gather != nil {
			looked++
		}
	}
	assert.Equal(t, 4, looked, "four wrong PINs asked again, the fifth locks the number out")
}

// The Twilio account, SIP password and caller of the tests' calls.
const (
	authToken   = "twilio-auth-token-0123456789abcdef"
	sipPassword = "sip-password-never-logged"
	callerPhone = carriertest.CallerPhone
)

// callForm is Twilio's incoming-call webhook, with extra name-value pairs
// set on it.
var callForm = carriertest.TwilioCall

// sharedClock is the one clock of a test: the store, the directory and
// the fake API read it, and the test moves it.
type sharedClock = carriertest.SharedClock

// menuOf is the PIN menu of a handler configuration the tests made with
// a *pins.Config.
func menuOf(cfg *sipconnect.HandlerConfig) *pins.Config { return cfg.PIN.(*pins.Config) }

const (
	tryLater = "Sorry, we cannot check your PIN right now. Please try again later. Goodbye."
	lockedUp = "Too many incorrect PINs were entered from this number. Please try again later. Goodbye."
)

// failures reads a count the PIN flow keeps in the store.
func (p *pinServer) failures(t *testing.T, key string) int {
	t.Helper()
	v, err := p.store.Get(context.Background(), key)
	if err != nil {
		return 0
	}
	n, err := strconv.Atoi(string(v))
	require.NoError(t, err)
	return n
}

// answerTo starts a call from form and, if the caller gets the PIN prompt,
// enters digits at its step; it returns what the caller hears last.
func (p *pinServer) answerTo(t *testing.T, form map[string][]string, digits string) pinAnswer {
	t.Helper()
	status, body := p.send(t, http.MethodPost, p.srv.URL()+"/hooks/voice", form)
	require.Equal(t, 200, status, body)
	a := decodePIN(t, body)
	if a.Gather == nil {
		return a
	}
	return p.enter(t, http.MethodPost, a.Gather.Action, form, digits)
}

// TestPINStepReplayIsRefused: a captured step request sent again, exactly
// as it was signed, gets 403 and charges nobody; before, ten replays of one
// wrong-PIN step locked the caller's number out.
func TestPINStepReplayIsRefused(t *testing.T) {
	p := newPINServer(t, nil) // 5 wrong PINs an hour lock a number out
	pin := p.issue(t, pins.Target{RoomCode: "abc-defg-hij"})
	action := p.call(t, http.MethodPost, callForm())
	form := callForm("Digits", "0000000000")

	captured, err := twiml.NewSignedRequest(http.MethodPost, action, authToken, form)
	require.NoError(t, err)
	sig := captured.Header.Get(twiml.SignatureHeader)
	status, body := p.do(t, captured)
	require.Equal(t, 200, status, body)
	require.NotNil(t, decodePIN(t, body).Gather, "a wrong PIN, asked again")
	require.Equal(t, 1, p.failures(t, pins.FailuresKey(callerPhone)))
	assert.NotContains(t, pins.FailuresKey(callerPhone), callerPhone[4:], "no phone number in a key name")

	for range 10 {
		replay := mustRequest(t, http.MethodPost, action, form)
		replay.Header.Set(twiml.SignatureHeader, sig)
		status, _ := p.do(t, replay)
		assert.Equal(t, http.StatusForbidden, status)
	}
	assert.Equal(t, 1, p.failures(t, pins.FailuresKey(callerPhone)), "replays are charged to nobody")
	assert.NotNil(t, p.answerTo(t, callForm(), pin).Dial, "the number's owner is not locked out")
	assert.Contains(t, p.srv.Logs.String(), `"outcome":"rejected-step"`)
}

// TestPINNumberSpellingsShareOneCount: one number written seven ways is one
// caller for the lockout.
func TestPINNumberSpellingsShareOneCount(t *testing.T) {
	p := newPINServer(t, nil) // 5 wrong PINs an hour
	pin := p.issue(t, pins.Target{RoomCode: "abc-defg-hij"})
	spellings := []string{"+14155550666", "+1 415 555 0666", "+1-415-555-0666", "+1 (415) 555-0666",
		"0014155550666", "14155550666", "tel:+1-415-555-0666", "sip:+14155550666@carrier.example;user=phone"}
	for i, from := range spellings[:5] {
		a := p.answerTo(t, callForm("From", from), "0000000000")
		if i < 4 {
			require.NotNil(t, a.Gather, "wrong PIN from %q, asked again", from)
		} else {
			require.Equal(t, []string{lockedUp}, a.Say, "the fifth wrong PIN, from %q, locks the number out", from)
		}
	}
	assert.Equal(t, 5, p.failures(t, pins.FailuresKey("+14155550666")))
	for _, from := range spellings {
		a := p.answerTo(t, callForm("From", from), pin)
		assert.Nil(t, a.Dial, "%q is the locked-out number", from)
		assert.Equal(t, []string{lockedUp}, a.Say, from)
	}
	assert.NotNil(t, p.answerTo(t, callForm("From", "+14155550667"), pin).Dial, "another number is not locked out")
}

// TestPINWithheldNumbers: callers who withhold their number share a bound
// of wrong PINs a minute, and are never locked out for the hour together.
func TestPINWithheldNumbers(t *testing.T) {
	p := newPINServer(t, nil) // 3 wrong PINs a minute from withheld numbers
	pin := p.issue(t, pins.Target{RoomCode: "abc-defg-hij"})
	withheld := []string{"", "anonymous", "Restricted", "+266696687", "+86282452253", "UNKNOWN", "+0"}
	for i, from := range withheld[:3] {
		a := p.answerTo(t, callForm("From", from, "CallSid", fmt.Sprintf("CA%032d", i)), "0000000000")
		if i < 2 {
			require.NotNil(t, a.Gather, "wrong PIN from %q, asked again", from)
		} else {
			require.Equal(t, []string{tryLater}, a.Say, "the third wrong PIN this minute, from %q", from)
		}
	}
	for _, from := range withheld {
		a := p.answerTo(t, callForm("From", from), pin)
		assert.Nil(t, a.Dial, "%q: the minute's bound is reached", from)
		assert.Equal(t, []string{tryLater}, a.Say, "%q: asked to try later, not locked out", from)
	}
	assert.NotNil(t, p.answerTo(t, callForm("From", "+14155550667"), pin).Dial, "a caller with a number is not affected")

	p.clock.Advance(time.Minute + time.Second)
	assert.NotNil(t, p.answerTo(t, callForm("From", "anonymous"), pin).Dial, "the next minute, withheld callers get in")
}

// TestPINGuessingAcrossNumbersIsBounded: an attacker who changes the caller
// number on every call meets the directory-wide bound: in each minute at
// most WrongPINsPerMinute PINs are looked up, whatever the numbers.
func TestPINGuessingAcrossNumbersIsBounded(t *testing.T) {
	var lookups atomic.Int32
	p := newPINServer(t, func(cfg *sipconnect.HandlerConfig) {
		dir := menuOf(cfg).Resolver
		menuOf(cfg).Resolver = pins.ResolverFunc(func(ctx context.Context, pin string, call sipconnect.Call) (pins.Target, error) {
			lookups.Add(1)
			return dir.ResolvePIN(ctx, pin, call)
		})
	})
	pin := p.issue(t, pins.Target{RoomCode: "abc-defg-hij"})
	guess := func(i int) pinAnswer {
		return p.answerTo(t, callForm("From", fmt.Sprintf("+1415%07d", i), "CallSid", fmt.Sprintf("CA%032d", i)), fmt.Sprintf("%010d", i))
	}
	throttled := 0
	for i := range 100 {
		if a := guess(i); a.Gather == nil {
			assert.Equal(t, []string{tryLater}, a.Say)
			throttled++
		}
	}
	assert.Equal(t, int32(pins.DefaultWrongPINsPerMinute), lookups.Load(), "PINs looked up in one minute")
	assert.Equal(t, 100-pins.DefaultWrongPINsPerMinute, throttled)
	assert.Contains(t, p.srv.Logs.String(), `"outcome":"pin-throttled"`)
	assert.Equal(t, []string{tryLater}, p.answerTo(t, callForm("From", "+14155550999"), pin).Say,
		"while the bound holds, a right PIN waits too: the price of the bound")

	p.clock.Advance(time.Minute + time.Second)
	assert.NotNil(t, p.answerTo(t, callForm("From", "+14155550999"), pin).Dial, "the next minute")
	before := lookups.Load()
	for i := 100; i < 200; i++ {
		guess(i)
	}
	assert.Equal(t, before+int32(pins.DefaultWrongPINsPerMinute), lookups.Load(), "the right PIN gave its charge back")
}

// TestPINDirectoryLostAfterWipe: a store that lost its data (an empty
// restart of Redis) makes every PIN unknown; the flow then asks callers to
// try later and charges nobody, until PINs are issued again.
func TestPINDirectoryLostAfterWipe(t *testing.T) {
	p := newPINServer(t, nil)
	ctx := context.Background()
	pin := p.issue(t, pins.Target{RoomCode: "abc-defg-hij"})
	require.NotNil(t, p.answerTo(t, callForm(), pin).Dial)

	// The store loses everything it held.
	for _, key := range []string{"sipconnect:pin:" + pin, "sipconnect:pin-directory"} {
		_, err := p.store.Delete(ctx, key)
		require.NoError(t, err)
	}
	_, err := p.dir.ResolvePIN(ctx, pin, sipconnect.Call{})
	require.ErrorIs(t, err, pins.ErrDirectoryLost)
	for range 10 {
		a := p.answerTo(t, callForm(), pin)
		assert.Nil(t, a.Dial)
		assert.Equal(t, []string{tryLater}, a.Say, "a right PIN is not called wrong")
	}
	assert.Equal(t, 0, p.failures(t, pins.FailuresKey(callerPhone)), "nobody is charged")
	assert.Contains(t, p.srv.Logs.String(), "lost its data")

	// PINs issued again: wrong PINs are wrong again.
	again := p.issue(t, pins.Target{RoomCode: "abc-defg-hij"})
	assert.NotNil(t, p.answerTo(t, callForm(), "0000000000").Gather)
	assert.Equal(t, 1, p.failures(t, pins.FailuresKey(callerPhone)))
	assert.NotNil(t, p.answerTo(t, callForm(), again).Dial)
}

// TestPINResolveTimeoutBoundsAStuckResolver: a resolver of the
// application's that ignores its context is abandoned at ResolveTimeout,
// and the caller hears "try again later" rather than nothing.
func TestPINResolveTimeoutBoundsAStuckResolver(t *testing.T) {
	stuck := make(chan struct{})
	defer close(stuck)
	p := newPINServer(t, func(cfg *sipconnect.HandlerConfig) {
		menuOf(cfg).ResolveTimeout = 20 * time.Millisecond
		menuOf(cfg).Resolver = pins.ResolverFunc(func(context.Context, string, sipconnect.Call) (pins.Target, error) {
			<-stuck
			return pins.Target{}, pins.ErrUnknown
		})
	})
	answered := make(chan pinAnswer, 1)
	go func() { answered <- p.answerTo(t, callForm(), "123456789") }()
	select {
	case a := <-answered:
		assert.Equal(t, []string{tryLater}, a.Say)
	case <-time.After(time.Minute):
		t.Fatal("no answer while the resolver is stuck")
	}
	assert.Contains(t, p.srv.Logs.String(), "no answer in time")
	assert.Equal(t, 0, p.failures(t, pins.FailuresKey(callerPhone)), "a lookup that failed costs the caller nothing")
}

// markDownStore cannot read the directory's mark, as when the Redis
// Cluster node that holds it is down while the nodes that hold the PINs
// and the counts answer.
type markDownStore struct{ store.Store }

func (m markDownStore) Get(ctx context.Context, key string) ([]byte, error) {
	if key == "sipconnect:pin-directory" {
		return nil, fmt.Errorf("%w: node down", store.ErrUnavailable)
	}
	return m.Store.Get(ctx, key)
}

// TestPINMarkUnreadableCountsWrongPINs: only a wrong PIN makes the
// directory read its mark, so a mark that cannot be read must not turn
// wrong PINs into failed lookups, which charge nobody: one number could
// then guess without a bound and tell a wrong PIN ("try later") from the
// right one, which bridges.
func TestPINMarkUnreadableCountsWrongPINs(t *testing.T) {
	var dir pins.Resolver
	p := newPINServer(t, func(cfg *sipconnect.HandlerConfig) {
		menuOf(cfg).Resolver = pins.ResolverFunc(func(ctx context.Context, pin string, call sipconnect.Call) (pins.Target, error) {
			return dir.ResolvePIN(ctx, pin, call)
		})
	})
	d, err := pins.NewDirectory(markDownStore{p.store}, pins.DirectoryConfig{RoomCodesOnly: true})
	require.NoError(t, err)
	dir = d
	pin := p.issue(t, pins.Target{RoomCode: "abc-defg-hij"})

	_, err = d.ResolvePIN(context.Background(), "0000000000", sipconnect.Call{})
	require.ErrorIs(t, err, pins.ErrUnknown)
	for i := range 4 {
		a := p.answerTo(t, callForm(), fmt.Sprintf("%010d", i))
		require.NotNil(t, a.Gather, "wrong PIN %d is asked again", i+1)
	}
	assert.Equal(t, 4, p.failures(t, pins.FailuresKey(callerPhone)), "each wrong PIN is counted")
	assert.Equal(t, []string{lockedUp}, p.answerTo(t, callForm(), "0000000004").Say, "the fifth locks the number out")
	assert.Nil(t, p.answerTo(t, callForm(), pin).Dial, "a locked-out number does not get in, even with the right PIN")
}

// TestPublicAPI pins the exported names of the package: each serves a user
// and is documented.
func TestPublicAPI(t *testing.T) {
	want := []string{
		"Config", "Config.AttachPIN", "DefaultAttempts", "DefaultLength", "DefaultLockoutFails", "DefaultLockoutWindow",
		"DefaultPath", "DefaultPrompts", "DefaultResolveTimeout", "DefaultStepTTL", "DefaultStoreTimeout", "DefaultTimeout",
		"DefaultWithheldFailures", "DefaultWrongPINsPerMinute", "Directory", "Directory.Issue", "Directory.IssueWithTTL",
		"Directory.List", "Directory.ResolvePIN", "Directory.Revoke", "DirectoryConfig", "ErrDirectoryLost", "ErrUnknown",
		"Issued", "MaxLength", "MinLength", "NewDirectory", "Prompts", "Resolver", "ResolverFunc", "ResolverFunc.ResolvePIN",
		"Target",
	}
	apisurface.Check(t, ".", want)
}

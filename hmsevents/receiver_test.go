package hmsevents_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"

	"github.com/hmssip/interconnect-go/hmsevents"
	"github.com/hmssip/interconnect-go/internal/apisurface"
	"github.com/hmssip/interconnect-go/store"
)

const (
	testHeader = "X-Webhook-Secret"
	testSecret = "s3cr3t-hunter2-value"
)

// eventJSON returns a peer.join.success event with the given id.
func eventJSON(id string) string {
	return `{"version":"2.0","id":"` + id + `","account_id":"acc","app_id":"app","timestamp":"2021-11-30T12:58:49Z",` +
		`"type":"peer.join.success","data":{"room_id":"room1","peer_id":"peer-` + id + `","user_id":"call-1",` +
		`"user_name":"+15551234567","joined_at":"2021-11-30T12:58:49.97291247Z","type":"sip"}}`
}

// counter is a Handler that counts calls per event id.
type counter struct {
	mu    sync.Mutex
	calls map[string]int
	fail  func(e hmsevents.Event) error // nil: never fails
}

func newCounter() *counter { return &counter{calls: map[string]int{}} }

func (c *counter) HandleEvent(_ context.Context, e hmsevents.Event) error {
	if c.fail != nil {
		if err := c.fail(e); err != nil {
			return err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[e.ID]++
	return nil
}

func (c *counter) count(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[id]
}

func (c *counter) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.calls {
		n += v
	}
	return n
}

// testConfig returns a Config with the test secret, the handler h and a
// logger writing to logs (nil: discarded).
func testConfig(h hmsevents.Handler, logs *bytes.Buffer) hmsevents.Config {
	cfg := hmsevents.Config{SecretHeader: testHeader, Secret: testSecret, Handler: h, Logger: slog.New(slog.DiscardHandler)}
	if logs != nil {
		cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return cfg
}

func newReceiver(t *testing.T, cfg hmsevents.Config) *hmsevents.Receiver {
	t.Helper()
	r, err := hmsevents.NewReceiver(cfg)
	require.NoError(t, err)
	return r
}

// post builds an authenticated webhook request with body.
func post(body string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/hooks/100ms/events", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(testHeader, testSecret)
	return req
}

func serve(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestReceiverAnswers(t *testing.T) {
	big := `{"version":"2.0","id":"big","type":"x","data":{"pad":"` + strings.Repeat("a", 2000) + `"}}`
	tests := []struct {
		name   string
		req    func() *http.Request
		status int
	}{
		{"valid", func() *http.Request { return post(eventJSON("e1")) }, http.StatusOK},
		{"missing secret", func() *http.Request {
			r := post(eventJSON("e1"))
			r.Header.Del(testHeader)
			return r
		}, http.StatusUnauthorized},
		{"wrong secret", func() *http.Request {
			r := post(eventJSON("e1"))
			r.Header.Set(testHeader, "wrong")
			return r
		}, http.StatusUnauthorized},
		{"secret with a suffix", func() *http.Request {
			r := post(eventJSON("e1"))
			r.Header.Set(testHeader, testSecret+"x")
			return r
		}, http.StatusUnauthorized},
		{"empty secret", func() *http.Request {
			r := post(eventJSON("e1"))
			r.Header.Set(testHeader, "")
			return r
		}, http.StatusUnauthorized},
		{"secret in another header", func() *http.Request {
			r := post(eventJSON("e1"))
			r.Header.Del(testHeader)
			r.Header.Set("X-Other", testSecret)
			return r
		}, http.StatusUnauthorized},
		{"unauthenticated GET", func() *http.Request {
			return httptest.NewRequest(http.MethodGet, "/hooks/100ms/events", nil)
		}, http.StatusUnauthorized},
		{"GET", func() *http.Request {
			r := httptest.NewRequest(http.MethodGet, "/hooks/100ms/events", nil)
			r.Header.Set(testHeader, testSecret)
			return r
		}, http.StatusMethodNotAllowed},
		{"body over the limit", func() *http.Request { return post(big) }, http.StatusRequestEntityTooLarge},
		{"not JSON", func() *http.Request { return post(`{"id":`) }, http.StatusBadRequest},
		{"trailing garbage", func() *http.Request { return post(eventJSON("e1") + "x") }, http.StatusBadRequest},
		{"JSON array", func() *http.Request { return post(`[]`) }, http.StatusBadRequest},
		{"empty body", func() *http.Request { return post(``) }, http.StatusBadRequest},
		{"no id", func() *http.Request { return post(`{"type":"peer.join.success","data":{}}`) }, http.StatusBadRequest},
		{"no type", func() *http.Request { return post(`{"id":"e1","data":{}}`) }, http.StatusBadRequest},
		{"too long id", func() *http.Request {
			return post(`{"id":"` + strings.Repeat("a", 300) + `","type":"x"}`)
		}, http.StatusBadRequest},
		{"bad timestamp", func() *http.Request {
			return post(`{"id":"e1","type":"x","timestamp":"30/11/2021"}`)
		}, http.StatusBadRequest},
		{"known type, data not an object", func() *http.Request {
			return post(`{"id":"e1","type":"peer.join.success","data":"oops"}`)
		}, http.StatusBadRequest},
		{"known type, no data", func() *http.Request {
			return post(`{"id":"e1","type":"peer.leave.success"}`)
		}, http.StatusBadRequest},
		{"known type, bad duration", func() *http.Request {
			return post(`{"id":"e1","type":"peer.leave.success","data":{"duration":"forty"}}`)
		}, http.StatusBadRequest},
		{"unknown type", func() *http.Request {
			return post(`{"id":"e1","type":"recording.success","data":{"size":1}}`)
		}, http.StatusOK},
		{"unknown type without data", func() *http.Request { return post(`{"id":"e1","type":"beam.failure"}`) }, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newCounter()
			cfg := testConfig(h, nil)
			cfg.MaxBodyBytes = 1024
			cfg.Logger = slog.New(slog.DiscardHandler)
			rec := serve(newReceiver(t, cfg), tt.req())
			assert.Equal(t, tt.status, rec.Code, rec.Body.String())
			if tt.status == http.StatusOK {
				assert.Equal(t, 1, h.total())
				assert.Empty(t, rec.Body.String())
			} else {
				assert.Zero(t, h.total(), "the handler must not run")
			}
			if tt.status == http.StatusMethodNotAllowed {
				assert.Equal(t, http.MethodPost, rec.Header().Get("Allow"))
			}
		})
	}
}

func TestInsecureAcceptsWithoutSecret(t *testing.T) {
	h := newCounter()
	r := newReceiver(t, hmsevents.Config{Insecure: true, Handler: h, Logger: slog.New(slog.DiscardHandler)})
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(eventJSON("e1")))
	assert.Equal(t, http.StatusOK, serve(r, req).Code)
	assert.Equal(t, 1, h.count("e1"))
}

func TestUnknownTypePassedThroughRaw(t *testing.T) {
	body := `{"version":"2.0","id":"rec-1","type":"recording.success","timestamp":"2021-11-30T12:58:49.5Z","data":{"size": 12, "location":"s3://b/k"}}`
	var got hmsevents.Event
	r := newReceiver(t, testConfig(hmsevents.HandlerFunc(func(_ context.Context, e hmsevents.Event) error {
		got = e
		return nil
	}), nil))
	require.Equal(t, http.StatusOK, serve(r, post(body)).Code)
	assert.Equal(t, "recording.success", got.Type)
	assert.Equal(t, "rec-1", got.ID)
	assert.Equal(t, time.Date(2021, 11, 30, 12, 58, 49, 5e8, time.UTC), got.Timestamp)
	assert.JSONEq(t, `{"size": 12, "location":"s3://b/k"}`, string(got.Data))
	_, err := got.Peer()
	assert.ErrorIs(t, err, hmsevents.ErrEventType)
}

func TestSameEventThreeTimesHandledOnce(t *testing.T) {
	h := newCounter()
	r := newReceiver(t, testConfig(h, nil))
	for range 3 {
		assert.Equal(t, http.StatusOK, serve(r, post(eventJSON("e1"))).Code)
	}
	assert.Equal(t, 1, h.count("e1"))
}

func TestTwoReceiversSharingAStoreHandleOnce(t *testing.T) {
	shared := store.NewMemory() // stands for Redis shared by two instances
	h := newCounter()
	a := newReceiver(t, hmsevents.Config{SecretHeader: testHeader, Secret: testSecret, Handler: h, Store: shared})
	b := newReceiver(t, hmsevents.Config{SecretHeader: testHeader, Secret: testSecret, Handler: h, Store: shared})
	for _, r := range []*hmsevents.Receiver{a, b, a, b} {
		assert.Equal(t, http.StatusOK, serve(r, post(eventJSON("e1"))).Code)
	}
	assert.Equal(t, 1, h.count("e1"))

	// Without a shared store each instance handles the event: the default
	// store is per process.
	c := newReceiver(t, testConfig(h, nil))
	assert.Equal(t, http.StatusOK, serve(c, post(eventJSON("e1"))).Code)
	assert.Equal(t, 2, h.count("e1"))
}

func TestHandlerErrorAnswers503AndTheRetryIsHandled(t *testing.T) {
	h := newCounter()
	failures := 1
	h.fail = func(hmsevents.Event) error {
		if failures > 0 {
			failures--
			return errors.New("database down")
		}
		return nil
	}
	var logs bytes.Buffer
	r := newReceiver(t, testConfig(h, &logs))
	assert.Equal(t, http.StatusServiceUnavailable, serve(r, post(eventJSON("e1"))).Code)
	assert.Equal(t, 0, h.count("e1"))
	assert.Equal(t, http.StatusOK, serve(r, post(eventJSON("e1"))).Code, "100ms's retry is handled")
	assert.Equal(t, 1, h.count("e1"))
	assert.Equal(t, http.StatusOK, serve(r, post(eventJSON("e1"))).Code, "a later duplicate is not")
	assert.Equal(t, 1, h.count("e1"))
	assert.Contains(t, logs.String(), "database down")
}

func TestHandlerPanicReleasesTheEvent(t *testing.T) {
	h := newCounter()
	panics := true
	h.fail = func(hmsevents.Event) error {
		if panics {
			panics = false
			panic("boom")
		}
		return nil
	}
	r := newReceiver(t, testConfig(h, nil))
	assert.PanicsWithValue(t, "boom", func() { serve(r, post(eventJSON("e1"))) })
	assert.Equal(t, http.StatusOK, serve(r, post(eventJSON("e1"))).Code)
	assert.Equal(t, 1, h.count("e1"))
}

func TestEventInFlightElsewhereAnswers409(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	var calls atomic.Int32
	h := hmsevents.HandlerFunc(func(context.Context, hmsevents.Event) error {
		calls.Add(1)
		close(entered)
		<-release
		return nil
	})
	r := newReceiver(t, testConfig(h, nil))
	first := make(chan int)
	go func() { first <- serve(r, post(eventJSON("e1"))).Code }()
	<-entered
	assert.Equal(t, http.StatusConflict, serve(r, post(eventJSON("e1"))).Code)
	close(release)
	assert.Equal(t, http.StatusOK, <-first)
	assert.Equal(t, http.StatusOK, serve(r, post(eventJSON("e1"))).Code)
	assert.Equal(t, int32(1), calls.Load())
}

func TestHandlerContextIsBounded(t *testing.T) {
	var deadline time.Duration
	h := hmsevents.HandlerFunc(func(ctx context.Context, _ hmsevents.Event) error {
		d, ok := ctx.Deadline()
		require.True(t, ok)
		deadline = time.Until(d)
		return nil
	})
	cfg := testConfig(h, nil)
	cfg.HandlerTimeout = 2 * time.Second
	require.Equal(t, http.StatusOK, serve(newReceiver(t, cfg), post(eventJSON("e1"))).Code)
	assert.InDelta(t, float64(2*time.Second), float64(deadline), float64(time.Second))
}

// faultyStore is a store whose operations fail: with err at once, or, when
// block is set, by waiting for the context to end as a store that does not
// answer would.
type faultyStore struct {
	store.Store
	err   error
	block bool
	calls atomic.Int32
}

func (f *faultyStore) fail(ctx context.Context) error {
	f.calls.Add(1)
	if f.block {
		<-ctx.Done()
		return fmt.Errorf("%w: %w", store.ErrUnavailable, ctx.Err())
	}
	return f.err
}

func (f *faultyStore) SetNX(ctx context.Context, _ string, _ []byte, _ time.Duration) (bool, error) {
	return false, f.fail(ctx)
}

func (f *faultyStore) Get(ctx context.Context, _ string) ([]byte, error) { return nil, f.fail(ctx) }

func (f *faultyStore) Delete(ctx context.Context, _ string) (bool, error) { return false, f.fail(ctx) }

func TestStoreUnavailableAnswers503Promptly(t *testing.T) {
	for _, fs := range []*faultyStore{
		{err: fmt.Errorf("%w: connection refused", store.ErrUnavailable)},
		{block: true},
	} {
		t.Run(fmt.Sprintf("block=%t", fs.block), func(t *testing.T) {
			h := newCounter()
			var logs bytes.Buffer
			cfg := testConfig(h, &logs)
			cfg.Store = fs
			cfg.StoreTimeout = 50 * time.Millisecond
			start := time.Now()
			rec := serve(newReceiver(t, cfg), post(eventJSON("e1")))
			elapsed := time.Since(start)
			assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
			assert.Less(t, elapsed, 50*time.Millisecond+time.Second, "answered within StoreTimeout and some slack")
			assert.Zero(t, h.total(), "no handling without dedupe")
			assert.Contains(t, logs.String(), "store unavailable")
		})
	}
}

// flakyStore wraps a store and fails the Get of the done key, or the write
// of it, on demand.
type flakyStore struct {
	store.Store
	failGet, failDone atomic.Bool
}

func (f *flakyStore) Get(ctx context.Context, key string) ([]byte, error) {
	if f.failGet.Load() {
		return nil, store.ErrUnavailable
	}
	return f.Store.Get(ctx, key)
}

func (f *flakyStore) SetNX(ctx context.Context, key string, v []byte, ttl time.Duration) (bool, error) {
	if f.failDone.Load() && strings.Contains(key, "done") {
		return false, store.ErrUnavailable
	}
	return f.Store.SetNX(ctx, key, v, ttl)
}

func TestStoreFailingAfterTheClaim(t *testing.T) {
	fs := &flakyStore{Store: store.NewMemory()}
	h := newCounter()
	cfg := testConfig(h, nil)
	cfg.Store = fs
	r := newReceiver(t, cfg)

	// The check fails: 503, and the claim is released for the retry.
	fs.failGet.Store(true)
	assert.Equal(t, http.StatusServiceUnavailable, serve(r, post(eventJSON("e1"))).Code)
	fs.failGet.Store(false)
	assert.Equal(t, http.StatusOK, serve(r, post(eventJSON("e1"))).Code)
	assert.Equal(t, 1, h.count("e1"))

	// Recording the success fails: still 200, since the event was handled.
	fs.failDone.Store(true)
	var logs bytes.Buffer
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	r = newReceiver(t, cfg)
	assert.Equal(t, http.StatusOK, serve(r, post(eventJSON("e2"))).Code)
	assert.Equal(t, 1, h.count("e2"))
	assert.Contains(t, logs.String(), "handled but not recorded")
}

func TestConcurrentDeliveriesHandledExactlyOnce(t *testing.T) {
	const events, workers = 1000, 64
	var deliveries []string
	for i := range events {
		deliveries = append(deliveries, fmt.Sprintf("ev-%04d", i))
		if i%10 == 0 {
			deliveries = append(deliveries, fmt.Sprintf("ev-%04d", i)) // 10% delivered twice
		}
	}
	counts := make(map[string]*atomic.Int32, events)
	for _, id := range deliveries {
		counts[id] = new(atomic.Int32)
	}
	h := hmsevents.HandlerFunc(func(_ context.Context, e hmsevents.Event) error {
		counts[e.ID].Add(1)
		return nil
	})
	shared := store.NewMemory()
	var receivers []*hmsevents.Receiver
	for range 2 {
		cfg := testConfig(h, nil)
		cfg.Store = shared
		cfg.Logger = slog.New(slog.DiscardHandler)
		receivers = append(receivers, newReceiver(t, cfg))
	}
	var oks sync.Map
	work := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				id := deliveries[i]
				code := serve(receivers[i%2], post(eventJSON(id))).Code
				if !assert.Contains(t, []int{http.StatusOK, http.StatusConflict}, code) {
					continue
				}
				if code == http.StatusOK {
					oks.Store(id, true)
				}
			}
		}()
	}
	for i := range deliveries {
		work <- i
	}
	close(work)
	wg.Wait()
	for id, n := range counts {
		assert.Equal(t, int32(1), n.Load(), id)
		_, ok := oks.Load(id)
		assert.True(t, ok, "%s acknowledged", id)
	}
}

func TestSenderAllowList(t *testing.T) {
	hundredms := netip.MustParsePrefix("34.100.213.146/32")
	proxies := netip.MustParsePrefix("10.0.0.0/8")
	tests := []struct {
		name    string
		remote  string
		xff     []string
		trusted bool
		status  int
	}{
		{"allowed sender", "34.100.213.146:40000", nil, false, http.StatusOK},
		{"other sender", "203.0.113.9:40000", nil, false, http.StatusForbidden},
		{"IPv4-mapped IPv6 sender", "[::ffff:34.100.213.146]:40000", nil, false, http.StatusOK},
		{"bare address", "34.100.213.146", nil, false, http.StatusOK},
		{"unparsable remote", "somewhere", nil, false, http.StatusForbidden},
		{"forwarded header ignored by default", "203.0.113.9:40000", []string{"34.100.213.146"}, false, http.StatusForbidden},
		{"proxy not trusted by default", "10.1.2.3:40000", []string{"34.100.213.146"}, false, http.StatusForbidden},
		{"trusted proxy", "10.1.2.3:40000", []string{"34.100.213.146"}, true, http.StatusOK},
		{"trusted proxy chain", "10.1.2.3:40000", []string{"34.100.213.146, 10.9.9.9"}, true, http.StatusOK},
		{"trusted proxy, several lines", "10.1.2.3:40000", []string{"34.100.213.146", "10.9.9.9"}, true, http.StatusOK},
		{"spoofed left entry", "10.1.2.3:40000", []string{"34.100.213.146, 198.51.100.7"}, true, http.StatusForbidden},
		{"client forges the header, proxy appends", "10.1.2.3:40000", []string{"34.100.213.146", "203.0.113.9"}, true, http.StatusForbidden},
		{"untrusted peer with forwarded header", "203.0.113.9:40000", []string{"34.100.213.146"}, true, http.StatusForbidden},
		{"trusted proxy without header", "10.1.2.3:40000", nil, true, http.StatusForbidden},
		{"garbage entry", "10.1.2.3:40000", []string{"34.100.213.146, nonsense"}, true, http.StatusForbidden},
		{"entry with a port", "10.1.2.3:40000", []string{"34.100.213.146:5555"}, true, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newCounter()
			cfg := testConfig(h, nil)
			cfg.Logger = slog.New(slog.DiscardHandler)
			cfg.AllowedNetworks = []netip.Prefix{hundredms}
			if tt.trusted {
				cfg.TrustForwardedFor = []netip.Prefix{proxies}
			}
			req := post(eventJSON("e1"))
			req.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				req.Header.Add("X-Forwarded-For", v)
			}
			assert.Equal(t, tt.status, serve(newReceiver(t, cfg), req).Code)
			if tt.status != http.StatusOK {
				assert.Zero(t, h.total())
			}
		})
	}
}

func TestSenderCheckedBeforeTheSecret(t *testing.T) {
	cfg := testConfig(newCounter(), nil)
	cfg.AllowedNetworks = []netip.Prefix{netip.MustParsePrefix("34.100.213.146/32")}
	req := post(eventJSON("e1"))
	req.Header.Del(testHeader)
	assert.Equal(t, http.StatusForbidden, serve(newReceiver(t, cfg), req).Code)
}

func TestOverRealHTTP(t *testing.T) {
	h := newCounter()
	cfg := testConfig(h, nil)
	cfg.AllowedNetworks = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	mux := http.NewServeMux()
	mux.Handle("POST /hooks/100ms/events", newReceiver(t, cfg))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for range 2 {
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/hooks/100ms/events", strings.NewReader(eventJSON("e1")))
		require.NoError(t, err)
		req.Header.Set(testHeader, testSecret)
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode)
	}
	assert.Equal(t, 1, h.count("e1"))
}

func TestNewReceiverRefusesBadConfig(t *testing.T) {
	h := newCounter()
	tests := []struct {
		name string
		cfg  hmsevents.Config
	}{
		{"no handler", hmsevents.Config{SecretHeader: testHeader, Secret: testSecret}},
		{"no secret", hmsevents.Config{Handler: h}},
		{"header without value", hmsevents.Config{SecretHeader: testHeader, Handler: h}},
		{"value without header", hmsevents.Config{Secret: testSecret, Handler: h}},
		{"insecure with a secret", hmsevents.Config{Insecure: true, SecretHeader: testHeader, Secret: testSecret, Handler: h}},
		{"bad header name", hmsevents.Config{SecretHeader: "X Secret", Secret: testSecret, Handler: h}},
		{"secret with spaces", hmsevents.Config{SecretHeader: testHeader, Secret: " " + testSecret, Handler: h}},
		{"secret with a newline", hmsevents.Config{SecretHeader: testHeader, Secret: testSecret + "\nX: y", Handler: h}},
		{"invalid prefix", hmsevents.Config{SecretHeader: testHeader, Secret: testSecret, Handler: h, AllowedNetworks: []netip.Prefix{{}}}},
		{"negative size", hmsevents.Config{SecretHeader: testHeader, Secret: testSecret, Handler: h, MaxBodyBytes: -1}},
		{"negative timeout", hmsevents.Config{SecretHeader: testHeader, Secret: testSecret, Handler: h, StoreTimeout: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := hmsevents.NewReceiver(tt.cfg)
			assert.Error(t, err)
			assert.Nil(t, r)
			if err != nil {
				assert.NotContains(t, err.Error(), "hunter2")
			}
		})
	}
}

func TestSecretNeverShown(t *testing.T) {
	var logs bytes.Buffer
	h := hmsevents.HandlerFunc(func(context.Context, hmsevents.Event) error { return errors.New("failed") })
	cfg := testConfig(h, &logs)
	cfg.AllowedNetworks = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}
	r := newReceiver(t, cfg)

	// Requests that fail at every step, so that every log line is written.
	for _, req := range []*http.Request{
		post(eventJSON("e1")),
		post(`{"id":`),
		post(strings.Repeat(" ", hmsevents.DefaultMaxBodyBytes+1)),
		httptest.NewRequest(http.MethodPost, "/", strings.NewReader(eventJSON("e2"))),
	} {
		serve(r, req)
	}
	wrong := post(eventJSON("e3"))
	wrong.Header.Set(testHeader, testSecret[:10])
	serve(r, wrong)

	var outs []string
	for _, v := range []any{cfg, &cfg, r, *r, struct{ C hmsevents.Config }{cfg}, []hmsevents.Config{cfg}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T", "%10.3v"} {
			outs = append(outs, fmt.Sprintf(verb, v))
		}
		var buf bytes.Buffer
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "v", v)
		slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "v", v)
		outs = append(outs, buf.String())
	}
	outs = append(outs, logs.String())
	for _, o := range outs {
		assert.NotContains(t, o, "hunter2")
		assert.NotContains(t, o, "s3cr3t")
	}
	assert.Contains(t, fmt.Sprint(cfg), `Secret:"[REDACTED]"`)
	assert.Contains(t, fmt.Sprintf("%#v", cfg), `SecretHeader:"X-Webhook-Secret"`)
	assert.Contains(t, logs.String(), "webhook refused")
}

func TestLogsHoldNoUserName(t *testing.T) {
	var logs bytes.Buffer
	fail := true
	h := hmsevents.HandlerFunc(func(context.Context, hmsevents.Event) error {
		if fail {
			fail = false
			return errors.New("no")
		}
		return nil
	})
	r := newReceiver(t, testConfig(h, &logs))
	for range 3 {
		serve(r, post(eventJSON("e1")))
	}
	serve(r, post(`{"id":"e2","type":"peer.join.success","data":{"user_name":"+15551234567","duration":"x"}}`))
	assert.NotContains(t, logs.String(), "5551234567")
	assert.Contains(t, logs.String(), "event handled")
	assert.Contains(t, logs.String(), "duplicate event ignored")
}

func BenchmarkReceiver(b *testing.B) {
	r, err := hmsevents.NewReceiver(hmsevents.Config{
		SecretHeader: testHeader, Secret: testSecret,
		Handler: hmsevents.HandlerFunc(func(context.Context, hmsevents.Event) error { return nil }),
		Logger:  slog.New(slog.DiscardHandler),
	})
	require.NoError(b, err)
	bodies := make([]string, b.N)
	for i := range bodies {
		bodies[i] = eventJSON(fmt.Sprintf("bench-%d", i))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		rec := serve(r, post(bodies[i]))
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}

// scope is the instrumentation scope of the receiver's metrics.
const scope = "github.com/hmssip/interconnect-go/hmsevents"

// unavailableStore refuses every claim, as a store that is down does.
type unavailableStore struct{ store.Store }

func (unavailableStore) SetNX(context.Context, string, []byte, time.Duration) (bool, error) {
	return false, store.ErrUnavailable
}

// spanRecorder is a Handler that keeps the span context of each call's
// context, by event id.
type spanRecorder struct {
	mu    sync.Mutex
	spans map[string]trace.SpanContext
}

func (h *spanRecorder) HandleEvent(ctx context.Context, e hmsevents.Event) error {
	h.mu.Lock()
	h.spans[e.ID] = trace.SpanContextFromContext(ctx)
	h.mu.Unlock()
	if e.ID == "fail" {
		return errors.New("handler failed")
	}
	return nil
}

// TestReceiverTelemetry sends webhooks over HTTP that the receiver answers
// in each way but a panic, and checks the delivery counter and the spans:
// one per request, the child of the traceparent it carries, the parent of
// the handler's context.
func TestReceiverTelemetry(t *testing.T) {
	o := apisurface.NewObserved()
	h := &spanRecorder{spans: map[string]trace.SpanContext{}}
	cfg := testConfig(h, nil)
	cfg.MeterProvider, cfg.TracerProvider = o.MP, o.TP
	srv := httptest.NewServer(newReceiver(t, cfg))
	t.Cleanup(srv.Close)
	cfg.Store = unavailableStore{store.NewMemory()}
	down := httptest.NewServer(newReceiver(t, cfg))
	t.Cleanup(down.Close)

	const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	send := func(url, method, body string, header ...string) int {
		t.Helper()
		req, err := http.NewRequest(method, url+"/hooks/100ms/events", strings.NewReader(body))
		require.NoError(t, err)
		for i := 0; i < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	auth := []string{testHeader, testSecret}
	assert.Equal(t, 200, send(srv.URL, "POST", eventJSON("e1"), auth...))
	assert.Equal(t, 200, send(srv.URL, "POST", eventJSON("e1"), auth...))
	assert.Equal(t, 200, send(srv.URL, "POST", eventJSON("traced"), testHeader, testSecret, "traceparent", traceparent))
	assert.Equal(t, 401, send(srv.URL, "POST", eventJSON("e2")))
	assert.Equal(t, 405, send(srv.URL, "GET", "", auth...))
	assert.Equal(t, 400, send(srv.URL, "POST", "{", auth...))
	assert.Equal(t, 400, send(srv.URL, "POST", `{"id":"e3","type":"peer.leave.success","data":{"left_at":"x"}}`, auth...))
	assert.Equal(t, 200, send(srv.URL, "POST", `{"id":"e4","type":"recording.success","data":{}}`, auth...))
	assert.Equal(t, 503, send(srv.URL, "POST", eventJSON("fail"), auth...))
	assert.Equal(t, 503, send(down.URL, "POST", eventJSON("e5"), auth...))

	assert.Equal(t, map[string]any{
		"unit:sipconnect.webhook.deliveries":                                             "{delivery}",
		"sipconnect.webhook.deliveries{result=handled,type=peer.join.success}":           int64(2),
		"sipconnect.webhook.deliveries{result=duplicate,type=peer.join.success}":         int64(1),
		"sipconnect.webhook.deliveries{result=unauthorized,type=unknown}":                int64(1),
		"sipconnect.webhook.deliveries{result=method_not_allowed,type=unknown}":          int64(1),
		"sipconnect.webhook.deliveries{result=bad_request,type=unknown}":                 int64(1),
		"sipconnect.webhook.deliveries{result=bad_request,type=peer.leave.success}":      int64(1),
		"sipconnect.webhook.deliveries{result=handled,type=unknown}":                     int64(1),
		"sipconnect.webhook.deliveries{result=handler_failed,type=peer.join.success}":    int64(1),
		"sipconnect.webhook.deliveries{result=store_unavailable,type=peer.join.success}": int64(1),
	}, o.Points(t, scope))

	ended := o.Spans.Ended()
	require.Len(t, ended, 10)
	var results []string
	for _, s := range ended {
		assert.Equal(t, "hmsevents.delivery", s.Name())
		assert.Equal(t, trace.SpanKindServer, s.SpanKind())
		results = append(results, apisurface.SpanValue(s, "hmsevents.result").AsString())
	}
	assert.Equal(t, []string{"handled", "duplicate", "handled", "unauthorized", "method_not_allowed", "bad_request",
		"bad_request", "handled", "handler_failed", "store_unavailable"}, results)
	traced := o.EndedSpan(h.spans["traced"].SpanID())
	require.NotNil(t, traced, "the handler's context holds the delivery's span")
	assert.Equal(t, "0af7651916cd43dd8448eb211c80319c", traced.SpanContext().TraceID().String())
	assert.Equal(t, "b7ad6b7169203331", traced.Parent().SpanID().String())
	assert.True(t, traced.Parent().IsRemote())
	untraced := o.EndedSpan(h.spans["e1"].SpanID())
	require.NotNil(t, untraced)
	assert.False(t, untraced.Parent().IsValid(), "without a traceparent, a root span")
}

// TestReceiverTelemetryDefault checks that a receiver given no provider
// answers and records into no reader.
func TestReceiverTelemetryDefault(t *testing.T) {
	o := apisurface.NewObserved()
	r := newReceiver(t, testConfig(newCounter(), nil))
	assert.Equal(t, http.StatusOK, serve(r, post(eventJSON("e1"))).Code)
	assert.Equal(t, http.StatusOK, serve(r, post(eventJSON("e1"))).Code)
	assert.Empty(t, o.Points(t, scope))
}

// TestReceiverTelemetryHoldsNoSecret finds neither the secret, the
// event's id, room, peer or user name (a phone number) nor a type the
// package does not declare in any attribute or span name.
func TestReceiverTelemetryHoldsNoSecret(t *testing.T) {
	o := apisurface.NewObserved()
	cfg := testConfig(newCounter(), nil)
	cfg.MeterProvider, cfg.TracerProvider = o.MP, o.TP
	r := newReceiver(t, cfg)
	serve(r, post(eventJSON("evt-7731")))
	serve(r, post(eventJSON("evt-7731")))
	serve(r, post(`{"id":"evt-7732","type":"+15551234567","data":{}}`))
	bad := post(eventJSON("evt-7733"))
	bad.Header.Set(testHeader, testSecret+"x")
	serve(r, bad)
	o.AssertHoldsNone(t, testSecret, "evt-77", "room1", "peer-", "5551234567", "call-1")
}

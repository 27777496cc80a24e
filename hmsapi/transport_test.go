package hmsapi_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/roomcode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConnectionsKeptForBursts sends 5 waves of 50 concurrent lookups of
// distinct rooms to an HTTP/1.1 server and counts the TCP connections the
// client opens: the idle pool must hold a wave's connections for the next.
func TestConnectionsKeptForBursts(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(20 * time.Millisecond) // long enough for a wave to be in flight at once
		room := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"data":[{"code":"abc-defg-hij","room_id":%q,"role":"guest","enabled":true}],"last":""}`, room)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	api, err := hmsapi.New(hmsapi.WithBaseURL(srv.URL+"/v2"), hmsapi.WithManagementToken("mgmt-token-0123456789"))
	require.NoError(t, err)
	t.Cleanup(api.CloseIdleConnections)
	cache := roomcode.NewCache(roomcode.NewClient(api), roomcode.CacheConfig{})

	for wave := range 5 {
		var wg sync.WaitGroup
		for i := range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := cache.Code(context.Background(), fmt.Sprintf("room-%d-%d", wave, i), "guest")
				assert.NoError(t, err)
			}()
		}
		wg.Wait()
	}
	assert.LessOrEqual(t, conns.Load(), int32(60), "TCP connections opened for 250 requests in waves of 50")
	t.Logf("%d TCP connections for 250 requests", conns.Load())
}

// TestHugeRetryAfterGivesUp answers a repeatable request with 429 and a
// Retry-After beyond the policy's MaxRetryAfter, some of them so large
// that seconds times time.Second overflows a Duration: the client must
// give up after the one request and return the 429, never read the delay
// as a short (or negative) wait and retry.
func TestHugeRetryAfterGivesUp(t *testing.T) {
	for _, v := range []string{"3600", "9223372037", "18446744074", "99999999999999999999"} {
		t.Run(v, func(t *testing.T) {
			var n atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n.Add(1)
				w.Header().Set("Retry-After", v)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusTooManyRequests)
				_, _ = w.Write([]byte(`{"code":429,"message":"slow down"}`))
			}))
			t.Cleanup(srv.Close)
			api, err := hmsapi.New(hmsapi.WithBaseURL(srv.URL), hmsapi.WithManagementToken("mgmt-token-0123456789"))
			require.NoError(t, err)
			t.Cleanup(api.CloseIdleConnections)

			err = api.Do(context.Background(), hmsapi.Request{Method: http.MethodGet, Path: "/rooms", Repeatable: true}, nil)
			var apiErr *hmsapi.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.ErrorIs(t, err, hmsapi.ErrRateLimited)
			assert.Greater(t, apiErr.RetryAfter, hmsapi.DefaultRetryPolicy().MaxRetryAfter, "Retry-After %s read as %v", v, apiErr.RetryAfter)
			assert.EqualValues(t, 1, n.Load(), "requests sent")
		})
	}
}

// TestNoRetrySendsOnce: a request marked NoRetry is sent once whatever the
// client's retry policy, for 5xx, 429 and connection errors alike; a
// refused token is still renewed once.
func TestNoRetrySendsOnce(t *testing.T) {
	for _, status := range []int{http.StatusServiceUnavailable, http.StatusTooManyRequests, http.StatusUnauthorized} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			var n atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n.Add(1)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(status)
				_, _ = w.Write([]byte(`{"code":1,"message":"no"}`))
			}))
			t.Cleanup(srv.Close)
			ts := &countingRenewer{}
			api, err := hmsapi.New(hmsapi.WithBaseURL(srv.URL), hmsapi.WithTokenSource(ts),
				hmsapi.WithRetryPolicy(hmsapi.RetryPolicy{MaxRetries: 3, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond, MaxRetryAfter: time.Second}))
			require.NoError(t, err)
			t.Cleanup(api.CloseIdleConnections)

			req := hmsapi.Request{Method: http.MethodGet, Path: "/rooms", Repeatable: true, NoRetry: true}
			var apiErr *hmsapi.APIError
			require.ErrorAs(t, api.Do(context.Background(), req, nil), &apiErr)
			assert.Equal(t, status, apiErr.StatusCode)
			want := int32(1)
			if status == http.StatusUnauthorized {
				want = 2 // renewed once and sent again: not a retry
			}
			assert.Equal(t, want, n.Load(), "requests sent")

			n.Store(0)
			req.NoRetry = false
			require.Error(t, api.Do(context.Background(), req, nil))
			if status != http.StatusUnauthorized {
				assert.EqualValues(t, 4, n.Load(), "without NoRetry, the policy's three retries")
			}
		})
	}
	t.Run("connection refused", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL
		srv.Close()
		var dials atomic.Int32
		hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		}}}
		api, err := hmsapi.New(hmsapi.WithBaseURL(url), hmsapi.WithManagementToken("mgmt-token-0123456789"), hmsapi.WithHTTPClient(hc),
			hmsapi.WithRetryPolicy(hmsapi.RetryPolicy{MaxRetries: 3, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}))
		require.NoError(t, err)
		err = api.Do(context.Background(), hmsapi.Request{Method: http.MethodGet, Path: "/rooms", Repeatable: true, NoRetry: true}, nil)
		require.Error(t, err)
		assert.EqualValues(t, 1, dials.Load(), "connections attempted")
	})
}

// countingRenewer hands out a new token each time it is renewed.
type countingRenewer struct{ n atomic.Int32 }

func (r *countingRenewer) Token(context.Context) (string, error) {
	return "token-" + strconv.Itoa(int(r.n.Load())), nil
}

func (r *countingRenewer) Renew(context.Context, string) (string, error) {
	return "token-" + strconv.Itoa(int(r.n.Add(1))), nil
}

// printed returns err in every form a caller might print it.
func printed(err error) []string {
	return []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), fmt.Sprintf("%q", err)}
}

// TestSecretsRedactedFromAPIErrors has a server echo the request's
// secrets, a long one and one of three characters, in every part of an
// error answer it controls: the message, the details, the X-Request-Id,
// and a non-JSON body in which a secret straddles the point where the body
// is cut. No field of the *APIError, and no printed form of it, may hold
// either secret.
func TestSecretsRedactedFromAPIErrors(t *testing.T) {
	const long, short = "trunk-pass-never-shown", "Zq9"
	echo := long + " " + short + "/" + long + short
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("X-Request-Id", "req-"+long+"-"+short)
		switch r.URL.Query().Get("as") {
		case "json":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"code":400,"message":"invalid trunk %s","details":["password %s is too weak","%s"]}`, echo, long, short)
		case "escaped":
			// The secret as a JSON encoder escapes it, in a body kept as text.
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprintf(w, `{"error":{"password":"a\"b<c>"}}`)
		default:
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			// The long secret starts 190 bytes in, across the 200-byte cut.
			fmt.Fprintf(w, "%s%s %s", strings.Repeat("x", 190), long, echo)
		}
	}))
	t.Cleanup(srv.Close)
	api, err := hmsapi.New(hmsapi.WithBaseURL(srv.URL), hmsapi.WithManagementToken("mgmt-token-0123456789"))
	require.NoError(t, err)
	t.Cleanup(api.CloseIdleConnections)

	for _, as := range []string{"json", "text", "escaped"} {
		t.Run(as, func(t *testing.T) {
			req := hmsapi.Request{Method: http.MethodPost, Path: "/things/" + short, Query: map[string][]string{"as": {as}},
				Body: map[string]string{"password": long}, Secrets: []string{short, "", long, `a"b<c>`}}
			err := api.Do(context.Background(), req, nil)
			var apiErr *hmsapi.APIError
			require.ErrorAs(t, err, &apiErr)
			fields := append([]string{apiErr.Path, apiErr.Message, apiErr.RequestID, apiErr.Body}, apiErr.Details...)
			for _, text := range append(fields, printed(err)...) {
				for _, s := range []string{long, short, `a"b<c>`, `a\"b<c>`, `a\"b\u003cc\u003e`} {
					assert.NotContains(t, text, s)
				}
				// No prefix of the long secret left at the cut either.
				assert.NotContains(t, text, long[:8])
			}
			assert.Contains(t, err.Error(), "[REDACTED]", "the error shows where a secret was")
			if as == "json" {
				assert.Equal(t, "invalid trunk [REDACTED] [REDACTED]/[REDACTED]", apiErr.Message)
				assert.Equal(t, []string{"password [REDACTED] is too weak", "[REDACTED]"}, apiErr.Details)
				assert.Equal(t, "req-[REDACTED]-[REDACTED]", apiErr.RequestID)
				assert.Equal(t, "/things/[REDACTED]", apiErr.Path)
			}
		})
	}
	assert.EqualValues(t, 3, n.Load())
}

// TestSecretsRedactedWhateverTheEscaping: a server, or a proxy before it,
// may quote a secret back in JSON escaped its own way: every non-ASCII
// character as \uXXXX (Python's json.dumps, many Java encoders), either
// case of hex, or "/" as "\/" (PHP's json_encode). None of these shows
// the secret.
func TestSecretsRedactedWhateverTheEscaping(t *testing.T) {
	const umlaut, slash = "Kennwört-Geheim", "s3cr3t/pass"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error":"invalid trunk","request":{"password":"Kennw\u00f6rt-Geheim","again":"Kennw\u00F6rt-Geheim",`+
			`"slash":"s3cr3t\/pass","both":"x s3cr3t\/pass Kennw\u00f6rt-Geheim \"q\"","plain":"kept \"as\" it is"}}`)
	}))
	t.Cleanup(srv.Close)
	api, err := hmsapi.New(hmsapi.WithBaseURL(srv.URL), hmsapi.WithManagementToken("mgmt-token-0123456789"))
	require.NoError(t, err)
	t.Cleanup(api.CloseIdleConnections)
	err = api.Do(context.Background(), hmsapi.Request{Method: http.MethodPost, Path: "/trunks",
		Body: map[string]string{"password": umlaut}, Secrets: []string{umlaut, slash}}, nil)
	var apiErr *hmsapi.APIError
	require.ErrorAs(t, err, &apiErr)
	for _, text := range append(printed(err), apiErr.Body) {
		for _, s := range []string{"Geheim", "s3cr3t", `\\/pass`} {
			assert.NotContains(t, text, s)
		}
	}
	assert.Contains(t, apiErr.Body, `"both":"x [REDACTED] [REDACTED] \"q\""`, "the rest of a literal is kept")
	assert.Contains(t, apiErr.Body, `"plain":"kept \"as\" it is"`, "a literal that holds no secret is left as it was")
}

// TestSecretsRedactedFromTransportErrors sends a request whose path holds
// a secret to a port nothing listens on: the transport's error quotes the
// URL, and the error returned must not. The request is not repeatable, and
// is still retried, since the connection was never made.
func TestSecretsRedactedFromTransportErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	var logs bytes.Buffer
	api, err := hmsapi.New(hmsapi.WithBaseURL("http://"+addr), hmsapi.WithManagementToken("mgmt-token-0123456789"),
		hmsapi.WithRetryPolicy(hmsapi.RetryPolicy{MaxRetries: 1, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}),
		hmsapi.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	require.NoError(t, err)
	t.Cleanup(api.CloseIdleConnections)

	const secret = "Zq9-path-secret"
	err = api.Do(context.Background(), hmsapi.Request{Method: http.MethodPost, Path: "/things/" + secret, Secrets: []string{secret}}, nil)
	require.Error(t, err)
	for _, text := range append(printed(err), logs.String()) {
		assert.NotContains(t, text, secret)
	}
	assert.Contains(t, err.Error(), "/things/[REDACTED]")
	assert.Contains(t, logs.String(), "connection not established", "a dial error is still told apart")
}

// TestMaybeSent: the error of a request that is not repeatable matches
// ErrMaybeSent exactly when the request may have reached the server (a
// connection broken after it was made, a 5xx other than 501, a response
// over the limit), keeps the *APIError it marks, and the request is sent
// once. A refusal (4xx, 429) or a connection never made is not marked, nor
// is the error of a repeatable request.
func TestMaybeSent(t *testing.T) {
	tests := []struct {
		name       string
		repeatable bool
		status     int // 0: close the connection without answering; -1: a body over the limit
		maybeSent  bool
	}{
		{"connection broken", false, 0, true},
		{"504 from a gateway", false, http.StatusGatewayTimeout, true},
		{"502", false, http.StatusBadGateway, true},
		{"500", false, http.StatusInternalServerError, true},
		{"503", false, http.StatusServiceUnavailable, true},
		{"response over the limit", false, -1, true},
		{"501", false, http.StatusNotImplemented, false},
		{"429", false, http.StatusTooManyRequests, false},
		{"400", false, http.StatusBadRequest, false},
		{"408", false, http.StatusRequestTimeout, false},
		{"repeatable 503", true, http.StatusServiceUnavailable, false},
		{"repeatable, connection broken", true, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n.Add(1)
				switch tt.status {
				case 0:
					c, _, err := w.(http.Hijacker).Hijack()
					if err == nil {
						c.Close()
					}
				case -1:
					_, _ = w.Write([]byte(strings.Repeat("x", 200)))
				default:
					w.WriteHeader(tt.status)
					_, _ = w.Write([]byte(`{"code":1,"message":"no"}`))
				}
			}))
			t.Cleanup(srv.Close)
			api, err := hmsapi.New(hmsapi.WithBaseURL(srv.URL), hmsapi.WithManagementToken("mgmt-token-0123456789"), hmsapi.WithMaxResponseBytes(64),
				hmsapi.WithRetryPolicy(hmsapi.RetryPolicy{MaxRetries: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}))
			require.NoError(t, err)
			t.Cleanup(api.CloseIdleConnections)

			err = api.Do(context.Background(), hmsapi.Request{Method: http.MethodPost, Path: "/calls", Body: map[string]string{"to": "x"}, Repeatable: tt.repeatable}, nil)
			require.Error(t, err)
			assert.Equal(t, tt.maybeSent, errors.Is(err, hmsapi.ErrMaybeSent), "%v", err)
			if tt.status > 0 {
				var apiErr *hmsapi.APIError
				require.ErrorAs(t, err, &apiErr, "the *APIError stays reachable")
				assert.Equal(t, tt.status, apiErr.StatusCode)
				assert.Equal(t, tt.status >= 500, errors.Is(err, hmsapi.ErrServer))
			}
			if tt.status == -1 {
				assert.ErrorIs(t, err, hmsapi.ErrTooLarge)
			}
			if tt.maybeSent {
				assert.Equal(t, int32(1), n.Load(), "sent once")
				assert.Contains(t, err.Error(), "(the request may have reached the server)")
			}
		})
	}
	t.Run("context ended in flight", func(t *testing.T) {
		received, release := make(chan struct{}), make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			close(received)
			<-release
		}))
		t.Cleanup(srv.Close)
		t.Cleanup(func() { close(release) }) // before srv.Close, which waits for the handler
		api, err := hmsapi.New(hmsapi.WithBaseURL(srv.URL), hmsapi.WithManagementToken("mgmt-token-0123456789"))
		require.NoError(t, err)
		t.Cleanup(api.CloseIdleConnections)
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			<-received
			cancel()
		}()
		err = api.Do(ctx, hmsapi.Request{Method: http.MethodPost, Path: "/calls"}, nil)
		assert.ErrorIs(t, err, context.Canceled)
		assert.ErrorIs(t, err, hmsapi.ErrMaybeSent)
	})
	t.Run("connection refused", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL
		srv.Close()
		api, err := hmsapi.New(hmsapi.WithBaseURL(url), hmsapi.WithManagementToken("mgmt-token-0123456789"),
			hmsapi.WithRetryPolicy(hmsapi.RetryPolicy{MaxRetries: 1, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}))
		require.NoError(t, err)
		err = api.Do(context.Background(), hmsapi.Request{Method: http.MethodPost, Path: "/calls"}, nil)
		require.Error(t, err)
		assert.NotErrorIs(t, err, hmsapi.ErrMaybeSent, "nothing reached the server")
	})
}

package apisurface

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hmssip/interconnect-go/hmsapi"
)

// Prefix is the path under which the server of PrefixedAPI serves the API.
const Prefix = "/prefix/v2"

// TestToken is a management token for the cores of PrefixedAPI.
const TestToken = "mgmt-token-abc123"

// FastRetries keeps retry tests quick while going through the real backoff.
var FastRetries = hmsapi.RetryPolicy{MaxRetries: 3, BaseDelay: time.Millisecond, MaxDelay: 4 * time.Millisecond, MaxRetryAfter: 2 * time.Second}

// PrefixedAPI starts a plain httptest server that serves the returned mux
// under Prefix, so that a request built with an absolute path fails the
// test, and returns a core on it made with creds, FastRetries and opts,
// the mux, and a count of the requests that reached the mux. The server
// and the core's idle connections are closed when the test ends.
func PrefixedAPI(t testing.TB, creds hmsapi.Option, opts ...hmsapi.Option) (*hmsapi.Client, *http.ServeMux, *atomic.Int32) {
	t.Helper()
	mux := http.NewServeMux()
	outer := http.NewServeMux()
	var count atomic.Int32
	outer.Handle(Prefix+"/", http.StripPrefix(Prefix, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		count.Add(1)
		mux.ServeHTTP(w, r)
	})))
	outer.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request outside the base URL: %s %s", r.Method, r.URL)
		http.Error(w, "wrong path", http.StatusTeapot)
	})
	srv := httptest.NewServer(outer)
	t.Cleanup(srv.Close)
	api, err := hmsapi.New(append([]hmsapi.Option{hmsapi.WithBaseURL(srv.URL + Prefix), creds, hmsapi.WithRetryPolicy(FastRetries)}, opts...)...)
	if err != nil {
		t.Fatalf("hmsapi.New: %v", err)
	}
	t.Cleanup(api.CloseIdleConnections)
	return api, mux, &count
}

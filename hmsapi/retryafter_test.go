package hmsapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/hmsapi"
)

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

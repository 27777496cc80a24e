package hmsapi_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/hmsapi"
)

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

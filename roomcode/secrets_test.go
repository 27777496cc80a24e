package roomcode_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/internal/apisurface"
	"github.com/hmssip/interconnect-go/roomcode"
)

func TestNoSecretInLogsOrErrors(t *testing.T) {
	const appSecret = "app-secret-never-shown-0123456789"
	srv := hmstest.NewServer(hmstest.WithAppCredentials("ak-1", appSecret), hmstest.WithRoom("room1", "host"))
	t.Cleanup(srv.Close)

	api, tokens, logger, logs := apisurface.RecordingAPI(t, srv.URL, "ak-1", appSecret, hmsapi.WithTokenValidity(time.Minute))
	c := roomcode.NewClient(api)
	cache := roomcode.NewCache(c, roomcode.CacheConfig{TTL: time.Nanosecond, Logger: logger, CreateIfMissing: true})

	ctx := context.Background()
	var texts []string
	note := func(err error) {
		if err != nil {
			texts = append(texts, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
		}
	}
	_, err := cache.Code(ctx, "room1", "host")
	note(err)
	srv.InjectFault(hmstest.Fault{Count: 1, Status: 401})
	srv.InjectFault(hmstest.Fault{Count: 2, Status: 503})
	srv.InjectFault(hmstest.Fault{Count: 1, Status: 0})
	srv.InjectFault(hmstest.Fault{Count: 1, Status: 502, Body: "<html>proxy</html>"})
	for range 3 {
		_, err = c.List(ctx, "room1", nil)
		note(err)
	}
	// One for the refresh (sent once), one for the create, four for the
	// list of a missing room, one for the first try of plain.List below.
	srv.InjectFault(hmstest.Fault{Count: 7, Status: 500})
	_, err = cache.Code(ctx, "room1", "host") // served stale; the refresh fails and logs it
	note(err)
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "stale") }, 5*time.Second, time.Millisecond)
	_, err = c.CreateForRole(ctx, "room1", "nope")
	note(err)
	_, err = c.List(ctx, "missing", nil)
	note(err)
	// A client with the SDK's own token source, holding a minted token,
	// printed every way: no secret, and no JWT (they all start "eyJ").
	plain, err := newClient(hmsapi.WithBaseURL(srv.URL), hmsapi.WithAppCredentials("ak-1", appSecret))
	require.NoError(t, err)
	t.Cleanup(plain.API().CloseIdleConnections)
	_, err = plain.List(ctx, "room1", nil)
	require.NoError(t, err)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q"} {
		for _, v := range []any{plain, tokens.ManagementTokens} {
			out := fmt.Sprintf(verb, v)
			assert.NotContains(t, out, "eyJ")
			texts = append(texts, out)
		}
	}

	require.NotEmpty(t, tokens.Seen())
	require.Contains(t, logs.String(), "retrying", "the suite did exercise the logging paths")
	require.Contains(t, logs.String(), "stale")
	texts = append(texts, logs.String())
	for _, text := range texts {
		assert.NotContains(t, text, appSecret)
		for _, tok := range tokens.Seen() {
			assert.NotContains(t, text, tok)
		}
	}
}

func TestTokenEchoedByTheServerIsRedactedEverywhere(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		header string
		body   string
	}{
		{"in X-Request-Id", 403, apisurface.TestToken, `{"code":403,"message":"forbidden"}`},
		{"in the JSON message and details", 400, "", `{"code":400,"message":"bad token ` + apisurface.TestToken + `","details":["saw ` + apisurface.TestToken + `"]}`},
		// The token straddles the 200-byte cut of a non-JSON body: redacting
		// after cutting would leave its first bytes in the error.
		{"straddling the body cut", 502, "", strings.Repeat("x", 180) + " echo: " + apisurface.TestToken},
		{"at the start of a long body", 502, "", apisurface.TestToken + strings.Repeat("y", 400)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, mux := setup(t)
			mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				if tc.header != "" {
					w.Header().Set("X-Request-Id", tc.header)
				}
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			})
			_, err := c.List(context.Background(), "room1", nil)
			var apiErr *hmsapi.APIError
			require.ErrorAs(t, err, &apiErr)
			fields := []string{apiErr.Method, apiErr.Path, apiErr.Message, apiErr.RequestID, apiErr.Body,
				err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", apiErr)}
			fields = append(fields, apiErr.Details...)
			for _, f := range fields {
				assert.NotContains(t, f, apisurface.TestToken)
				assert.NotContains(t, f, apisurface.TestToken[:6], "not even a prefix of the token")
			}
			assert.LessOrEqual(t, len(apiErr.Body), 200)
			assert.Contains(t, err.Error(), "[REDACTED]")
		})
	}
}

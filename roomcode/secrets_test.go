package roomcode_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/roomcode"
	"github.com/hmssip/interconnect-go/roomcode/roomcodetest"
)

// recordingTokens hands out tokens from a ManagementTokens and remembers
// every one, so the test knows which strings must never appear.
type recordingTokens struct {
	*roomcode.ManagementTokens
	mu   sync.Mutex
	seen []string
}

func (r *recordingTokens) record(tok string, err error) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = append(r.seen, tok)
	return tok, err
}

func (r *recordingTokens) Token(ctx context.Context) (string, error) {
	return r.record(r.ManagementTokens.Token(ctx))
}

func (r *recordingTokens) Renew(ctx context.Context, refused string) (string, error) {
	return r.record(r.ManagementTokens.Renew(ctx, refused))
}

func TestNoSecretInLogsOrErrors(t *testing.T) {
	const appSecret = "app-secret-never-shown-0123456789"
	srv := roomcodetest.NewServer(roomcodetest.WithAppCredentials("ak-1", appSecret), roomcodetest.WithRoom("room1", "host"))
	t.Cleanup(srv.Close)

	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	base, err := roomcode.NewManagementTokens("ak-1", appSecret, roomcode.WithTokenValidity(time.Minute))
	require.NoError(t, err)
	tokens := &recordingTokens{ManagementTokens: base}
	c, err := roomcode.NewClient(roomcode.WithBaseURL(srv.URL), roomcode.WithTokenSource(tokens),
		roomcode.WithRetryPolicy(fastRetries), roomcode.WithLogger(logger))
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	cache := roomcode.NewCache(c, roomcode.CacheOptions{TTL: time.Nanosecond, Logger: logger, CreateIfMissing: true})

	ctx := context.Background()
	var texts []string
	note := func(err error) {
		if err != nil {
			texts = append(texts, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
		}
	}
	_, err = cache.Code(ctx, "room1", "host")
	note(err)
	srv.InjectFault(roomcodetest.Fault{Count: 1, Status: 401})
	srv.InjectFault(roomcodetest.Fault{Count: 2, Status: 503})
	srv.InjectFault(roomcodetest.Fault{Count: 1, Status: 0})
	srv.InjectFault(roomcodetest.Fault{Count: 1, Status: 502, Body: "<html>proxy</html>"})
	for range 3 {
		_, err = c.List(ctx, "room1", nil)
		note(err)
	}
	srv.InjectFault(roomcodetest.Fault{Count: 10, Status: 500})
	_, err = cache.Code(ctx, "room1", "host") // served stale, logged
	note(err)
	_, err = c.CreateForRole(ctx, "room1", "nope")
	note(err)
	_, err = c.List(ctx, "missing", nil)
	note(err)
	// A client with the SDK's own token source, holding a minted token,
	// printed every way: no secret, and no JWT (they all start "eyJ").
	plain, err := roomcode.NewClient(roomcode.WithBaseURL(srv.URL), roomcode.WithAppCredentials("ak-1", appSecret))
	require.NoError(t, err)
	t.Cleanup(plain.CloseIdleConnections)
	_, err = plain.List(ctx, "room1", nil)
	require.NoError(t, err)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q"} {
		for _, v := range []any{plain, tokens.ManagementTokens} {
			out := fmt.Sprintf(verb, v)
			assert.NotContains(t, out, "eyJ")
			texts = append(texts, out)
		}
	}

	require.NotEmpty(t, tokens.seen)
	require.Contains(t, logs.String(), "retrying", "the suite did exercise the logging paths")
	require.Contains(t, logs.String(), "stale")
	texts = append(texts, logs.String())
	for _, text := range texts {
		assert.NotContains(t, text, appSecret)
		for _, tok := range tokens.seen {
			assert.NotContains(t, text, tok)
		}
	}
}

package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/hmstest"
)

func noEnv(string) string { return "" }

func TestRunOnFake(t *testing.T) {
	var out strings.Builder
	require.NoError(t, run(context.Background(), &out, noEnv, "room-1", "caller-7"))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 2)
	assert.Equal(t, "no 100ms credentials: using the in-memory fake API", lines[0])
	assert.Regexp(t, regexp.MustCompile(`^hanging up peer [0-9a-f-]{36} \(\+1 555 0100, joined \S+\)$`), lines[1])
}

func TestRunWithCredentials(t *testing.T) {
	at := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	srv := hmstest.NewServer(hmstest.WithStaticToken("tok-from-env"),
		hmstest.WithPeer("r9", hmstest.Peer{ID: "host", UserID: "host-1", Role: "host", JoinedAt: at}),
		hmstest.WithPeer("r9", hmstest.Peer{ID: "phone", Name: "Alice", UserID: "caller-1", Role: "guest", JoinedAt: at.Add(time.Minute), SIP: true}),
		hmstest.WithPeer("r9", hmstest.Peer{ID: "leg-1", Name: "Bob", UserID: "caller-2", JoinedAt: at.Add(2 * time.Minute), SIP: true}),
		hmstest.WithPeer("r9", hmstest.Peer{ID: "leg-2", Name: "Bob", UserID: "caller-2", JoinedAt: at.Add(3 * time.Minute), SIP: true}),
	)
	defer srv.Close()
	env := map[string]string{"HMS_MANAGEMENT_TOKEN": "tok-from-env", "HMS_API_BASE_URL": srv.URL}
	getenv := func(k string) string { return env[k] }
	ctx := context.Background()

	var out strings.Builder
	require.NoError(t, run(ctx, &out, getenv, "r9", "caller-1"))
	assert.Equal(t, "hanging up peer phone (Alice, joined 2024-05-01T09:01:00Z)\n", out.String())
	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "/v2/active-rooms/r9/peers", reqs[0].Path)
	assert.Equal(t, "user_id=caller-1", reqs[0].Query)
	assert.Equal(t, "/v2/active-rooms/r9/remove-peers", reqs[1].Path)
	assert.JSONEq(t, `{"peer_id":"phone","reason":"call ended"}`, reqs[1].Body)

	// Both legs of a caller who redialled.
	out.Reset()
	require.NoError(t, run(ctx, &out, getenv, "r9", "caller-2"))
	assert.Equal(t, "hanging up peer leg-1 (Bob, joined 2024-05-01T09:02:00Z)\nhanging up peer leg-2 (Bob, joined 2024-05-01T09:03:00Z)\n", out.String())
	require.Len(t, srv.Peers("r9"), 1)
	assert.Equal(t, "host", srv.Peers("r9")[0].ID)

	// Gone already: nothing to do, and no error.
	out.Reset()
	require.NoError(t, run(ctx, &out, getenv, "r9", "caller-1"))
	assert.Equal(t, "no peer with user id \"caller-1\" in room r9: nothing to hang up\n", out.String())

	// A bad input is refused before sending; a refused token is an error
	// that does not show the token.
	n := srv.RequestCount()
	assert.ErrorContains(t, run(ctx, &out, getenv, "r9", "bad\nid"), "invalid user id")
	assert.Equal(t, n, srv.RequestCount())
	env["HMS_MANAGEMENT_TOKEN"] = "wrong-token-value"
	err := run(ctx, &out, getenv, "r9", "caller-1")
	assert.ErrorContains(t, err, "401 Unauthorized")
	assert.NotContains(t, err.Error(), "wrong-token-value")
}

// "-h" asks for help; it is never taken as data.

package main

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/hmstest"
)

func TestRunOnFake(t *testing.T) {
	var out strings.Builder
	require.NoError(t, run(context.Background(), &out, func(string) string { return "" }, "room-1"))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 4)
	assert.Equal(t, "no 100ms credentials: using the in-memory fake API", lines[0])
	assert.Equal(t, "created 2 codes", lines[1])
	row := regexp.MustCompile(`^(host|guest) +([a-z]{3}-[a-z]{4}-[a-z]{3})  sip:([a-z-]+)@sip\.100ms\.live$`)
	for _, l := range lines[2:] {
		m := row.FindStringSubmatch(l)
		require.NotNil(t, m, l)
		assert.Equal(t, m[2], m[3])
	}
}

func TestRunWithCredentials(t *testing.T) {
	srv := hmstest.NewServer(hmstest.WithRoom("r9", "host"), hmstest.WithStaticToken("tok-from-env"))
	defer srv.Close()
	env := map[string]string{"HMS_MANAGEMENT_TOKEN": "tok-from-env", "HMS_API_BASE_URL": srv.URL}
	var out strings.Builder
	require.NoError(t, run(context.Background(), &out, func(k string) string { return env[k] }, "r9"))
	assert.NotContains(t, out.String(), "fake")
	assert.Contains(t, out.String(), "created 1 codes")
	assert.Equal(t, 2, srv.RequestCount())

	env["HMS_MANAGEMENT_TOKEN"] = "wrong"
	err := run(context.Background(), &out, func(k string) string { return env[k] }, "r9")
	assert.ErrorContains(t, err, "401 Unauthorized")
	assert.NotContains(t, err.Error(), "wrong")
}

// "-h" asks for help; it is never taken as data.

// With credentials the room id is required: the demo's room is never
// created in a real account. Without them it defaults to demo-room.
func TestRoomIDRequiredWithCredentials(t *testing.T) {
	srv := hmstest.NewServer(hmstest.WithRoom("demo-room", "host"), hmstest.WithStaticToken("tok-from-env"))
	defer srv.Close()
	env := map[string]string{"HMS_MANAGEMENT_TOKEN": "tok-from-env", "HMS_API_BASE_URL": srv.URL}
	var out strings.Builder
	err := run(context.Background(), &out, func(k string) string { return env[k] }, "")
	require.ErrorIs(t, err, errNeedRoomID)
	assert.Contains(t, err.Error(), "room-id")
	assert.Zero(t, srv.RequestCount(), "nothing sent")
	assert.Empty(t, out.String())

	out.Reset()
	require.NoError(t, run(context.Background(), &out, func(string) string { return "" }, ""))
	assert.Contains(t, out.String(), "in-memory fake")
	assert.Contains(t, out.String(), "created 2 codes")
}

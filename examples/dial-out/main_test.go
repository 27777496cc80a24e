package main

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmstest"
)

func TestRunOnFake(t *testing.T) {
	var out strings.Builder
	require.NoError(t, run(context.Background(), &out, func(string) string { return "" }, "+14155550123"))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 5, out.String())
	assert.Equal(t, "no 100ms credentials: using the in-memory fake API", lines[0])
	assert.Equal(t, "created trunk demo:[REDACTED]@demo.pstn.twilio.com from +14155550100", lines[1])
	assert.Equal(t, "calling +14155550123 into room code abc-defg-hij...", lines[2])
	assert.Regexp(t, regexp.MustCompile(`^answered: call [0-9a-f]{24}, the phone is in the room$`), lines[3])
	assert.Equal(t, "sent DTMF 1234#", lines[4])
	assert.NotContains(t, out.String(), "demo-trunk-password")
}

// fakeEnv is a fake API and the environment that points the program at it.
func fakeEnv(t *testing.T) (*hmstest.Server, map[string]string) {
	t.Helper()
	srv := hmstest.NewServer(hmstest.WithRoom("room-9", "host", "guest"), hmstest.WithCode("room-9", "host", "xyz-abcd-efg", true),
		hmstest.WithStaticToken("mgmt-from-env"))
	t.Cleanup(srv.Close)
	return srv, map[string]string{
		"HMS_ACCESS_KEY": srv.AccessKey(), "HMS_APP_SECRET": srv.AppSecret(), "HMS_API_BASE_URL": srv.URL,
		"HMS_ROOM_CODE": "xyz-abcd-efg", "HMS_ROOM_ID": "room-9",
		"HMS_SIP_TRUNK_ADDRESS": "acme.pstn.twilio.com:5061", "HMS_SIP_TRUNK_FROM": "+14155550100",
		"SIP_TRUNK_USERNAME": "acme", "SIP_TRUNK_PASSWORD": "env-trunk-password", "DIGITS": "9*a",
	}
}

func TestRunWithCredentials(t *testing.T) {
	srv, env := fakeEnv(t)
	var out strings.Builder
	require.NoError(t, run(context.Background(), &out, func(k string) string { return env[k] }, "sip:desk@pbx.example.com"))
	assert.NotContains(t, out.String(), "fake")
	assert.NotContains(t, out.String(), "env-trunk-password")
	assert.Contains(t, out.String(), "created trunk acme:[REDACTED]@acme.pstn.twilio.com:5061 from +14155550100")
	assert.Contains(t, out.String(), "sent DTMF 9*a")
	assert.Equal(t, []string{"9", "*", "a"}, srv.DTMF("room-9"))
	trunks := srv.Trunks()
	require.Len(t, trunks, 1)
	assert.Equal(t, "env-trunk-password", trunks[0].Password)
	calls := srv.Calls()
	require.Len(t, calls, 1)
	assert.Equal(t, "sip:desk@pbx.example.com", calls[0].To)
	assert.Equal(t, "host", calls[0].Role)
	assert.Equal(t, 3, srv.RequestCount())

	// An existing trunk is used as is.
	env["HMS_SIP_TRUNK_ID"] = trunks[0].ID
	out.Reset()
	require.NoError(t, run(context.Background(), &out, func(k string) string { return env[k] }, "+14155550123"))
	assert.NotContains(t, out.String(), "created trunk")
	assert.Equal(t, 5, srv.RequestCount())
}

func TestRunNoAnswer(t *testing.T) {
	srv, env := fakeEnv(t)
	srv.SetCallNoAnswer("+14155550123")
	srv.SetMaxRing(0)
	var out strings.Builder
	require.NoError(t, run(context.Background(), &out, func(k string) string { return env[k] }, "+14155550123"))
	assert.Contains(t, out.String(), "no answer")
	assert.NotContains(t, out.String(), "DTMF")
	assert.Empty(t, srv.DTMF("room-9"))
}

func TestRunManagementTokenCannotSendDTMF(t *testing.T) {
	srv, env := fakeEnv(t)
	delete(env, "HMS_ACCESS_KEY")
	env["HMS_MANAGEMENT_TOKEN"] = "mgmt-from-env"
	var out strings.Builder
	err := run(context.Background(), &out, func(k string) string { return env[k] }, "+14155550123")
	require.ErrorIs(t, err, hmsapi.ErrNoAppCredentials)
	assert.Contains(t, out.String(), "answered")
	assert.NotContains(t, err.Error(), "mgmt-from-env")
	assert.Empty(t, srv.DTMF("room-9"))
}

func TestRunRefusesBadInputBeforeSending(t *testing.T) {
	srv, env := fakeEnv(t)
	var out strings.Builder
	err := run(context.Background(), &out, func(k string) string { return env[k] }, "+1 (415) 555-0123")
	require.ErrorIs(t, err, hmsapi.ErrInvalidInput)
	assert.Equal(t, 1, srv.RequestCount(), "the trunk was created; the call was never sent")

	env["HMS_ROOM_CODE"] = "room-9"
	err = run(context.Background(), &out, func(k string) string { return env[k] }, "+14155550123")
	assert.ErrorContains(t, err, "invalid room code")

	delete(env, "HMS_ROOM_ID")
	delete(env, "HMS_SIP_TRUNK_ADDRESS")
	err = run(context.Background(), &out, func(k string) string { return env[k] }, "+14155550123")
	assert.EqualError(t, err, "dial-out: set HMS_ROOM_ID, HMS_SIP_TRUNK_ID or HMS_SIP_TRUNK_ADDRESS")
}

// "-h" asks for help; it is never taken as data.

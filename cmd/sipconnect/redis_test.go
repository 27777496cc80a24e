package main

import (
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/twiml"
)

// testRedisURL returns the Redis the tests may use, as store/redisstore's
// tests do: SIPCONNECT_TEST_REDIS_URL; without it the test is skipped, or
// fails when CI is set.
func testRedisURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("SIPCONNECT_TEST_REDIS_URL")
	if u == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("SIPCONNECT_TEST_REDIS_URL is not set")
		}
		t.Skip("SIPCONNECT_TEST_REDIS_URL is not set")
	}
	return u
}

// A PIN that pins create puts in Redis is resolved by serve --pin on the
// same Redis, through the room-code API.
func TestPINsCreateAndServeOnRedis(t *testing.T) {
	redisURL := testRedisURL(t)
	api := hmstest.NewServer(hmstest.WithRoom(testRoomID, "host", "guest"), hmstest.WithStaticToken(secretToken),
		hmstest.WithCode(testRoomID, "guest", testRoomCode, true))
	defer api.Close()

	r := sipconnectCmd(t, nil, "pins", "create", "--room-id", testRoomID, "--role", "guest", "--redis", redisURL, "--json")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Empty(t, r.stderr)
	var issued struct{ PIN, RoomID, Role string }
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &issued))
	assert.Regexp(t, `^\{"pin":"\d{10}","room_id":"room-1","role":"guest"\}`+"\n$", r.stdout)

	r = sipconnectCmd(t, map[string]string{"SIPCONNECT_REDIS_URL": redisURL}, "pins", "create", "--room-id", testRoomID, "--role", "host")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `^\d{10}\n$`, r.stdout)

	env := map[string]string{"HMS_MANAGEMENT_TOKEN": secretToken, "HMS_API_BASE_URL": api.URL, "TWILIO_AUTH_TOKEN": secretTwilioToken}
	s := startServe(t, env, "--pin", "--redis", redisURL)
	form := url.Values{"CallSid": {"CA1"}, "From": {"+14155550100"}}
	req, err := twiml.NewSignedRequest(http.MethodPost, s.base+"/twilio/voice", secretTwilioToken, form)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	prompt, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	step := regexp.MustCompile(`action="([^"]*)"`).FindStringSubmatch(string(prompt))
	require.NotNil(t, step, "the PIN prompt: %s", prompt)
	form.Set("Digits", issued.PIN)
	req, err = twiml.NewSignedRequest(http.MethodPost, html.UnescapeString(step[1]), secretTwilioToken, form)
	require.NoError(t, err)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	assert.Contains(t, string(body), "<Sip>sip:"+testRoomCode+"@sip.100ms.live</Sip>")
}

func TestRedisUnreachable(t *testing.T) {
	for _, args := range [][]string{
		{"pins", "create", "--room-id", "r", "--role", "guest", "--redis", "redis://:" + secretToken + "@127.0.0.1:1/0"},
		{"serve", "--pin", "--addr", "127.0.0.1:0", "--redis", "redis://:" + secretToken + "@127.0.0.1:1/0"},
	} {
		r := sipconnectCmd(t, nil, args...)
		assertOneLineError(t, r, "sipconnect: redis at 127.0.0.1:1 does not answer: ...", args)
	}
	for _, bad := range []string{
		"http://" + secretToken + "@x",
		// A password holding '/', '?' or '#' parses as the host or path.
		"redis://u:" + secretToken + "/5@127.0.0.1:1",
		"rediss://:" + secretToken + "#x@h:1",
	} {
		r := sipconnectCmd(t, map[string]string{"SIPCONNECT_REDIS_URL": bad}, "pins", "create", "--room-id", "r", "--role", "guest")
		assert.Equal(t, 1, r.code, bad)
		assert.NotContains(t, r.stderr, secretToken, bad)
		assert.NotContains(t, r.stdout, secretToken, bad)
	}
}

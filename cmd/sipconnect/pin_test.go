package main

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/sipconnect"
)

// next returns the next stdout line of a running serve.
func (s *serving) next(t *testing.T) string {
	t.Helper()
	select {
	case l, ok := <-s.lines:
		require.True(t, ok, "serve exited")
		return l
	case <-time.After(5 * time.Second):
		t.Fatal("no line printed")
		return ""
	}
}

func TestServePINDemo(t *testing.T) {
	s := startServe(t, nil, "--pin")
	status, body := doCurl(t, s.curl)
	require.Equal(t, 200, status, body)
	assert.Contains(t, withoutNonce(body), `<Gather input="dtmf" action="`+s.base+`/twilio/pin?attempt=1&amp;nonce=N" method="POST" timeout="6" finishOnKey="#">`)

	assert.Equal(t, "a simulated caller, step by step:", s.next(t))
	assert.Equal(t, "> the call arrives at "+s.base+"/twilio/voice", s.next(t))
	assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?><Response><Gather input="dtmf" action="`+s.base+`/twilio/pin?attempt=1&amp;nonce=N" method="POST" timeout="6" finishOnKey="#">`+
		`<Say>Welcome.</Say><Say>Please enter your meeting PIN, then press pound.</Say></Gather><Redirect method="POST">`+s.base+`/twilio/pin?attempt=1&amp;nonce=N</Redirect></Response>`, withoutNonce(s.next(t)))
	wrong := regexp.MustCompile(`^> the caller enters a wrong PIN, (\d{10})$`).FindStringSubmatch(s.next(t))
	require.NotNil(t, wrong)
	assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?><Response><Gather input="dtmf" action="`+s.base+`/twilio/pin?attempt=2&amp;nonce=N" method="POST" timeout="6" finishOnKey="#">`+
		`<Say>Sorry, that PIN is not valid.</Say><Say>Please enter your meeting PIN, then press pound.</Say></Gather><Redirect method="POST">`+s.base+`/twilio/pin?attempt=2&amp;nonce=N</Redirect></Response>`, withoutNonce(s.next(t)))
	right := regexp.MustCompile(`^> the caller enters the PIN of demo-room, (\d{10})$`).FindStringSubmatch(s.next(t))
	require.NotNil(t, right)
	assert.NotEqual(t, wrong[1], right[1])
	assert.Regexp(t, `^<\?xml version="1.0" encoding="UTF-8"\?><Response><Dial action="`+regexp.QuoteMeta(s.base)+`/twilio/dial-status" answerOnBridge="true"><Sip>sip:[a-z]+-[a-z]+-[a-z]+@sip\.100ms\.live\?X-100ms-UserID=`+sipconnect.CallUserID(sampleCallSid)+`</Sip></Dial></Response>$`, s.next(t))

	// The PIN step is mounted and checks signatures.
	resp, err := http.Post(s.base+"/twilio/pin?attempt=1", "application/x-www-form-urlencoded", strings.NewReader("Digits="+right[1]))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 403, resp.StatusCode)
}

// withoutNonce writes every PIN step nonce in s as N: it is random.
func withoutNonce(s string) string {
	return regexp.MustCompile(`nonce=[A-Za-z0-9_-]{22}`).ReplaceAllString(s, "nonce=N")
}

// The PINs of the demo rooms are printed before the curl line.
func TestServePINDemoPrintsPINs(t *testing.T) {
	r := runServeBriefly(t, nil, "--pin")
	assert.Regexp(t, `(?m)^PINs of the demo rooms:\n  demo-room +guest +\d{10}\n  demo-standup +guest +\d{10}\ntry it:\ncurl `, r.stdout)
	assert.Contains(t, r.stderr, "*** DEMO MODE")
}

func TestServePINOutsideDemo(t *testing.T) {
	env := map[string]string{"HMS_MANAGEMENT_TOKEN": secretToken, "HMS_API_BASE_URL": "http://127.0.0.1:1/v2", "TWILIO_AUTH_TOKEN": secretTwilioToken}
	s := startServe(t, env, "--pin")
	status, body := doCurl(t, s.curl)
	require.Equal(t, 200, status, body)
	assert.Contains(t, body, "<Gather ")
	resp, err := http.Post(s.base+"/twilio/pin?attempt=1", "application/x-www-form-urlencoded", strings.NewReader("Digits=1"))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 403, resp.StatusCode, "mounted, signature checked")
	// Without --pin there is no PIN step.
	s = startServe(t, env, "--room-code", "abc-defg-hij")
	resp, err = http.Post(s.base+"/twilio/pin?attempt=1", "application/x-www-form-urlencoded", strings.NewReader("Digits=1"))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 404, resp.StatusCode)
}

func TestPINUsageAndStore(t *testing.T) {
	for _, tt := range []struct {
		args     []string
		msg      string
		synopsis string
	}{
		{[]string{"serve", "--pin", "--room-code", "abc-defg-hij"}, "--pin takes no room flags: the PIN decides the room", "usage: sipconnect serve"},
		{[]string{"serve", "--pin", "--room-id", "r", "--role", "guest"}, "--pin takes no room flags: the PIN decides the room", "usage: sipconnect serve"},
		{[]string{"pins"}, "pins needs a subcommand: create, list or revoke", "usage: sipconnect pins <subcommand>"},
		{[]string{"pins", "revoke"}, "the PIN to revoke is required", "usage: sipconnect pins revoke PIN"},
		{[]string{"pins", "list"}, "--room-id is required", "usage: sipconnect pins list --room-id ID"},
		{[]string{"pins", "create", "--role", "guest"}, "--room-id is required", "usage: sipconnect pins create --room-id ID --role ROLE [--ttl DURATION] [--redis URL] [--json]"},
		{[]string{"pins", "create", "--room-id", "r", "--json"}, "--role is required", "usage: sipconnect pins create --room-id ID --role ROLE [--ttl DURATION] [--redis URL] [--json]"},
	} {
		r := sipconnectCmd(t, nil, tt.args...)
		assert.Equal(t, 2, r.code, "%v: %s", tt.args, r.stderr)
		assert.Empty(t, r.stdout)
		lines := strings.SplitN(r.stderr, "\n", 3)
		require.Len(t, lines, 3, "%v", tt.args)
		assert.Equal(t, "sipconnect: "+tt.msg, lines[0], "%v", tt.args)
		assert.True(t, strings.HasPrefix(lines[1], tt.synopsis), "%v: %q", tt.args, lines[1])
	}
	for _, args := range [][]string{{"pins", "create", "--room-id", "r", "--role", "guest"}, {"pins", "create", "--room-id", "r", "--role", "guest", "--json"}} {
		r := sipconnectCmd(t, nil, args...)
		assertOneLineError(t, r, "sipconnect: pins create needs a shared store that serve --pin reads too: give --redis URL or set SIPCONNECT_REDIS_URL", args)
	}
}

// runServeBriefly runs serve in this process until its stdout holds want
// (the curl line by default), then stops it as SIGINT would.
func runServeBriefly(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	return runServeUntil(t, env, "try it:\ncurl ", args...)
}

func runServeUntil(t *testing.T, env map[string]string, want string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--drain", "0"}, args...), &stdout, &stderr, func(k string) string { return env[k] })
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(stdout.String(), want) {
		select {
		case code := <-done:
			return result{code, stdout.String(), stderr.String()}
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%q never printed; stdout: %s\nstderr: %s", want, stdout.String(), stderr.String())
		}
	}
	time.Sleep(50 * time.Millisecond) // the rest of the line
	cancel()
	code := <-done
	return result{code, stdout.String(), stderr.String()}
}

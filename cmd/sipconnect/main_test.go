package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/internal/apisurface"
	"github.com/hmssip/interconnect-go/roomcode"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/store/redisstore/redistest"
)

// binary is the sipconnect command built once for the tests, which run it
// as a user would.
var binary string

// TestMain builds the binary and gives the Redis tests a server: the one
// SIPCONNECT_TEST_REDIS_URL names, or else a redis-server of the run's own
// when one is on PATH; without either it says how many Redis tests were
// skipped.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sipconnect-cli")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "sipconnect")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	code := redistest.Main(m, "cmd/sipconnect")
	os.RemoveAll(dir)
	os.Exit(code)
}

const (
	secretSIPPassword = "sip-pass-5ecret-value"
	secretToken       = "mgmt-token-5ecret-value"
	secretAppSecret   = "app-5ecret-value-0123456789"
	secretTwilioToken = "twilio-5ecret-auth-token"
)

type result struct {
	code           int
	stdout, stderr string
}

// sipconnectCmd runs the binary with only the given environment.
func sipconnectCmd(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return result{code, stdout.String(), stderr.String()}
}

func assertNoSecrets(t *testing.T, texts ...string) {
	t.Helper()
	for _, s := range texts {
		for _, secret := range []string{secretSIPPassword, secretToken, secretAppSecret, secretTwilioToken,
			secretTrunkPassword, secretHookValue, secretAdminToken} {
			assert.NotContains(t, s, secret)
		}
	}
}

func TestURIAndTwiMLExamples(t *testing.T) {
	r := sipconnectCmd(t, nil, "uri", "--room-code", "abc-defg-hij", "--display-name", "John Doe", "--user-id", "xyz")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20Doe&X-100ms-UserID=xyz\n", r.stdout)
	assert.Empty(t, r.stderr)

	r = sipconnectCmd(t, nil, "twiml", "--room-code", "abc-defg-hij", "--display-name", "John Doe", "--user-id", "xyz", "--username", "U", "--password", "P")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?><Response><Dial><Sip username="U" password="P">sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20Doe&amp;X-100ms-UserID=xyz</Sip></Dial></Response>`+"\n", r.stdout)
}

func TestURIOptions(t *testing.T) {
	r := sipconnectCmd(t, nil, "uri", "--room-code", "abc-defg-hij", "--header", "X-Tenant=a&b", "--header", "X-Empty=",
		"--host", "sip.example.com:5061", "--transport", "tls")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "sip:abc-defg-hij@sip.example.com:5061;transport=tls?X-Tenant=a%26b\n", r.stdout)
}

func TestTwiMLOptionsAndEnvironment(t *testing.T) {
	env := map[string]string{"SIP_USERNAME": "env-user", "SIP_PASSWORD": secretSIPPassword}
	r := sipconnectCmd(t, env, "twiml", "--room-code", "abc-defg-hij", "--caller-id", "+18005550100", "--timeout", "45",
		"--answer-on-bridge", "--action", "https://x.example/status?a=1&b=2")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?><Response><Dial action="https://x.example/status?a=1&amp;b=2" timeout="45" callerId="+18005550100" answerOnBridge="true">`+
		`<Sip username="env-user" password="`+secretSIPPassword+`">sip:abc-defg-hij@sip.100ms.live</Sip></Dial></Response>`+"\n", r.stdout)
	assert.Equal(t, 1, strings.Count(r.stdout, secretSIPPassword), "the password appears only where the document carries it")
	assertNoSecrets(t, r.stderr)

	r = sipconnectCmd(t, env, "twiml", "--room-code", "abc-defg-hij", "--username", "flag-user", "--password", "flag-pass")
	assert.Contains(t, r.stdout, `<Sip username="flag-user" password="flag-pass">`, "flags win over the environment")
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"nope"},
		{"uri", "--bogus"},
		{"uri"},
		{"uri", "--room-code", "abc-defg-hij", "extra"},
		{"twiml", "--timeout", "soon", "--room-code", "abc-defg-hij"},
		{"codes"},
		{"codes", "purge"},
		{"codes", "list"},
		{"codes", "list", "--room-id", "r", "--enabled", "maybe"},
		{"codes", "enable"},
		{"serve", "--display-name-from", "phone"},
		{"serve", "--room-code", "abc-defg-hij", "--room-id", "r"},
		{"uri", "--header", "no-equals", "--room-code", "abc-defg-hij"},
	} {
		r := sipconnectCmd(t, nil, args...)
		assert.Equal(t, 2, r.code, "%v: %s", args, r.stderr)
		assert.Contains(t, r.stderr, "usage: sipconnect", "%v", args)
		assert.Empty(t, r.stdout, "%v", args)
	}
	r := sipconnectCmd(t, nil, "uri", "-h")
	assert.Equal(t, 0, r.code)
	assert.Contains(t, r.stdout, "-room-code")
}

func TestValueErrors(t *testing.T) {
	env := map[string]string{"SIP_PASSWORD": secretSIPPassword}
	tests := []struct {
		args []string
		msg  string
	}{
		{[]string{"uri", "--room-code", "63f4a1b2c3d4e5f6a7b8c9d0"}, "sipconnect: invalid room code: this is a room id, not a room code"},
		{[]string{"uri", "--room-code", "abc-defg-hij", "--display-name", "John\r\nVia: x"}, "sipconnect: invalid X-100ms-Display-Name: control character U+000D at byte 4"},
		{[]string{"twiml", "--room-code", "abc-defg-hij", "--user-id", "a\nb"}, "sipconnect: invalid X-100ms-UserID: control character U+000A at byte 1"},
		{[]string{"uri", "--room-code", "abc-defg-hij", "--header", "Via=x"}, `sipconnect: invalid Via: custom header name must start with "X-"`},
		{[]string{"uri", "--room-code", "abc-defg-hij", "--transport", "sctp"}, "sipconnect: invalid transport"},
		{[]string{"twiml", "--room-code", "abc-defg-hij", "--timeout", "1"}, "sipconnect: --timeout must be from 5 to 600 seconds (Twilio's range), not 1"},
		{[]string{"twiml", "--room-code", "abc", "--password", secretSIPPassword}, "sipconnect: invalid room code"},
	}
	for _, tt := range tests {
		r := sipconnectCmd(t, env, tt.args...)
		assert.Equal(t, 1, r.code, "%v", tt.args)
		assert.True(t, strings.HasPrefix(r.stderr, tt.msg), "%v: %q", tt.args, r.stderr)
		assert.Equal(t, 1, strings.Count(r.stderr, "\n"), "one line: %q", r.stderr)
		assert.Empty(t, r.stdout)
		assertNoSecrets(t, r.stderr)
	}
}

func TestCodes(t *testing.T) {
	api := hmstest.NewServer(hmstest.WithRoom("room-1", "host", "guest"), hmstest.WithStaticToken(secretToken),
		hmstest.WithCode("room-1", "guest", "gst-abcd-xyz", true))
	defer api.Close()
	env := map[string]string{"HMS_MANAGEMENT_TOKEN": secretToken, "HMS_API_BASE_URL": api.URL}

	r := sipconnectCmd(t, env, "codes", "list", "--room-id", "room-1")
	require.Equal(t, 0, r.code, r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Len(t, lines, 2)
	assert.Regexp(t, `^CODE +ROLE +ENABLED +ROOM ID +CREATED$`, lines[0])
	assert.Regexp(t, `^gst-abcd-xyz +guest +true +room-1 +\d{4}-\d\d-\d\dT`, lines[1])

	r = sipconnectCmd(t, env, "codes", "create", "--room-id", "room-1", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var created []map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &created), r.stdout)
	require.Len(t, created, 2)
	for _, c := range created {
		for _, k := range []string{"code", "room_id", "role", "enabled", "created_at", "updated_at"} {
			assert.Contains(t, c, k)
		}
	}

	r = sipconnectCmd(t, env, "codes", "create", "--room-id", "room-1", "--role", "host", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var one map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &one), "one object for create --role: %s", r.stdout)
	assert.Equal(t, "host", one["role"])
	code := one["code"].(string)

	r = sipconnectCmd(t, env, "codes", "disable", "--code", code, "--json")
	require.Equal(t, 0, r.code, r.stderr)
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &one))
	assert.Equal(t, false, one["enabled"])
	r = sipconnectCmd(t, env, "codes", "enable", "--code", code)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, code+` +host +true`, r.stdout)

	r = sipconnectCmd(t, env, "codes", "list", "--room-id", "room-1", "--role", "host", "--enabled", "true", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var listed []map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &listed))
	assert.Len(t, listed, 2)

	r = sipconnectCmd(t, env, "codes", "list", "--room-id", "nope", "--json")
	assert.Equal(t, 1, r.code)
	assert.Equal(t, "sipconnect: hmsapi: GET /room-codes/room/nope: 404 Not Found: room not found\n", r.stderr)
	assert.Empty(t, r.stdout)

	// 429 then success: retried.
	before := api.RequestCount()
	api.InjectFault(hmstest.Fault{Count: 1, Status: 429, RetryAfter: "1"})
	r = sipconnectCmd(t, env, "codes", "list", "--room-id", "room-1", "--json")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, before+2, api.RequestCount())

	bad := map[string]string{"HMS_MANAGEMENT_TOKEN": "wrong-token-value", "HMS_API_BASE_URL": api.URL}
	r = sipconnectCmd(t, bad, "codes", "list", "--room-id", "room-1")
	assert.Equal(t, 1, r.code)
	assert.Equal(t, "sipconnect: hmsapi: GET /room-codes/room/room-1: 401 Unauthorized: Token validation error (invalid or expired management token)\n", r.stderr)

	r = sipconnectCmd(t, nil, "codes", "list", "--room-id", "room-1")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "no 100ms credentials")
}

func TestCodesWithAppCredentials(t *testing.T) {
	api := hmstest.NewServer(hmstest.WithRoom("room-1", "host"), hmstest.WithAppCredentials("ak", secretAppSecret))
	defer api.Close()
	env := map[string]string{"HMS_ACCESS_KEY": "ak", "HMS_APP_SECRET": secretAppSecret, "HMS_API_BASE_URL": api.URL, "SIP_PASSWORD": secretSIPPassword}
	var all []string
	for _, args := range [][]string{
		{"codes", "create", "--room-id", "room-1", "--json"},
		{"codes", "list", "--room-id", "room-1", "--json"},
		{"codes", "list", "--room-id", "room-x"},
		{"codes", "enable", "--code", "zzz-zzzz-zzz", "--json"},
	} {
		r := sipconnectCmd(t, env, args...)
		all = append(all, r.stdout, r.stderr)
	}
	assertNoSecrets(t, all...)
	assert.Contains(t, all[0], `"role": "host"`)
}

// serving starts `sipconnect serve` and returns its curl line and base URL.
type serving struct {
	cmd    *exec.Cmd
	stdout *bufio.Scanner
	lines  chan string // stdout lines after the curl line
	curl   string
	base   string
}

func startServe(t *testing.T, env map[string]string, args ...string) *serving {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	s := &serving{cmd: cmd, stdout: bufio.NewScanner(out)}
	deadline := time.After(10 * time.Second)
	lines := make(chan string, 100)
	s.lines = lines
	go func() {
		for s.stdout.Scan() {
			lines <- s.stdout.Text()
		}
		close(lines)
	}()
	for s.curl == "" {
		select {
		case l, ok := <-lines:
			require.True(t, ok, "serve exited: %s", stderr.String())
			if strings.HasPrefix(l, "curl ") {
				s.curl = l
			}
			if m := regexp.MustCompile(`at (http://127\.0\.0\.1:\d+)/twilio/voice`).FindStringSubmatch(l); m != nil {
				s.base = m[1]
			}
		case <-deadline:
			t.Fatalf("no curl line; stderr: %s", stderr.String())
		}
	}
	t.Cleanup(func() { assertNoSecrets(t, stderr.String()) })
	return s
}

// lockedBuffer collects a process's output while the test reads it.
type lockedBuffer = apisurface.LockedBuffer

// send sends req with the default client and returns the status and body
// of the answer.
func send(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// doCurl performs the request a printed curl line describes:
// curl -sS -X POST 'URL' [-H 'Name: value'] --data 'body'.
func doCurl(t *testing.T, line string) (int, string) {
	t.Helper()
	m := regexp.MustCompile(`^curl -sS -X POST '([^']+)'(?: -H '([^:']+): ([^']+)')? --data '([^']*)'$`).FindStringSubmatch(line)
	require.NotNil(t, m, "unexpected curl line %q", line)
	req, err := http.NewRequest(http.MethodPost, m[1], strings.NewReader(m[4]))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded") // what curl --data sends
	if m[2] != "" {
		req.Header.Set(m[2], m[3])
	}
	return send(t, req)
}

func TestServeDemo(t *testing.T) {
	s := startServe(t, map[string]string{"SIP_USERNAME": "demo-user", "SIP_PASSWORD": secretSIPPassword})
	status, body := doCurl(t, s.curl)
	require.Equal(t, 200, status, body)
	// Demo mode shows the answer to the sample call by itself.
	for _, want := range []string{"Twilio gets this answer:", `<?xml version="1.0" encoding="UTF-8"?><Response><Dial action=`} {
		select {
		case l := <-s.lines:
			assert.True(t, strings.HasPrefix(l, want), "%q", l)
		case <-time.After(5 * time.Second):
			t.Fatal("no sample answer printed")
		}
	}
	var doc struct {
		XMLName xml.Name `xml:"Response"`
		Dial    struct {
			Action string `xml:"action,attr"`
			Sip    struct {
				Username string `xml:"username,attr"`
				URI      string `xml:",chardata"`
			}
		}
	}
	require.NoError(t, xml.Unmarshal([]byte(body), &doc), body)
	addr, err := sipconnect.ParseAddress(doc.Dial.Sip.URI)
	require.NoError(t, err)
	assert.NotEmpty(t, addr.RoomCode())
	assert.Equal(t, "demo-user", doc.Dial.Sip.Username)
	assert.Equal(t, s.base+"/twilio/dial-status", doc.Dial.Action)

	resp, err := http.Get(s.base + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)

	// An unsigned request is refused.
	resp, err = http.Post(s.base+"/twilio/voice", "application/x-www-form-urlencoded", strings.NewReader("CallSid=CA1"))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 403, resp.StatusCode)

	// SIGTERM: a clean exit, without draining in demo mode: well within
	// the grace period.
	start := time.Now()
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGTERM))
	code, took := waitExit(t, s, start, 60*time.Second)
	assert.Equal(t, 0, code, "exit status 0")
	assert.Less(t, took, defaultGrace, "no drain in demo mode, and nothing in flight")
}

func TestServeStaticRoomAndTokens(t *testing.T) {
	s := startServe(t, map[string]string{"TWILIO_AUTH_TOKEN": secretTwilioToken, "SIP_USERNAME": "u", "SIP_PASSWORD": secretSIPPassword},
		"--room-code", "abc-defg-hij", "--display-name-from", "caller-name")
	status, body := doCurl(t, s.curl)
	require.Equal(t, 200, status)
	assert.Contains(t, body, ">sip:abc-defg-hij@sip.100ms.live</Sip>")
	assert.NotContains(t, s.curl, secretTwilioToken)

	// With 100ms credentials but no Twilio token, serve refuses to start.
	r := sipconnectCmd(t, map[string]string{"HMS_MANAGEMENT_TOKEN": secretToken}, "serve", "--addr", "127.0.0.1:0", "--room-id", "r", "--role", "guest")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "TWILIO_AUTH_TOKEN is not set")
	assertNoSecrets(t, r.stderr, r.stdout)
	r = sipconnectCmd(t, map[string]string{"HMS_MANAGEMENT_TOKEN": secretToken}, "serve", "--addr", "127.0.0.1:0")
	assert.Equal(t, 2, r.code, "a room is required outside demo mode")
}

func TestCodesHelp(t *testing.T) {
	for _, args := range [][]string{{"codes", "-h"}, {"codes", "--help"}, {"codes", "-help"}, {"codes", "help"}} {
		r := sipconnectCmd(t, nil, args...)
		assert.Equal(t, 0, r.code, "%v: %s", args, r.stderr)
		assert.Empty(t, r.stderr, "%v", args)
		assert.True(t, strings.HasPrefix(r.stdout, "usage: sipconnect codes <subcommand> [flags]\n"), "%v: %q", args, r.stdout)
		for _, sub := range []string{"list", "create", "enable", "disable"} {
			assert.Regexp(t, `(?m)^  `+sub+` +\S`, r.stdout, "%v: one line for %s", args, sub)
		}
		assert.Contains(t, r.stdout, "Run 'sipconnect codes <subcommand> -h'", "%v", args)
		assert.NotContains(t, r.stdout, "-room-id", "%v: no subcommand's flags", args)
	}
	for _, args := range [][]string{{"codes", "list", "-h"}, {"codes", "help", "list"}} {
		r := sipconnectCmd(t, nil, args...)
		assert.Equal(t, 0, r.code, "%v: %s", args, r.stderr)
		assert.True(t, strings.HasPrefix(r.stdout, "usage: sipconnect codes list --room-id ID"), "%v: %q", args, r.stdout)
		assert.Contains(t, r.stdout, "-enabled", "%v", args)
	}
}

// assertUsageError checks that r, the run of args, failed with exit code
// 2, nothing on stdout, and on stderr the message msg, then the usage of
// the command: a line that starts with synopsis, then its flags, among them
// flag; not the list of commands.
func assertUsageError(t *testing.T, r result, args []string, msg, synopsis, flag string) {
	t.Helper()
	assert.Equal(t, 2, r.code, "%v: %s", args, r.stderr)
	assert.Empty(t, r.stdout, "%v", args)
	lines := strings.SplitN(r.stderr, "\n", 3)
	require.Len(t, lines, 3, "%v: %q", args, r.stderr)
	assert.Equal(t, "sipconnect: "+msg, lines[0], "%v", args)
	assert.True(t, strings.HasPrefix(lines[1], synopsis), "%v: %q", args, lines[1])
	assert.Contains(t, lines[2], flag, "%v", args)
	assert.NotContains(t, r.stderr, "usage: sipconnect <command>", "%v: not the list of commands", args)
}

// A usage error of a command shows that command's usage, not the list of
// commands.
func TestUsageErrorsShowTheCommandsUsage(t *testing.T) {
	creds := map[string]string{"HMS_MANAGEMENT_TOKEN": secretToken}
	tests := []struct {
		env      map[string]string
		args     []string
		msg      string // first line
		synopsis string // second line starts with it
		flag     string // a flag the usage lists
	}{
		{nil, []string{"codes", "list"}, "--room-id is required", "usage: sipconnect codes list --room-id ID", "-enabled"},
		{nil, []string{"codes", "create", "--json"}, "--room-id is required", "usage: sipconnect codes create --room-id ID", "-role"},
		{nil, []string{"codes", "enable"}, "--code is required", "usage: sipconnect codes enable --code CODE", "-code"},
		{nil, []string{"codes", "disable", "--json"}, "--code is required", "usage: sipconnect codes disable --code CODE", "-code"},
		{nil, []string{"codes", "enable", "--code", ""}, "--code is required", "usage: sipconnect codes enable --code CODE", "-code"},
		{nil, []string{"codes", "list", "--room-id", "r", "--enabled", "maybe"}, `--enabled must be true or false, not "maybe"`, "usage: sipconnect codes list", "-enabled"},
		{nil, []string{"uri"}, "--room-code is required", "usage: sipconnect uri --room-code CODE", "-transport"},
		{nil, []string{"twiml", "--display-name", "x"}, "--room-code is required", "usage: sipconnect twiml --room-code CODE", "-answer-on-bridge"},
		{creds, []string{"serve", "--addr", "127.0.0.1:0"}, "--room-code, or --room-id with --role, is required", "usage: sipconnect serve", "-public-url"},
		{creds, []string{"serve", "--addr", "127.0.0.1:0", "--room-id", "r"}, "--room-code, or --room-id with --role, is required", "usage: sipconnect serve", "-public-url"},
		{nil, []string{"serve", "--room-code", "abc-defg-hij", "--role", "guest"}, "give --room-code or --room-id with --role, not both", "usage: sipconnect serve", "-public-url"},
		{nil, []string{"serve", "--display-name-from", "phone"}, `--display-name-from must be caller-name or none, not "phone"`, "usage: sipconnect serve", "-display-name-from"},
		{nil, []string{"codes"}, "codes needs a subcommand: list, create, enable or disable", "usage: sipconnect codes <subcommand>", "  disable "},
		{nil, []string{"codes", "purge"}, `unknown codes subcommand "purge" (want list, create, enable or disable)`, "usage: sipconnect codes <subcommand>", "  disable "},
	}
	for _, tt := range tests {
		r := sipconnectCmd(t, tt.env, tt.args...)
		assertUsageError(t, r, tt.args, tt.msg, tt.synopsis, tt.flag)
		assertNoSecrets(t, r.stderr)
	}
	// An unknown command still gets the list of commands.
	r := sipconnectCmd(t, nil, "nope")
	assert.Equal(t, 2, r.code)
	assert.Equal(t, "sipconnect: unknown command \"nope\"\n"+usage+"\n", r.stderr)
}

func TestVersion(t *testing.T) {
	// The version the go command stamped into the test binary.
	out, err := exec.Command("go", "version", "-m", binary).Output()
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^\tmod\tgithub\.com/hmssip/interconnect-go/cmd/sipconnect\t(\S+)`).FindSubmatch(out)
	require.NotNil(t, m, "%s", out)
	goVersion := regexp.MustCompile(`^[^:]+: (go\S+)`).FindSubmatch(out)
	require.NotNil(t, goVersion, "%s", out)
	want := "sipconnect " + string(m[1]) + " " + string(goVersion[1]) + "\n"
	for _, args := range [][]string{{"version"}, {"--version"}, {"-version"}} {
		r := sipconnectCmd(t, nil, args...)
		assert.Equal(t, 0, r.code, "%v: %s", args, r.stderr)
		assert.Equal(t, want, r.stdout, "%v", args)
		assert.Empty(t, r.stderr, "%v", args)
	}
	r := sipconnectCmd(t, nil, "version", "extra")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "usage: sipconnect version")

	r = sipconnectCmd(t, nil, "-h")
	assert.Regexp(t, `(?m)^  version +\S`, r.stdout, "listed among the commands")
}

// codes enable and disable refuse what is not a room code before sending
// anything.
func TestCodesEnableRefusesNonCodesBeforeSending(t *testing.T) {
	hits, env := countingAPI(t)
	for _, code := range []string{"6560c7a8e4b0a1b2c3d4e5f6", "not_a_code", "abc-defg", "abc-defg-hij-klm"} {
		want := roomcode.ValidateCode(code)
		require.Error(t, want, code)
		for _, sub := range []string{"enable", "disable"} {
			r := sipconnectCmd(t, env, "codes", sub, "--code", code, "--json")
			assert.Equal(t, 1, r.code, "%s %s: %s", sub, code, r.stderr)
			assert.Equal(t, "sipconnect: invalid room code: "+want.Error()+"\n", r.stderr, "%s %s", sub, code)
			assert.Empty(t, r.stdout)
		}
	}
	r := sipconnectCmd(t, env, "codes", "disable", "--code", "6560c7a8e4b0a1b2c3d4e5f6")
	assert.Contains(t, r.stderr, "this is a room id, not a room code")
	assert.Zero(t, hits.Load(), "requests sent")
}

// serve refuses a --room-code that is not a room code with the error
// NewAddress gives, before listening: nothing is printed and the port is not
// taken.
func TestServeRefusesInvalidRoomCodeBeforeListening(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	getenv := func(k string) string {
		return map[string]string{"TWILIO_AUTH_TOKEN": secretTwilioToken}[k]
	}
	for _, code := range []string{"6560c7a8e4b0a1b2c3d4e5f6", "not_a_code"} {
		_, want := sipconnect.NewAddress(code)
		require.Error(t, want, code)
		// On a busy port, listening first would fail with another error.
		for _, addr := range []string{"127.0.0.1:0", busy.Addr().String()} {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			var stdout, stderr bytes.Buffer
			start := time.Now()
			status := run(ctx, []string{"serve", "--addr", addr, "--room-code", code}, &stdout, &stderr, getenv)
			cancel()
			assert.Less(t, time.Since(start), 2*time.Second, "%s on %s: prompt", code, addr)
			assert.Equal(t, 1, status, "%s on %s: %s", code, addr, stderr.String())
			assert.Empty(t, stdout.String(), "%s on %s", code, addr)
			assert.Equal(t, want.Error()+"\n", stderr.String(), "%s on %s", code, addr)
		}
	}
	_, want := sipconnect.NewAddress("6560c7a8e4b0a1b2c3d4e5f6")
	assert.ErrorIs(t, want, roomcode.ErrRoomID)
	assert.True(t, strings.HasPrefix(want.Error(), "sipconnect: invalid room code: this is a room id, not a room code"), want.Error())
}

// A value that is too long is refused with its length and the limit.
func TestTooLongNamesLengthAndLimit(t *testing.T) {
	r := sipconnectCmd(t, nil, "uri", "--room-code", "abc-defg-hij", "--display-name", strings.Repeat("a", 300))
	assert.Equal(t, 1, r.code, r.stderr)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, "300 bytes")
	assert.Contains(t, r.stderr, "at most 256")
	assert.Equal(t, 1, strings.Count(r.stderr, "\n"), "one line: %q", r.stderr)
}

// Mistakes that would only show when a caller rings are refused at start:
// a SIP username without a password, a room code given as --room-id.
func TestServeAndTwiMLRefuseConfigurationMistakes(t *testing.T) {
	env := map[string]string{"TWILIO_AUTH_TOKEN": secretTwilioToken, "HMS_MANAGEMENT_TOKEN": secretToken, "SIP_USERNAME": "sip-user"}
	r := sipconnectCmd(t, env, "serve", "--addr", "127.0.0.1:0", "--room-code", "abc-defg-hij")
	assert.Equal(t, 1, r.code, r.stderr)
	assert.Contains(t, r.stderr, "SIP_USERNAME is set without SIP_PASSWORD")
	r = sipconnectCmd(t, map[string]string{"SIP_USERNAME": "sip-user"}, "twiml", "--room-code", "abc-defg-hij")
	assert.Equal(t, 1, r.code, r.stderr)
	assert.Contains(t, r.stderr, "SIP_PASSWORD")
	assert.Empty(t, r.stdout)

	delete(env, "SIP_USERNAME")
	r = sipconnectCmd(t, env, "serve", "--addr", "127.0.0.1:0", "--room-id", "abc-defg-hij", "--role", "guest")
	assert.Equal(t, 2, r.code, r.stderr)
	assert.Contains(t, r.stderr, "is a room code, not a room id: use --room-code")
}

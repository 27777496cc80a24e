package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// servingBinary is the binary's serve running.
type servingBinary struct {
	cmd            *exec.Cmd
	stdout, stderr lockedBuffer
	exited         chan error
}

// startServeBinary runs the binary's serve on a free loopback port until
// its stdout or stderr holds want.
func startServeBinary(t *testing.T, env map[string]string, want string, args ...string) *servingBinary {
	t.Helper()
	s := &servingBinary{cmd: exec.Command(binary, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...), exited: make(chan error, 1)}
	s.cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range env {
		s.cmd.Env = append(s.cmd.Env, k+"="+v)
	}
	s.cmd.Stdout, s.cmd.Stderr = &s.stdout, &s.stderr
	require.NoError(t, s.cmd.Start())
	go func() { s.exited <- s.cmd.Wait() }()
	t.Cleanup(func() { _ = s.cmd.Process.Kill() })
	deadline := time.After(15 * time.Second)
	for !strings.Contains(s.stdout.String(), want) && !strings.Contains(s.stderr.String(), want) {
		select {
		case err := <-s.exited:
			t.Fatalf("serve exited before printing %q (%v); stdout: %s\nstderr: %s", want, err, s.stdout.String(), s.stderr.String())
		case <-deadline:
			t.Fatalf("%q never printed; stdout: %s\nstderr: %s", want, s.stdout.String(), s.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	return s
}

// stop stops serve with SIGTERM and returns all it printed.
func (s *servingBinary) stop(t *testing.T) result {
	t.Helper()
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop after SIGTERM")
	}
	return result{s.cmd.ProcessState.ExitCode(), s.stdout.String(), s.stderr.String()}
}

// url returns the url field of the stdout record whose msg starts with
// msg (serve runs with --log-format json).
func (s *servingBinary) url(t *testing.T, msg string) string {
	t.Helper()
	recs := withMsg(records(t, s.stdout.String()), msg)
	require.Len(t, recs, 1, "%q in %s", msg, s.stdout.String())
	return recs[0]["url"].(string)
}

// runServeBinary runs the binary's serve until its stdout or stderr holds
// want, then stops it with SIGTERM and returns all it printed.
func runServeBinary(t *testing.T, env map[string]string, want string, args ...string) result {
	t.Helper()
	return startServeBinary(t, env, want, args...).stop(t)
}

// records parses every line of out as a JSON object; it fails the test on
// a line that is not one.
func records(t *testing.T, out string) []map[string]any {
	t.Helper()
	var recs []map[string]any
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if line == "" && out == "" {
			break
		}
		var rec map[string]any
		if !assert.NoError(t, json.Unmarshal([]byte(line), &rec), "not a JSON record: %q", line) {
			continue
		}
		assert.Contains(t, rec, "time", line)
		assert.Contains(t, rec, "level", line)
		assert.Contains(t, rec, "msg", line)
		recs = append(recs, rec)
	}
	return recs
}

// withMsg returns the records whose msg starts with prefix.
func withMsg(recs []map[string]any, prefix string) []map[string]any {
	var found []map[string]any
	for _, r := range recs {
		if m, _ := r["msg"].(string); strings.HasPrefix(m, prefix) {
			found = append(found, r)
		}
	}
	return found
}

func TestServeLogFormatJSON(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		last string // the msg of the demo's last record
	}{
		{"demo", nil, "the roster, and hanging the caller up"},
		{"pin demo", []string{"--pin"}, "the roster, and hanging the caller up"},
		{"telnyx demo", []string{"--provider", "telnyx"}, "the roster, and hanging the caller up"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := runServeBinary(t, nil, `"msg":"`+tt.last, append([]string{"--log-format", "json"}, tt.args...)...)
			assert.Equal(t, 0, r.code, r.stderr)
			out, errs := records(t, r.stdout), records(t, r.stderr)
			assert.NotEmpty(t, withMsg(errs, "demo mode:"), "the banner is a record")
			assert.NotEmpty(t, withMsg(errs, "sipconnect: shutting down"))
			require.Len(t, withMsg(out, "try it"), 1)
			assert.True(t, strings.HasPrefix(withMsg(out, "try it")[0]["curl"].(string), "curl -sS -X POST 'http://127.0.0.1:"))
			require.Len(t, withMsg(out, "serving the voice webhook"), 1)
			assert.Contains(t, withMsg(out, "serving the voice webhook")[0]["url"], "http://127.0.0.1:")
			answers := withMsg(out, "the carrier gets this answer")
			require.NotEmpty(t, answers)
			assert.Contains(t, answers[len(answers)-1]["answer"], "<Dial")
			roster := withMsg(out, "the phone roster of the room")
			require.Len(t, roster, 1)
			phones := roster[0]["roster"].(map[string]any)["phones"].([]any)
			require.Len(t, phones, 1)
			assert.Equal(t, demoPeerID, phones[0].(map[string]any)["peer_id"])
			assertNoSecrets(t, r.stdout, r.stderr)
		})
	}
}

func TestServeLogLevel(t *testing.T) {
	// At warn, the demo's only line is the warning that signatures go
	// unchecked; the info lines, its banner and shutting down among them,
	// are not printed.
	r := runServeBinary(t, nil, "signature checking is off", "--log-format", "json", "--log-level", "warn", "--insecure-skip-signature")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Empty(t, r.stdout)
	for _, rec := range records(t, r.stderr) {
		assert.Contains(t, []any{"WARN", "ERROR"}, rec["level"], rec)
	}
	assert.NotContains(t, r.stderr, "shutting down")

	r = runServeBinary(t, nil, "signature checking is off", "--log-level", "warn", "--insecure-skip-signature")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Empty(t, r.stdout, "text format drops the info lines too")
	assert.Equal(t, "*** WARNING: signature checking is off; anyone can make this server answer. ***\n", r.stderr)

	// At debug and info, text format prints what it always did.
	r = runServeBinary(t, nil, "the roster, and hanging the caller up", "--log-level", "debug")
	assert.Contains(t, r.stdout, "try it:\ncurl -sS -X POST ")
	assert.Contains(t, r.stderr, "*** DEMO MODE")
	assert.Contains(t, r.stderr, `level=INFO msg="sipconnect: shutting down"`)
}

func TestServeLogFlagErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--log-format", "jsn"}, `sipconnect: --log-format must be text or json, not "jsn"; did you mean json?`},
		{[]string{"--log-level", "verbose"}, `sipconnect: --log-level must be debug, info, warn or error, not "verbose"`},
	} {
		r := sipconnectCmd(t, nil, append([]string{"serve", "--addr", "127.0.0.1:0"}, tt.args...)...)
		assert.Equal(t, 2, r.code, "%v: %s", tt.args, r.stderr)
		first, _, _ := strings.Cut(r.stderr, "\n")
		assert.Equal(t, tt.msg, first, "%v", tt.args)
	}
	// Once the flags are read, the error serve ends with is a record too.
	r := sipconnectCmd(t, nil, "serve", "--addr", "8081", "--log-format", "json")
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	recs := records(t, r.stderr)
	require.Len(t, recs, 1, r.stderr)
	assert.Equal(t, "ERROR", recs[0]["level"])
	assert.Equal(t, "--addr 8081: want HOST:PORT; for port 8081 give --addr 127.0.0.1:8081 (this machine only) or --addr :8081 (every interface)", recs[0]["msg"])
}

func TestServeErrorLogIsARecord(t *testing.T) {
	var stderr lockedBuffer
	cmd := &command{fs: nil}
	lf := logFlags{format: "json", level: "info"}
	o, err := lf.output(cmd, env{stdout: &stderr, stderr: &stderr})
	require.NoError(t, err)
	newHTTPServer(nil, o).ErrorLog.Printf("http: Accept error: %s", "too many open files")
	recs := records(t, stderr.String())
	require.Len(t, recs, 1)
	assert.Equal(t, "WARN", recs[0]["level"])
	assert.Equal(t, "http: Accept error: too many open files", recs[0]["msg"])
}

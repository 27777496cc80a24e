package main

import (
	"bufio"
	"net"
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
)

// Errors name what the user typed: a flag or an environment variable.
func TestErrorsNameFlagsAndVariables(t *testing.T) {
	for _, tt := range []struct {
		env  map[string]string
		args []string
		msg  string
	}{
		{nil, []string{"call", "--to", "bad", "--room-code", demoRoomCode, "--trunk-id", demoTrunkID}, "sipconnect: invalid --to: "},
		{map[string]string{"HMS_ACCESS_KEY": "k"}, []string{"peers", "list", "--room-id", "r"}, "sipconnect: HMS_ACCESS_KEY is set but HMS_APP_SECRET is not"},
		{map[string]string{"HMS_APP_SECRET": secretAppSecret}, []string{"peers", "list", "--room-id", "r"}, "sipconnect: HMS_APP_SECRET is set but HMS_ACCESS_KEY is not"},
		// serve says the same, rather than asking for a room.
		{map[string]string{"HMS_ACCESS_KEY": "k"}, []string{"serve", "--addr", "127.0.0.1:0"}, "sipconnect: HMS_ACCESS_KEY is set but HMS_APP_SECRET is not: set both"},
		{map[string]string{"HMS_APP_SECRET": secretAppSecret}, []string{"serve", "--addr", "127.0.0.1:0", "--pin"}, "sipconnect: HMS_APP_SECRET is set but HMS_ACCESS_KEY is not: set both"},
		{map[string]string{"SIP_TRUNK_USERNAME": "u"}, []string{"trunks", "create", "--address", "a.example.com", "--from", "+14155550100"}, "sipconnect: invalid SIP_TRUNK_PASSWORD: "},
		{nil, []string{"twiml", "--room-code", "abc-defg-hij", "--timeout", "3"}, "sipconnect: --timeout must be from 5 to 600 seconds"},
		{nil, []string{"serve", "--addr", "8081"}, "sipconnect: --addr 8081: want HOST:PORT; for port 8081 give --addr 127.0.0.1:8081"},
	} {
		r := sipconnectCmd(t, tt.env, tt.args...)
		assert.Equal(t, 1, r.code, "%v: %s", tt.args, r.stderr)
		assert.Contains(t, r.stderr, tt.msg, "%v", tt.args)
		assert.NotContains(t, r.stderr, "hmsapi", "%v", tt.args)
		assert.Empty(t, r.stdout, "%v", tt.args)
		assertNoSecrets(t, r.stderr)
	}

	// A port already in use says what to do.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	r := sipconnectCmd(t, nil, "serve", "--addr", ln.Addr().String())
	assert.Equal(t, 1, r.code, r.stderr)
	assert.Contains(t, r.stderr, "the port is already in use")
	assert.Contains(t, r.stderr, "pick another port with --addr")
}

func TestDidYouMeanAndMissingFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		msg  string
	}{
		{[]string{"cal"}, `sipconnect: unknown command "cal"; did you mean call?`},
		{[]string{"serv"}, `sipconnect: unknown command "serv"; did you mean serve?`},
		{[]string{"uri", "--room-cod", "x"}, "sipconnect: unknown flag --room-cod; did you mean --room-code?"},
		{[]string{"peers", "lst"}, `sipconnect: unknown peers subcommand "lst" (want list or remove); did you mean list?`},
		{[]string{"codes", "lisst"}, `; did you mean list?`},
		{[]string{"call"}, "sipconnect: --to, --room-code and --trunk-id are required"},
		{[]string{"call", "--to", "+15550100"}, "sipconnect: --room-code and --trunk-id are required"},
		{[]string{"trunks", "update"}, "sipconnect: --trunk-id, --address and --from are required"},
		{[]string{"completion", "tcsh"}, `sipconnect: unknown shell "tcsh" (want bash, zsh or fish)`},
		{[]string{"serve", "--provider", "telnix"}, `sipconnect: --provider must be one of ` + strings.Join(providers, ", ") + `, not "telnix"; did you mean telnyx?`},
		{[]string{"serve", "--provider", "plivio"}, `; did you mean plivo?`},
	} {
		r := sipconnectCmd(t, nil, tt.args...)
		assert.Equal(t, 2, r.code, "%v: %s", tt.args, r.stderr)
		first, _, _ := strings.Cut(r.stderr, "\n")
		assert.Contains(t, first, tt.msg, "%v", tt.args)
		assert.Contains(t, r.stderr, "usage: sipconnect", "%v", tt.args)
		assert.Empty(t, r.stdout, "%v", tt.args)
	}
	// Nothing close: no suggestion.
	r := sipconnectCmd(t, nil, "frobnicate")
	assert.Equal(t, 2, r.code)
	assert.NotContains(t, r.stderr, "did you mean")
}

func TestHelp(t *testing.T) {
	r := sipconnectCmd(t, nil, "uri", "-h")
	assert.Equal(t, 0, r.code)
	assert.Contains(t, r.stdout, "\n  --room-code code\n")
	assert.NotRegexp(t, `(?m)^  -[a-z]`, r.stdout, "flags shown as --flag")

	r = sipconnectCmd(t, nil, "serve", "-h")
	assert.Equal(t, 0, r.code)
	for _, s := range []string{"Demo mode:", "HMS_MANAGEMENT_TOKEN", "HMS_ACCESS_KEY", "TWILIO_AUTH_TOKEN", "TELNYX_PUBLIC_KEY",
		"SIPCONNECT_REDIS_URL", "HMS_WEBHOOK_SECRET_HEADER", "SIPCONNECT_ADMIN_TOKEN", "SIP_USERNAME", "  --addr address"} {
		assert.Contains(t, r.stdout, s)
	}
	// The flags that apply to every carrier say so.
	assert.Contains(t, r.stdout, "base URL the carrier reaches this server at")
	assert.Contains(t, r.stdout, "without the carrier's valid signature")
	assert.NotContains(t, r.stdout, "Twilio reaches")
	assert.NotContains(t, r.stdout, "X-Twilio-Signature")

	r = sipconnectCmd(t, nil, "-h")
	assert.Equal(t, 0, r.code)
	for _, c := range append([]string{"completion", "help"}, providers...) {
		assert.Contains(t, r.stdout, c)
	}

	for _, cmd := range []string{"call", "serve", "uri", "peers", "completion", "version"} {
		help := sipconnectCmd(t, nil, "help", cmd)
		dashH := sipconnectCmd(t, nil, cmd, "-h")
		assert.Equal(t, 0, help.code, "%s: %s", cmd, help.stderr)
		assert.Equal(t, dashH.stdout, help.stdout, cmd)
		assert.True(t, strings.HasPrefix(help.stdout, "usage: sipconnect "+cmd), "%s: %q", cmd, help.stdout)
	}
	// help's own help is the list of commands.
	r = sipconnectCmd(t, nil, "help", "help")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, sipconnectCmd(t, nil, "help").stdout, r.stdout)
	assert.Empty(t, r.stderr)
	r = sipconnectCmd(t, nil, "help", "cal")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "did you mean call?")
}

// The carriers the help names, and their keys, are those of the carriers
// table, in its order: a new entry is all a carrier needs in the command.
func TestHelpListsTheCarriersTable(t *testing.T) {
	top := sipconnectCmd(t, nil, "-h").stdout
	assert.Contains(t, top, "\n          twilio (default), "+strings.Join(providers[1:], ", ")+"\n")
	serve := sipconnectCmd(t, nil, "serve", "-h").stdout
	assert.Contains(t, serve, "[--provider "+strings.Join(providers, "|")+"]")
	var listed []string
	for _, m := range regexp.MustCompile(`(?m)^  ([a-z]+)(?: \(default\))? +([A-Z_]+)$`).FindAllStringSubmatch(serve, -1) {
		listed = append(listed, m[1])
		assert.Equal(t, providerKeys[m[1]], m[2], m[1])
	}
	assert.Equal(t, providers, listed)
}

// Every command's help, and the usage shown with a usage error, ends by
// pointing at sipconnect help <command> and at completion, as the list of
// commands does.
func TestHelpPointsAtHelpAndCompletion(t *testing.T) {
	var helps [][]string
	for _, c := range commands {
		if c != "help" {
			helps = append(helps, []string{c, "-h"})
		}
	}
	helps = append(helps, []string{"-h"}, []string{"help"},
		[]string{"codes", "list", "-h"}, []string{"peers", "remove", "-h"}, []string{"pins", "create", "-h"},
		[]string{"trunks", "update", "-h"}, []string{"help", "pins"})
	for _, args := range helps {
		r := sipconnectCmd(t, nil, args...)
		assert.Equal(t, 0, r.code, "%v: %s", args, r.stderr)
		assert.Contains(t, r.stdout, "sipconnect help <command>", "%v", args)
		assert.Contains(t, r.stdout, "completion", "%v", args)
	}
	for _, args := range [][]string{{"uri"}, {"serve", "--provider", "telnix"}, {"codes"}, {"peers", "kick"}, {"completion"}} {
		r := sipconnectCmd(t, nil, args...)
		assert.Equal(t, 2, r.code, "%v: %s", args, r.stderr)
		assert.Contains(t, r.stderr, "sipconnect help <command>", "%v", args)
		assert.Contains(t, r.stderr, "sipconnect completion bash|zsh|fish", "%v", args)
	}
	// A value close to no carrier gets no suggestion.
	r := sipconnectCmd(t, nil, "serve", "--provider", "zzz")
	assert.Equal(t, 2, r.code)
	assert.NotContains(t, r.stderr, "did you mean")
}

func TestCompletion(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		r := sipconnectCmd(t, nil, "completion", shell)
		require.Equal(t, 0, r.code, "%s: %s", shell, r.stderr)
		assert.Empty(t, r.stderr)
		for _, w := range []string{"serve", "call", "--ring-timeout", "--room-code", "remove", "--peer-id"} {
			if shell == "fish" && strings.HasPrefix(w, "--") {
				w = "-l " + w[2:] // fish names long options with -l
			}
			assert.Contains(t, r.stdout, w, shell)
		}
		if _, err := exec.LookPath(shell); err == nil && shell != "fish" {
			f := filepath.Join(t.TempDir(), "c")
			require.NoError(t, os.WriteFile(f, []byte(r.stdout), 0o600))
			out, err := exec.Command(shell, "-n", f).CombinedOutput()
			assert.NoError(t, err, "%s: %s", shell, out)
		}
	}
	for _, args := range [][]string{{"completion"}, {"completion", "powershell"}, {"completion", "bash", "zsh"}} {
		r := sipconnectCmd(t, nil, args...)
		assert.Equal(t, 2, r.code, "%v", args)
		assert.Empty(t, r.stdout)
	}

	// bash completes as a user at a prompt would see.
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	script := sipconnectCmd(t, nil, "completion", "bash").stdout
	for _, tt := range []struct{ line, want string }{
		{"sipconnect se", "serve"},
		{"sipconnect peers re", "remove"},
		{"sipconnect peers remove --pe", "--peer-id"},
		{"sipconnect call --ring", "--ring-timeout"},
		{"sipconnect completion fi", "fish"},
	} {
		prog := script + "\nCOMP_WORDS=(" + tt.line + "); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); _sipconnect; echo \"${COMPREPLY[*]}\"\n"
		out, err := exec.Command("bash", "-c", prog).CombinedOutput()
		require.NoError(t, err, "%s", out)
		assert.Equal(t, tt.want, strings.TrimSpace(string(out)), tt.line)
	}
}

// call shows that the phone rings and, when it gives up, how to remove a
// callee who answers late.
func TestCallWhileItRings(t *testing.T) {
	// No answer, stderr not a terminal: plain progress lines.
	r := sipconnectCmd(t, nil, "call", "--to", demoNoAnswer, "--room-code", demoRoomCode, "--trunk-id", demoTrunkID, "--ring-timeout", "6", "--user-id", "bob-1")
	assert.Equal(t, 1, r.code, r.stderr)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, "ringing "+demoNoAnswer+" for up to 6s as user id bob-1 (100ms gives the call id when the phone answers")
	assert.Contains(t, r.stderr, "still ringing "+demoNoAnswer+": 5s of 6s\n")
	assert.NotContains(t, r.stderr, "\r", "no spinner off a terminal")
	assert.Contains(t, r.stderr, "sipconnect: no answer: nobody picked up within the ring timeout (6s); ")
	assert.Contains(t, r.stderr, "'sipconnect peers list --room-id ROOM_ID --user-id bob-1'")
	assert.Contains(t, r.stderr, "'sipconnect peers remove --room-id ROOM_ID --peer-id PEER_ID'")

	// Ctrl-C while it rings.
	cmd := exec.Command(binary, "call", "--to", demoNoAnswer, "--room-code", demoRoomCode, "--trunk-id", demoTrunkID)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	sc := bufio.NewScanner(stderr)
	var userID string
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if _, rest, ok := strings.Cut(sc.Text(), " as user id "); ok {
			userID, _, _ = strings.Cut(rest, " ")
			require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
		}
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("call did not stop on SIGINT")
	}
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, 1, ee.ExitCode())
	require.Regexp(t, `^sipconnect-call-[0-9a-f]{12}$`, userID, "a user id of its own, shown while it rings")
	last := lines[len(lines)-1]
	assert.Contains(t, last, "sipconnect: interrupted while the phone rang")
	assert.Contains(t, last, "--user-id "+userID)
	assert.Contains(t, last, "sipconnect peers remove --room-id ROOM_ID --peer-id PEER_ID")
}

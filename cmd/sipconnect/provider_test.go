package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// shellWords splits a command line made of plain words and single-quoted
// strings (with '\” for a quote), as a POSIX shell would.
func shellWords(t *testing.T, line string) []string {
	t.Helper()
	var words []string
	var cur strings.Builder
	in, started := false, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case in && c == '\'':
			in = false
		case in:
			cur.WriteByte(c)
		case c == '\'':
			in, started = true, true
		case c == '\\' && i+1 < len(line):
			i++
			cur.WriteByte(line[i])
			started = true
		case c == ' ':
			if started {
				words = append(words, cur.String())
				cur.Reset()
				started = false
			}
		default:
			cur.WriteByte(c)
			started = true
		}
	}
	require.False(t, in, "unterminated quote in %q", line)
	if started {
		words = append(words, cur.String())
	}
	return words
}

// runCurl performs the request of a printed curl line: curl -sS -X METHOD
// URL [-H 'Name: value']... [--data-binary BODY].
func runCurl(t *testing.T, line string) (int, string) {
	t.Helper()
	w := shellWords(t, line)
	require.GreaterOrEqual(t, len(w), 5, line)
	require.Equal(t, []string{"curl", "-sS", "-X"}, w[:3], line)
	method, u := w[3], w[4]
	var body string
	header := http.Header{}
	for i := 5; i < len(w); i += 2 {
		require.Less(t, i+1, len(w), line)
		switch w[i] {
		case "-H":
			name, value, ok := strings.Cut(w[i+1], ": ")
			require.True(t, ok, w[i+1])
			header.Add(name, value)
		case "--data-binary":
			body = w[i+1]
		default:
			t.Fatalf("unexpected curl option %q", w[i])
		}
	}
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	require.NoError(t, err)
	req.Header = header
	if body == "" {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	return send(t, req)
}

func TestServeProvidersDemo(t *testing.T) {
	for _, p := range carrierNames() {
		t.Run(p, func(t *testing.T) {
			s := startServe(t, nil, "--provider", p)
			assert.True(t, strings.HasPrefix(s.curl, "curl -sS -X "), s.curl)
			assert.Contains(t, s.curl, "/"+p+"/voice")
			// The printed line works as printed, and more than once.
			for range 2 {
				status, body := runCurl(t, s.curl)
				require.Equal(t, 200, status, body)
				assert.Contains(t, body, "sip:uqu-ugbm-lde@sip.100ms.live", body)
			}
			assert.Equal(t, providerTitles[p]+" gets this answer:", s.next(t))
			assert.Contains(t, s.next(t), "sip:uqu-ugbm-lde@sip.100ms.live")

			// A changed body or a missing signature is refused.
			broken := strings.Replace(s.curl, "15005550006", "15005550007", 1)
			if p == "vonage" {
				broken = strings.Replace(s.curl, "Authorization: Bearer ", "Authorization: Bearer x", 1)
			}
			status, _ := runCurl(t, broken)
			assert.Equal(t, 403, status)
		})
	}
}

func TestServeProviderPINDemo(t *testing.T) {
	s := startServe(t, nil, "--provider", "signalwire", "--pin")
	status, body := runCurl(t, s.curl)
	require.Equal(t, 200, status, body)
	assert.Regexp(t, `action="http://127\.0\.0\.1:\d+/signalwire/pin\?attempt=1&amp;nonce=[A-Za-z0-9_-]{22}"`, body)
}

func TestServeProviderKeys(t *testing.T) {
	for p, key := range providerKeys {
		if p == "twilio" {
			continue
		}
		// Outside demo mode a missing key refuses to start, naming it.
		r := sipconnectCmd(t, nil, "serve", "--addr", "127.0.0.1:0", "--room-code", "abc-defg-hij", "--provider", p)
		assertOneLineError(t, r, "sipconnect: "+key+" is not set: without it "+providerTitles[p]+"'s signatures cannot be checked...", p)
	}
	// With a key, outside demo mode: the curl line signed with it works.
	env := map[string]string{"SIGNALWIRE_SIGNING_KEY": secretTwilioToken}
	s := startServe(t, env, "--room-code", "abc-defg-hij", "--provider", "signalwire")
	status, body := runCurl(t, s.curl)
	require.Equal(t, 200, status, body)
	assert.Contains(t, body, "sip:abc-defg-hij@sip.100ms.live")
	assert.NotContains(t, s.curl, secretTwilioToken)

	r := sipconnectCmd(t, nil, "serve", "--provider", "bandwidth")
	assert.Equal(t, 2, r.code)
	assert.True(t, strings.HasPrefix(r.stderr, `sipconnect: --provider must be one of `+strings.Join(providers, ", ")+`, not "bandwidth"`+"\nusage: sipconnect serve"), r.stderr)
}

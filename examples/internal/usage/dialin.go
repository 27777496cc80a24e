package usage

import (
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/twiml"
)

// DemoEnv returns the environment a dial-in example serves with: getenv
// itself when it names 100ms credentials; otherwise getenv with the URL and
// credentials of the in-memory fake of the 100ms API that fake starts
// (stopped by stop), the name-value pairs of vars, and a throwaway
// TWILIO_AUTH_TOKEN when getenv has none. It says so on out, and with a
// throwaway token prints a curl line that posts a sample call to the
// voice webhook, signed with it; held tells what the fake holds (", room
// demo-room, role guest"), or is "".
func DemoEnv(getenv func(string) string, out io.Writer, fake func() *hmstest.Server, held string, vars ...string) (env func(string) string, stop func()) {
	if HasCredentials(getenv) {
		return getenv, func() {}
	}
	srv := fake()
	demo := map[string]string{"HMS_API_BASE_URL": srv.URL, "HMS_ACCESS_KEY": srv.AccessKey(), "HMS_APP_SECRET": srv.AppSecret()}
	for i := 0; i+1 < len(vars); i += 2 {
		demo[vars[i]] = vars[i+1]
	}
	fmt.Fprintln(out, "no 100ms credentials (HMS_MANAGEMENT_TOKEN, or HMS_ACCESS_KEY and HMS_APP_SECRET): using an in-memory fake of the 100ms API"+held)
	if getenv("TWILIO_AUTH_TOKEN") == "" {
		token := rand.Text()
		demo["TWILIO_AUTH_TOKEN"] = token
		fmt.Fprintln(out, "no TWILIO_AUTH_TOKEN: using a throwaway one, so only requests signed with it are answered")
		_, listen := Listen(getenv)
		if line, err := SampleCurl(listen("PUBLIC_URL")+"/twilio/voice", token); err == nil {
			fmt.Fprintln(out, "try it, with a sample call signed with it:\n"+line)
		}
	}
	return func(k string) string {
		if v, ok := demo[k]; ok {
			return v
		}
		return getenv(k)
	}, srv.Close
}

// sampleCall is the incoming call of SampleCurl.
func sampleCall() url.Values {
	return url.Values{"CallSid": {"CA00000000000000000000000000000001"}, "AccountSid": {"AC00000000000000000000000000000001"},
		"From": {"+15005550006"}, "To": {"+15005550001"}, "CallStatus": {"ringing"}, "Direction": {"inbound"}}
}

// SampleCurl returns a curl command that posts a sample incoming call to
// u, signed as Twilio signs it with token.
func SampleCurl(u, token string) (string, error) {
	form := sampleCall()
	req, err := twiml.NewSignedRequest(http.MethodPost, u, token, form)
	if err != nil {
		return "", err
	}
	return "curl -sS -X POST " + shellQuote(u) + " -H " + shellQuote(twiml.SignatureHeader+": "+req.Header.Get(twiml.SignatureHeader)) +
		" --data " + shellQuote(form.Encode()), nil
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// SendPrintedCurl finds the curl line SampleCurl printed in printed and
// sends its request as curl would, returning the line and the answer's
// status and body: for the examples' tests.
func SendPrintedCurl(printed string) (line string, status int, body string, err error) {
	for l := range strings.Lines(printed) {
		if strings.HasPrefix(l, "curl ") {
			line = strings.TrimSuffix(l, "\n")
		}
	}
	m := regexp.MustCompile(`^curl -sS -X POST '([^']+)' -H '([^:']+): ([^']+)' --data '([^']*)'$`).FindStringSubmatch(line)
	if m == nil {
		return line, 0, "", fmt.Errorf("no line of SampleCurl in %q", printed)
	}
	req, err := http.NewRequest(http.MethodPost, m[1], strings.NewReader(m[4]))
	if err != nil {
		return line, 0, "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded") // what curl --data sends
	req.Header.Set(m[2], m[3])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return line, 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return line, resp.StatusCode, string(b), err
}

// ServeOn serves h on ln, whose address the handler's PUBLIC_URL was made
// from, until stop is called: for the examples' tests.
func ServeOn(ln net.Listener, h http.Handler) (stop func()) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return func() { _ = srv.Close() }
}

// ServeTwilio serves, on the address Listen picks, the handler build makes
// from the environment Listen completes, and logs where Twilio's voice
// webhook is.
func ServeTwilio(getenv func(string) string, logger *slog.Logger, build func(getenv func(string) string) (http.Handler, error)) error {
	addr, getenv := Listen(getenv)
	h, err := build(getenv)
	if err != nil {
		return err
	}
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 5 * time.Second}
	logger.Info("listening", "addr", addr, "voice_webhook", getenv("PUBLIC_URL")+"/twilio/voice")
	return srv.ListenAndServe()
}

// TwilioToken is the Twilio auth token of the dial-in examples' tests.
const TwilioToken = "tw-token"

// ServeDialIn serves on loopback the handler build makes for a dial-in
// example's test, with the environment the test runs it with: PUBLIC_URL
// is the server's own URL, known before build runs; the 100ms credentials
// are api's; the Twilio auth token is TwilioToken and the SIP credentials
// U and P; extra adds name-value pairs. The caller closes the server.
func ServeDialIn(api *hmstest.Server, build func(getenv func(string) string) (http.Handler, error), extra ...string) (*httptest.Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	env := map[string]string{"TWILIO_AUTH_TOKEN": TwilioToken, "PUBLIC_URL": "http://" + ln.Addr().String(),
		"HMS_ACCESS_KEY": api.AccessKey(), "HMS_APP_SECRET": api.AppSecret(), "HMS_API_BASE_URL": api.URL,
		"SIP_USERNAME": "U", "SIP_PASSWORD": "P"}
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	h, err := build(func(k string) string { return env[k] })
	if err != nil {
		ln.Close()
		return nil, err
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	return srv, nil
}

// PostTwilio posts form to u signed as Twilio signs a webhook with
// TwilioToken, and returns the answer's body; another status than 200 is
// an error.
func PostTwilio(u string, form url.Values) (string, error) {
	req, err := twiml.NewSignedRequest(http.MethodPost, u, TwilioToken, form)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("status %d: %s", resp.StatusCode, b)
	}
	return string(b), err
}

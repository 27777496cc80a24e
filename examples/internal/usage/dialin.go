package usage

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/twiml"
)

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

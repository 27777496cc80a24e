package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hmssip/interconnect-go/carrier/plivo"
	"github.com/hmssip/interconnect-go/carrier/signalwire"
	"github.com/hmssip/interconnect-go/carrier/telnyx"
	"github.com/hmssip/interconnect-go/carrier/vonage"
	"github.com/hmssip/interconnect-go/sipconnect"
)

// carrierEntry is a carrier other than Twilio as serve --provider takes
// it: one entry of carriers per carrier package.
type carrierEntry struct {
	name, title, keyVar string
	// make returns the carrier verifying with key, its dial status at the
	// path action (relative to the public URL).
	make func(key, action string) sipconnect.Carrier
	// sign returns the sample incoming call to the public URL u signed with
	// key, as the carrier signs it; nil when the key cannot sign (Telnyx's
	// is a public key).
	sign func(key, u string) (*http.Request, error)
	// demo makes a throwaway key for demo mode and, when the key cannot
	// sign, the function that signs the sample call; nil: a random token.
	demo func() (key string, sign func(u string) (*http.Request, error), err error)
	// signedFor is how long a signature is good for: the sample call's
	// curl line says so; 0: for ever.
	signedFor time.Duration
}

// carriers are the carriers serve --provider takes besides Twilio, in the
// order usage lists them. A new carrier package adds its entry here, and
// nothing else in the command: the usage, serve's help and synopsis, the
// values --provider takes and the error naming a missing key all come from
// this table.
var carriers = []carrierEntry{
	{name: "telnyx", title: "Telnyx", keyVar: "TELNYX_PUBLIC_KEY", make: newTelnyx, demo: telnyxDemoKey, signedFor: telnyx.DefaultTolerance},
	{name: "signalwire", title: "SignalWire", keyVar: "SIGNALWIRE_SIGNING_KEY", make: newSignalWire, sign: signSignalWire},
	{name: "plivo", title: "Plivo", keyVar: "PLIVO_AUTH_TOKEN", make: newPlivo, sign: signPlivo},
	{name: "vonage", title: "Vonage", keyVar: "VONAGE_SIGNATURE_SECRET", make: newVonage, sign: signVonage, signedFor: vonage.DefaultMaxAge},
}

// providers are the carriers serve --provider takes, in the order usage
// lists them: Twilio, the default, then carriers.
var providers = append([]string{"twilio"}, carrierNames()...)

func carrierNames() []string {
	names := make([]string, len(carriers))
	for i, c := range carriers {
		names[i] = c.name
	}
	return names
}

// providerChoices is the list of --provider's values as usage shows it:
// twilio (default), then the other carriers.
func providerChoices() string {
	return providers[0] + " (default), " + strings.Join(providers[1:], ", ")
}

// carriersNote is the part of serve's usage about the carriers: their
// paths, and the variable of each one's key.
func carriersNote() string {
	var b strings.Builder
	b.WriteString(`Carriers (--provider), each answering at /<provider>/voice (and /<provider>/pin with --pin,
/<provider>/dial-status), and the variable holding the key that verifies its webhooks (outside
demo mode a missing key refuses to start, unless --insecure-skip-signature):
`)
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for i, p := range providers {
		if i == 0 {
			p += " (default)"
		}
		fmt.Fprintf(tw, "  %s\t%s\n", p, providerKeys[providers[i]])
	}
	_ = tw.Flush()
	return strings.TrimSuffix(b.String(), "\n")
}

// providerKeys names the variable that holds each carrier's verification
// key, and providerTitles each carrier's name as it writes it.
var providerKeys, providerTitles = carrierTable()

func carrierTable() (keys, titles map[string]string) {
	keys = map[string]string{"twilio": "TWILIO_AUTH_TOKEN"}
	titles = map[string]string{"twilio": "Twilio"}
	for _, c := range carriers {
		keys[c.name], titles[c.name] = c.keyVar, c.title
	}
	return keys, titles
}

// sampleCallID is the call id of the sample call of every carrier.
const sampleCallID = "CA00000000000000000000000000000001"

// carrierSetup is a carrier other than Twilio as serve uses it.
type carrierSetup struct {
	carrier sipconnect.Carrier
	// sample returns the sample incoming call to the public URL u, signed
	// as the carrier signs it; nil when serve cannot sign (it holds only
	// Telnyx's public key).
	sample    func(u string) (*http.Request, error)
	throwaway bool // the key was made up for demo mode
	// kind is what a throwaway key is, as the demo's banner says it: "key",
	// or "key pair" for a carrier that signs with a private key.
	kind string
	// signedFor is how long a signature is good for; 0: for ever.
	signedFor time.Duration
}

// newCarrier makes the carrier name (not twilio) with its key from the
// environment, or a throwaway one in demo mode. Outside demo mode a
// missing key is an error naming the variable, unless insecure.
func (e env) newCarrier(name string, demo, insecure bool) (carrierSetup, error) {
	i := slices.IndexFunc(carriers, func(c carrierEntry) bool { return c.name == name })
	if i < 0 {
		return carrierSetup{}, fmt.Errorf("no carrier %q", name)
	}
	c := carriers[i]
	key := e.getenv(c.keyVar)
	s := carrierSetup{kind: "key", signedFor: c.signedFor}
	if c.demo != nil {
		s.kind = "key pair"
	}
	if key == "" {
		switch {
		case demo:
			s.throwaway = true
		case !insecure:
			return s, fmt.Errorf("%s is not set: without it %s's signatures cannot be checked (use --insecure-skip-signature only for testing)",
				c.keyVar, c.title)
		}
	}
	if c.sign != nil {
		s.sample = func(u string) (*http.Request, error) { return c.sign(key, u) }
	}
	if s.throwaway {
		if c.demo == nil {
			key = throwawayToken()
		} else {
			var err error
			if key, s.sample, err = c.demo(); err != nil {
				return s, err
			}
		}
	}
	s.carrier = c.make(key, "/"+name+"/dial-status") // relative to the public URL
	if insecure && key == "" {
		s.sample = nil
	}
	return s, nil
}

func newTelnyx(key, action string) sipconnect.Carrier {
	return telnyx.NewCarrier(telnyx.Config{PublicKey: key, Dial: telnyx.Dial{Action: action}})
}

// telnyxDemoKey makes a throwaway key pair: the public key verifies, the
// private one signs the sample call.
func telnyxDemoKey() (string, func(u string) (*http.Request, error), error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", nil, err
	}
	return base64.StdEncoding.EncodeToString(pub), func(u string) (*http.Request, error) {
		return telnyx.NewSignedRequest(u, twilioStyleForm(), priv, time.Now())
	}, nil
}

func newSignalWire(key, action string) sipconnect.Carrier {
	return signalwire.NewCarrier(signalwire.Config{SigningKey: key, Dial: signalwire.Dial{Action: action}})
}

func signSignalWire(key, u string) (*http.Request, error) {
	return signalwire.NewSignedRequest(http.MethodPost, u, key, twilioStyleForm())
}

func newPlivo(key, action string) sipconnect.Carrier {
	return plivo.NewCarrier(plivo.Config{AuthToken: key, Dial: plivo.Dial{Action: action}})
}

func signPlivo(key, u string) (*http.Request, error) {
	form := url.Values{"CallUUID": {sampleCallID}, "From": {"15005550006"}, "To": {"15005550001"},
		"Direction": {"inbound"}, "CallStatus": {"ringing"}}
	return plivo.NewSignedRequest(http.MethodPost, u, key, throwawayToken(), form)
}

func newVonage(key, action string) sipconnect.Carrier {
	return vonage.NewCarrier(vonage.Config{SignatureSecret: key, Connect: vonage.Connect{EventURL: []string{action}}})
}

func signVonage(key, u string) (*http.Request, error) {
	q := url.Values{"uuid": {sampleCallID}, "conversation_uuid": {"CON-00000000-0000-0000-0000-000000000001"},
		"from": {"15005550006"}, "to": {"15005550001"}}
	return vonage.NewSignedRequest(http.MethodGet, u+"?"+q.Encode(), key, nil, time.Now())
}

// twilioStyleForm is the sample call in the parameters Telnyx and
// SignalWire share with Twilio.
func twilioStyleForm() url.Values { return sampleForm() }

// curlFor renders req as a curl command that sends it as is: method, URL,
// every header, and the body byte for byte. It leaves req's body readable.
func curlFor(req *http.Request) (string, error) {
	var b strings.Builder
	b.WriteString("curl -sS -X " + req.Method + " " + shellQuote(req.URL.String()))
	names := make([]string, 0, len(req.Header))
	for k := range req.Header {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		for _, v := range req.Header[k] {
			b.WriteString(" -H " + shellQuote(k+": "+v))
		}
	}
	if req.Body != nil {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return "", err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		if len(body) > 0 {
			b.WriteString(" --data-binary " + shellQuote(string(body)))
		}
	}
	return b.String(), nil
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// sendTo sends req, made for the public URL, to the server listening at
// base instead, and returns the answer.
func sendTo(base string, req *http.Request) (string, error) {
	target, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	req.URL.Scheme, req.URL.Host, req.Host = target.Scheme, target.Host, ""
	return readAnswer(req)
}

// readAnswer sends req and returns the body of its 200 answer, at most 64 KiB;
// any other status is an error.
func readAnswer(req *http.Request) (string, error) {
	client := &http.Client{Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("status %d", resp.StatusCode)
	}
	return string(body), nil
}

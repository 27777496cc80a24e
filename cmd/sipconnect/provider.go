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
	"time"

	"github.com/hmssip/interconnect-go/carrier/plivo"
	"github.com/hmssip/interconnect-go/carrier/signalwire"
	"github.com/hmssip/interconnect-go/carrier/telnyx"
	"github.com/hmssip/interconnect-go/carrier/vonage"
	"github.com/hmssip/interconnect-go/sipconnect"
)

// providers are the carriers serve --provider takes, in the order usage
// lists them.
var providers = []string{"twilio", "telnyx", "signalwire", "plivo", "vonage"}

// providerKeys names the variable that holds each carrier's verification key.
var providerKeys = map[string]string{
	"twilio":     "TWILIO_AUTH_TOKEN",
	"telnyx":     "TELNYX_PUBLIC_KEY",
	"signalwire": "SIGNALWIRE_SIGNING_KEY",
	"plivo":      "PLIVO_AUTH_TOKEN",
	"vonage":     "VONAGE_SIGNATURE_SECRET",
}

var providerTitles = map[string]string{"twilio": "Twilio", "telnyx": "Telnyx", "signalwire": "SignalWire", "plivo": "Plivo", "vonage": "Vonage"}

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
}

// newCarrier makes the carrier name (not twilio) with its key from the
// environment, or a throwaway one in demo mode. Outside demo mode a
// missing key is an error naming the variable, unless insecure.
func (e env) newCarrier(name string, demo, insecure bool) (carrierSetup, error) {
	key := e.getenv(providerKeys[name])
	var s carrierSetup
	if key == "" {
		switch {
		case demo:
			s.throwaway = true
		case !insecure:
			return s, fmt.Errorf("%s is not set: without it %s's signatures cannot be checked (use --insecure-skip-signature only for testing)",
				providerKeys[name], providerTitles[name])
		}
	}
	action := "/" + name + "/dial-status" // relative to the public URL
	switch name {
	case "telnyx":
		var priv ed25519.PrivateKey
		if s.throwaway {
			pub, p, err := ed25519.GenerateKey(rand.Reader)
			if err != nil {
				return s, err
			}
			key, priv = base64.StdEncoding.EncodeToString(pub), p
		}
		s.carrier = sipconnect.Telnyx(sipconnect.TelnyxConfig{PublicKey: key, Dial: telnyx.Dial{Action: action}})
		if priv != nil {
			s.sample = func(u string) (*http.Request, error) {
				return telnyx.NewSignedRequest(u, twilioStyleForm(), priv, time.Now())
			}
		}
	case "signalwire":
		if s.throwaway {
			key = throwawayToken()
		}
		s.carrier = sipconnect.SignalWire(sipconnect.SignalWireConfig{SigningKey: key, Dial: signalwire.Dial{Action: action}})
		s.sample = func(u string) (*http.Request, error) {
			return signalwire.NewSignedRequest(http.MethodPost, u, key, twilioStyleForm())
		}
	case "plivo":
		if s.throwaway {
			key = throwawayToken()
		}
		s.carrier = sipconnect.Plivo(sipconnect.PlivoConfig{AuthToken: key, Dial: plivo.Dial{Action: action}})
		s.sample = func(u string) (*http.Request, error) {
			form := url.Values{"CallUUID": {sampleCallID}, "From": {"15005550006"}, "To": {"15005550001"},
				"Direction": {"inbound"}, "CallStatus": {"ringing"}}
			return plivo.NewSignedRequest(http.MethodPost, u, key, throwawayToken(), form)
		}
	case "vonage":
		if s.throwaway {
			key = throwawayToken()
		}
		s.carrier = sipconnect.Vonage(sipconnect.VonageConfig{SignatureSecret: key, Connect: vonage.Connect{EventURL: []string{action}}})
		s.sample = func(u string) (*http.Request, error) {
			q := url.Values{"uuid": {sampleCallID}, "conversation_uuid": {"CON-00000000-0000-0000-0000-000000000001"},
				"from": {"15005550006"}, "to": {"15005550001"}}
			return vonage.NewSignedRequest(http.MethodGet, u+"?"+q.Encode(), key, nil, time.Now())
		}
	}
	if insecure && key == "" {
		s.sample = nil
	}
	return s, nil
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

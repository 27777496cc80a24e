package sipconnect

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"time"

	"github.com/hmssip/interconnect-go/internal/secret"
	"github.com/hmssip/interconnect-go/internal/webhook"
	"github.com/hmssip/interconnect-go/internal/xmlwrite"
	"github.com/hmssip/interconnect-go/twiml"
)

// A Carrier is the telephony provider whose webhooks a Handler answers: it
// verifies and reads the provider's requests and renders its call-control
// documents, while the call flow (routing, the PIN menu, fallbacks,
// logging) is the same for every carrier. Twilio is the default; the
// others are made by this package's functions named after them. What a
// carrier cannot express (SIP credentials it has no attribute for, a header
// it would rename) is an error when the handler is made.
type Carrier interface {
	// Name returns the carrier's name, such as "twilio".
	Name() string
	// adapt checks cfg against what the carrier can express and returns
	// the carrier's side of a handler.
	adapt(cfg *HandlerConfig) (adapter, error)
}

// adapter is a carrier's side of one handler.
type adapter interface {
	// verify checks r (its method is GET or POST) and returns the webhook's
	// parameters, or the HTTP status that refuses it and why.
	verify(w http.ResponseWriter, r *http.Request, maxBody int64) (url.Values, int, error)
	// call and dialStatus read the webhook parameters.
	call(params url.Values) Call
	dialStatus(params url.Values) DialStatus
	// contentType is the media type of the carrier's documents.
	contentType() string
	// appendDial appends the answer that bridges the call to addr.
	appendDial(dst []byte, addr Address) ([]byte, error)
	// say renders prompts followed by a hang-up.
	say(prompts ...Prompt) ([]byte, error)
	// gather renders prompts played while digits are collected and sent
	// to action; silence comes back to action without digits.
	gather(prompts []Prompt, action string, timeout time.Duration, numDigits int) ([]byte, error)
	// fallback, dialFailed and hangup are the fixed answers.
	fallback() ([]byte, error)
	dialFailed() ([]byte, error)
	hangup() ([]byte, error)
}

// carrierTitle is a carrier's name as it writes it, for logs.
func carrierTitle(name string) string {
	switch name {
	case "twilio":
		return "Twilio"
	case "telnyx":
		return "Telnyx"
	case "signalwire":
		return "SignalWire"
	case "plivo":
		return "Plivo"
	case "vonage":
		return "Vonage"
	}
	return name
}

// twilioCarrier is the default carrier, configured by HandlerConfig's
// Twilio fields.
type twilioCarrier struct{}

// Twilio returns the Twilio carrier, configured by HandlerConfig's
// AuthToken, Dial, Sip, Fallback and DialFailed. It is the carrier of a
// HandlerConfig whose Carrier is nil.
func Twilio() Carrier { return twilioCarrier{} }

// Name returns "twilio".
func (twilioCarrier) Name() string { return "twilio" }

func (twilioCarrier) adapt(cfg *HandlerConfig) (adapter, error) {
	t := &twilioAdapter{fallbackDoc: cfg.Fallback, dialFailedDoc: cfg.DialFailed}
	switch {
	case cfg.InsecureSkipSignature:
	case cfg.AuthToken == "":
		return nil, errors.New("sipconnect: HandlerConfig.AuthToken is required to check Twilio's signatures (or set InsecureSkipSignature)")
	default:
		v, err := twiml.NewVerifier(cfg.AuthToken, cfg.PublicURL, twiml.WithMaxBodyBytes(maxBodyOf(cfg)))
		if err != nil {
			return nil, fmt.Errorf("sipconnect: %w", err)
		}
		t.verifier = v
	}
	template := DialIn{Credentials: cfg.Credentials, Dial: cfg.Dial, Sip: cfg.Sip}
	if err := t.splitDocument(template); err != nil {
		return nil, fmt.Errorf("sipconnect: HandlerConfig.Dial or Sip: %w", err)
	}
	return t, nil
}

// twilioAdapter renders TwiML. The dial-in document is rendered once; only
// the SIP URI between docPrefix and docSuffix changes from call to call.
// The prefix holds the SIP password, so it is kept where no printer can
// reach it; the adapter keeps nothing else of the HandlerConfig, which
// holds the auth token and the password in plain strings.
type twilioAdapter struct {
	verifier                   *twiml.Verifier
	docPrefix                  secret.Secret
	docSuffix                  string
	fallbackDoc, dialFailedDoc twiml.Response
}

func (t *twilioAdapter) verify(w http.ResponseWriter, r *http.Request, maxBody int64) (url.Values, int, error) {
	var err error
	if t.verifier != nil {
		err = t.verifier.Verify(w, r)
	} else {
		err = webhook.ParseForm(w, r, maxBody)
	}
	if err != nil {
		return nil, webhook.ErrorStatus(err), err
	}
	if r.Method == http.MethodGet {
		return r.URL.Query(), http.StatusOK, nil
	}
	return r.PostForm, http.StatusOK, nil
}

func (*twilioAdapter) call(params url.Values) Call             { return ParseCall(params) }
func (*twilioAdapter) dialStatus(params url.Values) DialStatus { return ParseDialStatus(params) }
func (*twilioAdapter) contentType() string                     { return twiml.ContentType }

// splitDocument renders the dial-in once, checking the Dial and Sip
// attributes now rather than on the first call, and keeps the bytes before
// and after the SIP URI. Two renderings with different one-letter URIs
// locate it.
func (t *twilioAdapter) splitDocument(template DialIn) error {
	var docs [2][]byte
	for i, uri := range []string{"sip:a", "sip:b"} {
		var err error
		if docs[i], err = template.response(uri).AppendXML(nil); err != nil {
			return err
		}
	}
	i := 0
	for i < len(docs[0]) && docs[0][i] == docs[1][i] {
		i++
	}
	const scheme = "sip:"
	if i < len(scheme) || string(docs[0][i-len(scheme):i]) != scheme {
		return errors.New("cannot locate the SIP URI in the dial-in document")
	}
	t.docPrefix = secret.New(string(docs[0][:i-len(scheme)]))
	t.docSuffix = string(docs[0][i+1:])
	return nil
}

func (t *twilioAdapter) appendDial(dst []byte, addr Address) ([]byte, error) {
	dst = append(dst, t.docPrefix.Value()...)
	start := len(dst)
	dst = addr.AppendTo(dst)
	// A valid address holds no character XML escapes but '&'.
	if bytes.IndexByte(dst[start:], '&') >= 0 {
		var err error
		if dst, err = xmlwrite.AppendText(dst[:start], string(dst[start:])); err != nil {
			return dst, err
		}
	}
	return append(dst, t.docSuffix...), nil
}

// twimlPrompt is a prompt as a TwiML verb.
func twimlPrompt(p Prompt) twiml.GatherVerb {
	if p.AudioURL != "" {
		return &twiml.Play{URL: p.AudioURL}
	}
	return &twiml.Say{Text: p.Text, Voice: p.Voice, Language: p.Language}
}

func (*twilioAdapter) say(prompts ...Prompt) ([]byte, error) {
	r := make(twiml.Response, 0, len(prompts)+1)
	for _, p := range prompts {
		r = append(r, twimlPrompt(p))
	}
	return append(r, &twiml.Hangup{}).AppendXML(nil)
}

// gather is a DTMF <Gather> that ends on '#' and posts to action, with the
// prompts inside it, followed by a <Redirect> to action that brings
// silence back to the same step.
func (*twilioAdapter) gather(prompts []Prompt, action string, timeout time.Duration, numDigits int) ([]byte, error) {
	g := &twiml.Gather{
		Input:       []twiml.GatherInput{twiml.InputDTMF},
		Action:      action,
		Method:      twiml.MethodPost,
		Timeout:     timeout,
		FinishOnKey: "#",
		NumDigits:   numDigits,
	}
	for _, p := range prompts {
		g.Verbs = append(g.Verbs, twimlPrompt(p))
	}
	return twiml.Response{g, &twiml.Redirect{URL: action, Method: twiml.MethodPost}}.AppendXML(nil)
}

func (t *twilioAdapter) fallback() ([]byte, error) {
	doc, err := render(t.fallbackDoc, DefaultFallback())
	if err != nil {
		return nil, fmt.Errorf("sipconnect: HandlerConfig.Fallback: %w", err)
	}
	return doc, nil
}

func (t *twilioAdapter) dialFailed() ([]byte, error) {
	doc, err := render(t.dialFailedDoc, DefaultDialFailed())
	if err != nil {
		return nil, fmt.Errorf("sipconnect: HandlerConfig.DialFailed: %w", err)
	}
	return doc, nil
}

func (*twilioAdapter) hangup() ([]byte, error) { return twiml.Response{&twiml.Hangup{}}.AppendXML(nil) }

// maxBodyOf is the webhook body limit of cfg.
func maxBodyOf(cfg *HandlerConfig) int64 {
	if cfg.MaxBodyBytes > 0 {
		return cfg.MaxBodyBytes
	}
	return twiml.DefaultMaxBodyBytes
}

// The helpers below are shared by the carriers other than Twilio.

// checkTwilioOnly refuses HandlerConfig's Twilio fields on another carrier,
// naming them and where their counterparts go.
func checkTwilioOnly(cfg *HandlerConfig, title, config string) error {
	var set []string
	if cfg.AuthToken != "" {
		set = append(set, "AuthToken")
	}
	if !reflect.ValueOf(cfg.Dial).IsZero() {
		set = append(set, "Dial")
	}
	if !reflect.ValueOf(cfg.Sip).IsZero() {
		set = append(set, "Sip")
	}
	if len(cfg.Fallback) > 0 {
		set = append(set, "Fallback")
	}
	if len(cfg.DialFailed) > 0 {
		set = append(set, "DialFailed")
	}
	if len(set) == 0 {
		return nil
	}
	return fmt.Errorf("sipconnect: HandlerConfig.%s: Twilio's settings, which %s cannot use; set their %s counterparts in %s instead",
		strings.Join(set, ", "), title, title, config)
}

// absoluteURL resolves a URL that starts with "/" against the public URL,
// as the handler does for Twilio's dial action.
func absoluteURL(publicURL, u string) string {
	if strings.HasPrefix(u, "/") && publicURL != "" {
		return strings.TrimSuffix(publicURL, "/") + u
	}
	return u
}

// plusE164 puts the "+" back on a number a carrier sends as bare E.164
// digits (Plivo, Vonage), so that HandlerConfig.Numbers, which lists E.164
// numbers, routes it; anything else is returned as it is.
func plusE164(s string) string {
	if s != "" && s[0] != '+' && isE164("+"+s) {
		return "+" + s
	}
	return s
}

// sayOrDefault is a fixed answer of a carrier whose configuration gives
// it as a prompt: say's rendering of p, or of the default text when p is
// zero. An error names field, the configuration's field.
func sayOrDefault(say func(...Prompt) ([]byte, error), field string, p Prompt, text string) ([]byte, error) {
	if p == (Prompt{}) {
		p = Prompt{Text: text}
	}
	doc, err := say(p)
	if err != nil {
		return nil, fmt.Errorf("sipconnect: %s: %w", field, err)
	}
	return doc, nil
}

// promptVerbs turns each prompt into the carrier's verb with verb,
// stopping at the first one the carrier cannot say. No prompts give nil.
func promptVerbs[V any](prompts []Prompt, verb func(Prompt) (V, error)) ([]V, error) {
	var vs []V
	for _, p := range prompts {
		v, err := verb(p)
		if err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	return vs, nil
}

// probeDial renders the dial-in once, for an address made of opts, so that
// an attribute the carrier would refuse fails when the handler is made
// rather than on every call. An error names field, the configuration's
// fields that went into the document.
func probeDial(a adapter, field string, opts ...AddressOption) error {
	probe, _ := NewAddress("aaa-aaaa-aaa", opts...)
	if _, err := a.appendDial(nil, probe); err != nil {
		return fmt.Errorf("sipconnect: %s: %w", field, err)
	}
	return nil
}

// errCredentials refuses HandlerConfig.Credentials on a carrier that has
// no way to send them; err is its package's reason.
func errCredentials(title string, err error) error {
	return fmt.Errorf("sipconnect: HandlerConfig.Credentials cannot be sent by %s (%w): leave them empty and have 100ms accept your %s calls without SIP credentials",
		title, err, title)
}

// errNoPublicURL refuses a handler without HandlerConfig.PublicURL on a
// carrier that signs the URL it requested.
func errNoPublicURL(title string) error {
	return fmt.Errorf("sipconnect: HandlerConfig.PublicURL is required with %s: its signature covers the URL it requested", title)
}

// The default texts of the fallback and the failed dial, as Twilio's
// DefaultFallback and DefaultDialFailed say them.
const (
	defaultFallbackText   = "Sorry, we cannot connect your call to the meeting right now. Please try again later."
	defaultDialFailedText = "Sorry, the meeting could not be reached. Please try again later."
)

// errAudioPrompt is the error of a prompt with an AudioURL on a carrier
// whose package renders no audio playback.
func errAudioPrompt(title, verb string) error {
	return fmt.Errorf("%s: Prompt.AudioURL cannot be used: package %s renders no %s; give the prompt as Text",
		title, strings.ToLower(title), verb)
}

// verifyStatus is the HTTP status that refuses a request failing a
// carrier's verification: 413 for a body over the limit, 403 for the
// signature errors given, 400 for anything else.
func verifyStatus(err error, tooLarge error, forbidden ...error) int {
	if errors.Is(err, tooLarge) || errors.Is(err, webhook.ErrBodyTooLarge) {
		return http.StatusRequestEntityTooLarge
	}
	for _, f := range forbidden {
		if errors.Is(err, f) {
			return http.StatusForbidden
		}
	}
	return http.StatusBadRequest
}

// formParams reads the parameters of a webhook whose signature is not
// checked (InsecureSkipSignature): the query of a GET, the bounded form
// body of a POST.
func formParams(w http.ResponseWriter, r *http.Request, maxBody int64) (url.Values, int, error) {
	if err := webhook.ParseForm(w, r, maxBody); err != nil {
		return nil, webhook.ErrorStatus(err), err
	}
	return requestParams(r), http.StatusOK, nil
}

// requestParams returns the parameters of a webhook whose body has been
// read and parsed: the query of a GET, the form body of a POST (empty, not
// nil, when it had none).
func requestParams(r *http.Request) url.Values {
	switch {
	case r.Method == http.MethodGet:
		return r.URL.Query()
	case r.PostForm == nil:
		return url.Values{}
	}
	return r.PostForm
}

// formatConfig prints view, a carrier configuration with its secrets
// replaced by [REDACTED], as f and verb ask, under the configuration's own
// type name for %#v.
func formatConfig(f fmt.State, verb rune, view any, name string) {
	s := fmt.Sprintf(fmt.FormatString(f, verb), view)
	if verb == 'v' && f.Flag('#') {
		s = strings.Replace(s, fmt.Sprintf("%T", view), "sipconnect."+name, 1)
	}
	_, _ = io.WriteString(f, s)
}

// redact returns secret.Redacted for a non-empty s.
func redact(s string) string {
	if s == "" {
		return ""
	}
	return secret.Redacted
}

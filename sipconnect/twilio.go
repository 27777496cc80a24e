package sipconnect

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/hmssip/interconnect-go/internal/secret"
	"github.com/hmssip/interconnect-go/internal/webhook"
	"github.com/hmssip/interconnect-go/internal/xmlwrite"
	"github.com/hmssip/interconnect-go/twiml"
)

// TwilioConfig configures the Twilio carrier, the default;
// HandlerConfig.AuthToken alone is the shorthand for its AuthToken.
type TwilioConfig struct {
	// AuthToken checks X-Twilio-Signature; it never prints.
	AuthToken string
	// Dial and Sip carry further attributes of <Dial> and <Sip> (see
	// DialIn). A Dial.Action starting with "/" is relative to
	// HandlerConfig.PublicURL; mount Handler.StatusHandler there.
	Dial twiml.Dial
	Sip  twiml.Sip
	// Fallback answers a call that cannot be bridged, and DialFailed a
	// failed dial: by default FallbackText or DialFailedText, then
	// <Hangup/>. twiml.Response{&twiml.Reject{}} declines the call.
	Fallback, DialFailed twiml.Response
}

// twilioCarrier is the Twilio carrier; the auth token is kept where no
// printer reaches it. The SIP password comes from
// HandlerConfig.Credentials: one in Sip is dropped.
type twilioCarrier struct {
	cfg   TwilioConfig // AuthToken and Sip.Password cleared
	token secret.Secret
}

// Twilio returns the Twilio carrier: TwiML answers, webhooks verified with
// X-Twilio-Signature. It is the carrier of a HandlerConfig whose Carrier
// is nil, made with HandlerConfig.AuthToken.
func Twilio(cfg TwilioConfig) Carrier {
	c := twilioCarrier{cfg: cfg, token: secret.New(cfg.AuthToken)}
	c.cfg.AuthToken, c.cfg.Sip.Password = "", ""
	return c
}

// Name returns "Twilio".
func (twilioCarrier) Name() string { return "Twilio" }

// Adapter checks the Dial and Sip attributes by rendering the dial-in once.
func (c twilioCarrier) Adapter(s CarrierSettings) (Adapter, error) {
	t := &twilioAdapter{fallbackDoc: c.cfg.Fallback, dialFailedDoc: c.cfg.DialFailed, form: webhook.Reader{Pkg: "twiml", TooLarge: webhook.ErrBodyTooLarge, MaxBody: s.MaxBodyBytes, Status: webhook.ErrorStatus}}
	switch {
	case s.InsecureSkipSignature:
	case c.token.IsZero():
		return nil, errors.New("sipconnect: HandlerConfig.AuthToken (or TwilioConfig.AuthToken) is required to check Twilio's signatures (or set InsecureSkipSignature)")
	case s.PublicURL == "":
		return nil, errors.New("sipconnect: HandlerConfig.PublicURL is required with Twilio: its signature covers the URL it requested (or set InsecureSkipSignature)")
	default:
		v, err := twiml.NewVerifier(c.token.Value(), s.PublicURL, twiml.WithMaxBodyBytes(s.MaxBodyBytes))
		if err != nil {
			return nil, fmt.Errorf("sipconnect: HandlerConfig.PublicURL: %w", err)
		}
		t.verify = v.Verify
	}
	template := DialIn{Credentials: s.Credentials, Dial: c.cfg.Dial, Sip: c.cfg.Sip}
	template.Dial.Action = s.URL(template.Dial.Action)
	if err := t.splitDocument(template); err != nil {
		return nil, fmt.Errorf("sipconnect: TwilioConfig.Dial or Sip: %w", err)
	}
	return t, nil
}

// twilioAdapter renders TwiML. The dial-in document is rendered once; only
// the SIP URI between docPrefix and docSuffix changes from call to call.
// The prefix holds the SIP password, so it is kept where no printer can
// reach it; the adapter keeps nothing else of the HandlerConfig, which
// holds the auth token and the password in plain strings.
type twilioAdapter struct {
	verify                     func(http.ResponseWriter, *http.Request) error // the Verifier's; nil without signatures
	docPrefix                  secret.Secret
	docSuffix                  string
	fallbackDoc, dialFailedDoc twiml.Response
	form                       webhook.Reader
}

func (t *twilioAdapter) Verify(w http.ResponseWriter, r *http.Request) (url.Values, int, error) {
	return t.form.Params(w, r, t.verify)
}

func (*twilioAdapter) Call(params url.Values) Call             { return ParseCall(params) }
func (*twilioAdapter) DialStatus(params url.Values) DialStatus { return ParseDialStatus(params) }
func (*twilioAdapter) ContentType() string                     { return twiml.ContentType }

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

func (t *twilioAdapter) AppendDial(dst []byte, addr Address) ([]byte, error) {
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

func (*twilioAdapter) Say(prompts ...Prompt) ([]byte, error) {
	r := make(twiml.Response, 0, len(prompts)+1)
	for _, p := range prompts {
		r = append(r, twimlPrompt(p))
	}
	return append(r, &twiml.Hangup{}).AppendXML(nil)
}

// Gather is a DTMF <Gather> that ends on '#' and posts to action, with the
// prompts inside it, followed by a <Redirect> to action that brings
// silence back to the same step.
func (*twilioAdapter) Gather(prompts []Prompt, action string, timeout time.Duration, numDigits int) ([]byte, error) {
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

func (t *twilioAdapter) Fallback() ([]byte, error) {
	return renderField("Fallback", t.fallbackDoc, defaultFallback())
}

func (t *twilioAdapter) DialFailed() ([]byte, error) {
	return renderField("DialFailed", t.dialFailedDoc, defaultDialFailed())
}

// renderField renders a fixed answer, the configuration's field or def
// when the field is empty. An error names the field.
func renderField(field string, doc, def twiml.Response) ([]byte, error) {
	b, err := render(doc, def)
	if err != nil {
		return nil, fmt.Errorf("sipconnect: TwilioConfig.%s: %w", field, err)
	}
	return b, nil
}

func (*twilioAdapter) Hangup() ([]byte, error) { return twiml.Response{&twiml.Hangup{}}.AppendXML(nil) }

// twilioConfigView is a TwilioConfig without methods, for printing; its
// Sip redacts its password itself.
type twilioConfigView TwilioConfig

func (c TwilioConfig) redacted() twilioConfigView {
	v := twilioConfigView(c)
	v.AuthToken = secret.Redact(v.AuthToken)
	return v
}

// String returns the configuration with its secrets [REDACTED], as do
// GoString, Format, LogValue and MarshalJSON.
func (c TwilioConfig) String() string { return fmt.Sprintf("%+v", c.redacted()) }

// GoString returns the Go syntax of the configuration, redacted.
func (c TwilioConfig) GoString() string { return fmt.Sprintf("%#v", c) }

// Format implements [fmt.Formatter], redacted.
func (c TwilioConfig) Format(f fmt.State, verb rune) {
	secret.FormatAs(f, verb, "sipconnect.TwilioConfig", c.redacted())
}

// LogValue implements [slog.LogValuer], redacted.
func (c TwilioConfig) LogValue() slog.Value { return slog.StringValue(c.String()) }

// MarshalJSON encodes the configuration, redacted.
func (c TwilioConfig) MarshalJSON() ([]byte, error) { return json.Marshal(c.redacted()) }

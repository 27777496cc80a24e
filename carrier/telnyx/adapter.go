package telnyx

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/hmssip/interconnect-go/carrier"
	"github.com/hmssip/interconnect-go/internal/secret"
	"github.com/hmssip/interconnect-go/internal/webhook"
	"github.com/hmssip/interconnect-go/sipconnect"
)

// Config configures the Telnyx carrier (TeXML). The 100ms SIP
// credentials come from HandlerConfig.Credentials and travel as <Sip
// username password>, which TeXML documents; the X-100ms headers travel in
// the SIP URI's "?" part, as for Twilio (TeXML documents no other way to
// send SIP headers; whether Telnyx copies URI headers into the INVITE is
// not documented).
//
// Telnyx signs the body of a webhook, not its URL: the handler therefore
// refuses signed GET webhooks (their query would not be covered), so
// configure the TeXML application to use POST. The PIN step's attempt
// counter, in the step URL, is not covered either; the digits are, so a
// replayed step (possible only within the 5-minute tolerance) can only
// resend the digits it held, and the per-number lockout bounds guessing.
type Config struct {
	// PublicKey is the account's Ed25519 public key, in base64 (Mission
	// Control Portal, "Public Key"), which checks the
	// telnyx-signature-ed25519 header. Required unless
	// HandlerConfig.InsecureSkipSignature is set.
	PublicKey string
	// Dial carries the <Dial> attributes (action, method, callerId,
	// fromDisplayName, timeout of 5s to 120s, timeLimit, hangupOnStar).
	// Its Nouns are ignored and answerOnBridge is always on. An Action
	// that starts with "/" is taken relative to HandlerConfig.PublicURL;
	// mount Handler.StatusHandler there.
	Dial Dial
	// Sip carries the <Sip> attributes other than the URI, username and
	// password, which come from the address and HandlerConfig.Credentials
	// and must be left empty here.
	Sip Sip
	// Fallback is said before hanging up when a call cannot be bridged,
	// and DialFailed when the dial to 100ms fails; empty prompts say the
	// texts of sipconnect.FallbackText and DialFailedText.
	Fallback, DialFailed sipconnect.Prompt
	// VerifierOptions configure the signature check, such as
	// WithTolerance or WithClock. The body limit is
	// HandlerConfig.MaxBodyBytes.
	VerifierOptions []VerifierOption `json:"-"`
}

// carrierImpl is the Telnyx carrier. Its configuration holds no secret
// but a Sip password, which Adapter refuses and which is kept apart so that
// no printer shows it.
type carrierImpl struct {
	cfg         Config // Sip.Password cleared
	sipPassword secret.Secret
}

// NewCarrier returns the Telnyx carrier: TeXML answers, webhooks verified with
// Telnyx's Ed25519 signature. Set it as
// sipconnect.HandlerConfig.Carrier and leave HandlerConfig.AuthToken empty:
// NewHandler refuses it.
func NewCarrier(cfg Config) sipconnect.Carrier {
	c := carrierImpl{cfg: cfg, sipPassword: secret.New(cfg.Sip.Password)}
	c.cfg.Sip.Password = ""
	return c
}

// Name returns "Telnyx".
func (carrierImpl) Name() string { return "Telnyx" }

// Adapter checks the handler's settings against what Telnyx can express.
func (c carrierImpl) Adapter(s sipconnect.CarrierSettings) (sipconnect.Adapter, error) {
	if c.cfg.Sip.URI != "" || c.cfg.Sip.Username != "" || !c.sipPassword.IsZero() {
		return nil, errors.New("telnyx: Config.Sip: leave URI, Username and Password empty: they come from the address and HandlerConfig.Credentials")
	}
	a := &adapter{cfg: c.cfg, form: webhook.Reader{Pkg: "telnyx", TooLarge: ErrBodyTooLarge, MaxBody: s.MaxBodyBytes, Status: errorStatus}, user: s.Credentials.Username, password: secret.New(s.Credentials.Password)}
	switch {
	case s.InsecureSkipSignature:
	case c.cfg.PublicKey == "":
		return nil, errors.New("telnyx: Config.PublicKey is required to check Telnyx's signatures (or set HandlerConfig.InsecureSkipSignature)")
	default:
		opts := append([]VerifierOption{WithMaxBodyBytes(s.MaxBodyBytes)}, c.cfg.VerifierOptions...)
		v, err := NewVerifier(c.cfg.PublicKey, opts...)
		if err != nil {
			return nil, fmt.Errorf("telnyx: Config: %w", err)
		}
		a.verify = v.Verify
	}
	a.cfg.Dial.Action = s.URL(a.cfg.Dial.Action)
	a.cfg.Dial.AnswerOnBridge = true
	a.cfg.Dial.Nouns = nil
	a.cfg.VerifierOptions = nil
	if err := carrier.Probe(a, "telnyx: Config.Dial or Sip"); err != nil {
		return nil, err
	}
	return a, nil
}

// adapter renders TeXML.
type adapter struct {
	cfg      Config
	form     webhook.Reader
	verify   func(http.ResponseWriter, *http.Request) error // the Verifier's; nil without signatures
	user     string
	password secret.Secret
}

// Verify reads the webhook's parameters; with signatures, the Verifier
// refuses a GET (403), whose query Telnyx's signature does not cover.
func (a *adapter) Verify(w http.ResponseWriter, r *http.Request) (url.Values, int, error) {
	return a.form.Params(w, r, a.verify)
}

// Call reads TeXML's parameters, which have Twilio's names (CallSid, From,
// To, Digits, ...).
func (*adapter) Call(params url.Values) sipconnect.Call {
	c := NewCall(params)
	return sipconnect.Call{
		CallSid:    c.ID,
		AccountSid: c.AccountID,
		From:       c.From,
		To:         c.To,
		CallStatus: c.Status,
		Direction:  params.Get("Direction"),
		CallerName: params.Get("CallerName"),
		Digits:     c.Digits,
		Form:       params,
	}
}

// DialStatus reads the <Dial> action callback under Twilio's names
// (DialCallStatus, DialCallSid, ...): a documented choice, since the TeXML
// <Dial> page does not list the callback's parameters.
func (*adapter) DialStatus(params url.Values) sipconnect.DialStatus {
	return sipconnect.ParseDialStatus(params)
}

func (*adapter) ContentType() string { return ContentType }

func (a *adapter) AppendDial(dst []byte, addr sipconnect.Address) ([]byte, error) {
	sip := a.cfg.Sip
	sip.URI = addr.String()
	sip.Username = a.user
	sip.Password = a.password.Value()
	dial := a.cfg.Dial
	dial.Nouns = []Noun{&sip}
	return Response{&dial}.AppendXML(dst)
}

// telnyxSay is a prompt as a TeXML <Say>.
func telnyxSay(p sipconnect.Prompt) (*Say, error) {
	if p.AudioURL != "" {
		return nil, carrier.ErrAudioPrompt("Telnyx", "<Play>")
	}
	return &Say{Text: p.Text, Voice: p.Voice, Language: p.Language}, nil
}

// telnyxVerb is telnyxSay as a verb of a Response.
func telnyxVerb(p sipconnect.Prompt) (Verb, error) { return telnyxSay(p) }

func (*adapter) Say(prompts ...sipconnect.Prompt) ([]byte, error) {
	r, err := carrier.Verbs(prompts, telnyxVerb, Verb(&Hangup{}))
	if err != nil {
		return nil, err
	}
	return Response(r).AppendXML(nil)
}

// Gather is a DTMF <Gather> ended by '#' that sends the digits to action,
// with the prompts inside it, followed by a <Redirect> to action that
// brings silence back to the same step. TeXML's <Gather> has no method
// attribute: Telnyx requests action with the application's method, which
// must be POST.
func (*adapter) Gather(prompts []sipconnect.Prompt, action string, timeout time.Duration, numDigits int) ([]byte, error) {
	says, err := carrier.Verbs(prompts, telnyxSay)
	if err != nil {
		return nil, err
	}
	g := &Gather{
		Action:      action,
		Timeout:     timeout,
		Input:       []GatherInput{InputDTMF},
		FinishOnKey: "#",
		NumDigits:   numDigits,
		Prompt:      says,
	}
	return Response{g, &Redirect{URL: action, Method: MethodPost}}.AppendXML(nil)
}

func (a *adapter) Fallback() ([]byte, error) {
	return carrier.SayOr(a, "telnyx: Config.Fallback", a.cfg.Fallback, sipconnect.FallbackText)
}

func (a *adapter) DialFailed() ([]byte, error) {
	return carrier.SayOr(a, "telnyx: Config.DialFailed", a.cfg.DialFailed, sipconnect.DialFailedText)
}

func (*adapter) Hangup() ([]byte, error) {
	return Response{&Hangup{}}.AppendXML(nil)
}

// configView is a Config without methods, for printing.
type configView Config

func (c Config) redacted() configView {
	v := configView(c)
	v.Sip.Password = secret.Redact(v.Sip.Password)
	return v
}

// String returns the configuration with any Sip password shown as
// [REDACTED]; so do GoString, Format (every verb), LogValue and
// MarshalJSON.
func (c Config) String() string { return fmt.Sprintf("%+v", c.redacted()) }

// GoString returns the Go syntax of the configuration, redacted.
func (c Config) GoString() string { return fmt.Sprintf("%#v", c) }

// Format implements [fmt.Formatter], redacted for every verb.
func (c Config) Format(f fmt.State, verb rune) {
	secret.FormatAs(f, verb, "telnyx.Config", c.redacted())
}

// LogValue implements [slog.LogValuer]: String's text.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

// MarshalJSON encodes the configuration, redacted, without its
// VerifierOptions.
func (c Config) MarshalJSON() ([]byte, error) { return json.Marshal(c.redacted()) }

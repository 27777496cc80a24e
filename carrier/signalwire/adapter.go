package signalwire

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

// Config configures the SignalWire carrier (cXML, also called
// LaML). The 100ms SIP credentials come from HandlerConfig.Credentials and
// travel as <Sip username password>; the X-100ms headers travel in the SIP
// URI's "?" part, as for Twilio, whose TwiML cXML follows. SignalWire dials
// SIP over TLS by default: use WithTransport(TransportTCP) in
// HandlerConfig.AddressOptions for a destination without TLS.
//
// SignalWire signs webhooks with Twilio's scheme (the URL, query included,
// and the form parameters), keyed with the project's signing key, so the
// PIN step's attempt counter is covered as it is for Twilio; the signed URL
// is rebuilt from HandlerConfig.PublicURL, which is required.
type Config struct {
	// SigningKey is the project's signing key (Dashboard, API page), which
	// checks X-SignalWire-Signature (or X-Twilio-Signature). Required
	// unless HandlerConfig.InsecureSkipSignature is set. It never prints.
	SigningKey string
	// Dial carries the <Dial> attributes (action, method, timeout,
	// timeLimit, callerId, hangupOnStar). Its Nouns are ignored and
	// answerOnBridge is always on. An Action that starts with "/" is taken
	// relative to HandlerConfig.PublicURL; mount Handler.StatusHandler
	// there.
	Dial Dial
	// Sip carries the <Sip> attributes other than the URI, username and
	// password (codecs, url, status callbacks), which come from the address
	// and HandlerConfig.Credentials and must be left empty here.
	Sip Sip
	// Fallback is said before hanging up when a call cannot be bridged,
	// and DialFailed when the dial to 100ms fails; empty prompts say the
	// texts of sipconnect.FallbackText and DialFailedText.
	Fallback, DialFailed sipconnect.Prompt
	// VerifierOptions configure the signature check. The body limit is
	// HandlerConfig.MaxBodyBytes.
	VerifierOptions []VerifierOption `json:"-"`
}

// carrierImpl is the SignalWire carrier; the signing key and any Sip
// password are kept where no printer reaches them.
type carrierImpl struct {
	cfg         Config // SigningKey and Sip.Password cleared
	key         secret.Secret
	sipPassword secret.Secret
}

// NewCarrier returns the SignalWire carrier: cXML answers, webhooks
// verified with SignalWire's signature. Set it as
// sipconnect.HandlerConfig.Carrier and leave HandlerConfig.AuthToken empty:
// NewHandler refuses it.
func NewCarrier(cfg Config) sipconnect.Carrier {
	c := carrierImpl{cfg: cfg, key: secret.New(cfg.SigningKey), sipPassword: secret.New(cfg.Sip.Password)}
	c.cfg.SigningKey, c.cfg.Sip.Password = "", ""
	return c
}

// Name returns "SignalWire".
func (carrierImpl) Name() string { return "SignalWire" }

// Adapter checks the handler's settings against what SignalWire can express.
func (c carrierImpl) Adapter(s sipconnect.CarrierSettings) (sipconnect.Adapter, error) {
	if c.cfg.Sip.URI != "" || c.cfg.Sip.Username != "" || !c.sipPassword.IsZero() {
		return nil, errors.New("signalwire: Config.Sip: leave URI, Username and Password empty: they come from the address and HandlerConfig.Credentials")
	}
	a := &adapter{cfg: c.cfg, form: webhook.Reader{Pkg: "signalwire", TooLarge: ErrBodyTooLarge, MaxBody: s.MaxBodyBytes, Status: errorStatus}, user: s.Credentials.Username, password: secret.New(s.Credentials.Password)}
	switch {
	case s.InsecureSkipSignature:
	case c.key.IsZero():
		return nil, errors.New("signalwire: Config.SigningKey is required to check SignalWire's signatures (or set HandlerConfig.InsecureSkipSignature)")
	case s.PublicURL == "":
		return nil, carrier.ErrNoPublicURL("SignalWire")
	default:
		opts := append([]VerifierOption{WithMaxBodyBytes(s.MaxBodyBytes)}, c.cfg.VerifierOptions...)
		v, err := NewVerifier(c.key.Value(), s.PublicURL, opts...)
		if err != nil {
			return nil, fmt.Errorf("signalwire: Config: %w", err)
		}
		a.verify = v.Verify
	}
	a.cfg.Dial.Action = s.URL(a.cfg.Dial.Action)
	a.cfg.Dial.AnswerOnBridge = true
	a.cfg.Dial.Nouns = nil
	a.cfg.VerifierOptions = nil
	if err := carrier.Probe(a, "signalwire: Config.Dial or Sip"); err != nil {
		return nil, err
	}
	return a, nil
}

// adapter renders cXML.
type adapter struct {
	cfg      Config
	form     webhook.Reader
	verify   func(http.ResponseWriter, *http.Request) error // the Verifier's; nil without signatures
	user     string
	password secret.Secret
}

func (a *adapter) Verify(w http.ResponseWriter, r *http.Request) (url.Values, int, error) {
	return a.form.Params(w, r, a.verify)
}

// Call reads cXML's parameters, which have Twilio's names.
func (*adapter) Call(params url.Values) sipconnect.Call {
	c := NewCall(params)
	return sipconnect.Call{
		CallSid:       c.ID,
		AccountSid:    c.AccountID,
		From:          c.From,
		To:            c.To,
		CallStatus:    c.Status,
		Direction:     c.Direction,
		CallerName:    params.Get("CallerName"),
		ForwardedFrom: params.Get("ForwardedFrom"),
		Digits:        c.Digits,
		Form:          params,
	}
}

// DialStatus reads the <Dial> action callback, whose parameters have
// Twilio's names (DialCallStatus, DialCallSid, ...).
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

// signalWireSay is a prompt as a cXML <Say>.
func signalWireSay(p sipconnect.Prompt) (*Say, error) {
	if p.AudioURL != "" {
		return nil, carrier.ErrAudioPrompt("SignalWire", "<Play>")
	}
	return &Say{Text: p.Text, Voice: p.Voice, Language: p.Language}, nil
}

// signalWireVerb is signalWireSay as a verb of a Response.
func signalWireVerb(p sipconnect.Prompt) (Verb, error) { return signalWireSay(p) }

func (*adapter) Say(prompts ...sipconnect.Prompt) ([]byte, error) {
	r, err := carrier.Verbs(prompts, signalWireVerb, Verb(&Hangup{}))
	if err != nil {
		return nil, err
	}
	return Response(r).AppendXML(nil)
}

// Gather is a DTMF <Gather> ended by '#' that posts the digits to action,
// with the prompts inside it. actionOnEmptyResult, on SignalWire's <Gather>
// page, makes silence request action too, without digits.
func (*adapter) Gather(prompts []sipconnect.Prompt, action string, timeout time.Duration, numDigits int) ([]byte, error) {
	says, err := carrier.Verbs(prompts, signalWireSay)
	if err != nil {
		return nil, err
	}
	g := &Gather{
		Action:              action,
		ActionOnEmptyResult: true,
		FinishOnKey:         "#",
		Input:               []GatherInput{InputDTMF},
		NumDigits:           numDigits,
		Timeout:             timeout,
		Prompt:              says,
	}
	return Response{g}.AppendXML(nil)
}

func (a *adapter) Fallback() ([]byte, error) {
	return carrier.SayOr(a, "signalwire: Config.Fallback", a.cfg.Fallback, sipconnect.FallbackText)
}

func (a *adapter) DialFailed() ([]byte, error) {
	return carrier.SayOr(a, "signalwire: Config.DialFailed", a.cfg.DialFailed, sipconnect.DialFailedText)
}

func (*adapter) Hangup() ([]byte, error) {
	return Response{&Hangup{}}.AppendXML(nil)
}

// configView is a Config without methods, for printing.
type configView Config

func (c Config) redacted() configView {
	v := configView(c)
	v.SigningKey = secret.Redact(v.SigningKey)
	v.Sip.Password = secret.Redact(v.Sip.Password)
	return v
}

// String returns the configuration with the signing key and any Sip
// password shown as [REDACTED]; so do GoString, Format (every verb),
// LogValue and MarshalJSON.
func (c Config) String() string { return fmt.Sprintf("%+v", c.redacted()) }

// GoString returns the Go syntax of the configuration, redacted.
func (c Config) GoString() string { return fmt.Sprintf("%#v", c) }

// Format implements [fmt.Formatter], redacted for every verb.
func (c Config) Format(f fmt.State, verb rune) {
	secret.FormatAs(f, verb, "signalwire.Config", c.redacted())
}

// LogValue implements [slog.LogValuer]: String's text.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

// MarshalJSON encodes the configuration, redacted, without its
// VerifierOptions.
func (c Config) MarshalJSON() ([]byte, error) { return json.Marshal(c.redacted()) }

package sipconnect

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/hmssip/interconnect-go/carrier/signalwire"
	"github.com/hmssip/interconnect-go/internal/secret"
)

// SignalWireConfig configures the SignalWire carrier (cXML, also called
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
type SignalWireConfig struct {
	// SigningKey is the project's signing key (Dashboard, API page), which
	// checks X-SignalWire-Signature (or X-Twilio-Signature). Required
	// unless HandlerConfig.InsecureSkipSignature is set. It never prints.
	SigningKey string
	// Dial carries the <Dial> attributes (action, method, timeout,
	// timeLimit, callerId, hangupOnStar). Its Nouns are ignored and
	// answerOnBridge is always on. An Action that starts with "/" is taken
	// relative to HandlerConfig.PublicURL; mount Handler.StatusHandler
	// there.
	Dial signalwire.Dial
	// Sip carries the <Sip> attributes other than the URI, username and
	// password (codecs, url, status callbacks), which come from the address
	// and HandlerConfig.Credentials and must be left empty here.
	Sip signalwire.Sip
	// Fallback is said before hanging up when a call cannot be bridged,
	// and DialFailed when the dial to 100ms fails; empty prompts say the
	// texts of DefaultFallback and DefaultDialFailed.
	Fallback, DialFailed Prompt
	// VerifierOptions configure the signature check. The body limit is
	// HandlerConfig.MaxBodyBytes.
	VerifierOptions []signalwire.VerifierOption `json:"-"`
}

// signalWireCarrier is the SignalWire carrier; the signing key and any Sip
// password are kept where no printer reaches them.
type signalWireCarrier struct {
	cfg         SignalWireConfig // SigningKey and Sip.Password cleared
	key         secret.Secret
	sipPassword secret.Secret
}

// SignalWire returns the SignalWire carrier: cXML answers, webhooks
// verified with SignalWire's signature. Set it as HandlerConfig.Carrier and
// leave HandlerConfig's Twilio fields (AuthToken, Dial, Sip, Fallback,
// DialFailed) empty: NewHandler refuses them.
func SignalWire(cfg SignalWireConfig) Carrier {
	c := signalWireCarrier{cfg: cfg, key: secret.New(cfg.SigningKey), sipPassword: secret.New(cfg.Sip.Password)}
	c.cfg.SigningKey, c.cfg.Sip.Password = "", ""
	return c
}

// Name returns "signalwire".
func (signalWireCarrier) Name() string { return "signalwire" }

func (c signalWireCarrier) adapt(cfg *HandlerConfig) (adapter, error) {
	if err := checkTwilioOnly(cfg, "SignalWire", "SignalWireConfig"); err != nil {
		return nil, err
	}
	if c.cfg.Sip.URI != "" || c.cfg.Sip.Username != "" || !c.sipPassword.IsZero() {
		return nil, errors.New("sipconnect: SignalWireConfig.Sip: leave URI, Username and Password empty: they come from the address and HandlerConfig.Credentials")
	}
	a := &signalWireAdapter{cfg: c.cfg, user: cfg.Credentials.Username, password: secret.New(cfg.Credentials.Password)}
	switch {
	case cfg.InsecureSkipSignature:
	case c.key.IsZero():
		return nil, errors.New("sipconnect: SignalWireConfig.SigningKey is required to check SignalWire's signatures (or set HandlerConfig.InsecureSkipSignature)")
	case cfg.PublicURL == "":
		return nil, errNoPublicURL("SignalWire")
	default:
		opts := append([]signalwire.VerifierOption{signalwire.WithMaxBodyBytes(maxBodyOf(cfg))}, c.cfg.VerifierOptions...)
		v, err := signalwire.NewVerifier(c.key.Value(), cfg.PublicURL, opts...)
		if err != nil {
			return nil, fmt.Errorf("sipconnect: SignalWireConfig: %w", err)
		}
		a.verifier = v
	}
	a.cfg.Dial.Action = absoluteURL(cfg.PublicURL, a.cfg.Dial.Action)
	a.cfg.Dial.AnswerOnBridge = true
	a.cfg.Dial.Nouns = nil
	a.cfg.VerifierOptions = nil
	if err := probeDial(a, "SignalWireConfig.Dial or Sip"); err != nil {
		return nil, err
	}
	return a, nil
}

// signalWireAdapter renders cXML.
type signalWireAdapter struct {
	cfg      SignalWireConfig
	verifier *signalwire.Verifier
	user     string
	password secret.Secret
}

func (a *signalWireAdapter) verify(w http.ResponseWriter, r *http.Request, maxBody int64) (url.Values, int, error) {
	if a.verifier == nil {
		return formParams(w, r, maxBody)
	}
	if err := a.verifier.Verify(w, r); err != nil {
		return nil, verifyStatus(err, signalwire.ErrBodyTooLarge, signalwire.ErrMissingSignature,
			signalwire.ErrInvalidSignature, signalwire.ErrBodyHash), err
	}
	return requestParams(r), http.StatusOK, nil
}

// call reads cXML's parameters, which have Twilio's names.
func (*signalWireAdapter) call(params url.Values) Call {
	c := signalwire.NewCall(params)
	return Call{
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

// dialStatus reads the <Dial> action callback, whose parameters have
// Twilio's names (DialCallStatus, DialCallSid, ...).
func (*signalWireAdapter) dialStatus(params url.Values) DialStatus { return ParseDialStatus(params) }

func (*signalWireAdapter) contentType() string { return signalwire.ContentType }

func (a *signalWireAdapter) appendDial(dst []byte, addr Address) ([]byte, error) {
	sip := a.cfg.Sip
	sip.URI = addr.String()
	sip.Username = a.user
	sip.Password = a.password.Value()
	dial := a.cfg.Dial
	dial.Nouns = []signalwire.Noun{&sip}
	return signalwire.Response{&dial}.AppendXML(dst)
}

// signalWireSay is a prompt as a cXML <Say>.
func signalWireSay(p Prompt) (*signalwire.Say, error) {
	if p.AudioURL != "" {
		return nil, errAudioPrompt("SignalWire", "<Play>")
	}
	return &signalwire.Say{Text: p.Text, Voice: p.Voice, Language: p.Language}, nil
}

func (*signalWireAdapter) say(prompts ...Prompt) ([]byte, error) {
	says, err := promptVerbs(prompts, signalWireSay)
	if err != nil {
		return nil, err
	}
	r := make(signalwire.Response, 0, len(says)+1)
	for _, s := range says {
		r = append(r, s)
	}
	return append(r, &signalwire.Hangup{}).AppendXML(nil)
}

// gather is a DTMF <Gather> ended by '#' that posts the digits to action,
// with the prompts inside it. actionOnEmptyResult, on SignalWire's <Gather>
// page, makes silence request action too, without digits.
func (*signalWireAdapter) gather(prompts []Prompt, action string, timeout time.Duration, numDigits int) ([]byte, error) {
	says, err := promptVerbs(prompts, signalWireSay)
	if err != nil {
		return nil, err
	}
	g := &signalwire.Gather{
		Action:              action,
		ActionOnEmptyResult: true,
		FinishOnKey:         "#",
		Input:               []signalwire.GatherInput{signalwire.InputDTMF},
		NumDigits:           numDigits,
		Timeout:             timeout,
		Prompt:              says,
	}
	return signalwire.Response{g}.AppendXML(nil)
}

func (a *signalWireAdapter) fallback() ([]byte, error) {
	return sayOrDefault(a.say, "SignalWireConfig.Fallback", a.cfg.Fallback, defaultFallbackText)
}

func (a *signalWireAdapter) dialFailed() ([]byte, error) {
	return sayOrDefault(a.say, "SignalWireConfig.DialFailed", a.cfg.DialFailed, defaultDialFailedText)
}

func (*signalWireAdapter) hangup() ([]byte, error) {
	return signalwire.Response{&signalwire.Hangup{}}.AppendXML(nil)
}

// signalWireConfigView is a SignalWireConfig without methods, for printing.
type signalWireConfigView SignalWireConfig

func (c SignalWireConfig) redacted() signalWireConfigView {
	v := signalWireConfigView(c)
	v.SigningKey = redact(v.SigningKey)
	v.Sip.Password = redact(v.Sip.Password)
	return v
}

// String returns the configuration with the signing key and any Sip
// password shown as [REDACTED]; so do GoString, Format (every verb),
// LogValue and MarshalJSON.
func (c SignalWireConfig) String() string { return fmt.Sprintf("%+v", c.redacted()) }

// GoString returns the Go syntax of the configuration, redacted.
func (c SignalWireConfig) GoString() string { return fmt.Sprintf("%#v", c) }

// Format implements [fmt.Formatter], redacted for every verb.
func (c SignalWireConfig) Format(f fmt.State, verb rune) {
	formatConfig(f, verb, c.redacted(), "SignalWireConfig")
}

// LogValue implements [slog.LogValuer]: String's text.
func (c SignalWireConfig) LogValue() slog.Value { return slog.StringValue(c.String()) }

// MarshalJSON encodes the configuration, redacted, without its
// VerifierOptions.
func (c SignalWireConfig) MarshalJSON() ([]byte, error) { return json.Marshal(c.redacted()) }

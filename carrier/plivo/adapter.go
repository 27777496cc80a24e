package plivo

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

// Config configures the Plivo carrier (Plivo XML).
//
// What Plivo cannot express, as package plivo documents it: SIP
// credentials (<User> has no username or password attribute), so a Plivo
// handler refuses HandlerConfig.Credentials; ask 100ms to accept your Plivo
// calls without them (an IP-based arrangement) instead. And the X-100ms
// headers in sipHeaders, which Plivo renames X-PH-<name> and restricts to
// letters and digits: they travel in the SIP URI's "?" part instead, the
// form 100ms documents. Whether Plivo copies URI headers into the INVITE is
// not documented: test the display name with your account.
//
// Plivo signs webhooks with signature V3 (HMAC-SHA256 of the URL, query
// included, the parameters and a nonce), so the PIN step's attempt counter
// is covered; the signed URL is rebuilt from HandlerConfig.PublicURL, which
// is required. Plivo sends numbers without "+": the handler adds it to From
// and To, so HandlerConfig.Numbers lists them in E.164 as for every carrier.
type Config struct {
	// AuthToken is the account's auth token (Plivo console), which checks
	// X-Plivo-Signature-V3. Required unless
	// HandlerConfig.InsecureSkipSignature is set. It never prints.
	AuthToken string
	// Dial carries the <Dial> attributes (action, method, timeout,
	// timeLimit, callerId, callerName, ...). Its Users are ignored. An
	// Action that starts with "/" is taken relative to
	// HandlerConfig.PublicURL; mount Handler.StatusHandler there.
	Dial Dial
	// User carries the <User> attributes: sendDigits, sendOnPreanswer and
	// sipHeaders of your own (sent as X-PH-<name>). Its URI comes from the
	// address and must be left empty.
	User User
	// Fallback is said before hanging up when a call cannot be bridged,
	// and DialFailed when the dial to 100ms fails; empty prompts say the
	// texts of sipconnect.FallbackText and DialFailedText.
	Fallback, DialFailed sipconnect.Prompt
	// VerifierOptions configure the signature check. The body limit is
	// HandlerConfig.MaxBodyBytes.
	VerifierOptions []VerifierOption `json:"-"`
}

// carrierImpl is the Plivo carrier; the auth token is kept where no
// printer reaches it.
type carrierImpl struct {
	cfg   Config // AuthToken cleared
	token secret.Secret
}

// NewCarrier returns the Plivo carrier: Plivo XML answers, webhooks verified
// with Plivo's signature V3. Set it as
// sipconnect.HandlerConfig.Carrier and leave HandlerConfig.AuthToken and
// Credentials empty: NewHandler refuses them.
func NewCarrier(cfg Config) sipconnect.Carrier {
	c := carrierImpl{cfg: cfg, token: secret.New(cfg.AuthToken)}
	c.cfg.AuthToken = ""
	return c
}

// Name returns "Plivo".
func (carrierImpl) Name() string { return "Plivo" }

// Adapter checks the handler's settings against what Plivo can express.
func (c carrierImpl) Adapter(s sipconnect.CarrierSettings) (sipconnect.Adapter, error) {
	if err := CheckCredentials(s.Credentials.Username, s.Credentials.Password); err != nil {
		return nil, carrier.ErrCredentials("Plivo", err)
	}
	if c.cfg.User.URI != "" {
		return nil, errors.New("plivo: Config.User.URI: leave it empty: the address is the URI")
	}
	a := &adapter{cfg: c.cfg, form: webhook.Reader{Pkg: "plivo", TooLarge: ErrBodyTooLarge, MaxBody: s.MaxBodyBytes, Status: errorStatus}}
	switch {
	case s.InsecureSkipSignature:
	case c.token.IsZero():
		return nil, errors.New("plivo: Config.AuthToken is required to check Plivo's signatures (or set HandlerConfig.InsecureSkipSignature)")
	case s.PublicURL == "":
		return nil, carrier.ErrNoPublicURL("Plivo")
	default:
		opts := append([]VerifierOption{WithMaxBodyBytes(s.MaxBodyBytes)}, c.cfg.VerifierOptions...)
		v, err := NewVerifier(c.token.Value(), s.PublicURL, opts...)
		if err != nil {
			return nil, fmt.Errorf("plivo: Config: %w", err)
		}
		a.verify = v.Verify
	}
	a.cfg.Dial.Action = s.URL(a.cfg.Dial.Action)
	a.cfg.Dial.Users = nil
	a.cfg.VerifierOptions = nil
	if err := carrier.Probe(a, "plivo: Config.Dial or User"); err != nil {
		return nil, err
	}
	return a, nil
}

// adapter renders Plivo XML.
type adapter struct {
	cfg    Config
	form   webhook.Reader
	verify func(http.ResponseWriter, *http.Request) error // the Verifier's; nil without signatures
}

func (a *adapter) Verify(w http.ResponseWriter, r *http.Request) (url.Values, int, error) {
	return a.form.Params(w, r, a.verify)
}

// Call reads the parameters Plivo sends to the answer URL and a GetInput
// action: CallUUID, From, To, Digits, ...
func (*adapter) Call(params url.Values) sipconnect.Call {
	return sipconnect.Call{
		CallSid:       params.Get("CallUUID"),
		From:          webhook.PlusE164(params.Get("From")),
		To:            webhook.PlusE164(params.Get("To")),
		CallStatus:    params.Get("CallStatus"),
		Direction:     params.Get("Direction"),
		CallerName:    params.Get("CallerName"),
		ForwardedFrom: params.Get("ForwardedFrom"),
		Digits:        params.Get("Digits"),
		Form:          params,
	}
}

// DialStatus reads the <Dial> action callback (Plivo's dial status
// reporting: sipconnect.DialStatus, DialALegUUID, DialBLegUUID, DialHangupCause).
// sipconnect.DialStatus "timeout" becomes "no-answer"; the raw value stays in Form.
func (*adapter) DialStatus(params url.Values) sipconnect.DialStatus {
	st := params.Get("DialStatus")
	if st == "timeout" {
		st = "no-answer"
	}
	callID := params.Get("CallUUID")
	if callID == "" {
		callID = params.Get("DialALegUUID")
	}
	return sipconnect.DialStatus{CallSid: callID, DialCallSid: params.Get("DialBLegUUID"), DialCallStatus: st, Form: params}
}

func (*adapter) ContentType() string { return ContentType }

func (a *adapter) AppendDial(dst []byte, addr sipconnect.Address) ([]byte, error) {
	user := a.cfg.User
	user.URI = addr.String()
	dial := a.cfg.Dial
	dial.Users = []*User{&user}
	return (&Response{Verbs: []Verb{&dial}}).AppendXML(dst)
}

// plivoSpeak is a prompt as a Plivo <Speak>.
func plivoSpeak(p sipconnect.Prompt) (*Speak, error) {
	if p.AudioURL != "" {
		return nil, carrier.ErrAudioPrompt("Plivo", "<Play>")
	}
	return &Speak{Text: p.Text, Voice: p.Voice, Language: p.Language}, nil
}

// plivoVerb is plivoSpeak as a verb of a Response.
func plivoVerb(p sipconnect.Prompt) (Verb, error) { return plivoSpeak(p) }

func (*adapter) Say(prompts ...sipconnect.Prompt) ([]byte, error) {
	verbs, err := carrier.Verbs(prompts, plivoVerb, Verb(&Hangup{}))
	if err != nil {
		return nil, err
	}
	return (&Response{Verbs: verbs}).AppendXML(nil)
}

// Gather is a DTMF <GetInput> ended by '#' that posts the digits to action,
// with the prompts inside it and log="false" to keep the PIN out of Plivo's
// logs, followed by a <Redirect> to action: Plivo goes on to the next
// element when no input arrives, which brings silence back to the same
// step. The timeout is both executionTimeout (5s to 60s) and
// digitEndTimeout (2s to 10s).
func (*adapter) Gather(prompts []sipconnect.Prompt, action string, timeout time.Duration, numDigits int) ([]byte, error) {
	if timeout < 5*time.Second || timeout > 10*time.Second {
		return nil, fmt.Errorf("plivo: pins.Config.Timeout %v: Plivo's GetInput waits 5s to 60s for the first digit and 2s to 10s between digits, so 5s to 10s", timeout)
	}
	speaks, err := carrier.Verbs(prompts, plivoSpeak)
	if err != nil {
		return nil, err
	}
	g := &GetInput{
		Action:           action,
		Method:           MethodPost,
		InputType:        InputDTMF,
		ExecutionTimeout: timeout,
		DigitEndTimeout:  timeout,
		FinishOnKey:      "#",
		NumDigits:        numDigits,
		NoLog:            true,
		Prompts:          speaks,
	}
	return (&Response{Verbs: []Verb{g, &Redirect{URL: action, Method: MethodPost}}}).AppendXML(nil)
}

func (a *adapter) Fallback() ([]byte, error) {
	return carrier.SayOr(a, "plivo: Config.Fallback", a.cfg.Fallback, sipconnect.FallbackText)
}

func (a *adapter) DialFailed() ([]byte, error) {
	return carrier.SayOr(a, "plivo: Config.DialFailed", a.cfg.DialFailed, sipconnect.DialFailedText)
}

func (*adapter) Hangup() ([]byte, error) {
	return (&Response{Verbs: []Verb{&Hangup{}}}).AppendXML(nil)
}

// configView is a Config without methods, for printing.
type configView Config

func (c Config) redacted() configView {
	v := configView(c)
	v.AuthToken = secret.Redact(v.AuthToken)
	return v
}

// String returns the configuration with the auth token shown as
// [REDACTED]; so do GoString, Format (every verb), LogValue and
// MarshalJSON.
func (c Config) String() string { return fmt.Sprintf("%+v", c.redacted()) }

// GoString returns the Go syntax of the configuration, redacted.
func (c Config) GoString() string { return fmt.Sprintf("%#v", c) }

// Format implements [fmt.Formatter], redacted for every verb.
func (c Config) Format(f fmt.State, verb rune) {
	secret.FormatAs(f, verb, "plivo.Config", c.redacted())
}

// LogValue implements [slog.LogValuer]: String's text.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

// MarshalJSON encodes the configuration, redacted, without its
// VerifierOptions.
func (c Config) MarshalJSON() ([]byte, error) { return json.Marshal(c.redacted()) }

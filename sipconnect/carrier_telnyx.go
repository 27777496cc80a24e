package sipconnect

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/hmssip/interconnect-go/carrier/telnyx"
	"github.com/hmssip/interconnect-go/internal/secret"
)

// TelnyxConfig configures the Telnyx carrier (TeXML). The 100ms SIP
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
type TelnyxConfig struct {
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
	Dial telnyx.Dial
	// Sip carries the <Sip> attributes other than the URI, username and
	// password, which come from the address and HandlerConfig.Credentials
	// and must be left empty here.
	Sip telnyx.Sip
	// Fallback is said before hanging up when a call cannot be bridged,
	// and DialFailed when the dial to 100ms fails; empty prompts say the
	// texts of DefaultFallback and DefaultDialFailed.
	Fallback, DialFailed Prompt
	// VerifierOptions configure the signature check, such as
	// telnyx.WithTolerance or telnyx.WithClock. The body limit is
	// HandlerConfig.MaxBodyBytes.
	VerifierOptions []telnyx.VerifierOption `json:"-"`
}

// telnyxCarrier is the Telnyx carrier. Its configuration holds no secret
// but a Sip password, which adapt refuses and which is kept apart so that
// no printer shows it.
type telnyxCarrier struct {
	cfg         TelnyxConfig // Sip.Password cleared
	sipPassword secret.Secret
}

// Telnyx returns the Telnyx carrier: TeXML answers, webhooks verified with
// Telnyx's Ed25519 signature. Set it as HandlerConfig.Carrier and leave
// HandlerConfig's Twilio fields (AuthToken, Dial, Sip, Fallback,
// DialFailed) empty: NewHandler refuses them.
func Telnyx(cfg TelnyxConfig) Carrier {
	c := telnyxCarrier{cfg: cfg, sipPassword: secret.New(cfg.Sip.Password)}
	c.cfg.Sip.Password = ""
	return c
}

// Name returns "telnyx".
func (telnyxCarrier) Name() string { return "telnyx" }

func (c telnyxCarrier) adapt(cfg *HandlerConfig) (adapter, error) {
	if err := checkTwilioOnly(cfg, "Telnyx", "TelnyxConfig"); err != nil {
		return nil, err
	}
	if c.cfg.Sip.URI != "" || c.cfg.Sip.Username != "" || !c.sipPassword.IsZero() {
		return nil, errors.New("sipconnect: TelnyxConfig.Sip: leave URI, Username and Password empty: they come from the address and HandlerConfig.Credentials")
	}
	a := &telnyxAdapter{cfg: c.cfg, user: cfg.Credentials.Username, password: secret.New(cfg.Credentials.Password)}
	switch {
	case cfg.InsecureSkipSignature:
	case c.cfg.PublicKey == "":
		return nil, errors.New("sipconnect: TelnyxConfig.PublicKey is required to check Telnyx's signatures (or set HandlerConfig.InsecureSkipSignature)")
	default:
		opts := append([]telnyx.VerifierOption{telnyx.WithMaxBodyBytes(maxBodyOf(cfg))}, c.cfg.VerifierOptions...)
		v, err := telnyx.NewVerifier(c.cfg.PublicKey, opts...)
		if err != nil {
			return nil, fmt.Errorf("sipconnect: TelnyxConfig: %w", err)
		}
		a.verifier = v
	}
	a.cfg.Dial.Action = absoluteURL(cfg.PublicURL, a.cfg.Dial.Action)
	a.cfg.Dial.AnswerOnBridge = true
	a.cfg.Dial.Nouns = nil
	a.cfg.VerifierOptions = nil
	if err := probeDial(a, "TelnyxConfig.Dial or Sip"); err != nil {
		return nil, err
	}
	return a, nil
}

// telnyxAdapter renders TeXML.
type telnyxAdapter struct {
	cfg      TelnyxConfig
	verifier *telnyx.Verifier
	user     string
	password secret.Secret
}

func (a *telnyxAdapter) verify(w http.ResponseWriter, r *http.Request, maxBody int64) (url.Values, int, error) {
	if a.verifier == nil {
		return formParams(w, r, maxBody)
	}
	if r.Method == http.MethodGet {
		return nil, http.StatusForbidden, errors.New("sipconnect: Telnyx signs the body only, so a GET's query is not covered: configure the TeXML application to use POST")
	}
	if err := a.verifier.Verify(w, r); err != nil {
		return nil, verifyStatus(err, telnyx.ErrBodyTooLarge, telnyx.ErrMissingSignature, telnyx.ErrMissingTimestamp,
			telnyx.ErrInvalidSignature, telnyx.ErrStaleTimestamp), err
	}
	return requestParams(r), http.StatusOK, nil
}

// call reads TeXML's parameters, which have Twilio's names (CallSid, From,
// To, Digits, ...).
func (*telnyxAdapter) call(params url.Values) Call {
	c := telnyx.NewCall(params)
	return Call{
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

// dialStatus reads the <Dial> action callback under Twilio's names
// (DialCallStatus, DialCallSid, ...): a documented choice, since the TeXML
// <Dial> page does not list the callback's parameters.
func (*telnyxAdapter) dialStatus(params url.Values) DialStatus { return ParseDialStatus(params) }

func (*telnyxAdapter) contentType() string { return telnyx.ContentType }

func (a *telnyxAdapter) appendDial(dst []byte, addr Address) ([]byte, error) {
	sip := a.cfg.Sip
	sip.URI = addr.String()
	sip.Username = a.user
	sip.Password = a.password.Value()
	dial := a.cfg.Dial
	dial.Nouns = []telnyx.Noun{&sip}
	return telnyx.Response{&dial}.AppendXML(dst)
}

// telnyxSay is a prompt as a TeXML <Say>.
func telnyxSay(p Prompt) (*telnyx.Say, error) {
	if p.AudioURL != "" {
		return nil, errAudioPrompt("Telnyx", "<Play>")
	}
	return &telnyx.Say{Text: p.Text, Voice: p.Voice, Language: p.Language}, nil
}

func (*telnyxAdapter) say(prompts ...Prompt) ([]byte, error) {
	says, err := promptVerbs(prompts, telnyxSay)
	if err != nil {
		return nil, err
	}
	r := make(telnyx.Response, 0, len(says)+1)
	for _, s := range says {
		r = append(r, s)
	}
	return append(r, &telnyx.Hangup{}).AppendXML(nil)
}

// gather is a DTMF <Gather> ended by '#' that sends the digits to action,
// with the prompts inside it, followed by a <Redirect> to action that
// brings silence back to the same step. TeXML's <Gather> has no method
// attribute: Telnyx requests action with the application's method, which
// must be POST.
func (*telnyxAdapter) gather(prompts []Prompt, action string, timeout time.Duration, numDigits int) ([]byte, error) {
	says, err := promptVerbs(prompts, telnyxSay)
	if err != nil {
		return nil, err
	}
	g := &telnyx.Gather{
		Action:      action,
		Timeout:     timeout,
		Input:       []telnyx.GatherInput{telnyx.InputDTMF},
		FinishOnKey: "#",
		NumDigits:   numDigits,
		Prompt:      says,
	}
	return telnyx.Response{g, &telnyx.Redirect{URL: action, Method: telnyx.MethodPost}}.AppendXML(nil)
}

func (a *telnyxAdapter) fallback() ([]byte, error) {
	return sayOrDefault(a.say, "TelnyxConfig.Fallback", a.cfg.Fallback, defaultFallbackText)
}

func (a *telnyxAdapter) dialFailed() ([]byte, error) {
	return sayOrDefault(a.say, "TelnyxConfig.DialFailed", a.cfg.DialFailed, defaultDialFailedText)
}

func (*telnyxAdapter) hangup() ([]byte, error) {
	return telnyx.Response{&telnyx.Hangup{}}.AppendXML(nil)
}

// telnyxConfigView is a TelnyxConfig without methods, for printing.
type telnyxConfigView TelnyxConfig

func (c TelnyxConfig) redacted() telnyxConfigView {
	v := telnyxConfigView(c)
	v.Sip.Password = redact(v.Sip.Password)
	return v
}

// String returns the configuration with any Sip password shown as
// [REDACTED]; so do GoString, Format (every verb), LogValue and
// MarshalJSON.
func (c TelnyxConfig) String() string { return fmt.Sprintf("%+v", c.redacted()) }

// GoString returns the Go syntax of the configuration, redacted.
func (c TelnyxConfig) GoString() string { return fmt.Sprintf("%#v", c) }

// Format implements [fmt.Formatter], redacted for every verb.
func (c TelnyxConfig) Format(f fmt.State, verb rune) {
	formatConfig(f, verb, c.redacted(), "TelnyxConfig")
}

// LogValue implements [slog.LogValuer]: String's text.
func (c TelnyxConfig) LogValue() slog.Value { return slog.StringValue(c.String()) }

// MarshalJSON encodes the configuration, redacted, without its
// VerifierOptions.
func (c TelnyxConfig) MarshalJSON() ([]byte, error) { return json.Marshal(c.redacted()) }

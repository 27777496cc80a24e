package sipconnect

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/hmssip/interconnect-go/carrier/plivo"
	"github.com/hmssip/interconnect-go/internal/secret"
)

// PlivoConfig configures the Plivo carrier (Plivo XML).
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
type PlivoConfig struct {
	// AuthToken is the account's auth token (Plivo console), which checks
	// X-Plivo-Signature-V3. Required unless
	// HandlerConfig.InsecureSkipSignature is set. It never prints.
	AuthToken string
	// Dial carries the <Dial> attributes (action, method, timeout,
	// timeLimit, callerId, callerName, ...). Its Users are ignored. An
	// Action that starts with "/" is taken relative to
	// HandlerConfig.PublicURL; mount Handler.StatusHandler there.
	Dial plivo.Dial
	// User carries the <User> attributes: sendDigits, sendOnPreanswer and
	// sipHeaders of your own (sent as X-PH-<name>). Its URI comes from the
	// address and must be left empty.
	User plivo.User
	// Fallback is said before hanging up when a call cannot be bridged,
	// and DialFailed when the dial to 100ms fails; empty prompts say the
	// texts of DefaultFallback and DefaultDialFailed.
	Fallback, DialFailed Prompt
	// VerifierOptions configure the signature check. The body limit is
	// HandlerConfig.MaxBodyBytes.
	VerifierOptions []plivo.VerifierOption `json:"-"`
}

// plivoCarrier is the Plivo carrier; the auth token is kept where no
// printer reaches it.
type plivoCarrier struct {
	cfg   PlivoConfig // AuthToken cleared
	token secret.Secret
}

// Plivo returns the Plivo carrier: Plivo XML answers, webhooks verified
// with Plivo's signature V3. Set it as HandlerConfig.Carrier and leave
// HandlerConfig's Twilio fields (AuthToken, Dial, Sip, Fallback,
// DialFailed) and Credentials empty: NewHandler refuses them.
func Plivo(cfg PlivoConfig) Carrier {
	c := plivoCarrier{cfg: cfg, token: secret.New(cfg.AuthToken)}
	c.cfg.AuthToken = ""
	return c
}

// Name returns "plivo".
func (plivoCarrier) Name() string { return "plivo" }

func (c plivoCarrier) adapt(cfg *HandlerConfig) (adapter, error) {
	if err := checkTwilioOnly(cfg, "Plivo", "PlivoConfig"); err != nil {
		return nil, err
	}
	if err := plivo.CheckCredentials(cfg.Credentials.Username, cfg.Credentials.Password); err != nil {
		return nil, errCredentials("Plivo", err)
	}
	if c.cfg.User.URI != "" {
		return nil, errors.New("sipconnect: PlivoConfig.User.URI: leave it empty: the address is the URI")
	}
	a := &plivoAdapter{cfg: c.cfg}
	switch {
	case cfg.InsecureSkipSignature:
	case c.token.IsZero():
		return nil, errors.New("sipconnect: PlivoConfig.AuthToken is required to check Plivo's signatures (or set HandlerConfig.InsecureSkipSignature)")
	case cfg.PublicURL == "":
		return nil, errNoPublicURL("Plivo")
	default:
		opts := append([]plivo.VerifierOption{plivo.WithMaxBodyBytes(maxBodyOf(cfg))}, c.cfg.VerifierOptions...)
		v, err := plivo.NewVerifier(c.token.Value(), cfg.PublicURL, opts...)
		if err != nil {
			return nil, fmt.Errorf("sipconnect: PlivoConfig: %w", err)
		}
		a.verifier = v
	}
	a.cfg.Dial.Action = absoluteURL(cfg.PublicURL, a.cfg.Dial.Action)
	a.cfg.Dial.Users = nil
	a.cfg.VerifierOptions = nil
	if err := probeDial(a, "PlivoConfig.Dial or User"); err != nil {
		return nil, err
	}
	return a, nil
}

// plivoAdapter renders Plivo XML.
type plivoAdapter struct {
	cfg      PlivoConfig
	verifier *plivo.Verifier
}

func (a *plivoAdapter) verify(w http.ResponseWriter, r *http.Request, maxBody int64) (url.Values, int, error) {
	if a.verifier == nil {
		return formParams(w, r, maxBody)
	}
	if err := a.verifier.Verify(w, r); err != nil {
		return nil, verifyStatus(err, plivo.ErrBodyTooLarge, plivo.ErrMissingSignature, plivo.ErrInvalidSignature), err
	}
	return requestParams(r), http.StatusOK, nil
}

// call reads the parameters Plivo sends to the answer URL and a GetInput
// action: CallUUID, From, To, Digits, ...
func (*plivoAdapter) call(params url.Values) Call {
	return Call{
		CallSid:       params.Get("CallUUID"),
		From:          plusE164(params.Get("From")),
		To:            plusE164(params.Get("To")),
		CallStatus:    params.Get("CallStatus"),
		Direction:     params.Get("Direction"),
		CallerName:    params.Get("CallerName"),
		ForwardedFrom: params.Get("ForwardedFrom"),
		Digits:        params.Get("Digits"),
		Form:          params,
	}
}

// dialStatus reads the <Dial> action callback (Plivo's dial status
// reporting: DialStatus, DialALegUUID, DialBLegUUID, DialHangupCause).
// DialStatus "timeout" becomes "no-answer"; the raw value stays in Form.
func (*plivoAdapter) dialStatus(params url.Values) DialStatus {
	st := params.Get("DialStatus")
	if st == "timeout" {
		st = "no-answer"
	}
	callID := params.Get("CallUUID")
	if callID == "" {
		callID = params.Get("DialALegUUID")
	}
	return DialStatus{CallSid: callID, DialCallSid: params.Get("DialBLegUUID"), DialCallStatus: st, Form: params}
}

func (*plivoAdapter) contentType() string { return plivo.ContentType }

func (a *plivoAdapter) appendDial(dst []byte, addr Address) ([]byte, error) {
	user := a.cfg.User
	user.URI = addr.String()
	dial := a.cfg.Dial
	dial.Users = []*plivo.User{&user}
	return (&plivo.Response{Verbs: []plivo.Verb{&dial}}).AppendXML(dst)
}

// plivoSpeak is a prompt as a Plivo <Speak>.
func plivoSpeak(p Prompt) (*plivo.Speak, error) {
	if p.AudioURL != "" {
		return nil, errAudioPrompt("Plivo", "<Play>")
	}
	return &plivo.Speak{Text: p.Text, Voice: p.Voice, Language: p.Language}, nil
}

func (*plivoAdapter) say(prompts ...Prompt) ([]byte, error) {
	speaks, err := promptVerbs(prompts, plivoSpeak)
	if err != nil {
		return nil, err
	}
	r := &plivo.Response{Verbs: make([]plivo.Verb, 0, len(speaks)+1)}
	for _, s := range speaks {
		r.Verbs = append(r.Verbs, s)
	}
	r.Verbs = append(r.Verbs, &plivo.Hangup{})
	return r.AppendXML(nil)
}

// gather is a DTMF <GetInput> ended by '#' that posts the digits to action,
// with the prompts inside it and log="false" to keep the PIN out of Plivo's
// logs, followed by a <Redirect> to action: Plivo goes on to the next
// element when no input arrives, which brings silence back to the same
// step. The timeout is both executionTimeout (5s to 60s) and
// digitEndTimeout (2s to 10s).
func (*plivoAdapter) gather(prompts []Prompt, action string, timeout time.Duration, numDigits int) ([]byte, error) {
	if timeout < 5*time.Second || timeout > 10*time.Second {
		return nil, fmt.Errorf("Plivo: PINConfig.Timeout %v: Plivo's GetInput waits 5s to 60s for the first digit and 2s to 10s between digits, so 5s to 10s", timeout)
	}
	speaks, err := promptVerbs(prompts, plivoSpeak)
	if err != nil {
		return nil, err
	}
	g := &plivo.GetInput{
		Action:           action,
		Method:           plivo.MethodPost,
		InputType:        plivo.InputDTMF,
		ExecutionTimeout: timeout,
		DigitEndTimeout:  timeout,
		FinishOnKey:      "#",
		NumDigits:        numDigits,
		NoLog:            true,
		Prompts:          speaks,
	}
	return (&plivo.Response{Verbs: []plivo.Verb{g, &plivo.Redirect{URL: action, Method: plivo.MethodPost}}}).AppendXML(nil)
}

func (a *plivoAdapter) fallback() ([]byte, error) {
	return sayOrDefault(a.say, "PlivoConfig.Fallback", a.cfg.Fallback, defaultFallbackText)
}

func (a *plivoAdapter) dialFailed() ([]byte, error) {
	return sayOrDefault(a.say, "PlivoConfig.DialFailed", a.cfg.DialFailed, defaultDialFailedText)
}

func (*plivoAdapter) hangup() ([]byte, error) {
	return (&plivo.Response{Verbs: []plivo.Verb{&plivo.Hangup{}}}).AppendXML(nil)
}

// plivoConfigView is a PlivoConfig without methods, for printing.
type plivoConfigView PlivoConfig

func (c PlivoConfig) redacted() plivoConfigView {
	v := plivoConfigView(c)
	v.AuthToken = redact(v.AuthToken)
	return v
}

// String returns the configuration with the auth token shown as
// [REDACTED]; so do GoString, Format (every verb), LogValue and
// MarshalJSON.
func (c PlivoConfig) String() string { return fmt.Sprintf("%+v", c.redacted()) }

// GoString returns the Go syntax of the configuration, redacted.
func (c PlivoConfig) GoString() string { return fmt.Sprintf("%#v", c) }

// Format implements [fmt.Formatter], redacted for every verb.
func (c PlivoConfig) Format(f fmt.State, verb rune) {
	formatConfig(f, verb, c.redacted(), "PlivoConfig")
}

// LogValue implements [slog.LogValuer]: String's text.
func (c PlivoConfig) LogValue() slog.Value { return slog.StringValue(c.String()) }

// MarshalJSON encodes the configuration, redacted, without its
// VerifierOptions.
func (c PlivoConfig) MarshalJSON() ([]byte, error) { return json.Marshal(c.redacted()) }

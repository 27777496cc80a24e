package vonage

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hmssip/interconnect-go/carrier"
	"github.com/hmssip/interconnect-go/internal/secret"
	"github.com/hmssip/interconnect-go/internal/webhook"
	"github.com/hmssip/interconnect-go/sipconnect"
)

// Config configures the Vonage carrier (Voice API, NCCO in JSON).
//
// What Vonage cannot express, as package vonage documents it: SIP
// credentials (the sip endpoint has no username or password), so a Vonage
// handler refuses HandlerConfig.Credentials; ask 100ms to accept your
// Vonage calls without them instead. The X-100ms headers travel in the sip
// endpoint's headers object, keys written without the "X-" Vonage adds;
// the SIP URI carries no "?" part. Prompts are spoken by talk actions,
// which take Language but no voice name and no audio URL.
//
// Vonage signs a webhook with a JWT (HS256, the signature secret) whose
// payload_hash covers the JSON body of a POST, or the query of a GET (the
// answer webhook's default method) written as a JSON object; a POST's
// query is not covered. So:
//   - the PIN step's attempt counter, in the step URL, is protected by an
//     HMAC of this handler's, keyed with the signature secret, in the
//     step URL's "step" parameter: a step URL it did not make is refused
//     with 403. The digits come only from the signed JSON body of the
//     input action's event.
//
// Vonage sends numbers without "+": the handler adds it to From and To.
// Vonage has no dial action: a connect action reports to its EventURL
// instead. Point Connect.EventURL at Handler.StatusHandler to have
// OnDialStatus told of each event; with Connect.Synchronous, Vonage takes
// the answer to a failed, busy, timed-out, rejected or unanswered connect
// as the NCCO that follows (DialFailed), and the handler answers other
// events with an empty NCCO.
type Config struct {
	// SignatureSecret is the account's signature secret (Dashboard, API
	// settings), which checks the Authorization: Bearer JWT. Required
	// unless HandlerConfig.InsecureSkipSignature is set. It never prints.
	SignatureSecret string
	// Connect carries the connect action's fields (From, Timeout, Limit,
	// EventURL, EventMethod, Synchronous). Its Endpoint comes from the
	// address and must be left empty. An EventURL that starts with "/" is
	// taken relative to HandlerConfig.PublicURL.
	Connect Connect
	// Fallback is said before the call ends when it cannot be bridged, and
	// DialFailed when the connect to 100ms fails; empty prompts say the
	// texts of sipconnect.FallbackText and DialFailedText.
	Fallback, DialFailed sipconnect.Prompt
	// VerifierOptions configure the token check, such as WithClock.
	// The body limit is HandlerConfig.MaxBodyBytes.
	VerifierOptions []VerifierOption `json:"-"`
}

// carrierImpl is the Vonage carrier; the signature secret is kept where
// no printer reaches it.
type carrierImpl struct {
	cfg Config // SignatureSecret cleared
	key secret.Secret
}

// NewCarrier returns the Vonage carrier: NCCO answers, webhooks verified with
// Vonage's signed JWT. Set it as
// sipconnect.HandlerConfig.Carrier and leave HandlerConfig.AuthToken and
// Credentials empty: NewHandler refuses them.
func NewCarrier(cfg Config) sipconnect.Carrier {
	c := carrierImpl{cfg: cfg, key: secret.New(cfg.SignatureSecret)}
	c.cfg.SignatureSecret = ""
	return c
}

// Name returns "Vonage".
func (carrierImpl) Name() string { return "Vonage" }

// Adapter checks the handler's settings against what Vonage can express.
func (c carrierImpl) Adapter(s sipconnect.CarrierSettings) (sipconnect.Adapter, error) {
	if err := CheckCredentials(s.Credentials.Username, s.Credentials.Password); err != nil {
		return nil, carrier.ErrCredentials("Vonage", err)
	}
	if c.cfg.Connect.Endpoint.URI != "" || len(c.cfg.Connect.Endpoint.Headers) > 0 {
		return nil, errors.New("vonage: Config.Connect.Endpoint: leave it empty: the address is the endpoint")
	}
	a := &adapter{cfg: c.cfg, maxBody: s.MaxBodyBytes}
	switch {
	case s.InsecureSkipSignature:
	case c.key.IsZero():
		return nil, errors.New("vonage: Config.SignatureSecret is required to check Vonage's signed webhooks (or set HandlerConfig.InsecureSkipSignature)")
	default:
		opts := append([]VerifierOption{WithMaxBodyBytes(s.MaxBodyBytes)}, c.cfg.VerifierOptions...)
		v, err := NewVerifier(c.key.Value(), opts...)
		if err != nil {
			return nil, fmt.Errorf("vonage: Config: %w", err)
		}
		a.verifier = v
		mac := hmac.New(sha256.New, []byte(c.key.Value()))
		mac.Write([]byte("sipconnect PIN step"))
		a.stepKey = secret.New(string(mac.Sum(nil)))
	}
	events := make([]string, len(a.cfg.Connect.EventURL))
	for i, u := range a.cfg.Connect.EventURL {
		events[i] = s.URL(u)
	}
	a.cfg.Connect.EventURL = events
	a.cfg.VerifierOptions = nil
	if err := carrier.Probe(a, "vonage: Config.Connect", sipconnect.WithDisplayName("a"), sipconnect.WithUserID("b")); err != nil {
		return nil, err
	}
	return a, nil
}

// adapter renders NCCOs.
type adapter struct {
	cfg      Config
	maxBody  int64
	verifier *Verifier
	stepKey  secret.Secret // keys the PIN step's HMAC; zero without signatures
}

// stepMAC is the "step" parameter that protects a PIN step's attempt
// number.
func (a *adapter) stepMAC(attempt string) string {
	mac := hmac.New(sha256.New, []byte(a.stepKey.Value()))
	mac.Write([]byte(attempt))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func (a *adapter) Verify(w http.ResponseWriter, r *http.Request) (url.Values, int, error) {
	var body []byte
	if a.verifier != nil {
		if err := a.verifier.Verify(w, r); err != nil {
			return nil, errorStatus(err), err
		}
		q := r.URL.Query()
		if q.Has("attempt") || q.Has("step") {
			want := a.stepMAC(q.Get("attempt"))
			if !hmac.Equal([]byte(q.Get("step")), []byte(want)) {
				return nil, http.StatusForbidden, errors.New("vonage: Vonage PIN step URL without this handler's HMAC")
			}
		}
	}
	if r.Body != nil && r.Method != http.MethodGet {
		var err error
		if body, err = webhook.ReadBody(w, r, a.maxBody, "vonage", ErrBodyTooLarge); err != nil {
			return nil, errorStatus(err), err
		}
	}
	if r.Method == http.MethodGet || len(bytes.TrimSpace(body)) == 0 {
		// Digits come only from the input event's JSON body: a GET's
		// dtmf parameters are dropped.
		params := r.URL.Query()
		for k := range params {
			if k == "dtmf" || strings.HasPrefix(k, "dtmf.") {
				delete(params, k)
			}
		}
		return params, http.StatusOK, nil
	}
	params, err := flattenJSON(body)
	if err != nil {
		return nil, http.StatusBadRequest, fmt.Errorf("vonage: Vonage webhook body: %w", err)
	}
	return params, http.StatusOK, nil
}

// flattenJSON turns a JSON object into parameters: strings, numbers and
// booleans under their names, nested objects under dotted names (dtmf.digits,
// dtmf.timed_out), arrays of them as repeated values; nulls are left out.
func flattenJSON(body []byte) (url.Values, error) {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var obj map[string]any
	if err := d.Decode(&obj); err != nil {
		return nil, err
	}
	params := url.Values{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				walk(prefix+k+".", e)
			}
		case []any:
			for _, e := range v {
				walk(prefix, e)
			}
		case string:
			params.Add(strings.TrimSuffix(prefix, "."), v)
		case json.Number:
			params.Add(strings.TrimSuffix(prefix, "."), v.String())
		case bool:
			params.Add(strings.TrimSuffix(prefix, "."), fmt.Sprint(v))
		}
	}
	walk("", obj)
	return params, nil
}

// Call reads the answer webhook and the input event: uuid (the call leg),
// from, to, dtmf.digits, status, direction.
func (*adapter) Call(params url.Values) sipconnect.Call {
	return sipconnect.Call{
		CallSid:    params.Get("uuid"),
		From:       webhook.PlusE164(params.Get("from")),
		To:         webhook.PlusE164(params.Get("to")),
		CallStatus: params.Get("status"),
		Direction:  params.Get("direction"),
		Digits:     params.Get("dtmf.digits"),
		Form:       params,
	}
}

// DialStatus reads an event of the connect action: CallSid is its
// conversation_uuid (shared by both legs), DialCallSid its uuid, and its
// status becomes Twilio's word where there is one (timeout and unanswered
// are no-answer, rejected is failed, cancelled is canceled); the raw value
// stays in Form.
func (*adapter) DialStatus(params url.Values) sipconnect.DialStatus {
	st := params.Get("status")
	switch st {
	case "timeout", "unanswered":
		st = "no-answer"
	case "rejected":
		st = "failed"
	case "cancelled":
		st = "canceled"
	}
	return sipconnect.DialStatus{
		CallSid:          params.Get("conversation_uuid"),
		DialCallSid:      params.Get("uuid"),
		DialCallStatus:   st,
		DialCallDuration: params.Get("duration"),
		Form:             params,
	}
}

func (*adapter) ContentType() string { return ContentType }

func (a *adapter) AppendDial(dst []byte, addr sipconnect.Address) ([]byte, error) {
	uri := make([]byte, 0, 64)
	uri = append(uri, "sip:"...)
	uri = append(uri, addr.RoomCode()...)
	uri = append(uri, '@')
	uri = append(uri, addr.Host()...)
	if t := addr.Transport(); t != "" {
		uri = append(uri, ";transport="...)
		uri = append(uri, t...)
	}
	var hs []Header
	if v := addr.DisplayName(); v != "" {
		hs = append(hs, Header{Name: "X-100ms-Display-Name", Value: v})
	}
	if v := addr.UserID(); v != "" {
		hs = append(hs, Header{Name: "X-100ms-UserID", Value: v})
	}
	for _, h := range addr.Headers() {
		hs = append(hs, Header{Name: h.Name, Value: h.Value})
	}
	c := a.cfg.Connect
	c.Endpoint = SIPEndpoint{URI: string(uri), Headers: hs}
	return NCCO{&c}.AppendJSON(dst)
}

// vonageTalk is a prompt as a talk action.
func vonageTalk(p sipconnect.Prompt) (*Talk, error) {
	switch {
	case p.AudioURL != "":
		return nil, carrier.ErrAudioPrompt("Vonage", "stream action")
	case p.Voice != "":
		return nil, fmt.Errorf("vonage: Prompt.Voice %q cannot be used: a talk action takes Language, not a voice name", p.Voice)
	}
	return &Talk{Text: p.Text, Language: p.Language}, nil
}

// vonageAction is vonageTalk as an action of an NCCO.
func vonageAction(p sipconnect.Prompt) (Action, error) { return vonageTalk(p) }

// Say renders talk actions; the call ends after the last action of an
// NCCO, so no hang-up is needed.
func (*adapter) Say(prompts ...sipconnect.Prompt) ([]byte, error) {
	n, err := carrier.Verbs(prompts, vonageAction)
	if err != nil {
		return nil, err
	}
	return NCCO(n).AppendJSON(nil)
}

// Gather renders the prompts as talk actions, the last one with bargeIn so
// that the caller may type during it, then a DTMF input action that posts
// its event to action, to which it adds the step HMAC. Vonage sends that
// event on silence too (dtmf.timed_out, no digits), which brings silence
// back to the step. The timeout is the input's timeOut (1s to 10s after
// the last key); without numDigits the input takes Vonage's most, 20
// digits, since its default is 4.
func (a *adapter) Gather(prompts []sipconnect.Prompt, action string, timeout time.Duration, numDigits int) ([]byte, error) {
	if numDigits == 0 {
		numDigits = MaxDigits
	}
	if numDigits > MaxDigits {
		return nil, fmt.Errorf("vonage: pins.Config.MaxDigits %d: an input action collects at most %d digits", numDigits, MaxDigits)
	}
	if timeout > 10*time.Second {
		return nil, fmt.Errorf("vonage: pins.Config.Timeout %v: an input action waits at most 10s after a key", timeout)
	}
	if !a.stepKey.IsZero() {
		u, err := url.Parse(action)
		if err != nil {
			return nil, fmt.Errorf("vonage: PIN step URL: %w", err)
		}
		action += "&step=" + a.stepMAC(u.Query().Get("attempt"))
	}
	talks, err := carrier.Verbs(prompts, vonageTalk)
	if err != nil {
		return nil, err
	}
	n := make(NCCO, 0, len(talks)+1)
	for i, t := range talks {
		t.BargeIn = i == len(talks)-1
		n = append(n, t)
	}
	n = append(n, &Input{
		DTMF:        DTMF{MaxDigits: numDigits, SubmitOnHash: true, TimeOut: timeout},
		EventURL:    []string{action},
		EventMethod: MethodPost,
	})
	return n.AppendJSON(nil)
}

func (a *adapter) Fallback() ([]byte, error) {
	return carrier.SayOr(a, "vonage: Config.Fallback", a.cfg.Fallback, sipconnect.FallbackText)
}

func (a *adapter) DialFailed() ([]byte, error) {
	return carrier.SayOr(a, "vonage: Config.DialFailed", a.cfg.DialFailed, sipconnect.DialFailedText)
}

// Hangup is the empty NCCO: an NCCO has no hang-up action, and the call
// ends when its actions do. The handler answers it to connect events that
// are not failures, which Vonage does not take as an NCCO.
func (*adapter) Hangup() ([]byte, error) { return NCCO{}.AppendJSON(nil) }

// configView is a Config without methods, for printing.
type configView Config

func (c Config) redacted() configView {
	v := configView(c)
	v.SignatureSecret = secret.Redact(v.SignatureSecret)
	return v
}

// String returns the configuration with the signature secret shown as
// [REDACTED]; so do GoString, Format (every verb), LogValue and
// MarshalJSON.
func (c Config) String() string { return fmt.Sprintf("%+v", c.redacted()) }

// GoString returns the Go syntax of the configuration, redacted.
func (c Config) GoString() string { return fmt.Sprintf("%#v", c) }

// Format implements [fmt.Formatter], redacted for every verb.
func (c Config) Format(f fmt.State, verb rune) {
	secret.FormatAs(f, verb, "vonage.Config", c.redacted())
}

// LogValue implements [slog.LogValuer]: String's text.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

// MarshalJSON encodes the configuration, redacted, without its
// VerifierOptions.
func (c Config) MarshalJSON() ([]byte, error) { return json.Marshal(c.redacted()) }

package sipconnect

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

	"github.com/hmssip/interconnect-go/carrier/vonage"
	"github.com/hmssip/interconnect-go/internal/secret"
	"github.com/hmssip/interconnect-go/internal/webhook"
)

// VonageConfig configures the Vonage carrier (Voice API, NCCO in JSON).
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
type VonageConfig struct {
	// SignatureSecret is the account's signature secret (Dashboard, API
	// settings), which checks the Authorization: Bearer JWT. Required
	// unless HandlerConfig.InsecureSkipSignature is set. It never prints.
	SignatureSecret string
	// Connect carries the connect action's fields (From, Timeout, Limit,
	// EventURL, EventMethod, Synchronous). Its Endpoint comes from the
	// address and must be left empty. An EventURL that starts with "/" is
	// taken relative to HandlerConfig.PublicURL.
	Connect vonage.Connect
	// Fallback is said before the call ends when it cannot be bridged, and
	// DialFailed when the connect to 100ms fails; empty prompts say the
	// texts of DefaultFallback and DefaultDialFailed.
	Fallback, DialFailed Prompt
	// VerifierOptions configure the token check, such as vonage.WithClock.
	// The body limit is HandlerConfig.MaxBodyBytes.
	VerifierOptions []vonage.VerifierOption `json:"-"`
}

// vonageCarrier is the Vonage carrier; the signature secret is kept where
// no printer reaches it.
type vonageCarrier struct {
	cfg VonageConfig // SignatureSecret cleared
	key secret.Secret
}

// Vonage returns the Vonage carrier: NCCO answers, webhooks verified with
// Vonage's signed JWT. Set it as HandlerConfig.Carrier and leave
// HandlerConfig's Twilio fields (AuthToken, Dial, Sip, Fallback,
// DialFailed) and Credentials empty: NewHandler refuses them.
func Vonage(cfg VonageConfig) Carrier {
	c := vonageCarrier{cfg: cfg, key: secret.New(cfg.SignatureSecret)}
	c.cfg.SignatureSecret = ""
	return c
}

// Name returns "vonage".
func (vonageCarrier) Name() string { return "vonage" }

func (c vonageCarrier) adapt(cfg *HandlerConfig) (adapter, error) {
	if err := checkTwilioOnly(cfg, "Vonage", "VonageConfig"); err != nil {
		return nil, err
	}
	if err := vonage.CheckCredentials(cfg.Credentials.Username, cfg.Credentials.Password); err != nil {
		return nil, errCredentials("Vonage", err)
	}
	if c.cfg.Connect.Endpoint.URI != "" || len(c.cfg.Connect.Endpoint.Headers) > 0 {
		return nil, errors.New("sipconnect: VonageConfig.Connect.Endpoint: leave it empty: the address is the endpoint")
	}
	a := &vonageAdapter{cfg: c.cfg}
	switch {
	case cfg.InsecureSkipSignature:
	case c.key.IsZero():
		return nil, errors.New("sipconnect: VonageConfig.SignatureSecret is required to check Vonage's signed webhooks (or set HandlerConfig.InsecureSkipSignature)")
	default:
		opts := append([]vonage.VerifierOption{vonage.WithMaxBodyBytes(maxBodyOf(cfg))}, c.cfg.VerifierOptions...)
		v, err := vonage.NewVerifier(c.key.Value(), opts...)
		if err != nil {
			return nil, fmt.Errorf("sipconnect: VonageConfig: %w", err)
		}
		a.verifier = v
		mac := hmac.New(sha256.New, []byte(c.key.Value()))
		mac.Write([]byte("sipconnect PIN step"))
		a.stepKey = secret.New(string(mac.Sum(nil)))
	}
	events := make([]string, len(a.cfg.Connect.EventURL))
	for i, u := range a.cfg.Connect.EventURL {
		events[i] = absoluteURL(cfg.PublicURL, u)
	}
	a.cfg.Connect.EventURL = events
	a.cfg.VerifierOptions = nil
	if err := probeDial(a, "VonageConfig.Connect", WithDisplayName("a"), WithUserID("b")); err != nil {
		return nil, err
	}
	return a, nil
}

// vonageAdapter renders NCCOs.
type vonageAdapter struct {
	cfg      VonageConfig
	verifier *vonage.Verifier
	stepKey  secret.Secret // keys the PIN step's HMAC; zero without signatures
}

// stepMAC is the "step" parameter that protects a PIN step's attempt
// number.
func (a *vonageAdapter) stepMAC(attempt string) string {
	mac := hmac.New(sha256.New, []byte(a.stepKey.Value()))
	mac.Write([]byte(attempt))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func (a *vonageAdapter) verify(w http.ResponseWriter, r *http.Request, maxBody int64) (url.Values, int, error) {
	var body []byte
	if a.verifier != nil {
		if err := a.verifier.Verify(w, r); err != nil {
			return nil, verifyStatus(err, vonage.ErrBodyTooLarge, vonage.ErrMissingToken, vonage.ErrInvalidToken, vonage.ErrPayloadHash), err
		}
		q := r.URL.Query()
		if q.Has("attempt") || q.Has("step") {
			want := a.stepMAC(q.Get("attempt"))
			if !hmac.Equal([]byte(q.Get("step")), []byte(want)) {
				return nil, http.StatusForbidden, errors.New("sipconnect: Vonage PIN step URL without this handler's HMAC")
			}
		}
	}
	if r.Body != nil && r.Method != http.MethodGet {
		var err error
		if body, err = webhook.ReadBody(w, r, maxBody); err != nil {
			return nil, webhook.ErrorStatus(err), err
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
		return nil, http.StatusBadRequest, fmt.Errorf("sipconnect: Vonage webhook body: %w", err)
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

// call reads the answer webhook and the input event: uuid (the call leg),
// from, to, dtmf.digits, status, direction.
func (*vonageAdapter) call(params url.Values) Call {
	return Call{
		CallSid:    params.Get("uuid"),
		From:       plusE164(params.Get("from")),
		To:         plusE164(params.Get("to")),
		CallStatus: params.Get("status"),
		Direction:  params.Get("direction"),
		Digits:     params.Get("dtmf.digits"),
		Form:       params,
	}
}

// dialStatus reads an event of the connect action: CallSid is its
// conversation_uuid (shared by both legs), DialCallSid its uuid, and its
// status becomes Twilio's word where there is one (timeout and unanswered
// are no-answer, rejected is failed, cancelled is canceled); the raw value
// stays in Form.
func (*vonageAdapter) dialStatus(params url.Values) DialStatus {
	st := params.Get("status")
	switch st {
	case "timeout", "unanswered":
		st = "no-answer"
	case "rejected":
		st = "failed"
	case "cancelled":
		st = "canceled"
	}
	return DialStatus{
		CallSid:          params.Get("conversation_uuid"),
		DialCallSid:      params.Get("uuid"),
		DialCallStatus:   st,
		DialCallDuration: params.Get("duration"),
		Form:             params,
	}
}

func (*vonageAdapter) contentType() string { return vonage.ContentType }

func (a *vonageAdapter) appendDial(dst []byte, addr Address) ([]byte, error) {
	uri := make([]byte, 0, 64)
	uri = append(uri, "sip:"...)
	uri = append(uri, addr.RoomCode()...)
	uri = append(uri, '@')
	uri = append(uri, addr.Host()...)
	if t := addr.Transport(); t != "" {
		uri = append(uri, ";transport="...)
		uri = append(uri, t...)
	}
	var hs []vonage.Header
	if v := addr.DisplayName(); v != "" {
		hs = append(hs, vonage.Header{Name: "X-100ms-Display-Name", Value: v})
	}
	if v := addr.UserID(); v != "" {
		hs = append(hs, vonage.Header{Name: "X-100ms-UserID", Value: v})
	}
	for _, h := range addr.Headers() {
		hs = append(hs, vonage.Header{Name: h.Name, Value: h.Value})
	}
	c := a.cfg.Connect
	c.Endpoint = vonage.SIPEndpoint{URI: string(uri), Headers: hs}
	return vonage.NCCO{&c}.AppendJSON(dst)
}

// vonageTalk is a prompt as a talk action.
func vonageTalk(p Prompt) (*vonage.Talk, error) {
	switch {
	case p.AudioURL != "":
		return nil, errAudioPrompt("Vonage", "stream action")
	case p.Voice != "":
		return nil, fmt.Errorf("Vonage: Prompt.Voice %q cannot be used: a talk action takes Language, not a voice name", p.Voice)
	}
	return &vonage.Talk{Text: p.Text, Language: p.Language}, nil
}

// say renders talk actions; the call ends after the last action of an
// NCCO, so no hang-up is needed.
func (*vonageAdapter) say(prompts ...Prompt) ([]byte, error) {
	talks, err := promptVerbs(prompts, vonageTalk)
	if err != nil {
		return nil, err
	}
	n := make(vonage.NCCO, 0, len(talks))
	for _, t := range talks {
		n = append(n, t)
	}
	return n.AppendJSON(nil)
}

// gather renders the prompts as talk actions, the last one with bargeIn so
// that the caller may type during it, then a DTMF input action that posts
// its event to action, to which it adds the step HMAC. Vonage sends that
// event on silence too (dtmf.timed_out, no digits), which brings silence
// back to the step. The timeout is the input's timeOut (1s to 10s after
// the last key); without numDigits the input takes Vonage's most, 20
// digits, since its default is 4.
func (a *vonageAdapter) gather(prompts []Prompt, action string, timeout time.Duration, numDigits int) ([]byte, error) {
	if numDigits == 0 {
		numDigits = vonage.MaxDigits
	}
	if numDigits > vonage.MaxDigits {
		return nil, fmt.Errorf("Vonage: PINConfig.MaxDigits %d: an input action collects at most %d digits", numDigits, vonage.MaxDigits)
	}
	if timeout > 10*time.Second {
		return nil, fmt.Errorf("Vonage: PINConfig.Timeout %v: an input action waits at most 10s after a key", timeout)
	}
	if !a.stepKey.IsZero() {
		u, err := url.Parse(action)
		if err != nil {
			return nil, fmt.Errorf("Vonage: PIN step URL: %w", err)
		}
		action += "&step=" + a.stepMAC(u.Query().Get("attempt"))
	}
	talks, err := promptVerbs(prompts, vonageTalk)
	if err != nil {
		return nil, err
	}
	n := make(vonage.NCCO, 0, len(talks)+1)
	for i, t := range talks {
		t.BargeIn = i == len(talks)-1
		n = append(n, t)
	}
	n = append(n, &vonage.Input{
		DTMF:        vonage.DTMF{MaxDigits: numDigits, SubmitOnHash: true, TimeOut: timeout},
		EventURL:    []string{action},
		EventMethod: vonage.MethodPost,
	})
	return n.AppendJSON(nil)
}

func (a *vonageAdapter) fallback() ([]byte, error) {
	return sayOrDefault(a.say, "VonageConfig.Fallback", a.cfg.Fallback, defaultFallbackText)
}

func (a *vonageAdapter) dialFailed() ([]byte, error) {
	return sayOrDefault(a.say, "VonageConfig.DialFailed", a.cfg.DialFailed, defaultDialFailedText)
}

// hangup is the empty NCCO: an NCCO has no hang-up action, and the call
// ends when its actions do. The handler answers it to connect events that
// are not failures, which Vonage does not take as an NCCO.
func (*vonageAdapter) hangup() ([]byte, error) { return vonage.NCCO{}.AppendJSON(nil) }

// vonageConfigView is a VonageConfig without methods, for printing.
type vonageConfigView VonageConfig

func (c VonageConfig) redacted() vonageConfigView {
	v := vonageConfigView(c)
	v.SignatureSecret = redact(v.SignatureSecret)
	return v
}

// String returns the configuration with the signature secret shown as
// [REDACTED]; so do GoString, Format (every verb), LogValue and
// MarshalJSON.
func (c VonageConfig) String() string { return fmt.Sprintf("%+v", c.redacted()) }

// GoString returns the Go syntax of the configuration, redacted.
func (c VonageConfig) GoString() string { return fmt.Sprintf("%#v", c) }

// Format implements [fmt.Formatter], redacted for every verb.
func (c VonageConfig) Format(f fmt.State, verb rune) {
	formatConfig(f, verb, c.redacted(), "VonageConfig")
}

// LogValue implements [slog.LogValuer]: String's text.
func (c VonageConfig) LogValue() slog.Value { return slog.StringValue(c.String()) }

// MarshalJSON encodes the configuration, redacted, without its
// VerifierOptions.
func (c VonageConfig) MarshalJSON() ([]byte, error) { return json.Marshal(c.redacted()) }

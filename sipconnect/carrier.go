package sipconnect

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// A Carrier is the telephony provider whose webhooks a Handler answers:
// it verifies and reads the provider's requests and renders its
// call-control documents, while the call flow (routing, the PIN menu,
// fallbacks, logging) is the same for every carrier. Twilio is the
// default; each other carrier is a package of its own under carrier/,
// whose NewCarrier returns one. What a carrier cannot express (SIP
// credentials it has no attribute for, a header it would rename) is an
// error when the handler is made.
type Carrier interface {
	// Name returns the carrier's name as it writes it, such as "Twilio",
	// for logs and errors.
	Name() string
	// Adapter checks s against what the carrier can express and returns
	// the carrier's side of one handler.
	Adapter(s CarrierSettings) (Adapter, error)
}

// CarrierSettings are what a handler's configuration tells its carrier.
type CarrierSettings struct {
	PublicURL             string // HandlerConfig.PublicURL
	Credentials           Credentials
	InsecureSkipSignature bool
	MaxBodyBytes          int64 // HandlerConfig.MaxBodyBytes, or its default: never 0
}

// URL resolves a URL that starts with "/" against PublicURL, as a
// carrier's callback URLs are written; any other URL is returned as it is.
func (s CarrierSettings) URL(u string) string {
	if strings.HasPrefix(u, "/") && s.PublicURL != "" {
		return strings.TrimSuffix(s.PublicURL, "/") + u
	}
	return u
}

// An Adapter is a carrier's side of one handler. Its methods are called
// concurrently.
type Adapter interface {
	// Verify checks r (its method is GET or POST) and returns the
	// webhook's parameters, or the HTTP status that refuses it and why:
	// 403 for a signature that does not verify.
	Verify(w http.ResponseWriter, r *http.Request) (params url.Values, status int, err error)
	// Call and DialStatus read the webhook parameters.
	Call(params url.Values) Call
	DialStatus(params url.Values) DialStatus
	// ContentType is the media type of the carrier's documents.
	ContentType() string
	// AppendDial appends the answer that bridges the call to addr.
	AppendDial(dst []byte, addr Address) ([]byte, error)
	// Say renders prompts followed by a hang-up.
	Say(prompts ...Prompt) ([]byte, error)
	// Gather renders prompts played while at most numDigits digits are
	// collected and sent to action; silence comes back to action without
	// digits.
	Gather(prompts []Prompt, action string, timeout time.Duration, numDigits int) ([]byte, error)
	// Fallback and DialFailed are the answers to a call that cannot be
	// bridged and to a failed dial; Hangup ends a finished one.
	Fallback() ([]byte, error)
	DialFailed() ([]byte, error)
	Hangup() ([]byte, error)
}

// Prompt is something the caller hears: Text spoken with Voice and Language
// (Twilio's <Say>), or the audio at AudioURL (<Play>) when it is set.
type Prompt struct {
	Text     string
	Voice    string // such as "Polly.Joanna"; empty: Twilio's default
	Language string // such as "en-US"; empty: Twilio's default
	AudioURL string
}

// The default texts of the fallback and the failed dial, said by every
// carrier whose configuration leaves them empty.
const (
	FallbackText   = "Sorry, we cannot connect your call to the meeting right now. Please try again later."
	DialFailedText = "Sorry, the meeting could not be reached. Please try again later."
)

// Or returns p, or a prompt saying text when p is zero.
func (p Prompt) Or(text string) Prompt {
	if p == (Prompt{}) {
		return Prompt{Text: text}
	}
	return p
}

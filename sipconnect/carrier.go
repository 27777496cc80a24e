package sipconnect

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// A Carrier is the telephony provider a Handler answers: Twilio, or a
// package under carrier/. Name is its name as written ("Twilio"); Adapter
// refuses what it cannot express and returns its side of one handler.
type Carrier interface {
	Name() string
	Adapter(s CarrierSettings) (Adapter, error)
}

// CarrierSettings are the HandlerConfig fields a carrier sees, with
// MaxBodyBytes defaulted.
type CarrierSettings struct {
	PublicURL             string
	Credentials           Credentials
	InsecureSkipSignature bool
	MaxBodyBytes          int64
}

// URL resolves a URL starting with "/" against PublicURL.
func (s CarrierSettings) URL(u string) string {
	if strings.HasPrefix(u, "/") && s.PublicURL != "" {
		return strings.TrimSuffix(s.PublicURL, "/") + u
	}
	return u
}

// An Adapter is a carrier's side of one handler, used concurrently.
// Verify returns a webhook's parameters or the status refusing it (403:
// bad signature); Call and DialStatus read them. The rest render the
// carrier's documents: dial, prompts then hang-up (Say), prompts while
// digits go to action (Gather), and the fixed answers.
type Adapter interface {
	Verify(w http.ResponseWriter, r *http.Request) (params url.Values, status int, err error)
	Call(params url.Values) Call
	DialStatus(params url.Values) DialStatus
	ContentType() string
	AppendDial(dst []byte, addr Address) ([]byte, error)
	Say(prompts ...Prompt) ([]byte, error)
	Gather(prompts []Prompt, action string, timeout time.Duration, numDigits int) ([]byte, error)
	Fallback() ([]byte, error)
	DialFailed() ([]byte, error)
	Hangup() ([]byte, error)
}

// Prompt is what the caller hears: Text spoken with Voice ("Polly.Joanna")
// and Language ("en-US"), or the audio at AudioURL when set.
type Prompt struct {
	Text, Voice, Language, AudioURL string
}

// The default texts of the fallback and the failed dial.
const (
	FallbackText   = "Sorry, we cannot connect your call to the meeting right now. Please try again later."
	DialFailedText = "Sorry, the meeting could not be reached. Please try again later."
)

package pins_test

import (
	"net/url"
	"sync/atomic"
	"time"

	"github.com/hmssip/interconnect-go/carrier/carriertest"
	"github.com/hmssip/interconnect-go/pins"
	"github.com/hmssip/interconnect-go/sipconnect"
)

// The Twilio account, SIP password and caller of the tests' calls.
const (
	authToken   = "twilio-auth-token-0123456789abcdef"
	sipPassword = "sip-password-never-logged"
	callerPhone = carriertest.CallerPhone
)

// syncBuffer is a log buffer safe for the handler's concurrent logging.
type syncBuffer = carriertest.LogBuffer

// callForm is Twilio's incoming-call webhook, with extra name-value pairs
// set on it.
func callForm(extra ...string) url.Values {
	f := url.Values{"CallSid": {"CA0123456789abcdef0123456789abcdef"}, "AccountSid": {"AC0123"}, "From": {callerPhone},
		"To": {"+18005550100"}, "CallStatus": {"ringing"}, "Direction": {"inbound"}}
	return carriertest.WithParams(f, extra...)
}

// sharedClock is the one clock of a test: the store, the directory and
// the fake API read it, and the test moves it.
type sharedClock struct{ ns atomic.Int64 }

func (c *sharedClock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *sharedClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// menuOf is the PIN menu of a handler configuration the tests made with
// a *pins.Config.
func menuOf(cfg *sipconnect.HandlerConfig) *pins.Config { return cfg.PIN.(*pins.Config) }

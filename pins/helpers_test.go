package pins_test

import (
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
var callForm = carriertest.TwilioCall

// sharedClock is the one clock of a test: the store, the directory and
// the fake API read it, and the test moves it.
type sharedClock = carriertest.SharedClock

// menuOf is the PIN menu of a handler configuration the tests made with
// a *pins.Config.
func menuOf(cfg *sipconnect.HandlerConfig) *pins.Config { return cfg.PIN.(*pins.Config) }

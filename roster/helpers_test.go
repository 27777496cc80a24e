package roster_test

import (
	"encoding/xml"
	"testing"

	"github.com/hmssip/interconnect-go/carrier/carriertest"
)

// callerPhone is the caller's number in callForm: it never appears in logs.
const callerPhone = carriertest.CallerPhone

// callForm is an incoming call as Twilio posts it, with extra name, value
// pairs set.
var callForm = carriertest.TwilioCall

// answer is the dial-in document as encoding/xml reads it.
type answer struct {
	XMLName xml.Name `xml:"Response"`
	Dial    *struct {
		Sip struct {
			URI string `xml:",chardata"`
		}
	}
}

func decode(t *testing.T, body string) answer { return carriertest.DecodeXML[answer](t, body) }

// sharedClock is a clock the test moves, shared by the roster and the
// store.
type sharedClock = carriertest.SharedClock

package roster_test

import (
	"encoding/xml"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// callerPhone is the caller's number in callForm: it never appears in logs.
const callerPhone = "+14155550123"

// callForm is an incoming call as Twilio posts it, with extra name, value
// pairs set.
func callForm(extra ...string) url.Values {
	f := url.Values{"CallSid": {"CA0123456789abcdef0123456789abcdef"}, "AccountSid": {"AC0123"}, "From": {callerPhone},
		"To": {"+18005550100"}, "CallStatus": {"ringing"}, "Direction": {"inbound"}}
	for i := 0; i+1 < len(extra); i += 2 {
		f.Set(extra[i], extra[i+1])
	}
	return f
}

// answer is the dial-in document as encoding/xml reads it.
type answer struct {
	XMLName xml.Name `xml:"Response"`
	Dial    *struct {
		Sip struct {
			URI string `xml:",chardata"`
		}
	}
}

func decode(t *testing.T, body string) answer {
	t.Helper()
	require.True(t, strings.HasPrefix(body, `<?xml version="1.0" encoding="UTF-8"?>`), body)
	var a answer
	require.NoError(t, xml.Unmarshal([]byte(body), &a), body)
	return a
}

// sharedClock is a clock the test moves, shared by the roster and the
// store.
type sharedClock struct{ ns atomic.Int64 }

func (c *sharedClock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *sharedClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

package carriertest

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/url"
	"sort"
	"sync/atomic"
	"time"
)

// Clock is the fixed time at which the carrier tests sign and verify, for
// both sides: nothing depends on the date the suite runs on.
func Clock() time.Time { return time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC) }

// WithParams sets extra, name-value pairs, on the webhook parameters p and
// returns p.
func WithParams(p url.Values, extra ...string) url.Values {
	for i := 0; i+1 < len(extra); i += 2 {
		p.Set(extra[i], extra[i+1])
	}
	return p
}

// TwilioCall is Twilio's incoming-call webhook from CallerPhone, with
// extra name-value pairs set on it.
func TwilioCall(extra ...string) url.Values {
	return WithParams(url.Values{"CallSid": {"CA0123456789abcdef0123456789abcdef"}, "AccountSid": {"AC0123"}, "From": {CallerPhone},
		"To": {"+18005550100"}, "CallStatus": {"ringing"}, "Direction": {"inbound"}}, extra...)
}

// SharedClock is the one clock of a test, which the test moves: the
// handler, the store and the fake API all read it. Its zero value stands
// at the Unix epoch.
type SharedClock struct{ ns atomic.Int64 }

// Now returns the clock's time, in UTC.
func (c *SharedClock) Now() time.Time { return time.Unix(0, c.ns.Load()).UTC() }

// Set puts the clock at t.
func (c *SharedClock) Set(t time.Time) { c.ns.Store(t.UnixNano()) }

// Advance moves the clock by d.
func (c *SharedClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// CallerPhone is the caller's number in the tests' calls.
const CallerPhone = "+14155550123"

// TwilioSignature signs a Twilio request exactly as REFERENCE.md §6 describes,
// independently of package twiml: HMAC-SHA1 keyed with the auth token over
// the URL followed by each parameter's name and value, sorted by name.
func TwilioSignature(token, u string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := u
	for _, k := range keys {
		vs := append([]string(nil), form[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			s += k + v
		}
	}
	mac := hmac.New(sha1.New, []byte(token))
	mac.Write([]byte(s))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

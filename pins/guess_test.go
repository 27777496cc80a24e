package pins_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/pins"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/twiml"
)

const (
	tryLater = "Sorry, we cannot check your PIN right now. Please try again later. Goodbye."
	lockedUp = "Too many incorrect PINs were entered from this number. Please try again later. Goodbye."
)

// failures reads a count the PIN flow keeps in the store.
func (p *pinServer) failures(t *testing.T, key string) int {
	t.Helper()
	v, err := p.store.Get(context.Background(), key)
	if err != nil {
		return 0
	}
	n, err := strconv.Atoi(string(v))
	require.NoError(t, err)
	return n
}

// answerTo starts a call from form and, if the caller gets the PIN prompt,
// enters digits at its step; it returns what the caller hears last.
func (p *pinServer) answerTo(t *testing.T, form map[string][]string, digits string) pinAnswer {
	t.Helper()
	status, body := p.send(t, http.MethodPost, p.srv.URL+"/hooks/voice", form)
	require.Equal(t, 200, status, body)
	a := decodePIN(t, body)
	if a.Gather == nil {
		return a
	}
	return p.enter(t, http.MethodPost, a.Gather.Action, form, digits)
}

// TestPINStepReplayIsRefused: a captured step request sent again, exactly
// as it was signed, gets 403 and charges nobody; before, ten replays of one
// wrong-PIN step locked the caller's number out.
func TestPINStepReplayIsRefused(t *testing.T) {
	p := newPINServer(t, nil) // 5 wrong PINs an hour lock a number out
	pin := p.issue(t, pins.Target{RoomCode: "abc-defg-hij"})
	action := p.call(t, http.MethodPost, callForm())
	form := callForm("Digits", "0000000000")

	captured, err := twiml.NewSignedRequest(http.MethodPost, action, authToken, form)
	require.NoError(t, err)
	sig := captured.Header.Get(twiml.SignatureHeader)
	status, body := p.do(t, captured)
	require.Equal(t, 200, status, body)
	require.NotNil(t, decodePIN(t, body).Gather, "a wrong PIN, asked again")
	require.Equal(t, 1, p.failures(t, pins.FailuresKey(callerPhone)))
	assert.NotContains(t, pins.FailuresKey(callerPhone), callerPhone[4:], "no phone number in a key name")

	for range 10 {
		replay := mustRequest(t, http.MethodPost, action, form)
		replay.Header.Set(twiml.SignatureHeader, sig)
		status, _ := p.do(t, replay)
		assert.Equal(t, http.StatusForbidden, status)
	}
	assert.Equal(t, 1, p.failures(t, pins.FailuresKey(callerPhone)), "replays are charged to nobody")
	assert.NotNil(t, p.answerTo(t, callForm(), pin).Dial, "the number's owner is not locked out")
	assert.Contains(t, p.logs.String(), `"outcome":"rejected-step"`)
}

// TestPINNumberSpellingsShareOneCount: one number written seven ways is one
// caller for the lockout.
func TestPINNumberSpellingsShareOneCount(t *testing.T) {
	p := newPINServer(t, nil) // 5 wrong PINs an hour
	pin := p.issue(t, pins.Target{RoomCode: "abc-defg-hij"})
	spellings := []string{"+14155550666", "+1 415 555 0666", "+1-415-555-0666", "+1 (415) 555-0666",
		"0014155550666", "14155550666", "tel:+1-415-555-0666", "sip:+14155550666@carrier.example;user=phone"}
	for i, from := range spellings[:5] {
		a := p.answerTo(t, callForm("From", from), "0000000000")
		if i < 4 {
			require.NotNil(t, a.Gather, "wrong PIN from %q, asked again", from)
		} else {
			require.Equal(t, []string{lockedUp}, a.Say, "the fifth wrong PIN, from %q, locks the number out", from)
		}
	}
	assert.Equal(t, 5, p.failures(t, pins.FailuresKey("+14155550666")))
	for _, from := range spellings {
		a := p.answerTo(t, callForm("From", from), pin)
		assert.Nil(t, a.Dial, "%q is the locked-out number", from)
		assert.Equal(t, []string{lockedUp}, a.Say, from)
	}
	assert.NotNil(t, p.answerTo(t, callForm("From", "+14155550667"), pin).Dial, "another number is not locked out")
}

// TestPINWithheldNumbers: callers who withhold their number share a bound
// of wrong PINs a minute, and are never locked out for the hour together.
func TestPINWithheldNumbers(t *testing.T) {
	p := newPINServer(t, nil) // 3 wrong PINs a minute from withheld numbers
	pin := p.issue(t, pins.Target{RoomCode: "abc-defg-hij"})
	withheld := []string{"", "anonymous", "Restricted", "+266696687", "+86282452253", "UNKNOWN", "+0"}
	for i, from := range withheld[:3] {
		a := p.answerTo(t, callForm("From", from, "CallSid", fmt.Sprintf("CA%032d", i)), "0000000000")
		if i < 2 {
			require.NotNil(t, a.Gather, "wrong PIN from %q, asked again", from)
		} else {
			require.Equal(t, []string{tryLater}, a.Say, "the third wrong PIN this minute, from %q", from)
		}
	}
	for _, from := range withheld {
		a := p.answerTo(t, callForm("From", from), pin)
		assert.Nil(t, a.Dial, "%q: the minute's bound is reached", from)
		assert.Equal(t, []string{tryLater}, a.Say, "%q: asked to try later, not locked out", from)
	}
	assert.NotNil(t, p.answerTo(t, callForm("From", "+14155550667"), pin).Dial, "a caller with a number is not affected")

	p.clock.Advance(time.Minute + time.Second)
	assert.NotNil(t, p.answerTo(t, callForm("From", "anonymous"), pin).Dial, "the next minute, withheld callers get in")
}

// TestPINGuessingAcrossNumbersIsBounded: an attacker who changes the caller
// number on every call meets the directory-wide bound: in each minute at
// most WrongPINsPerMinute PINs are looked up, whatever the numbers.
func TestPINGuessingAcrossNumbersIsBounded(t *testing.T) {
	var lookups atomic.Int32
	p := newPINServer(t, func(cfg *sipconnect.HandlerConfig) {
		dir := menuOf(cfg).Resolver
		menuOf(cfg).Resolver = pins.ResolverFunc(func(ctx context.Context, pin string, call sipconnect.Call) (pins.Target, error) {
			lookups.Add(1)
			return dir.ResolvePIN(ctx, pin, call)
		})
	})
	pin := p.issue(t, pins.Target{RoomCode: "abc-defg-hij"})
	guess := func(i int) pinAnswer {
		return p.answerTo(t, callForm("From", fmt.Sprintf("+1415%07d", i), "CallSid", fmt.Sprintf("CA%032d", i)), fmt.Sprintf("%010d", i))
	}
	throttled := 0
	for i := range 100 {
		if a := guess(i); a.Gather == nil {
			assert.Equal(t, []string{tryLater}, a.Say)
			throttled++
		}
	}
	assert.Equal(t, int32(pins.DefaultWrongPINsPerMinute), lookups.Load(), "PINs looked up in one minute")
	assert.Equal(t, 100-pins.DefaultWrongPINsPerMinute, throttled)
	assert.Contains(t, p.logs.String(), `"outcome":"pin-throttled"`)
	assert.Equal(t, []string{tryLater}, p.answerTo(t, callForm("From", "+14155550999"), pin).Say,
		"while the bound holds, a right PIN waits too: the price of the bound")

	p.clock.Advance(time.Minute + time.Second)
	assert.NotNil(t, p.answerTo(t, callForm("From", "+14155550999"), pin).Dial, "the next minute")
	before := lookups.Load()
	for i := 100; i < 200; i++ {
		guess(i)
	}
	assert.Equal(t, before+int32(pins.DefaultWrongPINsPerMinute), lookups.Load(), "the right PIN gave its charge back")
}

// TestPINDirectoryLostAfterWipe: a store that lost its data (an empty
// restart of Redis) makes every PIN unknown; the flow then asks callers to
// try later and charges nobody, until PINs are issued again.
func TestPINDirectoryLostAfterWipe(t *testing.T) {
	p := newPINServer(t, nil)
	ctx := context.Background()
	pin := p.issue(t, pins.Target{RoomCode: "abc-defg-hij"})
	require.NotNil(t, p.answerTo(t, callForm(), pin).Dial)

	// The store loses everything it held.
	for _, key := range []string{"sipconnect:pin:" + pin, "sipconnect:pin-directory"} {
		_, err := p.store.Delete(ctx, key)
		require.NoError(t, err)
	}
	_, err := p.dir.ResolvePIN(ctx, pin, sipconnect.Call{})
	require.ErrorIs(t, err, pins.ErrDirectoryLost)
	for range 10 {
		a := p.answerTo(t, callForm(), pin)
		assert.Nil(t, a.Dial)
		assert.Equal(t, []string{tryLater}, a.Say, "a right PIN is not called wrong")
	}
	assert.Equal(t, 0, p.failures(t, pins.FailuresKey(callerPhone)), "nobody is charged")
	assert.Contains(t, p.logs.String(), "lost its data")

	// PINs issued again: wrong PINs are wrong again.
	again := p.issue(t, pins.Target{RoomCode: "abc-defg-hij"})
	assert.NotNil(t, p.answerTo(t, callForm(), "0000000000").Gather)
	assert.Equal(t, 1, p.failures(t, pins.FailuresKey(callerPhone)))
	assert.NotNil(t, p.answerTo(t, callForm(), again).Dial)
}

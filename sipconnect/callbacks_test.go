package sipconnect_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/internal/apisurface"
	"github.com/hmssip/interconnect-go/pins"
	"github.com/hmssip/interconnect-go/sipconnect"
)

// panickyRecorder is a CallRecorder whose chosen method panics.
type panickyRecorder struct{ method string }

func (p panickyRecorder) RecordCall(context.Context, string, sipconnect.Call) (bool, error) {
	if p.method == "RecordCall" {
		panic("RecordCall bug")
	}
	return false, nil
}

func (p panickyRecorder) CallAnswered(context.Context, sipconnect.CallAnswer) {
	if p.method == "CallAnswered" {
		panic("CallAnswered bug")
	}
}

func (p panickyRecorder) DialEnded(context.Context, string, sipconnect.DialStatus) {
	if p.method == "DialEnded" {
		panic("DialEnded bug")
	}
}

// TestHandlerSurvivesAPanickingCallRecorder: a CallRecorder is the
// application's code, like a RoomFunc; its panic is logged, and the
// carrier still gets its answer rather than a dropped connection.
func TestHandlerSurvivesAPanickingCallRecorder(t *testing.T) {
	for _, method := range []string{"RecordCall", "CallAnswered", "DialEnded"} {
		t.Run(method, func(t *testing.T) {
			d := newDialIn(t, sipconnect.HandlerConfig{Room: sipconnect.StaticRoom("abc-defg-hij"), Roster: panickyRecorder{method}})
			path := "/hooks/voice"
			if method == "DialEnded" {
				path = "/hooks/dial-status"
			}
			status, body := d.signedPost(t, path, callForm("DialCallStatus", "completed"))
			assert.Equal(t, http.StatusOK, status)
			if method != "DialEnded" {
				assert.Contains(t, body, "sip:abc-defg-hij@sip.100ms.live")
			}
			assert.Contains(t, d.logs.String(), `panic: `+method+` bug`)
		})
	}
}

// TestHandlerTimeoutBoundsCallbacksThatIgnoreIt: a RoomFunc or an
// IdentityFunc that ignores its context (a database driver stuck on a dead
// connection) is abandoned at the handler's Timeout, and the caller hears
// the fallback, in time for the carrier, rather than nothing.
func TestHandlerTimeoutBoundsCallbacksThatIgnoreIt(t *testing.T) {
	stuck := make(chan struct{})
	defer close(stuck)
	for name, cfg := range map[string]sipconnect.HandlerConfig{
		"room": {Room: sipconnect.RoomFunc(func(context.Context, sipconnect.Call) (string, error) {
			<-stuck
			return "abc-defg-hij", nil
		})},
		"identity": {Room: sipconnect.StaticRoom("abc-defg-hij"), Identity: func(context.Context, sipconnect.Call) (sipconnect.Identity, error) {
			<-stuck
			return sipconnect.Identity{}, nil
		}},
	} {
		t.Run(name, func(t *testing.T) {
			cfg.Timeout = 20 * time.Millisecond
			d := newDialIn(t, cfg)
			answered := make(chan string, 1)
			go func() {
				_, body := d.signedPost(t, "/hooks/voice", callForm())
				answered <- body
			}()
			select {
			case body := <-answered:
				assert.Contains(t, body, sipconnect.FallbackText)
			case <-time.After(time.Minute):
				t.Fatal("no answer while the callback is stuck")
			}
			assert.Contains(t, d.logs.String(), `"stage":"`+name+`"`)
			assert.Contains(t, d.logs.String(), "no answer in time")
		})
	}
}

// TestHandlerSurvivesPanickingCallbacks: a panic in a RoomFunc or an
// IdentityFunc answers the fallback, naming the stage.
func TestHandlerSurvivesPanickingCallbacks(t *testing.T) {
	for name, cfg := range map[string]sipconnect.HandlerConfig{
		"room": {Room: sipconnect.RoomFunc(func(context.Context, sipconnect.Call) (string, error) { panic("room bug") })},
		"identity": {Room: sipconnect.StaticRoom("abc-defg-hij"),
			Identity: func(context.Context, sipconnect.Call) (sipconnect.Identity, error) { panic("identity bug") }},
	} {
		t.Run(name, func(t *testing.T) {
			d := newDialIn(t, cfg)
			status, body := d.signedPost(t, "/hooks/voice", callForm())
			assert.Equal(t, http.StatusOK, status)
			assert.Contains(t, body, sipconnect.FallbackText)
			assert.Contains(t, d.logs.String(), `"stage":"`+name+`","error":"panic: `+name+` bug"`)
		})
	}
}

// TestDialStatusCallbackIsNoCall: sipconnect.calls counts the webhooks of
// calls (docs/metrics.md); a forged or malformed dial status callback is
// refused without being counted as one.
func TestDialStatusCallbackIsNoCall(t *testing.T) {
	o := apisurface.NewObserved()
	d := newDialIn(t, sipconnect.HandlerConfig{Room: sipconnect.StaticRoom("abc-defg-hij"), MeterProvider: o.MP})
	status, _ := d.post(t, "/hooks/dial-status", callForm("DialCallStatus", "completed"), "forged")
	require.Equal(t, http.StatusForbidden, status)
	req, err := http.NewRequest(http.MethodPut, d.srv.URL+"/hooks/dial-status-any", nil)
	require.NoError(t, err)
	status, _ = d.do(t, req)
	require.Equal(t, http.StatusMethodNotAllowed, status)
	assert.Empty(t, o.Counts(t, "sipconnect.calls"))

	status, _ = d.post(t, "/hooks/voice", callForm(), "forged")
	require.Equal(t, http.StatusForbidden, status)
	assert.Equal(t, map[string]int64{"carrier=twilio,outcome=rejected_signature": 1}, o.Counts(t, "sipconnect.calls"),
		"a call's webhook is counted")
}

// TestPINStepOutOfRangeIsCounted: a signed PIN step whose attempt the
// menu never asks is answered 400 and counted as a bad request.
func TestPINStepOutOfRangeIsCounted(t *testing.T) {
	o := apisurface.NewObserved()
	resolver := pins.ResolverFunc(func(context.Context, string, sipconnect.Call) (pins.Target, error) {
		return pins.Target{}, pins.ErrUnknown
	})
	h, err := sipconnect.NewHandler(sipconnect.HandlerConfig{InsecureSkipSignature: true, PublicURL: "http://voice.example.com",
		PIN: &pins.Config{Resolver: resolver, Path: "/pin"}, MeterProvider: o.MP, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	for _, attempt := range []string{"99", "0", "x"} {
		req := httptest.NewRequest(http.MethodPost, "http://voice.example.com/pin?"+url.Values{"attempt": {attempt}, "nonce": {"n"}}.Encode(),
			strings.NewReader(callForm("Digits", "1").Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.PINHandler().ServeHTTP(rec, req)
		assert.Equal(t, http.StatusBadRequest, rec.Code, attempt)
	}
	assert.Equal(t, map[string]int64{"carrier=twilio,outcome=bad_request": 3}, o.Counts(t, "sipconnect.calls"))
}

// stuckRecorder is a CallRecorder whose RecordCall ignores its context.
type stuckRecorder struct{ stuck chan struct{} }

func (s stuckRecorder) RecordCall(context.Context, string, sipconnect.Call) (bool, error) {
	<-s.stuck
	return false, nil
}
func (stuckRecorder) CallAnswered(context.Context, sipconnect.CallAnswer)      {}
func (stuckRecorder) DialEnded(context.Context, string, sipconnect.DialStatus) {}

// TestHandlerTimeoutBoundsEveryCallback: a CallRecorder or an OnDialStatus
// that ignores its context is abandoned at the handler's Timeout too, and
// the carrier gets its answer.
func TestHandlerTimeoutBoundsEveryCallback(t *testing.T) {
	for name, c := range map[string]struct {
		cfg  func(stuck chan struct{}) sipconnect.HandlerConfig
		path string
	}{
		"RecordCall": {func(stuck chan struct{}) sipconnect.HandlerConfig {
			return sipconnect.HandlerConfig{Room: sipconnect.StaticRoom("abc-defg-hij"), Roster: stuckRecorder{stuck}}
		}, "/hooks/voice"},
		"OnDialStatus": {func(stuck chan struct{}) sipconnect.HandlerConfig {
			return sipconnect.HandlerConfig{Room: sipconnect.StaticRoom("abc-defg-hij"),
				OnDialStatus: func(context.Context, sipconnect.DialStatus) { <-stuck }}
		}, "/hooks/dial-status"},
	} {
		t.Run(name, func(t *testing.T) {
			stuck := make(chan struct{})
			cfg := c.cfg(stuck)
			cfg.Timeout = 20 * time.Millisecond
			d := newDialIn(t, cfg)
			t.Cleanup(func() { close(stuck) }) // before the server's Close
			answered := make(chan int, 1)
			go func() {
				status, _ := d.signedPost(t, c.path, callForm("DialCallStatus", "failed"))
				answered <- status
			}()
			select {
			case status := <-answered:
				assert.Equal(t, http.StatusOK, status)
			case <-time.After(time.Minute):
				t.Fatal("no answer while the callback is stuck")
			}
			assert.Contains(t, d.logs.String(), "no answer in time")
		})
	}
}

// TestHandlerBoundsAbandonedCallbacks: callbacks abandoned at the Timeout
// run on, but no more than webhook.MaxCallbacks (1,024) of them: past
// that a call hears the fallback at once, and a hung dependency costs a
// bounded number of goroutines, not one per call.
func TestHandlerBoundsAbandonedCallbacks(t *testing.T) {
	stuck := make(chan struct{})
	logs := &syncBuffer{}
	h, err := sipconnect.NewHandler(sipconnect.HandlerConfig{InsecureSkipSignature: true, Timeout: time.Millisecond,
		Logger: slog.New(slog.NewJSONHandler(logs, nil)),
		Room: sipconnect.RoomFunc(func(context.Context, sipconnect.Call) (string, error) {
			<-stuck
			return "abc-defg-hij", nil
		})})
	require.NoError(t, err)
	defer close(stuck)
	const calls = 1100
	for range calls {
		rec := postForm(h, callForm())
		require.Equal(t, http.StatusOK, rec.Code)
		require.Contains(t, rec.Body.String(), sipconnect.FallbackText)
	}
	// None of the 1,024 started has returned, so each call past them is
	// refused a callback of its own.
	assert.Equal(t, calls-1024, strings.Count(logs.String(), "too many callbacks still running"))
}

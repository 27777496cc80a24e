package sipconnect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/hmssip/interconnect-go/internal/webhook"
	"github.com/hmssip/interconnect-go/twiml"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// HandlerConfig configures a Handler; zero fields take their defaults.
type HandlerConfig struct {
	Carrier               Carrier // Twilio when nil, or a carrier package's NewCarrier
	AuthToken             string  // Twilio's, when Carrier is nil (else empty)
	PublicURL             string  // the base URL the carrier calls and signs: "https://voice.example.com"
	InsecureSkipSignature bool    // signature checks off, for experiments only

	Room           Room             // StaticRoom, CachedRoom or a RoomFunc; required without PIN or Numbers
	PIN            PINMenu          // a *pins.Config: the PIN menu; mount PINHandler at its Path
	Numbers        map[string]Route // by the number called (E.164); other numbers go to Room, else the fallback
	Identity       IdentityFunc     // the caller's name and user id; by default none (100ms shows the masked number)
	Credentials    Credentials      // the workspace's SIP username and password
	AddressOptions []AddressOption  // for every address: WithHost, WithTransport
	// Roster, a *roster.Roster, is told of each bridged call under the
	// user id its address carries (CallUserID when the identity sets none).
	Roster       CallRecorder
	OnDialStatus func(ctx context.Context, status DialStatus) // told of every dial's outcome

	Timeout      time.Duration // bounds your callbacks, even those that ignore ctx (at most 1,024 run on); 5s by default
	MaxBodyBytes int64         // bounds the webhook body (else 413); 64 KiB by default
	Logger       *slog.Logger  // one line per call, no secret or full number; slog.Default() if nil
	// Metrics and spans (docs/metrics.md); otel's global providers if nil.
	MeterProvider  metric.MeterProvider
	TracerProvider trace.TracerProvider
}

// A CallRecorder, such as *roster.Roster, keeps the calls the handler
// answers: RecordCall ties one to its address's user id (queued: written
// later); CallAnswered and DialEnded add to its record.
type CallRecorder interface {
	RecordCall(ctx context.Context, userID string, call Call) (queued bool, err error)
	CallAnswered(ctx context.Context, a CallAnswer)
	DialEnded(ctx context.Context, carrier string, s DialStatus)
}

// CallAnswer is how the handler answered one webhook of a call: Outcome
// (docs/metrics.md), a fallback's Reason, RoomBy (room, number or pin).
type CallAnswer struct {
	Call                             Call
	Carrier, Outcome, Reason, RoomBy string
	Received, Answered               time.Time
}

// defaultFallback is Twilio's answer when a call cannot be bridged and
// TwilioConfig.Fallback is empty: FallbackText, then a hang-up.
func defaultFallback() twiml.Response {
	return twiml.Response{&twiml.Say{Text: FallbackText}, &twiml.Hangup{}}
}

// defaultDialFailed is Twilio's answer to a failed dial when
// TwilioConfig.DialFailed is empty: DialFailedText, then a hang-up.
func defaultDialFailed() twiml.Response {
	return twiml.Response{&twiml.Say{Text: DialFailedText}, &twiml.Hangup{}}
}

// Handler answers the carrier's incoming-call webhook (POST or GET) with
// the document that bridges the caller into a room, or the fallback, never
// a server error; 403 to a bad signature, 405 and 413 to bad requests.
type Handler struct {
	carrier      Adapter
	tel          *telemetry
	carrierTitle string // the carrier's name as written, "Twilio"
	room         Room
	numbers      map[string]Route
	pin          PINSession
	publicURL    string
	roster       CallRecorder
	identity     IdentityFunc
	addrOpts     []AddressOption
	fallback     []byte
	dialFailed   []byte
	hangup       []byte
	bufs         sync.Pool // *[]byte buffers for answers
	callbacks    webhook.Callbacks
	onStatus     func(context.Context, DialStatus)
	timeout      time.Duration
	maxBody      int64
	logger       *slog.Logger
}

// NewHandler checks cfg and returns a Handler.
func NewHandler(cfg HandlerConfig) (*Handler, error) {
	h := &Handler{
		room:     cfg.Room,
		identity: cfg.Identity,
		addrOpts: cfg.AddressOptions,
		onStatus: cfg.OnDialStatus,
		roster:   cfg.Roster,
		timeout:  cfg.Timeout,
		maxBody:  cfg.MaxBodyBytes,
		logger:   cfg.Logger,
	}
	if f, ok := h.room.(RoomFunc); ok && f == nil {
		h.room = nil
	}
	if isNil(h.roster) {
		h.roster = nil
	}
	if isNil(cfg.PIN) {
		cfg.PIN = nil
	}
	if h.room == nil && cfg.PIN == nil && len(cfg.Numbers) == 0 {
		return nil, errors.New("sipconnect: HandlerConfig.Room is required (StaticRoom, CachedRoom or your own RoomFunc), unless PIN or Numbers is set")
	}
	if cfg.Credentials.Username != "" && cfg.Credentials.Password == "" {
		return nil, &ConfigError{Field: "HandlerConfig.Credentials.Password",
			Reason: "a username is set without a password: set the SIP password from the Developer section of the 100ms dashboard, or leave both empty"}
	}
	if h.timeout <= 0 {
		h.timeout = 5 * time.Second
	}
	if h.maxBody <= 0 {
		h.maxBody = twiml.DefaultMaxBodyBytes
	}
	if h.logger == nil {
		h.logger = slog.Default()
	}
	// A static room whose code can never work is refused now, with the
	// error NewAddress gives, rather than answered with the fallback on
	// every call.
	if err := checkStatic(h.room, h.addrOpts); err != nil {
		return nil, err
	}
	if err := h.setRoutes(cfg); err != nil {
		return nil, err
	}
	carrier := cfg.Carrier
	switch {
	case carrier == nil:
		carrier = Twilio(TwilioConfig{AuthToken: cfg.AuthToken})
	case cfg.AuthToken != "":
		return nil, &ConfigError{Field: "HandlerConfig.AuthToken",
			Reason: "Twilio's shorthand, which cannot go with a Carrier: give the carrier its key in its own configuration"}
	}
	var err error
	h.carrier, err = carrier.Adapter(CarrierSettings{PublicURL: cfg.PublicURL, Credentials: cfg.Credentials,
		InsecureSkipSignature: cfg.InsecureSkipSignature, MaxBodyBytes: h.maxBody})
	if err != nil {
		return nil, err
	}
	h.carrierTitle = carrier.Name()
	if h.tel, err = newTelemetry(cfg.MeterProvider, cfg.TracerProvider, h.carrierTitle); err != nil {
		return nil, err
	}
	if h.fallback, err = h.carrier.Fallback(); err != nil {
		return nil, err
	}
	if h.dialFailed, err = h.carrier.DialFailed(); err != nil {
		return nil, err
	}
	if h.hangup, err = h.carrier.Hangup(); err != nil {
		return nil, err
	}
	h.bufs.New = func() any { b := make([]byte, 0, 1024); return &b }
	if cfg.PIN != nil {
		h.publicURL = cfg.PublicURL
		if h.pin, err = cfg.PIN.AttachPIN(pinHost{h}); err != nil {
			return nil, err
		}
	}
	return h, nil
}

func render(r, def twiml.Response) ([]byte, error) {
	if len(r) == 0 {
		r = def
	}
	return r.AppendXML(nil)
}

// ServeHTTP answers the incoming-call webhook.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ctx, span := h.tel.start(r, "sipconnect.call")
	defer span.End()
	defer h.tel.answered(ctx, start)
	params, ok := h.accept(ctx, w, r, h.tel)
	if !ok {
		return
	}
	call := h.carrier.Call(params)
	ctx, release := context.WithTimeout(ctx, h.timeout)
	defer release()
	room, by, pin, known := h.route(call)
	switch {
	case pin:
		h.pin.Prompt(ctx, w, call, start)
		return
	case !known:
		h.logCall(ctx, slog.LevelWarn, "sipconnect: call not bridged, answering the fallback", call, start,
			slog.String("outcome", "fallback"), slog.String("stage", "route"), slog.String("error", "no route for the number called"),
			slog.String("to", MaskNumber(call.To)))
		h.observe(ctx, call, start, outcomeFallback, "route", by)
		h.write(w, h.fallback)
		return
	}
	h.bridge(ctx, w, call, start, room, nil, by)
}

// bridge answers the dial-in to room for call, or the fallback when the
// address cannot be decided. id, when not nil, is the identity a PIN gave,
// used instead of the IdentityFunc; by says how the room was chosen.
func (h *Handler) bridge(ctx context.Context, w http.ResponseWriter, call Call, start time.Time, room Room, id *Identity, by string) {
	addr, stage, err := h.address(ctx, call, room, id)
	if err != nil {
		h.logCall(ctx, slog.LevelWarn, "sipconnect: call not bridged, answering the fallback", call, start,
			slog.String("outcome", "fallback"), slog.String("stage", stage), slog.String("error", err.Error()))
		h.observe(ctx, call, start, outcomeFallback, stage, by)
		h.write(w, h.fallback)
		return
	}
	if h.roster != nil && addr.UserID() != "" {
		// At most the roster's Timeout; a record the store did not take is
		// written again in the background, after the caller is answered.
		userID := addr.UserID()
		queued, err := webhook.InTime(ctx, &h.callbacks, func(ctx context.Context, c Call) (bool, error) {
			return h.roster.RecordCall(ctx, userID, c)
		}, call)
		if err != nil {
			msg := "sipconnect: the roster could not record the call; bridging it all the same"
			if queued {
				msg = "sipconnect: the roster will record the call when the store answers; bridging it now"
			}
			h.logCall(ctx, slog.LevelWarn, msg, call, start, slog.String("error", err.Error()))
		}
	}
	bp := h.bufs.Get().(*[]byte)
	defer h.bufs.Put(bp)
	buf, err := h.carrier.AppendDial((*bp)[:0], addr)
	*bp = buf
	if err != nil {
		h.logCall(ctx, slog.LevelError, "sipconnect: rendering the dial-in failed, answering the fallback", call, start,
			slog.String("outcome", "fallback"), slog.String("stage", "render"), slog.String("error", err.Error()))
		h.observe(ctx, call, start, outcomeFallback, "render", by)
		h.write(w, h.fallback)
		return
	}
	if h.logger.Enabled(ctx, slog.LevelInfo) {
		h.logCall(ctx, slog.LevelInfo, "sipconnect: bridging call", call, start, slog.String("outcome", "dial"),
			slog.String("room_code", addr.RoomCode()), slog.Bool("display_name", addr.DisplayName() != ""),
			slog.String("room_by", by))
	}
	outcome := outcomeBridged
	if by == "pin" {
		outcome = outcomePINOK
	}
	h.observe(ctx, call, start, outcome, "", by)
	h.write(w, buf)
}

// observe counts how a call's webhook was answered and tells the roster.
func (h *Handler) observe(ctx context.Context, call Call, start time.Time, outcome, reason, by string) {
	h.tel.count(ctx, outcome, reason)
	if h.roster != nil {
		tell(ctx, h, "CallRecorder.CallAnswered", h.roster.CallAnswered, CallAnswer{Call: call, Carrier: h.carrierTitle,
			Outcome: outcome, Reason: reason, RoomBy: by, Received: start, Answered: time.Now()})
	}
}

// tell tells the application's code f of a within ctx (webhook.InTime),
// logging a panic in f or its taking too long, which the carrier does not
// wait for.
func tell[A any](ctx context.Context, h *Handler, what string, f func(context.Context, A), a A) {
	_, err := webhook.InTime(ctx, &h.callbacks, func(ctx context.Context, a A) (struct{}, error) { f(ctx, a); return struct{}{}, nil }, a)
	if err != nil {
		h.logger.LogAttrs(ctx, slog.LevelError, "sipconnect: a callback failed", slog.String("callback", what), slog.String("error", err.Error()))
	}
}

// logCall logs one line about a call: its SID, the caller's number masked,
// the time taken and attrs.
func (h *Handler) logCall(ctx context.Context, level slog.Level, msg string, call Call, start time.Time, attrs ...slog.Attr) {
	if !h.logger.Enabled(ctx, level) {
		return
	}
	attrs = append(attrs, slog.String("call_sid", call.CallSid), slog.String("from", MaskNumber(call.From)),
		slog.Duration("took", time.Since(start)))
	h.logger.LogAttrs(ctx, level, msg, attrs...)
}

// accept checks the method, the body size and the signature, answering
// the request itself when it fails, and counting the failure among the
// calls' answers with tel (nil for the dial status callback: no call). On
// success it returns the webhook's parameters: the form body of a POST,
// the query of a GET.
func (h *Handler) accept(ctx context.Context, w http.ResponseWriter, r *http.Request, tel *telemetry) (url.Values, bool) {
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		tel.count(ctx, outcomeBadRequest, "")
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return nil, false
	}
	params, status, err := h.carrier.Verify(w, r)
	if err != nil {
		if status == http.StatusForbidden {
			tel.count(ctx, outcomeRejectedSignature, "")
			h.logger.LogAttrs(r.Context(), slog.LevelWarn, "sipconnect: rejected a request without a valid "+h.carrierTitle+" signature",
				slog.String("path", r.URL.Path), slog.String("error", err.Error()))
		} else {
			tel.count(ctx, outcomeBadRequest, "")
		}
		http.Error(w, http.StatusText(status), status)
		return nil, false
	}
	return params, true
}

// address decides the call's address. On failure it names the stage that
// failed. A panicking RoomFunc or IdentityFunc is turned into an error.
func (h *Handler) address(ctx context.Context, call Call, room Room, given *Identity) (addr Address, stage string, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	stage = "room"
	var code string
	switch room.(type) {
	case staticRoom, cachedRoom: // they end with ctx
		code, err = room.RoomCode(ctx, call)
	default:
		code, err = webhook.InTime(ctx, &h.callbacks, room.RoomCode, call)
	}
	if err != nil {
		return Address{}, stage, err
	}
	stage = "identity"
	var id Identity
	switch {
	case given != nil:
		id = *given
	case h.identity != nil:
		if id, err = webhook.InTime(ctx, &h.callbacks, h.identity, call); err != nil {
			return Address{}, stage, err
		}
	}
	if h.roster != nil && id.UserID == "" && call.CallSid != "" {
		id.UserID = CallUserID(call.CallSid)
	}
	stage = "address"
	var optsArr [8]AddressOption
	opts := append(optsArr[:0], h.addrOpts...)
	base := len(opts)
	opts = append(opts, WithDisplayName(id.DisplayName), WithUserID(id.UserID))
	for _, f := range id.Headers {
		opts = append(opts, WithHeader(f.Name, f.Value))
	}
	addr, err = NewAddress(code, opts...)
	var se *Error
	if err != nil && errors.As(err, &se) && se.Field != "room code" && se.Field != "host" && se.Field != "transport" {
		// The identity cannot be sent as it is: bridge the caller without
		// it rather than turn them away.
		h.logger.LogAttrs(ctx, slog.LevelWarn, "sipconnect: caller identity rejected, bridging without it",
			slog.String("call_sid", call.CallSid), slog.String("error", err.Error()))
		addr, err = NewAddress(code, opts[:base]...)
	}
	return addr, stage, err
}

// StatusHandler returns the handler of the dial's status callback: it tells
// OnDialStatus and answers a failed dial with the carrier's DialFailed.
func (h *Handler) StatusHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		params, ok := h.accept(r.Context(), w, r, nil)
		if !ok {
			return
		}
		st := h.carrier.DialStatus(params)
		ctx, release := context.WithTimeout(r.Context(), h.timeout)
		defer release()
		if h.roster != nil {
			tell(ctx, h, "CallRecorder.DialEnded", func(ctx context.Context, st DialStatus) { h.roster.DialEnded(ctx, h.carrierTitle, st) }, st)
		}
		h.logger.LogAttrs(r.Context(), slog.LevelInfo, "sipconnect: dial ended",
			slog.String("call_sid", st.CallSid), slog.String("dial_status", st.DialCallStatus),
			slog.String("sip_response", st.DialSipResponseCode), slog.String("duration", st.DialCallDuration))
		if h.onStatus != nil {
			tell(ctx, h, "OnDialStatus", h.onStatus, st)
		}
		if st.Failed() {
			h.write(w, h.dialFailed)
			return
		}
		h.write(w, h.hangup)
	})
}

// write sends an answer with status 200.
func (h *Handler) write(w http.ResponseWriter, doc []byte) {
	w.Header().Set("Content-Type", h.carrier.ContentType())
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(doc)
}

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

	"github.com/hmssip/interconnect-go/twiml"
)

// HandlerConfig configures a Handler. Room is required; so is AuthToken
// unless InsecureSkipSignature is set.
type HandlerConfig struct {
	// Carrier is the telephony provider whose webhooks the handler
	// answers: Twilio (the default, when nil) or another carrier's
	// NewCarrier, such as telnyx.NewCarrier. Each takes its keys and
	// documents' attributes in its own configuration.
	Carrier Carrier
	// AuthToken is the Twilio account's auth token, used to check
	// X-Twilio-Signature when Carrier is nil: the shorthand for
	// Carrier: Twilio(TwilioConfig{AuthToken: ...}). It must be empty when
	// Carrier is set.
	AuthToken string
	// PublicURL is the scheme, host and any path prefix under which the
	// carrier reaches this server, such as "https://voice.example.com":
	// carriers sign the URL they requested, which a server behind a proxy
	// cannot see.
	PublicURL string
	// InsecureSkipSignature turns signature checking off, for local
	// experiments only: anyone could then make the handler answer.
	InsecureSkipSignature bool

	// Room decides the room of each call: StaticRoom, CachedRoom or a
	// RoomFunc of your own. It is required unless PIN or Numbers is set;
	// with them it is the room of calls to a number Numbers does not list.
	Room Room
	// PIN, when set, makes the handler ask callers for a meeting PIN that
	// decides their room: a *pins.Config (package pins); mount PINHandler at
	// its Path. Without Numbers, every call gets the PIN menu unless Room
	// is set.
	PIN PINMenu
	// Numbers routes calls by the number called (the webhook's To, in
	// E.164) to a room, to the PIN menu, or to the fallback, so that one
	// server answers many numbers. A number it does not list goes to Room
	// if set, else to the fallback.
	Numbers map[string]Route
	// Identity decides the caller's display name and user id. By default
	// the caller gets none, and 100ms shows its masked number.
	Identity IdentityFunc
	// Credentials are the workspace's SIP username and password.
	Credentials Credentials
	// AddressOptions apply to every address, such as WithHost or
	// WithTransport.
	AddressOptions []AddressOption
	// Roster, when set, keeps the phone participants of rooms: the handler
	// records each bridged call's id and masked number under the user id
	// its address carries, and gives a call whose identity sets no user id
	// one derived from its call id (CallUserID), never from its number, so
	// that 100ms's join webhook can be tied to the call. A store that does
	// not answer within the roster's Timeout is logged and the caller
	// bridged all the same; the record is written again in the background
	// (roster.Config.RetryQueue). Close the roster when the server stops.
	Roster CallRecorder
	// OnDialStatus, if set, is told the outcome of every dial.
	OnDialStatus func(ctx context.Context, status DialStatus)

	// Timeout bounds deciding the room and identity, 5 seconds by default
	// (Twilio gives a webhook 15 seconds).
	Timeout time.Duration
	// MaxBodyBytes bounds the webhook body, 64 KiB by default; larger
	// requests get 413.
	MaxBodyBytes int64
	// Logger receives one line per call, slog.Default() if nil: the room
	// code of a bridged call, or why a call got the fallback. Lines carry
	// the call SID and the caller's masked number, never a credential or a
	// full phone number. To silence the handler, pass a logger whose
	// handler is slog.DiscardHandler.
	Logger *slog.Logger
}

// A CallRecorder records the calls the handler bridges, so that 100ms's
// join webhook can be tied to the call: the roster is one. RecordCall is
// given the user id the call's address carries; queued reports that a
// record the store did not take will be written in the background.
type CallRecorder interface {
	RecordCall(ctx context.Context, userID string, call Call) (queued bool, err error)
}

// DefaultFallback is Twilio's answer when a call cannot be bridged and
// TwilioConfig.Fallback is empty: FallbackText, then a hang-up.
func DefaultFallback() twiml.Response {
	return twiml.Response{&twiml.Say{Text: FallbackText}, &twiml.Hangup{}}
}

// DefaultDialFailed is Twilio's answer to a failed dial when
// TwilioConfig.DialFailed is empty: DialFailedText, then a hang-up.
func DefaultDialFailed() twiml.Response {
	return twiml.Response{&twiml.Say{Text: DialFailedText}, &twiml.Hangup{}}
}

// Handler answers Twilio's incoming-call webhook with the TwiML that puts
// the caller into a 100ms room, and never with a server error: when the
// room cannot be decided it answers the fallback with status 200. Twilio
// numbers can be set to call webhooks by POST or by GET: both are accepted
// and verified. It answers 403 to a missing or wrong signature, 405 to
// another method and 413 to a body over the limit. A Handler is safe for
// concurrent use; make one with NewHandler.
type Handler struct {
	carrier      Adapter
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
	params, ok := h.accept(w, r)
	if !ok {
		return
	}
	call := h.carrier.Call(params)
	ctx, release := context.WithTimeout(r.Context(), h.timeout)
	defer release()
	start := time.Now()
	room, pin, known := h.route(call)
	switch {
	case pin:
		h.pin.Prompt(ctx, w, call, start)
		return
	case !known:
		h.logCall(ctx, slog.LevelWarn, "sipconnect: call not bridged, answering the fallback", call, start,
			slog.String("outcome", "fallback"), slog.String("stage", "route"), slog.String("error", "no route for the number called"),
			slog.String("to", MaskNumber(call.To)))
		h.write(w, h.fallback)
		return
	}
	h.bridge(ctx, w, call, start, room, nil)
}

// bridge answers the dial-in to room for call, or the fallback when the
// address cannot be decided. id, when not nil, is the identity a PIN gave,
// used instead of the IdentityFunc.
func (h *Handler) bridge(ctx context.Context, w http.ResponseWriter, call Call, start time.Time, room Room, id *Identity) {
	addr, stage, err := h.address(ctx, call, room, id)
	if err != nil {
		h.logCall(ctx, slog.LevelWarn, "sipconnect: call not bridged, answering the fallback", call, start,
			slog.String("outcome", "fallback"), slog.String("stage", stage), slog.String("error", err.Error()))
		h.write(w, h.fallback)
		return
	}
	if h.roster != nil && addr.UserID() != "" {
		// At most the roster's Timeout; a record the store did not take is
		// written again in the background, after the caller is answered.
		if queued, err := h.roster.RecordCall(ctx, addr.UserID(), call); err != nil {
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
		h.write(w, h.fallback)
		return
	}
	if h.logger.Enabled(ctx, slog.LevelInfo) {
		h.logCall(ctx, slog.LevelInfo, "sipconnect: bridging call", call, start, slog.String("outcome", "dial"),
			slog.String("room_code", addr.RoomCode()), slog.Bool("display_name", addr.DisplayName() != ""))
	}
	h.write(w, buf)
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
// the request itself when it fails. On success it returns the webhook's
// parameters: the form body of a POST, the query of a GET.
func (h *Handler) accept(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return nil, false
	}
	params, status, err := h.carrier.Verify(w, r)
	if err != nil {
		if status == http.StatusForbidden {
			h.logger.LogAttrs(r.Context(), slog.LevelWarn, "sipconnect: rejected a request without a valid "+h.carrierTitle+" signature",
				slog.String("path", r.URL.Path), slog.String("error", err.Error()))
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
	code, err := room.RoomCode(ctx, call)
	if err != nil {
		return Address{}, stage, err
	}
	stage = "identity"
	var id Identity
	switch {
	case given != nil:
		id = *given
	case h.identity != nil:
		if id, err = h.identity(ctx, call); err != nil {
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

// StatusHandler returns the handler for the <Dial> action callback: it
// reports the outcome to OnDialStatus and answers a failed dial with
// DialFailed instead of silence, a finished one with <Hangup/>.
func (h *Handler) StatusHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		params, ok := h.accept(w, r)
		if !ok {
			return
		}
		st := h.carrier.DialStatus(params)
		h.logger.LogAttrs(r.Context(), slog.LevelInfo, "sipconnect: dial ended",
			slog.String("call_sid", st.CallSid), slog.String("dial_status", st.DialCallStatus),
			slog.String("sip_response", st.DialSipResponseCode), slog.String("duration", st.DialCallDuration))
		if h.onStatus != nil {
			func() {
				defer func() {
					if p := recover(); p != nil {
						h.logger.LogAttrs(r.Context(), slog.LevelError, "sipconnect: OnDialStatus panicked",
							slog.String("call_sid", st.CallSid), slog.String("panic", fmt.Sprint(p)))
					}
				}()
				h.onStatus(r.Context(), st)
			}()
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

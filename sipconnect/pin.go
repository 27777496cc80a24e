package sipconnect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hmssip/interconnect-go/roomcode"
	"github.com/hmssip/interconnect-go/store"
)

// PIN dial-in: one number, many rooms. The caller hears a greeting and is
// asked for a meeting PIN (<Gather>, ended with '#'); the digits come back
// to PINHandler, which bridges the caller to the room the PIN names, or
// says the PIN is wrong and asks again, up to MaxAttempts, then says
// goodbye and hangs up.
//
// The attempt number travels in the query of the <Gather> action URL. Twilio
// signs the full URL it requests, query included, together with every POST
// parameter (Digits among them), and the handler checks that signature
// before it reads either: a changed attempt counter, or a signed step sent
// again with other digits, fails with 403. The state needs no storage of
// its own. A step replayed exactly as signed is answered again (Twilio's
// scheme has no nonce), which gives no extra guess: its digits are the ones
// already tried. On carriers whose signature covers only the body (Telnyx,
// and Vonage with its own tag on the URL) see the carrier's notes; there
// the per-number lockout still bounds guessing.
//
// Every PIN entered is charged to the caller's number before it is looked
// up (an atomic increment in the store), so that parallel calls from one
// number cannot all pass the lockout check at once; a right PIN, or a
// lookup that fails on our side, gives its charge back. A store that cannot
// count makes the flow say "try again later": the lockout fails closed.
//
// Silence (no digits before the timeout) is asked again and counts as an
// attempt, so a caller who says nothing is not kept on the line for ever;
// it does not count towards the lockout, which counts wrong PINs only.

// Defaults of PINConfig.
const (
	DefaultPINPath        = "/twilio/pin"
	DefaultPINAttempts    = 3
	DefaultPINTimeout     = 6 * time.Second
	DefaultLockoutFails   = 10
	DefaultLockoutWindow  = time.Hour
	DefaultPINStoreTimout = 300 * time.Millisecond
	DefaultResolveTimeout = time.Second
)

// ErrUnknownPIN is returned by a PINResolver for a PIN that names no room.
var ErrUnknownPIN = errors.New("sipconnect: unknown PIN")

// PINTarget is where a PIN leads: a room code, or a room id and role whose
// enabled code PINConfig.Cache looks up, and optionally who the caller is
// ("host" and "guest" PINs of one meeting can lead to different roles and
// names).
type PINTarget struct {
	RoomCode string    `json:"room_code,omitempty"`
	RoomID   string    `json:"room_id,omitempty"`
	Role     string    `json:"role,omitempty"`
	Identity *Identity `json:"identity,omitempty"`
}

// PINResolver turns the digits a caller entered into a target. It returns
// an error wrapping ErrUnknownPIN when the PIN names nothing; any other error
// is a failure to look it up (the caller is told to try again later). It
// must be safe for concurrent use. PINDirectory implements it; so can your
// own database.
type PINResolver interface {
	ResolvePIN(ctx context.Context, pin string, call Call) (PINTarget, error)
}

// PINResolverFunc adapts a function to PINResolver.
type PINResolverFunc func(ctx context.Context, pin string, call Call) (PINTarget, error)

// ResolvePIN calls f.
func (f PINResolverFunc) ResolvePIN(ctx context.Context, pin string, call Call) (PINTarget, error) {
	return f(ctx, pin, call)
}

// Prompt is something the caller hears: Text spoken with Voice and Language
// (Twilio's <Say>), or the audio at AudioURL (<Play>) when it is set.
type Prompt struct {
	Text     string
	Voice    string // such as "Polly.Joanna"; empty: Twilio's default
	Language string // such as "en-US"; empty: Twilio's default
	AudioURL string
}

// PINPrompts are what the PIN flow says. Empty prompts take the defaults of
// DefaultPINPrompts.
type PINPrompts struct {
	Welcome   Prompt // once, when the call arrives
	EnterPIN  Prompt // before each attempt
	WrongPIN  Prompt // after a PIN that names no room
	NoInput   Prompt // after silence
	Goodbye   Prompt // after the last attempt, before hanging up
	LockedOut Prompt // to a number locked out for too many wrong PINs
	TryLater  Prompt // when the PIN cannot be looked up now
}

// DefaultPINPrompts returns the flow's default prompts: short, polite
// English.
func DefaultPINPrompts() PINPrompts {
	return PINPrompts{
		Welcome:   Prompt{Text: "Welcome."},
		EnterPIN:  Prompt{Text: "Please enter your meeting PIN, then press pound."},
		WrongPIN:  Prompt{Text: "Sorry, that PIN is not valid."},
		NoInput:   Prompt{Text: "We did not receive a PIN."},
		Goodbye:   Prompt{Text: "Sorry, we could not find your meeting. Goodbye."},
		LockedOut: Prompt{Text: "Too many incorrect PINs were entered from this number. Please try again later. Goodbye."},
		TryLater:  Prompt{Text: "Sorry, we cannot check your PIN right now. Please try again later. Goodbye."},
	}
}

// PINConfig configures the PIN flow of a Handler.
type PINConfig struct {
	// Resolver turns PINs into rooms: a *PINDirectory or your own. Required.
	Resolver PINResolver
	// Cache looks up the room code of targets given as a room id and role.
	// Required when the resolver returns such targets.
	Cache *roomcode.Cache
	// Path is where PINHandler is mounted, below HandlerConfig.PublicURL:
	// the <Gather> action is PublicURL + Path + "?attempt=N".
	// DefaultPINPath by default.
	Path string
	// MaxAttempts is how many PINs (or silences) a caller may try in one
	// call, DefaultPINAttempts by default.
	MaxAttempts int
	// Timeout is the silence, before the first digit and between digits,
	// after which the prompt is given again, DefaultPINTimeout by default.
	Timeout time.Duration
	// MaxDigits, when set, is the <Gather> numDigits: Twilio ends the
	// input after that many digits, without waiting for '#'. At most 64;
	// 0 leaves the attribute out. Input longer than MaxDigits (32 when 0)
	// is a wrong PIN and is not looked up.
	MaxDigits int
	// Prompts are what the caller hears.
	Prompts PINPrompts

	// Store counts wrong PINs per caller number across calls, shared by
	// every instance of your server when it is shared (Redis). By default a
	// store in this process's memory.
	Store store.Store
	// LockoutFailures is how many wrong PINs from one number within
	// LockoutWindow lock that number out until the window ends:
	// DefaultLockoutFails and DefaultLockoutWindow by default. A locked-out
	// caller hears LockedOut and is hung up without a PIN lookup. Callers
	// without a number (anonymous) share one count.
	LockoutFailures int
	LockoutWindow   time.Duration
	// StoreTimeout bounds each store call on the call path,
	// DefaultPINStoreTimout by default: a store that does not answer
	// never keeps a caller waiting.
	StoreTimeout time.Duration
	// ResolveTimeout bounds each call of Resolver, DefaultResolveTimeout by
	// default; a resolver that does not answer in time makes the flow say
	// "try again later".
	ResolveTimeout time.Duration
}

// pinFlow is a PINConfig checked and with its answers rendered.
type pinFlow struct {
	cfg       PINConfig
	action    string // PublicURL + Path
	answers   map[string][]byte
	maxDigits int
}

// The answers that do not depend on the attempt.
const (
	answerGoodbye = "goodbye"
	answerLocked  = "locked"
	answerLater   = "later"
)

func newPINFlow(cfg PINConfig, publicURL string, carrier adapter) (*pinFlow, error) {
	if cfg.Resolver == nil {
		return nil, errors.New("sipconnect: PINConfig.Resolver is required")
	}
	if cfg.Path == "" {
		cfg.Path = DefaultPINPath
	}
	if !strings.HasPrefix(cfg.Path, "/") || strings.ContainsAny(cfg.Path, "?#") {
		return nil, fmt.Errorf("sipconnect: PINConfig.Path %q: want an absolute path without query", cfg.Path)
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultPINAttempts
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultPINTimeout
	}
	if cfg.Timeout%time.Second != 0 || cfg.Timeout > 600*time.Second {
		return nil, fmt.Errorf("sipconnect: PINConfig.Timeout %v: want whole seconds up to 10m", cfg.Timeout)
	}
	if cfg.MaxDigits < 0 || cfg.MaxDigits > 64 {
		return nil, fmt.Errorf("sipconnect: PINConfig.MaxDigits %d: want 0 to 64", cfg.MaxDigits)
	}
	if cfg.LockoutFailures <= 0 {
		cfg.LockoutFailures = DefaultLockoutFails
	}
	if cfg.LockoutWindow <= 0 {
		cfg.LockoutWindow = DefaultLockoutWindow
	}
	if cfg.StoreTimeout <= 0 {
		cfg.StoreTimeout = DefaultPINStoreTimout
	}
	if cfg.ResolveTimeout <= 0 {
		cfg.ResolveTimeout = DefaultResolveTimeout
	}
	if cfg.Store == nil {
		cfg.Store = store.NewMemory()
	}
	def := DefaultPINPrompts()
	for _, p := range []struct{ got, def *Prompt }{
		{&cfg.Prompts.Welcome, &def.Welcome}, {&cfg.Prompts.EnterPIN, &def.EnterPIN}, {&cfg.Prompts.WrongPIN, &def.WrongPIN},
		{&cfg.Prompts.NoInput, &def.NoInput}, {&cfg.Prompts.Goodbye, &def.Goodbye}, {&cfg.Prompts.LockedOut, &def.LockedOut},
		{&cfg.Prompts.TryLater, &def.TryLater},
	} {
		if *p.got == (Prompt{}) {
			*p.got = *p.def
		}
	}
	f := &pinFlow{cfg: cfg, action: strings.TrimSuffix(publicURL, "/") + cfg.Path, answers: map[string][]byte{}, maxDigits: cfg.MaxDigits}
	if f.maxDigits == 0 {
		f.maxDigits = 32
	}
	// Render every answer now: a prompt the carrier could not take is an
	// error when the handler is made, and a call costs no rendering.
	p := cfg.Prompts
	for name, prompts := range map[string][]Prompt{
		answerGoodbye: {p.Goodbye},
		answerLocked:  {p.LockedOut},
		answerLater:   {p.TryLater},
	} {
		doc, err := carrier.say(prompts...)
		if err != nil {
			return nil, fmt.Errorf("sipconnect: PINConfig.Prompts: %w", err)
		}
		f.answers[name] = doc
	}
	for attempt := 1; attempt <= cfg.MaxAttempts; attempt++ {
		action := f.action + "?attempt=" + strconv.Itoa(attempt)
		for lead, first := range map[string]Prompt{"welcome": p.Welcome, "wrong": p.WrongPIN, "silence": p.NoInput} {
			doc, err := carrier.gather([]Prompt{first, p.EnterPIN}, action, cfg.Timeout, cfg.MaxDigits)
			if err != nil {
				return nil, fmt.Errorf("sipconnect: PINConfig.Prompts: %w", err)
			}
			f.answers[lead+strconv.Itoa(attempt)] = doc
		}
	}
	return f, nil
}

// lockKey is the store key counting wrong PINs from a caller's number.
func lockKey(from string) string {
	if from == "" {
		from = "anonymous"
	}
	return "sipconnect:pin-failures:" + from
}

// failures returns how many wrong PINs the number has entered in the
// current window.
func (f *pinFlow) failures(ctx context.Context, from string) (int64, error) {
	ctx, cancel := f.storeContext(ctx)
	defer cancel()
	v, err := f.cfg.Store.Get(ctx, lockKey(from))
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("sipconnect: PIN failure count: %w", err)
	}
	return n, nil
}

// storeContext bounds one store call by StoreTimeout. It is detached from
// the request's end, which it outlives by StoreTimeout at most, and arms
// no timer for a store that does not wait on it (the one in memory).
func (f *pinFlow) storeContext(ctx context.Context) (context.Context, func()) {
	return withLazyDeadline(context.WithoutCancel(ctx), f.cfg.StoreTimeout)
}

// charge adds delta to the number's count of PINs entered and returns the
// new count: +1 before a lookup, -1 to give a charge back.
func (f *pinFlow) charge(ctx context.Context, from string, delta int64) (int64, error) {
	ctx, cancel := f.storeContext(ctx)
	defer cancel()
	return f.cfg.Store.IncrBy(ctx, lockKey(from), delta, f.cfg.LockoutWindow)
}

// refund gives a charge back; a failure is logged, and costs the caller
// one attempt of the window at most.
func (f *pinFlow) refund(ctx context.Context, h *Handler, call Call, start time.Time) {
	ctx = context.WithoutCancel(ctx)
	n, err := f.charge(ctx, call.From, -1)
	if err == nil && n < 0 {
		// The window ended during the lookup and the refund started a new
		// count below zero, which would grant extra guesses: put it back.
		_, err = f.charge(ctx, call.From, 1)
	}
	if err != nil {
		h.logCall(ctx, slog.LevelWarn, "sipconnect: giving a PIN charge back failed", call, start, slog.String("error", err.Error()))
	}
}

// prompt answers an incoming call routed to the PIN menu.
func (f *pinFlow) prompt(ctx context.Context, w http.ResponseWriter, h *Handler, call Call, start time.Time) {
	n, err := f.failures(ctx, call.From)
	switch {
	case err != nil:
		// The count cannot be read: asking for a PIN is still safe, since
		// each step checks again.
		h.logCall(ctx, slog.LevelWarn, "sipconnect: PIN failure count unavailable", call, start, slog.String("error", err.Error()))
	case n >= int64(f.cfg.LockoutFailures):
		h.logCall(ctx, slog.LevelWarn, "sipconnect: caller locked out of the PIN menu", call, start, slog.String("outcome", "locked"))
		h.write(w, f.answers[answerLocked])
		return
	}
	h.logCall(ctx, slog.LevelInfo, "sipconnect: asking for a PIN", call, start, slog.String("outcome", "pin-prompt"))
	h.write(w, f.answers["welcome1"])
}

// PINHandler returns the handler of the PIN step, to mount at
// PINConfig.Path (by POST and GET). It answers 404 when the handler has no
// PIN flow.
func (h *Handler) PINHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.pin == nil {
			http.NotFound(w, r)
			return
		}
		params, ok := h.accept(w, r)
		if !ok {
			return
		}
		q := r.URL.Query()
		attempt, err := strconv.Atoi(q.Get("attempt"))
		if err != nil || attempt < 1 {
			// The URL was signed, so only a misconfigured path gets here.
			http.Error(w, "bad PIN step", http.StatusBadRequest)
			return
		}
		call := h.carrier.call(params)
		ctx, release := withLazyDeadline(r.Context(), h.timeout)
		defer release()
		h.pin.step(ctx, w, h, call, attempt, time.Now())
	})
}

// step answers the digits of attempt number attempt.
func (f *pinFlow) step(ctx context.Context, w http.ResponseWriter, h *Handler, call Call, attempt int, start time.Time) {
	pin := call.Digits
	if pin == "" {
		// Silence costs no charge, but a locked-out number is not asked
		// again.
		n, err := f.failures(ctx, call.From)
		switch {
		case err != nil:
			h.logCall(ctx, slog.LevelWarn, "sipconnect: PIN failure count unavailable, asking the caller to try later", call, start,
				slog.String("outcome", "try-later"), slog.String("error", err.Error()))
			h.write(w, f.answers[answerLater])
		case n >= int64(f.cfg.LockoutFailures):
			h.logCall(ctx, slog.LevelWarn, "sipconnect: caller locked out of the PIN menu", call, start, slog.String("outcome", "locked"))
			h.write(w, f.answers[answerLocked])
		default:
			f.again(ctx, w, h, call, attempt, "silence", start)
		}
		return
	}
	// Charge the attempt before the lookup: parallel calls from one number
	// each see the count that includes the others.
	n, err := f.charge(ctx, call.From, 1)
	switch {
	case err != nil:
		h.logCall(ctx, slog.LevelWarn, "sipconnect: PIN attempts cannot be counted, asking the caller to try later", call, start,
			slog.String("outcome", "try-later"), slog.String("error", err.Error()))
		h.write(w, f.answers[answerLater])
		return
	case n > int64(f.cfg.LockoutFailures):
		h.logCall(ctx, slog.LevelWarn, "sipconnect: caller locked out of the PIN menu", call, start, slog.String("outcome", "locked"))
		h.write(w, f.answers[answerLocked])
		return
	}
	target, err := f.resolve(ctx, pin, call)
	switch {
	case err == nil:
		f.refund(ctx, h, call, start)
		room, rerr := f.room(target)
		if rerr != nil {
			h.logCall(ctx, slog.LevelWarn, "sipconnect: PIN target unusable, answering the fallback", call, start,
				slog.String("outcome", "fallback"), slog.String("stage", "pin"), slog.String("error", rerr.Error()))
			h.write(w, h.fallback)
			return
		}
		h.bridge(ctx, w, call, start, room, target.Identity)
	case errors.Is(err, ErrUnknownPIN):
		if n >= int64(f.cfg.LockoutFailures) {
			h.logCall(ctx, slog.LevelWarn, "sipconnect: wrong PIN; caller now locked out", call, start, slog.String("outcome", "locked"))
			h.write(w, f.answers[answerLocked])
			return
		}
		f.again(ctx, w, h, call, attempt, "wrong", start)
	default:
		f.refund(ctx, h, call, start)
		h.logCall(ctx, slog.LevelWarn, "sipconnect: PIN lookup failed, asking the caller to try later", call, start,
			slog.String("outcome", "try-later"), slog.String("error", err.Error()))
		h.write(w, f.answers[answerLater])
	}
}

// resolve calls the resolver, turning a panic into an error.
func (f *pinFlow) resolve(ctx context.Context, pin string, call Call) (t PINTarget, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("PIN resolver panicked: %v", p)
		}
	}()
	if len(pin) > f.maxDigits || strings.Trim(pin, "0123456789") != "" {
		return PINTarget{}, ErrUnknownPIN
	}
	ctx, cancel := withLazyDeadline(ctx, f.cfg.ResolveTimeout)
	defer cancel()
	return f.cfg.Resolver.ResolvePIN(ctx, pin, call)
}

// room turns a target into a Room.
func (f *pinFlow) room(t PINTarget) (Room, error) {
	switch {
	case t.RoomCode != "":
		return staticRoom(t.RoomCode), nil
	case t.RoomID != "" && t.Role != "" && f.cfg.Cache != nil:
		return CachedRoom(f.cfg.Cache, t.RoomID, t.Role), nil
	case t.RoomID != "":
		return nil, errors.New("a target by room id needs PINConfig.Cache")
	}
	return nil, errors.New("empty PIN target")
}

// again asks for the next attempt, or says goodbye after the last.
func (f *pinFlow) again(ctx context.Context, w http.ResponseWriter, h *Handler, call Call, attempt int, why string, start time.Time) {
	if attempt >= f.cfg.MaxAttempts {
		h.logCall(ctx, slog.LevelInfo, "sipconnect: no valid PIN, hanging up", call, start,
			slog.String("outcome", "pin-exhausted"), slog.String("last", why), slog.Int("attempt", attempt))
		h.write(w, f.answers[answerGoodbye])
		return
	}
	h.logCall(ctx, slog.LevelInfo, "sipconnect: asking for the PIN again", call, start,
		slog.String("outcome", "pin-"+why), slog.Int("attempt", attempt))
	h.write(w, f.answers[why+strconv.Itoa(attempt+1)])
}

package sipconnect

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hmssip/interconnect-go/internal/webhook"
	"github.com/hmssip/interconnect-go/roomcode"
	"github.com/hmssip/interconnect-go/store"
)

// PIN dial-in: one number, many rooms. The caller hears a greeting and is
// asked for a meeting PIN (<Gather>, ended with '#'); the digits come back
// to PINHandler, which bridges the caller to the room the PIN names, or
// says the PIN is wrong and asks again, up to MaxAttempts, then says
// goodbye and hangs up.
//
// The attempt number travels in the query of the <Gather> action URL,
// with a one-time step nonce: a random value the handler registers in the
// store, for that attempt, when it sends the URL, and takes back when the
// carrier requests it. Carriers that sign the URL (Twilio, SignalWire,
// Plivo) also fail a changed counter, or a signed step sent again with
// other digits, with 403; the nonce does the rest for every carrier: a
// step requested a second time, even exactly as signed, or for another
// attempt than the one it was issued for, gets 403 and costs nobody a
// guess. A nonce not used within PINConfig.StepTTL lapses.
//
// Guessing is bounded three ways, each counted in the store so that every
// instance sharing it shares the bounds:
//
//   - per caller number, normalised to E.164 first (spaces, dashes,
//     brackets, a tel: or sip: wrapper and a 00 prefix removed), so that
//     one number spelt seven ways is one count: LockoutFailures wrong PINs
//     in LockoutWindow lock that number out until the window ends;
//   - for callers who withhold their number (no number, a word such as
//     "anonymous", or the keypad spellings of ANONYMOUS, RESTRICTED,
//     UNAVAILABLE and BLOCKED that some carriers send), which cannot be
//     told apart: together at most WithheldFailures wrong PINs a minute,
//     after which they hear "try again later" for the rest of that minute,
//     never an hour-long lockout of every anonymous caller;
//   - for everyone together: at most WrongPINsPerMinute wrong PINs a
//     minute across the directory; past it callers hear "try again later"
//     until the minute ends, and the flow logs it with outcome
//     "pin-throttled". An attacker who varies the caller number meets
//     this bound. With 1,000 live PINs of 10 digits a guess hits one with
//     probability 1,000/10^10 = 10^-7, so finding one takes 10^7 wrong
//     PINs on average; at the default of 15 a minute that is 666,667
//     minutes, about 1.27 years, however fast the server answers. The
//     price is that a flood of wrong PINs makes honest callers try again
//     later: size the bound to your traffic and PIN length (each extra
//     digit allows ten times as many wrong PINs for the same year).
//
// Every PIN entered is charged to these counts before it is looked up (an
// atomic increment in the store), so that parallel calls cannot all pass
// a check at once; a right PIN, a lookup that fails on our side, or an
// attempt refused by the minute's bound gives its charges back. A store
// that cannot count makes the flow say "try again later": the bounds fail
// closed.
//
// Silence (no digits before the timeout) is asked again and counts as an
// attempt, so a caller who says nothing is not kept on the line for ever;
// it does not count towards the bounds, which count wrong PINs only.

// Defaults of PINConfig.
const (
	DefaultPINPath         = "/twilio/pin"
	DefaultPINAttempts     = 3
	DefaultPINTimeout      = 6 * time.Second
	DefaultLockoutFails    = 10
	DefaultLockoutWindow   = time.Hour
	DefaultPINStoreTimeout = 300 * time.Millisecond
	DefaultResolveTimeout  = time.Second
	// DefaultWrongPINsPerMinute bounds wrong PINs from all callers
	// together: with 1,000 live 10-digit PINs, finding one takes over a
	// year (see PINConfig.WrongPINsPerMinute).
	DefaultWrongPINsPerMinute = 15
	// DefaultWithheldFailures bounds wrong PINs a minute from callers who
	// withhold their number, all of them together.
	DefaultWithheldFailures = 3
	// DefaultPINStepTTL is how long a PIN step URL stays usable.
	DefaultPINStepTTL = 10 * time.Minute
)

// minute is the window of the bounds counted per minute.
const minute = time.Minute

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
	// the <Gather> action is PublicURL + Path + "?attempt=N&nonce=...".
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
	// without a number are bounded by WithheldFailures instead.
	LockoutFailures int
	LockoutWindow   time.Duration
	// WrongPINsPerMinute bounds the wrong PINs of all callers together in
	// each minute, DefaultWrongPINsPerMinute by default. Past it, callers
	// hear TryLater until the minute ends. With N live PINs of D digits,
	// finding one takes 10^D / N / WrongPINsPerMinute minutes on average:
	// keep that above the lifetime of your PINs.
	WrongPINsPerMinute int
	// WithheldFailures bounds the wrong PINs a minute of callers without a
	// number, together, DefaultWithheldFailures by default.
	WithheldFailures int
	// StepTTL is how long a PIN step URL, with its one-time nonce, stays
	// usable after it is sent, DefaultPINStepTTL by default.
	StepTTL time.Duration
	// StoreTimeout bounds each store call on the call path,
	// DefaultPINStoreTimeout by default: a store that does not answer
	// never keeps a caller waiting.
	StoreTimeout time.Duration
	// ResolveTimeout bounds each call of Resolver, DefaultResolveTimeout by
	// default; a resolver that does not answer in time makes the flow say
	// "try again later".
	ResolveTimeout time.Duration
}

// pinHost is what the PIN flow needs of the handler that runs it: to log
// a line about a call, to send an answer, and to bridge a caller to the
// room a PIN names or give them the fallback. *Handler is the only one;
// the flow sees no more of it than this.
type pinHost interface {
	logCall(ctx context.Context, level slog.Level, msg string, call Call, start time.Time, attrs ...slog.Attr)
	write(w http.ResponseWriter, doc []byte)
	writeFallback(w http.ResponseWriter)
	bridge(ctx context.Context, w http.ResponseWriter, call Call, start time.Time, room Room, id *Identity)
}

var _ pinHost = (*Handler)(nil)

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

func newPINFlow(cfg PINConfig, publicURL string, carrier Adapter) (*pinFlow, error) {
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
		cfg.StoreTimeout = DefaultPINStoreTimeout
	}
	if cfg.ResolveTimeout <= 0 {
		cfg.ResolveTimeout = DefaultResolveTimeout
	}
	if cfg.WrongPINsPerMinute <= 0 {
		cfg.WrongPINsPerMinute = DefaultWrongPINsPerMinute
	}
	if cfg.WithheldFailures <= 0 {
		cfg.WithheldFailures = DefaultWithheldFailures
	}
	if cfg.StepTTL <= 0 {
		cfg.StepTTL = DefaultPINStepTTL
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
		doc, err := carrier.Say(prompts...)
		if err != nil {
			return nil, fmt.Errorf("sipconnect: PINConfig.Prompts: %w", err)
		}
		f.answers[name] = doc
	}
	// The step answers are rendered with a placeholder where each call's
	// nonce goes: URL-safe letters that no carrier's escaping changes.
	for attempt := 1; attempt <= cfg.MaxAttempts; attempt++ {
		action := f.action + "?attempt=" + strconv.Itoa(attempt) + "&nonce=" + noncePlaceholder
		for lead, first := range map[string]Prompt{"welcome": p.Welcome, "wrong": p.WrongPIN, "silence": p.NoInput} {
			doc, err := carrier.Gather([]Prompt{first, p.EnterPIN}, action, cfg.Timeout, cfg.MaxDigits)
			if err != nil {
				return nil, fmt.Errorf("sipconnect: PINConfig.Prompts: %w", err)
			}
			f.answers[lead+strconv.Itoa(attempt)] = doc
		}
	}
	return f, nil
}

// Store keys of the flow.
const (
	failuresPrefix = "sipconnect:pin-failures:"
	withheldKey    = "sipconnect:pin-failures-withheld"
	wrongKey       = "sipconnect:pin-wrong-per-minute"
	stepPrefix     = "sipconnect:pin-step:"
)

// failuresKey is the store key counting the wrong PINs of the E.164 number
// n. It holds a SHA-256 digest of the number, never the number itself, so
// that a listing of the store's keys shows no phone numbers.
func failuresKey(n string) string {
	sum := sha256.Sum256([]byte("sipconnect pin-failures\x00" + n))
	return failuresPrefix + hex.EncodeToString(sum[:16])
}

// caller is where a call's wrong PINs are counted.
type caller struct {
	key    string
	limit  int64
	window time.Duration
}

// callerOf returns the count that call's wrong PINs go to: its number's, or
// the one all withheld numbers share.
func (f *pinFlow) callerOf(call Call) caller {
	if n, ok := normalizeNumber(call.From); ok {
		return caller{failuresKey(n), int64(f.cfg.LockoutFailures), f.cfg.LockoutWindow}
	}
	return caller{withheldKey, int64(f.cfg.WithheldFailures), minute}
}

// withheldNumber reports whether n is one of the keypad spellings some
// carriers send as the number of a caller who withholds it: ANONYMOUS,
// RESTRICTED, UNAVAILABLE, BLOCKED. They are shared by every such caller,
// so they are not counted as numbers.
func withheldNumber(n string) bool {
	switch n {
	case "+266696687", "+7378742833", "+86282452253", "+2562533":
		return true
	}
	return false
}

// normalizeNumber returns from as an E.164 number, and false when it holds
// none (a withheld number). Visual separators, a tel:, sip: or sips:
// wrapper (and what follows the user part) and a 00 international prefix
// are removed; digits without "+" get one when they make an E.164 number.
func normalizeNumber(from string) (string, bool) {
	s := strings.TrimSpace(from)
	for _, scheme := range []string{"tel:", "sip:", "sips:"} {
		if len(s) > len(scheme) && strings.EqualFold(s[:len(scheme)], scheme) {
			s = s[len(scheme):]
			break
		}
	}
	if i := strings.IndexAny(s, "@;"); i >= 0 {
		s = s[:i]
	}
	var b [24]byte
	n := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
		case (c >= '0' && c <= '9') || (c == '+' && n == 0):
			if n == len(b) {
				return "", false
			}
			b[n] = c
			n++
		default:
			return "", false
		}
	}
	num := string(b[:n])
	switch {
	case strings.HasPrefix(num, "00"):
		num = "+" + num[2:]
	case !strings.HasPrefix(num, "+"):
		num = "+" + num
	}
	if !webhook.IsE164(num) {
		return "", false
	}
	if withheldNumber(num) {
		return "", false
	}
	return num, true
}

// failures returns how many wrong PINs the caller has entered in the
// current window.
func (f *pinFlow) failures(ctx context.Context, c caller) (int64, error) {
	ctx, cancel := f.storeContext(ctx)
	defer cancel()
	v, err := f.cfg.Store.Get(ctx, c.key)
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
	return context.WithTimeout(context.WithoutCancel(ctx), f.cfg.StoreTimeout)
}

// charge adds delta to the count under key and returns the new count: +1
// before a lookup, -1 to give a charge back.
func (f *pinFlow) charge(ctx context.Context, key string, delta int64, window time.Duration) (int64, error) {
	ctx, cancel := f.storeContext(ctx)
	defer cancel()
	return f.cfg.Store.IncrBy(ctx, key, delta, window)
}

// refund gives back the charges under keys; a failure is logged, and costs
// the caller one attempt of the window at most.
func (f *pinFlow) refund(ctx context.Context, h pinHost, call Call, start time.Time, keys ...caller) {
	ctx = context.WithoutCancel(ctx)
	for _, c := range keys {
		n, err := f.charge(ctx, c.key, -1, c.window)
		if err == nil && n < 0 {
			// The window ended during the lookup and the refund started
			// a new count below zero, which would grant extra guesses:
			// put it back.
			_, err = f.charge(ctx, c.key, 1, c.window)
		}
		if err != nil {
			h.logCall(ctx, slog.LevelWarn, "sipconnect: giving a PIN charge back failed", call, start, slog.String("error", err.Error()))
		}
	}
}

// noncePlaceholder stands in the rendered step answers where a call's
// nonce goes; a nonce has the same length and alphabet.
const noncePlaceholder = "sipconnectPINstepNonce"

// newNonce returns a random step nonce: 16 bytes in unpadded base64url, 22
// characters.
func newNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// stepKey is the store key of a step nonce issued for attempt.
func stepKey(nonce string, attempt int) string {
	return stepPrefix + nonce + ":" + strconv.Itoa(attempt)
}

// issue registers a nonce for attempt and returns the step answer named
// answer (rendered for attempt) with the nonce in place.
func (f *pinFlow) issue(ctx context.Context, answer string, attempt int) ([]byte, error) {
	nonce := newNonce()
	sctx, cancel := f.storeContext(ctx)
	defer cancel()
	if _, err := f.cfg.Store.SetNX(sctx, stepKey(nonce, attempt), nil, f.cfg.StepTTL); err != nil {
		return nil, err
	}
	return bytes.ReplaceAll(f.answers[answer], []byte(noncePlaceholder), []byte(nonce)), nil
}

// redeem takes back the nonce of a step request: true the first time it
// is redeemed for the attempt it was issued for, false after that.
func (f *pinFlow) redeem(ctx context.Context, nonce string, attempt int) (bool, error) {
	if len(nonce) != len(noncePlaceholder) || strings.Trim(nonce, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		return false, nil
	}
	sctx, cancel := f.storeContext(ctx)
	defer cancel()
	return f.cfg.Store.Delete(sctx, stepKey(nonce, attempt))
}

// prompt answers an incoming call routed to the PIN menu.
func (f *pinFlow) prompt(ctx context.Context, w http.ResponseWriter, h pinHost, call Call, start time.Time) {
	c := f.callerOf(call)
	n, err := f.failures(ctx, c)
	switch {
	case err != nil:
		// The count cannot be read: asking for a PIN is still safe, since
		// each step checks again.
		h.logCall(ctx, slog.LevelWarn, "sipconnect: PIN failure count unavailable", call, start, slog.String("error", err.Error()))
	case n >= c.limit:
		f.locked(ctx, w, h, call, c, start)
		return
	}
	doc, err := f.issue(ctx, "welcome1", 1)
	if err != nil {
		f.later(ctx, w, h, call, start, "a PIN step cannot be issued", err)
		return
	}
	h.logCall(ctx, slog.LevelInfo, "sipconnect: asking for a PIN", call, start, slog.String("outcome", "pin-prompt"))
	h.write(w, doc)
}

// locked answers a caller past its bound: an hour-long lockout for a
// number, the rest of the minute for withheld numbers.
func (f *pinFlow) locked(ctx context.Context, w http.ResponseWriter, h pinHost, call Call, c caller, start time.Time) {
	if c.key == withheldKey {
		h.logCall(ctx, slog.LevelWarn, "sipconnect: too many wrong PINs from withheld numbers this minute", call, start,
			slog.String("outcome", "pin-throttled"))
		h.write(w, f.answers[answerLater])
		return
	}
	h.logCall(ctx, slog.LevelWarn, "sipconnect: caller locked out of the PIN menu", call, start, slog.String("outcome", "locked"))
	h.write(w, f.answers[answerLocked])
}

// later tells the caller to try again later, logging why.
func (f *pinFlow) later(ctx context.Context, w http.ResponseWriter, h pinHost, call Call, start time.Time, why string, err error) {
	h.logCall(ctx, slog.LevelWarn, "sipconnect: "+why+", asking the caller to try later", call, start,
		slog.String("outcome", "try-later"), slog.String("error", err.Error()))
	h.write(w, f.answers[answerLater])
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
		if err != nil || attempt < 1 || attempt > h.pin.cfg.MaxAttempts {
			http.Error(w, "bad PIN step", http.StatusBadRequest)
			return
		}
		call := h.carrier.Call(params)
		ctx, release := context.WithTimeout(r.Context(), h.timeout)
		defer release()
		start := time.Now()
		fresh, err := h.pin.redeem(ctx, q.Get("nonce"), attempt)
		switch {
		case err != nil:
			h.pin.later(ctx, w, h, call, start, "a PIN step cannot be checked", err)
			return
		case !fresh:
			h.logCall(ctx, slog.LevelWarn, "sipconnect: PIN step refused: used before, lapsed or never issued", call, start,
				slog.String("outcome", "rejected-step"), slog.Int("status", http.StatusForbidden))
			http.Error(w, http.StatusText(http.StatusForbidden), http.StatusForbidden)
			return
		}
		h.pin.step(ctx, w, h, call, attempt, start)
	})
}

// step answers the digits of attempt number attempt.
func (f *pinFlow) step(ctx context.Context, w http.ResponseWriter, h pinHost, call Call, attempt int, start time.Time) {
	pin := call.Digits
	c := f.callerOf(call)
	if pin == "" {
		// Silence costs no charge, but a locked-out number is not asked
		// again.
		n, err := f.failures(ctx, c)
		switch {
		case err != nil:
			f.later(ctx, w, h, call, start, "PIN failure count unavailable", err)
		case n >= c.limit:
			f.locked(ctx, w, h, call, c, start)
		default:
			f.again(ctx, w, h, call, attempt, "silence", start)
		}
		return
	}
	// Charge the attempt before the lookup: parallel calls each see the
	// counts that include the others.
	n, err := f.charge(ctx, c.key, 1, c.window)
	switch {
	case err != nil:
		f.later(ctx, w, h, call, start, "PIN attempts cannot be counted", err)
		return
	case n > c.limit:
		f.locked(ctx, w, h, call, c, start)
		return
	}
	all := caller{wrongKey, int64(f.cfg.WrongPINsPerMinute), minute}
	g, err := f.charge(ctx, all.key, 1, all.window)
	switch {
	case err != nil:
		f.refund(ctx, h, call, start, c)
		f.later(ctx, w, h, call, start, "PIN attempts cannot be counted", err)
		return
	case g > all.limit:
		f.refund(ctx, h, call, start, c, all)
		h.logCall(ctx, slog.LevelWarn, "sipconnect: too many wrong PINs this minute, asking the caller to try later", call, start,
			slog.String("outcome", "pin-throttled"))
		h.write(w, f.answers[answerLater])
		return
	}
	target, err := f.resolve(ctx, pin, call)
	switch {
	case err == nil:
		f.refund(ctx, h, call, start, c, all)
		room, rerr := f.room(target)
		if rerr != nil {
			h.logCall(ctx, slog.LevelWarn, "sipconnect: PIN target unusable, answering the fallback", call, start,
				slog.String("outcome", "fallback"), slog.String("stage", "pin"), slog.String("error", rerr.Error()))
			h.writeFallback(w)
			return
		}
		h.bridge(ctx, w, call, start, room, target.Identity)
	case errors.Is(err, ErrUnknownPIN):
		if n >= c.limit {
			if c.key == withheldKey {
				f.locked(ctx, w, h, call, c, start)
				return
			}
			h.logCall(ctx, slog.LevelWarn, "sipconnect: wrong PIN; caller now locked out", call, start, slog.String("outcome", "locked"))
			h.write(w, f.answers[answerLocked])
			return
		}
		f.again(ctx, w, h, call, attempt, "wrong", start)
	default:
		f.refund(ctx, h, call, start, c, all)
		f.later(ctx, w, h, call, start, "PIN lookup failed", err)
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
	ctx, cancel := context.WithTimeout(ctx, f.cfg.ResolveTimeout)
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
func (f *pinFlow) again(ctx context.Context, w http.ResponseWriter, h pinHost, call Call, attempt int, why string, start time.Time) {
	if attempt >= f.cfg.MaxAttempts {
		h.logCall(ctx, slog.LevelInfo, "sipconnect: no valid PIN, hanging up", call, start,
			slog.String("outcome", "pin-exhausted"), slog.String("last", why), slog.Int("attempt", attempt))
		h.write(w, f.answers[answerGoodbye])
		return
	}
	doc, err := f.issue(ctx, why+strconv.Itoa(attempt+1), attempt+1)
	if err != nil {
		f.later(ctx, w, h, call, start, "a PIN step cannot be issued", err)
		return
	}
	h.logCall(ctx, slog.LevelInfo, "sipconnect: asking for the PIN again", call, start,
		slog.String("outcome", "pin-"+why), slog.Int("attempt", attempt))
	h.write(w, doc)
}

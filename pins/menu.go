package pins

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
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/store"
)

// Defaults of Config.
const (
	DefaultPath           = "/twilio/pin"
	DefaultAttempts       = 3
	DefaultTimeout        = 6 * time.Second
	DefaultLockoutFails   = 10
	DefaultLockoutWindow  = time.Hour
	DefaultStoreTimeout   = 300 * time.Millisecond
	DefaultResolveTimeout = time.Second
	// DefaultWrongPINsPerMinute bounds wrong PINs from all callers
	// together: with 1,000 live 10-digit PINs, finding one takes over a
	// year (see Config.WrongPINsPerMinute).
	DefaultWrongPINsPerMinute = 15
	// DefaultWithheldFailures bounds wrong PINs a minute from callers who
	// withhold their number, all of them together.
	DefaultWithheldFailures = 3
	// DefaultStepTTL is how long a PIN step URL stays usable.
	DefaultStepTTL = 10 * time.Minute
)

// minute is the window of the bounds counted per minute.
const minute = time.Minute

// ErrUnknown is returned by a Resolver for a PIN that names no room.
var ErrUnknown = errors.New("pins: unknown PIN")

// Target is where a PIN leads: a room code, or a room id and role whose
// enabled code Config.Cache looks up, and optionally who the caller is
// ("host" and "guest" PINs of one meeting can lead to different roles and
// names).
type Target struct {
	RoomCode string               `json:"room_code,omitempty"`
	RoomID   string               `json:"room_id,omitempty"`
	Role     string               `json:"role,omitempty"`
	Identity *sipconnect.Identity `json:"identity,omitempty"`
}

// Resolver turns the digits a caller entered into a target. It returns
// an error wrapping ErrUnknown when the PIN names nothing; any other error
// is a failure to look it up: the caller is told to try again later and
// the attempt is not counted. A failure must therefore not depend on
// whether the PIN is right (such as a second query only a wrong PIN
// makes), or it would make guesses free. It must be safe for concurrent
// use. Directory implements it; so can your own database.
type Resolver interface {
	ResolvePIN(ctx context.Context, pin string, call sipconnect.Call) (Target, error)
}

// ResolverFunc adapts a function to Resolver.
type ResolverFunc func(ctx context.Context, pin string, call sipconnect.Call) (Target, error)

// ResolvePIN calls f.
func (f ResolverFunc) ResolvePIN(ctx context.Context, pin string, call sipconnect.Call) (Target, error) {
	return f(ctx, pin, call)
}

// Prompts are what the PIN flow says. Empty prompts take the defaults of
// DefaultPrompts.
type Prompts struct {
	Welcome   sipconnect.Prompt // once, when the call arrives
	EnterPIN  sipconnect.Prompt // before each attempt
	WrongPIN  sipconnect.Prompt // after a PIN that names no room
	NoInput   sipconnect.Prompt // after silence
	Goodbye   sipconnect.Prompt // after the last attempt, before hanging up
	LockedOut sipconnect.Prompt // to a number locked out for too many wrong PINs
	TryLater  sipconnect.Prompt // when the PIN cannot be looked up now
}

// DefaultPrompts returns the flow's default prompts: short, polite
// English.
func DefaultPrompts() Prompts {
	return Prompts{
		Welcome:   sipconnect.Prompt{Text: "Welcome."},
		EnterPIN:  sipconnect.Prompt{Text: "Please enter your meeting PIN, then press pound."},
		WrongPIN:  sipconnect.Prompt{Text: "Sorry, that PIN is not valid."},
		NoInput:   sipconnect.Prompt{Text: "We did not receive a PIN."},
		Goodbye:   sipconnect.Prompt{Text: "Sorry, we could not find your meeting. Goodbye."},
		LockedOut: sipconnect.Prompt{Text: "Too many incorrect PINs were entered from this number. Please try again later. Goodbye."},
		TryLater:  sipconnect.Prompt{Text: "Sorry, we cannot check your PIN right now. Please try again later. Goodbye."},
	}
}

// Config configures the PIN flow of a Handler.
type Config struct {
	// Resolver turns PINs into rooms: a *Directory or your own. Required.
	Resolver Resolver
	// Cache looks up the room code of targets given as a room id and role.
	// Required when the resolver returns such targets.
	Cache *roomcode.Cache
	// Path is where PINHandler is mounted, below HandlerConfig.PublicURL:
	// the <Gather> action is PublicURL + Path + "?attempt=N&nonce=...".
	// DefaultPath by default.
	Path string
	// MaxAttempts is how many PINs (or silences) a caller may try in one
	// call, DefaultAttempts by default.
	MaxAttempts int
	// Timeout is the silence, before the first digit and between digits,
	// after which the prompt is given again, DefaultTimeout by default.
	Timeout time.Duration
	// MaxDigits, when set, is the <Gather> numDigits: Twilio ends the
	// input after that many digits, without waiting for '#'. At most 64;
	// 0 leaves the attribute out. Input longer than MaxDigits (32 when 0)
	// is a wrong PIN and is not looked up.
	MaxDigits int
	// Prompts are what the caller hears.
	Prompts Prompts

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
	// usable after it is sent, DefaultStepTTL by default.
	StepTTL time.Duration
	// StoreTimeout bounds each store call on the call path,
	// DefaultStoreTimeout by default: a store that does not answer
	// never keeps a caller waiting.
	StoreTimeout time.Duration
	// ResolveTimeout bounds each call of Resolver, DefaultResolveTimeout by
	// default; a resolver that does not answer in time makes the flow say
	// "try again later". One of your own that ignores its context is
	// abandoned then and runs on; while 1,024 such run, the flow says "try
	// again later" at once.
	ResolveTimeout time.Duration
}

// session is a Config checked and with its answers rendered.
type session struct {
	host      sipconnect.PINHost
	cfg       Config
	action    string // PublicURL + Path
	answers   map[string][]byte
	maxDigits int
	callbacks webhook.Callbacks // the application's resolver's
}

// The answers that do not depend on the attempt.
const (
	answerGoodbye = "goodbye"
	answerLocked  = "locked"
	answerLater   = "later"
)

var _ sipconnect.PINMenu = (*Config)(nil)

// AttachPIN checks c, fills in its defaults and renders every answer with
// the carrier of h, the handler it answers for: sipconnect.NewHandler
// calls it, so a prompt the carrier cannot say, or a directory that needs
// a Cache without one, is an error when the handler is made.
func (c *Config) AttachPIN(h sipconnect.PINHost) (sipconnect.PINSession, error) {
	cfg := *c
	if cfg.Cache == nil {
		if d, ok := cfg.Resolver.(*Directory); ok && !d.roomCodesOnly {
			return nil, &sipconnect.ConfigError{Field: "pins.Config.Cache",
				Reason: "required with a *pins.Directory, whose PINs may name a room id and role: set it to a roomcode.Cache, or make the directory with DirectoryConfig.RoomCodesOnly if its PINs name room codes only"}
		}
	}
	carrier, publicURL := h.Carrier(), h.PublicURL()
	if cfg.Resolver == nil {
		return nil, errors.New("pins: Config.Resolver is required")
	}
	if cfg.Path == "" {
		cfg.Path = DefaultPath
	}
	if !strings.HasPrefix(cfg.Path, "/") || strings.ContainsAny(cfg.Path, "?#") {
		return nil, fmt.Errorf("pins: Config.Path %q: want an absolute path without query", cfg.Path)
	}
	cfg.MaxAttempts = positiveOr(cfg.MaxAttempts, DefaultAttempts)
	cfg.Timeout = positiveOr(cfg.Timeout, DefaultTimeout)
	if cfg.Timeout%time.Second != 0 || cfg.Timeout > 600*time.Second {
		return nil, fmt.Errorf("pins: Config.Timeout %v: want whole seconds up to 10m", cfg.Timeout)
	}
	if cfg.MaxDigits < 0 || cfg.MaxDigits > 64 {
		return nil, fmt.Errorf("pins: Config.MaxDigits %d: want 0 to 64", cfg.MaxDigits)
	}
	cfg.LockoutFailures = positiveOr(cfg.LockoutFailures, DefaultLockoutFails)
	cfg.LockoutWindow = positiveOr(cfg.LockoutWindow, DefaultLockoutWindow)
	cfg.StoreTimeout = positiveOr(cfg.StoreTimeout, DefaultStoreTimeout)
	cfg.ResolveTimeout = positiveOr(cfg.ResolveTimeout, DefaultResolveTimeout)
	cfg.WrongPINsPerMinute = positiveOr(cfg.WrongPINsPerMinute, DefaultWrongPINsPerMinute)
	cfg.WithheldFailures = positiveOr(cfg.WithheldFailures, DefaultWithheldFailures)
	cfg.StepTTL = positiveOr(cfg.StepTTL, DefaultStepTTL)
	if cfg.Store == nil {
		cfg.Store = store.NewMemory()
	}
	def := DefaultPrompts()
	for _, p := range []struct{ got, def *sipconnect.Prompt }{
		{&cfg.Prompts.Welcome, &def.Welcome}, {&cfg.Prompts.EnterPIN, &def.EnterPIN}, {&cfg.Prompts.WrongPIN, &def.WrongPIN},
		{&cfg.Prompts.NoInput, &def.NoInput}, {&cfg.Prompts.Goodbye, &def.Goodbye}, {&cfg.Prompts.LockedOut, &def.LockedOut},
		{&cfg.Prompts.TryLater, &def.TryLater},
	} {
		if *p.got == (sipconnect.Prompt{}) {
			*p.got = *p.def
		}
	}
	f := &session{host: h, cfg: cfg, action: strings.TrimSuffix(publicURL, "/") + cfg.Path, answers: map[string][]byte{}, maxDigits: cfg.MaxDigits}
	if f.maxDigits == 0 {
		f.maxDigits = 32
	}
	// Render every answer now: a prompt the carrier could not take is an
	// error when the handler is made, and a call costs no rendering.
	p := cfg.Prompts
	for name, prompts := range map[string][]sipconnect.Prompt{
		answerGoodbye: {p.Goodbye},
		answerLocked:  {p.LockedOut},
		answerLater:   {p.TryLater},
	} {
		doc, err := carrier.Say(prompts...)
		if err != nil {
			return nil, fmt.Errorf("pins: Config.Prompts: %w", err)
		}
		f.answers[name] = doc
	}
	// The step answers are rendered with a placeholder where each call's
	// nonce goes: URL-safe letters that no carrier's escaping changes.
	for attempt := 1; attempt <= cfg.MaxAttempts; attempt++ {
		action := f.action + "?attempt=" + strconv.Itoa(attempt) + "&nonce=" + noncePlaceholder
		for lead, first := range map[string]sipconnect.Prompt{"welcome": p.Welcome, "wrong": p.WrongPIN, "silence": p.NoInput} {
			doc, err := carrier.Gather([]sipconnect.Prompt{first, p.EnterPIN}, action, cfg.Timeout, cfg.MaxDigits)
			if err != nil {
				return nil, fmt.Errorf("pins: Config.Prompts: %w", err)
			}
			f.answers[lead+strconv.Itoa(attempt)] = doc
		}
	}
	return f, nil
}

// positiveOr returns v, or def when v is not positive: a Config field left
// zero (or set negative) takes its default.
func positiveOr[T ~int | ~int64](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
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
func (f *session) callerOf(call sipconnect.Call) caller {
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
func (f *session) failures(ctx context.Context, c caller) (int64, error) {
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
func (f *session) storeContext(ctx context.Context) (context.Context, func()) {
	return context.WithTimeout(context.WithoutCancel(ctx), f.cfg.StoreTimeout)
}

// charge adds delta to the count under key and returns the new count: +1
// before a lookup, -1 to give a charge back.
func (f *session) charge(ctx context.Context, key string, delta int64, window time.Duration) (int64, error) {
	ctx, cancel := f.storeContext(ctx)
	defer cancel()
	return f.cfg.Store.IncrBy(ctx, key, delta, window)
}

// refund gives back the charges under keys; a failure is logged, and costs
// the caller one attempt of the window at most.
func (f *session) refund(ctx context.Context, call sipconnect.Call, start time.Time, keys ...caller) {
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
			f.host.LogCall(ctx, slog.LevelWarn, "sipconnect: giving a PIN charge back failed", call, start, slog.String("error", err.Error()))
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
func (f *session) issue(ctx context.Context, answer string, attempt int) ([]byte, error) {
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
func (f *session) redeem(ctx context.Context, nonce string, attempt int) (bool, error) {
	if len(nonce) != len(noncePlaceholder) || strings.Trim(nonce, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		return false, nil
	}
	sctx, cancel := f.storeContext(ctx)
	defer cancel()
	return f.cfg.Store.Delete(sctx, stepKey(nonce, attempt))
}

// Prompt answers an incoming call routed to the PIN menu.
func (f *session) Prompt(ctx context.Context, w http.ResponseWriter, call sipconnect.Call, start time.Time) {
	c := f.callerOf(call)
	n, err := f.failures(ctx, c)
	switch {
	case err != nil:
		// The count cannot be read: asking for a PIN is still safe, since
		// each step checks again.
		f.host.LogCall(ctx, slog.LevelWarn, "sipconnect: PIN failure count unavailable", call, start, slog.String("error", err.Error()))
	case n >= c.limit:
		f.locked(ctx, w, call, c, start)
		return
	}
	doc, err := f.issue(ctx, "welcome1", 1)
	if err != nil {
		f.later(ctx, w, call, start, "a PIN step cannot be issued", err)
		return
	}
	f.host.LogCall(ctx, slog.LevelInfo, "sipconnect: asking for a PIN", call, start, slog.String("outcome", "pin-prompt"))
	f.host.Write(w, doc)
}

// locked answers a caller past its bound: an hour-long lockout for a
// number, the rest of the minute for withheld numbers.
func (f *session) locked(ctx context.Context, w http.ResponseWriter, call sipconnect.Call, c caller, start time.Time) {
	if c.key == withheldKey {
		f.host.LogCall(ctx, slog.LevelWarn, "sipconnect: too many wrong PINs from withheld numbers this minute", call, start,
			slog.String("outcome", "pin-throttled"))
		f.host.Write(w, f.answers[answerLater])
		return
	}
	f.host.LogCall(ctx, slog.LevelWarn, "sipconnect: caller locked out of the PIN menu", call, start, slog.String("outcome", "locked"))
	f.host.Write(w, f.answers[answerLocked])
}

// later tells the caller to try again later, logging why.
func (f *session) later(ctx context.Context, w http.ResponseWriter, call sipconnect.Call, start time.Time, why string, err error) {
	f.host.LogCall(ctx, slog.LevelWarn, "sipconnect: "+why+", asking the caller to try later", call, start,
		slog.String("outcome", "try-later"), slog.String("error", err.Error()))
	f.host.Write(w, f.answers[answerLater])
}

// ServeHTTP answers a PIN step: the digits of the attempt its URL names,
// once per step nonce.
func (f *session) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	call, ok := f.host.Accept(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	start := time.Now()
	attempt, err := strconv.Atoi(q.Get("attempt"))
	if err != nil || attempt < 1 || attempt > f.cfg.MaxAttempts {
		f.host.LogCall(r.Context(), slog.LevelWarn, "sipconnect: PIN step refused: its attempt is not one the menu asks", call, start,
			slog.String("outcome", "bad-request"), slog.Int("status", http.StatusBadRequest))
		http.Error(w, "bad PIN step", http.StatusBadRequest)
		return
	}
	ctx, release := context.WithTimeout(r.Context(), f.host.Timeout())
	defer release()
	fresh, err := f.redeem(ctx, q.Get("nonce"), attempt)
	switch {
	case err != nil:
		f.later(ctx, w, call, start, "a PIN step cannot be checked", err)
		return
	case !fresh:
		f.host.LogCall(ctx, slog.LevelWarn, "sipconnect: PIN step refused: used before, lapsed or never issued", call, start,
			slog.String("outcome", "rejected-step"), slog.Int("status", http.StatusForbidden))
		http.Error(w, http.StatusText(http.StatusForbidden), http.StatusForbidden)
		return
	}
	f.step(ctx, w, call, attempt, start)
}

// step answers the digits of attempt number attempt.
func (f *session) step(ctx context.Context, w http.ResponseWriter, call sipconnect.Call, attempt int, start time.Time) {
	pin := call.Digits
	c := f.callerOf(call)
	if pin == "" {
		// Silence costs no charge, but a locked-out number is not asked
		// again.
		n, err := f.failures(ctx, c)
		switch {
		case err != nil:
			f.later(ctx, w, call, start, "PIN failure count unavailable", err)
		case n >= c.limit:
			f.locked(ctx, w, call, c, start)
		default:
			f.again(ctx, w, call, attempt, "silence", start)
		}
		return
	}
	// Charge the attempt before the lookup: parallel calls each see the
	// counts that include the others.
	n, err := f.charge(ctx, c.key, 1, c.window)
	switch {
	case err != nil:
		f.later(ctx, w, call, start, "PIN attempts cannot be counted", err)
		return
	case n > c.limit:
		f.locked(ctx, w, call, c, start)
		return
	}
	all := caller{wrongKey, int64(f.cfg.WrongPINsPerMinute), minute}
	g, err := f.charge(ctx, all.key, 1, all.window)
	switch {
	case err != nil:
		f.refund(ctx, call, start, c)
		f.later(ctx, w, call, start, "PIN attempts cannot be counted", err)
		return
	case g > all.limit:
		f.refund(ctx, call, start, c, all)
		f.host.LogCall(ctx, slog.LevelWarn, "sipconnect: too many wrong PINs this minute, asking the caller to try later", call, start,
			slog.String("outcome", "pin-throttled"))
		f.host.Write(w, f.answers[answerLater])
		return
	}
	target, err := f.resolve(ctx, pin, call)
	switch {
	case err == nil:
		f.refund(ctx, call, start, c, all)
		room, rerr := f.room(target)
		if rerr != nil {
			f.host.LogCall(ctx, slog.LevelWarn, "sipconnect: PIN target unusable, answering the fallback", call, start,
				slog.String("outcome", "fallback"), slog.String("stage", "pin"), slog.String("error", rerr.Error()))
			f.host.WriteFallback(w)
			return
		}
		f.host.Bridge(ctx, w, call, start, room, target.Identity)
	case errors.Is(err, ErrUnknown):
		if n >= c.limit {
			if c.key == withheldKey {
				f.locked(ctx, w, call, c, start)
				return
			}
			f.host.LogCall(ctx, slog.LevelWarn, "sipconnect: wrong PIN; caller now locked out", call, start, slog.String("outcome", "locked"))
			f.host.Write(w, f.answers[answerLocked])
			return
		}
		f.again(ctx, w, call, attempt, "wrong", start)
	default:
		f.refund(ctx, call, start, c, all)
		f.later(ctx, w, call, start, "PIN lookup failed", err)
	}
}

// resolve calls the resolver within ResolveTimeout. A resolver of the
// application's that ignores its context is abandoned at the timeout, to
// run on with its answer dropped, so that the caller still hears "try
// again later" in time; its panic is an error.
func (f *session) resolve(ctx context.Context, pin string, call sipconnect.Call) (Target, error) {
	if len(pin) > f.maxDigits || strings.Trim(pin, "0123456789") != "" {
		return Target{}, ErrUnknown
	}
	ctx, cancel := context.WithTimeout(ctx, f.cfg.ResolveTimeout)
	defer cancel()
	if d, ok := f.cfg.Resolver.(*Directory); ok {
		return d.ResolvePIN(ctx, pin, call) // its store calls end with ctx
	}
	return resolveInTime(ctx, &f.callbacks, f.cfg.Resolver, pin, call)
}

// resolveInTime asks an application's resolver (webhook.InTime).
func resolveInTime(ctx context.Context, c *webhook.Callbacks, r Resolver, pin string, call sipconnect.Call) (Target, error) {
	t, err := webhook.InTime(ctx, c, func(ctx context.Context, call sipconnect.Call) (Target, error) { return r.ResolvePIN(ctx, pin, call) }, call)
	if err != nil && !errors.Is(err, ErrUnknown) {
		err = fmt.Errorf("PIN resolver: %w", err)
	}
	return t, err
}

// room turns a target into a Room.
func (f *session) room(t Target) (sipconnect.Room, error) {
	switch {
	case t.RoomCode != "":
		return sipconnect.StaticRoom(t.RoomCode), nil
	case t.RoomID != "" && t.Role != "" && f.cfg.Cache != nil:
		return sipconnect.CachedRoom(f.cfg.Cache, t.RoomID, t.Role), nil
	case t.RoomID != "":
		return nil, errors.New("a target by room id needs pins.Config.Cache")
	}
	return nil, errors.New("empty PIN target")
}

// again asks for the next attempt, or says goodbye after the last.
func (f *session) again(ctx context.Context, w http.ResponseWriter, call sipconnect.Call, attempt int, why string, start time.Time) {
	if attempt >= f.cfg.MaxAttempts {
		f.host.LogCall(ctx, slog.LevelInfo, "sipconnect: no valid PIN, hanging up", call, start,
			slog.String("outcome", "pin-exhausted"), slog.String("last", why), slog.Int("attempt", attempt))
		f.host.Write(w, f.answers[answerGoodbye])
		return
	}
	doc, err := f.issue(ctx, why+strconv.Itoa(attempt+1), attempt+1)
	if err != nil {
		f.later(ctx, w, call, start, "a PIN step cannot be issued", err)
		return
	}
	f.host.LogCall(ctx, slog.LevelInfo, "sipconnect: asking for the PIN again", call, start,
		slog.String("outcome", "pin-"+why), slog.Int("attempt", attempt))
	f.host.Write(w, doc)
}

package hmsevents

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/hmssip/interconnect-go/internal/secret"
	"github.com/hmssip/interconnect-go/store"
)

// Defaults of [Config].
const (
	// DefaultMaxBodyBytes bounds the body of a webhook; 100ms's events are
	// a few hundred bytes.
	DefaultMaxBodyBytes = 64 << 10
	// DefaultDedupeTTL is how long an event id is remembered once handled.
	// 100ms retries within about 15 seconds (after 1 s, 3 s and 10 s), so a
	// day leaves a wide margin for queued or delayed deliveries.
	DefaultDedupeTTL = 24 * time.Hour
	// DefaultStoreTimeout bounds each store call.
	DefaultStoreTimeout = 300 * time.Millisecond
	// DefaultHandlerTimeout bounds the handler's context.
	DefaultHandlerTimeout = 5 * time.Second
)

// maxIDLen bounds an event id, so that the store keys built from it stay
// within [store.MaxKeyLen]. 100ms's ids are UUIDs, 36 bytes.
const maxIDLen = 256

// Store keys: claimPrefix+id is held while an instance handles the event,
// donePrefix+id once it has been handled.
const (
	claimPrefix = "hmsevents:claim:"
	donePrefix  = "hmsevents:done:"
)

// Handler processes events for a [Receiver].
type Handler interface {
	// HandleEvent processes e and returns nil once it is done with it; an
	// error makes the Receiver answer 503 so that 100ms delivers e again.
	// ctx ends after Config.HandlerTimeout or when 100ms hangs up.
	HandleEvent(ctx context.Context, e Event) error
}

// HandlerFunc adapts a function to a [Handler].
type HandlerFunc func(ctx context.Context, e Event) error

// HandleEvent calls f(ctx, e).
func (f HandlerFunc) HandleEvent(ctx context.Context, e Event) error { return f(ctx, e) }

// Config configures a [Receiver]. Only Handler and the secret header (or
// Insecure) are required.
//
// A Config never shows Secret: String, GoString, Format (every verb) and
// LogValue print [REDACTED] in its place. Don't dump it with a printer that
// reads fields by reflection without calling methods.
type Config struct {
	// SecretHeader and Secret are the name and value of the secret header
	// set in the webhook settings of the 100ms dashboard, which 100ms sends
	// with every webhook. A request without that header, or with another
	// value, is answered 401. The value is compared in constant time.
	SecretHeader string
	Secret       string

	// Insecure accepts requests without checking a secret header; it must
	// be set, with SecretHeader and Secret empty, to run without one (for
	// local tests, or where the allow list is the only protection).
	Insecure bool

	// AllowedNetworks, when not empty, are the only addresses a webhook may
	// come from; another sender is answered 403. 100ms publishes the
	// addresses it sends from (see "Secure your webhooks" in its docs).
	AllowedNetworks []netip.Prefix

	// TrustForwardedFor lists the reverse proxies in front of this server.
	// Off by default: the sender is the connection's peer, and
	// X-Forwarded-For is ignored, since any client can write it. When the
	// peer is in one of these networks, the sender is instead the
	// right-most address of X-Forwarded-For that is not in them (each proxy
	// appends the address it received from, so that is the last address a
	// trusted proxy saw). Only X-Forwarded-For is read, not Forwarded.
	TrustForwardedFor []netip.Prefix

	// MaxBodyBytes bounds the body read; a larger one is answered 413.
	// Zero means DefaultMaxBodyBytes.
	MaxBodyBytes int64

	// Store remembers event ids across deliveries and, when it is shared
	// (Redis), across instances. Nil means a new store.NewMemory(), which
	// deduplicates within this process only.
	Store store.Store

	// DedupeTTL is how long a handled event id is remembered. Zero means
	// DefaultDedupeTTL.
	DedupeTTL time.Duration

	// StoreTimeout bounds each store call; a store that does not answer in
	// time counts as unavailable. Zero means DefaultStoreTimeout.
	StoreTimeout time.Duration

	// HandlerTimeout bounds the context given to Handler. 100ms waits for
	// the answer, so a handler should be quick and queue long work. Zero
	// means DefaultHandlerTimeout.
	HandlerTimeout time.Duration

	// Handler processes each event. Required.
	Handler Handler

	// Logger receives a debug line per event and a warning per refused
	// request or failure; nil means slog.Default(). Lines never hold the
	// secret, the data of an event, or a user name (which may be a phone
	// number).
	Logger *slog.Logger
}

// Receiver is an http.Handler for 100ms webhooks: it checks the sender and
// the secret header, decodes the event and passes each event id to the
// handler once, however many times 100ms delivers it. It is safe for
// concurrent use. Several Receivers (several server instances) sharing one
// store handle each event once between them.
//
// 100ms delivers an event again, up to three times, whenever the answer is
// not 200. A Receiver answers:
//
//   - 403 when AllowedNetworks is set and the sender is not in it;
//   - 401 when the secret header is missing or wrong;
//   - 405 for a method other than POST;
//   - 413 for a body over MaxBodyBytes;
//   - 400 for a body that is not an event: not JSON, no id or type, a
//     timestamp that is not RFC 3339, or, for the types this package
//     decodes, data that does not decode;
//   - 200, without calling the handler, for an event id already handled;
//   - 409 for an event id another delivery is handling right now (100ms
//     retries, and the retry finds it handled, or free if that one failed);
//   - 503 when the store is unavailable or slower than StoreTimeout, or when
//     the handler returns an error (or panics: the panic goes on to
//     net/http after the claim is released);
//   - 200 once the handler has returned nil, for every type, known or not.
//
// Each event is handled in three store calls: it claims the id with SetNX
// for HandlerTimeout plus a margin (the claim lapses by itself if the
// instance dies mid-way), checks that the id is not already marked handled,
// calls the handler, and then marks it handled for DedupeTTL, or releases
// the claim when the handler failed. So the handler runs for an event at
// most once at a time, and runs again only after a failure, unless it
// outlives HandlerTimeout plus the margin while ignoring its context, or the
// store cannot record a success (answered 200 all the same, and logged).
type Receiver struct {
	header         string
	secret         secret.Secret
	insecure       bool
	allowed        []netip.Prefix
	proxies        []netip.Prefix
	maxBody        int64
	store          store.Store
	dedupeTTL      time.Duration
	storeTimeout   time.Duration
	handlerTimeout time.Duration
	lease          time.Duration
	handler        Handler
	logger         *slog.Logger
}

// NewReceiver returns a Receiver for cfg, with the defaults filled in. It
// fails when the handler is missing, when neither a secret header nor
// Insecure is set (or both are), when the header name is not a valid HTTP
// header name, when the secret has leading or trailing white space (which
// HTTP strips, so it would never match) or control characters, when a
// network prefix is invalid, or when a size or duration is negative. Errors
// never contain the secret.
func NewReceiver(cfg Config) (*Receiver, error) {
	if cfg.Handler == nil {
		return nil, errors.New("hmsevents: no Handler")
	}
	switch {
	case cfg.Insecure && (cfg.SecretHeader != "" || cfg.Secret != ""):
		return nil, errors.New("hmsevents: Insecure set together with a secret header")
	case !cfg.Insecure && (cfg.SecretHeader == "" || cfg.Secret == ""):
		return nil, errors.New("hmsevents: SecretHeader and Secret are required (or set Insecure to accept webhooks without one)")
	}
	if !cfg.Insecure {
		if !validHeaderName(cfg.SecretHeader) {
			return nil, fmt.Errorf("hmsevents: SecretHeader %q is not a valid header name", cfg.SecretHeader)
		}
		if strings.TrimSpace(cfg.Secret) != cfg.Secret {
			return nil, errors.New("hmsevents: Secret has leading or trailing white space, which HTTP strips from header values")
		}
		if strings.ContainsFunc(cfg.Secret, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return nil, errors.New("hmsevents: Secret has control characters")
		}
	}
	for _, list := range [][]netip.Prefix{cfg.AllowedNetworks, cfg.TrustForwardedFor} {
		for _, p := range list {
			if !p.IsValid() {
				return nil, fmt.Errorf("hmsevents: invalid network prefix %v", p)
			}
		}
	}
	if cfg.MaxBodyBytes < 0 || cfg.DedupeTTL < 0 || cfg.StoreTimeout < 0 || cfg.HandlerTimeout < 0 {
		return nil, errors.New("hmsevents: negative MaxBodyBytes, DedupeTTL, StoreTimeout or HandlerTimeout")
	}
	r := &Receiver{
		header:         cfg.SecretHeader,
		secret:         secret.New(cfg.Secret),
		insecure:       cfg.Insecure,
		allowed:        normalize(cfg.AllowedNetworks),
		proxies:        normalize(cfg.TrustForwardedFor),
		maxBody:        orDefault(cfg.MaxBodyBytes, DefaultMaxBodyBytes),
		store:          cfg.Store,
		dedupeTTL:      orDefault(cfg.DedupeTTL, DefaultDedupeTTL),
		storeTimeout:   orDefault(cfg.StoreTimeout, DefaultStoreTimeout),
		handlerTimeout: orDefault(cfg.HandlerTimeout, DefaultHandlerTimeout),
		handler:        cfg.Handler,
		logger:         cfg.Logger,
	}
	if r.store == nil {
		r.store = store.NewMemory()
	}
	// The claim outlives a handler that honours its deadline, with the store
	// calls around it and a second for the clocks of the store and of this
	// process to disagree.
	r.lease = r.handlerTimeout + 3*r.storeTimeout + time.Second
	return r, nil
}

func orDefault[T int64 | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

// normalize returns the prefixes masked, with IPv4-mapped IPv6 prefixes
// turned into IPv4 ones, since addresses are unmapped before the check.
func normalize(ps []netip.Prefix) []netip.Prefix {
	out := make([]netip.Prefix, 0, len(ps))
	for _, p := range ps {
		if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		}
		out = append(out, p.Masked())
	}
	return out
}

// validHeaderName reports whether s is an RFC 9110 token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

func (r *Receiver) log() *slog.Logger {
	if r.logger != nil {
		return r.logger
	}
	return slog.Default()
}

// authorized reports whether req carries the secret header. Both values are
// hashed first so that the comparison takes the same time whatever their
// lengths.
func (r *Receiver) authorized(req *http.Request) bool {
	if r.insecure {
		return true
	}
	got, ok := req.Header[http.CanonicalHeaderKey(r.header)]
	if !ok || len(got) == 0 {
		return false
	}
	g := sha256.Sum256([]byte(got[0]))
	w := sha256.Sum256([]byte(r.secret.Value()))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

// refuse answers status and logs why at warning level.
func (r *Receiver) refuse(w http.ResponseWriter, req *http.Request, status int, reason string, attrs ...slog.Attr) {
	attrs = append([]slog.Attr{slog.Int("status", status), slog.String("reason", reason), slog.String("remote", req.RemoteAddr)}, attrs...)
	r.log().LogAttrs(req.Context(), slog.LevelWarn, "hmsevents: webhook refused", attrs...)
	http.Error(w, http.StatusText(status), status)
}

// ServeHTTP receives one webhook; the type's doc lists the answers.
func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if len(r.allowed) > 0 {
		from, ok := senderAddr(req, r.proxies)
		if !ok || !contains(r.allowed, from) {
			sender := "unknown"
			if ok {
				sender = from.String()
			}
			r.refuse(w, req, http.StatusForbidden, "sender not in the allowed networks", slog.String("sender", sender))
			return
		}
	}
	if !r.authorized(req) {
		r.refuse(w, req, http.StatusUnauthorized, "missing or wrong secret header")
		return
	}
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		r.refuse(w, req, http.StatusMethodNotAllowed, "method not POST", slog.String("method", req.Method))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, r.maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			r.refuse(w, req, http.StatusRequestEntityTooLarge, "body too large", slog.Int64("limit", r.maxBody))
			return
		}
		r.refuse(w, req, http.StatusBadRequest, "reading the body failed", slog.String("error", err.Error()))
		return
	}
	var e Event
	if err := json.Unmarshal(body, &e); err != nil {
		r.refuse(w, req, http.StatusBadRequest, "malformed event", slog.String("error", err.Error()))
		return
	}
	if e.ID == "" || len(e.ID) > maxIDLen || e.Type == "" {
		r.refuse(w, req, http.StatusBadRequest, "event without an id or a type, or with a too long id", slog.String("type", e.Type))
		return
	}
	if err := checkData(e); err != nil {
		r.refuse(w, req, http.StatusBadRequest, "malformed event data", slog.String("id", e.ID), slog.String("error", err.Error()))
		return
	}
	status := r.deliver(req.Context(), e)
	if status == http.StatusOK {
		w.WriteHeader(status)
		return
	}
	http.Error(w, http.StatusText(status), status)
}

// deliver passes e to the handler unless its id is taken, and returns the
// status to answer.
func (r *Receiver) deliver(ctx context.Context, e Event) int {
	lg := r.log().With(slog.String("id", e.ID), slog.String("type", e.Type))
	claimKey, doneKey := claimPrefix+e.ID, donePrefix+e.ID
	claimed, err := r.setNX(ctx, claimKey, r.lease)
	if err != nil {
		lg.WarnContext(ctx, "hmsevents: store unavailable, asking 100ms to retry", slog.Int("status", http.StatusServiceUnavailable), slog.String("error", err.Error()))
		return http.StatusServiceUnavailable
	}
	done, err := r.handled(ctx, doneKey)
	if err != nil {
		if claimed {
			r.release(ctx, lg, claimKey)
		}
		lg.WarnContext(ctx, "hmsevents: store unavailable, asking 100ms to retry", slog.Int("status", http.StatusServiceUnavailable), slog.String("error", err.Error()))
		return http.StatusServiceUnavailable
	}
	switch {
	case done:
		// The claim, if this delivery took one, lapses by itself.
		lg.DebugContext(ctx, "hmsevents: duplicate event ignored")
		return http.StatusOK
	case !claimed:
		lg.InfoContext(ctx, "hmsevents: event being handled by another delivery, asking 100ms to retry", slog.Int("status", http.StatusConflict))
		return http.StatusConflict
	}
	if err := r.handle(ctx, lg, claimKey, e); err != nil {
		r.release(ctx, lg, claimKey)
		lg.WarnContext(ctx, "hmsevents: handler failed, asking 100ms to retry", slog.Int("status", http.StatusServiceUnavailable), slog.String("error", err.Error()))
		return http.StatusServiceUnavailable
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.storeTimeout)
	defer cancel()
	if _, err := r.store.SetNX(sctx, doneKey, []byte("1"), r.dedupeTTL); err != nil {
		// The event is handled: answering 503 would have it handled again.
		lg.WarnContext(ctx, "hmsevents: event handled but not recorded; a late duplicate may be handled again", slog.String("error", err.Error()))
	}
	lg.DebugContext(ctx, "hmsevents: event handled")
	return http.StatusOK
}

// handle calls the handler with a bounded context. A panic releases the
// claim and goes on up to net/http, which logs it and drops the connection.
func (r *Receiver) handle(ctx context.Context, lg *slog.Logger, claimKey string, e Event) error {
	hctx, cancel := context.WithTimeout(ctx, r.handlerTimeout)
	defer cancel()
	completed := false
	defer func() {
		if !completed {
			r.release(ctx, lg, claimKey)
		}
	}()
	err := r.handler.HandleEvent(hctx, e)
	completed = true
	return err
}

func (r *Receiver) setNX(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	sctx, cancel := context.WithTimeout(ctx, r.storeTimeout)
	defer cancel()
	return r.store.SetNX(sctx, key, []byte("1"), ttl)
}

// handled reports whether the event whose done key is key has been handled.
func (r *Receiver) handled(ctx context.Context, key string) (bool, error) {
	sctx, cancel := context.WithTimeout(ctx, r.storeTimeout)
	defer cancel()
	_, err := r.store.Get(sctx, key)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, store.ErrNotFound):
		return false, nil
	default:
		return false, err
	}
}

// release drops a claim so that 100ms's next delivery is handled; the
// request's end does not stop it. On failure the claim lapses after the
// lease.
func (r *Receiver) release(ctx context.Context, lg *slog.Logger, key string) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.storeTimeout)
	defer cancel()
	if _, err := r.store.Delete(sctx, key); err != nil {
		lg.WarnContext(ctx, "hmsevents: releasing the event failed; retries wait for the claim to lapse", slog.Duration("lease", r.lease), slog.String("error", err.Error()))
	}
}

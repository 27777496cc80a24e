package hmsevents

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

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

// lastRetry is when 100ms sends an event for the last time, after the
// first attempt.
const lastRetry = 10 * time.Second

// maxIDLen bounds an event id, so that the store keys built from it stay
// within [store.MaxKeyLen]. 100ms's ids are UUIDs, 36 bytes.
const maxIDLen = 256

// Store keys: claimPrefix+id is the event's first claim, claimPrefix+id+
// ":"+token the claim that took over (or released) the one with that token,
// and donePrefix+id marks the event handled.
const (
	claimPrefix = "hmsevents:claim:"
	donePrefix  = "hmsevents:done:"
)

// clockSkew is how far the clocks of the instances sharing a store may
// disagree: a claim is taken over only this long after its deadline.
const clockSkew = time.Second

// maxChain bounds the links of an event's claim chain that a delivery
// walks. Each delivery adds at most one, and 100ms delivers an event 4
// times.
const maxChain = 16

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
	// means DefaultHandlerTimeout. HandlerTimeout + 4×StoreTimeout is the
	// deadline of each attempt (see Receiver): keep it, plus a second,
	// under the 10 s after which 100ms sends an event for the last time.
	HandlerTimeout time.Duration

	// Handler processes each event. Required.
	Handler Handler

	// Logger receives a debug line per event and a warning per refused
	// request or failure; nil means slog.Default(). Lines never hold the
	// secret, the data of an event, or a user name (which may be a phone
	// number).
	Logger *slog.Logger
	// MeterProvider receives the receiver's metric,
	// sipconnect.webhook.deliveries{type,result}: one per request, type
	// being the event's type when this package declares it (a Type
	// constant) and "unknown" otherwise, result how the receiver answered
	// (docs/metrics.md). Nil means the global provider,
	// otel.GetMeterProvider, a no-op unless the application installs an
	// SDK.
	MeterProvider metric.MeterProvider
	// TracerProvider receives one server span per request,
	// "hmsevents.delivery", the child of the W3C trace context
	// (traceparent) the request carries, if any, and the parent of the
	// spans the handler starts from its context. Nil means the global
	// provider, otel.GetTracerProvider.
	TracerProvider trace.TracerProvider
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
//     retries, and the retry finds it handled, or free if that one failed
//     or ended);
//   - 503 when the store is unavailable or slower than StoreTimeout, or when
//     the handler returns an error (or panics: the panic goes on to
//     net/http after the claim is released);
//   - 200 once the handler has returned nil, for every type, known or not.
//
// # Claims
//
// An event is handled by one delivery at a time, and once: a delivery first
// claims the event id, then checks that it is not marked handled, calls the
// handler, and then marks it handled for DedupeTTL (and deletes its
// claim), or, when the handler failed, releases the claim. A claim holds a
// random token and the absolute deadline of the attempt that wrote it:
// HandlerTimeout + 4×StoreTimeout after the attempt began, by which time
// the attempt has answered (its handler's context ends early enough for
// that). A delivery that finds a claim whose deadline has passed by more
// than a second takes it over, since the attempt that wrote it has ended.
//
// So a claim never outlives its attempt. That matters when the store
// stalls (Redis stopped, a network that holds packets): the claim commands
// of attempts that answered 503 run when the store resumes, and with a
// claim that merely expired some time after it was written, they would
// answer 409 to 100ms's last retry and the event would be lost. With the
// defaults the deadline is 6.2 s, so the retry 10 s after the first
// attempt finds any claim written by then either released or past its
// deadline. Keep HandlerTimeout + 4×StoreTimeout + 1 s under 10 s (a
// larger one is logged at NewReceiver).
//
// Claims are written with SetNX only, never overwritten or deleted while
// the event may still be handled: the first claim under one key, and each
// takeover or release as a new key named after the token of the claim it
// follows, which only one delivery can write. A release or takeover that
// reaches the store late therefore cannot free or steal a claim another
// delivery holds: that would need a compare-and-set, which not every
// store.Store has. Claims are deleted once the event is marked handled,
// when every later delivery finds the mark whatever claim it takes;
// otherwise they expire after DedupeTTL.
//
// The deadline is read by the clocks of other instances: their clocks must
// agree within about a second (NTP keeps them far closer). The handler runs
// again only after a failure, unless it outlives its context, or the clocks
// disagree by more than that, or the store cannot record a success (which
// is answered 200 all the same, and logged: a duplicate 100ms sends later
// may then be handled again).
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
	now            func() time.Time
	tel            *receiverTelemetry
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
		now:            time.Now,
		tel:            newReceiverTelemetry(cfg.MeterProvider, cfg.TracerProvider),
	}
	if r.store == nil {
		r.store = store.NewMemory()
	}
	// An attempt's deadline: two store calls to claim the event and check
	// it, the handler, and two to record the outcome.
	r.lease = r.handlerTimeout + 4*r.storeTimeout
	if r.lease+clockSkew >= lastRetry {
		r.log().Warn("hmsevents: HandlerTimeout + 4×StoreTimeout + 1 s is not under 10 s: 100ms's last retry cannot take over the claim of an attempt that failed during a store stall",
			slog.Duration("handler_timeout", r.handlerTimeout), slog.Duration("store_timeout", r.storeTimeout))
	}
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

// refuse answers the status of o, counts the delivery and logs why at
// warning level.
func (r *Receiver) refuse(ctx context.Context, d *delivery, w http.ResponseWriter, req *http.Request, o outcome, reason string, attrs ...slog.Attr) {
	status := outcomeStatus[o]
	attrs = append([]slog.Attr{slog.Int("status", status), slog.String("reason", reason), slog.String("remote", req.RemoteAddr)}, attrs...)
	r.log().LogAttrs(ctx, slog.LevelWarn, "hmsevents: webhook refused", attrs...)
	http.Error(w, http.StatusText(status), status)
	d.end(ctx, o)
}

// ServeHTTP receives one webhook; the type's doc lists the answers.
func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	ctx, d := r.tel.start(req)
	defer d.endPanicked(ctx)
	if len(r.allowed) > 0 {
		from, ok := senderAddr(req, r.proxies)
		if !ok || !contains(r.allowed, from) {
			sender := "unknown"
			if ok {
				sender = from.String()
			}
			r.refuse(ctx, &d, w, req, outForbidden, "sender not in the allowed networks", slog.String("sender", sender))
			return
		}
	}
	if !r.authorized(req) {
		r.refuse(ctx, &d, w, req, outUnauthorized, "missing or wrong secret header")
		return
	}
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		r.refuse(ctx, &d, w, req, outMethodNotAllowed, "method not POST", slog.String("method", req.Method))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, r.maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			r.refuse(ctx, &d, w, req, outTooLarge, "body too large", slog.Int64("limit", r.maxBody))
			return
		}
		r.refuse(ctx, &d, w, req, outBadRequest, "reading the body failed", slog.String("error", err.Error()))
		return
	}
	var e Event
	if err := json.Unmarshal(body, &e); err != nil {
		r.refuse(ctx, &d, w, req, outBadRequest, "malformed event", slog.String("error", err.Error()))
		return
	}
	d.typ = typeIndex(e.Type)
	if e.ID == "" || len(e.ID) > maxIDLen || e.Type == "" {
		r.refuse(ctx, &d, w, req, outBadRequest, "event without an id or a type, or with a too long id", slog.String("type", e.Type))
		return
	}
	if err := checkData(e); err != nil {
		r.refuse(ctx, &d, w, req, outBadRequest, "malformed event data", slog.String("id", e.ID), slog.String("error", err.Error()))
		return
	}
	o := r.deliver(ctx, e)
	if status := outcomeStatus[o]; status == http.StatusOK {
		w.WriteHeader(status)
	} else {
		http.Error(w, http.StatusText(status), status)
	}
	d.end(ctx, o)
}

// deliver passes e to the handler unless it has been handled or another
// delivery holds it, and returns the outcome, which tells the status to
// answer. The type's doc tells how claims work.
func (r *Receiver) deliver(ctx context.Context, e Event) outcome {
	lg := r.log().With(slog.String("id", e.ID), slog.String("type", e.Type))
	begun := time.Now()
	mine := claim{token: newToken(), deadline: r.now().Add(r.lease)}
	unavailable := func(err error) outcome {
		lg.WarnContext(ctx, "hmsevents: store unavailable, asking 100ms to retry", slog.Int("status", http.StatusServiceUnavailable), slog.String("error", err.Error()))
		return outStoreUnavailable
	}
	chain, status, err := r.acquire(ctx, lg, e.ID, mine)
	switch {
	case err != nil:
		return unavailable(err)
	case status == http.StatusOK:
		return outDuplicate
	case status != 0:
		return outInProgress
	}
	done, err := r.handled(ctx, donePrefix+e.ID)
	if err != nil {
		r.release(ctx, lg, e.ID, mine)
		return unavailable(err)
	}
	if done {
		r.forget(ctx, e.ID, chain)
		lg.DebugContext(ctx, "hmsevents: duplicate event ignored")
		return outDuplicate
	}
	// The handler ends early enough for this attempt to record the
	// outcome before its deadline.
	budget := min(r.handlerTimeout, r.lease-2*r.storeTimeout-time.Since(begun))
	if budget <= 0 {
		r.release(ctx, lg, e.ID, mine)
		return unavailable(errors.New("the store answered too slowly to leave the handler any time"))
	}
	if err := r.handle(ctx, lg, e, mine, budget); err != nil {
		r.release(ctx, lg, e.ID, mine)
		lg.WarnContext(ctx, "hmsevents: handler failed, asking 100ms to retry", slog.Int("status", http.StatusServiceUnavailable), slog.String("error", err.Error()))
		return outHandlerFailed
	}
	if err := r.markDone(ctx, e.ID, mine); err != nil {
		// The event is handled: answering 503 would have it handled again.
		// The claim stays until its deadline; a write that reached the
		// store during a stall lands when the store resumes, before any
		// later delivery can take the claim over and look.
		lg.WarnContext(ctx, "hmsevents: event handled but not recorded; a late duplicate may be handled again", slog.String("error", err.Error()))
	} else {
		r.forget(ctx, e.ID, chain)
	}
	if late := r.now().Sub(mine.deadline.Add(clockSkew)); late > 0 {
		// Past its deadline the claim could be taken over before the done
		// mark landed: the handler's steps being idempotent, the event's
		// effect is the same, but it may have been handled twice.
		lg.WarnContext(ctx, "hmsevents: the attempt outlived its claim; another delivery may have handled the event as well", slog.Duration("late", late))
	}
	lg.DebugContext(ctx, "hmsevents: event handled")
	return outHandled
}

// markDone records that the event was handled. The write is idempotent, so
// a store that does not answer is asked again, up to three times in all
// while the attempt's deadline allows: a mark that is missing lets a later
// delivery handle the event again.
func (r *Receiver) markDone(ctx context.Context, id string, mine claim) error {
	ctx = context.WithoutCancel(ctx)
	for try := 1; ; try++ {
		sctx, cancel := context.WithTimeout(ctx, r.storeTimeout)
		_, err := r.store.SetNX(sctx, donePrefix+id, []byte("1"), r.dedupeTTL)
		cancel()
		if err == nil || try == 3 || !errors.Is(err, store.ErrUnavailable) || !r.now().Add(r.storeTimeout).Before(mine.deadline) {
			return err
		}
	}
}

// acquire takes the event's claim for mine: the root claim when there is
// none, or, when the claim at the end of the chain has passed its deadline
// (plus clockSkew) or was released, a link after it. It returns the keys of
// the links it walked and wrote, for forget; or the status to answer when
// the event is not this attempt's to handle (200: handled already, 409:
// another delivery holds it); or the store's error.
func (r *Receiver) acquire(ctx context.Context, lg *slog.Logger, id string, mine claim) (chain []string, status int, err error) {
	root, value := claimPrefix+id, mine.encode()
	for range 3 {
		stored, err := r.setNX(ctx, root, value, r.dedupeTTL)
		if err != nil || stored {
			return nil, 0, err
		}
		v, err := r.get(ctx, root)
		if errors.Is(err, store.ErrNotFound) {
			continue // released by a success since: claim it, then look
		}
		if err != nil {
			return nil, 0, err
		}
		tail, known := decodeClaim(v)
		var walked []string
		for known {
			if len(walked) == maxChain {
				return nil, 0, fmt.Errorf("hmsevents: the claims of event %.64q form a chain of over %d links", id, maxChain)
			}
			link := claimPrefix + id + ":" + tail.token
			v, err := r.get(ctx, link)
			if errors.Is(err, store.ErrNotFound) {
				break
			}
			if err != nil {
				return nil, 0, err
			}
			walked = append(walked, link)
			tail, known = decodeClaim(v)
		}
		if !known || r.now().Before(tail.deadline.Add(clockSkew)) {
			// A live claim (or one of an older version of this package,
			// which lapses by itself): unless the event is done, another
			// delivery is handling it.
			done, err := r.handled(ctx, donePrefix+id)
			switch {
			case err != nil:
				return nil, 0, err
			case done:
				lg.DebugContext(ctx, "hmsevents: duplicate event ignored")
				return nil, http.StatusOK, nil
			}
			lg.InfoContext(ctx, "hmsevents: event being handled by another delivery, asking 100ms to retry", slog.Int("status", http.StatusConflict))
			return nil, http.StatusConflict, nil
		}
		// The attempt that holds the claim has ended: take it over. Of
		// several deliveries doing so at once, one stores the link.
		link := claimPrefix + id + ":" + tail.token
		stored, err = r.setNX(ctx, link, value, r.dedupeTTL)
		if err != nil {
			return nil, 0, err
		}
		if stored {
			lg.InfoContext(ctx, "hmsevents: took over the claim of an attempt that ended", slog.Time("its_deadline", tail.deadline))
			return append(walked, link), 0, nil
		}
	}
	lg.InfoContext(ctx, "hmsevents: event being claimed by other deliveries, asking 100ms to retry", slog.Int("status", http.StatusConflict))
	return nil, http.StatusConflict, nil
}

// handle calls the handler with a context bounded by budget. A panic
// releases the claim and goes on up to net/http, which logs it and drops
// the connection.
func (r *Receiver) handle(ctx context.Context, lg *slog.Logger, e Event, mine claim, budget time.Duration) error {
	hctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	completed := false
	defer func() {
		if !completed {
			r.release(ctx, lg, e.ID, mine)
		}
	}()
	err := r.handler.HandleEvent(hctx, e)
	completed = true
	return err
}

func (r *Receiver) setNX(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	sctx, cancel := context.WithTimeout(ctx, r.storeTimeout)
	defer cancel()
	return r.store.SetNX(sctx, key, value, ttl)
}

func (r *Receiver) get(ctx context.Context, key string) ([]byte, error) {
	sctx, cancel := context.WithTimeout(ctx, r.storeTimeout)
	defer cancel()
	return r.store.Get(sctx, key)
}

// handled reports whether the event whose done key is key has been handled.
func (r *Receiver) handled(ctx context.Context, key string) (bool, error) {
	_, err := r.get(ctx, key)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, store.ErrNotFound):
		return false, nil
	default:
		return false, err
	}
}

// release gives up mine so that 100ms's next delivery is handled at once:
// it writes, with SetNX, a claim whose deadline has passed as the link
// after mine. SetNX only ever adds that one key, so a release that reaches
// the store late (after a stall) cannot free a claim another delivery took
// since. The request's end does not stop it. On failure the claim frees
// itself at its deadline.
func (r *Receiver) release(ctx context.Context, lg *slog.Logger, id string, mine claim) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.storeTimeout)
	defer cancel()
	freed := claim{token: newToken()} // deadline: the zero time, long past
	if _, err := r.store.SetNX(sctx, claimPrefix+id+":"+mine.token, freed.encode(), r.dedupeTTL); err != nil {
		lg.WarnContext(ctx, "hmsevents: releasing the event failed; retries wait for the claim's deadline", slog.Time("deadline", mine.deadline), slog.String("error", err.Error()))
	}
}

// forget deletes the claims of an event that is recorded handled: every
// later delivery finds the done key, whatever claim it takes. Best effort:
// the keys expire after DedupeTTL anyway.
func (r *Receiver) forget(ctx context.Context, id string, chain []string) {
	for _, key := range append([]string{claimPrefix + id}, chain...) {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.storeTimeout)
		_, err := r.store.Delete(sctx, key)
		cancel()
		if err != nil {
			return
		}
	}
}

// claim is what a claim key holds: a random token naming the attempt that
// wrote it, and the attempt's deadline.
type claim struct {
	token    string
	deadline time.Time
}

// encode returns the stored form of c: the token, a colon and the deadline
// in Unix milliseconds.
func (c claim) encode() []byte {
	ms := int64(0) // released
	if !c.deadline.IsZero() {
		ms = c.deadline.UnixMilli()
	}
	return []byte(c.token + ":" + strconv.FormatInt(ms, 10))
}

// decodeClaim parses a stored claim; ok is false for another form (the
// "1" that older versions of this package wrote).
func decodeClaim(v []byte) (c claim, ok bool) {
	token, ms, found := strings.Cut(string(v), ":")
	if !found || len(token) != 2*tokenBytes {
		return claim{}, false
	}
	n, err := strconv.ParseInt(ms, 10, 64)
	if err != nil {
		return claim{}, false
	}
	if n == 0 {
		return claim{token: token}, true
	}
	return claim{token: token, deadline: time.UnixMilli(n)}, true
}

// tokenBytes is the size of a claim's random token.
const tokenBytes = 12

func newToken() string {
	b := make([]byte, tokenBytes)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

package sipconnect

import (
	"context"
	"log/slog"
	"net/http"
	"reflect"
	"time"
)

// A PINMenu asks callers for a meeting PIN that decides their room;
// *pins.Config is one. NewHandler calls AttachPIN once, to check the menu
// and render its answers with the handler's carrier.
type PINMenu interface {
	AttachPIN(h PINHost) (PINSession, error)
}

// A PINSession is a menu attached to one handler: Prompt answers a call
// routed to it, ServeHTTP (Handler.PINHandler) the PIN steps.
type PINSession interface {
	Prompt(ctx context.Context, w http.ResponseWriter, call Call, start time.Time)
	http.Handler
}

// A PINHost is the handler as its PIN menu sees it; Accept checks a step
// as the handler checks webhooks, answering a failure itself.
type PINHost interface {
	Carrier() Adapter
	PublicURL() string
	Timeout() time.Duration
	Accept(w http.ResponseWriter, r *http.Request) (Call, bool)
	LogCall(ctx context.Context, level slog.Level, msg string, call Call, start time.Time, attrs ...slog.Attr)
	Write(w http.ResponseWriter, doc []byte)
	WriteFallback(w http.ResponseWriter)
	Bridge(ctx context.Context, w http.ResponseWriter, call Call, start time.Time, room Room, id *Identity)
}

// pinHost is a Handler as its PIN menu sees it.
type pinHost struct{ h *Handler }

var _ PINHost = pinHost{}

func (p pinHost) Carrier() Adapter       { return p.h.carrier }
func (p pinHost) PublicURL() string      { return p.h.publicURL }
func (p pinHost) Timeout() time.Duration { return p.h.timeout }

func (p pinHost) Accept(w http.ResponseWriter, r *http.Request) (Call, bool) {
	params, ok := p.h.accept(r.Context(), w, r, p.h.tel)
	if !ok {
		return Call{}, false
	}
	return p.h.carrier.Call(params), true
}

// LogCall logs the line, and counts and records a line that says how the
// call was answered (its "outcome" attribute).
func (p pinHost) LogCall(ctx context.Context, level slog.Level, msg string, call Call, start time.Time, attrs ...slog.Attr) {
	p.h.logCall(ctx, level, msg, call, start, attrs...)
	var outcome, reason string
	for _, a := range attrs {
		switch a.Key {
		case "outcome":
			outcome = a.Value.String()
		case "stage":
			reason = a.Value.String()
		}
	}
	if outcome != "" {
		p.h.observe(ctx, call, start, metricOutcome(outcome), reason, "pin")
	}
}

func (p pinHost) Write(w http.ResponseWriter, doc []byte) { p.h.write(w, doc) }
func (p pinHost) WriteFallback(w http.ResponseWriter)     { p.h.write(w, p.h.fallback) }

func (p pinHost) Bridge(ctx context.Context, w http.ResponseWriter, call Call, start time.Time, room Room, id *Identity) {
	p.h.bridge(ctx, w, call, start, room, id, "pin")
}

// PINHandler returns the handler of the PIN steps, to mount at
// pins.Config.Path; 404 without a PIN menu.
func (h *Handler) PINHandler() http.Handler {
	if h.pin == nil {
		return http.NotFoundHandler()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ctx, span := h.tel.start(r, "sipconnect.pin-step")
		defer span.End()
		defer h.tel.answered(ctx, start)
		h.pin.ServeHTTP(w, r.WithContext(ctx))
	})
}

// isNil reports whether v is nil or a nil pointer: a nil *roster.Roster or
// *pins.Config in an interface field means "none", not one to call.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	r := reflect.ValueOf(v)
	return r.Kind() == reflect.Pointer && r.IsNil()
}

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

// A PINHost is the handler as its PIN menu sees it: its carrier, public
// URL and timeout; Accept checks a step request as the handler checks its
// webhooks (answering a failure itself); LogCall, Write, WriteFallback and
// Bridge answer as the handler does.
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
	params, ok := p.h.accept(w, r)
	if !ok {
		return Call{}, false
	}
	return p.h.carrier.Call(params), true
}

func (p pinHost) LogCall(ctx context.Context, level slog.Level, msg string, call Call, start time.Time, attrs ...slog.Attr) {
	p.h.logCall(ctx, level, msg, call, start, attrs...)
}

func (p pinHost) Write(w http.ResponseWriter, doc []byte) { p.h.write(w, doc) }
func (p pinHost) WriteFallback(w http.ResponseWriter)     { p.h.write(w, p.h.fallback) }

func (p pinHost) Bridge(ctx context.Context, w http.ResponseWriter, call Call, start time.Time, room Room, id *Identity) {
	p.h.bridge(ctx, w, call, start, room, id)
}

// PINHandler returns the handler of the PIN steps, to mount at
// pins.Config.Path; 404 without a PIN menu.
func (h *Handler) PINHandler() http.Handler {
	if h.pin == nil {
		return http.NotFoundHandler()
	}
	return h.pin
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

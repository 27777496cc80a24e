package sipconnect

import (
	"context"
	"log/slog"
	"net/http"
	"reflect"
	"time"
)

// A PINMenu asks callers for a meeting PIN that decides their room
// (HandlerConfig.PIN). Package pins' *pins.Config is the SDK's: a menu with
// lockouts, one-time step URLs and a PIN directory in a shared store.
type PINMenu interface {
	// AttachPIN checks the menu and renders its answers for one handler,
	// which it then answers through; NewHandler calls it once.
	AttachPIN(h PINHost) (PINSession, error)
}

// A PINSession is a PIN menu attached to one handler.
type PINSession interface {
	// Prompt answers a call the handler routed to the menu.
	Prompt(ctx context.Context, w http.ResponseWriter, call Call, start time.Time)
	// ServeHTTP answers a PIN step, the digits the carrier sends back;
	// Handler.PINHandler serves it.
	http.Handler
}

// A PINHost is the handler a PIN menu is attached to, as the menu sees
// it: its carrier, its checks and the answers it sends.
type PINHost interface {
	// Carrier renders the menu's prompts and reads its steps.
	Carrier() Adapter
	// PublicURL is HandlerConfig.PublicURL, under which the step URLs go.
	PublicURL() string
	// Timeout bounds deciding one call (HandlerConfig.Timeout).
	Timeout() time.Duration
	// Accept checks a step request as the handler checks its webhooks
	// (method, size, signature), answering it itself when it fails, and
	// returns the call it carries.
	Accept(w http.ResponseWriter, r *http.Request) (Call, bool)
	// LogCall logs one line about call, as the handler logs its calls.
	LogCall(ctx context.Context, level slog.Level, msg string, call Call, start time.Time, attrs ...slog.Attr)
	// Write sends doc with status 200, and WriteFallback the fallback.
	Write(w http.ResponseWriter, doc []byte)
	WriteFallback(w http.ResponseWriter)
	// Bridge answers the dial-in to room, with id as the caller's identity
	// when it is not nil, or the fallback when the room cannot be decided.
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

// PINHandler returns the handler of the PIN step, to mount at the menu's
// path (pins.Config.Path) by POST and GET. It answers 404 when the handler
// has no PIN menu.
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

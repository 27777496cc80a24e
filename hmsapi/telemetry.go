package hmsapi

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// scope is the instrumentation scope of the package's meter and tracer.
const scope = "github.com/hmssip/interconnect-go/hmsapi"

// WithMeterProvider sets where the client's metrics go:
// sipconnect.hmsapi.requests, sipconnect.hmsapi.request.duration and
// sipconnect.hmsapi.retries (docs/metrics.md lists them). The global
// provider (otel.GetMeterProvider, a no-op unless the application installs
// an SDK) by default.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) {
		c.meterProvider = mp
	}
}

// WithTracerProvider sets where the client's spans go: one client span per
// call of Do, named after the request's Operation. The global provider
// (otel.GetTracerProvider, a no-op unless the application installs an SDK)
// by default. Whatever the provider, every request carries the W3C trace
// context (traceparent) of the span in its context, when there is one.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) {
		c.tracerProvider = tp
	}
}

// durationBuckets are the bounds, in seconds, of the request duration
// histogram: OpenTelemetry's HTTP client buckets, and past them the
// lengths of a call request, which rings for up to 35 s by default.
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60}

// maxAttrSets bounds the attribute sets kept for reuse; past it (an
// application naming operations by something other than a constant) sets
// are built for each request.
const maxAttrSets = 1024

// telemetry is a client's instruments, created once by New.
type telemetry struct {
	tracer   trace.Tracer
	requests metric.Int64Counter
	duration metric.Float64Histogram
	retries  metric.Int64Counter
	spanKind []trace.SpanStartOption

	mu  sync.RWMutex
	ops map[string]*opAttrs             // operation -> its options
	req map[opStatus][]metric.AddOption // (operation, status) -> the request counter's options
}

type opStatus struct {
	op     string
	status int // 0: "error"
}

// opAttrs are the options recording an operation's duration and retries.
type opAttrs struct {
	record []metric.RecordOption
	add    []metric.AddOption
}

func newTelemetry(mp metric.MeterProvider, tp trace.TracerProvider) *telemetry {
	m := cmp.Or(mp, otel.GetMeterProvider()).Meter(scope)
	t := &telemetry{
		tracer:   cmp.Or(tp, otel.GetTracerProvider()).Tracer(scope),
		spanKind: []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindClient)},
		ops:      map[string]*opAttrs{},
		req:      map[opStatus][]metric.AddOption{},
	}
	var err error
	t.requests, err = m.Int64Counter("sipconnect.hmsapi.requests", metric.WithUnit("{request}"),
		metric.WithDescription("Calls of the 100ms REST API, by operation and the HTTP status of the final answer (\"error\" when there was none)."))
	handle(err)
	t.duration, err = m.Float64Histogram("sipconnect.hmsapi.request.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of a call of the 100ms REST API, retries and their waits included."),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	handle(err)
	t.retries, err = m.Int64Counter("sipconnect.hmsapi.retries", metric.WithUnit("{request}"),
		metric.WithDescription("Requests to the 100ms REST API sent again after a failed attempt."))
	handle(err)
	return t
}

// handle passes an error creating an instrument to OpenTelemetry's error
// handler; the instrument returned with it still works (as a no-op).
func handle(err error) {
	if err != nil {
		otel.Handle(err)
	}
}

// opOptions returns the options of operation op, building them once.
func (t *telemetry) opOptions(op string) *opAttrs {
	return builtOnce(&t.mu, t.ops, op, func() *opAttrs {
		set := attribute.NewSet(attribute.String("operation", op))
		return &opAttrs{record: []metric.RecordOption{metric.WithAttributeSet(set)}, add: []metric.AddOption{metric.WithAttributeSet(set)}}
	})
}

// requestOptions returns the request counter's options for op and status
// (0 for a request that got no HTTP answer), building them once.
func (t *telemetry) requestOptions(op string, status int) []metric.AddOption {
	return builtOnce(&t.mu, t.req, opStatus{op, status}, func() []metric.AddOption {
		s := "error"
		if status != 0 {
			s = strconv.Itoa(status)
		}
		return []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attribute.String("operation", op), attribute.String("status", s)))}
	})
}

// builtOnce returns the value of k in m, which mu guards. When m has none,
// it builds one and keeps it, unless m holds maxAttrSets values already.
func builtOnce[K comparable, V any](mu *sync.RWMutex, m map[K]V, k K, build func() V) V {
	mu.RLock()
	v, ok := m[k]
	mu.RUnlock()
	if ok {
		return v
	}
	v = build()
	mu.Lock()
	defer mu.Unlock()
	if kept, ok := m[k]; ok {
		return kept
	}
	if len(m) < maxAttrSets {
		m[k] = v
	}
	return v
}

// call is the telemetry of one call of Do.
type call struct {
	t       *telemetry
	op      string
	span    trace.Span
	begun   time.Time
	status  int // of the last answer, 0 while none
	retries int
}

// start opens the span of a call of Do, returning the context that carries
// it.
func (t *telemetry) start(ctx context.Context, req *Request) (context.Context, call) {
	op := req.Operation
	if op == "" {
		op = req.Method
	}
	ctx, span := t.tracer.Start(ctx, op, t.spanKind...)
	if span.IsRecording() {
		span.SetAttributes(attribute.String("http.request.method", req.Method), attribute.String("hmsapi.operation", op))
	}
	return ctx, call{t: t, op: op, span: span, begun: time.Now()}
}

// retry counts a retry of the call.
func (c *call) retry(ctx context.Context) {
	c.retries++
	c.t.retries.Add(ctx, 1, c.t.opOptions(c.op).add...)
}

// end records the call's outcome, err being what Do returns, and ends its
// span. The status recorded is that of an *APIError, or of the last answer
// when the call succeeded; any other failure (no connection, a context
// that ended, a body too large) has none. The span holds no error text,
// which could name a room or a peer in its path.
func (c *call) end(ctx context.Context, err error) {
	status := c.status
	if err != nil {
		status = errorStatus(err)
	}
	elapsed := time.Since(c.begun).Seconds()
	t := c.t
	t.requests.Add(ctx, 1, t.requestOptions(c.op, status)...)
	t.duration.Record(ctx, elapsed, t.opOptions(c.op).record...)
	if c.span.IsRecording() {
		if status != 0 {
			c.span.SetAttributes(attribute.Int("http.response.status_code", status))
		}
		if c.retries > 0 {
			c.span.SetAttributes(attribute.Int("http.request.resend_count", c.retries))
		}
		switch {
		case err == nil:
		case status != 0:
			c.span.SetStatus(codes.Error, strconv.Itoa(status)+" "+http.StatusText(status))
		default:
			c.span.SetStatus(codes.Error, "no answer")
		}
	}
	c.span.End()
}

// errorStatus returns the HTTP status of an *APIError, 0 for any other
// error.
func errorStatus(err error) int {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.StatusCode
	}
	return 0
}

// traceContext is the propagator of the W3C trace context every request
// carries. It is not the global propagator, which is a no-op unless the
// application sets one.
var traceContext propagation.TraceContext

// inject writes the trace context of ctx's span, if any, into h.
func inject(ctx context.Context, h http.Header) {
	traceContext.Inject(ctx, propagation.HeaderCarrier(h))
}

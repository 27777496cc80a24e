package hmsevents

import (
	"cmp"
	"context"
	"net/http"
	"slices"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// scope is the instrumentation scope of the package's meter and tracer.
const scope = "github.com/hmssip/interconnect-go/hmsevents"

// outcome is one way a Receiver answers a delivery: the result attribute
// of sipconnect.webhook.deliveries.
type outcome uint8

const (
	outHandled          outcome = iota // 200: the handler returned nil
	outDuplicate                       // 200: handled before
	outInProgress                      // 409: another delivery holds the event
	outStoreUnavailable                // 503: the store failed or was too slow
	outHandlerFailed                   // 503: the handler returned an error
	outForbidden                       // 403: sender not allowed
	outUnauthorized                    // 401: missing or wrong secret header
	outMethodNotAllowed                // 405
	outTooLarge                        // 413
	outBadRequest                      // 400: not an event
	numOutcomes
)

var outcomeNames = [numOutcomes]string{"handled", "duplicate", "in_progress", "store_unavailable", "handler_failed",
	"forbidden", "unauthorized", "method_not_allowed", "too_large", "bad_request"}

var outcomeStatus = [numOutcomes]int{http.StatusOK, http.StatusOK, http.StatusConflict, http.StatusServiceUnavailable,
	http.StatusServiceUnavailable, http.StatusForbidden, http.StatusUnauthorized, http.StatusMethodNotAllowed,
	http.StatusRequestEntityTooLarge, http.StatusBadRequest}

// knownTypes are the event types the type attribute names; any other, and
// a delivery refused before its type was read, is "unknown", so that a
// sender cannot make a metric series per string it sends.
var knownTypes = []string{TypePeerJoinSuccess, TypePeerLeaveSuccess, TypePeerJoinFailure, TypePeerLeaveFailure,
	TypeRoomEndSuccess, TypeRoomEndFailure, TypeSessionOpenSuccess, TypeSessionCloseSuccess}

// unknownType is the index of "unknown" in receiverTelemetry.deliveries.
var unknownType = len(knownTypes)

// receiverTelemetry is a Receiver's instruments, created once by
// NewReceiver, with the attribute set of every (type, result) built in
// advance.
type receiverTelemetry struct {
	tracer     trace.Tracer
	counter    metric.Int64Counter
	deliveries [][numOutcomes][]metric.AddOption // by index in knownTypes, then unknownType
	spanOpts   []trace.SpanStartOption
}

func newReceiverTelemetry(mp metric.MeterProvider, tp trace.TracerProvider) *receiverTelemetry {
	counter, err := cmp.Or(mp, otel.GetMeterProvider()).Meter(scope).Int64Counter("sipconnect.webhook.deliveries", metric.WithUnit("{delivery}"),
		metric.WithDescription("100ms webhook deliveries, by event type and by how the receiver answered."))
	if err != nil {
		otel.Handle(err)
	}
	t := &receiverTelemetry{tracer: cmp.Or(tp, otel.GetTracerProvider()).Tracer(scope), counter: counter,
		deliveries: make([][numOutcomes][]metric.AddOption, len(knownTypes)+1),
		spanOpts:   []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindServer)}}
	for i := range t.deliveries {
		typ := "unknown"
		if i < len(knownTypes) {
			typ = knownTypes[i]
		}
		for o := range numOutcomes {
			set := attribute.NewSet(attribute.String("type", typ), attribute.String("result", outcomeNames[o]))
			t.deliveries[i][o] = []metric.AddOption{metric.WithAttributeSet(set)}
		}
	}
	return t
}

// typeIndex returns the index of typ in knownTypes, or unknownType.
func typeIndex(typ string) int {
	if i := slices.Index(knownTypes, typ); i >= 0 {
		return i
	}
	return unknownType
}

// endPanicked ends a delivery whose handler panicked, as failed: the
// panic goes on to net/http, which drops the connection.
func (d *delivery) endPanicked(ctx context.Context) {
	if !d.ended {
		d.end(ctx, outHandlerFailed)
	}
}

// traceContext is the propagator of the W3C trace context a delivery may
// carry. It is not the global propagator, which is a no-op unless the
// application sets one.
var traceContext propagation.TraceContext

// delivery is the telemetry of one request to the Receiver.
type delivery struct {
	t     *receiverTelemetry
	span  trace.Span
	typ   int
	ended bool
}

// start opens the delivery's server span, the child of the W3C trace
// context of req when it carries one, and returns the context holding it.
func (t *receiverTelemetry) start(req *http.Request) (context.Context, delivery) {
	ctx := req.Context()
	if _, ok := req.Header["Traceparent"]; ok { // canonical: Get would allocate it
		ctx = traceContext.Extract(ctx, propagation.HeaderCarrier(req.Header))
	}
	ctx, span := t.tracer.Start(ctx, "hmsevents.delivery", t.spanOpts...)
	return ctx, delivery{t: t, span: span, typ: unknownType}
}

// end counts the delivery's outcome and ends its span. The span holds the
// type and result, never the event's id or data.
func (d *delivery) end(ctx context.Context, o outcome) {
	d.ended = true
	d.t.counter.Add(ctx, 1, d.t.deliveries[d.typ][o]...)
	if d.span.IsRecording() {
		typ := "unknown"
		if d.typ < len(knownTypes) {
			typ = knownTypes[d.typ]
		}
		d.span.SetAttributes(attribute.String("hmsevents.event.type", typ), attribute.String("hmsevents.result", outcomeNames[o]),
			attribute.Int("http.response.status_code", outcomeStatus[o]))
		if outcomeStatus[o] >= 500 {
			d.span.SetStatus(codes.Error, outcomeNames[o])
		}
	}
	d.span.End()
}

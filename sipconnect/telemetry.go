package sipconnect

import (
	"context"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// scope is the instrumentation scope of the handler's metrics and spans.
const scope = "github.com/hmssip/interconnect-go/sipconnect"

// The outcomes of an answered webhook, as sipconnect.calls counts them
// and CallAnswer.Outcome says them; a PIN menu adds its own (pin_wrong,
// pin_locked, ...). docs/metrics.md lists them all.
const (
	outcomeBridged           = "bridged"            // the dial-in was answered
	outcomeFallback          = "fallback"           // the call could not be bridged
	outcomeRejectedSignature = "rejected_signature" // 403
	outcomeBadRequest        = "bad_request"        // 400, 405 or 413
	outcomePINPrompt         = "pin_prompt"         // asked for a PIN
	outcomePINOK             = "pin_ok"             // a PIN bridged the call
)

// telemetry holds the handler's instruments, made once.
type telemetry struct {
	tracer    trace.Tracer
	calls     metric.Int64Counter
	answer    metric.Float64Histogram
	fallbacks metric.Int64Counter
	carrier   attribute.KeyValue
	// Options built once: a call records without allocating them.
	spanOpts  []trace.SpanStartOption
	byCarrier []metric.RecordOption
	outcomes  map[string][]metric.AddOption // carrier and outcome, per outcome known
}

// knownOutcomes are built when the handler is made; another outcome (a
// PIN menu's own) gets its set on first use.
var knownOutcomes = [...]string{outcomeBridged, outcomeFallback, outcomeRejectedSignature, outcomeBadRequest,
	outcomePINPrompt, outcomePINOK}

func newTelemetry(mp metric.MeterProvider, tp trace.TracerProvider, carrier string) (*telemetry, error) {
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	m := mp.Meter(scope)
	t := &telemetry{tracer: tp.Tracer(scope), carrier: attribute.String("carrier", strings.ToLower(carrier))}
	var err error
	if t.calls, err = m.Int64Counter("sipconnect.calls", metric.WithUnit("{call}"),
		metric.WithDescription("Webhooks of incoming calls answered, by carrier and outcome.")); err != nil {
		return nil, err
	}
	if t.answer, err = m.Float64Histogram("sipconnect.call.answer.duration", metric.WithUnit("s"),
		metric.WithDescription("Time the handler took to answer a call's webhook."),
		metric.WithExplicitBucketBoundaries(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)); err != nil {
		return nil, err
	}
	if t.fallbacks, err = m.Int64Counter("sipconnect.fallbacks", metric.WithUnit("{call}"),
		metric.WithDescription("Calls answered with the fallback, by reason.")); err != nil {
		return nil, err
	}
	t.spanOpts = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(t.carrier)}
	t.byCarrier = []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(t.carrier))}
	t.outcomes = make(map[string][]metric.AddOption, 16)
	for _, o := range knownOutcomes {
		t.outcomes[o] = t.outcomeSet(o)
	}
	return t, nil
}

func (t *telemetry) outcomeSet(outcome string) []metric.AddOption {
	return []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(t.carrier, attribute.String("outcome", outcome)))}
}

// count adds one call with outcome (and a fallback's reason); nil counts none.
func (t *telemetry) count(ctx context.Context, outcome, reason string) {
	if t == nil {
		return
	}
	opt, ok := t.outcomes[outcome]
	if !ok {
		opt = t.outcomeSet(outcome) // a PIN menu's outcome: rare, and bounded by the menu's vocabulary
	}
	t.calls.Add(ctx, 1, opt...)
	if outcome == outcomeFallback {
		t.fallbacks.Add(ctx, 1, metric.WithAttributeSet(attribute.NewSet(attribute.String("reason", reason))))
	}
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.SetAttributes(attribute.String("sipconnect.outcome", outcome))
	}
}

// start begins the span of one webhook, continuing the trace of the
// incoming request when it carries W3C trace context.
func (t *telemetry) start(r *http.Request, name string) (context.Context, trace.Span) {
	ctx := r.Context()
	if r.Header.Get("traceparent") != "" {
		ctx = propagation.TraceContext{}.Extract(ctx, propagation.HeaderCarrier(r.Header))
	}
	return t.tracer.Start(ctx, name, t.spanOpts...)
}

// answered records the time taken to answer a webhook.
func (t *telemetry) answered(ctx context.Context, start time.Time) {
	t.answer.Record(ctx, time.Since(start).Seconds(), t.byCarrier...)
}

// metricOutcome turns the outcome a PIN menu logs into the metric's
// vocabulary: "pin-wrong" is pin_wrong, "locked" pin_locked.
func metricOutcome(logged string) string {
	switch logged {
	case "dial":
		return outcomeBridged
	case "fallback":
		return outcomeFallback
	case "locked":
		return "pin_locked"
	case "try-later":
		return "pin_try_later"
	case "rejected-step":
		return "pin_rejected_step"
	}
	return strings.ReplaceAll(logged, "-", "_")
}

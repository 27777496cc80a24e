package apisurface

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// Observed is a meter provider and a tracer provider whose metrics and
// spans a test reads back.
type Observed struct {
	Reader *sdkmetric.ManualReader
	Spans  *tracetest.SpanRecorder
	MP     *sdkmetric.MeterProvider
	TP     *sdktrace.TracerProvider
}

// NewObserved returns providers that keep what they record in memory.
func NewObserved() *Observed {
	o := &Observed{Reader: sdkmetric.NewManualReader(), Spans: tracetest.NewSpanRecorder()}
	o.MP = sdkmetric.NewMeterProvider(sdkmetric.WithReader(o.Reader))
	o.TP = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(o.Spans))
	return o
}

// metrics collects what the meter provider has recorded so far.
func (o *Observed) metrics(t testing.TB) []metricdata.Metrics {
	t.Helper()
	var ms []metricdata.Metrics
	for _, sm := range o.scopeMetrics(t) {
		ms = append(ms, sm.Metrics...)
	}
	return ms
}

// scopeMetrics collects what the meter provider has recorded so far, by
// instrumentation scope.
func (o *Observed) scopeMetrics(t testing.TB) []metricdata.ScopeMetrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := o.Reader.Collect(context.Background(), &rm); err != nil {
		t.Fatalf("collecting metrics: %v", err)
	}
	return rm.ScopeMetrics
}

// Points returns every metric recorded so far, flattened:
// "name{k=v,...}" (attributes as Attrs writes them) to the sum of an int64
// counter or the count of a float64 histogram, and "unit:name" to the
// metric's unit. Unless scope is empty, it fails the test when a metric's
// instrumentation scope is not scope; it fails it on data of another kind.
func (o *Observed) Points(t testing.TB, scope string) map[string]any {
	t.Helper()
	out := map[string]any{}
	for _, sm := range o.scopeMetrics(t) {
		if scope != "" && sm.Scope.Name != scope {
			t.Errorf("metrics of scope %q, want %q", sm.Scope.Name, scope)
		}
		for _, m := range sm.Metrics {
			out["unit:"+m.Name] = m.Unit
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					out[m.Name+"{"+Attrs(p.Attributes)+"}"] = p.Value
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					out[m.Name+"{"+Attrs(p.Attributes)+"}"] = p.Count
				}
			default:
				t.Errorf("metric %s: unexpected data %T", m.Name, m.Data)
			}
		}
	}
	return out
}

// Attributes returns the attributes of every data point of the int64
// counters and float64 histograms recorded so far.
func (o *Observed) Attributes(t testing.TB) []attribute.KeyValue {
	t.Helper()
	var out []attribute.KeyValue
	for _, m := range o.metrics(t) {
		switch d := m.Data.(type) {
		case metricdata.Sum[int64]:
			for _, p := range d.DataPoints {
				out = append(out, p.Attributes.ToSlice()...)
			}
		case metricdata.Histogram[float64]:
			for _, p := range d.DataPoints {
				out = append(out, p.Attributes.ToSlice()...)
			}
		}
	}
	return out
}

// Texts returns every string the providers hold: the keys of Points, and
// the name, status description and attribute values of each ended span.
func (o *Observed) Texts(t testing.TB) []string {
	t.Helper()
	var seen []string
	for k := range o.Points(t, "") {
		seen = append(seen, k)
	}
	for _, s := range o.Spans.Ended() {
		seen = append(seen, s.Name(), s.Status().Description)
		for _, kv := range s.Attributes() {
			seen = append(seen, kv.Value.String())
		}
	}
	return seen
}

// AssertHoldsNone fails the test when the providers hold nothing, or when
// any of Texts contains any of secrets.
func (o *Observed) AssertHoldsNone(t testing.TB, secrets ...string) {
	t.Helper()
	seen := o.Texts(t)
	if len(seen) == 0 {
		t.Fatal("the providers hold nothing")
	}
	for _, s := range seen {
		for _, secret := range secrets {
			if strings.Contains(s, secret) {
				t.Errorf("%q holds %q", s, secret)
			}
		}
	}
}

// Counts returns the data points of the int64 counter name, keyed by
// their attributes written as Attrs writes them.
func (o *Observed) Counts(t testing.TB, name string) map[string]int64 {
	t.Helper()
	got := map[string]int64{}
	for _, m := range o.metrics(t) {
		if m.Name != name {
			continue
		}
		sum, ok := m.Data.(metricdata.Sum[int64])
		if !ok {
			t.Fatalf("%s is a sum of int64, not %T", name, m.Data)
		}
		for _, dp := range sum.DataPoints {
			got[Attrs(dp.Attributes)] += dp.Value
		}
	}
	return got
}

// HistogramCount returns how many values the float64 histogram name
// recorded, and fails the test when its unit is not unit.
func (o *Observed) HistogramCount(t testing.TB, name, unit string) uint64 {
	t.Helper()
	var n uint64
	for _, m := range o.metrics(t) {
		if m.Name != name {
			continue
		}
		if m.Unit != unit {
			t.Errorf("%s: unit %q, want %q", name, m.Unit, unit)
		}
		h, ok := m.Data.(metricdata.Histogram[float64])
		if !ok {
			t.Fatalf("%s is a histogram of float64, not %T", name, m.Data)
		}
		for _, dp := range h.DataPoints {
			n += dp.Count
		}
	}
	return n
}

// Recorded returns every attribute value the providers hold: those of the
// int64 sums' data points, written as Attrs writes them, and those of the
// ended spans.
func (o *Observed) Recorded(t testing.TB) []string {
	t.Helper()
	var seen []string
	for _, m := range o.metrics(t) {
		if sum, ok := m.Data.(metricdata.Sum[int64]); ok {
			for _, dp := range sum.DataPoints {
				seen = append(seen, Attrs(dp.Attributes))
			}
		}
	}
	for _, s := range o.Spans.Ended() {
		for _, kv := range s.Attributes() {
			seen = append(seen, kv.Value.String())
		}
	}
	return seen
}

// SpanNames returns the names of the ended spans, in the order they ended.
func (o *Observed) SpanNames() []string {
	var names []string
	for _, s := range o.Spans.Ended() {
		names = append(names, s.Name())
	}
	return names
}

// EndedSpan returns the ended span whose span id is id, or nil.
func (o *Observed) EndedSpan(id trace.SpanID) sdktrace.ReadOnlySpan {
	for _, s := range o.Spans.Ended() {
		if s.SpanContext().SpanID() == id {
			return s
		}
	}
	return nil
}

// SpanValue returns the value of span s's attribute key; the zero value
// when s has none.
func SpanValue(s sdktrace.ReadOnlySpan, key string) attribute.Value {
	set := attribute.NewSet(s.Attributes()...)
	v, _ := set.Value(attribute.Key(key))
	return v
}

// Attrs writes an attribute set as "k=v,k=v", in the set's order.
func Attrs(s attribute.Set) string {
	var parts []string
	for _, kv := range s.ToSlice() {
		parts = append(parts, string(kv.Key)+"="+kv.Value.String())
	}
	return strings.Join(parts, ",")
}

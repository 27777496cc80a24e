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
	var rm metricdata.ResourceMetrics
	if err := o.Reader.Collect(context.Background(), &rm); err != nil {
		t.Fatalf("collecting metrics: %v", err)
	}
	var ms []metricdata.Metrics
	for _, sm := range rm.ScopeMetrics {
		ms = append(ms, sm.Metrics...)
	}
	return ms
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

// Attrs writes an attribute set as "k=v,k=v", in the set's order.
func Attrs(s attribute.Set) string {
	var parts []string
	for _, kv := range s.ToSlice() {
		parts = append(parts, string(kv.Key)+"="+kv.Value.String())
	}
	return strings.Join(parts, ",")
}

package roomcode

import (
	"cmp"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// scope is the instrumentation scope of the package's meter and tracer.
const scope = "github.com/hmssip/interconnect-go/roomcode"

// cacheTelemetry is a Cache's instruments, created once by NewCache, with
// the options of each lookup result built in advance so that a hit
// allocates nothing.
type cacheTelemetry struct {
	tracer                  trace.Tracer
	lookups                 metric.Int64Counter
	hit, stale, miss, error []metric.AddOption
}

func newCacheTelemetry(mp metric.MeterProvider, tp trace.TracerProvider) cacheTelemetry {
	lookups, err := cmp.Or(mp, otel.GetMeterProvider()).Meter(scope).Int64Counter("sipconnect.roomcode.cache.lookups", metric.WithUnit("{lookup}"),
		metric.WithDescription("Room code cache lookups, by result: hit, stale (served while being refreshed), miss (fetched from the API) or error."))
	if err != nil {
		otel.Handle(err)
	}
	result := func(r string) []metric.AddOption {
		return []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attribute.String("result", r)))}
	}
	return cacheTelemetry{tracer: cmp.Or(tp, otel.GetTracerProvider()).Tracer(scope), lookups: lookups,
		hit: result("hit"), stale: result("stale"), miss: result("miss"), error: result("error")}
}

package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	otelcodes "go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/hmssip/interconnect-go/hmsapi"
)

// telemetryProviders are the OpenTelemetry providers serve gives every component it
// makes, and what it serves from them.
type telemetryProviders struct {
	meters  metric.MeterProvider
	tracers trace.TracerProvider
	// metrics answers GET /metrics in Prometheus text format; nil when
	// metrics are off.
	metrics http.Handler
	// tracing says that tracers exports spans; propagator then reads and
	// writes W3C trace context.
	tracing    bool
	propagator propagation.TextMapPropagator
}

// telemetry builds serve's providers. With metrics, a metric SDK whose
// Prometheus exporter answers GET /metrics, with the Go runtime's metrics
// beside the components'; else a no-op meter provider. When the standard
// OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set
// (and OTEL_TRACES_EXPORTER is not "none"), a tracer SDK that sends spans
// to it over OTLP/HTTP in batches, configured by the exporter's other
// OTEL_EXPORTER_OTLP_* variables; else a no-op tracer provider, and no
// tracer SDK at all. OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES add to
// the resource (service.name sipconnect by default). OpenTelemetry's own
// errors, such as a failed export, are logged to logger.
//
// shutdown flushes the spans not yet sent and stops the providers; call it
// once, with the time left to stop in.
func telemetry(ctx context.Context, metrics bool, getenv func(string) string, logger *slog.Logger) (p telemetryProviders, shutdown func(context.Context) error, err error) {
	p = telemetryProviders{meters: metricnoop.NewMeterProvider(), tracers: tracenoop.NewTracerProvider(), propagator: propagation.NewCompositeTextMapPropagator()}
	tracing := (getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "") &&
		getenv("OTEL_TRACES_EXPORTER") != "none"
	if !metrics && !tracing {
		return p, func(context.Context) error { return nil }, nil
	}
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		logger.Warn("sipconnect: opentelemetry", "err", err)
	}))
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", "sipconnect"), attribute.String("service.version", moduleVersion())),
		resource.WithTelemetrySDK(),
		resource.WithFromEnv(), // last: the environment wins
	)
	if err != nil {
		return p, nil, err
	}
	var stops []func(context.Context) error
	shutdown = func(ctx context.Context) error {
		var errs []error
		for _, stop := range stops {
			errs = append(errs, stop(ctx))
		}
		return errors.Join(errs...)
	}
	if metrics {
		reg := prometheus.NewRegistry()
		if err := reg.Register(collectors.NewGoCollector()); err != nil {
			return p, nil, err
		}
		exporter, err := otelprom.New(otelprom.WithRegisterer(reg))
		if err != nil {
			return p, nil, err
		}
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter), sdkmetric.WithResource(res))
		stops = append(stops, mp.Shutdown)
		p.meters = mp
		p.metrics = promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)})
		// Components that do not take a provider yet use the global one.
		otel.SetMeterProvider(mp)
	}
	if tracing {
		exporter, err := otlptracehttp.New(ctx)
		if err != nil {
			_ = shutdown(ctx)
			return p, nil, err
		}
		tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter), sdktrace.WithResource(res))
		stops = append([]func(context.Context) error{tp.Shutdown}, stops...)
		p.tracers, p.tracing = tp, true
		p.propagator = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
		otel.SetTracerProvider(tp)
		otel.SetTextMapPropagator(p.propagator)
	}
	return p, shutdown, nil
}

// apiOptions are the options of a 100ms API client that reports to p.
func (p telemetryProviders) apiOptions() []hmsapi.Option {
	return []hmsapi.Option{hmsapi.WithMeterProvider(p.meters), hmsapi.WithTracerProvider(p.tracers)}
}

// traced wraps h, serve's routes, in a server span per request, named by
// its method and route pattern and child of the caller's W3C trace context
// when the request carries one. The probes and /metrics are not traced.
func (p telemetryProviders) traced(h http.Handler) http.Handler {
	if !p.tracing {
		return h
	}
	tracer := p.tracers.Tracer("github.com/hmssip/interconnect-go/cmd/sipconnect")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz", "/readyz", "/metrics":
			h.ServeHTTP(w, r)
			return
		}
		ctx := p.propagator.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := tracer.Start(ctx, r.Method, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("http.request.method", r.Method), attribute.String("url.path", r.URL.Path)))
		defer span.End()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		r = r.WithContext(ctx)
		h.ServeHTTP(rec, r)
		if r.Pattern != "" {
			name := r.Pattern
			if !strings.Contains(name, " ") {
				name = r.Method + " " + name
			}
			span.SetName(name)
			span.SetAttributes(attribute.String("http.route", r.Pattern))
		}
		span.SetAttributes(attribute.Int("http.response.status_code", rec.status))
		if rec.status >= 500 {
			span.SetStatus(otelcodes.Error, http.StatusText(rec.status))
		}
	})
}

// statusRecorder keeps the status a handler answered with.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

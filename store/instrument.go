package store

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// scope is the instrumentation scope of the package's meter.
const scope = "github.com/hmssip/interconnect-go/store"

// op is a Store method, the op attribute of the wrapper's instruments.
type op uint8

const (
	opSetNX op = iota
	opGet
	opDelete
	opIncrBy
	opHSet
	opHDel
	opHGetAll
	opPushCapped
	opRange
	numOps
)

var opNames = [numOps]string{"set_nx", "get", "delete", "incr_by", "hset", "hdel", "hgetall", "push_capped", "range"}

// Instrument returns s measured through mp: every call of a method of
// Store is timed by sipconnect.store.operation.duration{op} (s), and every
// one that fails, other than with ErrNotFound (an answer, not a failure),
// counted by sipconnect.store.errors{op} ({error}). op is the method's
// name in snake case: set_nx, get, delete, incr_by, hset, hdel, hgetall,
// push_capped, range. Attributes never hold a key or a value. A nil mp
// means the global provider, otel.GetMeterProvider, a no-op unless the
// application installs an SDK; while the duration histogram records
// nothing (a no-op provider, or a view that drops it) the clock is not
// read, so the wrapper costs a few nanoseconds a call.
//
// Wrap the store once, where it is made, and give the wrapped one to every
// component (the webhook receiver, the PIN directory, the roster); the
// wrapper answers exactly as s does.
func Instrument(s Store, mp metric.MeterProvider) Store {
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	m := mp.Meter(scope)
	w := &instrumented{s: s}
	var err error
	w.duration, err = m.Float64Histogram("sipconnect.store.operation.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of an operation of the shared store, by operation."),
		metric.WithExplicitBucketBoundaries(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1))
	if err != nil {
		otel.Handle(err)
	}
	w.errors, err = m.Int64Counter("sipconnect.store.errors", metric.WithUnit("{error}"),
		metric.WithDescription("Operations of the shared store that failed (not counting a key not found), by operation."))
	if err != nil {
		otel.Handle(err)
	}
	for o := range numOps {
		set := attribute.NewSet(attribute.String("op", opNames[o]))
		w.record[o] = []metric.RecordOption{metric.WithAttributeSet(set)}
		w.add[o] = []metric.AddOption{metric.WithAttributeSet(set)}
	}
	return w
}

// instrumented is a Store measured by Instrument.
type instrumented struct {
	s        Store
	duration metric.Float64Histogram
	errors   metric.Int64Counter
	record   [numOps][]metric.RecordOption
	add      [numOps][]metric.AddOption
}

// begin returns the time an operation begins, or the zero time when its
// duration would not be recorded.
func (w *instrumented) begin(ctx context.Context) time.Time {
	if w.duration.Enabled(ctx) {
		return time.Now()
	}
	return time.Time{}
}

// end records the operation o that began at t and returned err.
func (w *instrumented) end(ctx context.Context, o op, t time.Time, err error) {
	if !t.IsZero() {
		w.duration.Record(ctx, time.Since(t).Seconds(), w.record[o]...)
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		w.errors.Add(ctx, 1, w.add[o]...)
	}
}

func (w *instrumented) SetNX(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	t := w.begin(ctx)
	ok, err := w.s.SetNX(ctx, key, value, ttl)
	w.end(ctx, opSetNX, t, err)
	return ok, err
}

func (w *instrumented) Get(ctx context.Context, key string) ([]byte, error) {
	t := w.begin(ctx)
	v, err := w.s.Get(ctx, key)
	w.end(ctx, opGet, t, err)
	return v, err
}

func (w *instrumented) Delete(ctx context.Context, key string) (bool, error) {
	t := w.begin(ctx)
	ok, err := w.s.Delete(ctx, key)
	w.end(ctx, opDelete, t, err)
	return ok, err
}

func (w *instrumented) IncrBy(ctx context.Context, key string, delta int64, window time.Duration) (int64, error) {
	t := w.begin(ctx)
	n, err := w.s.IncrBy(ctx, key, delta, window)
	w.end(ctx, opIncrBy, t, err)
	return n, err
}

func (w *instrumented) HSet(ctx context.Context, key, field string, value []byte, ttl time.Duration) error {
	t := w.begin(ctx)
	err := w.s.HSet(ctx, key, field, value, ttl)
	w.end(ctx, opHSet, t, err)
	return err
}

func (w *instrumented) HDel(ctx context.Context, key, field string) (bool, error) {
	t := w.begin(ctx)
	ok, err := w.s.HDel(ctx, key, field)
	w.end(ctx, opHDel, t, err)
	return ok, err
}

func (w *instrumented) HGetAll(ctx context.Context, key string) (map[string][]byte, error) {
	t := w.begin(ctx)
	m, err := w.s.HGetAll(ctx, key)
	w.end(ctx, opHGetAll, t, err)
	return m, err
}

func (w *instrumented) PushCapped(ctx context.Context, key string, value []byte, maxLen int, ttl time.Duration) error {
	t := w.begin(ctx)
	err := w.s.PushCapped(ctx, key, value, maxLen, ttl)
	w.end(ctx, opPushCapped, t, err)
	return err
}

func (w *instrumented) Range(ctx context.Context, key string) ([][]byte, error) {
	t := w.begin(ctx)
	vs, err := w.s.Range(ctx, key)
	w.end(ctx, opRange, t, err)
	return vs, err
}

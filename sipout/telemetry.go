package sipout

import (
	"cmp"
	"context"
	"errors"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/hmssip/interconnect-go/hmsapi"
)

// scope is the instrumentation scope of the package's meter.
const scope = "github.com/hmssip/interconnect-go/sipout"

// Option configures a Client.
type Option func(*Client)

// WithMeterProvider sets where the client's metric goes,
// sipconnect.dialout.calls{result}: one per call Call places and follows
// to its end (docs/metrics.md). The global provider (otel.GetMeterProvider,
// a no-op unless the application installs an SDK) by default. The call's
// span is the core's, named sipout.call (hmsapi.WithTracerProvider).
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *Client) {
		c.mp = mp
	}
}

// callResult is the result attribute of sipconnect.dialout.calls.
type callResult uint8

const (
	resAnswered  callResult = iota // the callee answered
	resNoAnswer                    // ErrNoAnswer
	resCanceled                    // the caller's context ended first
	resFailed                      // any other failure
	resFailed4xx                   // the API's error code is 4xx
	resFailed5xx                   // 5xx
	resFailed6xx                   // 6xx
	numResults
)

var resultNames = [numResults]string{"answered", "no_answer", "canceled", "failed", "failed_4xx", "failed_5xx", "failed_6xx"}

// callTelemetry is a Client's instrument, created once by NewClient, with
// the attribute set of each result built in advance.
type callTelemetry struct {
	calls metric.Int64Counter
	opts  [numResults][]metric.AddOption
}

func newCallTelemetry(mp metric.MeterProvider) *callTelemetry {
	calls, err := cmp.Or(mp, otel.GetMeterProvider()).Meter(scope).Int64Counter("sipconnect.dialout.calls", metric.WithUnit("{call}"),
		metric.WithDescription("Outbound calls placed through 100ms and followed to their end, by result."))
	if err != nil {
		otel.Handle(err)
	}
	t := &callTelemetry{calls: calls}
	for r := range numResults {
		t.opts[r] = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attribute.String("result", resultNames[r])))}
	}
	return t
}

// resultOf classifies what Call returned for a call it placed: ctxErr is
// the caller's context's error. A failure the API answered with an error
// code from 400 to 699 (the code of its body, else its HTTP status) is
// failed_ followed by the code's class, which is the SIP response class
// when 100ms reports the callee's SIP answer.
func resultOf(err, ctxErr error) callResult {
	var apiErr *hmsapi.APIError
	switch {
	case err == nil:
		return resAnswered
	case errors.Is(err, ErrNoAnswer):
		return resNoAnswer
	case ctxErr != nil:
		return resCanceled
	case errors.As(err, &apiErr):
		code := apiErr.Code
		if code < 400 || code > 699 {
			code = apiErr.StatusCode
		}
		switch code / 100 {
		case 4:
			return resFailed4xx
		case 5:
			return resFailed5xx
		case 6:
			return resFailed6xx
		}
	}
	return resFailed
}

// record counts a call placed that returned err.
func (t *callTelemetry) record(ctx context.Context, err error) {
	t.calls.Add(context.WithoutCancel(ctx), 1, t.opts[resultOf(err, ctx.Err())]...)
}

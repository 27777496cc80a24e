package roster

import (
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
)

// telemetry holds the roster's instruments.
type telemetry struct {
	// participants goes up with each join this instance tells of and down
	// with each leave: summed over instances, the phone participants now.
	participants metric.Int64UpDownCounter
}

func newTelemetry(mp metric.MeterProvider) (telemetry, error) {
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	c, err := mp.Meter("github.com/hmssip/interconnect-go/roster").Int64UpDownCounter("sipconnect.phone.participants",
		metric.WithUnit("{participant}"),
		metric.WithDescription("Phone participants this instance saw join and not yet leave; sum over instances for the total."))
	return telemetry{participants: c}, err
}

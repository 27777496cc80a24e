package sipout

import (
	"go.opentelemetry.io/otel/metric"

	"github.com/hmssip/interconnect-go/hmsapi"
)

// Client calls the 100ms SIP outbound and DTMF endpoints through an
// hmsapi.Client, which holds the credentials, retries and errors. It is
// safe for concurrent use.
type Client struct {
	api *hmsapi.Client
	mp  metric.MeterProvider // WithMeterProvider's, for NewClient
	tel *callTelemetry
}

// NewClient returns a client that calls through api. Trunks and calls need
// a core with management credentials; DTMF needs one made with
// hmsapi.WithAppCredentials, since it mints an app token for the room.
func NewClient(api *hmsapi.Client, opts ...Option) *Client {
	c := &Client{api: api}
	for _, o := range opts {
		o(c)
	}
	c.tel = newCallTelemetry(c.mp)
	return c
}

// API returns the core the client calls through.
func (c *Client) API() *hmsapi.Client { return c.api }

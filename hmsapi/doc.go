// Package hmsapi is the core of the SDK's 100ms REST API clients: one
// [Client] holds the base URL, the credentials (a management token, or
// management tokens minted and renewed from the workspace's access key and
// app secret), the retry policy, bounded response bodies, logging, the
// clock, and an HTTP transport that keeps its connections for bursts.
//
// The resource packages call through it: roomcode (room codes), sipout
// (SIP trunks, outbound calls and DTMF) and activeroom (the peers of a live
// room). Make one Client and give it to each:
//
//	api, err := hmsapi.New(hmsapi.WithAppCredentials(accessKey, appSecret))
//	codes := roomcode.NewClient(api)
//
// Every error answer of the API is an [*APIError], which matches the
// sentinel of its status ([ErrNotFound], [ErrRateLimited], ...) with
// errors.Is; arguments that cannot be right are refused before anything is
// sent with an [*InputError]. A request that must not be sent twice (a
// room code created, a call placed) is not retried once it may have
// reached the server, and its error then also matches [ErrMaybeSent]: it
// may have taken effect. Tokens and the app secret never appear in an
// error, a log line or the printed form of a value, nor do the secrets a
// request names in [Request].Secrets (a trunk's password), even when the
// API quotes them back.
//
// Each call is counted and timed by operation and status
// (sipconnect.hmsapi.requests, sipconnect.hmsapi.request.duration,
// sipconnect.hmsapi.retries) and traced as a client span whose W3C trace
// context every request carries, through the OpenTelemetry providers given
// to [WithMeterProvider] and [WithTracerProvider] (the global ones by
// default).
package hmsapi

// Package hmsevents receives 100ms webhooks: [Receiver] is an http.Handler
// that authenticates each delivery by the secret header set in the 100ms
// dashboard (and optionally by the sender's network), decodes the event, and
// passes each event id to the application's [Handler] once, however many
// times 100ms delivers it, even across server instances that share a
// store. [Event.Peer], [Event.Room] and [Event.Session] decode the data of
// the peer, room and session events; other types reach the handler with
// their data as raw JSON.
//
// 100ms signs nothing: a webhook is authenticated only by the static header
// value configured in the dashboard, which 100ms sends with every delivery,
// and by the addresses 100ms publishes. It retries a delivery up to three
// times, about 1, 3 and 10 seconds apart, whenever the answer is not 200;
// [Receiver] answers 503 when the handler fails or the store is down so
// that those retries carry the event.
//
// An event is handled exactly once across instances whatever the store does
// between the deliveries (stalls, refusals): a delivery claims the event
// with a claim that carries the deadline of the attempt that wrote it, so
// a claim written during a store stall, which the store runs only when it
// resumes, cannot keep 100ms's later retries out once that attempt has
// answered. Claims are only ever added with SetNX (a takeover or release
// is a new key, named after the claim it follows), so that this holds on
// any store.Store, none of whose operations is a compare-and-set; it
// assumes that the instances' clocks agree within about a second. An
// attempt that outlives its claim (a process starved for seconds) or
// cannot record the event as done, after three tries, may let another
// delivery handle the event again: it logs a warning saying so, and the
// handler's steps must be idempotent, as the phone roster's are, so that
// the effect is still once. The Claims section of [Receiver] has the
// details.
//
// Each delivery is counted by event type and by how the receiver answered
// (sipconnect.webhook.deliveries) and traced as a server span that
// continues the W3C trace context the request carries, through the
// OpenTelemetry providers of [Config] (the global ones by default).
package hmsevents

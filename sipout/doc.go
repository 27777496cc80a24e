// Package sipout brings phones into 100ms rooms: it manages SIP outbound
// trunks ([Client.CreateTrunk], [Client.UpdateTrunk]), places outbound calls
// that ring a phone number or SIP URI and join the callee to a room as a SIP
// peer ([Client.Call]), and sends DTMF tones to the SIP peers of a room
// ([Client.SendDTMF]).
//
// A [Client] calls the 100ms REST API through an [hmsapi.Client], which
// holds the credentials, retries, errors and logging; make one core and
// share it with the other resource clients. Every argument is checked
// before anything is sent, and a bad one comes back as an
// [*hmsapi.InputError] naming it, so a mistake costs no request and never
// rings a phone. A call request is never sent twice once it may have
// reached 100ms, and its error then matches [hmsapi.ErrMaybeSent]: the
// phone may ring although the call failed. Package hmstest is an in-memory fake of these endpoints,
// with simulated phones that answer, decline or never answer.
//
// Every call placed is counted by result (sipconnect.dialout.calls:
// answered, no_answer, failed by class, ...) through the OpenTelemetry
// meter provider given to [WithMeterProvider], the global one by default.
package sipout

// Package signalwire renders the cXML (LaML) documents that put a
// SignalWire caller into a 100ms room, and checks that a cXML webhook
// really comes from SignalWire.
//
// A [Response] holds the verbs a dial-in needs: [Dial] with [Sip] nouns
// (the SIP URI as text, the 100ms SIP credentials as username and
// password), [Say], [Gather] for PIN entry and [Hangup]. Rendering is
// deterministic and compact: the exact declaration, attributes in a fixed
// order, unset attributes omitted, empty elements self-closed. Values are
// checked before a byte is kept, and every problem is an [*Error] naming the
// element and attribute; nothing is half-written.
//
// Facts checked at the source: the <Sip> attributes (password, codecs,
// url, method, status callbacks), TLS as the default SIP transport and the
// caller-id characters allowed with <Sip> (SignalWire's cXML <Sip> page);
// the <Dial> attributes action, method, answerOnBridge, hangupOnStar,
// callerId (its <Dial> page); actionOnEmptyResult, finishOnKey and input on
// <Gather> (its <Gather> page); the 4,096-character limit of <Say> (its
// <Say> page); the webhook parameters (its Voice XML overview); and the
// signature: X-SignalWire-Signature, also sent as X-Twilio-Signature, is
// Twilio's HMAC-SHA1 scheme keyed with the signing key, URL tried as
// received and with the default port added or any port removed, with a
// bodySHA256 variant for JSON bodies
// (signalwire/signalwire-typescript, src/WebhookValidator.ts). Documented
// choices: SignalWire gives no ranges for the <Dial> timeout and timeLimit
// or the <Gather> timeout, so Twilio's are enforced; username on <Sip> and
// numDigits and timeout on <Gather> are the TwiML attributes cXML is
// compatible with; the X-100ms-* headers ride in the SIP URI as for Twilio.
// The hex "Scheme A" signature SignalWire uses for RELAY and SWML webhooks
// is not accepted: this package verifies cXML webhooks only.
//
// A [Verifier] checks signatures with the project's signing key;
// [NewSignedRequest] builds signed requests for a handler's tests;
// [ParseCall] reads the call.
package signalwire

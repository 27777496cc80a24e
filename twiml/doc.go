// Package twiml renders the TwiML documents that answer a Twilio voice
// webhook, and checks that a webhook really comes from Twilio.
//
// A [Response] is a list of verbs ([Dial], [Say], [Play], [Pause], [Hangup],
// [Reject], [Redirect], [Gather]); a Dial holds nouns ([Sip], [Number]).
// Attributes are typed: ints, bools, enums and [time.Duration] values, where
// the zero value means "unset" and is left out of the document.
//
// Rendering is deterministic and compact: the exact declaration
// <?xml version="1.0" encoding="UTF-8"?>, attributes in a fixed order, unset
// attributes omitted and empty elements self-closed, so a document can be
// compared byte for byte in tests. A document is validated in full before a
// byte is written: out-of-range values, unknown enum values, a Reject that is
// not the first verb, too many nouns, invalid UTF-8 and characters that XML
// 1.0 cannot carry are reported as an [*Error] naming the element and the
// attribute; nothing is ever replaced silently. Appending into a reused
// buffer does not allocate.
//
// [Signature], [ValidateSignature] and [Verifier] implement Twilio's
// X-Twilio-Signature scheme for form POSTs, GETs and JSON bodies;
// [NewSignedRequest] builds requests signed that way for a handler's tests.
package twiml

// Package telnyx renders the TeXML documents that put a Telnyx caller into a
// 100ms room, and checks that a TeXML webhook really comes from Telnyx.
//
// A [Response] holds the verbs a dial-in needs: [Dial] with [Sip] nouns
// (the SIP URI as text, the 100ms SIP credentials as username and
// password), [Say], [Gather] for PIN entry, [Pause] and [Hangup]. Rendering
// is deterministic and compact: the exact declaration, attributes in the
// order of Telnyx's pages, unset attributes omitted, empty elements
// self-closed. Values are checked against Telnyx's documented ranges and
// enums, which differ from Twilio's (a <Dial> rings 5 to 120 seconds, not
// 600), and text XML cannot carry is refused: every problem is an [*Error]
// naming the element and attribute, and nothing is half-written.
//
// Facts checked at the source: the attributes and ranges of <Dial>, <Sip>,
// <Say>, <Gather> and <Pause> (developers.telnyx.com, TeXML verbs pages);
// the webhook parameters and the telnyx-timestamp and
// telnyx-signature-ed25519 headers (API reference, TeXML callbacks); the
// signed message timestamp + "|" + body and the 5-minute tolerance
// (team-telnyx/telnyx-go, lib/webhook_verification.go). Documented choices:
// TeXML documents no way to send custom SIP headers, so the X-100ms-*
// headers ride in the SIP URI as they do for Twilio; a <Gather> has no
// method attribute in TeXML, so this package has none.
//
// A [Verifier] checks the Ed25519 signature with the account's public key
// and rejects timestamps outside a tolerance; [NewSignedRequest] builds
// signed requests for a handler's tests; [ParseCall] reads the call.
package telnyx

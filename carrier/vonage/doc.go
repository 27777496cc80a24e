// Package vonage renders the Vonage Voice NCCO (JSON) that puts a phone
// caller into a 100ms room, and checks that a webhook really comes from
// Vonage.
//
// An [NCCO] is a list of actions ([Connect] with a [SIPEndpoint], [Talk],
// [Input]). Rendering is deterministic: fields in a fixed order, unset
// fields omitted, no map iteration. Values are validated in full: ranges,
// enums, invalid UTF-8, U+FFFE/U+FFFF, and control characters where they
// would reach a SIP message are an [*Error] naming the action and field,
// and the caller's buffer comes back at its original length.
//
// What Vonage cannot express, checked against Vonage's SDKs (named on each
// declaration):
//
//   - SIP credentials: the sip endpoint has only uri, headers and
//     standard_headers (vonage-java-sdk voice/SipEndpoint.java,
//     @vonage/voice SIPEndpoint.d.ts), so 100ms's SIP username and password
//     cannot be given; [CheckCredentials] makes that an error wrapping
//     [ErrCredentials] when a handler is built.
//   - Header names: Vonage prepends "X-" to every key of the headers object
//     (same sources), so a [Header] is written with its full SIP name, such
//     as X-100ms-Display-Name, and rendered without the X-; a name that does
//     not start with X- cannot be sent and is refused.
//
// [Verifier] checks Vonage's signed webhooks: Authorization: Bearer <JWT>,
// HS256 with the account's signature secret, exp/nbf/iat checked against an
// injectable clock, and the payload_hash claim: the hex SHA-256 of a POST's
// body, or of a GET's query as a JSON object in the order sent
// ([QueryPayload]). [NewSignedRequest] builds such requests for handler
// tests and [ParseCall] reads the answer and input webhooks into a [Call].
package vonage

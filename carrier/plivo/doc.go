// Package plivo renders the Plivo XML that puts a phone caller into a 100ms
// room, and checks that a webhook really comes from Plivo.
//
// A [Response] holds verbs ([Dial] with [User] nouns, [Speak], [GetInput],
// [Hangup]). Rendering is deterministic: the declaration
// <?xml version="1.0" encoding="UTF-8"?>, attributes in a fixed order
// (plivo-go's xml/plivoxml.go struct order), unset attributes omitted. A
// document is validated in full: out-of-range values, unknown enum values,
// invalid UTF-8, characters XML 1.0 cannot carry and SIP headers Plivo
// cannot send are an [*Error] naming the element and attribute, and the
// caller's buffer comes back at its original length.
//
// What Plivo cannot express, checked against Plivo's pages (named on each
// declaration):
//
//   - SIP credentials: <User> has only sendDigits, sendOnPreanswer and
//     sipHeaders (plivo.com/docs/voice/xml/dial/user; plivo-go UserElement),
//     so 100ms's SIP username and password cannot be given. [CheckCredentials]
//     makes that an error wrapping [ErrCredentials] when a handler is built.
//     Use an IP-based (whitelisted) trunk arrangement with 100ms instead.
//   - The X-100ms headers in sipHeaders: Plivo sends every name there as
//     X-PH-<name> and allows only letters and digits in it, so
//     X-100ms-Display-Name and X-100ms-UserID cannot travel that way
//     ([ErrHeaderName]). Put them in the SIP URI's "?" headers part, the
//     form 100ms documents, in [User.URI]. Whether Plivo copies URI headers
//     into the INVITE is not documented (unverified): test with your account.
//
// [Verifier] implements Plivo's V3 signature (X-Plivo-Signature-V3, with
// several comma-separated signatures during key rotation) as plivo-go v7's
// utils.go GenerateUrl and ComputeSignatureV3 build it: HMAC-SHA256 with the
// auth token of scheme://host, the decoded path, the query's decoded names
// and values (a bare name as "name="), the form body of a POST, and the
// nonce, as [SignatureV3] details. Where the official SDKs sign a request
// differently (a name given twice, which plivo-go signs once and plivo-node
// with every value) or where plivo-go's string does not cover every byte
// (a last value ending in the '.' or '&' it trims, a query pair net/url
// drops), the Verifier refuses the request. [NewSignedRequest] builds
// requests signed that way for handler tests, and [ParseCall] reads the
// answer_url parameters into a [Call].
package plivo

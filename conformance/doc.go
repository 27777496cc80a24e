// Package conformance checks the SDK's webhook verifiers against the
// carriers' own code, on thousands of random requests and as many
// mutations of them (0 false acceptances and 0 false refusals is the bar):
//
//   - Twilio: twilio-go's RequestValidator, in process;
//   - SignalWire: @signalwire/compatibility-api's validateRequest;
//   - Plivo: plivo-node's validateV3Signature, and signatures recorded
//     from plivo-go's ComputeSignatureV3 (testdata/plivo-go-vectors.md
//     says how) where the two SDKs differ;
//   - Telnyx: the telnyx Node SDK's webhook verification;
//   - Vonage: the published payload_hash rule with golang-jwt, and
//     @vonage/jwt's verifySignature for the token.
//
// The Node SDKs run in one oracle process (oracle/oracle.js) that answers
// a JSON line for a JSON line. The module is a module of its own, so that
// users of the SDK never download the carriers' SDKs; its tests need
// Node.js with the oracle's packages installed, from the repository root:
//
//	npm ci --prefix conformance/oracle
//	cd conformance && go test ./...
package conformance

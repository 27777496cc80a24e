// Package conformance checks the SDK's webhook verifiers against the
// carriers' own code: twilio-go's RequestValidator in process, and the
// official Node SDKs of Plivo, SignalWire and Telnyx through a small oracle
// process (oracle/oracle.js), on thousands of random requests and as many
// mutations of them. It is a module of its own, so that users of the SDK
// never download the carriers' SDKs, and its tests need Node.js with the
// oracle's packages installed:
//
//	npm ci --prefix conformance/oracle
//	cd conformance && go test ./...
package conformance

// Package roomcode works with 100ms room codes: the short codes, such as
// "abc-defg-hij", that each stand for one (room, role) pair and that a SIP
// address for a room carries as its user part.
//
// It checks the form of a code ([ValidateCode]), talks to the 100ms Room Code
// API ([Client]: create, list, enable and disable codes) through the core of
// package hmsapi, which holds the credentials, retries and errors, and keeps
// the enabled code of each (room, role) close at hand ([Cache]) so that a
// ringing phone never waits on the API. Package hmstest is an in-memory fake
// of the API for tests.
//
// The cache counts its lookups by result (sipconnect.roomcode.cache.lookups:
// hit, stale, miss, error) through the OpenTelemetry meter provider of
// [CacheConfig], the global one by default.
package roomcode

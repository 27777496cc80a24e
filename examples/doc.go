// Package examples holds small programs, one per use case of the SDK, each in
// its own directory and each exercised by a test.
package examples

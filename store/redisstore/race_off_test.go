//go:build !race

package redisstore_test

// raceDetector is true when the tests run with -race (race_on_test.go).
const raceDetector = false

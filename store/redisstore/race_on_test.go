//go:build race

package redisstore_test

// raceDetector is true when the tests run with -race, which makes them
// several times slower: the load tests then run a fifth of their volume,
// and .ci/run runs them at full volume in a step of their own.
const raceDetector = true

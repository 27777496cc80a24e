//go:build race

package sipconnect_test

const raceEnabled = true

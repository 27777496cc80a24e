//go:build !race

package sipconnect_test

const raceEnabled = false

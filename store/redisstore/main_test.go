package redisstore_test

import (
	"fmt"
	"os"
	"testing"
)

// TestMain says, without -v, that the Redis tests are skipped when no
// server is named, so that an "ok" is not mistaken for a Redis run.
func TestMain(m *testing.M) {
	if os.Getenv(urlVar) == "" && os.Getenv("CI") == "" {
		fmt.Fprintf(os.Stderr, "store/redisstore: %s is not set: the Redis tests are skipped (README, Tests)\n", urlVar)
	}
	os.Exit(m.Run())
}

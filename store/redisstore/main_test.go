package redisstore_test

import (
	"os"
	"testing"

	"github.com/hmssip/interconnect-go/store/redisstore/redistest"
)

// TestMain gives the Redis tests a server: the one urlVar names, or else a
// redis-server of the run's own when one is on PATH. Without either, it
// says on stderr, which go test shows without -v, how many Redis tests
// were skipped, so that an "ok" is not mistaken for a Redis run.
func TestMain(m *testing.M) {
	os.Exit(redistest.Main(m, "redisstore"))
}

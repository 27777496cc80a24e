package roomcode_test

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/roomcode"
)

// TestMain fails the run if a test leaves a goroutine of this module or of
// an HTTP connection behind.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leaked := leakedGoroutines(2 * time.Second); leaked != "" {
			fmt.Fprintf(os.Stderr, "goroutines left behind:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

func leakedGoroutines(wait time.Duration) string {
	deadline := time.Now().Add(wait)
	for {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		var leaked []string
		// The first goroutine listed is this one.
		for _, g := range strings.Split(string(buf), "\n\n")[1:] {
			if strings.Contains(g, "interconnect-go") || strings.Contains(g, "net/http.(*persistConn)") ||
				strings.Contains(g, "net/http.(*conn).serve") {
				leaked = append(leaked, g)
			}
		}
		if len(leaked) == 0 {
			return ""
		}
		if time.Now().After(deadline) {
			return strings.Join(leaked, "\n\n")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// newClient makes a Room Code API client on a core made with opts.
func newClient(opts ...hmsapi.Option) (*roomcode.Client, error) {
	api, err := hmsapi.New(opts...)
	if err != nil {
		return nil, err
	}
	return roomcode.NewClient(api), nil
}

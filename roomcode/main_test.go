package roomcode_test

import (
	"testing"
	"time"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/internal/apisurface"
	"github.com/hmssip/interconnect-go/roomcode"
)

// TestMain fails the run if a test leaves a goroutine of this module or of
// an HTTP connection behind.
func TestMain(m *testing.M) {
	apisurface.ExitCheckingLeaks(m, 2*time.Second)
}

// newClient makes a Room Code API client on a core made with opts.
func newClient(opts ...hmsapi.Option) (*roomcode.Client, error) {
	api, err := hmsapi.New(opts...)
	if err != nil {
		return nil, err
	}
	return roomcode.NewClient(api), nil
}

package hmsapi_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/roomcode"
)

// TestConnectionsKeptForBursts sends 5 waves of 50 concurrent lookups of
// distinct rooms to an HTTP/1.1 server and counts the TCP connections the
// client opens: the idle pool must hold a wave's connections for the next.
func TestConnectionsKeptForBursts(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(20 * time.Millisecond) // long enough for a wave to be in flight at once
		room := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"data":[{"code":"abc-defg-hij","room_id":%q,"role":"guest","enabled":true}],"last":""}`, room)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	api, err := hmsapi.New(hmsapi.WithBaseURL(srv.URL+"/v2"), hmsapi.WithManagementToken("mgmt-token-0123456789"))
	require.NoError(t, err)
	t.Cleanup(api.CloseIdleConnections)
	cache := roomcode.NewCache(roomcode.NewClient(api), roomcode.CacheConfig{})

	for wave := range 5 {
		var wg sync.WaitGroup
		for i := range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := cache.Code(context.Background(), fmt.Sprintf("room-%d-%d", wave, i), "guest")
				assert.NoError(t, err)
			}()
		}
		wg.Wait()
	}
	assert.LessOrEqual(t, conns.Load(), int32(60), "TCP connections opened for 250 requests in waves of 50")
	t.Logf("%d TCP connections for 250 requests", conns.Load())
}

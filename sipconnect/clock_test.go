package sipconnect_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/carrier/carriertest"
	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/roomcode"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/twiml"
)

// sharedClock is the one clock of a sweep: the fake API stamps codes and
// checks tokens with it, and the client mints tokens and runs its cache
// with it.
type sharedClock = carriertest.SharedClock

// TestClockSweep runs the client, the fake API, the cache and the handler
// together with their shared clock set years apart: nothing may depend on
// the date the suite runs on.
func TestClockSweep(t *testing.T) {
	for _, start := range []time.Time{
		time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Now(),
		time.Date(2099, 12, 31, 23, 0, 0, 0, time.UTC),
	} {
		t.Run(start.Format("2006-01-02"), func(t *testing.T) {
			clk := &sharedClock{}
			clk.Set(start)
			srv := hmstest.NewServer(hmstest.WithRoom("room-1", "guest"), hmstest.WithClock(clk.Now))
			t.Cleanup(srv.Close)
			client, err := newClient(hmsapi.WithBaseURL(srv.URL),
				hmsapi.WithAppCredentials(srv.AccessKey(), srv.AppSecret()), hmsapi.WithClock(clk.Now))
			require.NoError(t, err)
			t.Cleanup(client.API().CloseIdleConnections)
			cache := roomcode.NewCache(client, roomcode.CacheConfig{CreateIfMissing: true, TTL: time.Hour})
			h, err := sipconnect.NewHandler(sipconnect.HandlerConfig{
				AuthToken: authToken, PublicURL: "https://voice.example.com",
				Room:   sipconnect.CachedRoom(cache, "room-1", "guest"),
				Logger: slog.New(slog.DiscardHandler),
			})
			require.NoError(t, err)

			call := func() string {
				t.Helper()
				req, err := twiml.NewSignedRequest(http.MethodPost, "https://voice.example.com/voice", authToken, callForm())
				require.NoError(t, err)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				require.Equal(t, http.StatusOK, rec.Code)
				a := decode(t, rec.Body.String())
				require.NotNil(t, a.Dial, "bridged at %s: %s", clk.Now(), rec.Body.String())
				return a.Dial.Sip.URI
			}
			first := call()
			codes, err := client.List(context.Background(), "room-1", nil)
			require.NoError(t, err)
			require.Len(t, codes.Data, 1)
			assert.Equal(t, "sip:"+codes.Data[0].Code+"@sip.100ms.live", first)
			assert.Equal(t, start.Unix(), codes.Data[0].CreatedAt.Unix(), "the fake stamps with the shared clock")

			// A day and a half later: the first management token has expired,
			// the cached code is stale and is refreshed in the background
			// with a token minted at the new time.
			clk.Advance(36 * time.Hour)
			assert.Equal(t, first, call())
			require.Eventually(t, func() bool { return srv.RequestCount() >= 4 }, 5*time.Second, time.Millisecond)
			assert.Equal(t, first, call())
			for _, r := range srv.Requests() {
				assert.Equal(t, http.StatusOK, r.Status, "%s %s at %s", r.Method, r.Path, clk.Now())
				assert.True(t, r.Authorization, "every token valid when the fake checked it")
			}
		})
	}
}

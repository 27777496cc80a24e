package sipout_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/internal/apisurface"
	"github.com/hmssip/interconnect-go/sipout"
)

// TestMain fails the run if a test leaves a goroutine of this module or of
// an HTTP connection behind.
func TestMain(m *testing.M) {
	apisurface.ExitCheckingLeaks(m, 3*time.Second)
}

const (
	roomID   = "6560c7a8e4b0a1b2c3d4e5f6"
	roomCode = "abc-defg-hij"
	prefix   = "/prefix/v2"
	// testToken is the management token of the clients setup makes.
	testToken = "mgmt-token-abc123"
)

// fastRetries keeps retry tests quick while going through the real backoff.
var fastRetries = hmsapi.RetryPolicy{MaxRetries: 3, BaseDelay: time.Millisecond, MaxDelay: 4 * time.Millisecond, MaxRetryAfter: 2 * time.Second}

// fake is an hmstest server with a room whose guest code is roomCode, a
// client on it made with the app credentials, and a trunk.
type fake struct {
	srv    *hmstest.Server
	client *sipout.Client
	trunk  string
}

func newFake(t *testing.T, opts ...hmsapi.Option) *fake {
	t.Helper()
	srv := hmstest.NewServer(hmstest.WithRoom(roomID, "host", "guest"), hmstest.WithCode(roomID, "guest", roomCode, true))
	t.Cleanup(srv.Close)
	all := append([]hmsapi.Option{hmsapi.WithBaseURL(srv.URL), hmsapi.WithAppCredentials(srv.AccessKey(), srv.AppSecret()),
		hmsapi.WithRetryPolicy(fastRetries)}, opts...)
	api, err := hmsapi.New(all...)
	require.NoError(t, err)
	t.Cleanup(api.CloseIdleConnections)
	c := sipout.NewClient(api)
	trunk, err := c.CreateTrunk(context.Background(), sipout.Trunk{Username: "u", Password: "trunk-password", Address: "example.pstn.twilio.com", From: "+14155550100"})
	require.NoError(t, err)
	return &fake{srv: srv, client: c, trunk: trunk}
}

// call returns a valid request to phone to on the fake.
func (f *fake) call(to string) sipout.CallRequest {
	return sipout.CallRequest{To: to, RoomCode: roomCode, TrunkID: f.trunk}
}

// setup returns a client whose base URL is a plain httptest server mounted
// under a path prefix, so that a request built with an absolute path fails,
// and a counter of the requests that reached the mux.
func setup(t *testing.T, opts ...hmsapi.Option) (*sipout.Client, *http.ServeMux, *atomic.Int32) {
	t.Helper()
	return setupWith(t, hmsapi.WithManagementToken(testToken), opts...)
}

// setupWith is setup with other credentials.
func setupWith(t *testing.T, creds hmsapi.Option, opts ...hmsapi.Option) (*sipout.Client, *http.ServeMux, *atomic.Int32) {
	t.Helper()
	mux := http.NewServeMux()
	outer := http.NewServeMux()
	var n atomic.Int32
	outer.Handle(prefix+"/", http.StripPrefix(prefix, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		mux.ServeHTTP(w, r)
	})))
	outer.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request outside the base URL: %s %s", r.Method, r.URL)
		http.Error(w, "wrong path", http.StatusTeapot)
	})
	srv := httptest.NewServer(outer)
	t.Cleanup(srv.Close)
	all := append([]hmsapi.Option{hmsapi.WithBaseURL(srv.URL + prefix), creds, hmsapi.WithRetryPolicy(fastRetries)}, opts...)
	api, err := hmsapi.New(all...)
	require.NoError(t, err)
	t.Cleanup(api.CloseIdleConnections)
	return sipout.NewClient(api), mux, &n
}

package activeroom_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/activeroom"
	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/internal/apisurface"
)

// fake returns a client of an hmstest server seeded with room "r1": a
// host, a guest, and a phone caller whose SIP address carried "caller-1".
func fake(t *testing.T, opts ...hmsapi.Option) (*activeroom.Client, *hmstest.Server) {
	t.Helper()
	srv := hmstest.NewServer(
		hmstest.WithPeer("r1", hmstest.Peer{ID: "p-host", Name: "Nick", UserID: "teacher-81", Role: "host", JoinedAt: joined}),
		hmstest.WithPeer("r1", hmstest.Peer{ID: "p-guest", Name: "John", UserID: "student-3461", Role: "guest", JoinedAt: joined.Add(time.Second)}),
		hmstest.WithPeer("r1", hmstest.Peer{ID: "p-caller", Name: "+1 555 0100", UserID: "caller-1", Role: "guest", JoinedAt: joined.Add(2 * time.Second), SIP: true}),
	)
	t.Cleanup(srv.Close)
	return activeroom.NewClient(srv.API(append([]hmsapi.Option{hmsapi.WithRetryPolicy(apisurface.FastRetries)}, opts...)...)), srv
}

func peerIDs(peers []activeroom.Peer) []string {
	return apisurface.Strings(peers, func(p activeroom.Peer) string { return p.ID })
}

func TestAgainstFake(t *testing.T) {
	c, srv := fake(t)
	ctx := context.Background()

	peers, err := c.Peers(ctx, "r1", nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"p-host", "p-guest", "p-caller"}, peerIDs(peers))
	guests, err := c.Peers(ctx, "r1", &activeroom.Filter{Role: "guest"})
	require.NoError(t, err)
	assert.Equal(t, []string{"p-guest", "p-caller"}, peerIDs(guests))

	caller, err := c.FindByUserID(ctx, "r1", "caller-1")
	require.NoError(t, err)
	assert.Equal(t, activeroom.Peer{ID: "p-caller", Name: "+1 555 0100", UserID: "caller-1", Role: "guest", JoinedAt: joined.Add(2 * time.Second)}, caller)

	got, err := c.Peer(ctx, "r1", caller.ID)
	require.NoError(t, err)
	assert.Equal(t, caller, got)

	updated, err := c.UpdatePeer(ctx, "r1", "p-guest", activeroom.Update{Role: "host", Metadata: `{"promoted":true}`})
	require.NoError(t, err)
	assert.Equal(t, "host", updated.Role)
	assert.Equal(t, `{"promoted":true}`, updated.Metadata)
	assert.Equal(t, "John", updated.Name)

	require.NoError(t, c.RemovePeer(ctx, "r1", caller.ID, "call ended"))
	_, err = c.FindByUserID(ctx, "r1", "caller-1")
	assert.ErrorIs(t, err, activeroom.ErrNoPeer)
	err = c.RemovePeer(ctx, "r1", caller.ID, "call ended")
	assert.ErrorIs(t, err, activeroom.ErrNoPeer, "removing twice: the peer is gone")

	// A second leg of the same caller, then a redial: two peers.
	srv.AddPeer("r1", hmstest.Peer{ID: "leg-1", UserID: "caller-2", JoinedAt: joined.Add(time.Minute)})
	srv.AddPeer("r1", hmstest.Peer{ID: "leg-2", UserID: "caller-2", JoinedAt: joined.Add(2 * time.Minute)})
	_, err = c.FindByUserID(ctx, "r1", "caller-2")
	var several *activeroom.SeveralPeersError
	require.ErrorAs(t, err, &several)
	assert.Equal(t, []string{"leg-1", "leg-2"}, peerIDs(several.Peers))

	require.NoError(t, c.RemoveRole(ctx, "r1", "host", ""))
	assert.Equal(t, []string{"leg-1", "leg-2"}, fakeIDs(srv.Peers("r1")))

	require.NoError(t, c.EndRoom(ctx, "r1", "Class has ended", true))
	assert.Empty(t, srv.Peers("r1"))
	reqs := srv.Requests()
	assert.JSONEq(t, `{"reason":"Class has ended","lock":true}`, reqs[len(reqs)-1].Body)
	peers, err = c.Peers(ctx, "r1", nil)
	require.NoError(t, err)
	assert.Empty(t, peers)
	assert.ErrorIs(t, c.EndRoom(ctx, "r1", "", false), hmsapi.ErrNotFound, "the fake's answer for a room with no live session")
}

func fakeIDs(peers []hmstest.Peer) []string {
	return apisurface.Strings(peers, func(p hmstest.Peer) string { return p.ID })
}

// TestRetries checks each call's Repeatable choice through the real
// request path: every call is repeated after a 503 or a dropped
// connection, since each is a read or idempotent in effect.
func TestRetries(t *testing.T) {
	ctx := context.Background()
	calls := map[string]func(*activeroom.Client) error{
		"Peers":        func(c *activeroom.Client) error { _, err := c.Peers(ctx, "r1", nil); return err },
		"Peer":         func(c *activeroom.Client) error { _, err := c.Peer(ctx, "r1", "p-host"); return err },
		"FindByUserID": func(c *activeroom.Client) error { _, err := c.FindByUserID(ctx, "r1", "caller-1"); return err },
		"UpdatePeer": func(c *activeroom.Client) error {
			_, err := c.UpdatePeer(ctx, "r1", "p-host", activeroom.Update{Name: "x"})
			return err
		},
		"RemovePeer": func(c *activeroom.Client) error { return c.RemovePeer(ctx, "r1", "p-caller", "") },
		"RemoveRole": func(c *activeroom.Client) error { return c.RemoveRole(ctx, "r1", "guest", "") },
		"EndRoom":    func(c *activeroom.Client) error { return c.EndRoom(ctx, "r1", "", false) },
	}
	tests := []struct {
		name     string
		faults   []hmstest.Fault
		ok       bool
		requests int
	}{
		{"503 then success", []hmstest.Fault{{Count: 1, Status: 503}}, true, 2},
		{"connection dropped then success", []hmstest.Fault{{Count: 1, Status: 0}}, true, 2},
		{"429 then success", []hmstest.Fault{{Count: 2, Status: 429}}, true, 3},
		{"503 forever", []hmstest.Fault{{Count: 10, Status: 503}}, false, 4},
		{"400 is not retried", []hmstest.Fault{{Count: 1, Status: 400}}, false, 1},
	}
	for name, call := range calls {
		for _, tt := range tests {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				c, srv := fake(t)
				for _, f := range tt.faults {
					srv.InjectFault(f)
				}
				err := call(c)
				if tt.ok {
					assert.NoError(t, err)
				} else {
					assert.Error(t, err)
				}
				assert.Equal(t, tt.requests, srv.RequestCount())
			})
		}
	}
}

func TestNoTokenInErrorsOrLogs(t *testing.T) {
	const appSecret = "app-secret-never-shown-0123456789"
	srv := hmstest.NewServer(hmstest.WithAppCredentials("ak-1", appSecret),
		hmstest.WithPeer("r1", hmstest.Peer{ID: "p1", UserID: "caller-1"}))
	t.Cleanup(srv.Close)
	api, tokens, _, logs := apisurface.RecordingAPI(t, srv.URL, "ak-1", appSecret)
	c := activeroom.NewClient(api)

	ctx := context.Background()
	var texts []string
	note := func(err error) {
		if err != nil {
			texts = append(texts, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
		}
	}
	srv.InjectFault(hmstest.Fault{Count: 1, Status: 401})
	srv.InjectFault(hmstest.Fault{Count: 4, Status: 503})
	_, err := c.FindByUserID(ctx, "r1", "caller-1")
	note(err)
	srv.InjectFault(hmstest.Fault{Count: 1, Status: 502, Body: "<html>proxy</html>"})
	note(c.RemovePeer(ctx, "r1", "p1", "bye"))
	note(c.RemovePeer(ctx, "r1", "p1", "bye"))
	_, err = c.Peer(ctx, "r1", "p1")
	note(err)
	note(c.EndRoom(ctx, "r1", "", true))

	require.NotEmpty(t, tokens.Seen())
	require.Contains(t, logs.String(), "retrying", "the logging paths were exercised")
	require.Contains(t, logs.String(), "renewed")
	require.Len(t, texts, 3*4)
	texts = append(texts, logs.String())
	for _, text := range texts {
		assert.NotContains(t, text, appSecret)
		assert.NotContains(t, text, "eyJ", "no JWT")
		for _, tok := range tokens.Seen() {
			assert.NotContains(t, text, tok)
		}
	}
}

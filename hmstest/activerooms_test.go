package hmstest_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/internal/apisurface"
)

var joined = time.Date(2023, 1, 25, 12, 4, 30, 366388779, time.UTC)

// call sends one request with a valid management token and returns the
// status and body of the answer.
func call(t *testing.T, srv *hmstest.Server, method, path, body string) (int, string) {
	t.Helper()
	tok, err := hmsapi.MintManagementToken(srv.AccessKey(), srv.AppSecret(), time.Now(), time.Hour)
	require.NoError(t, err)
	return send(t, context.Background(), srv, method, path, tok, body)
}

// roomWithPeers seeds room "r1" with a caller, a host and a guest, and a
// peer of another room.
func roomWithPeers(opts ...hmstest.Option) *hmstest.Server {
	return hmstest.NewServer(append([]hmstest.Option{
		hmstest.WithPeer("r1", hmstest.Peer{ID: "p-caller", Name: "Caller", UserID: "caller-1", Role: "guest", JoinedAt: joined.Add(2 * time.Second), SIP: true}),
		hmstest.WithPeer("r1", hmstest.Peer{ID: "p-host", Name: "Nick", UserID: "teacher-81", Role: "host", Metadata: `{"hand":true}`, JoinedAt: joined}),
		hmstest.WithPeer("r1", hmstest.Peer{ID: "p-guest", Name: "John", UserID: "student-3461", Role: "guest", JoinedAt: joined.Add(time.Second)}),
		hmstest.WithPeer("r2", hmstest.Peer{ID: "p-other", UserID: "caller-1", Role: "guest", JoinedAt: joined}),
	}, opts...)...)
}

func ids(peers []hmstest.Peer) []string {
	return apisurface.Strings(peers, func(p hmstest.Peer) string { return p.ID })
}

func TestListPeersAnswersAMap(t *testing.T) {
	srv := roomWithPeers()
	defer srv.Close()
	status, body := call(t, srv, http.MethodGet, "/active-rooms/r1/peers?role=host", "")
	assert.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, `{"peers":{"p-host":{"id":"p-host","name":"Nick","user_id":"teacher-81","metadata":"{\"hand\":true}",
		"role":"host","joined_at":"2023-01-25T12:04:30.366388779Z"}}}`, body)

	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{"p-caller", "p-guest", "p-host"}},
		{"?user_id=caller-1", []string{"p-caller"}},
		{"?role=guest", []string{"p-caller", "p-guest"}},
		{"?role=guest&user_id=student-3461", []string{"p-guest"}},
		{"?role=host&user_id=caller-1", nil},
		{"?user_id=nobody", nil},
		{"?user_id=", []string{"p-caller", "p-guest", "p-host"}}, // an empty filter does not filter
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			status, body := call(t, srv, http.MethodGet, "/active-rooms/r1/peers"+tt.query, "")
			require.Equal(t, http.StatusOK, status)
			var got []string
			for _, id := range tt.want {
				assert.Contains(t, body, `"`+id+`":{"id":"`+id+`"`)
			}
			for _, id := range []string{"p-caller", "p-guest", "p-host", "p-other"} {
				if strings.Contains(body, `"`+id+`"`) {
					got = append(got, id)
				}
			}
			assert.ElementsMatch(t, tt.want, got)
		})
	}

	// A room with no live session answers an empty map, not 404.
	status, body = call(t, srv, http.MethodGet, "/active-rooms/no-such-room/peers", "")
	assert.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, `{"peers":{}}`, body)
}

func TestGetAndUpdatePeer(t *testing.T) {
	srv := roomWithPeers()
	defer srv.Close()
	status, body := call(t, srv, http.MethodGet, "/active-rooms/r1/peers/p-host", "")
	assert.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, `{"id":"p-host","name":"Nick","user_id":"teacher-81","metadata":"{\"hand\":true}","role":"host",
		"joined_at":"2023-01-25T12:04:30.366388779Z","tracks":{}}`, body)

	status, body = call(t, srv, http.MethodGet, "/active-rooms/r1/peers/p-other", "")
	assert.Equal(t, http.StatusNotFound, status)
	assert.JSONEq(t, `{"code":404,"message":"peer not found"}`, body)

	status, body = call(t, srv, http.MethodPost, "/active-rooms/r1/peers/p-guest", `{"name":"Johnny","metadata":"{}"}`)
	assert.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, `{"id":"p-guest","name":"Johnny","user_id":"student-3461","metadata":"{}","role":"guest",
		"joined_at":"2023-01-25T12:04:31.366388779Z","tracks":{}}`, body)
	status, _ = call(t, srv, http.MethodPost, "/active-rooms/r1/peers/p-guest", `{"metadata":{"not":"a string"}}`)
	assert.Equal(t, http.StatusBadRequest, status)
	status, _ = call(t, srv, http.MethodPost, "/active-rooms/r1/peers/gone", `{"name":"x"}`)
	assert.Equal(t, http.StatusNotFound, status)
}

func TestRemovePeers(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		status int
		left   []string
	}{
		{"by peer id", `{"peer_id":"p-guest","reason":""}`, 200, []string{"p-host", "p-caller"}},
		{"peer id wins over role", `{"peer_id":"p-guest","role":"host","reason":"bye"}`, 200, []string{"p-host", "p-caller"}},
		{"by role", `{"role":"guest","reason":"bye"}`, 200, []string{"p-host"}},
		{"a role no peer has", `{"role":"viewer"}`, 200, []string{"p-host", "p-guest", "p-caller"}},
		{"unknown peer", `{"peer_id":"p-other"}`, 404, []string{"p-host", "p-guest", "p-caller"}},
		{"neither", `{"reason":"bye"}`, 400, []string{"p-host", "p-guest", "p-caller"}},
		{"not JSON", `peer_id=p-guest`, 400, []string{"p-host", "p-guest", "p-caller"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := roomWithPeers()
			defer srv.Close()
			status, body := call(t, srv, http.MethodPost, "/active-rooms/r1/remove-peers", tt.body)
			assert.Equal(t, tt.status, status, body)
			if status == 200 {
				assert.JSONEq(t, `{"message":"peer remove request submitted"}`, body)
			}
			assert.Equal(t, tt.left, ids(srv.Peers("r1")))
			assert.Equal(t, []string{"p-other"}, ids(srv.Peers("r2")))
		})
	}

	srv := hmstest.NewServer()
	defer srv.Close()
	status, body := call(t, srv, http.MethodPost, "/active-rooms/r1/remove-peers", `{"peer_id":"p"}`)
	assert.Equal(t, http.StatusNotFound, status)
	assert.JSONEq(t, `{"code":404,"message":"room is not active"}`, body)
}

func TestEndRoom(t *testing.T) {
	srv := roomWithPeers()
	defer srv.Close()
	status, body := call(t, srv, http.MethodPost, "/active-rooms/r1/end-room", `{"reason":"Class has ended","lock":true}`)
	assert.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, `{"message":"session is ending"}`, body)
	assert.Empty(t, srv.Peers("r1"))
	assert.Len(t, srv.Peers("r2"), 1)
	reqs := srv.Requests()
	assert.JSONEq(t, `{"reason":"Class has ended","lock":true}`, reqs[len(reqs)-1].Body, "the lock is recorded")

	status, body = call(t, srv, http.MethodPost, "/active-rooms/r1/end-room", ``)
	assert.Equal(t, http.StatusNotFound, status)
	assert.JSONEq(t, `{"code":404,"message":"room is not active"}`, body)
	status, _ = call(t, srv, http.MethodPost, "/active-rooms/r2/end-room", `{"lock":"yes"}`)
	assert.Equal(t, http.StatusBadRequest, status)
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestSeedingGeneratesIDsAndJoinTimes(t *testing.T) {
	clock := time.Date(2031, 5, 6, 7, 8, 9, 0, time.FixedZone("x", 3600))
	seeded := func() *hmstest.Server {
		// WithPeer comes before WithSeed and WithClock, and still uses them.
		return hmstest.NewServer(
			hmstest.WithPeer("r1", hmstest.Peer{UserID: "a"}),
			hmstest.WithPeer("r2", hmstest.Peer{UserID: "b"}),
			hmstest.WithPeer("r1", hmstest.Peer{UserID: "c", JoinedAt: joined}),
			hmstest.WithSeed(7),
			hmstest.WithClock(func() time.Time { return clock }),
		)
	}
	srv := seeded()
	defer srv.Close()
	r1 := srv.Peers("r1")
	require.Len(t, r1, 2)
	assert.Equal(t, "c", r1[0].UserID, "sorted by join time")
	assert.Equal(t, joined, r1[0].JoinedAt)
	assert.Equal(t, clock.UTC(), r1[1].JoinedAt)
	for _, p := range append(r1, srv.Peers("r2")...) {
		assert.Regexp(t, uuidV4, p.ID)
	}

	again := seeded()
	defer again.Close()
	assert.Equal(t, r1, again.Peers("r1"), "the same seed gives the same ids")
	assert.Equal(t, srv.Peers("r2"), again.Peers("r2"))

	p := srv.AddPeer("r1", hmstest.Peer{Name: "Later", UserID: "d", Role: "guest", SIP: true})
	assert.Regexp(t, uuidV4, p.ID)
	assert.Equal(t, clock.UTC(), p.JoinedAt)
	assert.True(t, p.SIP)
	assert.Contains(t, srv.Peers("r1"), p)

	// The same id replaces the peer.
	srv.AddPeer("r1", hmstest.Peer{ID: p.ID, Name: "Renamed", JoinedAt: clock.Add(time.Hour)})
	assert.Len(t, srv.Peers("r1"), 3)
	assert.Equal(t, "Renamed", srv.Peers("r1")[2].Name, "the latest join comes last")
	assert.Empty(t, srv.Peers("nobody"))
}

func TestActiveRoomsPathsAreEscapedAndFaultsApply(t *testing.T) {
	srv := hmstest.NewServer(hmstest.WithPeer("room/1 x", hmstest.Peer{ID: "peer/1", UserID: "u 1&2"}))
	defer srv.Close()
	srv.InjectFault(hmstest.Fault{Count: 1, Status: http.StatusServiceUnavailable})
	status, _ := call(t, srv, http.MethodGet, "/active-rooms/room%2F1%20x/peers?user_id=u+1%262", "")
	assert.Equal(t, http.StatusServiceUnavailable, status)
	status, body := call(t, srv, http.MethodGet, "/active-rooms/room%2F1%20x/peers?user_id=u+1%262", "")
	assert.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, `"peer/1"`)
	status, _ = call(t, srv, http.MethodGet, "/active-rooms/room%2F1%20x/peers/peer%2F1", "")
	assert.Equal(t, http.StatusOK, status)

	reqs := srv.Requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, "/v2/active-rooms/room%2F1%20x/peers", reqs[0].Path)
	assert.Equal(t, 503, reqs[0].Status)

	status, _ = get(t, srv, "/active-rooms/room%2F1%20x/peers", "")
	assert.Equal(t, http.StatusUnauthorized, status, "tokens are checked")
}

func TestPeersConcurrently(t *testing.T) {
	srv := roomWithPeers()
	defer srv.Close()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := srv.AddPeer("r1", hmstest.Peer{UserID: "u", Role: "guest"})
			if i%2 == 0 {
				status, _ := call(t, srv, http.MethodPost, "/active-rooms/r1/remove-peers", `{"peer_id":"`+p.ID+`"}`)
				assert.Equal(t, http.StatusOK, status)
			}
			_, _ = call(t, srv, http.MethodGet, "/active-rooms/r1/peers", "")
		}()
	}
	wg.Wait()
	assert.Len(t, srv.Peers("r1"), 3+4)
}

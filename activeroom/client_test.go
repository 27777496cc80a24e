package activeroom_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/activeroom"
	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/internal/apisurface"
)

// setup returns a client of apisurface.PrefixedAPI's server, which checks
// the token and the Accept header of every request, and a counter of the
// requests that reached the server.
func setup(t *testing.T, opts ...hmsapi.Option) (*activeroom.Client, *http.ServeMux, *atomic.Int32) {
	t.Helper()
	api, outer, count := apisurface.PrefixedAPI(t, hmsapi.WithManagementToken(apisurface.TestToken), opts...)
	mux := http.NewServeMux()
	outer.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "Bearer "+apisurface.TestToken, r.Header.Get("Authorization"))
		assert.Equal(t, "application/json", r.Header.Get("Accept"))
		mux.ServeHTTP(w, r)
	})
	return activeroom.NewClient(api), mux, count
}

// answer serves body with status for every request, checking method and
// escaped path, and hands the request's body to check when it is not nil.
func answer(t *testing.T, mux *http.ServeMux, method, path string, status int, body string, check func(query, body string)) {
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, method, r.Method)
		assert.Equal(t, path, r.URL.EscapedPath())
		b, _ := io.ReadAll(r.Body)
		if check != nil {
			check(r.URL.RawQuery, string(b))
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	})
}

var joined = time.Date(2023, 1, 25, 12, 4, 30, 366388779, time.UTC)

func TestPeersSortsTheMapAnswer(t *testing.T) {
	c, mux, _ := setup(t)
	answer(t, mux, "GET", "/active-rooms/room%2F1%20x%3F/peers", 200, `{"peers":{
		"b-late":  {"id":"b-late","name":"John","user_id":"student-3461","metadata":"","role":"student","joined_at":"2023-01-25T12:06:34.080990401Z"},
		"z-first": {"id":"z-first","name":"Nick","user_id":"teacher-81","metadata":"{\"hand\":true}","role":"teacher","joined_at":"2023-01-25T12:04:30.366388779Z"},
		"a-same":  {"id":"a-same","name":"Ann","user_id":"u3","metadata":{"is_hand_raised": true},"role":"teacher","joined_at":"2023-01-25T12:06:34.080990401Z","extra":[1]},
		"no-id":   {"name":"Zed","user_id":"u4","role":"guest","joined_at":null}
	}}`, func(query, _ string) { assert.Empty(t, query, "no filter, no query") })

	peers, err := c.Peers(context.Background(), "room/1 x?", nil)
	require.NoError(t, err)
	var got []string
	for _, p := range peers {
		got = append(got, p.ID)
	}
	assert.Equal(t, []string{"no-id", "z-first", "a-same", "b-late"}, got, "by join time (none first), then id")
	assert.Equal(t, activeroom.Peer{ID: "z-first", Name: "Nick", UserID: "teacher-81", Role: "teacher", Metadata: `{"hand":true}`, JoinedAt: joined}, peers[1])
	assert.Equal(t, `{"is_hand_raised":true}`, peers[2].Metadata, "an object comes as its compact JSON text")
	assert.True(t, peers[0].JoinedAt.IsZero())
	assert.Nil(t, peers[1].Tracks)
}

func TestPeersFilters(t *testing.T) {
	tests := []struct {
		name   string
		filter *activeroom.Filter
		query  string
	}{
		{"nil", nil, ""},
		{"empty", &activeroom.Filter{}, ""},
		{"user id", &activeroom.Filter{UserID: "caller 1&role=host"}, "user_id=caller+1%26role%3Dhost"},
		{"role", &activeroom.Filter{Role: "guest"}, "role=guest"},
		{"both", &activeroom.Filter{UserID: "u/1", Role: "héte"}, "role=h%C3%A9te&user_id=u%2F1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mux, count := setup(t)
			answer(t, mux, "GET", "/active-rooms/r1/peers", 200, `{"peers":{}}`, func(query, _ string) { assert.Equal(t, tt.query, query) })
			peers, err := c.Peers(context.Background(), "r1", tt.filter)
			require.NoError(t, err)
			assert.NotNil(t, peers)
			assert.Empty(t, peers)
			assert.EqualValues(t, 1, count.Load())
		})
	}
}

const peerWithTracks = `{"id":"2e8fc83e","name":"Johnny Appleseed","user_id":"tutor_id_1234","metadata":{"is_hand_raised":true},
	"role":"backstage","joined_at":"2022-10-06T05:22:41.635589462Z","tracks":{
	"d6831044":{"id":"d6831044","stream_id":"2cc4afed","mute":true,"type":"audio","source":"regular","started_at":"2022-10-06T05:22:41.752327705Z","description":""},
	"780a28e0":{"stream_id":"2cc4afed","mute":false,"type":"video","source":"regular","started_at":"2022-10-06T05:22:41.752327705Z","description":"cam"}}}`

func TestPeer(t *testing.T) {
	c, mux, _ := setup(t)
	answer(t, mux, "GET", "/active-rooms/r%2F1/peers/p%3Fx", 200, peerWithTracks, nil)
	p, err := c.Peer(context.Background(), "r/1", "p?x")
	require.NoError(t, err)
	started := time.Date(2022, 10, 6, 5, 22, 41, 752327705, time.UTC)
	assert.Equal(t, activeroom.Peer{ID: "2e8fc83e", Name: "Johnny Appleseed", UserID: "tutor_id_1234", Role: "backstage",
		Metadata: `{"is_hand_raised":true}`, JoinedAt: time.Date(2022, 10, 6, 5, 22, 41, 635589462, time.UTC),
		Tracks: []activeroom.Track{
			{ID: "780a28e0", StreamID: "2cc4afed", Type: "video", Source: "regular", Description: "cam", StartedAt: started},
			{ID: "d6831044", StreamID: "2cc4afed", Type: "audio", Source: "regular", Mute: true, StartedAt: started},
		}}, p)
}

func TestNotFoundIsErrNoPeer(t *testing.T) {
	ctx := context.Background()
	for name, op := range map[string]func(*activeroom.Client) error{
		"Peer": func(c *activeroom.Client) error { _, err := c.Peer(ctx, "r1", "gone"); return err },
		"UpdatePeer": func(c *activeroom.Client) error {
			_, err := c.UpdatePeer(ctx, "r1", "gone", activeroom.Update{Name: "x"})
			return err
		},
		"RemovePeer": func(c *activeroom.Client) error { return c.RemovePeer(ctx, "r1", "gone", "") },
	} {
		t.Run(name, func(t *testing.T) {
			c, mux, count := setup(t)
			mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(404)
				_, _ = io.WriteString(w, `{"code":404,"message":"peer not found"}`)
			})
			err := op(c)
			assert.ErrorIs(t, err, activeroom.ErrNoPeer)
			assert.ErrorIs(t, err, hmsapi.ErrNotFound)
			var apiErr *hmsapi.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, "peer not found", apiErr.Message)
			assert.EqualValues(t, 1, count.Load(), "a 404 is not retried")
		})
	}
	// Other errors are left alone.
	c, mux, _ := setup(t)
	answer(t, mux, "GET", "/active-rooms/r1/peers/p1", 403, `{"code":403,"message":"forbidden"}`, nil)
	_, err := c.Peer(ctx, "r1", "p1")
	assert.ErrorIs(t, err, hmsapi.ErrForbidden)
	assert.NotErrorIs(t, err, activeroom.ErrNoPeer)
}

func TestRequestBodies(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		path string
		resp string
		body string
		call func(*activeroom.Client) error
	}{
		{"remove a peer", "/active-rooms/r%2F1/remove-peers", `{"message":"peer remove request submitted"}`, `{"peer_id":"p 1","reason":"call ended"}`,
			func(c *activeroom.Client) error { return c.RemovePeer(ctx, "r/1", "p 1", "call ended") }},
		{"remove a peer without a reason", "/active-rooms/r1/remove-peers", `{"message":"peer remove request submitted"}`, `{"peer_id":"p1","reason":""}`,
			func(c *activeroom.Client) error { return c.RemovePeer(ctx, "r1", "p1", "") }},
		{"remove a role", "/active-rooms/r1/remove-peers", `{"message":"peer remove request submitted"}`, `{"role":"guest","reason":"bye"}`,
			func(c *activeroom.Client) error { return c.RemoveRole(ctx, "r1", "guest", "bye") }},
		{"end the room", "/active-rooms/r1/end-room", `{"message":"session is ending"}`, `{"reason":"Class has ended","lock":false}`,
			func(c *activeroom.Client) error { return c.EndRoom(ctx, "r1", "Class has ended", false) }},
		{"end and lock the room", "/active-rooms/r1/end-room", `{"message":"session is ending"}`, `{"reason":"","lock":true}`,
			func(c *activeroom.Client) error { return c.EndRoom(ctx, "r1", "", true) }},
		{"update a peer", "/active-rooms/r1/peers/p1", peerWithTracks, `{"name":"nixon","metadata":"{\"isBRBOn\":true}"}`,
			func(c *activeroom.Client) error {
				p, err := c.UpdatePeer(ctx, "r1", "p1", activeroom.Update{Name: "nixon", Metadata: `{"isBRBOn":true}`})
				assert.Len(t, p.Tracks, 2)
				return err
			}},
		{"change a peer's role", "/active-rooms/r1/peers/p1", peerWithTracks, `{"role":"host"}`,
			func(c *activeroom.Client) error {
				_, err := c.UpdatePeer(ctx, "r1", "p1", activeroom.Update{Role: "host"})
				return err
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mux, count := setup(t)
			answer(t, mux, "POST", tt.path, 200, tt.resp, func(query, body string) {
				assert.Empty(t, query)
				assert.JSONEq(t, tt.body, body)
			})
			require.NoError(t, tt.call(c))
			assert.EqualValues(t, 1, count.Load())
		})
	}
}

func TestFindByUserID(t *testing.T) {
	ctx := context.Background()
	peer := func(id, user, joined string) string {
		return fmt.Sprintf(`%q:{"id":%q,"name":"n","user_id":%q,"role":"guest","metadata":"","joined_at":%q}`, id, id, user, joined)
	}
	tests := []struct {
		name    string
		status  int
		answer  string
		want    string // the id found
		noPeer  bool
		several []string
	}{
		{"found", 200, `{"peers":{` + peer("p1", "caller-1", "2024-01-01T00:00:00Z") + `}}`, "p1", false, nil},
		{"none", 200, `{"peers":{}}`, "", true, nil},
		{"no live session (404)", 404, `{"code":404,"message":"room not active"}`, "", true, nil},
		{"several", 200, `{"peers":{` + peer("p2", "caller-1", "2024-01-01T00:00:02Z") + `,` + peer("p1", "caller-1", "2024-01-01T00:00:01Z") + `}}`,
			"", false, []string{"p1", "p2"}},
		// An API that ignored the filter must not make someone else the caller.
		{"filter ignored", 200, `{"peers":{` + peer("p1", "caller-10", "2024-01-01T00:00:00Z") + `,` + peer("p2", "Caller-1", "2024-01-01T00:00:00Z") + `,` +
			peer("p3", "caller-1", "2024-01-01T00:00:00Z") + `}}`, "p3", false, nil},
		{"filter ignored, no match", 200, `{"peers":{` + peer("p1", "someone", "2024-01-01T00:00:00Z") + `}}`, "", true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mux, _ := setup(t)
			answer(t, mux, "GET", "/active-rooms/r1/peers", tt.status, tt.answer, func(query, _ string) {
				assert.Equal(t, "user_id=caller-1", query)
			})
			p, err := c.FindByUserID(ctx, "r1", "caller-1")
			switch {
			case tt.want != "":
				require.NoError(t, err)
				assert.Equal(t, tt.want, p.ID)
				assert.Equal(t, "caller-1", p.UserID)
			case tt.noPeer:
				assert.ErrorIs(t, err, activeroom.ErrNoPeer)
				assert.Contains(t, err.Error(), `user id "caller-1" in room "r1"`)
				assert.Equal(t, tt.status == 404, errors.Is(err, hmsapi.ErrNotFound))
				assert.Zero(t, p)
			default:
				var several *activeroom.SeveralPeersError
				require.ErrorAs(t, err, &several)
				assert.NotErrorIs(t, err, activeroom.ErrNoPeer)
				var got []string
				for _, p := range several.Peers {
					got = append(got, p.ID)
				}
				assert.Equal(t, tt.several, got)
				assert.Equal(t, `activeroom: 2 peers of room "r1" have user id "caller-1"`, err.Error())
				assert.Zero(t, p)
			}
		})
	}
	c, mux, _ := setup(t)
	answer(t, mux, "GET", "/active-rooms/r1/peers", 500, `{"code":500,"message":"boom"}`, nil)
	_, err := c.FindByUserID(ctx, "r1", "caller-1")
	assert.ErrorIs(t, err, hmsapi.ErrServer)
	assert.NotErrorIs(t, err, activeroom.ErrNoPeer)
}

func TestBadInputSendsNothing(t *testing.T) {
	ctx := context.Background()
	long := strings.Repeat("x", activeroom.MaxReasonLen+1)
	tests := []struct {
		name  string
		field string
		call  func(*activeroom.Client) error
	}{
		{"Peers: empty room", "room id", func(c *activeroom.Client) error { _, err := c.Peers(ctx, "", nil); return err }},
		{"Peers: dot-segment room", "room id", func(c *activeroom.Client) error { _, err := c.Peers(ctx, "..", nil); return err }},
		{"Peers: control in room", "room id", func(c *activeroom.Client) error { _, err := c.Peers(ctx, "r\n1", nil); return err }},
		{"Peers: control in user id", "user id", func(c *activeroom.Client) error {
			_, err := c.Peers(ctx, "r1", &activeroom.Filter{UserID: "u\r\nX-Injected: 1"})
			return err
		}},
		{"Peers: invalid UTF-8 role", "role", func(c *activeroom.Client) error {
			_, err := c.Peers(ctx, "r1", &activeroom.Filter{Role: "h\xffst"})
			return err
		}},
		{"Peers: C1 control in role", "role", func(c *activeroom.Client) error {
			_, err := c.Peers(ctx, "r1", &activeroom.Filter{Role: "h\u0085st"})
			return err
		}},
		{"Peers: user id too long", "user id", func(c *activeroom.Client) error {
			_, err := c.Peers(ctx, "r1", &activeroom.Filter{UserID: strings.Repeat("u", 1025)})
			return err
		}},
		{"Peer: empty peer", "peer id", func(c *activeroom.Client) error { _, err := c.Peer(ctx, "r1", ""); return err }},
		{"Peer: dot-segment peer", "peer id", func(c *activeroom.Client) error { _, err := c.Peer(ctx, "r1", "."); return err }},
		{"UpdatePeer: nothing", "update", func(c *activeroom.Client) error {
			_, err := c.UpdatePeer(ctx, "r1", "p1", activeroom.Update{})
			return err
		}},
		{"UpdatePeer: control in name", "name", func(c *activeroom.Client) error {
			_, err := c.UpdatePeer(ctx, "r1", "p1", activeroom.Update{Name: "a\x00b"})
			return err
		}},
		{"UpdatePeer: invalid metadata", "metadata", func(c *activeroom.Client) error {
			_, err := c.UpdatePeer(ctx, "r1", "p1", activeroom.Update{Metadata: "\xc3"})
			return err
		}},
		{"UpdatePeer: empty room", "room id", func(c *activeroom.Client) error {
			_, err := c.UpdatePeer(ctx, "", "p1", activeroom.Update{Name: "x"})
			return err
		}},
		{"RemovePeer: empty peer", "peer id", func(c *activeroom.Client) error { return c.RemovePeer(ctx, "r1", "", "bye") }},
		{"RemovePeer: reason too long", "reason", func(c *activeroom.Client) error { return c.RemovePeer(ctx, "r1", "p1", long) }},
		{"RemovePeer: line break in reason", "reason", func(c *activeroom.Client) error { return c.RemovePeer(ctx, "r1", "p1", "a\nb") }},
		{"RemoveRole: empty role", "role", func(c *activeroom.Client) error { return c.RemoveRole(ctx, "r1", "", "") }},
		{"RemoveRole: empty room", "room id", func(c *activeroom.Client) error { return c.RemoveRole(ctx, "", "guest", "") }},
		{"EndRoom: empty room", "room id", func(c *activeroom.Client) error { return c.EndRoom(ctx, "", "", true) }},
		{"EndRoom: reason too long", "reason", func(c *activeroom.Client) error { return c.EndRoom(ctx, "r1", long, false) }},
		{"FindByUserID: empty user", "user id", func(c *activeroom.Client) error { _, err := c.FindByUserID(ctx, "r1", ""); return err }},
		{"FindByUserID: control in user", "user id", func(c *activeroom.Client) error { _, err := c.FindByUserID(ctx, "r1", "u\t1"); return err }},
		{"FindByUserID: empty room", "room id", func(c *activeroom.Client) error { _, err := c.FindByUserID(ctx, "", "u1"); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, count := setup(t)
			err := tt.call(c)
			var in *hmsapi.InputError
			require.ErrorAs(t, err, &in)
			assert.ErrorIs(t, err, hmsapi.ErrInvalidInput)
			assert.Equal(t, tt.field, in.Field)
			assert.EqualValues(t, 0, count.Load(), "nothing is sent")
		})
	}
	// The limits themselves pass.
	c, mux, _ := setup(t)
	answer(t, mux, "POST", "/active-rooms/r1/end-room", 200, `{}`, nil)
	assert.NoError(t, c.EndRoom(ctx, "r1", long[1:], false))
}

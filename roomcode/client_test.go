package roomcode_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/internal/apisurface"
	"github.com/hmssip/interconnect-go/roomcode"
)

// setup returns a client of apisurface.PrefixedAPI's server and its mux.
func setup(t *testing.T, opts ...hmsapi.Option) (*roomcode.Client, *http.ServeMux) {
	t.Helper()
	api, mux, _ := apisurface.PrefixedAPI(t, hmsapi.WithManagementToken(apisurface.TestToken), opts...)
	return roomcode.NewClient(api), mux
}

func testHeaders(t *testing.T, r *http.Request) {
	t.Helper()
	assert.Equal(t, "Bearer "+apisurface.TestToken, r.Header.Get("Authorization"))
	assert.Equal(t, "application/json", r.Header.Get("Accept"))
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
}

const codeJSON = `{"code":"wpi-srjb-wer","room_id":"r1","role":"host","enabled":true,"created_at":"2023-03-14T15:54:18Z","updated_at":"2023-03-14T15:54:20.082Z","extra":{"ignored":[1,2]}}`

func wantCode() roomcode.RoomCode {
	return roomcode.RoomCode{Code: "wpi-srjb-wer", RoomID: "r1", Role: "host", Enabled: true,
		CreatedAt: time.Date(2023, 3, 14, 15, 54, 18, 0, time.UTC), UpdatedAt: time.Date(2023, 3, 14, 15, 54, 20, 82e6, time.UTC)}
}

func TestCreate(t *testing.T) {
	c, mux := setup(t)
	mux.HandleFunc("/room-codes/room/", func(w http.ResponseWriter, r *http.Request) {
		testHeaders(t, r)
		assert.Equal(t, http.MethodPost, r.Method)
		assert.Equal(t, "/room-codes/room/room%2F1%20x%3F", r.URL.EscapedPath())
		body, _ := io.ReadAll(r.Body)
		assert.JSONEq(t, `{}`, string(body))
		_, _ = io.WriteString(w, `{"data":[`+codeJSON+`,{"code":"abc-defg-hij","room_id":"r1","role":"guest","enabled":false,"created_at":"0001-01-01T00:00:00Z","updated_at":"0001-01-01T00:00:00Z"}]}`)
	})
	codes, err := c.Create(context.Background(), "room/1 x?")
	require.NoError(t, err)
	require.Len(t, codes, 2)
	assert.Equal(t, wantCode(), codes[0])
	assert.True(t, codes[1].CreatedAt.IsZero())
	assert.False(t, codes[1].Enabled)
}

func TestCreateForRole(t *testing.T) {
	c, mux := setup(t)
	mux.HandleFunc("/room-codes/room/{room}/role/{role}", func(w http.ResponseWriter, r *http.Request) {
		testHeaders(t, r)
		assert.Equal(t, http.MethodPost, r.Method)
		assert.Equal(t, "/room-codes/room/r1/role/co%2Fhost", r.URL.EscapedPath())
		_, _ = io.WriteString(w, codeJSON)
	})
	rc, err := c.CreateForRole(context.Background(), "r1", "co/host")
	require.NoError(t, err)
	assert.Equal(t, wantCode(), rc)
}

func TestList(t *testing.T) {
	c, mux := setup(t)
	var queries []string
	mux.HandleFunc("GET /room-codes/room/r1", func(w http.ResponseWriter, r *http.Request) {
		testHeaders(t, r)
		queries = append(queries, r.URL.RawQuery)
		_, _ = io.WriteString(w, `{"limit":10,"data":[`+codeJSON+`],"last":"wpi-srjb-wer"}`)
	})
	ctx := context.Background()
	p, err := c.List(ctx, "r1", nil)
	require.NoError(t, err)
	assert.Equal(t, roomcode.Page{Limit: 10, Data: []roomcode.RoomCode{wantCode()}, Last: "wpi-srjb-wer"}, p)
	_, err = c.List(ctx, "r1", &roomcode.ListOptions{})
	require.NoError(t, err)
	_, err = c.List(ctx, "r1", &roomcode.ListOptions{Role: "host", Enabled: roomcode.EnabledOnly, Limit: 50, Start: "x-y-z"})
	require.NoError(t, err)
	_, err = c.List(ctx, "r1", &roomcode.ListOptions{Enabled: roomcode.DisabledOnly})
	require.NoError(t, err)
	assert.Equal(t, []string{"", "", "enabled=true&limit=50&role=host&start=x-y-z", "enabled=false"}, queries)

	_, err = c.List(ctx, "r1", &roomcode.ListOptions{Limit: 5})
	assert.ErrorContains(t, err, "invalid limit: 5 is outside 10 to 100")
	_, err = c.List(ctx, "r1", &roomcode.ListOptions{Limit: 101})
	assert.Error(t, err)
	assert.Len(t, queries, 4, "invalid options are refused before any request")
}

func TestSetEnabled(t *testing.T) {
	c, mux := setup(t)
	var bodies []string
	mux.HandleFunc("POST /room-codes/code", func(w http.ResponseWriter, r *http.Request) {
		testHeaders(t, r)
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		_, _ = io.WriteString(w, codeJSON)
	})
	ctx := context.Background()
	_, err := c.Disable(ctx, "wpi-srjb-wer")
	require.NoError(t, err)
	rc, err := c.Enable(ctx, "wpi-srjb-wer")
	require.NoError(t, err)
	assert.Equal(t, wantCode(), rc)
	require.Len(t, bodies, 2)
	assert.JSONEq(t, `{"code":"wpi-srjb-wer","enabled":false}`, bodies[0])
	assert.JSONEq(t, `{"code":"wpi-srjb-wer","enabled":true}`, bodies[1])
}

func TestInvalidArgumentsSendNothing(t *testing.T) {
	c, mux := setup(t)
	var requests atomic.Int32
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		_, _ = io.WriteString(w, `{"data":[]}`)
	})
	ctx := context.Background()
	for _, tc := range []struct {
		call  func() error
		field string
		msg   string
	}{
		{func() error { _, err := c.Create(ctx, ""); return err }, "room id", "hmsapi: invalid room id: empty"},
		{func() error { _, err := c.CreateForRole(ctx, "r1", ""); return err }, "role", "hmsapi: invalid role: empty"},
		{func() error { _, err := c.List(ctx, "r\n1", nil); return err }, "room id", "hmsapi: invalid room id: control character at byte 1"},
		{func() error { _, err := c.SetEnabled(ctx, "", true); return err }, "code", "hmsapi: invalid code: empty"},
		{func() error { _, err := c.List(ctx, "r1", &roomcode.ListOptions{Limit: 5}); return err }, "limit", "hmsapi: invalid limit: 5 is outside 10 to 100"},
		// Dot-segments would be resolved by the server to another endpoint:
		// POST .../room/room-1/role/.. is the create-for-every-role path.
		{func() error { _, err := c.CreateForRole(ctx, "room-1", ".."); return err }, "role", `hmsapi: invalid role: ".." is a path dot-segment, not an identifier`},
		{func() error { _, err := c.CreateForRole(ctx, "room-1", "."); return err }, "role", `hmsapi: invalid role: "." is a path dot-segment, not an identifier`},
		{func() error { _, err := c.CreateForRole(ctx, "..", "host"); return err }, "room id", `hmsapi: invalid room id: ".." is a path dot-segment, not an identifier`},
		{func() error { _, err := c.Create(ctx, "."); return err }, "room id", `hmsapi: invalid room id: "." is a path dot-segment, not an identifier`},
		{func() error { _, err := c.List(ctx, "..", nil); return err }, "room id", `hmsapi: invalid room id: ".." is a path dot-segment, not an identifier`},
		{func() error { _, err := c.SetEnabled(ctx, "..", false); return err }, "code", `hmsapi: invalid code: ".." is a path dot-segment, not an identifier`},
	} {
		err := tc.call()
		require.Error(t, err)
		assert.EqualError(t, err, tc.msg)
		assert.ErrorIs(t, err, hmsapi.ErrInvalidInput)
		var ie *hmsapi.InputError
		if assert.ErrorAs(t, err, &ie) {
			assert.Equal(t, tc.field, ie.Field)
		}
	}
	assert.Zero(t, requests.Load(), "nothing is sent for an argument that cannot be real")
	// Dots inside an identifier are ordinary characters.
	_, err := c.List(ctx, "a..b", nil)
	require.NoError(t, err)
	assert.EqualValues(t, 1, requests.Load())
}

func TestNewClientOptions(t *testing.T) {
	_, err := newClient()
	assert.ErrorContains(t, err, "no credentials")
	_, err = newClient(hmsapi.WithManagementToken("a"), hmsapi.WithAppCredentials("k", "s"))
	assert.ErrorContains(t, err, "more than one")
	for _, o := range []hmsapi.Option{
		hmsapi.WithBaseURL("ftp://x"), hmsapi.WithBaseURL("api.100ms.live"), hmsapi.WithManagementToken(""),
		hmsapi.WithAppCredentials("", "s"), hmsapi.WithTokenSource(nil), hmsapi.WithHTTPClient(nil),
		hmsapi.WithRetryPolicy(hmsapi.RetryPolicy{MaxRetries: -1}), hmsapi.WithTimeout(0), hmsapi.WithMaxResponseBytes(0),
	} {
		_, err := newClient(hmsapi.WithManagementToken("t"), o)
		assert.Error(t, err)
	}
}

func TestAllFollowsPages(t *testing.T) {
	for _, lastField := range []string{`"last":""`, `"last":null`, ``} {
		t.Run(lastField, func(t *testing.T) {
			c, mux := setup(t)
			var starts []string
			mux.HandleFunc("GET /room-codes/room/r1", func(w http.ResponseWriter, r *http.Request) {
				start := r.URL.Query().Get("start")
				starts = append(starts, start)
				assert.Equal(t, "host", r.URL.Query().Get("role"))
				switch start {
				case "":
					_, _ = io.WriteString(w, `{"limit":10,"data":[{"code":"a-a-a"},{"code":"b-b-b"}],"last":"b-b-b"}`)
				case "b-b-b":
					_, _ = io.WriteString(w, `{"limit":10,"data":[{"code":"c-c-c"}],"last":"c-c-c"}`)
				default:
					sep := ""
					if lastField != "" {
						sep = ","
					}
					_, _ = io.WriteString(w, `{"limit":10,"data":[{"code":"d-d-d"}]`+sep+lastField+`}`)
				}
			})
			opts := &roomcode.ListOptions{Role: "host"}
			var got []string
			for rc, err := range c.All(context.Background(), "r1", opts) {
				require.NoError(t, err)
				got = append(got, rc.Code)
			}
			assert.Equal(t, []string{"a-a-a", "b-b-b", "c-c-c", "d-d-d"}, got)
			assert.Equal(t, []string{"", "b-b-b", "c-c-c"}, starts)
			assert.Equal(t, &roomcode.ListOptions{Role: "host"}, opts, "the caller's options are untouched")
		})
	}
}

func TestAllStopsEarlyAndOnError(t *testing.T) {
	c, mux := setup(t, hmsapi.WithRetryPolicy(hmsapi.RetryPolicy{}))
	var calls atomic.Int32
	mux.HandleFunc("GET /room-codes/room/r1", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.URL.Query().Get("start") == "" {
			_, _ = io.WriteString(w, `{"data":[{"code":"a-a-a"},{"code":"b-b-b"}],"last":"b-b-b"}`)
			return
		}
		http.Error(w, `{"code":404,"message":"room not found"}`, http.StatusNotFound)
	})
	for range c.All(context.Background(), "r1", nil) {
		break
	}
	assert.Equal(t, int32(1), calls.Load(), "breaking out stops the paging")

	var errs []error
	n := 0
	for _, err := range c.All(context.Background(), "r1", nil) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		n++
	}
	assert.Equal(t, 2, n)
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], hmsapi.ErrNotFound)
}

// TestAllStopsAtACursorCycle: cursors that lead back to a page already
// listed end the listing with an error, each page listed once, instead of
// paging forever.
func TestAllStopsAtACursorCycle(t *testing.T) {
	tests := []struct {
		name  string
		start string
		next  map[string]string // the Last answered to each start
	}{
		{"a to b to a", "", map[string]string{"": "cur-a", "cur-a": "cur-b", "cur-b": "cur-a"}},
		{"a to itself", "", map[string]string{"": "cur-a", "cur-a": "cur-a"}},
		{"back to the given Start", "cur-s", map[string]string{"cur-s": "cur-a", "cur-a": "cur-s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mux := setup(t)
			var starts []string
			mux.HandleFunc("GET /room-codes/room/r1", func(w http.ResponseWriter, r *http.Request) {
				start := r.URL.Query().Get("start")
				starts = append(starts, start)
				_, _ = io.WriteString(w, `{"data":[{"code":"at-`+start+`"}],"last":"`+tt.next[start]+`"}`)
			})
			var codes []string
			var errs []error
			for rc, err := range c.All(context.Background(), "r1", &roomcode.ListOptions{Start: tt.start}) {
				if err != nil {
					errs = append(errs, err)
					continue
				}
				codes = append(codes, rc.Code)
				require.Less(t, len(codes), 100, "still paging: the cycle was not seen")
			}
			require.Len(t, errs, 1)
			assert.ErrorIs(t, errs[0], hmsapi.ErrResponse)
			assert.Len(t, starts, len(tt.next), "each cursor asked for once")
			assert.Len(t, codes, len(tt.next), "each page listed once")
		})
	}
}

// TestAllStopsAfterMaxPages: a listing whose every page points to a new
// one ends with an error after 10,000 pages.
func TestAllStopsAfterMaxPages(t *testing.T) {
	c, mux := setup(t)
	var requests atomic.Int32
	mux.HandleFunc("GET /room-codes/room/r1", func(w http.ResponseWriter, r *http.Request) {
		n := requests.Add(1)
		_, _ = fmt.Fprintf(w, `{"data":[{"code":"c-%d"}],"last":"cur-%d"}`, n, n)
	})
	codes := 0
	var errs []error
	for _, err := range c.All(context.Background(), "r1", nil) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		codes++
		require.LessOrEqual(t, codes, 10_001, "still paging")
	}
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], hmsapi.ErrResponse)
	assert.Equal(t, 10_000, codes)
	assert.Equal(t, int32(10_000), requests.Load())
}

func TestErrorBodies(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		header  map[string]string
		is      error
		message string
		text    string
	}{
		{"json error", 401, `{"code":401,"message":"Token validation error","details":["not found"]}`, map[string]string{"X-Request-Id": "req-9"},
			hmsapi.ErrUnauthorized, "Token validation error",
			"hmsapi: GET /room-codes/room/r1: 401 Unauthorized: Token validation error (not found) [request id req-9]"},
		{"no details", 404, `{"code":404,"message":"room not found"}`, nil, hmsapi.ErrNotFound, "room not found",
			"hmsapi: GET /room-codes/room/r1: 404 Not Found: room not found"},
		{"html page", 400, "<html><body><h1>400 Bad Request</h1></body></html>\n", nil, hmsapi.ErrBadRequest, "",
			`hmsapi: GET /room-codes/room/r1: 400 Bad Request: "<html><body><h1>400 Bad Request</h1></body></html>"`},
		{"empty body", 403, "", nil, hmsapi.ErrForbidden, "", "hmsapi: GET /room-codes/room/r1: 403 Forbidden"},
		{"token echoed", 400, `{"code":400,"message":"bad token ` + apisurface.TestToken + `"}`, nil, hmsapi.ErrBadRequest, "bad token [REDACTED]",
			"hmsapi: GET /room-codes/room/r1: 400 Bad Request: bad token [REDACTED]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mux := setup(t)
			mux.HandleFunc("GET /room-codes/room/r1", func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			})
			_, err := c.List(context.Background(), "r1", nil)
			var apiErr *hmsapi.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.ErrorIs(t, err, tt.is)
			assert.Equal(t, tt.status, apiErr.StatusCode)
			assert.Equal(t, tt.message, apiErr.Message)
			assert.Equal(t, tt.text, err.Error())
			assert.NotContains(t, err.Error(), apisurface.TestToken)
		})
	}
}

func TestMalformedSuccessBody(t *testing.T) {
	c, mux := setup(t)
	mux.HandleFunc("GET /room-codes/room/r1", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"data":[{"code":`)
	})
	_, err := c.List(context.Background(), "r1", nil)
	assert.ErrorIs(t, err, hmsapi.ErrResponse)
}

func TestHugeBody(t *testing.T) {
	c, mux := setup(t)
	var calls atomic.Int32
	mux.HandleFunc("GET /room-codes/room/r1", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		_, _ = io.WriteString(w, `{"data":[`+strings.Repeat(" ", 10<<20)+`]}`)
	})
	_, err := c.List(context.Background(), "r1", nil)
	assert.ErrorIs(t, err, hmsapi.ErrTooLarge)
	assert.Equal(t, int32(1), calls.Load(), "an oversized answer is not asked for again")
}

func TestConnectionReuse(t *testing.T) {
	var conns atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v2/room-codes/room/r1", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"limit":10,"data":[`+codeJSON+`],"last":""}`)
	})
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c, err := newClient(hmsapi.WithBaseURL(srv.URL+"/v2"), hmsapi.WithManagementToken(apisurface.TestToken))
	require.NoError(t, err)
	t.Cleanup(c.API().CloseIdleConnections)
	for range 100 {
		_, err := c.List(context.Background(), "r1", nil)
		require.NoError(t, err)
	}
	assert.Equal(t, int32(1), conns.Load(), "100 sequential calls share one TCP connection")
}

func TestContextDeadlineOnSlowServer(t *testing.T) {
	c, mux := setup(t)
	var calls atomic.Int32
	mux.HandleFunc("GET /room-codes/room/r1", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.List(ctx, "r1", nil)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), time.Second, "the call ends with its context")
	assert.Equal(t, int32(1), calls.Load())
}

func TestPerAttemptTimeout(t *testing.T) {
	c, mux := setup(t, hmsapi.WithTimeout(50*time.Millisecond))
	var calls atomic.Int32
	mux.HandleFunc("GET /room-codes/room/r1", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			select {
			case <-time.After(2 * time.Second):
			case <-r.Context().Done():
			}
			return
		}
		_, _ = io.WriteString(w, `{"data":[]}`)
	})
	_, err := c.List(context.Background(), "r1", nil)
	require.NoError(t, err, "a slow attempt of a GET is retried")
	assert.Equal(t, int32(2), calls.Load())
}

func TestContextCanceledDuringBackoff(t *testing.T) {
	c, mux := setup(t, hmsapi.WithRetryPolicy(hmsapi.RetryPolicy{MaxRetries: 3, BaseDelay: time.Second, MaxDelay: time.Second}))
	var calls atomic.Int32
	mux.HandleFunc("GET /room-codes/room/r1", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := c.List(ctx, "r1", nil)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, int32(1), calls.Load())
}

func TestRetryAfterBeyondDeadlineFailsFast(t *testing.T) {
	c, mux := setup(t)
	mux.HandleFunc("GET /room-codes/room/r1", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.List(ctx, "r1", nil)
	// Waiting would have ended in the context's deadline; failing at once
	// returns the API's answer instead.
	var apiErr *hmsapi.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.NotErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, time.Second, apiErr.RetryAfter)
	assert.ErrorIs(t, err, hmsapi.ErrRateLimited)
	assert.Less(t, time.Since(start), 450*time.Millisecond)
}

func TestUnknownFieldsAndDecoding(t *testing.T) {
	var rc roomcode.RoomCode
	require.NoError(t, json.Unmarshal([]byte(codeJSON), &rc))
	assert.Equal(t, wantCode(), rc)
	assert.Error(t, json.Unmarshal([]byte(`{"created_at":"yesterday"}`), &rc))
}

package sipout_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/sipout"
)

func TestSendDTMF(t *testing.T) {
	f := newFake(t)
	ctx := context.Background()
	err := f.client.SendDTMF(ctx, sipout.DTMFRequest{RoomID: roomID, Digits: "1"})
	assert.ErrorIs(t, err, hmsapi.ErrBadRequest)
	assert.ErrorContains(t, err, "no sip participants in the call")

	_, err = f.client.Call(ctx, f.call("+14155550123"))
	require.NoError(t, err)
	require.NoError(t, f.client.SendDTMF(ctx, sipout.DTMFRequest{RoomID: roomID, Digits: "12#"}))
	require.NoError(t, f.client.SendDTMF(ctx, sipout.DTMFRequest{RoomID: roomID, Digits: "*0ABCDabcd9", Role: "guest", UserID: "agent-1"}))
	assert.Equal(t, []string{"1", "2", "#", "*", "0", "a", "b", "c", "d", "a", "b", "c", "d", "9"}, f.srv.DTMF(roomID))
}

func TestSendDTMFRequest(t *testing.T) {
	const accessKey, appSecret = "ak-dtmf", "dtmf-app-secret-0123456789"
	at := time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC)
	c, mux, n := setupWith(t, hmsapi.WithAppCredentials(accessKey, appSecret), hmsapi.WithClock(func() time.Time { return at }))
	var auths, bodies []string
	mux.HandleFunc("POST /sip/dtmf", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		auths, bodies = append(auths, r.Header.Get("Authorization")), append(bodies, string(b))
		if len(bodies) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte(`{}`))
	})
	ctx := context.Background()
	err := c.SendDTMF(ctx, sipout.DTMFRequest{RoomID: roomID, Digits: "1A#"})
	assert.ErrorIs(t, err, hmsapi.ErrServer)
	assert.EqualValues(t, 1, n.Load(), "not repeated: the tones would play twice")
	require.NoError(t, c.SendDTMF(ctx, sipout.DTMFRequest{RoomID: "room-2", Digits: "9", Role: "agent", UserID: "bot-1"}))
	assert.Equal(t, []string{`{"digits":["1","a","#"]}`, `{"digits":["9"]}`}, bodies)

	claims := func(auth string) jwt.MapClaims {
		tok, ok := strings.CutPrefix(auth, "Bearer ")
		require.True(t, ok)
		cl := jwt.MapClaims{}
		_, err := jwt.ParseWithClaims(tok, cl, func(*jwt.Token) (any, error) { return []byte(appSecret), nil },
			jwt.WithValidMethods([]string{"HS256"}), jwt.WithTimeFunc(func() time.Time { return at }))
		require.NoError(t, err)
		return cl
	}
	first := claims(auths[0])
	assert.Equal(t, "app", first["type"])
	assert.Equal(t, accessKey, first["access_key"])
	assert.Equal(t, roomID, first["room_id"])
	assert.Equal(t, sipout.DefaultDTMFRole, first["role"])
	assert.Equal(t, sipout.DefaultDTMFUserID, first["user_id"])
	assert.EqualValues(t, at.Add(time.Hour).Unix(), first["exp"], "minted with the core's clock")
	second := claims(auths[1])
	assert.Equal(t, "room-2", second["room_id"])
	assert.Equal(t, "agent", second["role"])
	assert.Equal(t, "bot-1", second["user_id"])
}

// TestSendDTMFNeedsAppCredentials: a core with a management token alone
// cannot mint the app token DTMF takes; nothing is sent.
func TestSendDTMFNeedsAppCredentials(t *testing.T) {
	c, mux, n := setup(t)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { t.Error("request sent") })
	err := c.SendDTMF(context.Background(), sipout.DTMFRequest{RoomID: roomID, Digits: "1"})
	require.ErrorIs(t, err, hmsapi.ErrNoAppCredentials)
	assert.ErrorContains(t, err, "a management token alone cannot send DTMF")
	assert.ErrorContains(t, err, "hmsapi.WithAppCredentials")
	assert.NotContains(t, err.Error(), testToken)
	assert.EqualValues(t, 0, n.Load())
}

// TestSendDTMFTokenRefused: a refused app token is not renewed and the
// request not repeated.
func TestSendDTMFTokenRefused(t *testing.T) {
	f := newFake(t)
	_, err := f.client.Call(context.Background(), f.call("+1"))
	require.NoError(t, err)
	before := f.srv.RequestCount()
	f.srv.InjectFault(hmstest.Fault{Count: 1, Status: 401})
	err = f.client.SendDTMF(context.Background(), sipout.DTMFRequest{RoomID: roomID, Digits: "1"})
	assert.ErrorIs(t, err, hmsapi.ErrUnauthorized)
	assert.Equal(t, before+1, f.srv.RequestCount())
}

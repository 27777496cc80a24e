package main

import (
	"bytes"
	"encoding/xml"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/twiml"
)

func TestDialInServer(t *testing.T) {
	api := hmstest.NewServer(hmstest.WithRoom("room-1", "guest"))
	defer api.Close()

	// The public URL must be known before the server is built: listen first.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	public := "http://" + ln.Addr().String()
	env := map[string]string{"TWILIO_AUTH_TOKEN": "tw-token", "PUBLIC_URL": public, "HMS_ACCESS_KEY": api.AccessKey(),
		"HMS_APP_SECRET": api.AppSecret(), "HMS_API_BASE_URL": api.URL, "SIP_USERNAME": "U", "SIP_PASSWORD": "P",
		"ROOM_ID": "room-1", "ROLE": "guest"}
	mux, err := newMux(func(k string) string { return env[k] }, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	srv := httptest.NewUnstartedServer(mux)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	defer srv.Close()

	call := func(form url.Values) string {
		req, err := twiml.NewSignedRequest(http.MethodPost, srv.URL+"/twilio/voice", "tw-token", form)
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode)
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	var first string
	for i := range 3 {
		body := call(url.Values{"CallSid": {"CA" + string(rune('1'+i))}, "From": {"+14155550100"}})
		var doc struct {
			Dial struct {
				Action string `xml:"action,attr"`
				Sip    string `xml:"Sip"`
			}
		}
		require.NoError(t, xml.Unmarshal([]byte(body), &doc), body)
		assert.Equal(t, srv.URL+"/twilio/dial-status", doc.Dial.Action)
		addr, err := sipconnect.ParseAddress(doc.Dial.Sip)
		require.NoError(t, err, body)
		if first == "" {
			first = addr.RoomCode()
		}
		assert.Equal(t, first, addr.RoomCode(), "every call joins the same room code")
	}
	assert.Equal(t, 2, api.RequestCount(), "one list and one create, then the cache answers")
}

// Without 100ms credentials the example runs on the fake and says so;
// with them, ROOM_ID and ROLE are required at start.
func TestDemoAndRequiredRoom(t *testing.T) {
	var out bytes.Buffer
	getenv, stop, err := withDemo(func(string) string { return "" }, &out)
	require.NoError(t, err)
	defer stop()
	assert.Contains(t, out.String(), "in-memory fake of the 100ms API")
	assert.Equal(t, "demo-room", getenv("ROOM_ID"))
	public := map[string]string{"PUBLIC_URL": "http://127.0.0.1:8080"}
	_, err = newMux(func(k string) string {
		if v, ok := public[k]; ok {
			return v
		}
		return getenv(k)
	}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)

	_, err = newMux(func(k string) string { return map[string]string{"HMS_MANAGEMENT_TOKEN": "t"}[k] }, slog.New(slog.DiscardHandler))
	require.ErrorContains(t, err, "set ROOM_ID and ROLE")
}

package main

import (
	"bytes"
	"encoding/xml"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/examples/internal/usage"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/sipconnect"
)

func TestDialInServer(t *testing.T) {
	api := hmstest.NewServer(hmstest.WithRoom("room-1", "guest"))
	defer api.Close()

	// The public URL must be known before the server is built.
	srv, err := usage.ServeDialIn(api, func(getenv func(string) string) (http.Handler, error) {
		return newMux(getenv, slog.New(slog.DiscardHandler))
	}, "ROOM_ID", "room-1", "ROLE", "guest")
	require.NoError(t, err)
	defer srv.Close()

	call := func(form url.Values) string {
		body, err := usage.PostTwilio(srv.URL+"/twilio/voice", form)
		require.NoError(t, err)
		return body
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
	getenv, stop := withDemo(func(string) string { return "" }, &out)
	defer stop()
	assert.Contains(t, out.String(), "in-memory fake of the 100ms API")
	assert.Equal(t, "demo-room", getenv("ROOM_ID"))
	public := map[string]string{"PUBLIC_URL": "http://127.0.0.1:8080"}
	_, err := newMux(func(k string) string {
		if v, ok := public[k]; ok {
			return v
		}
		return getenv(k)
	}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)

	_, err = newMux(func(k string) string { return map[string]string{"HMS_MANAGEMENT_TOKEN": "t"}[k] }, slog.New(slog.DiscardHandler))
	require.ErrorContains(t, err, "set ROOM_ID and ROLE")
}

// Without credentials the example prints a curl line, signed with its
// throwaway Twilio auth token, that works as printed.
func TestDemoPrintsAWorkingCurlLine(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	env := map[string]string{"PUBLIC_URL": "http://" + ln.Addr().String(), "SIP_USERNAME": "U", "SIP_PASSWORD": "P"}
	var out bytes.Buffer
	getenv, stop := withDemo(func(k string) string { return env[k] }, &out)
	defer stop()
	h, err := newMux(getenv, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer usage.ServeOn(ln, h)()

	line, status, body, err := usage.SendPrintedCurl(out.String())
	assert.True(t, strings.HasPrefix(line, "curl -sS -X POST '"+env["PUBLIC_URL"]+"/twilio/voice' -H 'X-Twilio-Signature: "), line)
	require.NoError(t, err)
	require.Equal(t, 200, status, body)
	assert.Contains(t, body, "@sip.100ms.live</Sip></Dial>", body)
}

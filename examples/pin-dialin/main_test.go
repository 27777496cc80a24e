package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/twiml"
)

func TestPINDialIn(t *testing.T) {
	api := hmstest.NewServer(hmstest.WithRoom("room-a", "guest"), hmstest.WithRoom("room-b", "guest"))
	defer api.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	public := "http://" + ln.Addr().String()
	env := map[string]string{"TWILIO_AUTH_TOKEN": "tw-token", "PUBLIC_URL": public, "HMS_ACCESS_KEY": api.AccessKey(),
		"HMS_APP_SECRET": api.AppSecret(), "HMS_API_BASE_URL": api.URL, "SIP_USERNAME": "U", "SIP_PASSWORD": "P"}
	var out bytes.Buffer
	mux, err := newMux(context.Background(), func(k string) string { return env[k] }, []string{"room-a", "room-b"}, &out, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	srv := httptest.NewUnstartedServer(mux)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	defer srv.Close()

	pins := regexp.MustCompile(`room (\S+): PIN (\d{10})`).FindAllStringSubmatch(out.String(), -1)
	require.Len(t, pins, 2, out.String())

	type answer struct {
		Gather *struct {
			Action string `xml:"action,attr"`
		}
		Dial *struct {
			Sip string `xml:"Sip"`
		}
	}
	post := func(u string, form url.Values) answer {
		req, err := twiml.NewSignedRequest(http.MethodPost, u, "tw-token", form)
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode)
		b, _ := io.ReadAll(resp.Body)
		var a answer
		require.NoError(t, xml.Unmarshal(b, &a), string(b))
		return a
	}
	codes := map[string]string{}
	for _, m := range pins {
		form := url.Values{"CallSid": {"CA-" + m[1]}, "From": {"+14155550100"}, "To": {"+18005550100"}}
		a := post(srv.URL+"/twilio/voice", form)
		require.NotNil(t, a.Gather)
		form.Set("Digits", m[2])
		a = post(a.Gather.Action, form)
		require.NotNil(t, a.Dial, "PIN of %s", m[1])
		addr, err := sipconnect.ParseAddress(a.Dial.Sip)
		require.NoError(t, err)
		codes[m[1]] = addr.RoomCode()
	}
	assert.NotEqual(t, codes["room-a"], codes["room-b"], "each PIN leads to its own room")
}

// Without 100ms credentials the example runs on the fake and says so.
func TestDemoOnTheFake(t *testing.T) {
	var out bytes.Buffer
	getenv, stop := withDemo(func(k string) string { return map[string]string{"PUBLIC_URL": "http://127.0.0.1:8080"}[k] }, []string{"demo-room"}, &out)
	defer stop()
	assert.Contains(t, out.String(), "in-memory fake of the 100ms API")
	var pins bytes.Buffer
	_, err := newMux(context.Background(), getenv, []string{"demo-room"}, &pins, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	assert.Regexp(t, `room demo-room: PIN \d+`, pins.String())
}

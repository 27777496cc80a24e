package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/examples/internal/usage"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/sipconnect"
)

func TestPINDialIn(t *testing.T) {
	api := hmstest.NewServer(hmstest.WithRoom("room-a", "guest"), hmstest.WithRoom("room-b", "guest"))
	defer api.Close()
	var out bytes.Buffer
	srv, err := usage.ServeDialIn(api, func(getenv func(string) string) (http.Handler, error) {
		return newMux(context.Background(), getenv, []string{"room-a", "room-b"}, &out, slog.New(slog.DiscardHandler))
	})
	require.NoError(t, err)
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
		b, err := usage.PostTwilio(u, form)
		require.NoError(t, err)
		var a answer
		require.NoError(t, xml.Unmarshal([]byte(b), &a), b)
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

// Without credentials the example prints a curl line, signed with its
// throwaway Twilio auth token, that works as printed.
func TestDemoPrintsAWorkingCurlLine(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	env := map[string]string{"PUBLIC_URL": "http://" + ln.Addr().String(), "SIP_USERNAME": "U", "SIP_PASSWORD": "P"}
	var out bytes.Buffer
	getenv, stop := withDemo(func(k string) string { return env[k] }, []string{"demo-room"}, &out)
	defer stop()
	h, err := newMux(context.Background(), getenv, []string{"demo-room"}, io.Discard, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer usage.ServeOn(ln, h)()

	line, status, body, err := usage.SendPrintedCurl(out.String())
	assert.True(t, strings.HasPrefix(line, "curl -sS -X POST '"+env["PUBLIC_URL"]+"/twilio/voice' -H 'X-Twilio-Signature: "), line)
	require.NoError(t, err)
	require.Equal(t, 200, status, body)
	assert.Contains(t, body, "<Gather", body)
}

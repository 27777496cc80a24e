package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// staticEnv runs serve outside demo mode on a static room, which needs no
// 100ms API.
var staticEnv = map[string]string{"TWILIO_AUTH_TOKEN": secretTwilioToken}

// hostOf returns the host:port of a base URL.
func hostOf(t *testing.T, base string) string {
	t.Helper()
	u, err := url.Parse(base)
	require.NoError(t, err)
	return u.Host
}

// keptAlive opens a connection to the server at base and has one request
// answered on it, so that the server has surely accepted it.
func keptAlive(t *testing.T, base string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", hostOf(t, base))
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	_, err = io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	return c, br
}

// waitExit waits for a serve started by startServe to exit and returns its
// exit status and how long it took from start.
func waitExit(t *testing.T, s *serving, start time.Time, limit time.Duration) (int, time.Duration) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else {
			require.NoError(t, err)
		}
		return code, time.Since(start)
	case <-time.After(limit):
		t.Fatalf("serve did not exit within %s of SIGTERM", limit)
		return 0, 0
	}
}

// A carrier's headers fit; a request whose headers pass 64 KiB gets 431
// instead of being read into memory.
func TestServeBoundsHeaders(t *testing.T) {
	s := startServe(t, staticEnv, "--room-code", "abc-defg-hij")
	status, _ := do(t, http.MethodGet, s.base+"/healthz", map[string]string{"X-Pad": strings.Repeat("a", 32<<10)}, "")
	assert.Equal(t, 200, status, "32 KiB of headers fit")

	c, err := net.Dial("tcp", hostOf(t, s.base))
	require.NoError(t, err)
	defer c.Close()
	go func() {
		_, _ = io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: "+strings.Repeat("a", 100<<10)+"\r\n\r\n")
	}()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, resp.StatusCode)
}

// With --max-conns 2 held by two clients that stall in their headers, a
// third client is answered only once one of them has gone.
func TestServeLimitsConnections(t *testing.T) {
	s := startServe(t, staticEnv, "--room-code", "abc-defg-hij", "--max-conns", "2")
	var freed atomic.Bool // set before a slot can free up
	var stallers []net.Conn
	for range 2 {
		c, br := keptAlive(t, s.base)
		_, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ") // and nothing more
		require.NoError(t, err)
		go func() {
			// The server may give up on the stalled headers itself.
			_, _ = io.Copy(io.Discard, br)
			freed.Store(true)
		}()
		stallers = append(stallers, c)
	}
	type answer struct {
		status int
		freed  bool
		err    error
	}
	answered := make(chan answer, 1)
	go func() {
		client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		resp, err := client.Get(s.base + "/healthz")
		if err != nil {
			answered <- answer{err: err}
			return
		}
		resp.Body.Close()
		answered <- answer{status: resp.StatusCode, freed: freed.Load()}
	}()
	var a answer
	select {
	case a = <-answered: // too early, unless a staller was dropped
	case <-time.After(300 * time.Millisecond):
		freed.Store(true)
		stallers[0].Close()
		select {
		case a = <-answered:
		case <-time.After(30 * time.Second):
			t.Fatal("the third client was never answered")
		}
	}
	require.NoError(t, a.err)
	assert.Equal(t, 200, a.status)
	assert.True(t, a.freed, "the third connection was served while two others held the limit of 2")
}

// SIGTERM while a client trickles a body: the process still exits 0, within
// the drain period plus the grace period (with a generous slack).
func TestServeSIGTERMWithSlowClient(t *testing.T) {
	s := startServe(t, staticEnv, "--room-code", "abc-defg-hij", "--drain", "0", "--grace", "1s")
	c, br := keptAlive(t, s.base)
	// A body the handler waits for: 100-continue tells when it reads.
	_, err := io.WriteString(c, "POST /twilio/voice HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"+
		"X-Twilio-Signature: c2lnbmF0dXJl\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n\r\n")
	require.NoError(t, err)
	line, err := br.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "HTTP/1.1 100 Continue\r\n", line)
	_, err = io.WriteString(c, "CallSid=CA")
	require.NoError(t, err)
	stop := make(chan struct{})
	defer close(stop)
	go func() { // one byte a tenth of a second
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
				if _, err := io.WriteString(c, "1"); err != nil {
					return
				}
			}
		}
	}()

	start := time.Now()
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGTERM))
	code, took := waitExit(t, s, start, 60*time.Second)
	assert.Equal(t, 0, code, "exit status")
	assert.Less(t, took, 0*time.Second+1*time.Second+20*time.Second, "drain + grace + slack")
}

// On SIGTERM, /readyz answers 503 at once while the server keeps serving
// for the drain period; a second signal ends the drain.
func TestServeDrainsOnSIGTERM(t *testing.T) {
	s := startServe(t, staticEnv, "--room-code", "abc-defg-hij", "--drain", "1h")
	status, body := do(t, http.MethodGet, s.base+"/readyz", nil, "")
	require.Equal(t, 200, status, body)

	start := time.Now()
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGTERM))
	deadline := time.Now().Add(30 * time.Second)
	for {
		status, body = do(t, http.MethodGet, s.base+"/readyz", nil, "")
		if status == http.StatusServiceUnavailable {
			break
		}
		require.Equal(t, 200, status, body)
		require.True(t, time.Now().Before(deadline), "/readyz never answered 503 after SIGTERM")
		time.Sleep(10 * time.Millisecond)
	}
	assert.Equal(t, "draining\n", body)
	status, _ = do(t, http.MethodGet, s.base+"/healthz", nil, "")
	assert.Equal(t, 200, status, "alive while draining")
	status, body = doCurl(t, s.curl)
	assert.Equal(t, 200, status, "a webhook is still answered while draining: %s", body)

	require.NoError(t, s.cmd.Process.Signal(syscall.SIGTERM))
	code, took := waitExit(t, s, start, 60*time.Second)
	assert.Equal(t, 0, code)
	assert.Less(t, took, time.Hour, "the second signal ended the drain")
}

// The drain period is waited before the server stops, and the process
// exits 0 within drain + grace (with a generous slack).
func TestServeDrainPeriodBoundsExit(t *testing.T) {
	s := startServe(t, staticEnv, "--room-code", "abc-defg-hij", "--drain", "1s", "--grace", "1s")
	start := time.Now()
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGTERM))
	code, took := waitExit(t, s, start, 60*time.Second)
	assert.Equal(t, 0, code)
	assert.GreaterOrEqual(t, took, time.Second, "drained for --drain")
	assert.Less(t, took, 1*time.Second+1*time.Second+20*time.Second, "drain + grace + slack")
}

// TestMeasureStalledHeaders measures, on loopback only, the RSS of serve
// under connections that each send a large header and stall. It is a
// measurement, not a check: it runs only with SIPCONNECT_MEASURE_RSS set
// (the README gives the figures), e.g.
//
//	SIPCONNECT_MEASURE_RSS=300x1000 go test ./cmd/sipconnect -run TestMeasureStalledHeaders -v
//
// for 300 connections of 1000 KiB each.
func TestMeasureStalledHeaders(t *testing.T) {
	spec := os.Getenv("SIPCONNECT_MEASURE_RSS")
	if spec == "" {
		t.Skip("a measurement: set SIPCONNECT_MEASURE_RSS=CONNSxKIB")
	}
	var n, kib int
	_, err := fmt.Sscanf(spec, "%dx%d", &n, &kib)
	require.NoError(t, err)
	require.True(t, n > 0 && n <= 2000 && kib > 0 && kib <= 2000, "at most 2000 connections of 2000 KiB")
	s := startServe(t, staticEnv, "--room-code", "abc-defg-hij")
	pid := s.cmd.Process.Pid
	rss := func(field string) string {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		require.NoError(t, err)
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, field+":") {
				return strings.Join(strings.Fields(l)[1:], " ")
			}
		}
		return "?"
	}
	before := rss("VmRSS")
	pad := strings.Repeat("a", kib<<10)
	var wg sync.WaitGroup
	conns := make(chan net.Conn, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.DialTimeout("tcp", hostOf(t, s.base), 5*time.Second)
			if err != nil {
				return
			}
			conns <- c
			_ = c.SetWriteDeadline(time.Now().Add(10 * time.Second))
			_, _ = io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: "+pad) // and stall
		}()
	}
	wg.Wait()
	time.Sleep(2 * time.Second)
	during := rss("VmRSS")
	close(conns)
	for c := range conns {
		c.Close()
	}
	t.Logf("%d connections x %d KiB of header: RSS %s before, %s during, peak %s", n, kib, before, during, rss("VmHWM"))
}

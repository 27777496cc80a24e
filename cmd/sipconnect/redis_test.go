package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/store/redisstore/redistest"
	"github.com/hmssip/interconnect-go/twiml"
)

// testDB is the Redis database the tests here write to: one they own, so
// that whatever the commands they run write there, under whatever key,
// is deleted when the test ends.
const testDB = 12

// testRedisURL returns the URL of database testDB of the Redis the tests
// may use (SIPCONNECT_TEST_REDIS_URL, or the redis-server TestMain
// started); without one the test is skipped, or fails when CI is set. The
// database must be empty, so that a Redis that holds data there is never
// touched; it is flushed when t ends, and the test fails if any key is left
// after that.
func testRedisURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv(redistest.URLVar)
	if u == "" {
		if os.Getenv("CI") != "" {
			t.Fatal(redistest.URLVar + " is not set")
		}
		redistest.Skip(t, "%s is not set and redis-server is not on PATH", redistest.URLVar)
	}
	opts, err := redis.ParseURL(u)
	require.NoError(t, err, redistest.URLVar)
	db := testDB
	if opts.DB == testDB {
		db = testDB + 1 // the database the URL names is shared with the store's tests
	}
	parsed, err := url.Parse(u)
	require.NoError(t, err, redistest.URLVar)
	parsed.Path = "/" + strconv.Itoa(db)
	opts.DB = db
	rdb := redis.NewClient(opts)
	ctx := context.Background()
	n, err := rdb.DBSize(ctx).Result()
	require.NoError(t, err, "Redis at %s", opts.Addr)
	if n != 0 {
		rdb.Close()
		t.Fatalf("Redis database %d at %s holds %d keys: the tests write there and flush it after, so they leave alone one "+
			"that holds data; point %s at a Redis of the tests' own, or unset it and put redis-server on PATH", db, opts.Addr, n, redistest.URLVar)
	}
	t.Cleanup(func() {
		defer rdb.Close()
		if err := rdb.FlushDB(ctx).Err(); err != nil {
			t.Errorf("flushing Redis database %d: %v", db, err)
		}
		if n, err := rdb.DBSize(ctx).Result(); err != nil || n != 0 {
			t.Errorf("Redis database %d holds %d keys after the test (%v)", db, n, err)
		}
	})
	return parsed.String()
}

// A PIN that pins create puts in Redis is resolved by serve --pin on the
// same Redis, through the room-code API.
func TestPINsCreateAndServeOnRedis(t *testing.T) {
	redisURL := testRedisURL(t)
	api := hmstest.NewServer(hmstest.WithRoom(testRoomID, "host", "guest"), hmstest.WithStaticToken(secretToken),
		hmstest.WithCode(testRoomID, "guest", testRoomCode, true))
	defer api.Close()

	r := sipconnectCmd(t, nil, "pins", "create", "--room-id", testRoomID, "--role", "guest", "--redis", redisURL, "--json")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Empty(t, r.stderr)
	var issued struct{ PIN, RoomID, Role string }
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &issued))
	assert.Regexp(t, `^\{"pin":"\d{10}","room_id":"room-1","role":"guest"\}`+"\n$", r.stdout)

	r = sipconnectCmd(t, map[string]string{"SIPCONNECT_REDIS_URL": redisURL}, "pins", "create", "--room-id", testRoomID, "--role", "host")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `^\d{10}\n$`, r.stdout)

	env := map[string]string{"HMS_MANAGEMENT_TOKEN": secretToken, "HMS_API_BASE_URL": api.URL, "TWILIO_AUTH_TOKEN": secretTwilioToken}
	s := startServe(t, env, "--pin", "--redis", redisURL)
	form := url.Values{"CallSid": {"CA1"}, "From": {"+14155550100"}}
	req, err := twiml.NewSignedRequest(http.MethodPost, s.base+"/twilio/voice", secretTwilioToken, form)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	prompt, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	step := regexp.MustCompile(`action="([^"]*)"`).FindStringSubmatch(string(prompt))
	require.NotNil(t, step, "the PIN prompt: %s", prompt)
	form.Set("Digits", issued.PIN)
	req, err = twiml.NewSignedRequest(http.MethodPost, html.UnescapeString(step[1]), secretTwilioToken, form)
	require.NoError(t, err)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	assert.Contains(t, string(body), "<Sip>sip:"+testRoomCode+"@sip.100ms.live</Sip>")
}

func TestRedisUnreachable(t *testing.T) {
	for _, args := range [][]string{
		{"pins", "create", "--room-id", "r", "--role", "guest", "--redis", "redis://:" + secretToken + "@127.0.0.1:1/0"},
		{"serve", "--pin", "--addr", "127.0.0.1:0", "--redis", "redis://:" + secretToken + "@127.0.0.1:1/0"},
	} {
		r := sipconnectCmd(t, nil, args...)
		assertOneLineError(t, r, "sipconnect: redis at 127.0.0.1:1 does not answer: ...", args)
	}
	for _, bad := range []string{
		"http://" + secretToken + "@x",
		// A password holding '/', '?' or '#' parses as the host or path.
		"redis://u:" + secretToken + "/5@127.0.0.1:1",
		"rediss://:" + secretToken + "#x@h:1",
	} {
		r := sipconnectCmd(t, map[string]string{"SIPCONNECT_REDIS_URL": bad}, "pins", "create", "--room-id", "r", "--role", "guest")
		assert.Equal(t, 1, r.code, bad)
		assert.NotContains(t, r.stderr, secretToken, bad)
		assert.NotContains(t, r.stdout, secretToken, bad)
	}
}

// stallProxy forwards TCP connections to a Redis until stalled: then it
// holds every connection, old and new, without forwarding a byte, as a
// Redis stopped with SIGSTOP would.
type stallProxy struct {
	ln      net.Listener
	target  string
	mu      sync.Mutex
	stalled bool
	resume  chan struct{}
}

func newStallProxy(t *testing.T, target string) *stallProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &stallProxy{ln: ln, target: target, resume: make(chan struct{})}
	t.Cleanup(func() { ln.Close(); p.setStalled(false) })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
	return p
}

func (p *stallProxy) setStalled(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stalled == on {
		return
	}
	p.stalled = on
	if !on {
		close(p.resume)
		p.resume = make(chan struct{})
	}
}

// gate returns nil when bytes may flow, else the channel closed on resume.
func (p *stallProxy) gate() chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stalled {
		return p.resume
	}
	return nil
}

func (p *stallProxy) serve(c net.Conn) {
	defer c.Close()
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer up.Close()
	pipe := func(dst, src net.Conn) {
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				if g := p.gate(); g != nil {
					<-g
				}
				if _, err := dst.Write(buf[:n]); err != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}
	go pipe(up, c)
	pipe(c, up)
}

// /readyz answers 503 while the Redis the PIN directory needs does not
// answer, and 200 again once it does; /healthz stays 200 throughout.
func TestServeReadyzFollowsRedis(t *testing.T) {
	redisURL := testRedisURL(t)
	opts, err := redis.ParseURL(redisURL)
	require.NoError(t, err)
	proxy := newStallProxy(t, opts.Addr)
	proxied := strings.Replace(redisURL, opts.Addr, proxy.ln.Addr().String(), 1)

	s := startServe(t, nil, "--pin", "--redis", proxied)
	waitStatus := func(path string, want int) string {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			status, body := do(t, http.MethodGet, s.base+path, nil, "")
			if status == want {
				return body
			}
			require.True(t, time.Now().Before(deadline), "%s never answered %d; last %d %s", path, want, status, body)
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitStatus("/readyz", 200)
	proxy.setStalled(true)
	body := waitStatus("/readyz", 503)
	assert.Contains(t, body, "store")
	status, _ := do(t, http.MethodGet, s.base+"/healthz", nil, "")
	assert.Equal(t, 200, status, "alive while Redis stalls")
	proxy.setStalled(false)
	waitStatus("/readyz", 200)
}

// Without Redis, the memory store is always there: /readyz answers 200.
func TestServeReadyzOnMemory(t *testing.T) {
	s := startServe(t, nil, "--pin")
	status, body := do(t, http.MethodGet, s.base+"/readyz", nil, "")
	assert.Equal(t, 200, status, body)
	assert.Equal(t, "ready\n", body)
}

// serve --redis warns when the Redis keeps nothing across a restart: PINs
// are durable data.
func TestServeWarnsWhenRedisDoesNotPersist(t *testing.T) {
	redisURL := testRedisURL(t)
	opts, err := redis.ParseURL(redisURL)
	require.NoError(t, err)
	client := redis.NewClient(opts)
	defer client.Close()
	cfg, err := client.ConfigGet(context.Background(), "*").Result()
	require.NoError(t, err)
	r := runServeBriefly(t, staticEnv, "--room-code", "abc-defg-hij", "--redis", redisURL)
	require.Equal(t, 0, r.code, r.stderr)
	if cfg["appendonly"] == "no" && cfg["save"] == "" {
		assert.Contains(t, r.stderr, "sipconnect: warning: the Redis at "+opts.Addr+" persists nothing (appendonly no, save \"\"), so a restart loses every PIN")
	} else {
		assert.NotContains(t, r.stderr, "persists nothing")
	}
}

// fakeRedis answers the RESP2 commands in replies (by upper-case name, the
// first word of the command), "-ERR unknown command" to others.
func fakeRedis(t *testing.T, replies map[string]func(args []string) string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					args, err := readRESP(br)
					if err != nil {
						return
					}
					reply := "-ERR unknown command '" + args[0] + "'\r\n"
					if f := replies[strings.ToUpper(args[0])]; f != nil {
						reply = f(args[1:])
					}
					if _, err := io.WriteString(c, reply); err != nil {
						return
					}
				}
			}()
		}
	}()
	return "redis://" + ln.Addr().String() + "/0"
}

// readRESP reads one command, an array of bulk strings.
func readRESP(br *bufio.Reader) ([]string, error) {
	line, err := br.ReadString('\n')
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(line, "*") {
		return nil, fmt.Errorf("not an array: %q", line)
	}
	n, err := strconv.Atoi(strings.TrimSpace(line[1:]))
	if err != nil || n < 1 {
		return nil, fmt.Errorf("bad array: %q", line)
	}
	args := make([]string, n)
	for i := range args {
		if line, err = br.ReadString('\n'); err != nil {
			return nil, err
		}
		size, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "$")))
		if err != nil {
			return nil, err
		}
		buf := make([]byte, size+2)
		if _, err := io.ReadFull(br, buf); err != nil {
			return nil, err
		}
		args[i] = string(buf[:size])
	}
	return args, nil
}

// The persistence check on Redis that persist, and on a managed Redis that
// refuses CONFIG: serve says it cannot tell, and goes on.
func TestServeRedisPersistenceCheck(t *testing.T) {
	pong := func([]string) string { return "+PONG\r\n" }
	config := func(appendonly, save string) func([]string) string {
		return func(args []string) string {
			if len(args) != 2 || strings.ToUpper(args[0]) != "GET" {
				return "-ERR wrong arguments\r\n"
			}
			v := map[string]string{"appendonly": appendonly, "save": save}[args[1]]
			return fmt.Sprintf("*2\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", len(args[1]), args[1], len(v), v)
		}
	}
	for _, tt := range []struct {
		name    string
		config  func([]string) string
		want    string
		wantNot string
	}{
		{"aof", config("yes", ""), "", "persist"},
		{"rdb", config("no", "3600 1 300 100"), "", "persist"},
		{"neither", config("no", ""), "persists nothing (appendonly no, save \"\")", ""},
		{"refused", func([]string) string { return "-ERR unknown command 'CONFIG'\r\n" }, "cannot read the persistence settings of the Redis at", ""},
	} {
		u := fakeRedis(t, map[string]func([]string) string{"PING": pong, "CONFIG": tt.config})
		r := runServeBriefly(t, staticEnv, "--room-code", "abc-defg-hij", "--redis", u)
		assert.Equal(t, 0, r.code, "%s: %s", tt.name, r.stderr)
		if tt.want != "" {
			assert.Contains(t, r.stderr, tt.want, tt.name)
			assert.Contains(t, r.stderr, "AOF or RDB", tt.name)
		}
		if tt.wantNot != "" {
			assert.NotContains(t, r.stderr, tt.wantNot, tt.name)
		}
	}
}

// testRedisURLOrEmpty is testRedisURL for a test that also runs without
// Redis: empty when SIPCONNECT_TEST_REDIS_URL is not set (a failure when CI
// is set).
func testRedisURLOrEmpty(t *testing.T) string {
	t.Helper()
	if os.Getenv(redistest.URLVar) == "" && os.Getenv("CI") == "" {
		return ""
	}
	return testRedisURL(t)
}

// demoRedis returns the URL of the tests' database (testRedisURL) and a
// client of it.
func demoRedis(t *testing.T) (string, *redis.Client) {
	t.Helper()
	u := testRedisURL(t)
	opts, err := redis.ParseURL(u)
	require.NoError(t, err)
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { _ = rdb.Close() })
	return u, rdb
}

// Demo mode on a real Redis leaves nothing there for good: every key it
// writes is under the demo's prefix and expires, and no key name holds the
// simulated caller's phone number.
func TestServeDemoOnRedisExpires(t *testing.T) {
	redisURL, rdb := demoRedis(t)
	s := startServe(t, nil, "--pin", "--redis", redisURL)
	s.untilPrefix(t, "curl -sS -X DELETE ") // the walkthrough and the join are done
	ctx := context.Background()
	keys, err := rdb.Keys(ctx, "*").Result()
	require.NoError(t, err)
	require.NotEmpty(t, keys)
	caller := strings.TrimPrefix(sampleForm().Get("From"), "+")
	for _, k := range keys {
		assert.True(t, strings.HasPrefix(k, demoKeyPrefix), "%q", k)
		assert.NotContains(t, k, caller[3:], "a phone number in a key name")
		ttl, err := rdb.PTTL(ctx, k).Result()
		require.NoError(t, err)
		assert.True(t, ttl > 0 && ttl <= demoTTL, "%q expires in %v", k, ttl)
	}
}

// pins create checks the room and role with 100ms when it can; --ttl,
// list and revoke manage the PINs of a room.
func TestPINsCheckTTLListRevoke(t *testing.T) {
	redisURL, _ := demoRedis(t)
	api := hmstest.NewServer(hmstest.WithRoom(testRoomID, "guest"), hmstest.WithStaticToken(secretToken))
	defer api.Close()
	env := map[string]string{"HMS_MANAGEMENT_TOKEN": secretToken, "HMS_API_BASE_URL": api.URL, "SIPCONNECT_REDIS_URL": redisURL}
	r := sipconnectCmd(t, env, "pins", "create", "--room-id", "nonexistent", "--role", "guest")
	assertOneLineError(t, r, `sipconnect: --room-id: 100ms has no room "nonexistent"`)
	r = sipconnectCmd(t, env, "pins", "create", "--room-id", testRoomID, "--role", "nosuchrole")
	assertOneLineError(t, r, `sipconnect: --role: room "room-1" has no role "nosuchrole"`)

	r = sipconnectCmd(t, env, "pins", "create", "--room-id", testRoomID, "--role", "guest", "--ttl", "1h")
	require.Equal(t, 0, r.code, r.stderr)
	pin := strings.TrimSpace(r.stdout)
	r = sipconnectCmd(t, env, "pins", "list", "--room-id", testRoomID, "--json")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, `"pin":"`+pin+`"`)
	assert.Contains(t, r.stdout, `"expires_at":"`)
	r = sipconnectCmd(t, env, "pins", "revoke", pin)
	require.Equal(t, 0, r.code, r.stderr)
	assert.NotContains(t, r.stderr, pin)
	r = sipconnectCmd(t, env, "pins", "list", "--room-id", testRoomID, "--json")
	assert.Equal(t, "[]\n", r.stdout)
	r = sipconnectCmd(t, env, "pins", "revoke", pin)
	assert.Equal(t, 1, r.code)
	assert.NotContains(t, r.stderr, pin)
}

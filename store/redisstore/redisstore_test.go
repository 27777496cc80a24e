package redisstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hmssip/interconnect-go/internal/apisurface"
	"github.com/hmssip/interconnect-go/store"
	"github.com/hmssip/interconnect-go/store/redisstore"
	"github.com/hmssip/interconnect-go/store/redisstore/redistest"
	"github.com/hmssip/interconnect-go/store/storetest"
)

// urlVar names the variable that gives the tests a Redis server.
const urlVar = redistest.URLVar

// testClient returns a client of the Redis server that urlVar names. Without
// it the test fails when CI is set, and is skipped otherwise.
func testClient(t testing.TB) *redis.Client {
	t.Helper()
	url := os.Getenv(urlVar)
	if url == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: CI must run the Redis tests against a real server (.ci/run starts one)", urlVar)
		}
		redistest.Skip(t, "%s is not set and redis-server is not on PATH; to run the Redis tests (README, Tests): redis-server --port 6390 --save '' &, then "+
			"%s=redis://127.0.0.1:6390/0 go test ./... in store/redisstore", urlVar, urlVar)
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("%s: %v", urlVar, err)
	}
	client := redis.NewClient(opt)
	t.Cleanup(func() { client.Close() })
	if err := client.Ping(t.Context()).Err(); err != nil {
		t.Fatalf("Redis at %s does not answer: %v", url, err)
	}
	return client
}

// testPrefix returns a key prefix no other test uses, and deletes the keys
// under it when t ends; the test fails if any is left after that.
func testPrefix(t testing.TB, client *redis.Client) string {
	t.Helper()
	b := make([]byte, 8)
	rand.Read(b)
	prefix := "storetest:" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		iter := client.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			client.Del(ctx, iter.Val())
		}
		if err := iter.Err(); err != nil {
			t.Errorf("deleting the test's keys: %v", err)
		}
		var left []string
		iter = client.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			left = append(left, iter.Val())
		}
		if err := iter.Err(); err != nil || len(left) > 0 {
			t.Errorf("the test left %d keys under %s in Redis (%v): %q", len(left), prefix, err, left)
		}
	})
	return prefix
}

// TestContract runs the contract suite against a real Redis, with real time
// to live values.
func TestContract(t *testing.T) {
	client := testClient(t)
	storetest.Run(t, func(t *testing.T) storetest.Env {
		// The suite's 64 goroutines share the client's pool: the timeout
		// is generous here, and tested on its own below.
		s := redisstore.New(client, redisstore.WithPrefix(testPrefix(t, client)), redisstore.WithTimeout(10*time.Second))
		return storetest.Env{Store: s, Wait: time.Sleep}
	})
}

// TestCommands checks what the store leaves in Redis: prefixed keys and the
// expiry each write sets.
func TestCommands(t *testing.T) {
	client := testClient(t)
	prefix := testPrefix(t, client)
	s := redisstore.New(client, redisstore.WithPrefix(prefix))
	ctx := t.Context()

	if _, err := s.SetNX(ctx, "v", []byte("x"), 90*time.Second); err != nil {
		t.Fatal(err)
	}
	if got, err := client.Get(ctx, prefix+"v").Result(); err != nil || got != "x" {
		t.Fatalf("GET %sv = %q, %v", prefix, got, err)
	}
	pttl := func(key string) time.Duration {
		t.Helper()
		d, err := client.PTTL(ctx, prefix+key).Result()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	near := func(key string, want time.Duration) {
		t.Helper()
		if d := pttl(key); d > want || d < want-10*time.Second {
			t.Errorf("PTTL %s = %v, want about %v", key, d, want)
		}
	}
	near("v", 90*time.Second)

	if _, err := s.IncrBy(ctx, "c", 1, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := client.PExpire(ctx, prefix+"c", 30*time.Second).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.IncrBy(ctx, "c", 1, time.Minute); err != nil {
		t.Fatal(err)
	}
	near("c", 30*time.Second) // the second Incr left the expiry alone

	if err := s.HSet(ctx, "h", "f", []byte("x"), time.Minute); err != nil {
		t.Fatal(err)
	}
	near("h", time.Minute)
	if err := s.HSet(ctx, "h", "g", []byte("x"), 0); err != nil {
		t.Fatal(err)
	}
	if d := pttl("h"); d != -1 {
		t.Errorf("PTTL after HSet with ttl 0 = %v, want -1 (no expiry)", d)
	}
	if err := s.PushCapped(ctx, "l", []byte("x"), 3, 2*time.Minute); err != nil {
		t.Fatal(err)
	}
	near("l", 2*time.Minute)
	if _, err := s.SetNX(ctx, "sub-ms", nil, time.Microsecond); err != nil {
		t.Fatal(err)
	}

	// A store with another prefix sees none of it.
	other := redisstore.New(client, redisstore.WithPrefix(prefix+"other:"))
	if _, err := other.Get(ctx, "v"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another prefix sees the key: %v", err)
	}
}

// TestDefaultTimeout runs a few calls with the default per-call timeout, as
// a call path would.
func TestDefaultTimeout(t *testing.T) {
	client := testClient(t)
	s := redisstore.New(client, redisstore.WithPrefix(testPrefix(t, client)))
	ctx := t.Context()
	for range 100 {
		if _, err := s.IncrBy(ctx, "c", 1, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := s.Get(ctx, "c"); err != nil || string(got) != "100" {
		t.Fatalf("Get = %q, %v", got, err)
	}
}

// callAll calls every method of s and returns how long each took and its
// error.
func callAll(ctx context.Context, s store.Store) map[string]struct {
	took time.Duration
	err  error
} {
	calls := map[string]func() error{
		"SetNX":      func() error { _, err := s.SetNX(ctx, "k", []byte("v"), time.Minute); return err },
		"Get":        func() error { _, err := s.Get(ctx, "k"); return err },
		"Delete":     func() error { _, err := s.Delete(ctx, "k"); return err },
		"Incr":       func() error { _, err := s.IncrBy(ctx, "c", 1, time.Minute); return err },
		"HSet":       func() error { return s.HSet(ctx, "h", "f", []byte("v"), time.Minute) },
		"HDel":       func() error { _, err := s.HDel(ctx, "h", "f"); return err },
		"HGetAll":    func() error { _, err := s.HGetAll(ctx, "h"); return err },
		"PushCapped": func() error { return s.PushCapped(ctx, "l", []byte("v"), 3, time.Minute) },
		"Range":      func() error { _, err := s.Range(ctx, "l"); return err },
	}
	out := make(map[string]struct {
		took time.Duration
		err  error
	})
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, call := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			err := call()
			mu.Lock()
			out[name] = struct {
				took time.Duration
				err  error
			}{time.Since(start), err}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// slack is how much later than its timeout a call may return on a busy
// machine.
const slack = 300 * time.Millisecond

// TestClosedPort checks that a Redis nobody listens for gives
// ErrUnavailable within the per-call timeout. It needs no server.
func TestClosedPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	client := redis.NewClient(&redis.Options{Addr: addr})
	defer client.Close()
	s := redisstore.New(client)
	for name, r := range callAll(t.Context(), s) {
		if !errors.Is(r.err, store.ErrUnavailable) {
			t.Errorf("%s: err = %v, want ErrUnavailable", name, r.err)
		}
		if r.took > redisstore.DefaultTimeout+slack {
			t.Errorf("%s took %v, over the timeout of %v", name, r.took, redisstore.DefaultTimeout)
		}
	}
}

// TestStalledServer checks that a server that accepts connections and
// never answers gives ErrUnavailable within the per-call timeout, although
// the client's own read timeout is far longer.
func TestStalledServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // read nothing, answer nothing
			mu.Unlock()
		}
	}()
	client := redis.NewClient(&redis.Options{Addr: ln.Addr().String(), ReadTimeout: time.Minute, WriteTimeout: time.Minute})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		client.Close()
	})
	timeout := 150 * time.Millisecond
	s := redisstore.New(client, redisstore.WithTimeout(timeout))
	for name, r := range callAll(t.Context(), s) {
		if !errors.Is(r.err, store.ErrUnavailable) || !errors.Is(r.err, context.DeadlineExceeded) {
			t.Errorf("%s: err = %v, want ErrUnavailable and DeadlineExceeded", name, r.err)
		}
		if r.took > timeout+slack {
			t.Errorf("%s took %v, over the timeout of %v", name, r.took, timeout)
		}
	}
	// The caller's shorter deadline wins over the store's timeout.
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := s.Get(ctx, "k"); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Get: err = %v, want ErrUnavailable", err)
	}
	if took := time.Since(start); took > 20*time.Millisecond+slack {
		t.Errorf("Get took %v with a deadline of 20ms", took)
	}
}

// TestServerStops checks that a store whose Redis goes away answers
// ErrUnavailable promptly, and works again without a restart once Redis is
// back (a proxy in front of the real server stands for the outage).
func TestServerStops(t *testing.T) {
	real := testClient(t)
	prefix := testPrefix(t, real)
	p := newProxy(t, real.Options().Addr)
	client := redis.NewClient(&redis.Options{Addr: p.addr(), DB: real.Options().DB,
		Password: real.Options().Password, Username: real.Options().Username})
	t.Cleanup(func() { client.Close() })
	s := redisstore.New(client, redisstore.WithPrefix(prefix))
	ctx := t.Context()
	if _, err := s.IncrBy(ctx, "c", 1, time.Minute); err != nil {
		t.Fatal(err)
	}

	p.stop()
	for name, r := range callAll(ctx, s) {
		if !errors.Is(r.err, store.ErrUnavailable) {
			t.Errorf("Redis away, %s: err = %v, want ErrUnavailable", name, r.err)
		}
		if r.took > redisstore.DefaultTimeout+slack {
			t.Errorf("Redis away, %s took %v", name, r.took)
		}
	}

	p.start()
	var n int64
	var err error
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if n, err = s.IncrBy(ctx, "c", 1, time.Minute); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("Redis back, Incr still fails: %v", err)
	}
	if n < 2 {
		t.Fatalf("Redis back, Incr = %d, want the count kept across the outage", n)
	}
}

// proxy forwards TCP connections on a loopback port to a Redis server until
// stopped, which closes the listener and every connection.
type proxy struct {
	t      *testing.T
	target string
	port   string

	mu    sync.Mutex
	ln    net.Listener
	conns []net.Conn
	wg    sync.WaitGroup
}

func newProxy(t *testing.T, target string) *proxy {
	p := &proxy{t: t, target: target}
	p.start()
	_, p.port, _ = net.SplitHostPort(p.ln.Addr().String())
	t.Cleanup(p.stop)
	return p
}

func (p *proxy) addr() string { return net.JoinHostPort("127.0.0.1", p.port) }

func (p *proxy) start() {
	addr := "127.0.0.1:0"
	if p.port != "" {
		addr = p.addr()
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			p.wg.Add(2)
			go func() { defer p.wg.Done(); copyAndClose(up, c) }()
			go func() { defer p.wg.Done(); copyAndClose(c, up) }()
		}
	}()
}

func copyAndClose(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	dst.Close()
	src.Close()
}

func (p *proxy) stop() {
	p.mu.Lock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
	p.wg.Wait()
}

// TestSkipMessage checks that the skip message says how to run the tests.
func TestSkipMessage(t *testing.T) {
	if os.Getenv(urlVar) != "" || os.Getenv("CI") != "" {
		t.Skip("only meaningful without a server and outside CI")
	}
	ok := t.Run("inner", func(t *testing.T) { testClient(t) })
	if !ok {
		t.Fatal("testClient failed instead of skipping outside CI")
	}
}

// TestDocumented checks that every exported name has a doc comment.
func TestDocumented(t *testing.T) {
	if len(apisurface.CheckDocumented(t, ".")) == 0 {
		t.Fatal("no exported names found")
	}
}

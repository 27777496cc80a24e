package redistest

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// runner is a Runner whose Run calls f.
type runner func() int

func (r runner) Run() int { return r() }

func noBinary(string) (string, error) { return "", exec.ErrNotFound }

// Without a server and without a redis-server binary, Main prints one line
// that counts the skipped Redis tests, and returns the tests' exit code.
func TestMainWithoutServer(t *testing.T) {
	t.Setenv(URLVar, "")
	for _, n := range []int{0, 1, 3} {
		var out strings.Builder
		code := run(runner(func() int {
			for range n {
				t.Run("redis", func(t *testing.T) { Skip(t, "no Redis") })
			}
			return 7
		}), "pkg", noBinary, func() io.Writer { return &out })
		if code != 7 {
			t.Errorf("exit code %d, want the tests' 7", code)
		}
		want := map[int]string{
			0: "",
			1: "pkg: SIPCONNECT_TEST_REDIS_URL is unset and redis-server is not on PATH: 1 Redis test skipped\n",
			3: "pkg: SIPCONNECT_TEST_REDIS_URL is unset and redis-server is not on PATH: 3 Redis tests skipped\n",
		}[n]
		if out.String() != want {
			t.Errorf("%d skipped: printed %q, want %q", n, out.String(), want)
		}
	}
}

// With URLVar set, Main uses that server: it starts none and prints
// nothing.
func TestMainWithServerNamed(t *testing.T) {
	t.Setenv(URLVar, "redis://127.0.0.1:1/0")
	var out strings.Builder
	looked := false
	code := run(runner(func() int {
		if got := os.Getenv(URLVar); got != "redis://127.0.0.1:1/0" {
			t.Errorf("%s = %q during the run", URLVar, got)
		}
		return 0
	}), "pkg", func(string) (string, error) { looked = true; return "", exec.ErrNotFound }, func() io.Writer { return &out })
	if code != 0 || out.Len() > 0 || looked {
		t.Errorf("code %d, printed %q, looked for redis-server: %v", code, out.String(), looked)
	}
}

// needBinary skips t when no redis-server is on PATH.
func needBinary(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server is not on PATH")
	}
}

// With a redis-server binary, Main starts a server for the run, names it in
// URLVar, and stops it after.
func TestMainStartsServer(t *testing.T) {
	needBinary(t)
	t.Setenv(URLVar, "")
	var out strings.Builder
	var url string
	code := run(runner(func() int {
		url = os.Getenv(URLVar)
		opt, err := redis.ParseURL(url)
		if err != nil {
			t.Fatalf("%s = %q: %v", URLVar, url, err)
		}
		c := redis.NewClient(opt)
		defer c.Close()
		if err := c.Ping(context.Background()).Err(); err != nil {
			t.Errorf("the server Main started does not answer: %v", err)
		}
		return 0
	}), "pkg", exec.LookPath, func() io.Writer { return &out })
	if code != 0 || out.Len() > 0 {
		t.Errorf("code %d, printed %q", code, out.String())
	}
	if got := os.Getenv(URLVar); got != "" {
		t.Errorf("%s = %q after the run, want it unset again", URLVar, got)
	}
	addr := strings.TrimSuffix(strings.TrimPrefix(url, "redis://"), "/0")
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Errorf("%s still listens after the run", addr)
	}
}

func TestStartWithoutBinary(t *testing.T) {
	if _, err := start(noBinary); !errors.Is(err, ErrNoServer) {
		t.Errorf("err = %v, want ErrNoServer", err)
	}
}

// A server pauses, resumes, restarts empty and closes.
func TestServer(t *testing.T) {
	needBinary(t)
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1, ContextTimeoutEnabled: true})
	defer c.Close()
	ctx := context.Background()
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.Pause(); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	if err := c.Ping(short).Err(); err == nil {
		t.Error("a paused server answered")
	}
	cancel()
	if err := s.Resume(); err != nil {
		t.Fatal(err)
	}
	if err := c.Ping(ctx).Err(); err != nil {
		t.Errorf("a resumed server: %v", err)
	}
	if err := s.KillAndRestartEmpty(); err != nil {
		t.Fatal(err)
	}
	if n, err := c.DBSize(ctx).Result(); err != nil || n != 0 {
		t.Errorf("after an empty restart: %d keys, %v", n, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if conn, err := net.DialTimeout("tcp", s.Addr(), time.Second); err == nil {
		conn.Close()
		t.Error("a closed server still listens")
	}
}

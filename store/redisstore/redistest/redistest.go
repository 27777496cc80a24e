// Package redistest gives tests a Redis server: the one that
// SIPCONNECT_TEST_REDIS_URL names, or else a private redis-server that the
// test binary starts on a free loopback port and stops when it ends.
//
// A package whose tests need Redis calls [Main] from its TestMain and
// [Skip] where a test cannot run without Redis, so that a run without a
// server says how many Redis tests it skipped, also without -v:
//
//	func TestMain(m *testing.M) { os.Exit(redistest.Main(m, "mypackage")) }
//
// It is meant for the tests of this repository's modules; it is not part of
// the SDK's API.
package redistest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// URLVar names the variable that gives the tests a Redis server, as a
// redis:// URL.
const URLVar = "SIPCONNECT_TEST_REDIS_URL"

// ErrNoServer is returned by [Start] when no redis-server binary is on PATH.
var ErrNoServer = errors.New("redis-server is not on PATH")

// skipped counts the calls to Skip.
var skipped atomic.Int64

// goErr is the go command's stderr, opened by the first Skip.
var goErr struct {
	once sync.Once
	f    *os.File
}

// Skip skips tb for want of a Redis server, with the message format and
// args make, and counts it for the line [Main] prints.
func Skip(tb testing.TB, format string, args ...any) {
	tb.Helper()
	skipped.Add(1)
	// Opened while the tests run, the go command's stderr is also an input
	// of the run that go test records, and one that is gone by the next
	// run: a run that skipped Redis tests is not cached, so that each run
	// says so again.
	goErr.once.Do(func() { goErr.f = goStderr() })
	tb.Skipf(format, args...)
}

// Runner runs tests; *testing.M is one.
type Runner interface{ Run() int }

// Main runs m for the package name and returns its exit code, for
// TestMain:
//   - with URLVar set, the tests use that server and Main starts none;
//   - else, with a redis-server binary on PATH, Main starts one of its own
//     on a free loopback port, sets URLVar to it for the run, and stops it
//     after;
//   - else the tests skip, and Main prints one line saying how many Redis
//     tests were skipped.
//
// go test shows nothing but "ok" of a package that passes, unless -v is
// given: what the test binary writes is dropped. So that the line shows
// all the same, Main writes it to the go command's own stderr when the test
// binary runs under go test on Linux, and to its own stderr otherwise.
func Main(m Runner, name string) int {
	return run(m, name, exec.LookPath, func() io.Writer {
		if goErr.f != nil {
			return goErr.f
		}
		return os.Stderr
	})
}

// goStderr opens the stderr of the go command that runs the test binary,
// or returns nil when there is none or it cannot be opened.
func goStderr() *os.File {
	parent := fmt.Sprintf("/proc/%d/", os.Getppid())
	exe, err := os.Readlink(parent + "exe")
	if err != nil || filepath.Base(exe) != "go" {
		return nil
	}
	f, err := os.OpenFile(parent+"fd/2", os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil
	}
	return f
}

// run is Main with the binary lookup and the output as arguments.
func run(m Runner, name string, lookPath func(string) (string, error), output func() io.Writer) int {
	if os.Getenv(URLVar) != "" {
		return m.Run()
	}
	s, err := start(lookPath)
	if err == nil {
		os.Setenv(URLVar, s.URL())
		code := m.Run()
		os.Unsetenv(URLVar)
		if err := s.Close(); err != nil {
			fmt.Fprintf(output(), "%s: stopping the tests' redis-server: %v\n", name, err)
		}
		return code
	}
	before := skipped.Load()
	code := m.Run()
	n := skipped.Load() - before
	why := "redis-server is not on PATH"
	if !errors.Is(err, ErrNoServer) {
		why = "redis-server did not start: " + err.Error()
	}
	if n > 0 || !errors.Is(err, ErrNoServer) {
		fmt.Fprintf(output(), "%s: %s is unset and %s: %d Redis %s skipped\n", name, URLVar, why, n, plural(n, "test", "tests"))
	}
	return code
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Server is a redis-server started by [Start]: no persistence, on
// 127.0.0.1 and a port that was free.
type Server struct {
	bin    string
	addr   string
	proc   *os.Process
	exited chan struct{} // closed when proc has exited
}

// Start starts a redis-server without persistence on 127.0.0.1 and a free
// port, and returns once it answers PING. It returns an error wrapping
// [ErrNoServer] when no redis-server binary is on PATH.
func Start() (*Server, error) { return start(exec.LookPath) }

func start(lookPath func(string) (string, error)) (*Server, error) {
	bin, err := lookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrNoServer, err)
	}
	for try := 0; ; try++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
		ln.Close()
		s := &Server{bin: bin, addr: net.JoinHostPort("127.0.0.1", port)}
		logs, err := s.launch(10 * time.Second)
		if err == nil {
			return s, nil
		}
		if try == 2 { // another process took the port each time
			return nil, fmt.Errorf("redis-server on port %s did not start: %v\n%s", port, err, logs)
		}
	}
}

// launch starts s.bin on s.addr and waits up to wait for it to answer; on
// failure it kills it and returns its output.
func (s *Server) launch(wait time.Duration) (string, error) {
	_, port, _ := net.SplitHostPort(s.addr)
	var logs bytes.Buffer
	cmd := exec.Command(s.bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--protected-mode", "yes", "--daemonize", "no")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		return "", err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	client := redis.NewClient(&redis.Options{Addr: s.addr, MaxRetries: -1})
	defer client.Close()
	for deadline := time.Now().Add(wait); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		select {
		case <-exited:
			return logs.String(), errors.New("redis-server exited")
		default:
		}
		if client.Ping(context.Background()).Err() == nil {
			s.proc, s.exited = cmd.Process, exited
			return "", nil
		}
	}
	_ = cmd.Process.Kill()
	<-exited
	return logs.String(), fmt.Errorf("no answer to PING within %v", wait)
}

// Addr returns the server's host:port.
func (s *Server) Addr() string { return s.addr }

// URL returns the server's redis:// URL, database 0.
func (s *Server) URL() string { return "redis://" + s.addr + "/0" }

// Close kills the server, stopped or not, and waits for it to exit.
func (s *Server) Close() error {
	_ = s.proc.Signal(syscall.SIGCONT)
	if err := s.proc.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	<-s.exited
	return nil
}

// Pause stops the server with SIGSTOP, as a stalled Redis, and returns
// once it is stopped.
func (s *Server) Pause() error {
	if err := s.proc.Signal(syscall.SIGSTOP); err != nil {
		return err
	}
	// Linux tells the state in /proc; elsewhere, give the signal a moment.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.proc.Pid))
		if err != nil {
			time.Sleep(100 * time.Millisecond)
			return nil
		}
		if i := bytes.LastIndexByte(stat, ')'); i > 0 && i+2 < len(stat) && (stat[i+2] == 'T' || stat[i+2] == 't') {
			return nil
		}
	}
	return errors.New("redis-server did not stop")
}

// Resume lets a paused server run again.
func (s *Server) Resume() error { return s.proc.Signal(syscall.SIGCONT) }

// KillAndRestartEmpty kills the server with SIGKILL and starts a new one,
// without persistence and so empty, on the same address: what an empty
// restart of a Redis without AOF or RDB does to its clients.
func (s *Server) KillAndRestartEmpty() error {
	if err := s.proc.Signal(syscall.SIGKILL); err != nil {
		return err
	}
	<-s.exited
	var last error
	var logs string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if logs, last = s.launch(2 * time.Second); last == nil {
			return nil
		}
	}
	return fmt.Errorf("redis-server did not start again on %s: %v\n%s", s.addr, last, logs)
}

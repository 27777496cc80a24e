package apisurface

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hmssip/interconnect-go/hmsapi"
)

// LockedBuffer is an io.Writer that several goroutines may write to (a
// slog handler, a process's stderr) while a test reads it.
type LockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (l *LockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns what was written so far.
func (l *LockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// RecordingTokens hands out tokens from a ManagementTokens and remembers
// every one, so a test knows which strings must never appear.
type RecordingTokens struct {
	*hmsapi.ManagementTokens
	mu   sync.Mutex
	seen []string
}

func (r *RecordingTokens) record(tok string, err error) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = append(r.seen, tok)
	return tok, err
}

// Token returns the embedded source's token and records it.
func (r *RecordingTokens) Token(ctx context.Context) (string, error) {
	return r.record(r.ManagementTokens.Token(ctx))
}

// Renew returns the embedded source's renewed token and records it.
func (r *RecordingTokens) Renew(ctx context.Context, refused string) (string, error) {
	return r.record(r.ManagementTokens.Renew(ctx, refused))
}

// Seen returns the tokens handed out so far.
func (r *RecordingTokens) Seen() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.seen...)
}

// DebugLogger returns a logger that writes every record, debug ones too,
// as text into the returned buffer.
func DebugLogger() (*slog.Logger, *LockedBuffer) {
	var b LockedBuffer
	return slog.New(slog.NewTextHandler(&b, &slog.HandlerOptions{Level: slog.LevelDebug})), &b
}

// RecordingAPI returns a core on baseURL that takes its management tokens
// for accessKey and appSecret (minted with opts) from a RecordingTokens,
// retries with FastRetries and logs into a DebugLogger; and the tokens, the
// logger and its buffer. Its idle connections are closed when the test
// ends.
func RecordingAPI(t testing.TB, baseURL, accessKey, appSecret string, opts ...hmsapi.TokenOption) (*hmsapi.Client, *RecordingTokens, *slog.Logger, *LockedBuffer) {
	t.Helper()
	base, err := hmsapi.NewManagementTokens(accessKey, appSecret, opts...)
	if err != nil {
		t.Fatalf("hmsapi.NewManagementTokens: %v", err)
	}
	tokens := &RecordingTokens{ManagementTokens: base}
	logger, logs := DebugLogger()
	api, err := hmsapi.New(hmsapi.WithBaseURL(baseURL), hmsapi.WithTokenSource(tokens),
		hmsapi.WithRetryPolicy(FastRetries), hmsapi.WithLogger(logger))
	if err != nil {
		t.Fatalf("hmsapi.New: %v", err)
	}
	t.Cleanup(api.CloseIdleConnections)
	return api, tokens, logger, logs
}

// Strings returns f of each element of xs, in order, and nil for none: the
// ids of the peers a test got, say.
func Strings[T any](xs []T, f func(T) string) []string {
	var out []string
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}

// ExitCheckingLeaks runs the tests and exits with their code, or with 1
// when they passed but left a goroutine of this module or of an HTTP
// connection behind for longer than wait. A package's TestMain calls it.
func ExitCheckingLeaks(m *testing.M, wait time.Duration) {
	code := m.Run()
	if code == 0 {
		if leaked := LeakedGoroutines(wait); leaked != "" {
			fmt.Fprintf(os.Stderr, "goroutines left behind:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// LeakedGoroutines waits up to wait for the goroutines of this module and
// of HTTP connections to end, and returns the stacks of those still
// running, or "".
func LeakedGoroutines(wait time.Duration) string {
	deadline := time.Now().Add(wait)
	for {
		leaked := Goroutines("interconnect-go", "net/http.(*persistConn)", "net/http.(*conn).serve")
		if len(leaked) == 0 {
			return ""
		}
		if time.Now().After(deadline) {
			return strings.Join(leaked, "\n\n")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Goroutines returns the stacks of the goroutines other than the caller's
// that hold any of substrings.
func Goroutines(substrings ...string) []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	// The first goroutine listed is the caller's.
	for _, g := range strings.Split(string(buf), "\n\n")[1:] {
		for _, sub := range substrings {
			if strings.Contains(g, sub) {
				out = append(out, g)
				break
			}
		}
	}
	return out
}
